"""Health scores: Gainsight-style scorecards over the customer table and its usage, tickets and surveys.

Each customer is scored by the first scorecard whose applies_to is true. A measure gives one value per customer
(a customer column, or an aggregate of a source's rows in a window before the as-of date), mapped to 0-100 by
step bands; missing values follow the policy (exclude, zero, neutral). Group score = weighted mean of its measure
scores; health score = weighted mean of group scores (weights normalised over what is present). Overrides, the
trend against a previous run, the health vs activity quadrant and portfolio shares follow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from csctl.config.rules import NEUTRAL, Health, Measure, Sql
from csctl.config.tables import DATE_COLUMN
from csctl.result import Result, Table

BANDS = ("green", "yellow", "red")


@dataclass
class Inputs:
    customers: pl.DataFrame
    sources: dict[str, pl.DataFrame | None]  # usage, tickets, surveys
    as_of: dt.date
    previous: pl.DataFrame | None = None


def _window(frame: pl.DataFrame, source: str, as_of: dt.date, days: int | None) -> pl.LazyFrame:
    day = pl.col(DATE_COLUMN[source]).cast(pl.Date)
    rows = frame.lazy().filter(day <= as_of)
    if days is not None:
        rows = rows.filter(day > as_of - dt.timedelta(days=days))
    return rows


def _aggregate(aggregate: str, value: pl.Expr, source: str) -> pl.Expr:
    if aggregate == "count":
        return pl.len().cast(pl.Float64)
    if aggregate == "last":  # the value at the latest date; ties at that date: the largest value (order-free)
        present = value.is_not_null()
        return (
            value.filter(present)
            .sort_by(pl.col(DATE_COLUMN[source]).filter(present), value.filter(present))
            .last()
            .cast(pl.Float64)
        )
    # mean, sum, min, max, median; rounded to 9 decimals: a parallel sum adds a customer's rows in no fixed order,
    # and the last bits it leaves must not move a value across a band's edge from one run to the next
    return getattr(value.cast(pl.Float64), aggregate)().round(9)


def measure_values(
    source: str, value: Sql | None, aggregate: str | None, days: int | None, flt: Sql | None, inputs: Inputs
) -> pl.DataFrame | None:
    """customer_id and value: one row per customer that has one; None when the source was not given."""
    if source == "customers":
        assert value is not None
        return inputs.customers.select("customer_id", value.expr.cast(pl.Float64).alias("value"))
    frame = inputs.sources.get(source)
    if frame is None:
        return None
    rows = _window(frame, source, inputs.as_of, days)
    if flt is not None:
        rows = rows.filter(flt.expr.fill_null(False))
    # the value as a column of its own: a constant (value: 9987) is then one per row like any other value
    rows = rows.with_columns((pl.lit(None) if value is None else value.expr).alias("__value"))
    agg = _aggregate(aggregate or "count", pl.col("__value"), source).alias("value")
    return rows.group_by("customer_id").agg(agg).collect()


def band_score(value: pl.Expr, measure: Measure) -> pl.Expr:
    """Step bands: the first band whose below: the value is under, else the last band."""
    expr = pl.lit(measure.bands[-1].score, pl.Float64)
    for band in reversed(measure.bands[:-1]):
        expr = pl.when(value < band.below).then(pl.lit(band.score, pl.Float64)).otherwise(expr)
    return expr


def _policy_value(policy: str) -> pl.Expr:
    return {"zero": pl.lit(0.0), "neutral": pl.lit(NEUTRAL), "exclude": pl.lit(None, pl.Float64)}[policy]


def _weighted(parts: list[tuple[float, pl.Expr]]) -> pl.Expr:
    """Σ w·s / Σ w over the parts that are not null; null when none is."""
    num = pl.sum_horizontal([pl.lit(w) * s.fill_null(0.0) for w, s in parts])
    den = pl.sum_horizontal([pl.when(s.is_null()).then(0.0).otherwise(pl.lit(w)) for w, s in parts])
    return pl.when(den > 0).then(num / den).otherwise(None)


def score_customers(rules: Health, inputs: Inputs) -> tuple[pl.DataFrame, list[str]]:
    """The customer table with health_scorecard, value_/score_ per measure, group_ scores, health_score."""
    notes: list[str] = []
    frame = inputs.customers
    card = pl.lit(None, pl.String)
    for sc, applies in reversed(list(zip(rules.rules.scorecards, rules.applies_to, strict=True))):
        card = pl.when(applies.expr.fill_null(False)).then(pl.lit(sc.name)).otherwise(card)
    if "mrr" in frame.columns:  # customers without MRR (churned) are not scored
        card = pl.when(pl.col("mrr").fill_null(0) > 0).then(card).otherwise(pl.lit(None, pl.String))
        churned = frame.filter(pl.col("mrr").fill_null(0) <= 0).height
        if churned:
            notes.append(f"{churned:,} customers without MRR in the as-of month (churned) are not scored")
    frame = frame.with_columns(health_scorecard=card)
    missing_sources: set[str] = set()
    values: dict[int, str] = {}
    for i, cm in enumerate(rules.measures):
        m = cm.measure
        column = f"__v{i}"
        if i in rules.unmeasured:  # an input column the export lacks: no value for anyone, never a default
            notes.append(f"{rules.unmeasured[i]}; the score is made of the other measures")
            frame = frame.with_columns(pl.lit(None, pl.Float64).alias(column))
            values[i] = column
            continue
        found = measure_values(m.source, cm.value, m.aggregate, m.window_days, cm.filter, inputs)
        if found is None:
            missing_sources.add(m.source)
            frame = frame.with_columns(pl.lit(None, pl.Float64).alias(column))
        else:
            frame = frame.join(found.rename({"value": column}), on="customer_id", how="left")
            if m.aggregate == "count":
                frame = frame.with_columns(pl.col(column).fill_null(0.0))
        values[i] = column
    for source in sorted(missing_sources):
        notes.append(f"no {source} input: its measures are scored by their missing-data policy")
    measure_cols: dict[str, list[tuple[str, pl.Expr, pl.Expr]]] = {}
    card_scores = []
    for sc in rules.rules.scorecards:
        groups = []
        card_measured = []
        for group in sc.groups:
            parts = []
            measured = []
            for i, cm in enumerate(rules.measures):
                if cm.scorecard != sc.name or cm.group != group.name:
                    continue
                m = cm.measure
                value = pl.col(values[i])
                policy = "exclude" if i in rules.unmeasured else m.missing or sc.missing or rules.rules.missing
                score = pl.when(value.is_null()).then(_policy_value(policy)).otherwise(band_score(value, m))
                parts.append((m.weight, score))
                measured.append(value.is_not_null())
                measure_cols.setdefault(m.name, []).append((sc.name, value, score))
            # a score needs a measurement: the missing-data policy fills gaps, it does not make a score alone
            any_measured = pl.any_horizontal(measured) if measured else pl.lit(False)
            card_measured.append(any_measured)
            groups.append((group.name, group.weight, pl.when(any_measured).then(_weighted(parts))))
        total = pl.when(pl.any_horizontal(card_measured) if card_measured else pl.lit(False)).then(
            _weighted([(w, g) for _, w, g in groups])
        )
        card_scores.append((sc.name, total, groups))
    is_card = {sc.name: pl.col("health_scorecard") == sc.name for sc in rules.rules.scorecards}
    added = {}
    for name, per_card in measure_cols.items():
        added[f"value_{name}"] = pl.coalesce([pl.when(is_card[c]).then(v) for c, v, _ in per_card])
        added[f"score_{name}"] = pl.coalesce([pl.when(is_card[c]).then(s) for c, _, s in per_card])
    group_names = list(dict.fromkeys(g.name for sc in rules.rules.scorecards for g in sc.groups))
    for gname in group_names:
        added[f"group_{gname}"] = pl.coalesce(
            [pl.when(is_card[c]).then(g) for c, _, groups in card_scores for n, _, g in groups if n == gname]
        )
    added["health_score"] = pl.coalesce([pl.when(is_card[c]).then(t) for c, t, _ in card_scores])
    frame = frame.with_columns(**added).drop(list(values.values()))
    frame = frame.with_columns(pl.col(list(added)).round(2))
    active = pl.col("mrr").fill_null(0) > 0 if "mrr" in frame.columns else pl.lit(True)
    unscored = frame.filter(pl.col("health_scorecard").is_null() & active).height
    if unscored:
        notes.append(f"{unscored:,} customers match no scorecard's applies_to: no score (band 'no data')")
    unmeasured = frame.filter(pl.col("health_scorecard").is_not_null() & pl.col("health_score").is_null()).height
    if unmeasured:
        notes.append(
            f"{unmeasured:,} customers have no measured value (no usage, tickets or surveys for them): no score "
            "(band 'no data'), never a neutral one"
        )
    return frame, notes


def band_of(score: pl.Expr, rules: Health) -> pl.Expr:
    t = rules.rules.bands
    return (
        pl.when(score.is_null())
        .then(pl.lit("no data"))
        .when(score >= t.green)
        .then(pl.lit("green"))
        .when(score >= t.yellow)
        .then(pl.lit("yellow"))
        .otherwise(pl.lit("red"))
    )


def apply_overrides(frame: pl.DataFrame, rules: Health, as_of: dt.date) -> tuple[pl.DataFrame, list[str]]:
    notes = []
    band = band_of(pl.col("health_score"), rules)
    if "mrr" in frame.columns:
        band = pl.when(pl.col("mrr").fill_null(0) > 0).then(band).otherwise(pl.lit("churned"))
    frame = frame.with_columns(health_band=band, override=pl.lit(None, pl.String))
    known = set(frame["customer_id"].to_list())
    for o in rules.rules.overrides:
        if o.expires < as_of:
            notes.append(f"override for {o.customer_id} expired {o.expires}: ignored")
            continue
        if o.customer_id not in known:
            notes.append(f"override for {o.customer_id}: no such customer")
            continue
        hit = pl.col("customer_id") == o.customer_id
        score = pl.col("health_score") if o.score is None else pl.lit(o.score)
        band = band_of(score, rules) if o.band is None else pl.lit(o.band)
        frame = frame.with_columns(
            health_score=pl.when(hit).then(score).otherwise(pl.col("health_score")),
            health_band=pl.when(hit).then(band).otherwise(pl.col("health_band")),
            override=pl.when(hit).then(pl.lit(f"{o.reason} (until {o.expires})")).otherwise(pl.col("override")),
        )
    return frame, notes


def trend(frame: pl.DataFrame, previous: pl.DataFrame, flat: float) -> pl.DataFrame:
    prev = previous.select(
        pl.col("customer_id").cast(pl.String),
        pl.col("health_score").cast(pl.Float64).alias("previous_score"),
        pl.col("health_band").cast(pl.String).alias("previous_band"),
    ).unique("customer_id", keep="first")
    change = pl.col("health_score") - pl.col("previous_score")
    return (
        frame.join(prev, on="customer_id", how="left")
        .with_columns(score_change=change.round(2))
        .with_columns(
            trend=pl.when(pl.col("previous_score").is_null() | pl.col("health_score").is_null())
            .then(pl.lit("new"))
            .when(change >= flat)
            .then(pl.lit("up"))
            .when(change <= -flat)
            .then(pl.lit("down"))
            .otherwise(pl.lit("flat"))
        )
    )


def quadrant(frame: pl.DataFrame, rules: Health, inputs: Inputs) -> tuple[pl.DataFrame, list[str]]:
    act = rules.rules.activity
    if act is None:
        return frame, []
    if rules.activity_unmeasured is not None:
        return frame, [f"{rules.activity_unmeasured}: no health vs activity quadrant"]
    found = measure_values(
        act.source, rules.activity_value, act.aggregate, act.window_days, rules.activity_filter, inputs
    )
    if found is None:
        return frame, [f"no {act.source} input: no health vs activity quadrant"]
    frame = frame.join(found.rename({"value": "activity"}), on="customer_id", how="left").with_columns(
        pl.col("activity").fill_null(0.0)
    )
    median = frame.select(pl.col("activity").median()).item()
    threshold = act.threshold if act.threshold is not None else float(median or 0.0)
    healthy = pl.col("health_band") == "green"
    active = pl.col("activity") >= threshold
    frame = frame.with_columns(
        quadrant=pl.when(pl.col("health_band").is_in(["no data", "churned"]))
        .then(pl.col("health_band"))
        .when(healthy & active)
        .then(pl.lit("healthy, active"))
        .when(healthy)
        .then(pl.lit("healthy, inactive"))
        .when(active)
        .then(pl.lit("unhealthy, active"))
        .otherwise(pl.lit("unhealthy, inactive"))
    )
    return frame, [f"activity threshold {threshold:g} ({'configured' if act.threshold is not None else 'median'})"]


def portfolio(frame: pl.DataFrame, by: str | None) -> pl.DataFrame:
    """Shares of green, yellow and red among scored customers; churned customers are left out."""
    frame = frame.filter(pl.col("health_band") != "churned")
    band = pl.col("health_band")
    scored = band != "no data"
    aggs = [
        pl.len().alias("customers"),
        scored.sum().alias("scored"),
        *[(band == b).sum().alias(b) for b in BANDS],
        (band == "no data").sum().alias("no_data"),
        # mean of the (2-decimal) scores from whole hundredths: an exact sum, the same in any row order
        pl.when(pl.col("health_score").count() > 0)
        .then((pl.col("health_score") * 100).round(0).cast(pl.Int64).sum() / pl.col("health_score").count() / 100)
        .round(2)
        .alias("avg_health"),
    ]
    if "arr" in frame.columns:
        aggs.append(pl.col("arr").filter(band == "red").sum().alias("arr_red"))
    grouped = frame.group_by(by).agg(aggs).sort(by) if by else frame.select(aggs)
    shares = [
        pl.when(pl.col("scored") > 0).then(pl.col(b) / pl.col("scored")).otherwise(None).alias(f"{b}_share")
        for b in BANDS
    ]
    out = grouped.with_columns(shares).with_columns(unhealthy_share=pl.col("yellow_share") + pl.col("red_share"))
    return (
        out if by else out.with_columns(pl.lit("all").alias("portfolio")).select("portfolio", pl.exclude("portfolio"))
    )


def compute_health(rules: Health, inputs: Inputs, as_of_label: str) -> Result:
    notes = list(rules.notes)
    frame, more = score_customers(rules, inputs)
    notes += more
    frame, more = apply_overrides(frame, rules, inputs.as_of)
    notes += more
    if inputs.previous is not None:
        frame = trend(frame, inputs.previous, rules.rules.trend_flat)
    frame, more = quadrant(frame, rules, inputs)
    notes += more
    overall = portfolio(frame, None)
    row = overall.row(0, named=True)
    metrics: dict[str, float | int | None] = {
        "red_share": row["red_share"],
        "yellow_share": row["yellow_share"],
        "green_share": row["green_share"],
        "unhealthy_share": row["unhealthy_share"],
        "avg_health": row["avg_health"],
        "scored_customers": row["scored"],
        "no_data_customers": row["no_data"],
    }
    if "score_change" in frame.columns:
        change = frame["score_change"].drop_nulls()
        metrics["avg_health_change"] = round(float(change.mean()), 2) if change.len() else None  # type: ignore[arg-type]
        metrics["worsened_customers"] = int(frame.filter(pl.col("trend") == "down").height)
    share_kinds = {f"{b}_share": "rate" for b in (*BANDS, "unhealthy")}
    share_kinds |= {"customers": "count", "scored": "count", "no_data": "count", "arr_red": "money"}
    share_kinds |= {b: "count" for b in BANDS}
    tables = {"customers": Table(frame, "Customer health", {"arr": "money", "mrr": "money"}, _shown(frame))}
    tables["portfolio"] = Table(overall, "Portfolio health", share_kinds)  # type: ignore[arg-type]
    for by in ("segment", "csm"):
        if by in frame.columns:
            tables[f"by_{by}"] = Table(portfolio(frame, by), f"Health by {'CSM' if by == 'csm' else by}", share_kinds)  # type: ignore[arg-type]
    if "quadrant" in frame.columns:
        quad = frame.group_by("quadrant").agg(pl.len().alias("customers")).sort("quadrant")
        tables["quadrant"] = Table(quad, "Health vs activity", {"customers": "count"})
    t = rules.rules.bands
    definitions = {
        "health_score": "Weighted mean of group scores; a group score is the weighted mean of its measure scores "
        "(weights normalised over the measures with a value).",
        "health_band": f"green: score >= {t.green:g}; yellow: >= {t.yellow:g}; red: below; an override wins; "
        "'no data' without a score; 'churned' without MRR (when the customer table has mrr).",
        "unhealthy_share": "(yellow + red) / scored customers.",
        "red_share": "red / scored customers.",
        "quadrant": "green or not × activity at or above the threshold or not.",
    }
    return Result(
        command="health",
        title=f"Customer health, {as_of_label}",
        tables=tables,
        primary="customers",
        metrics=metrics,
        meta={"as_of": as_of_label, "rules": rules.path},
        warnings=notes,
        definitions=definitions,
        order=[n for n in ("portfolio", "by_segment", "by_csm", "quadrant", "customers") if n in tables],
    )


def _shown(frame: pl.DataFrame) -> list[str]:
    first = ["customer_id", "name", "segment", "csm", "health_scorecard", "health_score", "health_band"]
    last = ["previous_score", "trend", "quadrant", "override"]
    groups = [c for c in frame.columns if c.startswith("group_")]
    return [c for c in first if c in frame.columns] + groups + [c for c in last if c in frame.columns]
