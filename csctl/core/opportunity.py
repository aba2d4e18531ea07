"""Step 8, the greatest opportunity to increase LTV: each lever's headroom measured from the client's data, valued
with the LTV formula and costed at CRC × the lever's multiplier (DESIGN.md §4 "LTV, costs, opportunity").

Per segment (the customers' segment; billed customers missing from the customer file are "not in CRM" and are
never ranked), from the billing's trailing 12 months: churn c = Σ −(churn + contraction + price erosion) /
Σ mrr_start, expansion e = Σ (expansion + price uplift) / Σ mrr_start (monthly rates); ARPA = MRR / active
customers; LTV = gross margin × ARPA / c.

Each lever's headroom H is MRR, measured account by account from the exports (active customers only):
  retention  the larger of (a) the MRR at risk: accounts with a red or amber (yellow) health band, or renewing
             within ``renewal_days`` without a decision maker or without an engaged champion (each account once),
             and (b) the segment's excess churn: MRR × min(1, 12 × (c − c_ref)), c_ref the configured target churn,
             else the lowest churn of the segments (the MRR it loses in a year above that rate);
  expansion  (a) seats: for each customer whose active users exceed ``seat_utilisation`` of its seats, the seats
             that bring it back to that utilisation (⌈active / u⌉ − seats) at its MRR per seat, plus (b) the value
             path: the MRR of customers behind on it × the segment's expansion a year (12 × e), the expansion
             on-track peers bring;
  upsell     whitespace: for each product (billing's product column, the products held in the as-of month) and
             segment, the customers lacking it × the segment peers' adoption p (holders / customers) × the
             product's average MRR among its holders.
A measure whose inputs are absent is unmeasured (the input named); a lever with none of its measures is
unmeasured, never valued.

Value of realising a share s of H: the MRR moved m = s × H kept for the segment's customer lifetime L = min(1 / c,
horizon) months (the LTV formula's 1 / churn, capped at the horizon; the horizon when c = 0):
  gain = gross margin × m × L;  revenue = m × L;  cost = revenue × CRC × multiplier (retention 1, expansion 2,
  upsell 4);  net value = gain − cost;  ROI = net value / cost.
Ranked by net value (by gain without a CRC); ties: retention, expansion, upsell, then the segment's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from csctl.core.months import label_of
from csctl.core.numbers import Measured
from csctl.result import Kind, Result, Table
from csctl.units import count, money, percent

LEVERS = ("retention", "expansion", "upsell")
NOT_IN_CRM = "not in CRM"
AMBER = ("yellow", "amber")


@dataclass(frozen=True)
class OpportunitySettings:
    share: float = 0.25
    horizon_months: int = 36
    gross_margin: float = 0.75
    multipliers: tuple[float, float, float] = (1.0, 2.0, 4.0)
    crc: float | None = None
    crc_source: str = ""
    sensitivity: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0)
    renewal_days: int = 90
    seat_utilisation: float = 0.8
    target_churn: float | None = None
    currency: str = "USD"


@dataclass(frozen=True)
class OpportunityInputs:
    """What the levers are measured on. ``customers``: customer_id, segment and, as far as the run's exports give
    them, health_band, days_to_renewal, decision_maker, engaged_champion, value_behind (None: no customer file).
    ``usage``: customer_id, date, seats, active_users (None: no usage export)."""

    measured: Measured
    customers: pl.DataFrame | None = None
    usage: pl.DataFrame | None = None
    as_of_day: dt.date | None = None


def lifetime(churn: float | None, horizon: int) -> float | None:
    """Months a customer's MRR is expected to stay: 1 / monthly churn, capped at the horizon (None: no churn rate)."""
    if churn is None:
        return None
    if churn <= 0:
        return float(horizon)
    return min(1.0 / churn, float(horizon))


