"""An independent, plain-Python reference of DESIGN.md §4 "The numbers", for the tests.

Written from the definitions, not from csctl/core: no Polars, exact arithmetic with ``fractions.Fraction``,
money in integer cents. It mirrors the implementation choices csctl documents (and DESIGN.md leaves open):

- per (customer, product, month) the value is Σ amount × 100 / n over the lines covering it, rounded to whole
  cents half away from zero; a negative sum then counts as 0;
- the price effect is rounded to whole cents the same way and volume = (p1 − p0) − price, so every identity is
  exact; without quantities (q0 or q1 missing or 0) the price effect is 0;
- a customer is due for renewal in month m when one of its (non-void) billing lines covers months ending in
  m − 1 (due month = start month + n), or when customers.renewal_date falls in m; for a subscription export
  whose customers table has no renewal_date column (or no customers table at all) every customer is due every
  month; eligible "MRR lost" = c(m−1) − min(c(m), c(m−1)) over due customers with c(m−1) > 0;
- the CLV churn basis (default) = Σ −headwind / Σ mrr_start over the bridge months in the 12 months ending at
  the as-of month.

Months are integer indexes, year × 12 + month − 1, as csctl uses; products ``None`` form one product.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

MOVEMENTS = (
    "new",
    "reactivation",
    "expansion",
    "price_uplift",
    "upsell",
    "contraction",
    "price_erosion",
    "churn",
)
HEADWIND = ("churn", "contraction", "price_erosion")
TAILWIND = ("expansion", "price_uplift", "upsell")
COUNTS = ("customers_start", "customers_new", "customers_reactivated", "customers_churned", "customers_end")
RATES = (
    "gross_revenue_churn",
    "net_revenue_churn",
    "logo_churn_rate",
    "grr",
    "nrr",
    "eligible_churn",
    "quick_ratio",
)
IGNORED_STATUSES = frozenset({"void", "draft", "deleted"})
DAYS_PER_MONTH = Fraction("30.4375")

Key = tuple[str, str | None, int]  # (customer_id, product, month)
Rate = Fraction | None
Due = set[tuple[str, int]]  # (customer_id, month) pairs due for renewal


def month_of(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def label(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def round_half_away(value: Fraction) -> int:
    """Round to the nearest integer, halves away from zero."""
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def ratio(numerator: int | Fraction, denominator: int | Fraction) -> Rate:
    """numerator / denominator; None when the denominator is zero (DESIGN.md: a rate over 0 is null)."""
    return None if denominator == 0 else Fraction(numerator) / Fraction(denominator)


def as_fraction(value: float | int | str | Fraction | None) -> Fraction | None:
    return None if value is None else Fraction(value)


# ----------------------------------------------------------------------------------------------------
# inputs


@dataclass(frozen=True)
class BillingLine:
    customer_id: str
    amount_cents: int
    period_start: dt.date
    period_end: dt.date | None = None
    product: str | None = None
    quantity: float | None = None
    status: str | None = None

    @property
    def active(self) -> bool:
        return self.status is None or self.status.strip().lower() not in IGNORED_STATUSES

    @property
    def start_month(self) -> int:
        return month_of(self.period_start)

    @property
    def months(self) -> int:
        """n = max(1, round((period_end − period_start + 1 day) / 30.4375 days)); 1 without a period_end."""
        if self.period_end is None:
            return 1
        days = (self.period_end - self.period_start).days + 1
        return max(1, round(Fraction(days) / DAYS_PER_MONTH))  # no ties: 30.4375 × (k + ½) is never whole


@dataclass(frozen=True)
class SubscriptionRow:
    customer_id: str
    start_date: dt.date
    mrr_cents: int
    end_date: dt.date | None = None  # exclusive
    product: str | None = None
    quantity: float | None = None


@dataclass(frozen=True)
class Account:
    customer_id: str
    renewal_date: dt.date | None = None


@dataclass(frozen=True)
class ProductMonth:
    cents: int  # > 0
    quantity: Fraction | None  # Σ quantity of the positive-amount lines covering it; None when none had one


# ----------------------------------------------------------------------------------------------------
# monthly MRR per customer and product


def billing_as_of(lines: Iterable[BillingLine]) -> int | None:
    """The month of the latest period_start of a line that counts."""
    months = [line.start_month for line in lines if line.active]
    return max(months) if months else None


def subscriptions_as_of(rows: Iterable[SubscriptionRow], today: dt.date) -> int | None:
    """The month of the latest start_date or end_date, capped at the current month."""
    dates = [d for row in rows for d in (row.start_date, row.end_date) if d is not None]
    return min(month_of(max(dates)), month_of(today)) if dates else None


def _finish(amounts: dict[Key, Fraction], quantities: dict[Key, Fraction]) -> dict[Key, ProductMonth]:
    out: dict[Key, ProductMonth] = {}
    for key, amount in amounts.items():
        cents = max(0, round_half_away(amount))
        if cents > 0:
            out[key] = ProductMonth(cents, quantities.get(key))
    return out


def billing_product_mrr(lines: Iterable[BillingLine], as_of: int) -> dict[Key, ProductMonth]:
    amounts: dict[Key, Fraction] = defaultdict(Fraction)
    quantities: dict[Key, Fraction] = {}
    for line in lines:
        if not line.active:
            continue
        n = line.months
        share = Fraction(line.amount_cents, n)
        for month in range(line.start_month, line.start_month + n):
            if month > as_of:
                break
            key = (line.customer_id, line.product, month)
            amounts[key] += share
            if line.amount_cents > 0 and line.quantity is not None:
                quantities[key] = quantities.get(key, Fraction(0)) + Fraction(line.quantity)
    return _finish(amounts, quantities)


def subscriptions_product_mrr(rows: Iterable[SubscriptionRow], as_of: int) -> dict[Key, ProductMonth]:
    amounts: dict[Key, Fraction] = defaultdict(Fraction)
    quantities: dict[Key, Fraction] = {}
    for row in rows:
        stop = as_of + 1 if row.end_date is None else min(month_of(row.end_date), as_of + 1)
        for month in range(month_of(row.start_date), stop):
            key = (row.customer_id, row.product, month)
            amounts[key] += row.mrr_cents
            if row.mrr_cents > 0 and row.quantity is not None:
                quantities[key] = quantities.get(key, Fraction(0)) + Fraction(row.quantity)
    return _finish(amounts, quantities)


def customer_mrr(product_mrr: dict[Key, ProductMonth]) -> dict[tuple[str, int], int]:
    """c(m) per (customer, month), only where it is > 0."""
    out: dict[tuple[str, int], int] = defaultdict(int)
    for (customer, _product, month), value in product_mrr.items():
        out[(customer, month)] += value.cents
    return dict(out)


# ----------------------------------------------------------------------------------------------------
# renewals


def billing_due(lines: Iterable[BillingLine]) -> Due:
    """(customer, month) where a term of the customer's ended in month − 1."""
    return {(line.customer_id, line.start_month + line.months) for line in lines if line.active}


