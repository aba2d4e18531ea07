"""Step 9, execution: the options from the plays library, exactly one pick, its metrics and per-account actions.

For each play (an option), over the enriched customer table (customers with segment, mrr/arr, health, days to
renewal, value-path status and persona coverage, as far as the exports allow), active customers only:
  accounts = customers the trigger selects; arr = their ARR;
  hours = accounts × effort hours; cost = hours × CSM hourly cost + accounts × cost per account;
  capacity = hours / the owner's hours until the check date (CS: the roster's CSM FTE × hours a year × days/365);
  value = Σ over segments of the lever's gain there (csctl opportunity) × the share of the segment's ARR in scope;
  score = value × risk factor (low 1, medium 0.75, high 0.5) − cost.
Feasible: at least one account, and (owner CS) capacity within ``max_capacity_share`` of the team's hours.
The pick: the feasible option with the highest score; ties go to the lower risk, then the lower cost, then the
name (alphabetically) — so the same inputs always give the same pick. Without a feasible option, the highest
score among the options with accounts is picked, and the note says it is over capacity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from csctl.config.plays import Plays
from csctl.errors import InputError
from csctl.metrics import REGISTRY
from csctl.result import Kind, Result, Table
from csctl.units import money

# columns a play's trigger may use that only some exports provide: column -> what provides it
ENRICHMENT = {
    "mrr": "billing",
    "arr": "billing",
    "segment": "customers",
    "touch": "customers",
    "health_score": "usage, tickets or surveys (health)",
    "health_band": "usage, tickets or surveys (health)",
    "quadrant": "usage, tickets or surveys (health)",
    "days_to_renewal": "renewal_date in customers",
    "renewal_date": "renewal_date in customers",
    "value_stage": "milestones (value path)",
    "value_status": "milestones (value path)",
    "value_behind": "milestones (value path)",
    "weeks_behind": "milestones (value path)",
    "value_next_step": "milestones (value path)",
    "contacts": "contacts (personas)",
    "single_threaded": "contacts (personas)",
    "decision_maker": "contacts (personas)",
    "engaged_champion": "contacts (personas)",
}
OWNER_ROLES = {  # roster roles that count as each non-CS owner's hours
    "Sales": "sales|account exec|account manager",
    "Marketing": "marketing",
    "Product": "product",
    "Support": "support",
}
RISK_FACTOR = {"low": 1.0, "medium": 0.75, "high": 0.5}
RISK_ORDER = {"low": 0, "medium": 1, "high": 2}


@dataclass
class PlanInputs:
    customers: pl.DataFrame  # the enriched customer table
    unavailable: dict[str, str]  # enrichment column -> the export it needs (not in this run)
    gains: pl.DataFrame | None  # csctl opportunity's levers: segment, lever, gain (None: no billing)
    as_of: dt.date
    as_of_month: str
    hourly_cost: float | None
    cost_source: str
    team_hours_year: dict[str, float]  # owner -> productive hours a year on the roster (CS: CSM FTE × hours)
    baselines: dict[str, float | int | None]
    baseline_why: dict[str, str] = field(default_factory=dict)
    imbalance: dict[str, float | int | None] | None = None  # csctl asis's metrics (accounts_cv, …), for the lens
    max_capacity_share: float = 0.25
    currency: str = "USD"


def enrich(
    base: pl.DataFrame,
    day: dt.date,
    value_path: pl.DataFrame | None,
    coverage: pl.DataFrame | None,
    layout: tuple[str, ...] = (),
) -> tuple[pl.DataFrame, dict[str, str]]:
    """The customer table plays trigger on: ``base`` (customers with segment, revenue, health as far as known),
    days to renewal, the value path's status (csctl value-path's customers) and persona coverage (csctl personas'
    accounts); and the enrichment columns it lacks, with what would provide them. ``layout``: the columns of the
    customer table's canonical layout (io's schema, given by the step: core reads no io)."""
    frame = base.with_columns(pl.col("customer_id").cast(pl.String))
    if "renewal_date" in frame.columns:
        frame = frame.with_columns(
            (pl.col("renewal_date").cast(pl.Date) - pl.lit(day)).dt.total_days().alias("days_to_renewal")
        )
    if value_path is not None:
        frame = frame.join(
            value_path.select(
                pl.col("customer_id").cast(pl.String),
                pl.col("stage").alias("value_stage"),
                pl.col("status").alias("value_status"),
                pl.col("behind").alias("value_behind"),
                "weeks_behind",
                pl.col("next_step").alias("value_next_step"),
            ),
            on="customer_id",
            how="left",
        )
    if coverage is not None:
        frame = frame.join(
            coverage.select(
                pl.col("customer_id").cast(pl.String),
                "contacts",
                "single_threaded",
                "decision_maker",
                "engaged_champion",
            ),
            on="customer_id",
            how="left",
        )
    lacking = {c: why for c, why in ENRICHMENT.items() if c not in frame.columns}
    # a column of the customer table's layout this CRM export lacks (industry, edition, ...): a trigger on it is
    # "cannot tell yet", as for an export not given; a column of no layout is a mistake in the trigger
    absent = {c: f"{c} in customers" for c in layout if c not in frame.columns}
    return frame, absent | lacking


def team_hours(team: pl.DataFrame, hours_per_year: float) -> dict[str, float]:
    """Productive hours a year on the roster by play owner: CS = the CSMs' FTE, others by role (OWNER_ROLES)."""
    from csctl.core.asis import is_csm

    fte = pl.col("fte").fill_null(1.0) if "fte" in team.columns else pl.lit(1.0)
    hours = {"CS": float(team.filter(is_csm(pl.col("role"))).select(fte.sum()).item() or 0.0) * hours_per_year}
    for owner, pattern in OWNER_ROLES.items():
        rows = team.filter(pl.col("role").str.to_lowercase().str.contains(pattern))
        if rows.height:
            hours[owner] = float(rows.select(fte.sum()).item() or 0.0) * hours_per_year
    return hours


