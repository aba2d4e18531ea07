"""csctl assess: step 10, are we doing what we said, and is it working?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csctl.cli.inputs import run_for, workspace_inputs
from csctl.cli.options import Common, emit, examples, shared_options

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)

TABLES = ("billing", "customers", "usage", "tickets", "surveys", "costs", "team", "milestones", "contacts", "actions")
RULES = ("segments", "health", "personas", "value_path")


@app.command(
    "assess",
    epilog=examples(
        "csctl assess --plan plan.yaml -c client/csctl.yaml",
        "csctl assess --plan plan.yaml --billing billing.csv --actions actions.csv -f json",
    ),
    help=(
        "Assess effectiveness: for each metric in plan.yaml its baseline, target and current value from "
        "the current inputs; are we doing what we said (planned actions done, from --actions) and is it working; "
        "a verdict per metric and overall. Not working: back to step 9 with the next-best option (exit 1, for "
        "cron); working: step 8, the next level of value and the monetisation opportunity."
    ),
)
@shared_options
@workspace_inputs(TABLES, RULES)
def assess(
    plan: Annotated[Path, typer.Option("--plan", metavar="plan.yaml", help="The plan csctl plan wrote.")] = Path(
        "plan.yaml"
    ),
    *,
    inputs: dict[str, str | None],
    rule_files: dict[str, Path | None],
    common: Common,
) -> None:
    common.conditions("assess")
    from csctl.errors import InputError, ThresholdBreached
    from csctl.run import steps

    if not plan.is_file():
        what = "a folder, not a plan file" if plan.is_dir() else "no such file"
        raise InputError(f"--plan {plan}: {what}", hint="csctl plan writes plan.yaml")
    run = run_for(common, inputs, rule_files)
    result = steps.assess(run, str(plan))
    verdict = result.meta["verdict"]
    if verdict == "cannot tell":
        table = result.tables["metrics"].frame
        reasons = "; ".join(f"{m}: {d}" for m, d in table.select("metric", "detail").iter_rows() if d)
        raise InputError(f"{plan}: none of the plan's outcome metrics can be measured from these inputs ({reasons})")
    emit(result, common, inputs=[*run.specs(), str(plan)])
    if verdict == "not working":
        raise ThresholdBreached(f"not working: {result.tables['verdict'].frame['next'][0]}")