def renewal_due(accounts: Iterable[Account]) -> Due:
    return {(a.customer_id, month_of(a.renewal_date)) for a in accounts if a.renewal_date is not None}


# ----------------------------------------------------------------------------------------------------
# the bridge


@dataclass
class Movement:
    customer_id: str
    month: int
    mrr_start: int
    mrr_end: int
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MOVEMENTS, 0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "month": self.month,
            "mrr_start": self.mrr_start,
            "mrr_end": self.mrr_end,
            **self.values,
        }


def product_movement(p0: ProductMonth | None, p1: ProductMonth | None) -> dict[str, int]:
    """Movements of one product of a retained customer (c(m−1) > 0 and c(m) > 0)."""
    out = dict.fromkeys(MOVEMENTS, 0)
    if p0 is None and p1 is None:
        return out
    if p0 is None:
        assert p1 is not None
        out["upsell"] = p1.cents
        return out
    if p1 is None:
        out["contraction"] = -p0.cents
        return out
    price = 0
    q0, q1 = p0.quantity, p1.quantity
    if q0 is not None and q1 is not None and q0 > 0 and q1 > 0:
        price = round_half_away((Fraction(p1.cents) / q1 - Fraction(p0.cents) / q0) * q0)
    volume = (p1.cents - p0.cents) - price
    if volume > 0:
        out["expansion"] = volume
    else:
        out["contraction"] = volume
    if price > 0:
        out["price_uplift"] = price
    else:
        out["price_erosion"] = price
    return out