def segment_rates(measured: Measured, segments: pl.DataFrame | None) -> pl.DataFrame:
    """Per segment: customers, MRR, ARPA and the monthly churn, expansion and upsell rates of the last 12 months."""
    moves = (
        measured.movements.lazy()
        .filter(pl.col("month") > measured.as_of - 12)
        .with_columns(pl.col("customer_id").cast(pl.String))
    )
    now = (
        measured.customer_mrr.lazy()
        .filter(pl.col("month") == measured.as_of)
        .select(pl.col("customer_id").cast(pl.String), "mrr")
    )
    if segments is not None:
        seg = segments.lazy().select(pl.col("customer_id").cast(pl.String), pl.col("segment").cast(pl.String))
        moves = moves.join(seg, on="customer_id", how="left")
        now = now.join(seg, on="customer_id", how="left")
    else:
        moves = moves.with_columns(segment=pl.lit("all customers"))
        now = now.with_columns(segment=pl.lit("all customers"))
    moves = moves.with_columns(pl.col("segment").fill_null(NOT_IN_CRM))
    now = now.with_columns(pl.col("segment").fill_null(NOT_IN_CRM))
    base = pl.col("mrr_start").sum()
    rates = moves.group_by("segment").agg(
        churn=pl.when(base > 0).then(-(pl.col("churn") + pl.col("contraction") + pl.col("price_erosion")).sum() / base),
        expansion=pl.when(base > 0).then((pl.col("expansion") + pl.col("price_uplift")).sum() / base),
        upsell=pl.when(base > 0).then(pl.col("upsell").sum() / base),
    )
    size = now.group_by("segment").agg(customers=pl.len(), mrr=(pl.col("mrr").sum() / 100).round(2))
    return (
        size.join(rates, on="segment", how="left")
        .with_columns(arpa=(pl.col("mrr") / pl.col("customers")).round(2))
        .sort("segment")
        .collect()
    )


# --- the measures ------------------------------------------------------------------------------------------------
@dataclass
class Measure:
    segment: str
    lever: str
    measure: str
    accounts: int | None  # the accounts it rests on
    mrr: float | None  # headroom, MRR (None: unmeasured)
    evidence: str  # the counts and sums it rests on, or what is missing


def _n(value: float, noun: str) -> str:
    """A count with its noun, singular for 1: "1 account", "3 accounts"."""
    return f"{count(value)} {noun if round(value) == 1 else noun + 's'}"


FLAGS = ("decision_maker", "engaged_champion", "value_behind")
TRUE, FALSE = ("true", "yes", "y", "1", "t"), ("false", "no", "n", "0", "f", "")


def _flags(frame: pl.DataFrame) -> pl.DataFrame:
    """The yes/no columns as booleans, whether they came as booleans (csctl's own steps) or as text from a CSV
    ("true"/"false", "yes"/"no", 1/0); anything else is unknown (null), never guessed."""
    exprs = []
    for name in FLAGS:
        if name not in frame.columns or frame.schema[name] == pl.Boolean:
            continue
        text = pl.col(name).cast(pl.String).str.strip_chars().str.to_lowercase()
        exprs.append(
            pl.when(text.is_in(TRUE)).then(True).when(text.is_in(FALSE)).then(False).otherwise(None).alias(name)
        )
    return frame.with_columns(exprs) if exprs else frame


def active_customers(inputs: OpportunityInputs) -> pl.DataFrame:
    """customer_id, segment, mrr (dollars) of the customers with MRR in the as-of month; the customer columns
    joined (segment "not in CRM" when the customer file lacks them, "all customers" without a customer file)."""
    m = inputs.measured
    now = m.customer_mrr.filter((pl.col("month") == m.as_of) & (pl.col("mrr") > 0)).select(
        pl.col("customer_id").cast(pl.String), (pl.col("mrr") / 100).alias("mrr")
    )
    if inputs.customers is None:
        return now.with_columns(segment=pl.lit("all customers")).sort("customer_id")
    crm = inputs.customers.with_columns(
        pl.col("customer_id").cast(pl.String), pl.col("segment").cast(pl.String)
    ).unique("customer_id", keep="first")
    crm = _flags(crm.drop([c for c in ("mrr", "arr") if c in crm.columns]))
    # in customer order: every sum below adds its floats in one order, whatever the joins' (a report twice is equal)
    joined = now.join(crm, on="customer_id", how="left").with_columns(pl.col("segment").fill_null(NOT_IN_CRM))
    return joined.sort("customer_id")


