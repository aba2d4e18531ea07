"""An independent, plain-Python reference of docs/definitions.md (how csctl measures MRR and the bridge).

Written from the definition alone, never from csctl/core: no Polars, exact arithmetic with
``fractions.Fraction``, money in integer cents (rates are Fractions of cents a month until the per-plan sums
round them), dates with ``datetime``. Calendar month arithmetic clamps to the month's last day
(Jan 31 + 1 month = Feb 29 in 2024), as the definition says.

Where the definition leaves a choice open, this reference takes the reading below (the tests name it when a
case depends on it):

- exclusive ends: the votes are cast by pairs of consecutive positive lines (amount > 0) of one customer and
  product that count, sorted by (period_start, period_end), where the first line of the pair has a written
  period_end; only written period_ends are taken a day earlier (a line without one covers a calendar month);
- "whole line" in the interval, cent-snapping and longest-term T rules means a whole line that adds to MRR (it
  counts, is neither one-off nor refund), whatever its sign (renewals: positive whole lines, as the definition
  says); ties between equally near whole lines go to the earlier one, then the shorter, then the smaller amount;
- cent snapping compares the partial line's rate in absolute value with the whole line's, and is per unit only
  when both lines carry a quantity > 0;
- a plan is held when its net rounded to the cent is > 0 and its exact net (before rounding) is >= 1% of its
  gross, as csctl reads it (the definition rounds `net` before stating the test; the two readings differ only
  within half a cent of 1% of gross); a plan with no positive line (only negative or zero lines) is a credit
  of its net;
- a product's quantity is the sum of its held plans' quantities that are not null (null when all are);
- with no whole line at all, T = 1 (the first month with MRR is complete);
- billing.product_lines is applied when the lines are read, so "the same product" of the interval and snapping
  rules is the product line (and "plan" its tier);
- a subscription row votes for inclusive ends with every sign; every row with an end is in a pair;
- a subscription export's latest date L is taken over the end dates as detected (a day later when inclusive).

Months are integer indexes, year × 12 + month − 1; a missing product or plan is the empty product or plan.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

MOVEMENTS = ("new", "reactivation", "expansion", "price_uplift", "upsell", "contraction", "price_erosion", "churn")
HEADWIND = ("churn", "contraction", "price_erosion")
TAILWIND = ("expansion", "price_uplift", "upsell")
BRIDGE_MONEY = ("mrr_start", *MOVEMENTS, "mrr_end")
COUNTS = ("customers_start", "customers_new", "customers_reactivated", "customers_churned", "customers_end")
RATES = ("gross_revenue_churn", "net_revenue_churn", "logo_churn_rate", "grr", "nrr", "eligible_churn", "quick_ratio")

EXCLUDED_STATUSES = frozenset({"void", "voided", "draft", "deleted", "canceled", "cancelled"})
KNOWN_STATUSES = frozenset(
    {
        "",
        "paid",
        "open",
        "refunded",
        "partially_refunded",
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
DAYS_PER_MONTH = Fraction("30.4375")
WEEK = 0  # an interval is WEEK or a number of months
FALLBACK_INTERVALS = (WEEK, 1, 3, 6, 12)
SUBSCRIPTION_UNITS = {"day": Fraction(12, 365), "week": Fraction(12, 52), "month": Fraction(1), "year": Fraction(12)}
ONE_DAY = dt.timedelta(days=1)

Rate = Fraction | None


class UsageProblem(Exception):
    """What csctl reports as a usage error (exit 2)."""


class InputProblem(Exception):
    """What csctl reports as an input error (exit 3)."""


# ----------------------------------------------------------------------------------------------------
# calendar and arithmetic


def month_of(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def label(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def parse_month(text: str) -> int:
    year, month = text.split("-")
    return int(year) * 12 + int(month) - 1


def first_day(month: int) -> dt.date:
    return dt.date(month // 12, month % 12 + 1, 1)


def last_day(month: int) -> dt.date:
    year, number = month // 12, month % 12 + 1
    return dt.date(year, number, calendar.monthrange(year, number)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar month arithmetic clamped to the month's last day (Jan 31 + 1 month = Feb 28 or 29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    return dt.date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def round_half_away(value: Fraction) -> int:
    """To the nearest integer, halves away from zero."""
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def ratio(numerator: int | Fraction, denominator: int | Fraction) -> Rate:
    """numerator / denominator; None when the denominator is zero (a rate over 0 is null)."""
    return None if denominator == 0 else Fraction(numerator) / Fraction(denominator)


def sign(value: Fraction) -> int:
    return (value > 0) - (value < 0)


# ----------------------------------------------------------------------------------------------------
# intervals (definition, billing 4–6)


def interval_months(interval: int) -> Fraction:
    """A week is 12/52 of a month, k months are k."""
    return Fraction(12, 52) if interval == WEEK else Fraction(interval)


def term_months(interval: int) -> int:
    """An interval as a term length for T: a week counts as 1 month."""
    return 1 if interval == WEEK else interval


def cycle_days(interval: int, end: dt.date) -> int:
    """Days of the cycle ending on ``end``: [end + 1 day − interval, end]."""
    if interval == WEEK:
        return 7
    after = end + ONE_DAY
    return (after - add_months(after, -interval)).days


def nearest_standard_months(days: int) -> int:
    """The standard month count (1, 3, 6, 12 or a multiple of 12) nearest to days / 30.4375 (never a tie)."""
    x = Fraction(days) / DAYS_PER_MONTH
    candidates = [1, 3, 6, *range(12, 12 * (int(x) // 12 + 3), 12)]
    return min(candidates, key=lambda k: abs(k - x))


def whole_interval(start: dt.date, end: dt.date) -> int | None:
    """The interval a line [start, end] exactly fills, else None (a partial line)."""
    days = (end - start).days + 1
    if days == 7:
        return WEEK
    k = nearest_standard_months(days)
    after = end + ONE_DAY
    if add_months(start, k) == after or add_months(after, -k) == start:
        return k
    return None


def fallback_interval(days: int, end: dt.date) -> int:
    """The shortest standard interval whose cycle ending on ``end`` holds ``days``, else 12 × whole years."""
    for interval in FALLBACK_INTERVALS:
        if days <= cycle_days(interval, end):
            return interval
    years = 2
    while days > cycle_days(12 * years, end):
        years += 1
    return 12 * years


# ----------------------------------------------------------------------------------------------------
# inputs


@dataclass(frozen=True)
class BillingLine:
    customer_id: str
    amount_cents: int
    period_start: dt.date
    period_end: dt.date | None = None
    product: str | None = None
    plan: str | None = None
    quantity: Fraction | None = None
    status: str | None = None


@dataclass(frozen=True)
class SubscriptionRow:
    """One subscription period; ``mrr_cents``, or ``amount_cents`` with ``interval`` (+ ``interval_count``)."""

    customer_id: str
    start_date: dt.date
    end_date: dt.date | None = None  # excluded (unless the export is detected as inclusive)
    mrr_cents: int | None = None
    amount_cents: int | None = None
    interval: str | None = None
    interval_count: int | None = None
    product: str | None = None
    plan: str | None = None
    quantity: Fraction | None = None

    @property
    def value(self) -> Fraction:
        """The row's monthly value in cents: mrr, or amount × quantity / interval months."""
        if self.mrr_cents is not None:
            return Fraction(self.mrr_cents)
        assert self.amount_cents is not None and self.interval is not None
        months = (self.interval_count or 1) * SUBSCRIPTION_UNITS[self.interval.strip().lower()]
        quantity = Fraction(1) if self.quantity is None else self.quantity
        return self.amount_cents * quantity / months


