"""csctl numbers: step 1, the numbers today (dollars first, logos second)."""

from __future__ import annotations

from typing import Annotated

import typer

from csctl.cli.console import warn
from csctl.cli.options import ChartOpt, Common, emit, shared_options, show_charts
from csctl.core.views import PERIOD_VIEWS, NumbersView, Period, RevenueKind

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "numbers",
    help=(
        "MRR/ARR, the revenue bridge, gross and net revenue churn, GRR/NRR, logo churn, "
        "eligible churn, quick ratio and CLV from a billing export (invoice lines) or subscription periods. "
        "Views: summary, bridge (one row per month), quarters (last 8), forecast (2 years), customers "
        "(movements in the as-of month), cohorts.\n\n"
        "Examples:\n\n"
        "  csctl numbers billing.csv\n\n"
        "  csctl numbers stripe_invoices.csv --as-of 2024-06 --view bridge -f csv\n\n"
        "  csctl numbers sigma_lines.csv.gz -v -f json | jq .inputs\n\n"
        "  csctl numbers 'exports/invoices-*.csv'   (several files of one export, in name order)"
    ),
)
@shared_options
def numbers(
    billing: Annotated[
        list[str],
        typer.Argument(
            help="Billing or subscriptions export, or - for stdin; several files (or a quoted glob) for one export.",
            metavar="BILLING",
            show_default=False,
        ),
    ],
    customers: Annotated[
        str | None,
        typer.Option("--customers", metavar="CUSTOMERS", help="CRM accounts (names, renewal_date for eligible churn)."),
    ] = None,
    view: Annotated[NumbersView, typer.Option("--view", help="What to show.")] = "summary",
    period: Annotated[
        Period, typer.Option("--period", help="Rows by month, quarter or year (bridge, cohorts).")
    ] = "month",
    kind: Annotated[
        RevenueKind | None,
        typer.Option("--kind", help="Input kind (default: from the columns)."),
    ] = None,
    chart: ChartOpt = False,
    partitions: Annotated[
        int | None,
        typer.Option(
            "--partitions",
            min=1,
            metavar="N",
            help="Measure billing in N parts split by customer and add them up (views summary, bridge by month, "
            "quarters, forecast).",
        ),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            metavar="ADDRESS",
            help="Run the parts on a Dask cluster: a scheduler address (tcp://host:8786), or 'local' for two local "
            "workers (needs the distributed extra). An export of several files (a Parquet folder, a glob) is read "
            "by the workers.",
        ),
    ] = None,
    *,
    common: Common,
) -> None:
    common.conditions("numbers")  # a bad --fail-on is a usage error before any work
    common.one_stdin(*billing, customers)
    if period != "month" and view not in PERIOD_VIEWS:
        warn(f"--period applies to the {' and '.join(PERIOD_VIEWS)} views; ignored for {view}")
    from csctl.run import steps

    if partitions is not None or cluster is not None:
        from csctl.core.partitioned import check_view

        check_view(view, period)
    run = common.run()
    run.partitions, run.cluster = partitions, cluster
    from csctl.core.partitioned import in_parts

    if in_parts(view, period):  # a large export is measured in parts, read compact
        run.parts_over, run.compact_billing = steps.PARTS_OVER, True
    run.add("billing", billing)
    run.add("customers", customers)
    run.kind = kind
    if not steps.read_on_cluster(run):  # else the cluster's workers read the files
        run.revenue(kind)
    result = steps.numbers(run, view, period, kind)
    emit(result, common, inputs=run.specs())
    if chart:
        show_charts(steps.numbers(run, "bridge").charts, common, result.currency)