def _active(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("mrr") > 0) if "mrr" in frame.columns else frame


def options(plays: Plays, inputs: PlanInputs) -> tuple[pl.DataFrame, dict[str, pl.DataFrame], list[str]]:
    """One row per play (with why it cannot be evaluated when its trigger needs an export this run lacks), the
    accounts each selects, and notes."""
    frame = _active(inputs.customers)
    arr = pl.col("arr") if "arr" in frame.columns else pl.lit(0.0)
    frame = frame.with_columns(arr.fill_null(0.0).alias("__arr"))
    period_days = plays.rules.check_after_days
    rows = []
    scopes: dict[str, pl.DataFrame] = {}
    notes: list[str] = []
    seg_arr = (
        frame.group_by("segment").agg(pl.col("__arr").sum().alias("segment_arr"))
        if "segment" in frame.columns
        else None
    )
    for play in plays.rules.plays:
        trigger = plays.triggers[play.name]
        needs = sorted({inputs.unavailable[c] for c in trigger.columns if c in inputs.unavailable})
        row: dict[str, object] = {
            "option": play.name,
            "kind": play.kind,
            "lever": play.lever,
            "owner": play.owner,
            "risk": play.risk,
            "moves": play.moves,
            "trigger": play.trigger,
        }
        if needs:
            row |= {"evaluable": False, "why": "needs " + ", ".join(needs)}
            rows.append(row)
            continue
        scope = frame.filter(trigger.expr.fill_null(False))
        scopes[play.name] = scope
        accounts = scope.height
        hours = accounts * play.effort_hours
        licence = accounts * play.cost_per_account  # money besides hours: counted with or without an hourly cost
        cost = licence if inputs.hourly_cost is None else hours * inputs.hourly_cost + licence
        team = inputs.team_hours_year.get(play.owner)
        available = None if team is None else team * period_days / 365
        capacity = None if not available else hours / available
        value = 0.0
        unvalued = False  # the lever is unmeasured wherever the play reaches: the option cannot be valued
        if inputs.gains is not None and seg_arr is not None and accounts:
            lever = inputs.gains.filter(pl.col("lever") == play.lever).select("segment", "gain")
            in_scope = scope.group_by("segment").agg(pl.col("__arr").sum().alias("scope_arr"))
            joined = in_scope.join(seg_arr, on="segment").join(lever, on="segment")
            share = pl.when(pl.col("segment_arr") > 0).then(pl.col("scope_arr") / pl.col("segment_arr")).otherwise(0)
            value = float(joined.select((pl.col("gain") * share).sum()).item() or 0.0)
            unvalued = joined.height > 0 and joined["gain"].null_count() == joined.height
        score = value * RISK_FACTOR[play.risk] - (cost or 0.0)
        within = capacity is None or capacity <= inputs.max_capacity_share or play.owner != "CS"
        row |= {
            "evaluable": True,
            "accounts": accounts,
            "arr": round(float(scope["__arr"].sum()), 2),
            "hours": round(hours, 2),
            "cost": None if cost is None else round(cost, 2),
            "team_hours": None if available is None else round(available, 1),
            "capacity_share": capacity,
            "value": round(value, 2),
            "score": round(score, 2),
            "feasible": accounts > 0 and within and not unvalued,
            "why": (
                "no account matches"
                if accounts == 0
                else f"its lever ({play.lever}) is unmeasured in step 8 (greatest opportunity): an input is missing"
                if unvalued
                else ""
                if within
                else f"needs {capacity:.0%} of the CS team's hours (max {inputs.max_capacity_share:.0%})"
            ),
        }
        rows.append(row)
    schema = {
        "option": pl.String,
        "kind": pl.String,
        "lever": pl.String,
        "owner": pl.String,
        "risk": pl.String,
        "moves": pl.String,
        "trigger": pl.String,
        "evaluable": pl.Boolean,
        "accounts": pl.Int64,
        "arr": pl.Float64,
        "hours": pl.Float64,
        "cost": pl.Float64,
        "team_hours": pl.Float64,
        "capacity_share": pl.Float64,
        "value": pl.Float64,
        "score": pl.Float64,
        "feasible": pl.Boolean,
        "why": pl.String,
    }
    table = pl.DataFrame(rows, schema=schema, strict=False).with_columns(pl.col("feasible").fill_null(False))
    ranked = (
        table.with_columns(
            pl.col("risk").replace_strict(RISK_ORDER, return_dtype=pl.Int8).alias("__risk"),
            pl.col("score").fill_null(float("-inf")).alias("__score"),
            pl.col("cost").fill_null(0.0).alias("__cost"),
            (pl.col("accounts").fill_null(0) > 0).alias("__any"),
        )
        .sort(
            ["feasible", "__any", "__score", "__risk", "__cost", "option"],
            descending=[True, True, True, False, False, False],
        )
        .drop("__risk", "__score", "__cost", "__any")
        .with_row_index("rank", offset=1)
    )
    if inputs.hourly_cost is None:
        notes.append(
            "no CSM loaded cost (team roster or valuation.csm_loaded_cost): hours are not costed, only each play's "
            "cost per account"
        )
    return ranked, scopes, notes


