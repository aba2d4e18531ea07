"""csctl segment: step 4, CS segmentation by ordered YAML rules over the customer table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from csctl.cli.console import progress, warn_notes
from csctl.cli.options import Common, emit, input_size, shared_options
from csctl.errors import ConfigError

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "segment",
    help=(
        "Step 4, segmentation (customer, not sales): each customer gets its MRR/ARR (with --billing), segment, "
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
    from csctl.config.rules import check_segments, load_segments

    segments = load_segments(rules)  # rule errors before any data is read
    cfg = common.config()
    opts = common.read_options(cfg)
    from csctl.io.load import load_table

    with progress(f"reading {customers}", size=input_size(customers)):
        accounts = load_table(customers, "customers", opts)
        warn_notes(accounts.notes)
        from csctl.core.segments import rule_schema

        schema = rule_schema(accounts.frame.drop("__row", strict=False).schema, with_billing=billing is not None)
        try:
            check_segments(segments, schema)
        except ConfigError as exc:
            if billing is None and any(n in ("mrr", "arr") for s in segments.conditions for n in s.columns):
                exc.hint = "mrr and arr come from the billing export: add --billing BILLING"
            raise
        measured = None
        if billing is not None:
            from csctl.core.numbers import NumbersSettings, measure
            from csctl.io.load import load_revenue

            kind, revenue = load_revenue(billing, None, opts)
            warn_notes(revenue.notes)
            settings = NumbersSettings(as_of=common.month(cfg), today=dt.date.today(), currency=opts.base_currency)
            measured = measure(kind, revenue.frame.lazy(), accounts.frame.lazy(), settings)
        from csctl.core.segments import segment_customers

        result = segment_customers(accounts.frame.drop("__row", strict=False), segments, measured, opts.base_currency)
    emit(result, common, inputs=[customers, *([billing] if billing else [])])
