"""csctl health: scorecards per segment, the weekly health report, --fail-on for cron."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csctl.cli.inputs import SurveysOpt, TicketsOpt
from csctl.cli.options import ChartOpt, Common, emit, examples, shared_options, show_charts
from csctl.run.catalogue import EXPORTS

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "health",
    epilog=examples(
        "csctl health customers.csv --usage usage.csv --tickets tickets.csv",
        "csctl segment customers.csv --billing billing.csv -f csv | csctl health - --tickets zendesk.csv",
        "csctl health customers.csv --usage usage.csv --previous last_week.csv --fail-on 'red_share>25%'",
    ),
    help=(
        "Scores 0-100 and bands green/yellow/red from scorecards chosen per segment: groups of "
        "weighted measures over the customer table, usage, tickets and surveys, with missing-data policies, "
        "overrides, the trend against a previous run (--previous), the health vs activity quadrant, and portfolio "
        "shares overall, per segment and per CSM. Use --fail-on 'red_share>0.25' in cron."
    ),
)
@shared_options
def health(
    customers: Annotated[str, typer.Argument(help="Customers (e.g. csctl segment's CSV output), or - for stdin.")],
    usage: Annotated[str | None, typer.Option("--usage", metavar="U", help=EXPORTS["usage"].help)] = None,
    tickets: TicketsOpt = None,
    surveys: SurveysOpt = None,
    billing: Annotated[str | None, typer.Option("--billing", metavar="B", help="Billing: adds mrr and arr.")] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", metavar="HEALTH.yaml", help="Scorecards (default: configs/health.yaml).")
    ] = None,
    previous: Annotated[
        str | None, typer.Option("--previous", metavar="PREV.csv", help="An earlier health CSV, for the trend.")
    ] = None,
    chart: ChartOpt = False,
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
    from csctl.run import steps

    run = common.run()
    run.add_rules("health", rules)
    run.rules("health")  # rule errors before any data is read
    for name, spec in inputs.items():
        run.add(name, spec)
    result = steps.health(run)
    try:
        emit(result, common, inputs=run.specs())
    finally:  # the chart also when --fail-on breaches (exit 1)
        if chart:
            show_charts(result.charts, common, result.currency)