def pick(ranked: pl.DataFrame) -> dict[str, Any] | None:
    """The first option in rank order that selects any account (the ranking already encodes the tie rule)."""
    candidates = ranked.filter(pl.col("accounts").fill_null(0) > 0)
    return None if candidates.is_empty() else candidates.row(0, named=True)


def target_of(metric: str, baseline: float | None, change: float) -> float | None:
    """baseline moved by ``change`` in the metric's better direction; shares and GRR stay within 0..1."""
    if baseline is None:
        return None
    m = REGISTRY[metric]
    step = abs(change) if m.better == "up" else -abs(change)
    target = baseline + step
    if m.unit == "rate" and not metric.startswith("nrr"):
        target = min(max(target, 0.0), 1.0)
    return round(target, 6)


def actions(scope: pl.DataFrame, play_name: str, plays: Plays, as_of: dt.date) -> pl.DataFrame:
    """The pick's per-account actions: due ``days_before`` a date column (never before tomorrow), else within
    ``action_within_days`` of the as-of day."""
    play = next(p for p in plays.rules.plays if p.name == play_name)
    soonest = as_of + dt.timedelta(days=1)
    default_due = as_of + dt.timedelta(days=max(plays.rules.action_within_days, 1))
    if play.due is not None and play.due.column in scope.columns:
        due = (pl.col(play.due.column).cast(pl.Date) - pl.duration(days=play.due.days_before)).fill_null(default_due)
        due = pl.max_horizontal(due, pl.lit(soonest))
    else:
        due = pl.lit(default_due)
    keep = [c for c in ("name", "segment", "csm", "arr", "health_band", "renewal_date") if c in scope.columns]
    return scope.select(
        pl.col("customer_id").cast(pl.String),
        *keep,
        pl.lit(play.name).alias("play"),
        pl.lit(play.owner).alias("owner"),
        due.alias("due"),
        pl.lit(play.action or play.name).alias("action"),
    ).sort(["due", "customer_id"])


class NothingToPick(InputError):
    """No play's trigger selects an active customer: csctl plan exits 3; csctl report says so in step 9."""


