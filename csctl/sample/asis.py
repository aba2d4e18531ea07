"""The consultant's as-is inventory of the sample company (asis.yaml): processes rated good, bad or gap,
metrics in place, tools sized to the team and the revenue."""

from __future__ import annotations

import polars as pl

from csctl.sample.company import DEFAULT_CUSTOMERS, DEFAULT_MONTHS, DEFAULT_SEED, DEFAULT_START
from csctl.sample.revenue import bridge
from csctl.sample.team import generate_team

_INVENTORY = """\
# As-is inventory: {company}
# Consultant's working file for step 2 (what is in place). Filled in from the kick-off interviews with
# {vp} (VP Customer Success) and {manager} (CS Manager), a walk through their tools, and a week of
# shadowing support. Ratings: good = works and is repeatable, bad = exists but hurts, gap = nobody does it.
# Everything an export can show (tickets, surveys, usage, milestones, costs) is left to csctl asis; this file
# holds what only people can tell.
company: "{company}"

processes:
  # --- within CS --------------------------------------------------------------------------------------------
  - name: "Ticket triage and first response"
    area: support
    rating: good
    owner: Support
    notes: "Round-robin in the support desk, first response within 4 business hours; {support},
      CSMs cover peaks."
  - name: "Onboarding, kickoff to go-live"
    area: onboarding
    rating: bad
    owner: Onboarding
    notes: "No standard plan beyond the kickoff call; go-live is not defined the same way by everyone. Accounts
      stall after orientation (SSO, data import)."
  - name: "Renewals of annual contracts"
    area: renewals
    rating: good
    owner: CS
    notes: "CRM task 90 days before the renewal date, CSM calls the sponsor; works for annual terms. Monthly and
      quarterly plans are not managed at all."
  - name: "Adoption monitoring and health"
    area: adoption
    rating: gap
    owner: CS
    notes: "No health score. Usage sits in product analytics, which CSMs rarely open; the CRM has a free-text
      health field, mostly empty."
  - name: "Business reviews"
    area: adoption
    rating: bad
    owner: CS
    notes: "Enterprise only and ad hoc, about one a year per account; no template, no value recap."
  - name: "Churn and exit interviews"
    area: retention
    rating: gap
    owner: CS
    notes: "Churn reasons are picked from a list in the CRM when the account is closed; nobody talks to the customer."
  # --- shared with other teams (with: the team CS shares it with) ------------------------------------------
  - name: "Escalation to engineering"
    area: escalations
    with: Engineering
    rating: bad
    owner: Support
    notes: "No shared severity definitions: P1s wait in the engineering backlog like any bug; CSMs chase
      engineers on Slack."
  - name: "Sales to CS handoff"
    area: onboarding
    with: Sales
    rating: bad
    owner: Sales
    notes: "Deal notes in the CRM are the only handoff; what was promised (integrations, timelines) reaches CS
      at the kickoff, from the customer."
  - name: "Renewal forecast"
    area: renewals
    with: Finance
    rating: bad
    owner: Finance
    notes: "Finance forecasts churn from last year's rate in a spreadsheet; CS input arrives late and is a gut
      feel per account."
  - name: "Expansion and add-on upsell"
    area: expansion
    with: Sales
    rating: gap
    owner: Sales
    notes: "No play: add-ons (Analytics, API access, Premium support) are sold when a customer asks. Seat growth
      is invoiced at renewal only."
  - name: "Product feedback loop"
    area: adoption
    with: Product
    rating: bad
    owner: Product
    notes: "Feature requests are tagged in tickets and exported once a quarter; customers never hear back."
  - name: "Release communication"
    area: adoption
    with: Marketing
    rating: good
    owner: Marketing
    notes: "Monthly release email and in-app notes; CSMs get a preview a week ahead."
  - name: "References and case studies"
    area: advocacy
    with: Marketing
    rating: gap
    owner: Marketing
    notes: "Marketing asks CSMs for a reference when a deal needs one; promoters from NPS are not followed up."

metrics:
  # in place = somebody looks at it at least monthly; source = where the number comes from today
  - name: "MRR and ARR"
    kind: internal
    owner: Finance
    source: "Billing system, month-end spreadsheet"
  - name: "Gross revenue churn"
    kind: internal
    owner: Finance
    source: "Spreadsheet from billing exports"
    notes: "Logo churn only; contraction and credits not counted."
  - name: "Net revenue retention"
    kind: internal
    in_place: false
    notes: "Asked for by the board, never computed."
  - name: "NPS"
    kind: external
    owner: CS
    source: "Survey tool, March and September"
    notes: "Score reported; comments not read systematically."
  - name: "CSAT on tickets"
    kind: external
    owner: Support
    source: "Support desk"
  - name: "Time to close tickets"
    kind: process
    owner: Support
    source: "Support desk reports"
  - name: "Time to go live"
    kind: process
    in_place: false
    owner: Onboarding
    notes: "Milestones are logged in the CS platform but never reported."
  - name: "Customer health score"
    kind: internal
    in_place: false
    notes: "No score; see adoption monitoring."
  - name: "Cost to retain (CRC)"
    kind: internal
    in_place: false
    notes: "CS costs are not split from Sales and Marketing in the ledger categories used by Finance."

tools:
  - name: "CRM"
    purpose: "Accounts, contacts, deals, renewal dates, CSM owner"
    captures: [accounts, contacts, deals, renewal dates, CSM owner, churn reason]
    annual_cost: {crm_cost}
  - name: "Support desk"
    purpose: "Tickets, SLAs and CSAT"
    captures: [tickets, priority, escalations, resolution times, CSAT]
    annual_cost: {desk_cost}
  - name: "Product analytics"
    purpose: "Product usage; set up by Product, rarely used by CS"
    captures: [weekly active users, logins, reports created, API calls]
    annual_cost: {analytics_cost}
  - name: "Survey tool"
    purpose: "NPS and CSAT campaigns"
    captures: [NPS, CSAT, comments]
    annual_cost: {survey_cost}
  - name: "Billing"
    purpose: "Invoices and subscriptions; priced per transaction volume"
    captures: [invoices, subscriptions, credits, payment status]
    annual_cost: {billing_cost}

# Only what no export can give; the rest of the checklist comes from the data.
answers:
  expectations vs promises: "Sales promises integrations and a 30-day go-live that onboarding cannot keep;
    customers say so at the kickoff and in onboarding CSATs."
  business reviews: "Enterprise accounts get an ad-hoc review about once a year; Mid-Market and SMB get none. No
    template, no value recap."
"""


