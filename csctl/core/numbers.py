"""Step 1, the numbers today: MRR, the bridge, churn, retention, CLV, quarters, forecast, cohorts.

``compute_numbers`` takes canonical billing lines or subscription periods (typed LazyFrames from csctl.io) and
returns a Result for the requested view. Everything is measured in integer cents and converted to currency
units only when the Result's tables are built.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from csctl.core import bridge as br
from csctl.core import forecast as fc
from csctl.core import mrr as mr
from csctl.core.dense import Held
from csctl.core.ltv import clv as compute_clv
from csctl.core.months import label_of, month_index, month_label, period_expr, period_label_expr
from csctl.core.retention import Window, cohorts, window_retention
from csctl.errors import InputError, UsageError
from csctl.metrics import REGISTRY
from csctl.result import Kind, Result, Table
from csctl.units import money, percent

SECTIONS = (
    "revenue",
    "bridge",
    "revenue churn",
    "retention",
    "logos",
    "value",
)  # dollars first, logos second

BRIDGE_MONEY = ("mrr_start", *br.MOVEMENTS, "mrr_end")
BRIDGE_RATES = ("gross_revenue_churn", "net_revenue_churn", "logo_churn_rate", "grr", "nrr", "eligible_churn")

COLUMN_DEFINITIONS = {
    "mrr_start": "c(m−1) summed: MRR at the end of the previous month.",
    "new": "+c(m) for customers with c(m−1) = 0, c(m) > 0 and no MRR in any earlier month.",
    "reactivation": "+c(m) for customers with c(m−1) = 0, c(m) > 0 and MRR in some earlier month.",
    "expansion": "Volume effect > 0 on products kept: (p1 − p0) − price effect.",
    "price_uplift": "Price effect > 0 on products kept: (p1/q1 − p0/q0) × q0 (needs quantities).",
    "upsell": "+p1 for products a retained customer did not have last month.",
    "contraction": "−p0 for products dropped, plus volume effects < 0.",
    "price_erosion": "Price effect < 0 on products kept.",
    "churn": "−c(m−1) for customers with c(m) = 0: logos lost $.",
    "mrr_end": "c(m) summed: mrr_start + all movements.",
    "customers_start": "Customers with c(m−1) > 0.",
    "customers_new": "Customers counted in new.",
    "customers_reactivated": "Customers counted in reactivation.",
    "customers_churned": "Customers counted in churn.",
    "customers_end": "Customers with c(m) > 0 = start + new + reactivated − churned.",
    "gross_revenue_churn": "−(churn + contraction + price_erosion) / mrr_start.",
    "net_revenue_churn": "−(churn + contraction + price_erosion + expansion + price_uplift + upsell) / mrr_start.",
    "logo_churn_rate": "customers_churned / customers_start.",
    "grr": "Σ min(c(b), c(a−1)) / Σ c(a−1) over customers with c(a−1) > 0, for the row's window.",
    "nrr": "Σ c(b) / Σ c(a−1) over customers with c(a−1) > 0, for the row's window.",
    "eligible_churn": "MRR lost by customers due for renewal / their MRR at the start.",
    "quick_ratio": "(new + reactivation + expansion + price_uplift + upsell) / −(churn + contraction + price_erosion).",
}


@dataclass(frozen=True)
class NumbersSettings:
    view: str = "summary"
    period: str = "month"
    as_of: int | None = None
    today: dt.date = dt.date(2100, 1, 1)
    gross_margin: float = 0.75
    churn_basis: str = "gross_revenue_churn_12m"
    currency: str = "USD"
    billing: mr.BillingRules = field(default_factory=mr.BillingRules)


@dataclass
class Measured:
    """Everything the views are built from, in cents."""

    as_of: int
    first_month: int  # the first month with movements (the bridge's first row)
    held_plans: pl.DataFrame | Callable[[], pl.DataFrame]  # the held plans up to the as-of month, or their builder
    customer_mrr: pl.DataFrame  # (customer_id, month, mrr): c(m) > 0 from the opening month on
    moves: br.Moves | None  # the movements, computed when asked for (None: a partitioned run keeps only sums)
    bridge: pl.DataFrame  # monthly totals with rates (cents)
    notes: list[str] = field(default_factory=list)  # warnings
    opening_month: int | None = None  # the export's first month with MRR
    complete_from: int | None = None  # the first month whose MRR is complete (None: every month)
    info: list[str] = field(default_factory=list)  # notes on how the export was read
    progress_note: str | None = None  # names the month in progress when the default as-of month leaves it out
    windows: dict[tuple[int, int], Window] = field(default_factory=dict)  # measured already (partitioned runs)

    def window(self, start: int, end: int) -> Window:
        """Retention from ``start`` to ``end`` over the customers with MRR in ``start`` − 1."""
        if (start, end) not in self.windows:
            self.windows[(start, end)] = window_retention(self.customer_mrr, start, end)
        return self.windows[(start, end)]

    @functools.cached_property
    def plans(self) -> pl.DataFrame:
        """The snapshot's held plans up to the as-of month (mr.PLAN_SCHEMA), built when first asked for."""
        return self.held_plans if isinstance(self.held_plans, pl.DataFrame) else self.held_plans()

    @functools.cached_property
    def monthly(self) -> pl.DataFrame:
        """(customer_id, product, month, mrr, quantity, plans): held products, built when first asked for."""
        return br.product_monthly(self.plans.lazy()).sort("customer_id", "product", "month").collect()

    @functools.cached_property
    def movements(self) -> pl.DataFrame:
        """(customer_id, month, mrr_start, mrr_end, MOVEMENTS) for every month of the bridge."""
        return pl.DataFrame(schema=br.MOVEMENT_SCHEMA) if self.moves is None else self.moves.frame()

    def movements_between(self, low: int, high: int) -> pl.DataFrame:
        """The movements of months ``low`` … ``high`` only (without building every month's rows)."""
        if "movements" in self.__dict__ or self.moves is None:
            return self.movements.filter(pl.col("month").is_between(low, high))
        return self.moves.frame(low, high)

    def complete(self, month: int) -> bool:
        """Whether month's MRR is complete (a term invoiced before the export began cannot be missing)."""
        return self.complete_from is None or month >= self.complete_from

    def window_ok(self, start: int) -> bool:
        """Whether a window from ``start`` rests on complete months (its base month start - 1 included)."""
        return self.complete(start - 1)

    def incomplete_note(self) -> str | None:
        if self.complete_from is None or self.opening_month is None:
            return None
        return (
            f"The export starts in {label_of(self.opening_month)}: that month is its opening balance (no movements), "
            f"and terms billed before it may be missing until {label_of(self.complete_from)}, the first complete "
            f"month. Figures resting on earlier months are null; the bridge starts {label_of(self.first_month)}; a "
            "customer first billed later may be returning from before the export (counted as new). If the export "
            "holds the whole history, give --history-starts YYYY-MM (billing.history_starts in csctl.yaml)."
        )


