"""csctl valuation: step 3, the cost ratios and what a target CRC buys."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from csctl.cli.console import progress, warn_notes
from csctl.cli.options import Common, emit, input_size, shared_options

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "valuation",
    help=(
        "Step 3, optimise valuation: CAC ratio, CRC, CEC and CUC per quarter and over the trailing 12 months, from "
        "the cost ledger and the revenue bridge, phrased as the seed deck does ('$1.00 to get $1.15', '$0.12 to "
        "retain $1.00'); against a target CRC, the retention budget, the CSM headcount it buys at the roster's "
        "loaded cost, accounts per CSM and face-time hours per account per segment; and a tooling break-even."
    ),
)
@shared_options
def valuation(
    billing: Annotated[str, typer.Argument(help="Billing or subscriptions export, or - for stdin.")],
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
    cfg = common.config()
    opts = common.read_options(cfg)

    from csctl.core.numbers import NumbersSettings, measure
    from csctl.core.valuation import ValuationSettings, compute_valuation
    from csctl.core.valuation import ledger as cost_ledger
    from csctl.errors import InputError
    from csctl.io.load import load_revenue, load_table

    with progress(f"reading {billing}", size=input_size(billing)):
        kind, revenue = load_revenue(billing, None, opts)
        warn_notes(revenue.notes)
        ledger = load_table(costs, "costs", opts)
        warn_notes(ledger.notes)
        cost_frame = cost_ledger(ledger.frame, ledger.label)
        roster = None
        if team is not None:
            roster_table = load_table(team, "team", opts)
            warn_notes(roster_table.notes)
            roster = roster_table.frame
        segmented = None
        if customers is not None:
            accounts = load_table(customers, "customers", opts)
            warn_notes(accounts.notes)
            segmented = accounts.frame
            if "segment" not in segmented.columns:
                raise InputError(f"{customers}: no segment column; run csctl segment first and pass its CSV")
        numbers = NumbersSettings(as_of=common.month(cfg), today=dt.date.today(), currency=opts.base_currency)
        measured = measure(kind, revenue.frame.lazy(), None, numbers)
        v = cfg.valuation
        settings = ValuationSettings(
            target_crc=target_crc if target_crc is not None else cfg.targets.crc,
            hours_per_csm_year=v.hours_per_csm_year,
            face_time_share=v.face_time_share,
            csm_loaded_cost=v.csm_loaded_cost,
            tool_costs=tuple(v.tool_costs),
            currency=opts.base_currency,
        )
        result = compute_valuation(measured, cost_frame, roster, segmented, settings)
    emit(result, common, inputs=[s for s in specs if s])