@dataclass
class Reference:
    """Everything computed from one input: monthly values, movements, the bridge rows."""

    as_of: int
    first_month: int
    product_mrr: dict[Key, ProductMonth]
    c: dict[tuple[str, int], int]
    movements: dict[tuple[str, int], Movement]
    bridge: list[dict[str, Any]]  # money in cents, counts, rates as Fraction | None

    def cm(self, customer: str, month: int) -> int:
        return self.c.get((customer, month), 0)

    @property
    def customers(self) -> list[str]:
        return sorted({customer for customer, _ in self.c})

    def row(self, month: int) -> dict[str, Any]:
        return self.bridge[month - self.first_month]

    def window(self, a: int, b: int) -> tuple[Rate, Rate, Rate]:
        """(grr, nrr, logo churn) from month a to month b over the customers with c(a−1) > 0."""
        base = [(self.cm(k, a - 1), self.cm(k, b)) for k in self.customers if self.cm(k, a - 1) > 0]
        start = sum(c0 for c0, _ in base)
        grr = ratio(sum(min(c0, c1) for c0, c1 in base), start)
        nrr = ratio(sum(c1 for _, c1 in base), start)
        logo = ratio(sum(1 for _, c1 in base if c1 == 0), len(base))
        return grr, nrr, logo


def build(product_mrr: dict[Key, ProductMonth], as_of: int, due: Due | None) -> Reference | None:
    """Movements and the monthly bridge; ``due`` None means every customer is due every month.

    Returns None when there is no MRR in or before the as-of month (csctl: an input error).
    """
    product_mrr = {k: v for k, v in product_mrr.items() if k[2] <= as_of}
    if not product_mrr:
        return None
    c = customer_mrr(product_mrr)
    first_month = min(month for _, month in c)
    customers = sorted({customer for customer, _ in c})
    products: dict[str, set[str | None]] = defaultdict(set)
    for customer, product, _ in product_mrr:
        products[customer].add(product)

    movements: dict[tuple[str, int], Movement] = {}
    for customer in customers:
        months_with_mrr = sorted(m for k, m in c if k == customer)
        for month in range(first_month, as_of + 1):
            c0, c1 = c.get((customer, month - 1), 0), c.get((customer, month), 0)
            if c0 == 0 and c1 == 0:
                continue
            mv = Movement(customer, month, c0, c1)
            if c0 == 0:
                earlier = any(m < month for m in months_with_mrr)
                mv.values["reactivation" if earlier else "new"] = c1
            elif c1 == 0:
                mv.values["churn"] = -c0
            else:
                for product in products[customer]:
                    p0 = product_mrr.get((customer, product, month - 1))
                    p1 = product_mrr.get((customer, product, month))
                    for name, value in product_movement(p0, p1).items():
                        mv.values[name] += value
            movements[(customer, month)] = mv

    bridge: list[dict[str, Any]] = []
    for month in range(first_month, as_of + 1):
        rows = [mv for (_, m), mv in movements.items() if m == month]
        totals = {name: sum(mv.values[name] for mv in rows) for name in MOVEMENTS}
        mrr_start = sum(mv.mrr_start for mv in rows)
        mrr_end = sum(mv.mrr_end for mv in rows)
        headwind = sum(totals[n] for n in HEADWIND)
        tailwind = sum(totals[n] for n in TAILWIND)
        retained = [mv for mv in rows if mv.mrr_start > 0]
        eligible = retained if due is None else [mv for mv in retained if (mv.customer_id, month) in due]
        eligible_mrr = sum(mv.mrr_start for mv in eligible)
        eligible_lost = sum(mv.mrr_start - min(mv.mrr_start, mv.mrr_end) for mv in eligible)
        row: dict[str, Any] = {
            "month": month,
            "mrr_start": mrr_start,
            **totals,
            "mrr_end": mrr_end,
            "customers_start": len(retained),
            "customers_new": sum(1 for mv in rows if mv.values["new"] > 0),
            "customers_reactivated": sum(1 for mv in rows if mv.values["reactivation"] > 0),
            "customers_churned": sum(1 for mv in rows if mv.mrr_start > 0 and mv.mrr_end == 0),
            "customers_end": sum(1 for mv in rows if mv.mrr_end > 0),
            "gross_revenue_churn": ratio(-headwind, mrr_start),
            "net_revenue_churn": ratio(-(headwind + tailwind), mrr_start),
            "logo_churn_rate": None,
            "grr": ratio(sum(min(mv.mrr_start, mv.mrr_end) for mv in retained), mrr_start),
            "nrr": ratio(sum(mv.mrr_end for mv in retained), mrr_start),
            "eligible_mrr": eligible_mrr,
            "eligible_lost": eligible_lost,
            "eligible_churn": ratio(eligible_lost, eligible_mrr),
            "quick_ratio": ratio(totals["new"] + totals["reactivation"] + tailwind, -headwind),
        }
        row["logo_churn_rate"] = ratio(row["customers_churned"], row["customers_start"])
        bridge.append(row)
    return Reference(as_of, first_month, product_mrr, c, movements, bridge)


