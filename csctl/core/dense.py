"""Dense integer codes and per-(key, month) arrays: the billing chain's sums without hash group-bys or joins.

Customers, products and plans become codes 0 … n−1; a held (customer, product, plan) or (customer, product) is a
row of a 2-D array whose columns are months, so summing lines into months is one ``bincount`` and month m−1 beside
month m is two column slices. The codes keep the values' own order of first appearance in the physical codes, so
a customer's rows are contiguous and its keys sort with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

# a lookup table is used for densifying when its size stays within this many entries per value (else a sort)
_LUT_PER_VALUE = 16
_LUT_MIN = 1 << 20


def densify(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes 0 … n−1 in the order of the keys' values, the distinct keys in code order) of non-negative integers."""
    if keys.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, keys.dtype)
    top = int(keys.max())
    if top + 1 <= max(_LUT_MIN, _LUT_PER_VALUE * keys.size):
        present = np.zeros(top + 1, dtype=bool)
        present[keys] = True
        distinct = np.flatnonzero(present)
        lut = np.empty(top + 1, dtype=np.int64)  # only the present keys' entries are written, and read
        lut[distinct] = np.arange(distinct.size, dtype=np.int64)
        return lut[keys], distinct.astype(keys.dtype, copy=False)
    distinct, inverse = np.unique(keys, return_inverse=True)
    return inverse.astype(np.int64, copy=False), distinct


@dataclass(frozen=True)
class Coded:
    """A Categorical (or text) column as dense codes, with the values to turn codes back into the column."""

    codes: np.ndarray  # int64, one per row
    values: pl.Series  # the column's distinct values; values[code] is the value of a row with that code
    keys: np.ndarray  # the sorted physical keys (physical code + 1, null 0) of the codes

    @property
    def n(self) -> int:
        return self.values.len()

    def decode(self, codes: np.ndarray) -> pl.Series:
        return self.values.gather(pl.Series(codes, dtype=pl.Int64))

    def lookup(self, column: pl.Series) -> np.ndarray:
        """The codes of another column's values (the same Categorical mapping); −1 where a value has none."""
        raw = _physical_keys(column)
        if self.keys.size == 0 or raw.size == 0:
            return np.full(raw.size, -1, dtype=np.int64)
        top = int(max(self.keys[-1], raw.max()))
        if top + 1 <= max(_LUT_MIN, _LUT_PER_VALUE * raw.size):  # a table: one lookup per value
            table = np.full(top + 1, -1, dtype=np.int64)
            table[self.keys] = np.arange(self.keys.size)
            return table[raw]
        at = np.minimum(np.searchsorted(self.keys, raw), self.keys.size - 1)
        return np.where(self.keys[at] == raw, at, -1).astype(np.int64)


def _physical_keys(column: pl.Series) -> np.ndarray:
    if column.dtype != pl.Categorical:
        column = column.cast(pl.String).cast(pl.Categorical)
    physical = column.to_physical()
    if physical.null_count() == 0:
        return np.add(physical.to_numpy(), 1, dtype=np.int64)
    return physical.cast(pl.Int64).fill_null(-1).to_numpy() + 1  # null -> 0


def code(column: pl.Series) -> Coded:
    """Dense codes of a Categorical column (its physical codes densified) with nulls as a value of their own."""
    if column.dtype != pl.Categorical:
        column = column.cast(pl.String).cast(pl.Categorical)
    codes, distinct = densify(_physical_keys(column))
    first = np.full(distinct.size, -1, dtype=np.int64)
    # the first row of each code, taken from the last write of a reversed index (numpy keeps the last on repeats)
    order = np.arange(codes.size - 1, -1, -1, dtype=np.int64)
    first[codes[::-1]] = order
    return Coded(codes, column.gather(pl.Series(first, dtype=pl.Int64)), distinct)