def _money_units(columns: tuple[str, ...] | list[str]) -> list[pl.Expr]:
    return [(pl.col(c) / 100).round(2).alias(c) for c in columns]  # round: no 4.2700000000000005


def _as_of(snapshot: mr.Snapshot, settings: NumbersSettings, info: list[str]) -> tuple[int, str | None]:
    """(the as-of month, the note naming the month in progress): --as-of, else the last complete month (its note
    then in ``info`` too)."""
    if settings.as_of is None:
        note = mr.month_in_progress_note(snapshot)
        if note:
            info.append(note)
        return snapshot.last_complete, note
    if settings.as_of > snapshot.last_month:
        raise UsageError(
            f"--as-of {label_of(settings.as_of)} is after the export's latest date {snapshot.latest.isoformat()}",
            hint=f"the latest month it can measure is {label_of(snapshot.last_month)}",
        )
    return settings.as_of, None


def _months(
    kind: str, rules: mr.BillingRules, opening: int, longest_term: int, as_of: int, opening_balance: tuple[int, int]
) -> tuple[int, int | None]:
    """(first month of the bridge, first complete month or None) from the opening month and the longest term.

    ``opening_balance`` is (MRR in cents, customers) in the opening month, for the error when no month is left."""
    history = rules.history_starts
    complete_from: int | None
    if history is not None and kind == "billing":
        if opening < history:
            raise InputError(
                f"billing holds MRR in {label_of(opening)}, before --history-starts {label_of(history)}",
                hint="--history-starts is the month the business's billing began: no line can be earlier",
            )
        first_month, complete_from = opening, None
    elif kind == "billing":
        complete_from = opening + longest_term - 1
        first_month = complete_from + 1
    else:
        first_month, complete_from = opening, None
    if as_of < first_month:
        opening_mrr, opening_customers = opening_balance
        terms = "1 month" if longest_term == 1 else f"{longest_term} months"
        raise HistoryTooShort(
            f"no month with movements to measure: the billing export starts in {label_of(opening)} (MRR "
            f"{opening_mrr / 100:,.2f} from {opening_customers:,} customer{'' if opening_customers == 1 else 's'}, "
            f"its opening balance) with terms of up to {terms}, so its first complete month is "
            f"{label_of(complete_from or opening)} and the as-of month is {label_of(as_of)}",
            as_of,
            hint="if the export holds the whole billing history, say when it starts with --history-starts YYYY-MM",
        )
    return first_month, complete_from