def compute_plan(plays: Plays, inputs: PlanInputs, value_steps: pl.DataFrame | None) -> tuple[Result, dict]:
    """The plan Result and the plan document (what plan.yaml holds, for assess)."""
    ranked, scopes, notes = options(plays, inputs)
    chosen = pick(ranked)
    if chosen is None:
        raise NothingToPick(
            f"{plays.path}: no play's trigger selects any active customer, so there is nothing to pick",
            hint="check the triggers against the customer table (csctl segment / health outputs show its columns)",
        )
    name = str(chosen["option"])
    play = next(p for p in plays.rules.plays if p.name == name)
    check_date = inputs.as_of + dt.timedelta(days=plays.rules.check_after_days)
    baseline = inputs.baselines.get(play.moves)
    target = target_of(play.moves, None if baseline is None else float(baseline), play.change)
    cur = inputs.currency
    runner_up = ranked.filter((pl.col("option") != name) & (pl.col("accounts").fill_null(0) > 0))
    next_best = None if runner_up.is_empty() else str(runner_up["option"][0])
    reason = (
        f"{name} has the highest score of the feasible options: value {money(chosen['value'], cur, 0)} "
        f"(the {play.lever} gain measured in step 8 on {chosen['arr'] and money(chosen['arr'], cur, 0)} ARR in "
        f"scope) × {RISK_FACTOR[play.risk]:g} for {play.risk} risk − cost {money(chosen['cost'] or 0.0, cur, 0)} "
        f"= {money(chosen['score'], cur, 0)}"
    )
    if not chosen["feasible"]:
        reason = f"no option fits the team's capacity; {name} scores highest of those that apply ({chosen['why']})"
        notes.append(reason)
    if next_best:
        reason += f"; next best: {next_best}"
    metrics_spec = [
        {
            "name": play.moves,
            "role": "outcome",
            "question": "is it working",
            "baseline": baseline,
            "target": target,
            "better": REGISTRY[play.moves].better,
        },
        {
            "name": "plan_actions_done_share",
            "role": "doing",
            "question": "are we doing what we said",
            "baseline": None,
            "target": plays.rules.done_target,
            "better": "up",
        },
    ]
    if baseline is None:
        notes.append(
            f"{play.moves} cannot be measured from these inputs ({inputs.baseline_why.get(play.moves, 'undefined')}): "
            "the plan has no baseline for it"
        )
    acts = actions(scopes[name], name, plays, inputs.as_of)
    if play.due is not None and play.due.column not in scopes[name].columns:
        column = play.due.column
        notes.append(
            f"{name}: its actions are due within {max(plays.rules.action_within_days, 1)} days of the as-of day, "
            f"not {play.due.days_before} days before {column} (this run's customers have no {column!r} column)"
        )
    if value_steps is not None:
        behind = value_steps.filter(pl.col("behind")).select(
            pl.col("customer_id").cast(pl.String),
            pl.lit("value path").alias("play"),
            pl.lit("CS").alias("owner"),
            pl.max_horizontal(pl.col("next_due"), pl.lit(inputs.as_of + dt.timedelta(days=1))).alias("due"),
            pl.col("next_step").alias("action"),
        )
        keep = [c for c in ("name", "segment", "csm", "arr", "health_band", "renewal_date") if c in acts.columns]
        if keep:  # the same account columns as the play's actions
            accounts = inputs.customers.select(pl.col("customer_id").cast(pl.String), *keep)
            behind = behind.join(accounts, on="customer_id", how="left")
        acts = pl.concat([acts, behind], how="diagonal_relaxed").sort(["due", "customer_id", "play"])
    lens = _lens(ranked, inputs, name)
    plan_doc = {
        "csctl_plan": 1,
        "as_of": inputs.as_of_month,
        "baseline_day": inputs.as_of.isoformat(),
        "check_date": check_date.isoformat(),
        "currency": cur,
        "pick": {
            "option": name,
            "lever": play.lever,
            "owner": play.owner,
            "trigger": play.trigger,
            "accounts": int(chosen["accounts"] or 0),
            "arr": chosen["arr"],
            "hours": chosen["hours"],
            "cost": chosen["cost"],
            "risk": play.risk,
            "reason": reason,
        },
        "next_best": next_best,
        "done_target": plays.rules.done_target,
        "metrics": metrics_spec,
        "options": [
            {k: r[k] for k in ("rank", "option", "lever", "owner", "accounts", "score", "feasible")}
            for r in ranked.iter_rows(named=True)
        ],
        "actions": [
            {"customer_id": r["customer_id"], "play": r["play"], "due": r["due"].isoformat(), "owner": r["owner"]}
            for r in acts.iter_rows(named=True)
        ],
    }
    kinds: dict[str, Kind] = {
        "arr": "money",
        "cost": "money",
        "value": "money",
        "score": "money",
        "capacity_share": "rate",
        "accounts": "count",
        "hours": "number",
        "team_hours": "number",
    }
    metric_rows = pl.DataFrame(
        [
            {
                "metric": m["name"],
                "label": REGISTRY[str(m["name"])].label,
                "question": m["question"],
                "baseline": m["baseline"],
                "target": m["target"],
                "check_date": check_date,
                "unit": REGISTRY[str(m["name"])].unit,
            }
            for m in metrics_spec
        ],
        schema={
            "metric": pl.String,
            "label": pl.String,
            "question": pl.String,
            "baseline": pl.Float64,
            "target": pl.Float64,
            "check_date": pl.Date,
            "unit": pl.String,
        },
    )
    plan_metrics: dict[str, float | int | None] = {
        "plan_accounts": int(chosen["accounts"] or 0),
        "plan_arr_in_scope": chosen["arr"],
        "plan_hours": chosen["hours"],
        "plan_cost": chosen["cost"],
    }
    tables = {
        "options": Table(
            ranked,
            "Options from the plays library, ranked (the pick first)",
            kinds,
            show=[
                "rank",
                "option",
                "kind",
                "lever",
                "owner",
                "risk",
                "accounts",
                "arr",
                "hours",
                "cost",
                "capacity_share",
                "value",
                "score",
                "feasible",
                "why",
            ],
        ),
        "pick": Table(
            pl.DataFrame({"pick": [name], "reason": [reason], "check_date": [check_date]}),
            "The pick (exactly one)",
        ),
        "metrics": Table(
            metric_rows, "What tells us it is done and whether it works", {}, by_unit=("baseline", "target")
        ),
        "actions": Table(acts, "Per-account actions", {"arr": "money"}),
        "lens": Table(
            pl.DataFrame(lens, schema={"lens": pl.String, "item": pl.String, "detail": pl.String}),
            "The as-is lens: what need not be done, what others must do, where work is imbalanced",
        ),
    }
    result = Result(
        command="plan",
        title=f"Plan as of {inputs.as_of_month}: {name}",
        tables=tables,
        primary="actions",
        metrics=plan_metrics,
        meta={"as_of": inputs.as_of_month, "currency": cur, "plays": plays.path, "pick": name},
        notes=[f"Pick: {reason}.", *notes],
        order=["pick", "options", "metrics", "lens", "actions"],
        definitions={k: REGISTRY[k].definition for k in plan_metrics},
    )
    return result, plan_doc


