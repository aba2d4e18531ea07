"""Step 8, the greatest opportunity to increase LTV: value vs investment of the retention, expansion and upsell
levers per segment (DESIGN.md §4 "LTV, costs, opportunity").

Per segment, from the trailing 12 months of the bridge (its customers' movements only):
  churn c = Σ −(churn + contraction + price erosion) / Σ mrr_start; expansion e = Σ (expansion + price uplift) /
  Σ mrr_start; upsell u = Σ upsell / Σ mrr_start (monthly rates); ARPA = MRR / active customers;
  LTV = gross margin × ARPA / c (unbounded when c = 0).
A lever's step (in points of its monthly rate) moves the monthly net retention r = 1 − c + e + u by the step. The
value of the segment's MRR over the horizon is V(r) = gross margin × MRR × Σ_{t=1..H} r^t; a lever's gain is
V(r + step) − V(r) — equal steps give equal gains, whatever the lever. The step's revenue is the extra revenue it
brings over the horizon (gain / gross margin); its cost = that revenue × CRC × the lever's multiplier (retention 1,
expansion 2, upsell 4): CRC is what keeping $1 of revenue costs, and the seed deck prices expanding it at twice
and upselling at four times that. Net value = gain − cost; ROI = net value / cost. Ranked by net value; ties:
retention before expansion before upsell (the cheaper lever), then the segment's name.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from csctl.core.months import label_of
from csctl.core.numbers import Measured
from csctl.result import Kind, Result, Table
from csctl.units import money, percent

LEVERS = ("retention", "expansion", "upsell")


@dataclass(frozen=True)
class OpportunitySettings:
    step: float = 0.0025
    horizon_months: int = 36
    gross_margin: float = 0.75
    multipliers: tuple[float, float, float] = (1.0, 2.0, 4.0)
    crc: float | None = None
    crc_source: str = ""
    sensitivity: tuple[float, ...] = (0.001, 0.0025, 0.005, 0.01)
    currency: str = "USD"


def horizon_value(mrr: float, retention: float, months: int, margin: float) -> float:
    """gross margin × MRR × Σ_{t=1..H} r^t."""
    if retention == 1.0:
        return margin * mrr * months
    return margin * mrr * retention * (1 - retention**months) / (1 - retention)


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
        seg = segments.lazy().select("customer_id", "segment")
        moves = moves.join(seg, on="customer_id", how="left")
        now = now.join(seg, on="customer_id", how="left")
    else:
        moves = moves.with_columns(segment=pl.lit("all customers"))
        now = now.with_columns(segment=pl.lit("all customers"))
    moves = moves.with_columns(pl.col("segment").fill_null("not in CRM"))
    now = now.with_columns(pl.col("segment").fill_null("not in CRM"))
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


def compute_opportunity(measured: Measured, segments: pl.DataFrame | None, settings: OpportunitySettings) -> Result:
    cur = settings.currency
    rates = segment_rates(measured, segments)
    gm = settings.gross_margin
    ltv = rates.with_columns(  # from the unrounded ARPA, as numbers' CLV
        ltv=pl.when(pl.col("churn") > 0).then(gm * pl.col("mrr") / pl.col("customers") / pl.col("churn")).round(2),
        net_retention=1 - pl.col("churn") + pl.col("expansion") + pl.col("upsell"),
    )
    notes: list[str] = []
    months = measured.as_of - max(measured.first_month, measured.as_of - 11) + 1
    if months < 12:
        incomplete = measured.incomplete_note()
        notes.append(
            f"the segments' churn, expansion and upsell rates rest on the {months} months with movements "
            f"({label_of(measured.as_of - months + 1)} … {label_of(measured.as_of)}), not 12"
            + (f": {incomplete}" if incomplete else "")
        )
    unbounded = ltv.filter(pl.col("churn") == 0)["segment"].to_list()
    if unbounded:
        notes.append(f"LTV unbounded (no churn in the last 12 months): {', '.join(unbounded)}")
    unmeasured = ltv.filter(pl.col("churn").is_null())["segment"].to_list()
    if unmeasured:
        notes.append(f"LTV not measurable (no MRR at the start of any of the last 12 months): {', '.join(unmeasured)}")
    if settings.crc is None:
        notes.append("no CRC (none measured from --costs, no targets.crc): costs are not known, ranked by gain")
    else:
        notes.append(
            f"CRC {settings.crc:.3f} ({settings.crc_source}); multipliers retention ×{settings.multipliers[0]:g}, "
            f"expansion ×{settings.multipliers[1]:g}, upsell ×{settings.multipliers[2]:g}"
        )
    levers = _levers(ltv, settings, settings.step)
    ranked = levers.sort(
        ["net_value", "gain", "lever_order", "segment"], descending=[True, True, False, False], nulls_last=True
    )
    ranked = ranked.with_row_index("rank", offset=1).drop("lever_order")
    sensitivity = (
        pl.concat(
            [
                _levers(ltv, settings, step)
                .group_by("lever", "lever_order")
                .agg(  # a sum of unknown costs is unknown, not 0
                    pl.col("gain").sum(),
                    *[
                        pl.when(pl.col(c).is_null().any()).then(None).otherwise(pl.col(c).sum()).alias(c)
                        for c in ("cost", "net_value")
                    ],
                )
                .with_columns(step=pl.lit(step))
                for step in settings.sensitivity
            ]
        )
        .sort("step", "lever_order")
        .drop("lever_order")
        .select("step", "lever", "gain", "cost", "net_value")
    )
    top = ranked.row(0, named=True) if ranked.height else None
    sentence = "No opportunity: no segment has MRR."
    if top is not None:
        move = {
            "retention": "lower monthly churn",
            "expansion": "more monthly expansion",
            "upsell": "more monthly upsell",
        }
        cost = "an unknown cost" if top["cost"] is None else f"{money(top['cost'], cur)}"
        sentence = (
            f"The greatest opportunity: {top['lever']} in {top['segment']} — "
            f"{percent(settings.step)} {move[top['lever']]}"
            f" is worth {money(top['gain'], cur)} of gross margin over {settings.horizon_months} months for {cost}"
            + ("" if top["net_value"] is None else f": net {money(top['net_value'], cur)}")
            + ("" if top["roi"] is None else f", ROI {top['roi']:.1f}×")
            + "."
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
        "step_revenue": "money",
    }
    rate_cols: dict[str, Kind] = {
        "churn": "rate",
        "expansion": "rate",
        "upsell": "rate",
        "net_retention": "rate",
        "step": "rate",
    }
    return Result(
        command="opportunity",
        title=f"The greatest opportunity to increase LTV, {label_of(measured.as_of)}",
        tables={
            "levers": Table(
                ranked,
                "Levers by segment, ranked by net value",
                {**money_cols, **rate_cols, "roi": "multiple", "rank": "count", "multiplier": "multiple"},
            ),
            "ltv": Table(ltv, "LTV per segment and its inputs", {**money_cols, **rate_cols, "customers": "count"}),
            "sensitivity": Table(sensitivity, "Sensitivity: all segments by step size", {**money_cols, **rate_cols}),
        },
        primary="levers",
        metrics=metrics,
        meta={
            "as_of": label_of(measured.as_of),
            "currency": cur,
            "step": settings.step,
            "horizon_months": settings.horizon_months,
        },
        notes=[sentence, *notes, *([measured.progress_note] if measured.progress_note else [])],
        definitions={
            "ltv": "gross margin × ARPA / monthly churn (unbounded: empty, when there is no churn).",
            "gain": "gross margin × MRR × (Σ (r + step)^t − Σ r^t), t = 1..horizon; "
            "r = 1 − churn + expansion + upsell.",
            "step_revenue": "The extra revenue the step brings over the horizon: gain / gross margin.",
            "cost": "step revenue × CRC × the lever's multiplier (retention 1, expansion 2, upsell 4).",
            "net_value": "gain − cost; ranked by it; ties: retention, expansion, upsell, then segment.",
            "roi": "net value / cost.",
        },
    )


def _levers(ltv: pl.DataFrame, settings: OpportunitySettings, step: float) -> pl.DataFrame:
    rows = []
    for seg in ltv.iter_rows(named=True):
        r = seg["net_retention"]
        if r is None or not seg["mrr"]:
            continue
        before = horizon_value(seg["mrr"], r, settings.horizon_months, settings.gross_margin)
        after = horizon_value(seg["mrr"], r + step, settings.horizon_months, settings.gross_margin)
        gain = after - before
        revenue = gain / settings.gross_margin  # the extra revenue the step brings over the horizon
        for order, (lever, multiplier) in enumerate(zip(LEVERS, settings.multipliers, strict=True)):
            cost = None if settings.crc is None else revenue * settings.crc * multiplier
            net = None if cost is None else gain - cost
            rows.append(
                {
                    "segment": seg["segment"],
                    "lever": lever,
                    "lever_order": order,
                    "step": step,
                    "multiplier": multiplier,
                    "gain": round(gain, 2),
                    "step_revenue": round(revenue, 2),
                    "cost": None if cost is None else round(cost, 2),
                    # the difference of the rounded figures, so a reader's gain − cost is the net shown
                    "net_value": None if cost is None else round(round(gain, 2) - round(cost, 2), 2),
                    "roi": None if not cost or net is None else net / cost,
                }
            )
    schema = {
        "segment": pl.String,
        "lever": pl.String,
        "lever_order": pl.Int64,
        "step": pl.Float64,
        "multiplier": pl.Float64,
        "gain": pl.Float64,
        "step_revenue": pl.Float64,
        "cost": pl.Float64,
        "net_value": pl.Float64,
        "roi": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)