def from_billing(
    lines: list[BillingLine], accounts: list[Account] | None = None, as_of: int | None = None
) -> Reference | None:
    as_of = billing_as_of(lines) if as_of is None else as_of
    if as_of is None:
        return None
    due = billing_due(lines)
    if accounts is not None:
        due |= renewal_due(accounts)
    return build(billing_product_mrr(lines, as_of), as_of, due)


def from_subscriptions(
    rows: list[SubscriptionRow],
    accounts: list[Account] | None = None,
    as_of: int | None = None,
    today: dt.date = dt.date(2100, 1, 1),
) -> Reference | None:
    """``accounts`` None (no customers table, or one without renewal_date): everyone is always due."""
    as_of = subscriptions_as_of(rows, today) if as_of is None else as_of
    if as_of is None:
        return None
    due = None if accounts is None else renewal_due(accounts)
    return build(subscriptions_product_mrr(rows, as_of), as_of, due)


# ----------------------------------------------------------------------------------------------------
# headline metrics


def metrics(ref: Reference, gross_margin: Fraction = Fraction(3, 4)) -> dict[str, Fraction | int | None]:
    """The registry's numbers metrics for the as-of month; money in currency units (Fractions)."""
    row = ref.row(ref.as_of)
    out: dict[str, Fraction | int | None] = {}
    mrr = Fraction(row["mrr_end"], 100)
    customers = row["customers_end"]
    arpa = None if customers == 0 else mrr / customers
    out.update(mrr=mrr, arr=12 * mrr, customers=customers, arpa=arpa)
    for name in MOVEMENTS:
        out[f"{name}_mrr"] = Fraction(row[name], 100)
    headwind = sum(row[n] for n in HEADWIND)
    tailwind = sum(row[n] for n in TAILWIND)
    out["headwind_mrr"] = Fraction(headwind, 100)
    out["tailwind_mrr"] = Fraction(tailwind, 100)
    rates = ("gross_revenue_churn", "net_revenue_churn", "logo_churn_rate", "eligible_churn", "quick_ratio")
    out.update({name: row[name] for name in rates})
    out["logos_lost"] = row["customers_churned"]
    out["grr_1m"], out["nrr_1m"], _ = ref.window(ref.as_of, ref.as_of)
    out["grr_3m"], out["nrr_3m"], _ = ref.window(ref.as_of - 2, ref.as_of)
    out["grr_12m"], out["nrr_12m"], out["logo_churn_12m"] = ref.window(ref.as_of - 11, ref.as_of)
    trailing = [r for r in ref.bridge if r["month"] > ref.as_of - 12]
    lost = -sum(r[n] for r in trailing for n in HEADWIND)
    base = sum(r["mrr_start"] for r in trailing)
    churn = ratio(lost, base)
    out["gross_revenue_churn_12m"] = churn
    out["clv"] = None if arpa is None or churn is None or churn <= 0 else gross_margin * arpa / churn
    return out


