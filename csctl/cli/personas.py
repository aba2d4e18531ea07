"""csctl personas: steps 5 and 6, the renewal and expansion team and the customer's definition of success."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from csctl.cli.console import warn_notes
from csctl.cli.options import Common, emit, shared_options

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "personas",
    help=(
        "Steps 5 and 6: each contact's persona (user, administrator, champion, economic decision maker, "
        "executive sponsor, or your own) from title/role patterns; per account the personas covered and engaged, "
        "contacts, single-threaded, decision maker known; the renewal-risk list (renewing within the window "
        "without a decision maker or an engaged champion, ARR at stake); and outcomes achieved and recognised, "
        "by persona and by segment."
    ),
)
@shared_options
def personas(
    contacts: Annotated[str, typer.Argument(help="Contacts export, or - for stdin.")],
    customers: Annotated[
        str | None, typer.Option("--customers", metavar="C", help="Customers (renewal_date, arr, segment).")
    ] = None,
    outcomes: Annotated[str | None, typer.Option("--outcomes", metavar="O", help="Outcomes export.")] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", metavar="PERSONAS.yaml", help="Persona rules (default: configs).")
    ] = None,
    renewal_window: Annotated[
        int, typer.Option("--renewal-window", min=0, help="Days ahead that count as renewing soon.")
    ] = 90,
    *,
    common: Common,
) -> None:
    common.conditions("personas")
    specs = [contacts, customers, outcomes]
    common.one_stdin(*specs)
    from csctl.config.rules import load_personas

    persona_rules = load_personas(rules)  # rule errors before any data is read
    cfg = common.config()
    opts = common.read_options(cfg)
    from csctl.core.personas import PersonaInputs, compute_personas
    from csctl.io.load import load_table

    people = load_table(contacts, "contacts", opts)
    warn_notes(people.notes)
    accounts = results = None
    if customers is not None:
        table = load_table(customers, "customers", opts)
        warn_notes(table.notes)
        accounts = table.frame.drop("__row", strict=False)
    if outcomes is not None:
        table = load_table(outcomes, "outcomes", opts)
        warn_notes(table.notes)
        results = table.frame.drop("__row", strict=False)
    month = common.month(cfg)
    from csctl.core.months import as_of_day

    as_of = as_of_day(month, [(people.frame, "last_activity"), (results, "measured_at")], dt.date.today())
    inputs = PersonaInputs(people.frame.drop("__row", strict=False), accounts, results, as_of, renewal_window)
    emit(compute_personas(inputs, persona_rules), common, inputs=[s for s in specs if s])
