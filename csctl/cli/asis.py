"""csctl asis: step 2, what is in place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csctl.cli.console import warn_notes
from csctl.cli.options import Common, emit, shared_options
from csctl.errors import UsageError

if TYPE_CHECKING:
    pass

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "asis",
    help=(
        "Step 2, what is in place: processes and plays rated good/bad/gap, metrics in place and tools (from the "
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
    team: Annotated[str | None, typer.Option("--team", metavar="T", help="CS team roster.")] = None,
    customers: Annotated[
        str | None, typer.Option("--customers", metavar="C", help="Customers (csctl segment's CSV for load vs target).")
    ] = None,
    tickets: Annotated[str | None, typer.Option("--tickets", metavar="T", help="Support tickets export.")] = None,
    surveys: Annotated[str | None, typer.Option("--surveys", metavar="S", help="Survey (NPS/CSAT) export.")] = None,
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
    from csctl.config.inventory import load_inventory

    inv = load_inventory(inventory) if inventory is not None else None
    cfg = common.config()
    opts = common.read_options(cfg)
    from csctl.core.asis import AsisInputs, OnboardingRules, compute_asis
    from csctl.core.months import as_of_day
    from csctl.io.load import load_table

    frames = {}
    for name, spec in (
        ("team", team),
        ("customers", customers),
        ("tickets", tickets),
        ("surveys", surveys),
        ("milestones", milestones),
    ):
        if spec is None:
            continue
        table = load_table(spec, name, opts)
        warn_notes(table.notes)
        frames[name] = table.frame.drop("__row", strict=False)
    month = common.month(cfg)
    as_of = as_of_day(
        month,
        [(frames.get("tickets"), "created_at"), (frames.get("surveys"), "date"), (frames.get("milestones"), "date")],
        dt.date.today(),
    )
    o = cfg.onboarding
    rules = OnboardingRules(o.start_milestone, o.live_milestone, o.failed_milestone, o.stall_days)
    result = compute_asis(AsisInputs(inventory=inv, as_of=as_of, **frames), rules, opts.base_currency)
    emit(result, common, inputs=[s for s in specs if s])
