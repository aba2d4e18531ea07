"""csctl asis: step 2, what is in place."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csctl.cli.inputs import SurveysOpt, TicketsOpt
from csctl.cli.options import Common, emit, examples, shared_options
from csctl.errors import UsageError
from csctl.run.catalogue import EXPORTS

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "asis",
    epilog=examples(
        "csctl asis --inventory asis.yaml --team team.csv --customers customers.csv",
        "csctl asis -c client/csctl.yaml -f markdown -o asis.md",
    ),
    help=(
        "Processes and plays rated good/bad/gap, metrics in place and tools (from the "
        "as-is inventory YAML); people by role, expertise and passion; load per CSM with its imbalance and "
        "overload against segment targets; support (time to close, same-day share, escalations, tickets per "
        "account a month); onboarding (days to go live, failed, stalled); NPS and CSAT; and the as-is checklist, "
        "each item answered by data or an open question for the client. Every input is optional."
    ),
)
@shared_options
def asis(
    inventory: Annotated[
        Path | None, typer.Option("--inventory", metavar="ASIS.yaml", help="The as-is inventory file.")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", metavar="T", help=EXPORTS["team"].help)] = None,
    customers: Annotated[
        str | None, typer.Option("--customers", metavar="C", help="Customers (csctl segment's CSV for load vs target).")
    ] = None,
    tickets: TicketsOpt = None,
    surveys: SurveysOpt = None,
    milestones: Annotated[str | None, typer.Option("--milestones", metavar="M", help="Milestones export.")] = None,
    *,
    common: Common,
) -> None:
    common.conditions("asis")
    specs = [team, customers, tickets, surveys, milestones]
    common.one_stdin(*specs)
    if inventory is None and not any(specs):
        raise UsageError(
            "asis needs at least one input: --inventory, --team, --customers, --tickets, --surveys or --milestones"
        )
    from csctl.run import steps

    run = common.run()
    run.add_rules("inventory", inventory)
    run.rules("inventory")
    for name, spec in zip(steps.ASIS_TABLES, specs, strict=True):
        run.add(name, spec)
    emit(steps.asis(run), common, inputs=run.specs())
