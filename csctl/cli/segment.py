"""csctl segment: step 4, CS segmentation by ordered YAML rules over the customer table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csctl.cli.options import Common, emit, examples, shared_options

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "segment",
    epilog=examples(
        "csctl segment customers.csv --billing billing.csv",
        "csctl segment companies.csv --billing 'invoices-*.csv' --rules segments.yaml -f csv -o segmented.csv",
    ),
    help=(
        "Segmentation by customer, not by sales: each customer gets its MRR/ARR (with --billing), segment, "
        "touch model and target accounts per CSM from ordered rules (first match wins, a catch-all last). "
        "The CSV output is the input customers plus those columns, so it chains into csctl health; the summary "
        "shows customers, ARR and share, churn and NRR by segment, and CSMs needed vs assigned."
    ),
)
@shared_options
def segment(
    customers: Annotated[str, typer.Argument(help="CRM accounts export, or - for stdin.")],
    billing: Annotated[
        str | None, typer.Option("--billing", metavar="BILLING", help="Billing export: adds mrr and arr.")
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", metavar="SEGMENTS.yaml", help="Segment rules (default: configs/segments.yaml)."),
    ] = None,
    *,
    common: Common,
) -> None:
    common.conditions("segment")
    common.one_stdin(customers, billing)
    from csctl.run import steps

    run = common.run()
    run.add_rules("segments", rules)
    run.rules("segments")  # rule errors before any data is read
    run.add("customers", customers)
    run.add("billing", billing)
    emit(steps.segment(run), common, inputs=run.specs())