def _lens(ranked: pl.DataFrame, inputs: PlanInputs, picked: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    cur = inputs.currency
    for r in ranked.iter_rows(named=True):
        if r["option"] == picked:
            continue
        if not r["evaluable"]:
            rows.append({"lens": "cannot tell yet", "item": r["option"], "detail": r["why"]})
        elif not r["accounts"]:
            rows.append({"lens": "need not be done", "item": r["option"], "detail": "no account matches its trigger"})
        elif r["score"] is not None and r["score"] <= 0:
            rows.append(
                {
                    "lens": "need not be done",
                    "item": r["option"],
                    "detail": f"costs more than it returns (score {money(r['score'], cur, 0)})",
                }
            )
        if r["evaluable"] and r["owner"] != "CS" and r["accounts"]:
            rows.append(
                {
                    "lens": "done by others",
                    "item": r["option"],
                    "detail": f"{r['owner']}: {r['accounts']} accounts, {r['hours']:g} hours",
                }
            )
    m = inputs.imbalance or {}
    cv, ratio, over = m.get("accounts_cv"), m.get("accounts_max_min"), m.get("overloaded_csms")
    if cv is not None:
        rows.append(
            {
                "lens": "imbalanced",
                "item": "accounts per CSM",
                "detail": f"CV {cv:.2f}, max/min {'—' if ratio is None else f'{float(ratio):.2f}'}, "
                + (
                    "CSMs over capacity not measured (csctl asis)"
                    if over is None
                    else f"{int(over)} CSMs over capacity (csctl asis)"
                ),
            }
        )
    return rows