def _retention(frame: pl.DataFrame, rates: pl.DataFrame, s: OpportunitySettings, cur: str) -> list[Measure]:
    out: list[Measure] = []
    has_health = "health_band" in frame.columns
    has_renewal = "days_to_renewal" in frame.columns
    has_roles = {"decision_maker", "engaged_champion"} <= set(frame.columns)
    band = pl.col("health_band").cast(pl.String).str.to_lowercase() if has_health else pl.lit(None, pl.String)
    red = band == "red"
    amber = band.is_in(AMBER)
    renewing = (pl.col("days_to_renewal").is_between(0, s.renewal_days) if has_renewal else pl.lit(False)) & pl.lit(
        has_roles
    )
    uncovered = (
        renewing & ~pl.col("decision_maker").fill_null(False) & ~pl.col("engaged_champion").fill_null(False)
        if has_roles and has_renewal
        else pl.lit(False)
    )
    flags = frame.with_columns(
        __red=red.fill_null(False), __amber=amber.fill_null(False), __uncovered=uncovered.fill_null(False)
    ).with_columns(__risk=pl.col("__red") | pl.col("__amber") | pl.col("__uncovered"))
    by_churn = {r["segment"]: r["churn"] for r in rates.iter_rows(named=True) if r["segment"] != NOT_IN_CRM}
    measured_churn = {k: v for k, v in by_churn.items() if v is not None}
    if s.target_churn is not None:
        ref, ref_name = s.target_churn, "the target"
    elif len(measured_churn) >= 2:
        best = min(sorted(measured_churn), key=lambda k: measured_churn[k])
        ref, ref_name = measured_churn[best], f"the best segment, {best}"
    else:
        ref, ref_name = None, ""
    missing_risk = []
    if not has_health:
        missing_risk.append("health bands (usage, tickets or surveys)")
    if not (has_renewal and has_roles):
        missing_risk.append(
            "renewal coverage ("
            + " and ".join(
                x for x, ok in (("renewal_date in the customers", has_renewal), ("contacts", has_roles)) if not ok
            )
            + ")"
        )
    for seg in sorted(set(frame["segment"].to_list())):
        rows = flags.filter(pl.col("segment") == seg)
        risk = rows.filter(pl.col("__risk"))
        if has_health or (has_renewal and has_roles):
            parts = []
            if has_health:
                n_red, n_amber = int(rows["__red"].sum()), int(rows["__amber"].sum())
                parts.append(f"{count(n_red)} red and {_n(n_amber, 'amber account')}")
            if has_renewal and has_roles:
                parts.append(
                    f"{count(int(rows['__uncovered'].sum()))} renewing within {s.renewal_days} days with neither a "
                    "decision maker nor an engaged champion"
                )
            at_risk = float(risk["mrr"].sum())
            out.append(
                Measure(
                    seg,
                    "retention",
                    "ARR at risk",
                    risk.height,
                    at_risk,
                    f"ARR at risk {money(12 * at_risk, cur, 0)} from {_n(risk.height, 'account')} ("
                    + "; ".join(parts)
                    + ")",
                )
            )
        else:
            out.append(Measure(seg, "retention", "ARR at risk", None, None, "unmeasured: " + "; ".join(missing_risk)))
        c = by_churn.get(seg)
        mrr = float(rows["mrr"].sum())
        if ref is None or c is None:
            why = (
                "no churn rate (no MRR at the start of the last 12 months)"
                if c is None
                else ("one segment and no opportunity.target_churn to compare its churn with")
            )
            out.append(Measure(seg, "retention", "churn above reference", None, None, f"unmeasured: {why}"))
        else:
            gap = max(0.0, c - ref)
            excess = mrr * min(1.0, 12 * gap)
            out.append(
                Measure(
                    seg,
                    "retention",
                    "churn above reference",
                    rows.height,
                    excess,
                    f"churn {percent(c)} a month against {percent(ref)} ({ref_name}): "
                    f"{gap * 100:.2f} percentage points above, on MRR {money(mrr, cur, 0)}: "
                    f"{money(excess, cur, 0)} MRR lost in a year above that rate",
                )
            )
    return out


