"""csctl opportunity: step 8, the greatest opportunity to increase LTV."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from csctl.cli.console import progress, warn_notes
from csctl.cli.options import Common, emit, input_size, shared_options

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
    cfg = common.config()
    opts = common.read_options(cfg)
    from csctl.core.numbers import NumbersSettings, measure
    from csctl.core.opportunity import OpportunitySettings, compute_opportunity
    from csctl.errors import InputError
    from csctl.io.load import load_revenue, load_table

    with progress(f"reading {billing}", size=input_size(billing)):
        kind, revenue = load_revenue(billing, None, opts)
        warn_notes(revenue.notes)
        numbers = NumbersSettings(as_of=common.month(cfg), today=dt.date.today(), currency=opts.base_currency)
        measured = measure(kind, revenue.frame.lazy(), None, numbers)
        segments = None
        if customers is not None:
            table = load_table(customers, "customers", opts)
            warn_notes(table.notes)
            if "segment" not in table.frame.columns:
                raise InputError(f"{customers}: no segment column; run csctl segment first and pass its CSV")
            segments = table.frame
        crc, source = cfg.targets.crc, "targets.crc in the config"
        if costs is not None:
            from csctl.core.valuation import ledger, ratio_rows

            book = load_table(costs, "costs", opts)
            warn_notes(book.notes)
            trailing = ratio_rows(measured, ledger(book.frame, book.label), opts.base_currency).row(-1, named=True)
            if trailing["crc"] is not None:
                crc, source = trailing["crc"], f"measured over {trailing['window']}"
            else:
                source = f"targets.crc: the CRC over {trailing['window']} is undefined (no ARR retained)"
        o = cfg.opportunity
        settings = OpportunitySettings(
            step=step if step is not None else o.step,
            horizon_months=horizon if horizon is not None else o.horizon_months,
            gross_margin=cfg.gross_margin,
            multipliers=(o.multipliers.retention, o.multipliers.expansion, o.multipliers.upsell),
            crc=crc,
            crc_source=source,
            sensitivity=tuple(o.sensitivity),
            currency=opts.base_currency,
        )
        result = compute_opportunity(measured, segments, settings)
    emit(result, common, inputs=[s for s in (billing, customers, costs) if s])