@dataclass(frozen=True)
class Account:
    customer_id: str
    renewal_date: dt.date | None = None


# ----------------------------------------------------------------------------------------------------
# what the lines become


@dataclass
class Line:
    """A billing line that adds to MRR (it counts, is neither a one-off nor a refund), or a subscription row."""

    customer_id: str
    product: str
    plan: str
    start: dt.date
    end: dt.date | None  # inclusive for billing lines; excluded for subscription rows (None = ongoing)
    amount: int  # cents, as written (billing) or 0 (subscriptions)
    quantity: Fraction | None
    whole: int | None = None  # the interval a whole line fills
    interval: int = 1
    rate: Fraction = Fraction(0)  # cents a month
    snapped: bool = False

    @property
    def days(self) -> int:
        assert self.end is not None
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class PlanMonth:
    net: int  # cents, rounded half away from zero
    exact: Fraction  # the sum before rounding
    gross: Fraction
    held: bool
    credit: bool
    quantity: Fraction | None


@dataclass(frozen=True)
class ProductMonth:
    cents: int  # > 0: the sum of the held plans
    quantity: Fraction | None
    plans: tuple[str, ...]


@dataclass
class Notes:
    """What the definition says csctl names in a note (the tests look for these in notes/warnings)."""

    unknown_statuses: dict[str, int] = field(default_factory=dict)
    exclusive_ends: bool = False
    inclusive_ends: bool = False
    one_offs: tuple[int, int] = (0, 0)  # (lines, cents)
    refunds: tuple[int, int] = (0, 0)
    within_month: tuple[int, Fraction] = (0, Fraction(0))  # (rows, their monthly values in cents)
    in_progress: int | None = None  # the month in progress, when the default as-of skips it
    first_complete: int | None = None  # C, when a figure is null because it rests on an incomplete month


