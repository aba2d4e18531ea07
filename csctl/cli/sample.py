"""csctl sample: a realistic synthetic company's exports, seeded and sized."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from csctl.cli.console import info
from csctl.cli.options import ColorOpt, Common, DebugOpt, QuietOpt, VerboseOpt, examples
from csctl.errors import UsageError

LAST_MONTH = "2189-12"  # the latest month a sample's history may reach: its dates stay readable (years to 2200)

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "sample",
    epilog=examples(
        "csctl sample -o demo/", "csctl sample -o demo/ --customers 500 --months 36 --style stripe --seed 7"
    ),
    help=(
        "Write a synthetic SaaS company's exports into a folder: billing.csv (invoice lines as billing systems "
        "export them: weekly, monthly, quarterly and annual terms, a product with plan tiers and add-ons, upsells, "
        "drops, seat and price changes, mid-term upgrades with proration pairs, prorated first invoices, one-off "
        "fees, refunds, discount lines, service credits, every invoice status from paid to void and written_off, "
        "churn and reactivation; exported on the 17th of the last month, which is in progress), customers.csv "
        "(its CRM accounts), usage.csv (weekly active users, seats, logins, reports and API calls per account), "
        "tickets.csv (support tickets with priority, escalation, resolution and CSAT), surveys.csv (NPS and CSAT "
        "answers), team.csv (the CS team roster: roles, levels, FTE, loaded cost, expertise, passion, accounts per "
        "CSM as in the CRM), costs.csv (the monthly acquisition, retention, expansion and upsell cost ledger, "
        "calibrated to a CAC ratio near 0.87 and a CRC near 0.12), milestones.csv (value-path milestones per "
        "contract, from kickoff to renewal, with stalls and failed onboardings), contacts.csv (CRM contacts with "
        "titles for every persona, buying roles, last activity and a primary contact; some accounts "
        "single-threaded, some renewals without a decision maker or an engaged champion, a few duplicate records), "
        "outcomes.csv (the customers' success outcomes: KPI, baseline, target, last measurement, recognised by the "
        "customer or not), actions.csv (the CS activity log: renewal and rescue plays, done or open), asis.yaml (an "
        "as-is inventory of processes, metrics in place and tools) and csctl.yaml (the workspace naming them, with "
        "billing.history_starts at the first month: the billing history is whole). Usage falls, tickets rise and "
        "scores drop in the months before an account churns. The same seed gives the same company; a larger "
        "--months extends its "
        "history without changing the past."
    ),
)
def sample(
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="Folder to write into (created when missing).", file_okay=False),
    ] = Path("sample_data"),
    customers: Annotated[int, typer.Option("--customers", min=1, max=5_000_000, help="Accounts in the company.")] = 300,
    months: Annotated[int, typer.Option("--months", min=1, max=600, help="Months of history.")] = 36,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 7,
    start: Annotated[str | None, typer.Option("--start", metavar="YYYY-MM", help="First month of history.")] = None,
    style: Annotated[
        Literal["canonical", "stripe"],
        typer.Option("--style", help="Column names and formats."),
    ] = "canonical",
    profile: Annotated[
        Literal["default", "high-churn", "land-and-expand"],
        typer.Option(
            "--profile",
            help=(
                "The kind of company: default; high-churn (churn three times as high, more struggling accounts, "
                "add-ons rarely bought); land-and-expand (low churn, mostly healthy accounts near their seat "
                "limits, add-ons held by about half of each plan's accounts)."
            ),
        ),
    ] = "default",
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    color: ColorOpt = "auto",
    debug: DebugOpt = False,
) -> None:
    Common(quiet=quiet, verbose=verbose, color=color, debug=debug)
    from csctl import sample as generator
    from csctl.core.months import label_of, parse_month
    from csctl.io.write import write_atomic

    first = start or generator.DEFAULT_START
    try:
        first_index = parse_month(first)
    except ValueError as exc:
        raise UsageError(f"--start: {exc}") from None
    last = label_of(first_index + months - 1)
    if not parse_month("1900-01") <= first_index <= first_index + months - 1 <= parse_month(LAST_MONTH):
        raise UsageError(
            f"--start {first} with --months {months}: the history would run to {last}; it must lie between "
            f"1900-01 and {LAST_MONTH} (csctl reads dates up to the year 2200, and renewals fall after the history)"
        )
    if output.exists() and not output.is_dir():
        raise UsageError(f"-o {output}: exists and is not a folder")
    output.mkdir(parents=True, exist_ok=True)
    with generator.profile(profile):  # default: the company every seed gives
        billing = generator.generate_billing(customers=customers, months=months, seed=seed, start=first)
        accounts = generator.generate_customers(customers=customers, months=months, seed=seed, start=first)
        usage = generator.generate_usage(customers=customers, months=months, seed=seed, start=first)
        tickets = generator.generate_tickets(customers=customers, months=months, seed=seed, start=first)
        surveys = generator.generate_surveys(customers=customers, months=months, seed=seed, start=first)
        team = generator.generate_team(customers=customers, months=months, seed=seed, start=first)
        costs = generator.generate_costs(customers=customers, months=months, seed=seed, start=first)
        milestones = generator.generate_milestones(customers=customers, months=months, seed=seed, start=first)
        contacts = generator.generate_contacts(customers=customers, months=months, seed=seed, start=first)
        outcomes = generator.generate_outcomes(customers=customers, months=months, seed=seed, start=first)
        actions = generator.generate_actions(customers=customers, months=months, seed=seed, start=first)
        inventory = generator.inventory_yaml(customers=customers, months=months, seed=seed, start=first, team=team)
    if style == "stripe":
        billing = generator.to_stripe_style(billing)
    tables = (
        ("billing.csv", billing),
        ("customers.csv", accounts),
        ("usage.csv", usage),
        ("tickets.csv", tickets),
        ("surveys.csv", surveys),
        ("team.csv", team),
        ("costs.csv", costs),
        ("milestones.csv", milestones),
        ("contacts.csv", contacts),
        ("outcomes.csv", outcomes),
        ("actions.csv", actions),
    )
    for name, frame in tables:
        write_atomic(output / name, frame.write_csv(datetime_format="%Y-%m-%d %H:%M:%S").encode("utf-8"))
        info(f"wrote {output / name} ({frame.height:,} rows)")
    write_atomic(output / "asis.yaml", inventory.encode("utf-8"))
    info(f"wrote {output / 'asis.yaml'} (as-is inventory)")
    exported = generator.export_day(months, first)
    workspace = generator.workspace_yaml(
        customers=customers, months=months, seed=seed, start=first, files=[name for name, _ in tables], style=style
    )
    if profile != "default":
        workspace = workspace.replace(f"(synthetic, seed {seed})", f"(synthetic, {profile} profile, seed {seed})")
    write_atomic(output / "csctl.yaml", workspace.encode("utf-8"))
    info(f"wrote {output / 'csctl.yaml'} (the workspace: csctl report -c {output / 'csctl.yaml'})")
    info(
        f"the sample's billing history begins in {first} (billing.history_starts in csctl.yaml); billing.csv was "
        f"exported on {exported.isoformat()}, so {exported.strftime('%Y-%m')} is a month in progress"
    )
