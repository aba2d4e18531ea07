"""Monthly MRR per customer, product and plan: a month-end snapshot of service periods (docs/definitions.md).

MRR is what each customer is paying for at each month's snapshot day, normalised to a month, as ChartMogul,
Baremetrics and Stripe's dashboard define it. Rates are computed per line in currency units; from the per-plan sums
on, money is Int64 cents, so every identity of the bridge holds exactly.

``billing_snapshot`` and ``subscriptions_snapshot`` return a :class:`Snapshot`: the held plans per month, the
customers' credits per month, the renewal months (billing), the export's latest date and month in progress, the
longest term seen, and notes on what was set aside.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from csctl.core.months import index_of_date, label_of, last_day, month_index
from csctl.errors import InputError

if TYPE_CHECKING:
    from csctl.core.dense import Coded, Held

DEFAULT_EXCLUDED = ("void", "voided", "draft", "deleted", "canceled", "cancelled")
# statuses of lines that stood: counted without a note (refunds and bad debt do not change MRR)
KNOWN_STATUSES = frozenset(
    {
        "paid",
        "open",
        "refunded",
        "partially_refunded",
        "partially refunded",
        "uncollectible",
        "written_off",
        "written off",
        "posted",
        "pending",
        "past_due",
        "payment_due",
        "not_paid",
        "unpaid",
        "failed",
        "active",
    }
)
NO_PRODUCT = ""
NO_PLAN = ""
WEEK = 0  # the interval code of a week; months are coded by their number
WEEK_MONTHS = 12 / 52
MONTHS_PER_DAY = 12 / 365

CATEGORICAL = ("customer_id", "product", "plan")
PLAN_SCHEMA = {
    "customer_id": pl.Categorical,
    "product": pl.Categorical,
    "plan": pl.Categorical,
    "month": pl.Int32,
    "mrr": pl.Int64,
    "quantity": pl.Float64,
}
CREDIT_SCHEMA = {"customer_id": pl.Categorical, "month": pl.Int32, "credit": pl.Int64}


@dataclass(frozen=True)
class BillingRules:
    """How billing lines are read into MRR: csctl.yaml's ``billing:`` section."""

    exclude_statuses: tuple[str, ...] = DEFAULT_EXCLUDED
    product_lines: Mapping[str, str] = field(default_factory=dict)  # product name -> the product line it is a tier of
    history_starts: int | None = None  # month index: the export holds the whole billing history from then


@dataclass
class Snapshot:
    """MRR measured at each month's snapshot day, before any as-of month is chosen."""

    held: Held  # held (customer, product, plan, month) with mrr > 0 cents, and credits < 0 cents, as codes
    due: pl.DataFrame | None  # (customer_id, month): a term's day after falls in month (billing); None: subscriptions
    latest: dt.date  # the export's latest date
    in_progress: int | None  # the month of ``latest`` when it is not that month's last day
    longest_term: int  # months (a week counts as 1)
    notes: list[str] = field(default_factory=list)
    has_plans: bool = True  # False: every line's plan is empty (no plan column, no product lines)
    tally: BillingTally | None = None  # billing: what was counted and set aside (the notes' figures)

    @property
    def plans(self) -> pl.DataFrame:
        """PLAN_SCHEMA: held (customer, product, plan, month), mrr > 0 cents."""
        return self.held.plans()

    @property
    def credits(self) -> pl.DataFrame:
        """CREDIT_SCHEMA: credits on lines of their own, credit < 0 cents."""
        return self.held.credits()

    @property
    def last_month(self) -> int:
        return index_of_date(self.latest)

    @property
    def last_complete(self) -> int:
        return self.last_month if self.in_progress is None else self.last_month - 1


def to_cents(value: pl.Expr) -> pl.Expr:
    """Round a (possibly fractional) cents amount to whole cents, half away from zero.

    Rounding to micro-cents first snaps float noise (0.4999999) onto the exact half it stands for.
    """
    return value.round(6).round(0, mode="half_away_from_zero").cast(pl.Int64)


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 line', '2 lines'."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _optional(schema: pl.Schema, name: str, dtype: pl.DataType, fill: object = None) -> pl.Expr:
    """An optional canonical column cast to ``dtype`` (its nulls filled with ``fill``), or ``fill`` without one."""
    if name in schema:
        expr = pl.col(name).cast(dtype)
        return (expr.fill_null(fill) if fill is not None else expr).alias(name)
    return pl.lit(fill, dtype).alias(name)


def _snapshot_bounds(latest: dt.date) -> tuple[int, int | None]:
    month = index_of_date(latest)
    return month, (None if latest == last_day(month) else month)