@dataclass
class Snapshot:
    """Everything measured before the bridge: the lines, the snapshot days, the per-plan and customer MRR."""

    kind: str  # "billing" or "subscriptions"
    lines: list[Line]
    latest: dt.date  # L
    notes: Notes
    longest_term: int = 1  # T
    renewal_ends: set[tuple[str, int]] = field(default_factory=set)  # (customer, month a term is due in)
    today: dt.date = dt.date.max

    @property
    def last_month(self) -> int:  # M*
        return month_of(self.latest)

    def snapshot_day(self, month: int) -> dt.date:
        if month == self.last_month and self.latest != last_day(month):
            return self.latest
        if month > self.last_month:  # a subscription export with ongoing periods, measured after L
            return min(last_day(month), self.today)
        return last_day(month)

    @property
    def runs_on(self) -> bool:
        """A subscription export with an ongoing period (no end date): it may be measured after L."""
        return self.kind == "subscriptions" and any(x.end is None for x in self.lines)

    def holds(self, line: Line, month: int) -> bool:
        day = self.snapshot_day(month)
        if self.kind == "billing":
            assert line.end is not None
            return line.start <= day <= line.end
        return line.start <= day and (line.end is None or day < line.end)

    def default_as_of(self) -> int:
        return self.last_month if self.latest == last_day(self.last_month) else self.last_month - 1


# ----------------------------------------------------------------------------------------------------
# billing lines → Lines


def normal_status(status: str | None) -> str:
    return "" if status is None else status.strip().lower()


def billing_snapshot(
    lines: Iterable[BillingLine],
    exclude_statuses: Iterable[str] = EXCLUDED_STATUSES,
    product_lines: Mapping[str, Iterable[str]] | None = None,
) -> Snapshot | None:
    """Billing lines 1–7 of the definition; None when no line counts."""
    excluded = {s.strip().lower() for s in exclude_statuses}
    tiers = {name: line for line, names in (product_lines or {}).items() for name in names}
    notes = Notes()
    counted = [x for x in lines if normal_status(x.status) not in excluded]
    if not counted:
        return None
    unknown = Counter(normal_status(x.status) for x in counted if normal_status(x.status) not in KNOWN_STATUSES)
    notes.unknown_statuses = dict(unknown)

    def product_plan(x: BillingLine) -> tuple[str, str]:
        product = x.product or ""
        if product in tiers:
            return tiers[product], product
        return product, x.plan or ""

    # exclusive ends: votes over consecutive positive lines of one customer and product
    groups: dict[tuple[str, str], list[BillingLine]] = defaultdict(list)
    for x in counted:
        if x.amount_cents > 0:
            groups[(x.customer_id, product_plan(x)[0])].append(x)
    exclusive_votes = inclusive_votes = 0
    for group in groups.values():
        group.sort(key=lambda x: (x.period_start, x.period_end or dt.date.max))
        for this, following in itertools.pairwise(group):
            if this.period_end is None:
                continue
            if following.period_start == this.period_end:
                exclusive_votes += 1
            elif following.period_start == this.period_end + ONE_DAY:
                inclusive_votes += 1
    notes.exclusive_ends = exclusive_votes > inclusive_votes
    shift = ONE_DAY if notes.exclusive_ends else dt.timedelta(0)

    mrr_lines: list[Line] = []
    one_offs: list[int] = []
    refunds: list[int] = []
    for x in counted:
        end = None if x.period_end is None else x.period_end - shift
        if end is not None and end <= x.period_start:
            one_offs.append(x.amount_cents)
            continue
        if end is None and x.amount_cents < 0:
            refunds.append(x.amount_cents)
            continue
        product, plan = product_plan(x)
        line = Line(x.customer_id, product, plan, x.period_start, end, x.amount_cents, x.quantity)
        if end is None:  # one calendar month from period_start: a whole monthly line
            line.end = add_months(x.period_start, 1) - ONE_DAY
            line.whole = 1
        else:
            line.whole = whole_interval(x.period_start, end)
        mrr_lines.append(line)
    notes.one_offs = (len(one_offs), sum(one_offs))
    notes.refunds = (len(refunds), sum(refunds))

    # intervals and rates
    whole_by_product: dict[tuple[str, str], list[Line]] = defaultdict(list)
    whole_by_plan: dict[tuple[str, str, str], list[Line]] = defaultdict(list)
    for line in mrr_lines:
        if line.whole is not None:
            line.interval = line.whole
            line.rate = Fraction(line.amount) / interval_months(line.whole)
            whole_by_product[(line.customer_id, line.product)].append(line)
            whole_by_plan[(line.customer_id, line.product, line.plan)].append(line)
    for line in mrr_lines:
        if line.whole is not None:
            continue
        assert line.end is not None
        near = nearest(line, whole_by_product[(line.customer_id, line.product)])
        line.interval = fallback_interval(line.days, line.end) if near is None else near.interval
        months, days = interval_months(line.interval), line.days
        cycle = cycle_days(line.interval, line.end)
        line.rate = Fraction(line.amount) * cycle / (months * days)
        same_plan = nearest(line, whole_by_plan[(line.customer_id, line.product, line.plan)])
        if same_plan is not None:
            snap_rate(line, same_plan, Fraction(cycle, 2) / (months * days))

    counted_starts = [x.period_start for x in counted]
    snapshot = Snapshot("billing", mrr_lines, max(counted_starts), notes)
    terms = [term_months(x.whole) for x in mrr_lines if x.whole is not None]
    snapshot.longest_term = max(terms, default=1)
    snapshot.renewal_ends = {  # a positive whole line is due in the month of period_end + 1 day
        (x.customer_id, month_of(x.end + ONE_DAY)) for x in mrr_lines if x.whole is not None and x.amount > 0
    }
    return snapshot