def _renewals(customers: pl.LazyFrame | None) -> pl.LazyFrame | None:
    if customers is None or "renewal_date" not in customers.collect_schema():
        return None
    return customers.filter(pl.col("renewal_date").is_not_null()).select(
        pl.col("customer_id").cast(pl.String).cast(pl.Categorical), month=month_index(pl.col("renewal_date"))
    )


def _movements(
    snapshot: mr.Snapshot,
    plans: pl.DataFrame | None,
    credits: pl.DataFrame | None,
    renewals: pl.LazyFrame | None,
    first_month: int,
    as_of: int,
    grid: br.Grid | None = None,
    held: Held | None = None,
) -> tuple[br.Moves, pl.LazyFrame, pl.LazyFrame]:
    """(the movements, the bridge's monthly totals, eligible MRR and its loss per month) of ``plans`` and
    ``credits``, or of ``held`` (codes) when given."""
    moves = br.Moves(plans, credits, first_month, as_of, has_plans=snapshot.has_plans, grid=grid, held=held)
    due = snapshot.due
    if renewals is not None:
        found = renewals.collect()
        due = found if due is None else pl.concat([due, found], how="vertical")
    # a subscription export without renewal dates (due None): every customer is due every month
    totals, eligible = moves.summary(due)
    return moves, totals.lazy(), eligible.lazy()


def _with_eligible(bridge: pl.LazyFrame, eligible: pl.LazyFrame) -> pl.DataFrame:
    return (
        br.with_rates(bridge)
        .join(eligible, on="month", how="left")
        .with_columns(pl.col("eligible_mrr", "eligible_lost").fill_null(0).cast(pl.Int64))
        .with_columns(eligible_churn=br.ratio(pl.col("eligible_lost"), pl.col("eligible_mrr")))
        .sort("month")
        .collect()
    )


def _opening_balance(customer_mrr: pl.DataFrame, opening: int) -> tuple[int, int]:
    at = customer_mrr.filter(pl.col("month") == opening)
    return int(at["mrr"].sum()), at.height


