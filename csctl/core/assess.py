"""Step 10, assess: is the plan done, and is it working?

Per plan metric: baseline (in plan.yaml), target, and the current value from the registry on the current inputs.
  met        the current value has reached the target (in the metric's better direction);
  moving     it moved from the baseline towards the target but has not reached it;
  no change  it equals the baseline (within 1e-9, or a millionth of the baseline);
  worse      it moved away from the target;
  unknown    it cannot be measured from these inputs (the reason is given).
"Are we doing what we said" is the doing metric plan_actions_done_share: of the planned actions due by the
current as-of day, the share the actions export shows done (a row for the same customer and play dated after the
plan's baseline day, up to the as-of day, whose status, when there is one, is done/completed/closed).
Overall: not working when an outcome metric is worse or the actions done fall short of the plan's done target;
no change yet when every outcome metric equals its baseline (and nothing shows the plan is not being done);
working otherwise (each measurable outcome met or moving). Not working → back to step 9 with the next-best option;
working → step 8, the next level of value, with the monetisation opportunity named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from csctl.config.plays import Plan
from csctl.metrics import REGISTRY
from csctl.result import Result, Table
from csctl.units import format_unit

DONE = ("done", "completed", "complete", "closed", "finished")


@dataclass
class AssessInputs:
    plan: Plan
    current: dict[str, float | int | None]
    why: dict[str, str]
    as_of: dt.date
    as_of_month: str
    actions: pl.DataFrame | None  # the actions export (customer_id, play, date[, status])
    monetise: str | None  # the top expansion or upsell opportunity now, in a sentence


def verdict(baseline: float | None, target: float | None, current: float | None, better: str | None) -> str:
    if current is None or baseline is None:
        return "unknown"
    tolerance = max(1e-9, abs(baseline) * 1e-6)
    sign = 1.0 if better != "down" else -1.0
    if abs(current - baseline) <= tolerance:
        return "no change"
    if target is not None and sign * (current - target) >= -tolerance:
        return "met"
    return "moving" if sign * (current - baseline) > 0 else "worse"


def done_share(plan: Plan, actions: pl.DataFrame | None, as_of: dt.date) -> tuple[float | None, str, int, int]:
    """(share done, why when undefined, done, due) of the planned actions due by the as-of day."""
    planned = plan.plan.actions
    due = [a for a in planned if a.due <= as_of]
    if not due:
        return None, "no planned action is due yet", 0, 0
    if actions is None:
        return None, "no actions export given (--actions)", 0, len(due)
    start = plan.plan.baseline_day
    rows = actions.filter((pl.col("date") > start) & (pl.col("date") <= as_of))
    if "status" in rows.columns:
        rows = rows.filter(pl.col("status").str.strip_chars().str.to_lowercase().is_in(DONE))
    play = pl.col("play").str.strip_chars().str.to_lowercase()  # 'Renewal Play ' is the renewal play
    done_keys = rows.select(pl.col("customer_id").cast(pl.String), play).unique()
    due_frame = pl.DataFrame(
        {"customer_id": [a.customer_id for a in due], "play": [a.play.strip().lower() for a in due]},
        schema={"customer_id": pl.String, "play": pl.String},
    )
    done = due_frame.join(done_keys, on=["customer_id", "play"], how="semi").height
    return done / len(due), "", done, len(due)


def compute_assess(inputs: AssessInputs) -> Result:
    p = inputs.plan.plan
    share, share_why, done, due = done_share(inputs.plan, inputs.actions, inputs.as_of)
    rows: list[dict[str, Any]] = []
    for m in p.metrics:
        if m.role == "doing":
            current: float | int | None = share
            why = share_why or f"{done} of {due} actions due by {inputs.as_of.isoformat()} done"
            state = "unknown" if share is None else ("met" if share >= (m.target or p.done_target) else "short")
        else:
            current = inputs.current.get(m.name)
            why = inputs.why.get(m.name, "")
            better = m.better or REGISTRY[m.name].better  # a hand-edited plan may leave it out
            state = verdict(m.baseline, m.target, None if current is None else float(current), better)
        rows.append(
            {
                "metric": m.name,
                "label": REGISTRY[m.name].label,
                "role": m.role,
                "question": m.question,
                "baseline": m.baseline,
                "target": m.target,
                "current": None if current is None else float(current),
                "verdict": state,
                "detail": why,
                "unit": REGISTRY[m.name].unit,
            }
        )
    outcomes = [r for r in rows if r["role"] == "outcome"]
    doing = [r for r in rows if r["role"] == "doing"]
    known = [r for r in outcomes if r["verdict"] != "unknown"]
    short = any(r["verdict"] == "short" for r in doing)
    if any(r["verdict"] == "worse" for r in known) or short:
        overall = "not working"
    elif not known:
        overall = "cannot tell"
    elif all(r["verdict"] == "no change" for r in known):
        overall = "no change yet"
    else:
        overall = "working"
    cur = p.currency
    if overall == "not working":
        cause = "; ".join(
            f"{r['metric']} {format_unit(r['current'], str(r['unit']), cur)} against a baseline of "
            f"{format_unit(r['baseline'], str(r['unit']), cur)}"
            for r in known
            if r["verdict"] == "worse"
        )
        if short:
            cause = "; ".join(filter(None, [cause, f"only {done} of {due} planned actions done"]))
        nxt = (
            f"back to step 9: re-plan ({cause}); next-best option: {p.next_best}"
            if p.next_best
            else f"back to step 9: re-plan ({cause}); no other option applied when the plan was made"
        )
    elif overall == "working":
        nxt = "step 8: take the customers to the next level of value" + (
            f" and monetise: {inputs.monetise}" if inputs.monetise else ""
        )
    elif overall == "no change yet":
        nxt = f"keep going: nothing has moved since {p.baseline_day}; check again by {p.check_date}"
    else:
        nxt = "measure: none of the plan's outcome metrics can be computed from these inputs"
    early = inputs.as_of < p.check_date
    notes = [f"Verdict: {overall}. Next: {nxt}."]
    if early and overall != "no change yet":
        notes.append(f"An early read: the plan's check date is {p.check_date} (as-of now {inputs.as_of.isoformat()}).")
    frame = pl.DataFrame(
        rows,
        schema={
            "metric": pl.String,
            "label": pl.String,
            "role": pl.String,
            "question": pl.String,
            "baseline": pl.Float64,
            "target": pl.Float64,
            "current": pl.Float64,
            "verdict": pl.String,
            "detail": pl.String,
            "unit": pl.String,
        },
    )
    overall_frame = pl.DataFrame(
        {
            "pick": [p.pick.option],
            "baseline_as_of": [p.as_of],
            "as_of": [inputs.as_of_month],
            "check_date": [p.check_date],
            "verdict": [overall],
            "next": [nxt],
        }
    )
    values = {str(r["metric"]): r["current"] for r in rows}
    return Result(
        command="assess",
        title=f"Assessment of the plan '{p.pick.option}' as of {inputs.as_of_month}: {overall}",
        tables={
            "metrics": Table(
                frame, "Each plan metric: baseline, target, now", {}, by_unit=("baseline", "target", "current")
            ),
            "verdict": Table(overall_frame, "Verdict and where to go next"),
        },
        primary="metrics",
        metrics={k: v for k, v in values.items()},
        meta={"as_of": inputs.as_of_month, "plan": inputs.plan.path, "verdict": overall, "currency": cur},
        notes=notes,
        order=["verdict", "metrics"],
        definitions={str(r["metric"]): REGISTRY[str(r["metric"])].definition for r in rows},
    )