def nearest(line: Line, candidates: list[Line]) -> Line | None:
    """The whole line nearest in time (smallest |start − start'|), ties to the earlier line."""
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda w: (abs((w.start - line.start).days), w.start, w.end or dt.date.max, w.amount),
    )


def snap_rate(line: Line, whole: Line, tolerance: Fraction) -> None:
    """Cent snapping: a partial line within a cent's rounding of its whole line's rate takes that rate."""
    target = abs(whole.rate)
    mine = abs(line.rate)
    per_unit = whole.quantity is not None and whole.quantity > 0 and line.quantity is not None and line.quantity > 0
    if per_unit:
        assert whole.quantity is not None and line.quantity is not None
        target = target / whole.quantity * line.quantity  # r / q' × |q|, compared × |q|
    if abs(mine - target) <= tolerance:
        line.rate = sign(line.rate) * target
        line.snapped = True


# ----------------------------------------------------------------------------------------------------
# subscription rows → Lines


def subscription_snapshot(rows: Iterable[SubscriptionRow], today: dt.date) -> Snapshot | None:
    rows = list(rows)
    if not rows:
        return None
    notes = Notes()
    groups: dict[tuple[str, str], list[SubscriptionRow]] = defaultdict(list)
    for row in rows:
        groups[(row.customer_id, row.product or "")].append(row)
    inclusive_votes = exclusive_votes = 0
    for group in groups.values():
        group.sort(key=lambda r: (r.start_date, r.end_date or dt.date.max))
        for this, following in itertools.pairwise(group):
            if this.end_date is None:
                continue
            if following.start_date == this.end_date + ONE_DAY:
                inclusive_votes += 1
            elif following.start_date == this.end_date:
                exclusive_votes += 1
    notes.inclusive_ends = inclusive_votes > exclusive_votes
    shift = ONE_DAY if notes.inclusive_ends else dt.timedelta(0)
    lines = [
        Line(
            r.customer_id,
            r.product or "",
            r.plan or "",
            r.start_date,
            None if r.end_date is None else r.end_date + shift,
            0,
            r.quantity,
            rate=r.value,
        )
        for r in rows
    ]
    dates = [d for x in lines for d in (x.start, x.end) if d is not None]  # ends as taken (after detection)
    snapshot = Snapshot("subscriptions", lines, min(max(dates), today), notes, today=today)
    within = [
        line
        for line in lines
        if line.end is not None
        and not any(snapshot.holds(line, m) for m in range(month_of(line.start), month_of(line.end) + 1))
    ]
    notes.within_month = (len(within), sum((x.rate for x in within), Fraction(0)))
    return snapshot


# ----------------------------------------------------------------------------------------------------
# per plan, per product, per customer (billing 8–10)


@dataclass
class Measured:
    plans: dict[tuple[str, str, str, int], PlanMonth]
    products: dict[tuple[str, str, int], ProductMonth]  # held products only (cents > 0)
    credits: dict[tuple[str, int], int]  # Σ credits (≤ 0), only where not 0
    c: dict[tuple[str, int], int]  # c(m) where > 0