def _snap_day(month: pl.Expr, last_month: int, latest: dt.date) -> pl.Expr:
    """The snapshot day of a month-index expression: its last day, or the latest date in the month in progress."""
    year = (month // 12).cast(pl.Int32)
    first = pl.date(year, (month % 12 + 1).cast(pl.Int8), 1)
    return pl.when(month == last_month).then(pl.lit(latest)).otherwise(first.dt.month_end())


def _offset(day: pl.Expr, months: pl.Expr) -> pl.Expr:
    """day + months (calendar arithmetic, clamped to the month's last day), on integers: no string parsing."""
    target = day.dt.year().cast(pl.Int32) * 12 + day.dt.month().cast(pl.Int32) - 1 + months.cast(pl.Int32)
    year, month = target // 12, target % 12 + 1
    first = pl.date(year, month, 1)
    return first + pl.duration(days=pl.min_horizontal(day.dt.day().cast(pl.Int32), first.dt.month_end().dt.day()) - 1)


def _fills(start: pl.Expr, after: pl.Expr, months: pl.Expr) -> pl.Expr:
    """Whether [start, after − 1 day] is exactly ``months`` calendar months: start + months = after, or
    after − months = start (each clamped to the month's last day). Integer arithmetic only."""
    apart = (month_index(after) - month_index(start)) == months
    forward = after.dt.day() == pl.min_horizontal(start.dt.day(), after.dt.days_in_month())
    backward = start.dt.day() == pl.min_horizontal(after.dt.day(), start.dt.days_in_month())
    return apart & (forward | backward)


@dataclass
class BillingTally:
    """What reading billing lines counted, set aside and decided: additive over a partition of the customers, so
    the notes of a partitioned run are those of the whole export."""

    statuses: dict[str, int] = field(default_factory=dict)  # lines per (non-empty) status
    shared: int = 0  # consecutive lines starting on the previous line's end day
    adjacent: int = 0  # … on the day after
    exclusive: bool = False  # period_end taken as exclusive
    one_off_n: int = 0
    one_off_amount: float = 0.0
    refund_n: int = 0
    refund_amount: float = 0.0

    def __add__(self, other: BillingTally) -> BillingTally:
        statuses = dict(self.statuses)
        for status, n in other.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
        return BillingTally(
            statuses,
            self.shared + other.shared,
            self.adjacent + other.adjacent,
            self.exclusive or other.exclusive,
            self.one_off_n + other.one_off_n,
            self.one_off_amount + other.one_off_amount,
            self.refund_n + other.refund_n,
            self.refund_amount + other.refund_amount,
        )


def billing_notes(tally: BillingTally, excluded: tuple[str, ...]) -> list[str]:
    """The notes on how billing lines were read, from their tally."""
    notes = []
    dropped = sum(n for status, n in tally.statuses.items() if status in excluded)
    if dropped:
        notes.append(f"{_count(dropped, 'line')} with status {', '.join(sorted(excluded))} never stood: left out")
    for status, n in sorted(tally.statuses.items()):
        if status not in excluded and status not in KNOWN_STATUSES:
            notes.append(
                f"{_count(n, 'line')} with status '{status}', a status csctl does not know: counted as MRR "
                "(add it to billing.exclude_statuses in csctl.yaml if such lines never stood)"
            )
    if tally.exclusive:
        notes.append(
            f"period_end is exclusive in this export ({tally.shared:,} consecutive lines start on the previous "
            f"line's end day, {tally.adjacent:,} the day after): each line taken to end the day before"
        )
    if tally.one_off_n:
        notes.append(
            f"{_count(tally.one_off_n, 'one-off line')} (a service period of one day: set-up fees, overage; "
            f"{_money(tally.one_off_amount)} in all) are not MRR"
        )
    if tally.refund_n:
        notes.append(
            f"{_count(tally.refund_n, 'negative line')} without a service period (refunds, credit notes; "
            f"{_money(tally.refund_amount)} in all) are not MRR: refunds do not change MRR"
        )
    return notes


def _status_filter(frame: pl.DataFrame, excluded: tuple[str, ...], tally: BillingTally) -> pl.DataFrame:
    """Tally the lines per status (trimmed, lower case) and leave out the excluded ones. The statuses are
    normalised on their distinct values, not on every line."""
    if frame.get_column("status").null_count() == frame.height:
        return frame.drop("status")
    counts = frame.group_by("status").len().rows()
    statuses: dict[str, int] = {}
    left_out = []
    for raw, n in counts:
        if raw is None:
            continue
        status = raw.strip().lower()
        statuses[status] = statuses.get(status, 0) + int(n)
        if status in excluded:
            left_out.append(raw)
    tally.statuses = statuses
    if not left_out:
        return frame.drop("status")
    if len(left_out) <= 8:  # a few values: compared one by one (cheaper than a set lookup per line)
        out = pl.lit(False)
        for raw in left_out:
            out = out | (pl.col("status") == raw)
    else:
        out = pl.col("status").is_in(left_out)
    return frame.filter(~out.fill_null(False)).drop("status")


EXCLUSIVE_SAMPLE = 5_000  # customers whose consecutive lines tell an export's end-day convention


def _exclusive_ends(
    frame: pl.DataFrame, start: str, end: str, sample: int | None = None, customers: int | None = None
) -> tuple[int, int]:
    """(pairs where the next line starts on this one's last day, pairs where it starts the day after).

    Decided on the lines of at most ``sample`` customers (chosen by a hash of the id, so the same export always
    gives the same answer): enough pairs to tell an export's convention, without sorting a large export whole.
    ``customers`` is the export's number of customers when ``frame`` holds a part of them (a partition)."""
    from csctl.core import dense

    sample = EXCLUSIVE_SAMPLE if sample is None else sample
    lines = frame.lazy().filter(pl.col("amount") > 0)  # an ongoing line's start still follows the line before it
    ids = dense.code(frame.get_column("customer_id"))
    if customers is None:
        customers = ids.n
    if customers > sample:  # the customers whose id hashes to 0 (hashed once each, not once per line)
        every = customers // sample + 1
        chosen = (ids.values.cast(pl.String).hash(11) % every == 0).fill_null(False).to_numpy()
        chosen &= ids.values.is_not_null().to_numpy()  # a line without a customer is no one's
        lines = frame.lazy().filter(pl.Series(chosen[ids.codes]) & (pl.col("amount") > 0))
    pairs = (
        lines.select("customer_id", "product", start, end)
        .sort(pl.col("customer_id").to_physical(), pl.col("product").to_physical(), start)  # codes: adjacency is all
        .with_columns(  # the next row's start when it is the same customer and product: one sort, no window
            next_start=pl.when(
                (pl.col("customer_id") == pl.col("customer_id").shift(-1))
                & (pl.col("product") == pl.col("product").shift(-1))
            ).then(pl.col(start).shift(-1))
        )
        .select(
            shared=(pl.col("next_start") == pl.col(end)).sum(),
            adjacent=(pl.col("next_start") == pl.col(end) + pl.duration(days=1)).sum(),
        )
        .collect()
        .row(0)
    )
    return int(pairs[0] or 0), int(pairs[1] or 0)


def _products(frame: pl.DataFrame, product_lines: Mapping[str, str]) -> pl.DataFrame:
    """Products and plans: a product named in ``billing.product_lines`` becomes its line and its name the plan."""
    if not product_lines:
        return frame
    tier = pl.col("product").is_in(list(product_lines))
    return frame.with_columns(
        plan=pl.when(tier).then(pl.col("product")).otherwise(pl.col("plan")),
        product=pl.col("product").replace(dict(product_lines)),
    )


HELD_BLOCK_CELLS = 1_000_000  # line-months summed at a time: the arrays' memory stays bounded on large exports


def _held(lines: pl.DataFrame) -> Held:
    """Sum lines (customer_id, product, plan, first, stop, rate, quantity) into held plans and credits over the
    months ``first`` … ``stop`` whose snapshot day each line holds.

    Per (customer, product, plan, month): net = Σ rate; a plan is held when some line is positive, its net is
    positive in cents and at least 1% of its gross (Σ positive rates); a cell with no positive line and a negative
    net is a credit (summed per customer and month). Quantity = Σ quantity of positive lines − Σ |quantity| of
    negative ones (null when no positive line has one). Summed on dense codes (see csctl/core/dense.py), in blocks
    of whole customers of about HELD_BLOCK_CELLS line-months each."""
    from csctl.core import dense

    lines = lines.filter(pl.col("stop") >= pl.col("first"))
    codes = _HeldCodes(
        dense.code(lines.get_column("customer_id")),
        dense.code(lines.get_column("product")),
        dense.code(lines.get_column("plan")),
    )
    if lines.height == 0:
        none, nothing = np.zeros(0, np.int64), np.zeros(0, np.float64)
        return dense.Held(
            codes.customer, codes.product, codes.plan, none, none, none, none, none, nothing, none, none, none
        )
    first, stop = dense.ints(lines.get_column("first")), dense.ints(lines.get_column("stop"))
    rate = np.nan_to_num(dense.floats(lines.get_column("rate")), nan=0.0)
    quantity = dense.floats(lines.get_column("quantity"))
    blocks = max(1, min(4096, int((stop - first + 1).sum()) // HELD_BLOCK_CELLS + 1))
    if blocks == 1:
        parts = [_held_block(codes, np.arange(first.size), first, stop, rate, quantity)]
    else:
        block_of = (codes.customer.codes * blocks // codes.customer.n).astype(np.uint16)
        if blocks <= 8:  # a few blocks: each block's lines by a comparison, in order
            picks = [np.flatnonzero(block_of == i) for i in range(blocks)]
        else:
            order = np.argsort(block_of, kind="stable")
            bounds = np.searchsorted(block_of[order], np.arange(blocks + 1), side="left")
            picks = [order[bounds[i] : bounds[i + 1]] for i in range(blocks)]
        del block_of
        parts = [_held_block(codes, pick, first, stop, rate, quantity) for pick in picks if pick.size]
    c = [np.concatenate([part[i] for part in parts]) for i in range(9)]
    return dense.Held(codes.customer, codes.product, codes.plan, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8])


@dataclass(frozen=True)
class _HeldCodes:
    customer: Coded
    product: Coded
    plan: Coded


def _held_block(
    codes: _HeldCodes,
    picked: np.ndarray,
    first_all: np.ndarray,
    stop_all: np.ndarray,
    rate_all: np.ndarray,
    quantity_all: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """``_held`` of the lines ``picked`` (whole customers): the held plans' customer, product and plan codes, months,
    mrr and quantities, and the credits' customer codes, months and sums."""
    from csctl.core import dense

    customer, product, plan = codes.customer, codes.product, codes.plan
    combo, triples = dense.densify(
        (customer.codes[picked] * product.n + product.codes[picked]) * plan.n + plan.codes[picked]
    )
    first, stop = first_all[picked], stop_all[picked]
    m0 = int(first.min())
    span = int(stop.max()) - m0 + 1
    # every month first … stop of every line (stop ≥ first): the line's row, and its (combo, month) key
    counts = stop - first + 1
    rows = np.repeat(np.arange(first.size, dtype=np.int64), counts)
    key = np.repeat(combo * span + (first - m0) - (np.cumsum(counts) - counts), counts)
    key += np.arange(rows.size, dtype=np.int64)
    del first, stop, combo, counts  # temporaries go as soon as they are used
    cell, cells = dense.densify(key)
    del key
    n = cells.size

    rate, quantity = rate_all[picked], quantity_all[picked]
    has_quantity = ~np.isnan(quantity)
    positive = rate > 0
    counted = positive & has_quantity

    def total(weights: np.ndarray, cell: np.ndarray = cell, rows: np.ndarray = rows) -> np.ndarray:
        """Per cell: the lines' weights summed over their months (in line order)."""
        return dense.sums(cell, n, weights[rows])

    def quantities(cell: np.ndarray = cell, rows: np.ndarray = rows) -> tuple[np.ndarray, np.ndarray]:
        net = total(np.where(counted, quantity, 0.0), cell, rows)
        net -= total(np.where((rate < 0) & has_quantity, np.abs(quantity), 0.0), cell, rows)
        return net, total(counted.astype(np.float64), cell, rows) > 0

    net = total(rate)
    # A cell whose lines are all positive has gross = net and a positive line; with quantities on every line, its
    # quantity is their sum. Only the cells with some other line are summed line by line (the same sums, in the
    # same order: a zero term changes no float sum).
    other = np.zeros(n, dtype=bool)
    other[cell[np.flatnonzero(~positive[rows])]] = True
    if has_quantity.all():
        quantity_net, any_counted = total(quantity), np.ones(n, dtype=bool)
    else:
        quantity_net, any_counted = quantities()
    gross, has_positive = net, np.ones(n, dtype=bool)
    if other.any():
        inside = np.flatnonzero(other[cell])
        sub_cell, sub_rows = cell[inside], rows[inside]
        mixed = np.flatnonzero(other)
        gross = net.copy()
        gross[mixed] = total(np.where(positive, rate, 0.0), sub_cell, sub_rows)[mixed]
        has_positive[mixed] = total(positive.astype(np.float64), sub_cell, sub_rows)[mixed] > 0
        if has_quantity.all():
            sub_net, sub_any = quantities(sub_cell, sub_rows)
            quantity_net[mixed], any_counted[mixed] = sub_net[mixed], sub_any[mixed]
    mrr = dense.cents(net * 100)

    held = has_positive & (mrr > 0) & (net >= 0.01 * gross - 1e-9)
    credit = ~has_positive & (mrr < 0)
    # a cell's (customer, product, plan) from its combo: divided out once per combo, not once per cell
    customer_by = triples // (plan.n * product.n)
    keep = np.flatnonzero(held)
    combo_kept, month_kept = np.divmod(cells[keep], span)
    triple_kept = triples[combo_kept]
    quantity_held = np.where(any_counted[keep], quantity_net[keep], np.nan)
    gone = np.flatnonzero(credit)
    combo_gone, month_gone = np.divmod(cells[gone], span)
    slot, slots = dense.densify(customer_by[combo_gone] * span + month_gone)
    return (
        customer_by[combo_kept],
        (triple_kept // plan.n) % product.n,
        triple_kept % plan.n,
        month_kept + m0,
        mrr[keep],
        quantity_held,
        slots // span,
        slots % span + m0,
        dense.int_sums(slot, slots.size, mrr[gone]),
    )


def _empty_snapshot(latest: dt.date, notes: list[str], due: pl.DataFrame | None) -> Snapshot:
    _, in_progress = _snapshot_bounds(latest)
    empty = pl.DataFrame(schema={**PLAN_SCHEMA, "first": pl.Int32, "stop": pl.Int32, "rate": pl.Float64})
    return Snapshot(_held(empty), due, latest, in_progress, 1, notes)


def _billing_lines(lines: pl.LazyFrame, rules: BillingRules, tally: BillingTally) -> pl.DataFrame | None:
    """The lines that count (statuses tallied), products and plans resolved, ids as Categorical; None: none."""
    schema = lines.collect_schema()

    def optional(name: str, dtype: pl.DataType, fill: object = None) -> pl.Expr:
        return _optional(schema, name, dtype, fill)

    def text(name: str) -> pl.Expr:  # a compact read's Categorical stays one (no string per line made and coded again)
        return pl.col(name) if schema[name] == pl.Categorical else pl.col(name).cast(pl.String)

    status = text("status").alias("status") if "status" in schema else pl.lit(None, pl.String).alias("status")
    frame = lines.select(
        text("customer_id"),
        optional("product", pl.String(), NO_PRODUCT),
        optional("plan", pl.String(), NO_PLAN),
        optional("quantity", pl.Float64()),
        pl.col("amount").cast(pl.Float64),
        pl.col("period_start").alias("start"),
        optional("period_end", pl.Date()).alias("end"),
        status,
    ).collect()
    frame = _status_filter(frame, tuple(rules.exclude_statuses), tally)
    if frame.height == 0:
        return None
    # ids, products and plans as Categorical: every group-by and join below runs on integer codes
    return _products(frame, rules.product_lines).with_columns(pl.col(CATEGORICAL).cast(pl.Categorical))


def billing_scan(lines: pl.LazyFrame, rules: BillingRules) -> tuple[int, dt.date | None]:
    """(customers, latest start date) of the lines that count: the first pass of a partitioned run."""
    frame = _billing_lines(lines, rules, BillingTally())
    if frame is None:
        return 0, None
    return frame.get_column("customer_id").n_unique(), frame["start"].max()  # type: ignore[return-value]


def billing_facts(lines: pl.DataFrame, rules: BillingRules) -> tuple[int, dt.date | None, tuple[int, int] | None]:
    """(customers, latest start date, (shared, adjacent) end-day pairs) of the lines that count in a whole export:
    what a run in parts decides for the export as a whole (billing_scan and billing_end_pairs of every part,
    summed), in one pass over the lines instead of two over each part. The pairs are counted on the lines of
    _exclusive_ends' sample of customers only, picked out before any line is read whole; with no more customers
    than the sample (every customer's lines looked at), None: they are counted part by part."""

    counts = pl.lit(True)  # the lines that count: a mask, not a copy of the export
    if "status" in lines.columns:
        statuses = lines.get_column("status").unique().to_list()
        left_out = [raw for raw in statuses if raw is not None and raw.strip().lower() in rules.exclude_statuses]
        for raw in left_out:
            counts = counts & (pl.col("status") != raw).fill_null(True)
    customers, latest = (
        lines.lazy()
        .filter(counts)
        .select(pl.col("customer_id").n_unique(), pl.col("period_start").max())
        .collect()
        .row(0)
    )
    if latest is None:
        return 0, None, (0, 0)
    if customers <= EXCLUSIVE_SAMPLE:  # every customer's lines are looked at: part by part, not copied whole here
        return customers, latest, None
    # the sampled customers' lines (the same rule as _exclusive_ends'), a small share of the export
    ids = lines.lazy().filter(counts).select(pl.col("customer_id").unique()).collect().to_series()
    every = customers // EXCLUSIVE_SAMPLE + 1
    chosen = ids.filter((ids.cast(pl.String).hash(11) % every == 0).fill_null(False) & ids.is_not_null())
    sampled = lines.lazy().filter(counts & pl.col("customer_id").is_in(chosen.implode())).collect()
    return customers, latest, billing_end_pairs(sampled.lazy(), rules, customers)


def billing_end_pairs(lines: pl.LazyFrame, rules: BillingRules, customers: int) -> tuple[int, int]:
    """(shared, adjacent) end-day pairs of a part of an export of ``customers`` customers (see _exclusive_ends)."""
    frame = _billing_lines(lines, rules, BillingTally())
    return (0, 0) if frame is None else _exclusive_ends(frame, "start", "end", customers=customers)


def billing_snapshot(
    lines: pl.LazyFrame,
    rules: BillingRules | None = None,
    *,
    latest: dt.date | None = None,
    end_pairs: tuple[int, int] | None = None,
) -> Snapshot | None:
    """Measure billing lines (canonical columns) at every month's snapshot day. None when no line counts.

    ``latest`` and ``end_pairs`` are the whole export's when ``lines`` are a partition of its customers (else they
    are measured on ``lines``): its latest start date and its (shared, adjacent) end-day pairs."""
    rules = rules or BillingRules()
    tally = BillingTally()
    found = _billing_lines(lines, rules, tally)
    if found is None:
        if latest is None:
            return None
        # a part of an export whose lines here are all left out: no MRR, but its statuses count in the notes
        return replace(_empty_snapshot(latest, [], None), tally=tally)
    frame = found
    if latest is None:
        latest = frame["start"].max()  # type: ignore[assignment]
    assert latest is not None
    last_month, _ = _snapshot_bounds(latest)

    # exclusive ends: consecutive lines of a customer and product share a day
    tally.shared, tally.adjacent = end_pairs if end_pairs is not None else _exclusive_ends(frame, "start", "end")
    tally.exclusive = tally.shared > tally.adjacent
    if tally.exclusive:
        frame = frame.with_columns(pl.col("end") - pl.duration(days=1))

    # not MRR: one-off charges (a period of one day at most) and refunds or credit notes without a period
    one_off = pl.col("end").is_not_null() & (pl.col("end") <= pl.col("start"))
    refund = pl.col("end").is_null() & (pl.col("amount") < 0)
    set_aside = frame.select(
        one_off_n=one_off.sum(),
        one_off_amount=pl.col("amount").filter(one_off).sum(),
        refund_n=refund.sum(),
        refund_amount=pl.col("amount").filter(refund).sum(),
    ).row(0, named=True)
    tally.one_off_n, tally.refund_n = int(set_aside["one_off_n"]), int(set_aside["refund_n"])
    tally.one_off_amount = float(set_aside["one_off_amount"] or 0.0)
    tally.refund_amount = float(set_aside["refund_amount"] or 0.0)
    frame = frame.filter(~one_off & ~refund)
    if frame.height == 0:  # one-off charges and refunds only: no MRR in any month
        notes = billing_notes(tally, tuple(rules.exclude_statuses))
        due = pl.DataFrame(schema={"customer_id": pl.Categorical, "month": pl.Int32})
        return replace(_empty_snapshot(latest, notes, due), tally=tally)

    # service periods, whole lines and their intervals, and the months whose snapshot day each line holds
    frame = _line_terms(frame, latest, last_month)
    if frame.get_column("interval").null_count():
        whole = frame.filter(pl.col("interval").is_not_null())
        partial = frame.filter(pl.col("interval").is_null())
    else:
        whole, partial = frame, frame.clear()
    interval_months = pl.when(pl.col("interval") == WEEK).then(WEEK_MONTHS).otherwise(pl.col("interval"))
    whole = whole.with_columns(rate=pl.col("amount") / interval_months)
    if partial.height:
        partial = _rate_partial(partial, whole)
    covered = pl.concat([whole.select(partial.columns) if partial.height else whole, partial], how="diagonal_relaxed")
    longest = whole.select(pl.col("interval").max()).item() if whole.height else None
    longest_term = max(1, int(longest or 1))
    has_plans = bool(covered.select((pl.col("plan").cast(pl.String) != NO_PLAN).any()).item())
    held = _held(covered)
    # repeats allowed: the semi join that uses them counts each pair once
    due = whole.lazy().filter(pl.col("amount") > 0).select("customer_id", month="due").collect()
    _, in_progress = _snapshot_bounds(latest)
    notes = billing_notes(tally, tuple(rules.exclude_statuses))
    return Snapshot(held, due, latest, in_progress, longest_term, notes, has_plans, tally)


def _line_terms(frame: pl.DataFrame, latest: dt.date, last_month: int) -> pl.DataFrame:
    """Each line's service period (a line without an end runs one calendar month), its length in days, its interval
    (1 for a line without an end, WEEK for 7 days, a standard number of months when the period is exactly that
    many calendar months, else null: a partial line), the first and last month whose snapshot day it holds, and
    the month of its day after (a renewal falls due). On day numbers by table lookup (csctl/core/dense.py); the
    arrays are int32 and live only here."""
    from csctl.core import dense

    start = dense.days(frame.get_column("start"))
    whole_monthly = frame.get_column("end").is_null().to_numpy()
    given = dense.days(frame.get_column("end"))
    latest_day = (latest - dt.date(1970, 1, 1)).days
    cal = dense.Calendar(int(start.min()), int(max(start.max(), given.max(), latest_day)))
    end = given.copy()
    monthly = np.flatnonzero(whole_monthly)
    end[monthly] = cal.offset(start[monthly], 1) - 1
    days = end - start + 1
    guess = np.round(days / 30.4375).astype(np.int32)
    standard = (guess == 1) | (guess == 3) | (guess == 6) | ((guess % 12 == 0) & (guess > 0))
    after = end + 1
    start_month, start_mday, start_dim = cal.month(start), cal.mday(start), cal.dim(start)
    after_month, after_mday, after_dim = cal.month(after), cal.mday(after), cal.dim(after)
    fills = (after_month - start_month == guess) & (
        (after_mday == np.minimum(start_mday, after_dim)) | (start_mday == np.minimum(after_mday, start_dim))
    )
    interval = np.where(whole_monthly, 1, np.where(days == 7, WEEK, np.where(standard & fills, guess, -1)))
    # the months whose snapshot day each line holds: its last day, or the latest date in the month in progress
    end_month = cal.month(end)
    holds = np.where(end_month == last_month, end >= latest_day, after_mday == 1)  # the day after is a 1st
    stop = np.where(end_month > last_month, last_month, np.where(holds, end_month, end_month - 1))
    frame = frame.with_columns(
        end=dense.date_series(end),
        days=pl.Series(days, dtype=pl.Int32),
        interval=dense.int_series(interval, interval < 0),
        first=pl.Series(start_month, dtype=pl.Int32),
        stop=pl.Series(stop, dtype=pl.Int32),
        due=pl.Series(after_month, dtype=pl.Int32),  # the month of a term's day after
    ).with_row_index("line")
    return frame


def _nearest(left: pl.DataFrame, right: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Each left row with the columns of the right row of the same ``by`` keys nearest in start date; a tie goes to
    the earlier right row (Polars' own "nearest" takes the later one)."""
    values = [c for c in right.columns if c not in (*by, "start")]
    right = right.with_columns(_at=pl.col("start")).sort("start")
    left = left.sort("start")
    join = {"on": "start", "by": by, "check_sortedness": False}
    before = left.join_asof(right, strategy="backward", **join)  # type: ignore[arg-type]
    after = left.join_asof(right.rename({c: f"{c}_after" for c in [*values, "_at"]}), strategy="forward", **join)  # type: ignore[arg-type]
    gap_before = (pl.col("start") - pl.col("_at")).dt.total_days()
    gap_after = (pl.col("_at_after") - pl.col("start")).dt.total_days()
    take_before = pl.col("_at").is_not_null() & (pl.col("_at_after").is_null() | (gap_before <= gap_after))
    return pl.concat([before, after.select([f"{c}_after" for c in [*values, "_at"]])], how="horizontal").select(
        *left.columns,
        *[pl.when(take_before).then(pl.col(c)).otherwise(pl.col(f"{c}_after")).alias(c) for c in values],
    )


def _rate_partial(partial: pl.DataFrame, whole: pl.DataFrame) -> pl.DataFrame:
    """The monthly rate of partial lines (prorations), scaled to a whole cycle of their interval."""
    # the interval of the nearest whole line in time of the same customer and product
    nearest = _nearest(
        partial, whole.select("customer_id", "product", "start", near_interval="interval"), ["customer_id", "product"]
    )
    nearest = nearest.with_columns(interval=pl.col("near_interval")).drop("near_interval")
    # else the shortest standard interval whose cycle ending on the line's last day holds it
    after = pl.col("end") + pl.duration(days=1)

    def cycle(months: int) -> pl.Expr:
        return (after - _offset(after, pl.lit(-months))).dt.total_days()

    years = (pl.col("days") / 366).ceil().cast(pl.Int32)
    fallback = (
        pl.when(pl.col("days") <= 7)
        .then(WEEK)
        .when(pl.col("days") <= cycle(1))
        .then(1)
        .when(pl.col("days") <= cycle(3))
        .then(3)
        .when(pl.col("days") <= cycle(6))
        .then(6)
        .when(pl.col("days") <= (after - _offset(after, -years * 12)).dt.total_days())
        .then(years * 12)
        .otherwise((years + 1) * 12)
    )
    nearest = nearest.with_columns(interval=pl.coalesce(pl.col("interval"), fallback).cast(pl.Int32))
    interval_months = pl.when(pl.col("interval") == WEEK).then(WEEK_MONTHS).otherwise(pl.col("interval"))
    cycle_days = (
        pl.when(pl.col("interval") == WEEK)
        .then(7)
        .otherwise((after - _offset(after, -pl.col("interval"))).dt.total_days())
    )
    scale = interval_months * pl.col("days") / cycle_days  # the share of a month the line's days stand for
    rated = nearest.with_columns(scale=scale).with_columns(rate=pl.col("amount") / pl.col("scale"))
    # cent snapping: the whole-cycle price of the same plan when the rate agrees with it within its amount's rounding
    priced = _nearest(
        rated,
        whole.select(
            "customer_id", "product", "plan", "start", whole_rate=pl.col("rate").abs(), whole_quantity="quantity"
        ),
        ["customer_id", "product", "plan"],
    )
    tolerance = 0.005 / pl.col("scale") + 1e-9
    q, wq = pl.col("quantity").abs(), pl.col("whole_quantity")
    per_unit = (q > 0) & (wq > 0)
    unit = pl.col("whole_rate") / wq
    sign = pl.col("amount").sign().cast(pl.Float64)  # a $0.00 line has no sign: it stays $0.00, never a charge
    snapped = (
        pl.when(per_unit.fill_null(False) & ((pl.col("rate").abs() / q - unit).abs() <= tolerance / q))
        .then(sign * unit * q)
        .when(~per_unit.fill_null(False) & ((pl.col("rate").abs() - pl.col("whole_rate")).abs() <= tolerance))
        .then(sign * pl.col("whole_rate"))
        .otherwise(pl.col("rate"))
    )
    return priced.with_columns(rate=snapped).drop("scale", "whole_rate", "whole_quantity").sort("line")


INTERVALS = {
    "day": "day",
    "days": "day",
    "daily": "day",
    "week": "week",
    "weeks": "week",
    "weekly": "week",
    "month": "month",
    "months": "month",
    "monthly": "month",
    "year": "year",
    "years": "year",
    "yearly": "year",
    "annual": "year",
    "annually": "year",
}


def subscriptions_snapshot(subs: pl.LazyFrame, today: dt.date, as_of: int | None = None) -> Snapshot | None:
    """Measure subscription periods ([start_date, end_date), no end = ongoing) at every month's snapshot day.

    The latest date is the latest start or end date, capped at today; an ``as_of`` month after it is measured
    (at its last day, capped at today) when some period is ongoing: ongoing periods hold every later snapshot."""
    schema = subs.collect_schema()

    def optional(name: str, dtype: pl.DataType, fill: object = None) -> pl.Expr:
        return _optional(schema, name, dtype, fill)

    frame = subs.select(
        pl.col("customer_id").cast(pl.String).cast(pl.Categorical),
        optional("product", pl.String(), NO_PRODUCT).cast(pl.Categorical),
        optional("plan", pl.String(), NO_PLAN).cast(pl.Categorical),
        optional("quantity", pl.Float64()),
        optional("mrr", pl.Float64()),
        optional("amount", pl.Float64()),
        optional("interval", pl.String()),
        optional("interval_count", pl.Int64()),
        pl.col("start_date").alias("start"),
        optional("end_date", pl.Date()).alias("end"),
        optional("__row", pl.UInt32()),
    ).collect()
    if frame.height == 0:
        return None
    notes: list[str] = []
    unit = pl.col("interval").str.strip_chars().str.to_lowercase().replace_strict(INTERVALS, default=None)
    count = pl.col("interval_count").fill_null(1)
    months = (
        pl.when(unit == "day")
        .then(count * MONTHS_PER_DAY)
        .when(unit == "week")
        .then(count * WEEK_MONTHS)
        .when(unit == "month")
        .then(count.cast(pl.Float64))
        .when(unit == "year")
        .then(count * 12.0)
    )
    frame = frame.with_columns(
        rate=pl.coalesce(pl.col("mrr"), pl.col("amount") * pl.col("quantity").fill_null(1) / months)
    )
    unpriced = frame.filter(pl.col("rate").is_null())
    if unpriced.height:  # never dropped in silence: a period with neither mrr nor amount and interval
        example = unpriced.row(0, named=True)
        where = f"row {example['__row']}: " if example["__row"] is not None else ""
        raise InputError(
            f"{where}a subscription period of customer {example['customer_id']!r} has no monthly value: neither mrr "
            f"nor amount with an interval ({unpriced.height:,} such periods)",
            hint="give each period an mrr, or an amount and an interval (day, week, month or year)",
        )
    # inclusive ends: a customer's next period starts the day after this one's end
    shared, adjacent = _exclusive_ends(frame.with_columns(amount=pl.col("rate")), "start", "end")
    if adjacent > shared:
        frame = frame.with_columns(pl.col("end") + pl.duration(days=1))
        notes.append(
            f"end_date is inclusive in this export ({adjacent:,} consecutive periods start the day after the "
            f"previous one ends, {shared:,} on its end day): each period taken to end the day after"
        )
    dates = frame.select(pl.max_horizontal(pl.col("start").max(), pl.col("end").max())).item()
    latest: dt.date = min(dates, today)
    ongoing = frame.get_column("end").null_count() > 0
    if as_of is not None and as_of > index_of_date(latest) and ongoing:
        latest = min(last_day(as_of), today)
    last_month, _ = _snapshot_bounds(latest)
    start_month, end_month = month_index(pl.col("start")), month_index(pl.col("end"))
    first = (
        pl.when(pl.col("start") <= _snap_day(start_month, last_month, latest))
        .then(start_month)
        .otherwise(start_month + 1)
    )
    stop = (
        pl.when(pl.col("end").is_null() | (end_month > last_month))
        .then(last_month)
        .when(pl.col("end") > _snap_day(end_month, last_month, latest))
        .then(end_month)
        .otherwise(end_month - 1)
    )
    frame = frame.with_columns(first=first.cast(pl.Int32), stop=pl.min_horizontal(stop, last_month).cast(pl.Int32))
    between = frame.filter((pl.col("stop") < pl.col("first")) & (pl.col("start") <= pl.lit(latest)))
    if between.height:
        notes.append(
            f"{_count(between.height, 'subscription period')} "
            f"{'starts and ends' if between.height == 1 else 'start and end'} between two month-end snapshots "
            f"({_money(float(between['rate'].sum() or 0.0))} of monthly value in all): they never hold MRR"
        )
    has_plans = bool(frame.select((pl.col("plan").cast(pl.String) != NO_PLAN).any()).item())
    held = _held(frame)
    _, in_progress = _snapshot_bounds(latest)
    return Snapshot(held, None, latest, in_progress, 1, notes, has_plans)


def month_in_progress_note(snapshot: Snapshot) -> str | None:
    """The note that names the month in progress, when the default as-of month leaves it out."""
    if snapshot.in_progress is None:
        return None
    month = label_of(snapshot.in_progress)
    return (
        f"The export's latest date is {snapshot.latest.isoformat()}: {month} is in progress, so the figures are "
        f"for {label_of(snapshot.in_progress - 1)}, the last complete month (--as-of {month} measures the month in "
        f"progress at {snapshot.latest.isoformat()})."
    )
