"""csctl valuation: step 3, the cost ratios and what a target CRC buys."""

from __future__ import annotations

from typing import Annotated

import typer

from csctl.cli.options import BillingArg, Common, emit, examples, shared_options

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "valuation",
    epilog=examples(
        "csctl valuation billing.csv --costs costs.csv --team team.csv",
        "csctl valuation billing.csv --costs costs.csv --customers segmented.csv --target-crc 0.1 -f json",
    ),
    help=(
        "CAC ratio, CRC, CEC and CUC per quarter and over the trailing 12 months, from "
        "the cost ledger and the revenue bridge, phrased as the seed deck does ('$1.00 to get $1.15', '$0.12 to "
        "retain $1.00'); against a target CRC, the retention budget, the CSM headcount it buys at the roster's "
        "loaded cost, accounts per CSM and face-time hours per account per segment; and a tooling break-even."
    ),
)
@shared_options
def valuation(
    billing: BillingArg,
    costs: Annotated[str, typer.Option("--costs", metavar="COSTS", help="Cost ledger: period, category, amount.")],
    team: Annotated[str | None, typer.Option("--team", metavar="TEAM", help="CS team roster (loaded_cost).")] = None,
    customers: Annotated[
        str | None,
        typer.Option("--customers", metavar="SEGMENTED", help="Customers with a segment column (csctl segment's CSV)."),
    ] = None,
    target_crc: Annotated[
        float | None, typer.Option("--target-crc", min=0.0001, help="Target CRC (default: targets.crc in config).")
    ] = None,
    *,
    common: Common,
) -> None:
    common.conditions("valuation")
    specs = [billing, costs, team, customers]
    common.one_stdin(*specs)
    from csctl.run import steps

    run = common.run()
    for name, spec in zip(("billing", "costs", "team", "customers"), specs, strict=True):
        run.add(name, spec)
    emit(steps.valuation(run, target_crc), common, inputs=run.specs())