def measure_months(snapshot: Snapshot, last: int) -> Measured:
    """Per (customer, product, plan, month) sums up to month ``last``."""
    held_lines: dict[tuple[str, str, str, int], list[Line]] = defaultdict(list)
    for line in snapshot.lines:
        stop = last if line.end is None else min(last, month_of(line.end))
        for month in range(month_of(line.start), stop + 1):
            if snapshot.holds(line, month):
                held_lines[(line.customer_id, line.product, line.plan, month)].append(line)
    plans: dict[tuple[str, str, str, int], PlanMonth] = {}
    for key, group in held_lines.items():
        exact = sum((x.rate for x in group), Fraction(0))
        gross = sum((x.rate for x in group if x.rate > 0), Fraction(0))
        net = round_half_away(exact)
        positive = [x for x in group if x.rate > 0]
        if positive:
            held = net > 0 and 100 * exact >= gross  # the 1% test on the exact sum (see the module's notes)
            quantity = None
            if any(x.quantity is not None for x in positive):
                quantity = sum((x.quantity for x in positive if x.quantity is not None), Fraction(0)) - sum(
                    (abs(x.quantity) for x in group if x.rate < 0 and x.quantity is not None), Fraction(0)
                )
            plans[key] = PlanMonth(net, exact, gross, held, False, quantity)
        else:
            plans[key] = PlanMonth(net, exact, gross, False, True, None)

    by_product: dict[tuple[str, str, int], list[tuple[str, PlanMonth]]] = defaultdict(list)
    credits: dict[tuple[str, int], int] = defaultdict(int)
    for (customer, product, plan, month), value in plans.items():
        if value.held:
            by_product[(customer, product, month)].append((plan, value))
        elif value.credit:
            credits[(customer, month)] += value.net
    products: dict[tuple[str, str, int], ProductMonth] = {}
    for key, held in by_product.items():
        quantities = [v.quantity for _, v in held if v.quantity is not None]
        products[key] = ProductMonth(
            sum(v.net for _, v in held),
            sum(quantities, Fraction(0)) if quantities else None,
            tuple(sorted(plan for plan, _ in held)),
        )
    totals: dict[tuple[str, int], int] = defaultdict(int)
    for (customer, _product, month), value in products.items():
        totals[(customer, month)] += value.cents
    for key, value in credits.items():
        totals[key] += value
    c = {key: value for key, value in totals.items() if value > 0}
    return Measured(plans, products, {k: v for k, v in credits.items() if v != 0}, c)


# ----------------------------------------------------------------------------------------------------
# the bridge


@dataclass
class Movement:
    customer_id: str
    month: int
    mrr_start: int
    mrr_end: int
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MOVEMENTS, 0))


def product_movement(p0: ProductMonth | None, p1: ProductMonth | None) -> dict[str, int]:
    """Movements of one product of a customer with c(m−1) > 0 and c(m) > 0."""
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
    delta = p1.cents - p0.cents
    if p0.plans != p1.plans:  # an upgrade or downgrade
        out["expansion" if delta > 0 else "contraction"] = delta
        return out
    price = 0
    q0, q1 = p0.quantity, p1.quantity
    if q0 is not None and q1 is not None and q0 > 0 and q1 > 0:
        price = round_half_away((Fraction(p1.cents) / q1 - Fraction(p0.cents) / q0) * q0)
    volume = delta - price
    out["expansion" if volume > 0 else "contraction"] = volume
    out["price_uplift" if price > 0 else "price_erosion"] = price
    return out


@dataclass
class Reference:
    """One export measured by the definition: monthly values, movements and the bridge rows (money in cents)."""

    snapshot: Snapshot
    measured: Measured
    as_of: int
    first_month: int  # F
    first_complete: int | None  # C (None: every month is complete)
    bridge_start: int
    movements: dict[tuple[str, int], Movement]
    bridge: list[dict[str, Any]]
    due: set[tuple[str, int]] | None  # None: every customer due every month

    @property
    def notes(self) -> Notes:
        return self.snapshot.notes

    @property
    def c(self) -> dict[tuple[str, int], int]:
        return self.measured.c

    def cm(self, customer: str, month: int) -> int:
        return self.measured.c.get((customer, month), 0)

    @property
    def customers(self) -> list[str]:
        return sorted({customer for customer, _ in self.measured.c})

    def mrr(self, month: int) -> int:
        return sum(v for (_, m), v in self.measured.c.items() if m == month)

    def row(self, month: int) -> dict[str, Any] | None:
        for row in self.bridge:
            if row["month"] == month:
                return row
        return None

    def complete(self, month: int) -> bool:
        return self.first_complete is None or month >= self.first_complete

    def window(self, a: int, b: int) -> tuple[Rate, Rate, Rate]:
        """(grr, nrr, logo churn) from month a to b over the customers with c(a−1) > 0; null on a base < C."""
        if not self.complete(a - 1):
            return None, None, None
        base = [(self.cm(k, a - 1), self.cm(k, b)) for k in self.customers if self.cm(k, a - 1) > 0]
        start = sum(c0 for c0, _ in base)
        grr = ratio(sum(min(c0, c1) for c0, c1 in base), start)
        nrr = ratio(sum(c1 for _, c1 in base), start)
        logo = ratio(sum(1 for _, c1 in base if c1 == 0), len(base))
        return grr, nrr, logo