def _expansion(
    frame: pl.DataFrame, rates: pl.DataFrame, inputs: OpportunityInputs, s: OpportunitySettings, cur: str
) -> list[Measure]:
    out: list[Measure] = []
    usage = inputs.usage
    seats_ok = usage is not None and {"seats", "active_users", "date"} <= set(usage.columns)
    seats_frame = None
    if seats_ok and usage is not None:
        latest = usage.with_columns(pl.col("customer_id").cast(pl.String), pl.col("date").cast(pl.Date))
        if inputs.as_of_day is not None:
            latest = latest.filter(pl.col("date") <= inputs.as_of_day)
        latest = (
            latest.filter(pl.col("seats").is_not_null() & pl.col("active_users").is_not_null())
            .sort("customer_id", "date")
            .group_by("customer_id")
            .last()
            .select("customer_id", pl.col("seats").cast(pl.Float64), pl.col("active_users").cast(pl.Float64))
        )
        u = s.seat_utilisation
        seats_frame = (
            frame.select("customer_id", "segment", "mrr")
            .join(latest, on="customer_id", how="inner")
            .filter(pl.col("seats") > 0)
            .sort("customer_id")
            .with_columns(
                needed=((pl.col("active_users") / u - 1e-9).ceil() - pl.col("seats")).clip(lower_bound=0),
                per_seat=pl.col("mrr") / pl.col("seats"),
            )
            .with_columns(headroom=pl.col("needed") * pl.col("per_seat"))
        )
    has_path = "value_behind" in frame.columns
    expansion = {r["segment"]: r["expansion"] for r in rates.iter_rows(named=True)}
    for seg in sorted(set(frame["segment"].to_list())):
        if seats_frame is None:
            out.append(
                Measure(
                    seg,
                    "expansion",
                    "seats against entitlement",
                    None,
                    None,
                    "unmeasured: a usage export with seats and active_users",
                )
            )
        else:
            rows = seats_frame.filter(pl.col("segment") == seg)
            tight = rows.filter(pl.col("needed") > 0)
            value = float(tight["headroom"].sum())
            out.append(
                Measure(
                    seg,
                    "expansion",
                    "seats against entitlement",
                    tight.height,
                    value,
                    f"{count(tight.height)} of {count(rows.height)} customers use more than "
                    f"{percent(s.seat_utilisation, 0)} of their seats: {_n(float(tight['needed'].sum()), 'seat')} "
                    f"bring them back to it, at their MRR per seat: {money(value, cur, 0)} MRR",
                )
            )
        e = expansion.get(seg)
        if not has_path:
            out.append(Measure(seg, "expansion", "behind on the value path", None, None, "unmeasured: milestones"))
        elif e is None:
            out.append(
                Measure(
                    seg,
                    "expansion",
                    "behind on the value path",
                    None,
                    None,
                    "unmeasured: no expansion rate (no MRR at the start of the last 12 months)",
                )
            )
        else:
            behind = frame.filter((pl.col("segment") == seg) & pl.col("value_behind").fill_null(False))
            mrr = float(behind["mrr"].sum())
            value = mrr * 12 * e
            out.append(
                Measure(
                    seg,
                    "expansion",
                    "behind on the value path",
                    behind.height,
                    value,
                    f"{_n(behind.height, 'customer')} behind on the value path with MRR {money(mrr, cur, 0)} × the "
                    f"segment's expansion a year ({percent(12 * e)}): {money(value, cur, 0)} MRR",
                )
            )
    return out


