"""csctl value-path: step 7, where each customer stands on the value path and its next step."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csctl.cli.inputs import run_for, workspace_inputs
from csctl.cli.options import Common, emit, examples, shared_options

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "value-path",
    epilog=examples(
        "csctl value-path milestones.csv --customers customers.csv", "csctl value-path -c client/csctl.yaml -f csv"
    ),
    help=(
        "Your vision of success: the value path's milestones with the week each is expected (default: the "
        "seed deck's critical path, technical set-up wk 1 … initial value wk 8 … renewal wk 52); from the "
        "milestones export, where each customer stands, whether it is behind, its time to value and its next step. "
        "Inputs not given come from the workspace (csctl.yaml exports)."
    ),
)
@shared_options
@workspace_inputs(("customers", "billing"), ("value_path", "segments"))
def value_path(
    milestones: Annotated[
        str | None, typer.Argument(help="Milestones export (customer_id, milestone, date), or - for stdin.")
    ] = None,
    *,
    inputs: dict[str, str | None],
    rule_files: dict[str, Path | None],
    common: Common,
) -> None:
    common.conditions("value-path")
    from csctl.run import steps

    run = run_for(common, {"milestones": milestones, **inputs}, rule_files)
    emit(steps.value_path(run), common, inputs=run.specs())