def build(
    snapshot: Snapshot,
    as_of: int | None,
    due: set[tuple[str, int]] | None,
    history_starts: int | None = None,
) -> Reference:
    """The as-of month, F, T, C and the bridge. Raises UsageProblem / InputProblem as csctl exits 2 / 3."""
    if as_of is None:
        as_of = snapshot.default_as_of()
        if as_of != snapshot.last_month:
            snapshot.notes.in_progress = snapshot.last_month
    elif as_of > snapshot.last_month and not snapshot.runs_on:
        raise UsageProblem(f"--as-of {label(as_of)} is after the export's last month {label(snapshot.last_month)}")
    measured = measure_months(snapshot, as_of)
    months_with_mrr = sorted({m for _, m in measured.c})
    if not months_with_mrr:
        raise InputProblem(f"no MRR in or before {label(as_of)}")
    first = months_with_mrr[0]
    if snapshot.kind == "subscriptions" or history_starts is not None:
        first_complete, bridge_start = None, first
    else:
        first_complete = first + snapshot.longest_term - 1
        bridge_start = first_complete + 1

    c = measured.c
    customers = sorted({k for k, _ in c})
    products_of: dict[str, set[str]] = defaultdict(set)
    for customer, product, _ in measured.products:
        products_of[customer].add(product)
    movements: dict[tuple[str, int], Movement] = {}
    for customer in customers:
        active = sorted(m for k, m in c if k == customer)
        for month in range(bridge_start, as_of + 1):
            c0, c1 = c.get((customer, month - 1), 0), c.get((customer, month), 0)
            if c0 == 0 and c1 == 0:
                continue
            mv = Movement(customer, month, c0, c1)
            if c0 == 0:
                mv.values["reactivation" if any(m < month for m in active) else "new"] = c1
            elif c1 == 0:
                mv.values["churn"] = -c0
            else:
                for product in sorted(products_of[customer]):
                    p0 = measured.products.get((customer, product, month - 1))
                    p1 = measured.products.get((customer, product, month))
                    for name, value in product_movement(p0, p1).items():
                        mv.values[name] += value
                change = measured.credits.get((customer, month), 0) - measured.credits.get((customer, month - 1), 0)
                mv.values["price_uplift" if change > 0 else "price_erosion"] += change
            assert mv.mrr_end == mv.mrr_start + sum(mv.values.values()), (customer, month)
            movements[(customer, month)] = mv

    bridge: list[dict[str, Any]] = []
    for month in range(bridge_start, as_of + 1):
        rows = [mv for (_, m), mv in movements.items() if m == month]
        totals = {name: sum(mv.values[name] for mv in rows) for name in MOVEMENTS}
        mrr_start = sum(mv.mrr_start for mv in rows)
        headwind = sum(totals[n] for n in HEADWIND)
        tailwind = sum(totals[n] for n in TAILWIND)
        retained = [mv for mv in rows if mv.mrr_start > 0]
        eligible = retained if due is None else [mv for mv in retained if (mv.customer_id, month) in due]
        eligible_mrr = sum(mv.mrr_start for mv in eligible)
        churned = sum(1 for mv in rows if mv.mrr_start > 0 and mv.mrr_end == 0)
        row: dict[str, Any] = {
            "month": month,
            "mrr_start": mrr_start,
            **totals,
            "mrr_end": sum(mv.mrr_end for mv in rows),
            "customers_start": len(retained),
            "customers_new": sum(1 for mv in rows if mv.values["new"] > 0),
            "customers_reactivated": sum(1 for mv in rows if mv.values["reactivation"] > 0),
            "customers_churned": churned,
            "customers_end": sum(1 for mv in rows if mv.mrr_end > 0),
            "gross_revenue_churn": ratio(-headwind, mrr_start),
            "net_revenue_churn": ratio(-(headwind + tailwind), mrr_start),
            "logo_churn_rate": ratio(churned, len(retained)),
            "grr": ratio(sum(min(mv.mrr_start, mv.mrr_end) for mv in retained), mrr_start),
            "nrr": ratio(sum(mv.mrr_end for mv in retained), mrr_start),
            "eligible_churn": ratio(sum(mv.mrr_start - min(mv.mrr_start, mv.mrr_end) for mv in eligible), eligible_mrr),
            "quick_ratio": ratio(totals["new"] + totals["reactivation"] + tailwind, -headwind),
        }
        bridge.append(row)
    reference = Reference(snapshot, measured, as_of, first, first_complete, bridge_start, movements, bridge, due)
    return reference