def quarters(ref: Reference, count: int = 8) -> list[dict[str, Any]]:
    """Revenue by quarter = Σ monthly MRR in the quarter, for the last ``count`` complete quarters."""
    by_quarter: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in ref.bridge:
        month = r["month"]
        if (month // 3) * 3 + 2 <= ref.as_of:
            by_quarter[month // 3].append(r)
    out = []
    for q in sorted(by_quarter)[-count:]:
        rows = by_quarter[q]
        out.append(
            {
                "quarter": f"{q // 4}-Q{q % 4 + 1}",
                "months": len(rows),
                "revenue": sum(r["mrr_end"] for r in rows),
                "mrr_end": rows[-1]["mrr_end"],
                "customers_end": rows[-1]["customers_end"],
            }
        )
    return out


# ----------------------------------------------------------------------------------------------------
# adapters for the tests: the inputs as csctl's canonical LazyFrames, and comparisons with csctl's output.
# (Polars is imported here only to hand csctl its input and read its output; nothing above uses it.)

BRIDGE_MONEY = ("mrr_start", *MOVEMENTS, "mrr_end")


def billing_frame(lines: list[BillingLine]):  # -> pl.LazyFrame
    import polars as pl

    return pl.LazyFrame(
        {
            "customer_id": [x.customer_id for x in lines],
            "amount": [x.amount_cents / 100 for x in lines],
            "period_start": [x.period_start for x in lines],
            "period_end": [x.period_end for x in lines],
            "product": [x.product for x in lines],
            "quantity": [None if x.quantity is None else float(x.quantity) for x in lines],
            "status": [x.status for x in lines],
        },
        schema={
            "customer_id": pl.String,
            "amount": pl.Float64,
            "period_start": pl.Date,
            "period_end": pl.Date,
            "product": pl.String,
            "quantity": pl.Float64,
            "status": pl.String,
        },
    )


def subscriptions_frame(rows: list[SubscriptionRow]):  # -> pl.LazyFrame
    import polars as pl

    return pl.LazyFrame(
        {
            "customer_id": [x.customer_id for x in rows],
            "start_date": [x.start_date for x in rows],
            "end_date": [x.end_date for x in rows],
            "mrr": [x.mrr_cents / 100 for x in rows],
            "product": [x.product for x in rows],
            "quantity": [None if x.quantity is None else float(x.quantity) for x in rows],
        },
        schema={
            "customer_id": pl.String,
            "start_date": pl.Date,
            "end_date": pl.Date,
            "mrr": pl.Float64,
            "product": pl.String,
            "quantity": pl.Float64,
        },
    )


def customers_frame(accounts: list[Account]):  # -> pl.LazyFrame
    import polars as pl

    return pl.LazyFrame(
        {
            "customer_id": [a.customer_id for a in accounts],
            "renewal_date": [a.renewal_date for a in accounts],
            "name": [f"Account {a.customer_id}" for a in accounts],
        },
        schema={"customer_id": pl.String, "renewal_date": pl.Date, "name": pl.String},
    )


def rate_close(got: float | None, want: Rate, tol: float = 1e-12) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return abs(got - float(want)) <= tol * max(1.0, abs(float(want)))


def diff_bridge(frame_rows: list[dict[str, Any]], ref: Reference, units: bool = True) -> list[str]:
    """Differences between csctl's bridge rows (bridge view in units, or cents) and the reference."""
    problems: list[str] = []
    if len(frame_rows) != len(ref.bridge):
        got_months = [r["month"] for r in frame_rows]
        return [f"{len(frame_rows)} rows {got_months}, want {len(ref.bridge)} from {label(ref.first_month)}"]
    for got, want in zip(frame_rows, ref.bridge, strict=True):
        month = label(want["month"])
        got_month = got["month"] if units else label(int(got["month"]))
        if got_month != month:
            problems.append(f"month {got_month} != {month}")
        for col in BRIDGE_MONEY:
            cents = want[col]
            value = got[col]
            # in units: the nearest cent within float noise (Polars divides by 100 as × 0.01, so 427 cents
            # can come out as 4.2700000000000005; renderers round money to 2 decimals at output)
            ok = round(value * 100) == cents and abs(value * 100 - cents) < 1e-6 if units else value == cents
            if not ok:
                problems.append(f"{month} {col}: got {value}, want {cents / 100 if units else cents}")
        for col in COUNTS:
            if got[col] != want[col]:
                problems.append(f"{month} {col}: got {got[col]}, want {want[col]}")
        for col in RATES:
            if not rate_close(got[col], want[col]):
                w = want[col]
                problems.append(f"{month} {col}: got {got[col]}, want {None if w is None else float(w)}")
    return problems
