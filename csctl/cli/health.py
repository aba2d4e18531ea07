"""csctl health: scorecards per segment, the weekly health report, --fail-on for cron."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csctl.cli.console import progress, warn_notes
from csctl.cli.options import Common, emit, input_size, shared_options

if TYPE_CHECKING:
    import polars as pl

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)

SOURCES = ("usage", "tickets", "surveys")


@app.command(
    "health",
    help=(
        "Health scores 0-100 and bands green/yellow/red from YAML scorecards chosen per segment: groups of "
        "weighted measures over the customer table, usage, tickets and surveys, with missing-data policies, "
        "overrides, the trend against a previous run (--previous), the health vs activity quadrant, and portfolio "
        "shares overall, per segment and per CSM. Use --fail-on 'red_share>0.25' in cron."
    ),
)
@shared_options
def health(
    customers: Annotated[str, typer.Argument(help="Customers (e.g. csctl segment's CSV output), or - for stdin.")],
    usage: Annotated[str | None, typer.Option("--usage", metavar="U", help="Product usage export.")] = None,
    tickets: Annotated[str | None, typer.Option("--tickets", metavar="T", help="Support tickets export.")] = None,
    surveys: Annotated[str | None, typer.Option("--surveys", metavar="S", help="Survey (NPS/CSAT) export.")] = None,
    billing: Annotated[str | None, typer.Option("--billing", metavar="B", help="Billing: adds mrr and arr.")] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", metavar="HEALTH.yaml", help="Scorecards (default: configs/health.yaml).")
    ] = None,
    previous: Annotated[
        str | None, typer.Option("--previous", metavar="PREV.csv", help="An earlier health CSV, for the trend.")
    ] = None,
    *,
    common: Common,
) -> None:
    common.conditions("health")
    inputs = {
        "customers": customers,
        "usage": usage,
        "tickets": tickets,
        "surveys": surveys,
        "billing": billing,
        "previous": previous,
    }
    common.one_stdin(*inputs.values())
    from csctl.config.rules import check_health, load_health

    scorecards = load_health(rules)  # rule errors before any data is read
    cfg = common.config()
    opts = common.read_options(cfg)
    month = common.month(cfg)

    from csctl.io.load import load_table

    with progress(f"reading {customers}", size=input_size(customers)):
        accounts = load_table(customers, "customers", opts)
        warn_notes(accounts.notes)
        frame = accounts.frame.drop("__row", strict=False)
        sources: dict[str, pl.DataFrame | None] = {}
        for name in SOURCES:
            spec = inputs[name]
            if spec is None:
                sources[name] = None
                continue
            table = load_table(spec, name, opts)
            warn_notes(table.notes)
            sources[name] = table.frame.drop("__row", strict=False)
        if billing is not None and "arr" not in frame.columns:
            from csctl.core.numbers import NumbersSettings, measure
            from csctl.core.segments import with_revenue
            from csctl.io.load import load_revenue

            kind, revenue = load_revenue(billing, None, opts)
            warn_notes(revenue.notes)
            settings = NumbersSettings(as_of=month, today=dt.date.today(), currency=opts.base_currency)
            measured = measure(kind, revenue.frame.lazy(), None, settings)
            frame = with_revenue(frame, measured)
        check_health(
            scorecards,
            frame.schema,
            {name: None if table is None else table.schema for name, table in sources.items()},
        )
        from csctl.core.health import DATE_COLUMN
        from csctl.core.months import as_of_day

        day = as_of_day(month, [(frame, DATE_COLUMN[name]) for name, frame in sources.items()], dt.date.today())
        prev = None
        if previous is not None:
            prev_table = load_table(previous, "customers", opts)
            missing = [c for c in ("health_score", "health_band") if c not in prev_table.frame.columns]
            if missing:
                from csctl.errors import InputError

                raise InputError(f"{previous}: not a csctl health output (no {', '.join(missing)} column)")
            prev = prev_table.frame
        from csctl.core.health import Inputs, compute_health

        result = compute_health(scorecards, Inputs(frame, sources, day, prev), day.isoformat())
    emit(result, common, inputs=[v for v in inputs.values() if v])