def whitespace(frame: pl.DataFrame, measured: Measured) -> pl.DataFrame | None:
    """Per segment and product: customers, holders, adoption, the average MRR of a holder, the customers lacking it
    and the whitespace MRR = lacking × adoption × average MRR (None: billing has no product column)."""
    from csctl.core.mrr import NO_PRODUCT

    held = measured.monthly.filter((pl.col("month") == measured.as_of) & (pl.col("mrr") > 0)).select(
        pl.col("customer_id").cast(pl.String), pl.col("product").cast(pl.String), "mrr"
    )
    held = held.group_by("customer_id", "product").agg(pl.col("mrr").sum())  # cents: exact in any order
    if held.height == 0 or set(held["product"].unique().to_list()) <= {NO_PRODUCT}:
        return None
    held = held.filter(pl.col("product") != NO_PRODUCT)
    members = frame.select("customer_id", "segment")
    size = members.group_by("segment").agg(customers=pl.len())
    holders = (
        held.join(members, on="customer_id", how="inner")
        .group_by("segment", "product")
        .agg(holders=pl.len(), product_mrr=pl.col("mrr").sum() / 100)
    )
    return (
        holders.join(size, on="segment")
        .with_columns(
            adoption=pl.col("holders") / pl.col("customers"),
            mrr_per_holder=pl.col("product_mrr") / pl.col("holders"),
            lacking=pl.col("customers") - pl.col("holders"),
        )
        .with_columns(whitespace_mrr=pl.col("lacking") * pl.col("adoption") * pl.col("mrr_per_holder"))
        .select("segment", "product", "customers", "holders", "adoption", "mrr_per_holder", "lacking", "whitespace_mrr")
        .sort("segment", "product")
    )


def _upsell(frame: pl.DataFrame, space: pl.DataFrame | None, cur: str) -> list[Measure]:
    out: list[Measure] = []
    for seg in sorted(set(frame["segment"].to_list())):
        if space is None:
            out.append(Measure(seg, "upsell", "whitespace", None, None, "unmeasured: a product column in billing"))
            continue
        rows = space.filter((pl.col("segment") == seg) & (pl.col("lacking") > 0))
        value = float(rows["whitespace_mrr"].sum())
        parts = [
            f"{r['product']}: {count(r['lacking'])} lack it at peer adoption {percent(r['adoption'], 1)}, "
            f"{money(r['mrr_per_holder'], cur, 0)} MRR a holder"
            for r in rows.iter_rows(named=True)
        ]
        n = int(rows["lacking"].sum())
        out.append(
            Measure(
                seg,
                "upsell",
                "whitespace",
                n,
                value,
                f"{_n(n, 'customer-product')} lacking over {_n(rows.height, 'product')}: {money(value, cur, 0)} MRR"
                + (" (" + "; ".join(parts) + ")" if parts else ""),
            )
        )
    return out


def measures(inputs: OpportunityInputs, rates: pl.DataFrame, s: OpportunitySettings) -> list[Measure]:
    """Every measure of every lever per segment (the customers "not in CRM" left out: they have no segment)."""
    frame = active_customers(inputs).filter(pl.col("segment") != NOT_IN_CRM)
    cur = s.currency
    space = whitespace(frame, inputs.measured)
    found = [
        *_retention(frame, rates, s, cur),
        *_expansion(frame, rates, inputs, s, cur),
        *_upsell(frame, space, cur),
    ]
    order = {lever: i for i, lever in enumerate(LEVERS)}
    return sorted(found, key=lambda m: (m.segment, order[m.lever]))