class HistoryTooShort(InputError):
    """The billing export holds no month with movements yet (its opening balance only): the as-of month is known,
    the figures that rest on movements are not."""

    def __init__(self, message: str, as_of: int, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.as_of = as_of


def measure(kind: str, table: pl.LazyFrame, customers: pl.LazyFrame | None, settings: NumbersSettings) -> Measured:
    """Measure MRR (a month-end snapshot), movements and the monthly bridge for billing lines or subscriptions."""
    rules = settings.billing
    if kind == "billing":
        snapshot = mr.billing_snapshot(table, rules)
        if snapshot is None:
            raise InputError(
                f"no billing line counts: every line's status is one of {', '.join(rules.exclude_statuses)}"
            )
    else:
        snapshot = mr.subscriptions_snapshot(table, settings.today, settings.as_of)
        if snapshot is None:
            raise InputError("the subscriptions table has no rows")
    info = list(snapshot.notes)
    as_of, progress_note = _as_of(snapshot, settings, info)
    held = snapshot.held.upto(as_of)
    grid = br.Grid.of(held, as_of)
    customer_mrr = grid.customer_mrr()
    if customer_mrr.height == 0:
        raise InputError(
            f"no MRR in or before the as-of month {label_of(as_of)}",
            hint=None
            if snapshot.in_progress is None
            else f"the export's latest date is {snapshot.latest.isoformat()}: --as-of {label_of(snapshot.in_progress)} "
            "measures the month in progress",
        )
    opening = int(customer_mrr["month"].min())  # type: ignore[arg-type]  # the first month with MRR: c(m) > 0
    first_month, complete_from = _months(
        kind, rules, opening, snapshot.longest_term, as_of, _opening_balance(customer_mrr, opening)
    )
    moves, bridge, eligible = _movements(snapshot, None, None, _renewals(customers), first_month, as_of, grid, held)
    return Measured(
        as_of,
        first_month,
        held.plans,
        customer_mrr,  # no order needed: every use filters, joins or sums integers
        moves,
        _with_eligible(bridge, eligible),
        [],
        opening_month=opening if complete_from is not None else None,
        complete_from=complete_from,
        info=info,
        progress_note=progress_note,
    )


def _sum_ratio(frame: pl.DataFrame, numerator: pl.Expr, denominator: pl.Expr) -> float | None:
    row = frame.select(n=numerator.sum(), d=denominator.sum()).row(0)
    return None if not row[1] else float(row[0]) / float(row[1])


def headline_metrics(m: Measured, settings: NumbersSettings) -> tuple[dict[str, float | int | None], str]:
    """The registry's numbers metrics for the as-of month, and the CLV formula with the actual numbers.

    A window or trailing figure whose months reach before the first complete month is None (see Measured)."""
    row = m.bridge.filter(pl.col("month") == m.as_of).row(0, named=True)
    trailing = m.bridge.filter(pl.col("month") > m.as_of - 12)
    ok3, ok12 = m.window_ok(m.as_of - 2), m.window_ok(m.as_of - 11)
    headwind = sum(row[c] for c in br.HEADWIND)
    tailwind = sum(row[c] for c in br.TAILWIND)
    mrr = row["mrr_end"] / 100
    customers = row["customers_end"]
    arpa = mrr / customers if customers else None
    w3 = m.window(m.as_of - 2, m.as_of) if ok3 else None
    w12 = m.window(m.as_of - 11, m.as_of) if ok12 else None
    headwind_expr = -pl.sum_horizontal(*br.HEADWIND)
    bases: dict[str, float | None] = {
        "gross_revenue_churn_12m": _sum_ratio(trailing, headwind_expr, pl.col("mrr_start")) if ok12 else None,
        "gross_revenue_churn": row["gross_revenue_churn"],
        "eligible_churn_12m": _sum_ratio(trailing, pl.col("eligible_lost"), pl.col("eligible_mrr")) if ok12 else None,
        "logo_churn_12m": _sum_ratio(trailing, pl.col("customers_churned"), pl.col("customers_start"))
        if ok12
        else None,
    }
    churn_rate = bases[settings.churn_basis]
    value = compute_clv(settings.gross_margin, arpa, churn_rate, settings.currency)
    net_new = row["mrr_end"] - row["mrr_start"]
    metrics: dict[str, float | int | None] = {
        "mrr": mrr,
        "arr": mrr * 12,
        "net_new_mrr": net_new / 100,
        "mrr_growth": None if not row["mrr_start"] else net_new / row["mrr_start"],
        "customers": customers,
        "arpa": None if arpa is None else round(arpa, 2),
        **{f"{name}_mrr": row[name] / 100 for name in br.MOVEMENTS},
        "headwind_mrr": headwind / 100,
        "tailwind_mrr": tailwind / 100,
        "gross_revenue_churn_mrr": -headwind / 100,
        "net_revenue_churn_mrr": -(headwind + tailwind) / 100,
        "gross_revenue_churn": row["gross_revenue_churn"],
        "net_revenue_churn": row["net_revenue_churn"],
        "gross_revenue_churn_12m": bases["gross_revenue_churn_12m"],
        "logo_churn_rate": row["logo_churn_rate"],
        "logos_lost": row["customers_churned"],
        "new_customers": row["customers_new"],
        "reactivated_customers": row["customers_reactivated"],
        "grr_1m": row["grr"],
        "nrr_1m": row["nrr"],
        "grr_3m": None if w3 is None else w3.grr,
        "nrr_3m": None if w3 is None else w3.nrr,
        "grr_12m": None if w12 is None else w12.grr,
        "nrr_12m": None if w12 is None else w12.nrr,
        "logo_churn_12m": None if w12 is None else w12.logo_churn,
        "eligible_churn": row["eligible_churn"],
        "quick_ratio": row["quick_ratio"],
        "gross_margin": settings.gross_margin,
        "clv_churn_rate": churn_rate,
        "clv": None if value.value is None else round(value.value, 2),
    }
    return metrics, value.formula


def _bridge_table(m: Measured, period: str) -> pl.DataFrame:
    """The bridge in currency units, one row per month (or per quarter/year with ``period``)."""
    b = m.bridge
    if period == "month":
        return b.select(
            month_label(pl.col("month")).alias("month"),
            *_money_units(BRIDGE_MONEY),
            *br.COUNTS,
            *BRIDGE_RATES,
            "quick_ratio",
        )
    p = period_expr(pl.col("month"), period)
    grouped = (
        b.lazy()
        .with_columns(p=p)
        .group_by("p")
        .agg(
            first=pl.col("month").min(),
            last=pl.col("month").max(),
            months=pl.len(),
            mrr_start=pl.col("mrr_start").sort_by("month").first(),
            mrr_end=pl.col("mrr_end").sort_by("month").last(),
            customers_start=pl.col("customers_start").sort_by("month").first(),
            customers_end=pl.col("customers_end").sort_by("month").last(),
            **{c: pl.col(c).sum() for c in (*br.MOVEMENTS, "customers_new", "customers_reactivated")},
            **{c: pl.col(c).sum() for c in ("customers_churned", "eligible_mrr", "eligible_lost")},
        )
        .sort("p")
        .collect()
    )
    windows = [
        m.window(first, last) if m.window_ok(first) else None for first, last in grouped.select("first", "last").rows()
    ]
    headwind = pl.sum_horizontal(*br.HEADWIND)
    gains = pl.sum_horizontal("new", "reactivation", *br.TAILWIND)
    # a period's churn rates are 1 - its retention, so the two agree (movement sums would count customers who
    # joined during the period, which retention leaves out)
    return grouped.with_columns(
        grr=pl.Series([None if w is None else w.grr for w in windows], dtype=pl.Float64),
        nrr=pl.Series([None if w is None else w.nrr for w in windows], dtype=pl.Float64),
    ).select(
        period_label_expr(pl.col("p"), period).alias(period),
        "months",
        *_money_units(BRIDGE_MONEY),
        *br.COUNTS,
        gross_revenue_churn=1 - pl.col("grr"),
        net_revenue_churn=1 - pl.col("nrr"),
        logo_churn_rate=br.ratio(pl.col("customers_churned"), pl.col("customers_start")),
        grr=pl.col("grr"),
        nrr=pl.col("nrr"),
        eligible_churn=br.ratio(pl.col("eligible_lost"), pl.col("eligible_mrr")),
        quick_ratio=br.ratio(gains, -headwind),
    )


def _kinds(
    money_columns: tuple[str, ...] | list[str], rates: tuple[str, ...] | list[str] = (), **extra: Kind
) -> dict[str, Kind]:
    kinds: dict[str, Kind] = {c: "money" for c in money_columns}
    kinds.update({c: "rate" for c in rates})
    kinds.update({c: "count" for c in br.COUNTS})
    kinds.update(extra)
    return kinds


def _summary_tables(m: Measured, metrics: dict[str, float | int | None]) -> dict[str, Table]:
    order = {section: i for i, section in enumerate(SECTIONS)}
    names = sorted(metrics, key=lambda name: order.get(REGISTRY[name].section, len(order)))
    rows = [
        {
            "section": REGISTRY[name].section,
            "metric": name,
            "label": REGISTRY[name].label,
            "value": None if value is None else float(value),
            "unit": REGISTRY[name].unit,
        }
        for name in names
        for value in [metrics[name]]
    ]
    schema = {
        "section": pl.String,
        "metric": pl.String,
        "label": pl.String,
        "value": pl.Float64,
        "unit": pl.String,
    }
    summary = pl.DataFrame(rows, schema=schema)
    row = m.bridge.filter(pl.col("month") == m.as_of).row(0, named=True)
    winds = []
    for wind, parts in (("headwind", br.HEADWIND), ("tailwind", br.TAILWIND)):
        total = sum(row[p] for p in parts)
        for part in parts:
            winds.append(
                {
                    "wind": wind,
                    "movement": part,
                    "mrr": row[part] / 100,
                    "share": None if total == 0 else row[part] / total + 0.0,  # + 0.0: no -0.0
                }
            )
    winds_frame = pl.DataFrame(
        winds, schema={"wind": pl.String, "movement": pl.String, "mrr": pl.Float64, "share": pl.Float64}
    )
    recent = _bridge_table(m, "month").tail(13)
    return {
        "summary": Table(summary, "The numbers today: dollars first, logos second"),
        "winds": Table(winds_frame, "Headwind and tailwind", {"mrr": "money", "share": "rate"}),
        "bridge": Table(
            recent,
            "Revenue bridge, last 13 months",
            _kinds(BRIDGE_MONEY, BRIDGE_RATES, quick_ratio="multiple"),
        ),
    }


def _customers_table(m: Measured, customers: pl.LazyFrame | None) -> pl.DataFrame:
    frame = m.movements_between(m.as_of, m.as_of).lazy()
    c0, c1 = pl.col("mrr_start"), pl.col("mrr_end")
    status = (
        pl.when(pl.col("new") > 0)
        .then(pl.lit("new"))
        .when(pl.col("reactivation") > 0)
        .then(pl.lit("reactivated"))
        .when(pl.col("churn") < 0)
        .then(pl.lit("churned"))
        .when(c1 > c0)
        .then(pl.lit("grew"))
        .when(c1 < c0)
        .then(pl.lit("shrank"))
        .otherwise(pl.lit("flat"))
    )
    frame = frame.with_columns(status=status, change=c1 - c0)
    if customers is not None:
        names = customers.select(
            pl.col("customer_id").cast(pl.Categorical), *(["name"] if "name" in customers.collect_schema() else [])
        )
        frame = frame.join(names.unique("customer_id", keep="first"), on="customer_id", how="left")
    cols: list[pl.Expr | str] = [
        pl.col("customer_id").cast(pl.String),
        *(["name"] if customers is not None and "name" in frame.collect_schema() else []),
    ]
    return (
        frame.select(
            *cols,
            month_label(pl.col("month")).alias("month"),
            "status",
            *_money_units(["mrr_start", *br.MOVEMENTS, "mrr_end", "change"]),
        )
        .sort(["change", "customer_id"], descending=[False, False])
        .collect()
    )


def compute_numbers(
    kind: str, table: pl.LazyFrame, customers: pl.LazyFrame | None, settings: NumbersSettings
) -> Result:
    """Measure and build the Result of the requested view; metrics are always present for --fail-on."""
    return compute_view(measure(kind, table, customers, settings), kind, settings, customers)


def compute_view(m: Measured, kind: str, settings: NumbersSettings, customers: pl.LazyFrame | None = None) -> Result:
    """The Result of the requested view from measured billing."""
    metrics, formula = headline_metrics(m, settings)
    cur = settings.currency
    meta: dict[str, str | None] = {"as_of": label_of(m.as_of), "currency": cur, "view": settings.view, "input": kind}
    notes: list[str] = []
    notes.extend(m.info)
    meta["first_complete_month"] = label_of(m.complete_from) if m.complete_from is not None else None
    incomplete = m.incomplete_note()
    if incomplete:
        notes.append(incomplete)
    elif m.complete_from is None and m.first_month > m.as_of - 11:
        notes.append(
            f"History starts {label_of(m.first_month)}: trailing 12-month figures rest on "
            f"{m.as_of - m.first_month + 1} months."
        )
    definitions = {name: REGISTRY[name].definition for name in metrics}
    view = settings.view
    tables: dict[str, Table]
    if view == "summary":
        tables = _summary_tables(m, metrics)
        primary = "summary"
        notes.insert(0, formula)
        notes.insert(
            0,
            f"MRR {money(metrics['mrr'], cur)} (ARR {money(metrics['arr'], cur)}) from {metrics['customers']:,} "
            f"customers; net new MRR {money(metrics['net_new_mrr'], cur)} ({percent(metrics['mrr_growth'])} "
            f"growth); gross revenue churn {percent(metrics['gross_revenue_churn'])}, "
            f"net {percent(metrics['net_revenue_churn'])}; NRR 12m {percent(metrics['nrr_12m'])}.",
        )
    elif view == "bridge":
        frame = _bridge_table(m, settings.period)
        kinds = _kinds(BRIDGE_MONEY, BRIDGE_RATES, quick_ratio="multiple")
        tables = {"bridge": Table(frame, f"Revenue bridge by {settings.period}", kinds)}
        primary = "bridge"
        definitions = {c: COLUMN_DEFINITIONS[c] for c in COLUMN_DEFINITIONS}
    elif view == "quarters":
        first = m.first_month if m.complete_from is not None else None
        frame = fc.quarters(m.bridge, m.as_of, first=first).with_columns(
            _money_units(["revenue", "mrr_end", "net_new_mrr"])
        )
        tables = {
            "quarters": Table(
                frame,
                "Revenue by quarter (last 8 complete quarters)",
                {
                    "revenue": "money",
                    "mrr_end": "money",
                    "net_new_mrr": "money",
                    "revenue_growth": "rate",
                    "customers_end": "count",
                    "months": "count",
                },
            )
        }
        primary = "quarters"
        if frame.height < 8:
            notes.append(f"Only {frame.height} complete quarters of data.")
        definitions = {
            "revenue": "Σ monthly MRR in the quarter.",
            "revenue_growth": "Revenue against the previous quarter.",
            "mrr_end": "MRR in the quarter's last month.",
            "net_new_mrr": "MRR at the quarter's end − MRR at its start.",
        }
    elif view == "forecast":
        cases, months_used = fc.assumptions(m.bridge, m.as_of)
        if not cases:
            raise InputError("a forecast needs at least one month with a starting MRR before the as-of month")
        frame = fc.project(float(metrics["mrr"] or 0), cases, m.as_of)
        tables = {
            "forecast": Table(
                frame,
                "Projection of the next 2 years (run rate, not a prediction)",
                {
                    "revenue": "money",
                    "revenue_per_quarter": "money",
                    "mrr_end": "money",
                    "arr_end": "money",
                    "monthly_new_mrr": "money",
                    "monthly_retention": "rate",
                },
            )
        }
        primary = "forecast"
        notes.append(
            f"A run-rate projection, not a prediction: MRR(t+1) = MRR(t)·r + n from {money(metrics['mrr'], cur)} "
            f"in {label_of(m.as_of)}, with r = 1 − net revenue churn and n = new + reactivation MRR per month, "
            f"from the trailing {months_used} months (low/high: their 25th/75th percentiles)."
        )
        for case in cases:
            notes.append(f"{case.case}: r = {case.retention:.4f} per month, n = {money(case.new_mrr, cur)} per month")
        definitions = {
            "revenue": "Σ projected MRR over the year's 12 months.",
            "mrr_end": "Projected MRR in the year's last month.",
            "monthly_retention": "r: mean (low/high: 25th/75th percentile) of 1 − net revenue churn.",
            "monthly_new_mrr": "n: mean (low/high: 25th/75th percentile) of new + reactivation MRR.",
        }
    elif view == "customers":
        frame = _customers_table(m, customers)
        money_cols = ["mrr_start", *br.MOVEMENTS, "mrr_end", "change"]
        tables = {"customers": Table(frame, f"Customer movements in {label_of(m.as_of)}", _kinds(money_cols))}
        primary = "customers"
        definitions = {c: COLUMN_DEFINITIONS[c] for c in ("mrr_start", *br.MOVEMENTS, "mrr_end")}
    elif view == "cohorts":
        first = m.first_month if m.complete_from is not None else None
        frame = cohorts(m.customer_mrr, m.as_of, settings.period, first).with_columns(
            _money_units(["mrr", "start_mrr"])
        )
        tables = {
            "cohorts": Table(
                frame,
                f"Retention by start cohort ({settings.period})",
                {
                    "mrr": "money",
                    "start_mrr": "money",
                    "revenue_retention": "rate",
                    "logo_retention": "rate",
                    "customers": "count",
                    "active": "count",
                    "age": "count",
                },
            )
        }
        primary = "cohorts"
        definitions = {
            "cohort": f"The {settings.period} of the customer's first month with MRR.",
            "age": f"{settings.period.capitalize()}s since the cohort's {settings.period}.",
            "active": "Cohort customers with MRR in the period's last month (or the as-of month).",
            "logo_retention": "active / customers.",
            "start_mrr": "Σ the cohort's customers' MRR in their first month.",
            "revenue_retention": "mrr / start_mrr: the same base as logo retention (expansion can take it above 100%).",
        }
    else:
        raise ValueError(f"unknown view {view}")
    return Result(
        command="numbers",
        title=f"The numbers, {label_of(m.as_of)}",
        tables=tables,
        primary=primary,
        metrics=metrics,
        meta=meta,
        notes=notes,
        warnings=list(m.notes),
        definitions=definitions,
    )
