"""csctl opportunity: step 8, the greatest opportunity to increase LTV."""

from __future__ import annotations

from typing import Annotated

import typer

from csctl.cli.inputs import ContactsOpt, MilestonesOpt, SurveysOpt, TicketsOpt, UsageOpt
from csctl.cli.options import BillingArg, Common, emit, examples, shared_options

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "opportunity",
    epilog=examples(
        "csctl opportunity billing.csv --customers segmented.csv",
        "csctl opportunity billing.csv --customers segmented.csv --costs costs.csv --share 0.5 -f csv",
    ),
    help=(
        "Each lever's headroom measured from the data (retention: "
        "ARR at risk from health, renewals without a decision maker or champion, churn above the best segment's; "
        "expansion: seats against entitlement, customers behind on the value path; upsell: products a customer "
        "lacks that its segment's peers hold), valued with the LTV formula and costed at CRC × 1/2/4; net value "
        "and ROI, ranked; what each value rests on; a lever whose inputs are missing is unmeasured, never valued."
    ),
)
@shared_options
def opportunity(
    billing: BillingArg,
    customers: Annotated[
        str | None,
        typer.Option(
            "--customers", metavar="SEGMENTED", help="csctl segment's CSV (segment column; renewal_date if any)."
        ),
    ] = None,
    costs: Annotated[
        str | None, typer.Option("--costs", metavar="COSTS", help="Cost ledger: the CRC of the last 12 months.")
    ] = None,
    usage: UsageOpt = None,
    tickets: TicketsOpt = None,
    surveys: SurveysOpt = None,
    contacts: ContactsOpt = None,
    milestones: MilestonesOpt = None,
    share: Annotated[
        float | None,
        typer.Option("--share", min=0.01, max=1.0, help="Share of each lever's headroom realised (0.25)."),
    ] = None,
    horizon: Annotated[
        int | None, typer.Option("--horizon", min=1, max=600, help="Longest customer lifetime valued, months (36).")
    ] = None,
    *,
    common: Common,
) -> None:
    common.conditions("opportunity")
    tables = {
        "billing": billing,
        "customers": customers,
        "costs": costs,
        "usage": usage,
        "tickets": tickets,
        "surveys": surveys,
        "contacts": contacts,
        "milestones": milestones,
    }
    common.one_stdin(*tables.values())
    from csctl.run import steps

    run = common.run()
    for name, spec in tables.items():
        run.add(name, spec)
    result = steps.opportunity(run, share, horizon)
    emit(result, common, inputs=run.specs())