def levers(found: list[Measure], rates: pl.DataFrame, s: OpportunitySettings, share: float) -> pl.DataFrame:
    """One row per segment and lever: its headroom (the lever's measures combined), the MRR moved by realising
    ``share`` of it, gain, revenue, cost, net value and ROI; unmeasured levers have no numbers."""
    churn = {r["segment"]: r["churn"] for r in rates.iter_rows(named=True)}
    rows = []
    for order, lever in enumerate(LEVERS):
        for seg in sorted({m.segment for m in found}):
            own = [m for m in found if m.segment == seg and m.lever == lever]
            known = [m for m in own if m.mrr is not None]
            row: dict[str, object] = {"segment": seg, "lever": lever, "lever_order": order, "share": share}
            life = lifetime(churn.get(seg), s.horizon_months)
            if not known or life is None:
                missing = [m.evidence.removeprefix("unmeasured: ") for m in own if m.mrr is None]
                if life is None and known:
                    missing = ["no churn rate (no MRR at the start of the last 12 months) for the customer lifetime"]
                rows.append(row | {"status": "unmeasured", "basis": "unmeasured: " + "; ".join(missing)})
                continue
            if lever == "retention":  # overlapping views of one risk: the larger, never their sum
                chosen = max(known, key=lambda m: (m.mrr or 0.0, m.measure == "ARR at risk"))
                headroom = chosen.mrr or 0.0
                basis = f"{chosen.measure} (the larger retention measure): {chosen.evidence}"
            else:
                headroom = sum(m.mrr or 0.0 for m in known)
                basis = "; ".join(f"{m.measure}: {m.evidence}" for m in known)
            unmeasured = [m.measure for m in own if m.mrr is None]
            if unmeasured:
                basis += "; not measured: " + ", ".join(unmeasured)
            moved = share * headroom
            gain = s.gross_margin * moved * life
            revenue = moved * life
            multiplier = s.multipliers[order]
            cost = None if s.crc is None else revenue * s.crc * multiplier
            rows.append(
                row
                | {
                    "status": "measured",
                    "headroom_mrr": round(headroom, 2),
                    "mrr_moved": round(moved, 2),
                    "lifetime_months": round(life, 2),
                    "gain": round(gain, 2),
                    "revenue": round(revenue, 2),
                    "multiplier": multiplier,
                    "cost": None if cost is None else round(cost, 2),
                    # the difference of the rounded figures, so a reader's gain − cost is the net shown
                    "net_value": None if cost is None else round(round(gain, 2) - round(cost, 2), 2),
                    "roi": None if not cost else (gain - cost) / cost,
                    "basis": basis,
                }
            )
    schema = {
        "segment": pl.String,
        "lever": pl.String,
        "lever_order": pl.Int64,
        "status": pl.String,
        "share": pl.Float64,
        "headroom_mrr": pl.Float64,
        "mrr_moved": pl.Float64,
        "lifetime_months": pl.Float64,
        "gain": pl.Float64,
        "revenue": pl.Float64,
        "multiplier": pl.Float64,
        "cost": pl.Float64,
        "net_value": pl.Float64,
        "roi": pl.Float64,
        "basis": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


MOVES = {
    "retention": "keeping",
    "expansion": "expanding by",
    "upsell": "upselling",
}


def compute_opportunity(inputs: OpportunityInputs, settings: OpportunitySettings) -> Result:
    measured = inputs.measured
    cur = settings.currency
    rates = segment_rates(measured, inputs.customers)
    gm = settings.gross_margin
    ltv = rates.with_columns(  # from the unrounded ARPA, as numbers' CLV
        ltv=pl.when(pl.col("churn") > 0).then(gm * pl.col("mrr") / pl.col("customers") / pl.col("churn")).round(2),
        lifetime_months=pl.col("churn").map_elements(
            lambda c: lifetime(c, settings.horizon_months), return_dtype=pl.Float64
        ),
    )
    notes: list[str] = []
    months = measured.as_of - max(measured.first_month, measured.as_of - 11) + 1
    if months < 12:
        incomplete = measured.incomplete_note()
        notes.append(
            f"the segments' churn and expansion rates rest on the {months} months with movements "
            f"({label_of(measured.as_of - months + 1)} … {label_of(measured.as_of)}), not 12"
            + (f": {incomplete}" if incomplete else "")
        )
    orphans = ltv.filter(pl.col("segment") == NOT_IN_CRM)
    if orphans.height:
        o = orphans.row(0, named=True)
        notes.append(
            f"{count(o['customers'])} billed customers (MRR {money(o['mrr'], cur)}) are not in the customer file: "
            "they have no segment, so no lever is measured or ranked for them"
        )
    unbounded = ltv.filter((pl.col("churn") == 0) & (pl.col("segment") != NOT_IN_CRM))["segment"].to_list()
    if unbounded:
        notes.append(
            f"LTV unbounded (no churn in the last 12 months): {', '.join(unbounded)}; "
            f"their levers are valued over the {settings.horizon_months}-month horizon"
        )
    if settings.crc is None:
        notes.append("no CRC (none measured from --costs, no targets.crc): costs are not known, ranked by gain")
    else:
        notes.append(
            f"CRC {settings.crc:.3f} ({settings.crc_source}); multipliers retention ×{settings.multipliers[0]:g}, "
            f"expansion ×{settings.multipliers[1]:g}, upsell ×{settings.multipliers[2]:g}"
        )
    found = measures(inputs, rates, settings)
    table = levers(found, rates, settings, settings.share)
    ranked = _rank(table)
    unmeasured = ranked.filter(pl.col("status") == "unmeasured")
    if unmeasured.height:
        by_lever: dict[str, list[str]] = {}
        for r in unmeasured.iter_rows(named=True):
            by_lever.setdefault(r["lever"], []).append(r["segment"])
        notes.append(
            "unmeasured (not valued): "
            + "; ".join(f"{lever} in {', '.join(segs)}" for lever, segs in by_lever.items())
            + " — the levers table says which input is missing"
        )
    sensitivity = _sensitivity(found, rates, settings)
    valued = ranked.filter(pl.col("status") == "measured")
    top = valued.row(0, named=True) if valued.height else None
    if top is None:
        billed = active_customers(inputs)
        if billed.height and inputs.customers is not None and not found:
            why = (
                f"none of the {count(billed.height)} billed customers is in the customer file (do its customer ids "
                "match the billing's?)."
            )
        else:
            why = (
                "no segment has MRR."
                if not found
                else "the inputs each lever needs are missing (see the levers table)."
            )
        sentence = "No lever can be measured: " + why
    elif not top["gain"]:
        sentence = "No lever has headroom in the data: every measured lever is worth $0."
    else:
        cost = "an unknown cost" if top["cost"] is None else money(top["cost"], cur)
        sentence = (
            f"The greatest opportunity: {top['lever']} in {top['segment']} — {MOVES[top['lever']]} "
            f"{percent(settings.share, 0)} of its {money(top['headroom_mrr'], cur)} MRR headroom is worth "
            f"{money(top['gain'], cur)} of gross margin over a {top['lifetime_months']:g}-month customer lifetime "
            f"for {cost}"
            + ("" if top["net_value"] is None else f": net {money(top['net_value'], cur)}")
            + ("" if top["roi"] is None else f", ROI {top['roi']:.1f}×")
            + f". Measured from {top['basis']}."
        )
    metrics: dict[str, float | int | None] = {
        "top_opportunity_net_value": None if top is None else top["net_value"],
        "top_opportunity_gain": None if top is None else top["gain"],
    }
    money_cols: dict[str, Kind] = {
        "mrr": "money",
        "arpa": "money",
        "ltv": "money",
        "gain": "money",
        "cost": "money",
        "net_value": "money",
        "revenue": "money",
        "headroom_mrr": "money",
        "mrr_moved": "money",
        "mrr_per_holder": "money",
        "whitespace_mrr": "money",
    }
    rate_cols: dict[str, Kind] = {
        "churn": "rate",
        "expansion": "rate",
        "upsell": "rate",
        "share": "rate",
        "adoption": "rate",
    }
    evidence = pl.DataFrame(
        [
            {
                "segment": m.segment,
                "lever": m.lever,
                "measure": m.measure,
                "accounts": m.accounts,
                "headroom_mrr": None if m.mrr is None else round(m.mrr, 2),
                "evidence": m.evidence,
            }
            for m in found
        ],
        schema={
            "segment": pl.String,
            "lever": pl.String,
            "measure": pl.String,
            "accounts": pl.Int64,
            "headroom_mrr": pl.Float64,
            "evidence": pl.String,
        },
    )
    tables = {
        "levers": Table(
            ranked,
            "Levers by segment, ranked by net value",
            {
                **money_cols,
                **rate_cols,
                "roi": "multiple",
                "rank": "count",
                "multiplier": "multiple",
                "lifetime_months": "number",
            },
            show=["rank", "segment", "lever", "headroom_mrr", "gain", "cost", "net_value", "roi", "basis"],
        ),
        "headroom": Table(
            evidence, "Headroom by segment, lever and measure: what each rests on", {**money_cols, "accounts": "count"}
        ),
        "ltv": Table(
            ltv,
            "LTV per segment and its inputs",
            {**money_cols, **rate_cols, "customers": "count", "lifetime_months": "number"},
        ),
        "sensitivity": Table(
            sensitivity, "Sensitivity: all segments by share of headroom realised", {**money_cols, **rate_cols}
        ),
    }
    space = whitespace(active_customers(inputs).filter(pl.col("segment") != NOT_IN_CRM), measured)
    if space is not None:
        tables["whitespace"] = Table(
            space,
            "Whitespace: products a customer lacks that its segment's peers hold",
            {**money_cols, **rate_cols, "customers": "count", "holders": "count", "lacking": "count"},
        )
    return Result(
        command="opportunity",
        title=f"The greatest opportunity to increase LTV, {label_of(measured.as_of)}",
        tables=tables,
        primary="levers",
        metrics=metrics,
        meta={
            "as_of": label_of(measured.as_of),
            "currency": cur,
            "share": settings.share,
            "horizon_months": settings.horizon_months,
        },
        notes=[sentence, *notes, *([measured.progress_note] if measured.progress_note else [])],
        definitions={
            "headroom_mrr": "MRR the lever can reach, measured from the data: retention the larger of the ARR at "
            "risk (red/amber health, renewals without a decision maker or engaged champion; MRR) and the excess "
            "churn (MRR × min(1, 12 × (churn − reference churn))); expansion the seats above the utilisation target "
            "at MRR per seat plus the MRR behind on the value path × 12 × the segment's expansion rate; upsell "
            "Σ products lacking × segment-peer adoption × MRR per holder.",
            "mrr_moved": "share × headroom: the MRR kept or added by realising the stated share.",
            "lifetime_months": "min(1 / monthly churn, horizon): the LTV formula's customer lifetime.",
            "ltv": "gross margin × ARPA / monthly churn (unbounded: empty, when there is no churn).",
            "gain": "gross margin × MRR moved × lifetime (the LTV of the MRR moved).",
            "revenue": "MRR moved × lifetime: the revenue the lever moves.",
            "cost": "revenue × CRC × the lever's multiplier (retention 1, expansion 2, upsell 4).",
            "net_value": "gain − cost; ranked by it; ties: retention, expansion, upsell, then segment.",
            "roi": "net value / cost.",
            "basis": "the measures the headroom rests on, with their counts and sums; or the inputs missing.",
        },
    )


def _rank(table: pl.DataFrame) -> pl.DataFrame:
    valued = table.filter(pl.col("status") == "measured").sort(
        ["net_value", "gain", "lever_order", "segment"], descending=[True, True, False, False], nulls_last=True
    )
    valued = valued.with_row_index("rank", offset=1).with_columns(pl.col("rank").cast(pl.Int64))
    rest = table.filter(pl.col("status") != "measured").sort("lever_order", "segment")
    rest = rest.with_columns(rank=pl.lit(None, pl.Int64)).select(valued.columns)
    return pl.concat([valued, rest]).drop("lever_order")


def _sensitivity(found: list[Measure], rates: pl.DataFrame, s: OpportunitySettings) -> pl.DataFrame:
    """Per share of headroom realised and lever: the gain, cost and net value over every segment (a sum of
    unknown costs is unknown, not 0). Added in segment order, so the same data gives the same figures."""
    rows = []
    for share in s.sensitivity:
        table = levers(found, rates, s, share).filter(pl.col("status") == "measured").sort("lever_order", "segment")
        for lever in LEVERS:
            own = table.filter(pl.col("lever") == lever)
            if not own.height:
                continue
            costs, nets = own["cost"].to_list(), own["net_value"].to_list()
            rows.append(
                {
                    "share": share,
                    "lever": lever,
                    "gain": round(sum(own["gain"].to_list()), 2),
                    "cost": None if None in costs else round(sum(costs), 2),
                    "net_value": None if None in nets else round(sum(nets), 2),
                }
            )
    schema = {"share": pl.Float64, "lever": pl.String, "gain": pl.Float64, "cost": pl.Float64, "net_value": pl.Float64}
    return pl.DataFrame(rows, schema=schema)
