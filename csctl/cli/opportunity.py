"""csctl opportunity: step 8, the greatest opportunity to increase LTV."""

from __future__ import annotations

from typing import Annotated

import typer

from csctl.cli.options import Common, emit, shared_options

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "opportunity",
    help=(
        "Step 8, the greatest opportunity to increase LTV: LTV per segment with its inputs; for each lever "
        "(retention, expansion, upsell) and segment the gross-margin gain of a stated step, its cost at CRC × the "
        "lever's multiplier (1/2/4), net value and ROI, ranked; a sensitivity table over step sizes; the top "
        "opportunity in one sentence."
    ),
)
@shared_options
def opportunity(
    billing: Annotated[str, typer.Argument(help="Billing or subscriptions export, or - for stdin.")],
    customers: Annotated[
        str | None, typer.Option("--customers", metavar="SEGMENTED", help="csctl segment's CSV (segment column).")
    ] = None,
    costs: Annotated[
        str | None, typer.Option("--costs", metavar="COSTS", help="Cost ledger: the CRC of the last 12 months.")
    ] = None,
    step: Annotated[
        float | None, typer.Option("--step", min=0.0001, max=0.5, help="Lever step, monthly rate points (0.0025).")
    ] = None,
    horizon: Annotated[
        int | None, typer.Option("--horizon", min=1, max=600, help="Months a gain is valued over (36).")
    ] = None,
    *,
    common: Common,
) -> None:
    common.conditions("opportunity")
    common.one_stdin(billing, customers, costs)
    from csctl.run import steps

    run = common.run()
    for name, spec in (("billing", billing), ("customers", customers), ("costs", costs)):
        run.add(name, spec)
    emit(steps.opportunity(run, step, horizon), common, inputs=run.specs())