def from_billing(
    lines: list[BillingLine],
    accounts: list[Account] | None = None,
    as_of: int | None = None,
    history_starts: int | None = None,
    exclude_statuses: Iterable[str] = EXCLUDED_STATUSES,
    product_lines: Mapping[str, Iterable[str]] | None = None,
) -> Reference:
    if history_starts is not None:
        early = [x for x in lines if month_of(x.period_start) < history_starts]
        if early:
            raise InputProblem(f"a line starts {early[0].period_start}, before the history starts")
    snapshot = billing_snapshot(lines, exclude_statuses, product_lines)
    if snapshot is None:
        raise InputProblem("no billing line counts")
    due = set(snapshot.renewal_ends)
    if accounts is not None:
        due |= {(a.customer_id, month_of(a.renewal_date)) for a in accounts if a.renewal_date is not None}
    return build(snapshot, as_of, due, history_starts)


def from_subscriptions(
    rows: list[SubscriptionRow],
    accounts: list[Account] | None = None,
    as_of: int | None = None,
    today: dt.date | None = None,
) -> Reference:
    """``accounts`` None (no customers table, or one without renewal_date): every customer is due every month."""
    snapshot = subscription_snapshot(rows, today or dt.date.today())
    if snapshot is None:
        raise InputProblem("no subscription rows")
    due = None
    if accounts is not None:
        due = {(a.customer_id, month_of(a.renewal_date)) for a in accounts if a.renewal_date is not None}
    return build(snapshot, as_of, due)


# ----------------------------------------------------------------------------------------------------
# headline metrics (the summary at the as-of month)


def metrics(ref: Reference, gross_margin: Fraction = Fraction(3, 4)) -> dict[str, Fraction | int | None]:
    """The summary metrics of the as-of month; money in cents (Fractions where not whole)."""
    row = ref.row(ref.as_of)
    assert row is not None, "the as-of month has no bridge row"
    mrr, customers = row["mrr_end"], row["customers_end"]
    arpa = None if customers == 0 else Fraction(mrr, customers)
    out: dict[str, Fraction | int | None] = {"mrr": mrr, "arr": 12 * mrr, "customers": customers, "arpa": arpa}
    for name in MOVEMENTS:
        out[f"{name}_mrr"] = row[name]
    out["headwind_mrr"] = sum(row[n] for n in HEADWIND)
    out["tailwind_mrr"] = sum(row[n] for n in TAILWIND)
    for name in ("gross_revenue_churn", "net_revenue_churn", "logo_churn_rate", "eligible_churn", "quick_ratio"):
        out[name] = row[name]
    out["logos_lost"] = row["customers_churned"]
    out["grr_1m"], out["nrr_1m"], _ = ref.window(ref.as_of, ref.as_of)
    out["grr_3m"], out["nrr_3m"], _ = ref.window(ref.as_of - 2, ref.as_of)
    out["grr_12m"], out["nrr_12m"], out["logo_churn_12m"] = ref.window(ref.as_of - 11, ref.as_of)
    churn: Rate = None
    if ref.complete(ref.as_of - 12):  # every month of the trailing 12 is a bridge month (or complete)
        trailing = [r for r in ref.bridge if r["month"] > ref.as_of - 12]
        churn = ratio(-sum(r[n] for r in trailing for n in HEADWIND), sum(r["mrr_start"] for r in trailing))
    out["gross_revenue_churn_12m"] = churn
    out["clv"] = None if arpa is None or churn is None or churn <= 0 else gross_margin * arpa / churn
    return out


# ----------------------------------------------------------------------------------------------------
# adapters for the tests: inputs as CSV rows (what a user's export holds), csctl's JSON output compared.


def money(cents: int | Fraction) -> str:
    """Cents as a currency amount with 2 decimals ("-12.50")."""
    whole = round_half_away(Fraction(cents))
    return f"{'-' if whole < 0 else ''}{abs(whole) // 100}.{abs(whole) % 100:02d}"


