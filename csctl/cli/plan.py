"""csctl plan: step 9, the options from the plays library, one pick, its metrics and per-account actions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csctl.cli.inputs import run_for, workspace_inputs
from csctl.cli.options import Common, emit, examples, shared_options

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)

TABLES = ("billing", "customers", "usage", "tickets", "surveys", "costs", "team", "milestones", "contacts")
RULES = ("plays", "segments", "health", "personas", "value_path")


@app.command(
    "plan",
    epilog=examples(
        "csctl plan -c client/csctl.yaml", "csctl plan -c client/csctl.yaml --plan-file plan.yaml --force -f markdown"
    ),
    help=(
        "Execution: options from the plays library (lever, SQL trigger over the enriched customer table, "
        "owner, effort, risk, the metric it moves); per option the accounts, ARR in scope, hours and cost, capacity "
        "needed vs the team's; the as-is lens (what need not be done, what others must do, imbalance); exactly one "
        "pick with its reason (ties: lower risk, lower cost, then name); the metrics with baseline, target and check "
        "date; per-account actions. Writes plan.yaml for csctl assess. Inputs not given come from the workspace."
    ),
)
@shared_options
@workspace_inputs(TABLES, RULES)
def plan(
    opportunity: Annotated[
        str | None,
        typer.Option("--opportunity", metavar="O", help="csctl opportunity's CSV (default: computed from billing)."),
    ] = None,
    plan_file: Annotated[
        Path, typer.Option("--plan-file", metavar="PATH", help="Where to write the plan for csctl assess.")
    ] = Path("plan.yaml"),
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing --plan-file (an earlier plan assess measures).")
    ] = False,
    *,
    inputs: dict[str, str | None],
    rule_files: dict[str, Path | None],
    common: Common,
) -> None:
    common.conditions("plan")
    from csctl.cli.console import info
    from csctl.cli.options import check_folder, refuse_overwriting_inputs, write_output
    from csctl.run import steps

    check_folder(plan_file, "--plan-file ")  # where the results go, checked before any work
    if common.output is not None:
        check_folder(common.output, "-o ")
    common.resolve_format()
    run = run_for(common, inputs, rule_files)
    refuse_overwriting_inputs(plan_file, [*run.specs(), *([opportunity] if opportunity else [])])
    if plan_file.exists() and not force:
        from csctl.errors import UsageError

        raise UsageError(
            f"{plan_file} exists: an earlier plan, the one csctl assess measures against; csctl plan does not "
            "replace it unasked",
            hint="give --plan-file NEW.yaml, or --force to replace it",
        )
    if common.output is not None and common.output.resolve() == plan_file.resolve():
        from csctl.errors import UsageError

        raise UsageError(f"-o {common.output} is also --plan-file; give them different paths")
    result, doc = steps.planned(run, opportunity)
    from csctl.config.plays import dump_plan

    write_output(plan_file, dump_plan(doc))
    info(f"wrote {plan_file} (pick: {doc['pick']['option']})")
    emit(result, common, inputs=run.specs())
