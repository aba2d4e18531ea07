"""csctl personas: steps 5 and 6, the renewal and expansion team and the customer's definition of success."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csctl.cli.options import Common, emit, examples, shared_options

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "personas",
    epilog=examples(
        "csctl personas contacts.csv --customers segmented.csv",
        "csctl personas contacts.csv --customers customers.csv --outcomes outcomes.csv -f xlsx -o personas.xlsx",
    ),
    help=(
        "Each contact's persona (user, administrator, champion, economic decision maker, "
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
        int, typer.Option("--renewal-window", min=0, max=36500, help="Days ahead that count as renewing soon.")
    ] = 90,
    *,
    common: Common,
) -> None:
    common.conditions("personas")
    specs = [contacts, customers, outcomes]
    common.one_stdin(*specs)
    from csctl.run import steps

    run = common.run()
    run.add_rules("personas", rules)
    run.rules("personas")  # rule errors before any data is read
    for name, spec in zip(("contacts", "customers", "outcomes"), specs, strict=True):
        run.add(name, spec)
    emit(steps.personas(run, renewal_window), common, inputs=run.specs())