def number(value: Fraction | int | None) -> str | None:
    if value is None:
        return None
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else repr(float(value))


def day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def billing_rows(lines: Iterable[BillingLine]) -> list[list[object]]:
    header = ["customer_id", "amount", "period_start", "period_end", "product", "plan", "quantity", "status"]
    return [header] + [
        [
            x.customer_id,
            money(x.amount_cents),
            day(x.period_start),
            day(x.period_end),
            x.product,
            x.plan,
            number(x.quantity),
            x.status,
        ]
        for x in lines
    ]


def subscription_rows(rows: list[SubscriptionRow]) -> list[list[object]]:
    """With an mrr column when any row has one, else amount + interval + interval_count."""
    if any(r.mrr_cents is not None for r in rows):
        header = ["customer_id", "start_date", "end_date", "mrr", "product", "plan", "quantity"]
        return [header] + [
            [
                r.customer_id,
                day(r.start_date),
                day(r.end_date),
                money(r.mrr_cents or 0),
                r.product,
                r.plan,
                number(r.quantity),
            ]
            for r in rows
        ]
    header = ["customer_id", "start_date", "end_date", "amount", "interval", "interval_count", "product", "plan"]
    header.append("quantity")
    return [header] + [
        [
            r.customer_id,
            day(r.start_date),
            day(r.end_date),
            money(r.amount_cents or 0),
            r.interval,
            r.interval_count,
            r.product,
            r.plan,
            number(r.quantity),
        ]
        for r in rows
    ]


def account_rows(accounts: Iterable[Account]) -> list[list[object]]:
    return [["customer_id", "name", "renewal_date"]] + [
        [a.customer_id, f"Account {a.customer_id}", day(a.renewal_date)] for a in accounts
    ]


MONEY_TOLERANCE = 1e-6  # in cents: the JSON's float is the nearest cent within float noise
TABLE_RATE_TOLERANCE = 5e-7 + 1e-12  # the bridge table writes rates with 6 decimals
METRIC_RATE_TOLERANCE = 1e-9


def same_money(got: float | None, cents: int | Fraction | None) -> bool:
    if got is None or cents is None:
        return got is None and cents is None
    return abs(got * 100 - float(cents)) < MONEY_TOLERANCE + (0 if Fraction(cents).denominator == 1 else 0.5)


def same_rate(got: float | None, want: Rate, tolerance: float = METRIC_RATE_TOLERANCE) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return abs(got - float(want)) <= tolerance * max(1.0, abs(float(want)))


def diff_bridge(rows: list[dict[str, Any]], ref: Reference) -> list[str]:
    """Differences between csctl's bridge rows (JSON records, money in currency units) and the reference."""
    want_months = [label(r["month"]) for r in ref.bridge]
    got_months = [r["month"] for r in rows]
    if got_months != want_months:
        return [f"months {got_months}, want {want_months}"]
    problems: list[str] = []
    for got, want in zip(rows, ref.bridge, strict=True):
        month = got["month"]
        for col in BRIDGE_MONEY:
            if not same_money(got[col], want[col]):
                problems.append(f"{month} {col}: got {got[col]}, want {money(want[col])}")
        for col in COUNTS:
            if got[col] != want[col]:
                problems.append(f"{month} {col}: got {got[col]}, want {want[col]}")
        for col in RATES:
            if not same_rate(got[col], want[col], TABLE_RATE_TOLERANCE):
                w = want[col]
                problems.append(f"{month} {col}: got {got[col]}, want {None if w is None else float(w)}")
    return problems


MONEY_METRICS = frozenset(
    {"mrr", "arr", "arpa", "headwind_mrr", "tailwind_mrr", "clv"} | {f"{n}_mrr" for n in MOVEMENTS}
)


def diff_metrics(got: dict[str, Any], ref: Reference) -> list[str]:
    """Differences between csctl's summary metrics and the reference's (money in cents, rates to 1e-9)."""
    problems: list[str] = []
    for name, want in metrics(ref).items():
        value = got.get(name, "(missing)")
        if name in MONEY_METRICS:
            ok = value != "(missing)" and same_money(value, want)
            if name == "clv" and want is not None and value is not None:  # from a rounded ARPA and a float rate
                ok = abs(value * 100 - float(want)) <= 1 + 1e-9 * float(abs(want))
        elif isinstance(want, int) and not isinstance(want, bool):
            ok = value == want
        else:
            ok = value != "(missing)" and same_rate(value, want)
        if not ok:
            shown = None if want is None else float(want) / (100 if name in MONEY_METRICS else 1)
            problems.append(f"{name}: got {value}, want {shown}")
    return problems
