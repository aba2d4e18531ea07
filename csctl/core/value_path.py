"""Step 7, the value path: where each customer stands on the milestones, whether it is behind, its time to value
and its next step.

Per customer, from the milestones table (customer_id, milestone, date) up to the as-of day:
  start = the latest ``start`` milestone (a new contract restarts the clock); only milestones on or after it count;
  reached = the furthest milestone on the path reached since the start (the path's order, not the dates');
  weeks in = (as-of − start) / 7; next = the milestone after reached;
  behind = weeks in > next's by_week (else week) + grace_weeks, and not failed;
  weeks behind = weeks in − that deadline (when behind);
  time to value = days from the start to the value milestone (null until reached);
  status = failed (a ``failed`` milestone since the start, with no path milestone after it) | complete (the last
  milestone reached) | behind | on track.
Milestone names not on the path are counted in a note, never silently dropped; customers with milestones but no
start are listed in a note too.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from csctl.config.plays import Milestone, ValuePath
from csctl.result import Kind, Result, Table


def _deadline(m: Milestone) -> float:
    return m.by_week if m.by_week is not None else m.week


def place_customers(milestones: pl.DataFrame, rules: ValuePath, as_of: dt.date) -> tuple[pl.DataFrame, list[str]]:
    """One row per customer with a start: start, stage, weeks_in, next_milestone, next_due, behind, weeks_behind,
    days_to_value, status, next_step."""
    r = rules.rules
    names = [r.start, *(m.name for m in r.milestones)]
    path = pl.DataFrame(
        {
            "milestone": names,
            "step": list(range(len(names))),
            "week": [0.0, *(m.week for m in r.milestones)],
            "deadline": [0.0, *(_deadline(m) + r.grace_weeks for m in r.milestones)],
            "next_step_text": ["", *(m.next_step for m in r.milestones)],
        },
        schema={
            "milestone": pl.String,
            "step": pl.Int32,
            "week": pl.Float64,
            "deadline": pl.Float64,
            "next_step_text": pl.String,
        },
    )
    notes: list[str] = []
    rows = milestones.select(
        pl.col("customer_id").cast(pl.String), pl.col("milestone").str.strip_chars(), pl.col("date")
    ).filter(pl.col("date") <= as_of)
    known = {*names, *([r.failed] if r.failed else [])}
    unknown = rows.filter(~pl.col("milestone").is_in(list(known)))
    if unknown.height:
        counts = unknown.group_by("milestone").len().sort("len", descending=True)
        listed = ", ".join(f"{m!r} ({n})" for m, n in counts.iter_rows())
        notes.append(f"{unknown.height} milestone rows name milestones not on the value path, not used: {listed}")
    starts = (
        rows.filter(pl.col("milestone") == r.start).group_by("customer_id").agg(pl.col("date").max().alias("start"))
    )
    no_start = rows.filter(pl.col("milestone").is_in(list(known))).join(starts, on="customer_id", how="anti")
    if no_start.height:
        ids = no_start["customer_id"].unique().sort().to_list()
        shown = ", ".join(ids[:5]) + (" …" if len(ids) > 5 else "")
        notes.append(f"{len(ids)} customers have milestones but no {r.start!r}; not placed: {shown}")
    since = rows.join(starts, on="customer_id").filter(pl.col("date") >= pl.col("start"))
    on_path = since.join(path.select("milestone", "step"), on="milestone")
    value = rules.value_milestone
    per = (
        on_path.group_by("customer_id")
        .agg(
            pl.col("start").first(),
            pl.col("step").max().alias("step"),
            pl.col("date").max().alias("last_on_path"),
            (pl.col("date").filter(pl.col("milestone") == value).min() if value else pl.lit(None, pl.Date)).alias(
                "value_date"
            ),
        )
        .join(
            since.filter(pl.col("milestone") == (r.failed or "\0"))
            .group_by("customer_id")
            .agg(pl.col("date").max().alias("failed_on")),
            on="customer_id",
            how="left",
        )
        # failed: the failure is the latest news (a milestone reached after it, e.g. a renewal, overrides it)
        .with_columns(failed=(pl.col("failed_on") >= pl.col("last_on_path")).fill_null(False))
        .drop("failed_on", "last_on_path")
    )
    last_step = len(names) - 1
    stage = path.select(pl.col("step"), pl.col("milestone").alias("stage"))
    nxt = path.select(
        (pl.col("step") - 1).alias("step"),
        pl.col("milestone").alias("next_milestone"),
        pl.col("week").alias("next_week"),
        pl.col("deadline").alias("next_deadline"),
        pl.col("next_step_text"),
    )
    days_in = (pl.lit(as_of) - pl.col("start")).dt.total_days()
    placed = (
        per.join(stage, on="step", how="left")
        .join(nxt, on="step", how="left")
        .with_columns(
            pl.col("failed").fill_null(False),
            (days_in / 7).round(1).alias("weeks_in"),
            (pl.col("value_date") - pl.col("start")).dt.total_days().alias("days_to_value"),
            (pl.col("start") + pl.duration(days=(pl.col("next_week") * 7).round(0).cast(pl.Int64))).alias("next_due"),
        )
        .with_columns(
            (~pl.col("failed") & pl.col("next_deadline").is_not_null() & (days_in / 7 > pl.col("next_deadline")))
            .fill_null(False)
            .alias("behind"),
        )
        .with_columns(
            pl.when(pl.col("behind")).then((days_in / 7 - pl.col("next_deadline")).round(1)).alias("weeks_behind"),
            pl.when(pl.col("failed"))
            .then(pl.lit("failed"))
            .when(pl.col("step") == last_step)
            .then(pl.lit("complete"))
            .when(pl.col("behind"))
            .then(pl.lit("behind"))
            .otherwise(pl.lit("on track"))
            .alias("status"),
            pl.when(pl.col("failed"))
            .then(pl.lit("rescue: onboarding failed; restart with a new plan or confirm the churn"))
            .when(pl.col("next_milestone").is_null())
            .then(pl.lit("next term: take the customer to the next level of value (expansion)"))
            .when(pl.col("next_step_text") != "")
            .then(pl.col("next_step_text"))
            .otherwise(pl.concat_str(pl.lit("reach "), pl.col("next_milestone")))
            .alias("next_step"),
        )
        .select(
            "customer_id",
            "start",
            "stage",
            "weeks_in",
            "next_milestone",
            "next_due",
            "behind",
            "weeks_behind",
            "days_to_value",
            "status",
            "next_step",
            "step",
        )
        .sort("customer_id")
    )
    return placed, notes


def compute_value_path(
    milestones: pl.DataFrame, customers: pl.DataFrame | None, rules: ValuePath, as_of: dt.date
) -> Result:
    placed, notes = place_customers(milestones, rules, as_of)
    keep = placed
    if customers is not None:
        extra = [c for c in ("name", "segment", "csm", "arr") if c in customers.columns]
        accounts = customers.select(pl.col("customer_id").cast(pl.String), *extra)
        if "mrr" in customers.columns:  # only customers with revenue now are on the path
            active = customers.filter(pl.col("mrr") > 0).select(pl.col("customer_id").cast(pl.String))
            gone = placed.join(active, on="customer_id", how="anti").height
            if gone:
                notes.append(f"{gone} customers with milestones have no MRR in the as-of month; not on the path now")
            keep = placed.join(active, on="customer_id", how="semi")
        keep = keep.join(accounts, on="customer_id", how="left").select(
            "customer_id", *extra, *(c for c in placed.columns if c != "customer_id")
        )
    r = rules.rules
    names = [r.start, *(m.name for m in r.milestones)]
    counts = keep.group_by("stage").agg(
        pl.len().alias("customers"),
        pl.col("behind").sum().alias("behind"),
        pl.col("weeks_in").median().alias("median_weeks_in"),
    )
    weeks = [0.0, *(m.week for m in r.milestones)]
    stages = (
        pl.DataFrame({"stage": names, "expected_week": weeks})
        .join(counts, on="stage", how="left")
        .with_columns(pl.col("customers", "behind").fill_null(0))
        .with_columns(
            (pl.col("customers") / max(keep.height, 1)).alias("share"),
        )
    )
    value = rules.value_milestone
    placed_n = keep.height
    active = keep.filter(pl.col("status") != "failed")
    behind = int(keep["behind"].sum()) if placed_n else 0
    ttv = keep["days_to_value"].drop_nulls()
    value_week = next((m.week for m in r.milestones if m.name == value), None)
    due_value = keep.filter(pl.col("weeks_in") >= value_week) if value_week is not None else keep.clear()
    metrics: dict[str, float | int | None] = {
        "value_path_customers": placed_n,
        "value_path_behind_share": behind / active.height if active.height else None,
        "median_weeks_to_value": round(float(ttv.median()) / 7, 2) if ttv.len() else None,  # type: ignore[arg-type]
        "reached_value_share": (
            int(due_value["days_to_value"].is_not_null().sum()) / due_value.height if due_value.height else None
        ),
        "onboarding_failed_customers": int((keep["status"] == "failed").sum()),
    }
    kinds: dict[str, Kind] = {"share": "rate", "customers": "count", "behind": "count"}
    summary = pl.DataFrame(
        {"metric": list(metrics), "value": [None if v is None else float(v) for v in metrics.values()]},
        schema={"metric": pl.String, "value": pl.Float64},
    )
    from csctl.metrics import REGISTRY

    summary = summary.with_columns(
        pl.col("metric").replace_strict({k: REGISTRY[k].label for k in metrics}, return_dtype=pl.String).alias("label"),
        pl.col("metric").replace_strict({k: REGISTRY[k].unit for k in metrics}, return_dtype=pl.String).alias("unit"),
    ).select("metric", "label", "value", "unit")
    behind_list = keep.filter(pl.col("behind")).sort(["weeks_behind", "customer_id"], descending=[True, False])
    tables = {
        "customers": Table(keep.drop("step"), "Where each customer stands", {"weeks_in": "number"}),
        "stages": Table(stages, "Customers by milestone (the value path in order)", kinds),
        "behind": Table(behind_list.drop("step"), "Behind the value path: the next step first"),
        "summary": Table(summary, "Value path"),
    }
    path_text = ", ".join(
        f"{m.name} wk {m.week:g}" + (f"-{m.by_week:g}" if m.by_week is not None else "") for m in r.milestones
    )
    return Result(
        command="value-path",
        title=f"Value path as of {as_of.isoformat()}",
        tables=tables,
        primary="customers",
        metrics=metrics,
        meta={"as_of": as_of.isoformat(), "path": f"{r.start} wk 0, {path_text}", "rules": rules.path},
        notes=notes,
        order=["summary", "stages", "behind", "customers"],
        definitions={
            "value_path_behind_share": "Customers past the deadline of their next milestone (+ grace) / customers "
            "on the path who have not failed.",
            "median_weeks_to_value": f"Median weeks from {r.start} to {value or 'the value milestone'}.",
            "reached_value_share": "Customers past the value milestone's week who reached it / those customers.",
        },
    )