def spread(first: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row index, month) for every month first … stop of every row (rows with stop < first hold none)."""
    counts = np.maximum(stop - first + 1, 0).astype(np.int64)
    rows = np.repeat(np.arange(first.size, dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    months = np.repeat(first.astype(np.int64) - starts, counts) + np.arange(rows.size, dtype=np.int64)
    return rows, months


def sums(cell: np.ndarray, cells: int, weights: np.ndarray | None = None) -> np.ndarray:
    """The sum of ``weights`` (or the count) per cell 0 … cells−1."""
    return np.bincount(cell, weights=weights, minlength=cells)


def cents(values: np.ndarray) -> np.ndarray:
    """Float cents rounded to whole cents as ``mrr.to_cents`` rounds them (micro-cents first, then half away from
    zero), computed by the same Polars expressions so both agree to the cent."""
    if values.size == 0:
        return np.zeros(0, np.int64)
    series = pl.Series(values, dtype=pl.Float64)
    return series.round(6).round(0, mode="half_away_from_zero").cast(pl.Int64).to_numpy()


def floats(column: pl.Series) -> np.ndarray:
    """A numeric column as float64 with nulls as NaN."""
    return column.cast(pl.Float64).fill_null(float("nan")).to_numpy()


def ints(column: pl.Series) -> np.ndarray:
    """An integer column without nulls as int64."""
    return column.cast(pl.Int64).to_numpy()


def int_sums(cell: np.ndarray, cells: int, values: np.ndarray) -> np.ndarray:
    """The exact sum of integer ``values`` (cents) per cell; float sums are exact below 2**53 cents."""
    total = np.bincount(cell, weights=values.astype(np.float64), minlength=cells)
    if np.abs(values).sum(dtype=np.float64) < 2.0**53:
        return np.rint(total).astype(np.int64)
    exact = np.zeros(cells, dtype=np.int64)
    np.add.at(exact, cell, values)
    return exact


EPOCH_MONTH = 1970 * 12  # the month index of 1970-01, day 0 of Polars' Date


def days(column: pl.Series) -> np.ndarray:
    """A Date column as int32 days since 1970-01-01 (nulls as the smallest int32)."""
    return column.to_physical().fill_null(np.iinfo(np.int32).min).to_numpy()


class Calendar:
    """Month arithmetic on day numbers by table lookup: month index, day of month and days in month of every day
    from ``low`` to ``high`` (day numbers, inclusive), with room for a year either side. int32 throughout."""

    def __init__(self, low: int, high: int) -> None:
        self.low = low - 400
        count = high + 400 - self.low + 1
        day = np.arange(self.low, self.low + count, dtype=np.int64)
        month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)  # months since 1970-01
        first = month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        following = (month + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        self._month = (month + EPOCH_MONTH).astype(np.int32)
        self._mday = (day - first + 1).astype(np.int32)
        self._dim = (following - first).astype(np.int32)
        # the first day of every month the days fall in, and of the month after the last
        self._low_month = int(self._month[0])
        self._firsts = self.first_day(np.arange(self._low_month, int(self._month[-1]) + 2, dtype=np.int64))

    def month(self, day: np.ndarray) -> np.ndarray:
        return self._month[day - self.low]

    def mday(self, day: np.ndarray) -> np.ndarray:
        return self._mday[day - self.low]

    def dim(self, day: np.ndarray) -> np.ndarray:
        return self._dim[day - self.low]

    @staticmethod
    def first_day(month: np.ndarray) -> np.ndarray:
        """The day number of the first day of each month index."""
        return (month.astype(np.int64) - EPOCH_MONTH).astype("datetime64[M]").astype("datetime64[D]").astype(np.int32)

    def offset(self, day: np.ndarray, months: int | np.ndarray) -> np.ndarray:
        """day + months, calendar arithmetic clamped to the target month's last day."""
        target = self.month(day) + months
        if target.size and target.min() >= self._low_month and target.max() + 1 < self._low_month + self._firsts.size:
            first = self._firsts[target - self._low_month]
            following = self._firsts[target + 1 - self._low_month]
        else:
            first = self.first_day(target)
            following = self.first_day(target + 1)
        return first + np.minimum(self.mday(day), following - first) - 1


def date_series(values: np.ndarray, mask: np.ndarray | None = None) -> pl.Series:
    """Day numbers as a Date Series (``mask``: where the value is null)."""
    series = pl.Series(values, dtype=pl.Int32 if values.dtype == np.int32 else pl.Int64)
    if mask is not None and mask.any():
        series = series.scatter(np.flatnonzero(mask), None)
    return series.cast(pl.Int32).cast(pl.Date)


def int_series(values: np.ndarray, mask: np.ndarray | None = None, dtype: pl.DataType | None = None) -> pl.Series:
    series = pl.Series(values, dtype=pl.Int64)
    if mask is not None and mask.any():
        series = series.scatter(np.flatnonzero(mask), None)
    return series.cast(dtype or pl.Int32)


def recode(coded: Coded, codes: np.ndarray) -> Coded:
    """``coded`` narrowed to the values that ``codes`` (its codes) use: dense codes 0 … n−1 in the same order, as
    ``code`` gives them for a column holding only those rows."""
    narrowed, distinct = densify(codes)
    return Coded(narrowed, coded.values.gather(pl.Series(distinct, dtype=pl.Int64)), coded.keys[distinct])


@dataclass
class Held:
    """Held plans and credits as arrays of codes (of ``customer``, ``product``, ``plan``): what the snapshot sums lines
    into and the bridge reads, turned into frames (mrr.PLAN_SCHEMA, mrr.CREDIT_SCHEMA) only when asked for."""

    customer: Coded
    product: Coded
    plan: Coded
    plan_customers: np.ndarray  # int64 codes, one per held (customer, product, plan, month)
    plan_products: np.ndarray
    plan_plans: np.ndarray
    plan_months: np.ndarray  # int64 month indexes
    plan_mrr: np.ndarray  # int64 cents, > 0
    plan_quantity: np.ndarray  # float64, NaN: none
    credit_customers: np.ndarray  # int64 codes, one per (customer, month) with a credit
    credit_months: np.ndarray
    credit_values: np.ndarray  # int64 cents, < 0

    def upto(self, month: int) -> Held:
        """The plans and credits of months up to ``month``."""
        plans, credits = self.plan_months <= month, self.credit_months <= month
        if plans.all() and credits.all():
            return self
        p, c = np.flatnonzero(plans), np.flatnonzero(credits)
        return Held(
            self.customer,
            self.product,
            self.plan,
            self.plan_customers[p],
            self.plan_products[p],
            self.plan_plans[p],
            self.plan_months[p],
            self.plan_mrr[p],
            self.plan_quantity[p],
            self.credit_customers[c],
            self.credit_months[c],
            self.credit_values[c],
        )

    def plans(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "customer_id": self.customer.decode(self.plan_customers),
                "product": self.product.decode(self.plan_products),
                "plan": self.plan.decode(self.plan_plans),
                "month": pl.Series(self.plan_months, dtype=pl.Int32),
                "mrr": pl.Series(self.plan_mrr, dtype=pl.Int64),
                "quantity": pl.Series(self.plan_quantity, dtype=pl.Float64, nan_to_null=True),
            }
        )

    def credits(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "customer_id": self.customer.decode(self.credit_customers),
                "month": pl.Series(self.credit_months, dtype=pl.Int32),
                "credit": pl.Series(self.credit_values, dtype=pl.Int64),
            }
        )