def inventory_yaml(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
    team: pl.DataFrame | None = None,
) -> str:
    """The same company's as-is inventory (asis.yaml) as YAML text, for csctl.config.inventory.Inventory.

    Thirteen processes within CS and with Sales, Engineering, Product, Marketing and Finance, rated good, bad or
    gap with owners and notes; nine metrics (internal, external, process; some not in place); five tools with
    what they capture and their annual cost, sized to the team (seats) and the revenue (billing fees); answers
    for "expectations vs promises" and "business reviews"; commented like a consultant's working file. The people
    it names come from generate_team (pass its result as ``team`` to save building it again).
    """
    if team is None:
        team = generate_team(customers, months, seed, start)
    roles = team["role"].to_list()
    names = team["name"].to_list()
    arr = 12 * bridge(customers, months, seed, start).mrr[months - 1]
    seats = len(roles)
    desk_seats = sum(role in ("CSM", "Support Engineer", "CS Manager", "Onboarding Specialist") for role in roles)
    support = roles.count("Support Engineer")
    return _INVENTORY.format(
        company="Sample SaaS company (synthetic)",
        vp=names[roles.index("VP Customer Success")],
        manager=names[roles.index("CS Manager")],
        support=f"{support} support engineer{'s' if support > 1 else ''}",
        crm_cost=f"{(seats + 8) * 1_200:.2f}",  # the CS team and about eight sales seats
        desk_cost=f"{desk_seats * 1_380:.2f}",
        analytics_cost=f"{max(9_600.0, round(arr * 0.004, -2)):.2f}",
        survey_cost=f"{2_988:.2f}",
        billing_cost=f"{round(arr * 0.005, 2):.2f}",  # 0.5% of billed volume
    )
