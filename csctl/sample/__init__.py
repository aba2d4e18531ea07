"""A synthetic, seeded SaaS company: its billing export (invoice lines), its CRM accounts, its weekly product
usage, its support tickets, its survey answers, its CS team roster, its CS/GTM cost ledger, its value-path
milestones, its CRM contacts, its customers' success outcomes and a consultant's as-is inventory of it, all
consistent with each other.

The company model
-----------------
The company sells one core product per account, "Platform", priced per seat per month in three plans (the
billing's plan column: "Starter", "Growth", "Enterprise"), plus add-ons (plan empty): "Analytics" (per seat),
"API access" and "Premium support" (flat, quantity 1). List prices rise by ``PRICE_RISE`` (5%) every
1 January; an account keeps the price it signed at until its yearly price review (the first renewal at least
12 months after the previous one), when it moves to the current list price: a price rise applied at renewal.
About a fifth of the accounts have a negotiated discount (10%, 15% or 20% off list: a lower unit price, for
the life of the contract; for half of those lives, list prices and a discount line of its own instead).

An account bills monthly, quarterly or annually, in advance, from its anchor day, the day it started (most
anchors are mid-month, about a third on the 1st; day 29-31 anchors fall on the last day of shorter months).
A line's period_end is inclusive: a monthly term from 2024-01-15 ends 2024-02-14. Each term is one invoice
with one line per product, amount = quantity x unit price x months in the term. At each renewal boundary the
account may churn (stop renewing; the monthly hazard falls with the plan and applies to the whole term),
change seats up or down, buy a missing add-on (upsell), drop one, or move up a plan. A churned account
comes back with probability ``REACTIVATION_SHARE`` 2-12 months later on a fresh contract (new anchor, term,
plan, seats). Some invoices carry a service credit (a negative line without a quantity on the core plan
covering one month); a few invoices stay "open" (unpaid). All money is whole cents.

What real billing exports have (from a stream of its own per account, ``f"{seed}:{account}:billing"``, so the
accounts and their contracts are the same with or without them):

- weekly billing: a quarter of the monthly Starter lives are billed every week (7-day lines at the monthly
  price x 12/52, at the contract of the term each week starts in);
- mid-term changes: most seat increases and upgrades of the next renewal are made during the term (when its
  price level stays): an invoice on the change day with a credit for the unused time of the old plan or seats
  and a charge for the new, over [change day, term end], each = price of the term x days / term days rounded
  to the cent (a per-seat add-on follows the seats); the next term is invoiced at the new plan, seats, price;
- prorated first invoices: ~30% of lives signed up earlier in their anchor's month, a partial line from the
  signup to the day before the anchor day (the price of a cycle x days / days of the cycle ending then);
- one-off fees: a set-up fee on ~30% of first invoices, an "API overage" now and then; one-day lines;
- refunds: a refunded invoice is refunded in full, and ~1% of terms partly, by a negative line without a
  period_end on a credit note of its own (status refunded or paid); some invoices are uncollectible or
  written_off: they all still count;
- copies that never stood: some invoices are duplicated, or cancelled and reissued, the copy marked void,
  voided, draft, deleted or canceled (counting them would inflate MRR);
- the export is pulled on ``EXPORT_DAY`` (the 17th) of the history's last month (``export_day``): the lines
  issued after it are not in it, so that month is in progress.

The simulation runs 13 months past the history so that a mid-term change is known when its term is invoiced;
an account's lives, state and renewal are those at the end of the history. ``Account.service`` records what
each account is contracted for, day by day (the truth the revised MRR of its lines must give).

The default company (300 accounts, 36 months from 2023-11, seed 7) has an average MRR near $575 per active
account in its last month and a gross revenue churn near 1.1% a month; ``GROSS_MARGIN`` (75%) is its cost
fact. About 1,500,000 lines: ``generate_billing(customers=40_000, months=48)``.

Randomness and prefix stability
-------------------------------
Every account has its own random stream, seeded from the text ``f"{seed}:{account number}"`` (SHA-512
based, stable across runs and platforms). The stream is consumed in time order (profile, then each renewal
boundary) and an account's simulation simply stops at a fixed distance past the end of the history, so the
lines of the first N months are the same whatever ``months`` is: ``generate_billing(months=N + k)`` restricted
to period_start up to ``export_day(N)`` equals ``generate_billing(months=N)``, row for row. Invoice numbers are
assigned in (first day, account, invoice) order and rows are sorted that way, so they are stable too.

Arrivals: account k (C00001 is the first) arrives in a month of a fixed arrival schedule over the first
``ARRIVAL_MONTHS`` (36) months of the timeline: a base of existing customers in month 0
(``INITIAL_BASE_SHARE``), then a number growing about 3% a month, with noise. The schedule depends on
``customers`` and ``seed`` only, never on ``months``. Honouring ``customers`` exactly for every length and
being prefix-stable is impossible (the 1-month prefix would have to contain every account), so: with
``months >= 36`` exactly ``customers`` accounts appear; a shorter history holds only the accounts that
arrived within it (fewer), and a longer one gets no new logos after month 36 (reactivations go on).

Usage, tickets and surveys
--------------------------
Each contract life of an account (from a signup or a reactivation to a churn) has an adoption: the share of
its seats in use. A life is healthy (70-95%), middling (40-70%) or struggling (10-40%), with a slow wave; a new
contract ramps up from 8-30% of that over its first 6-10 weeks (onboarding); a life that ends in a churn
declines over its last 2-4 months to 8-70% of its adoption (deepest for "Low adoption"). The three tables
follow it:

- ``generate_usage``: a row per account and Monday on which it is billed (never before its first billed day,
  between two lives or after its last, nor after the history): seats (the quantity of its core plan that
  week), active_users (adoption x seats, quieter around Christmas and in August), logins, reports_created
  (more with "Analytics") and api_calls (0 without "API access").
- ``generate_tickets``: about one ticket per account-month, more for larger accounts, during onboarding and
  while adoption is low (before a churn too, more so before one for "Poor support experience"); resolved
  within hours to days by priority, a few percent escalated; "open" when unresolved at the end of the history,
  "solved" within SOLVED_DAYS of it, "closed" before; about 40% of resolved tickets rated (CSAT 1-5).
  ``with_ticket_problems`` makes a copy with flagged data-quality problems (the default output is clean).
- ``generate_surveys``: NPS (0-10) twice a year and CSAT (1-5) after onboarding and twice a year, answered by
  some contacts, scores following adoption: promoters when healthy, detractors when struggling or churning.

Whether a life churns soon after the end of the history is known by simulating ``_LOOKAHEAD`` (6) months
further (which changes nothing within it), so usage already falls at the end of the history for accounts about
to churn, and the three tables are prefix-stable like billing: a longer history restricted to the dates of the
first N months equals the N-month history (for tickets, the ones created then; only their status, resolved_at
and csat can differ, a ticket open at the end of the shorter history having been resolved since). Their
randomness comes from streams of their own per account (``f"{seed}:{account}:health"``, ``:usage``,
``:tickets``, ``:surveys``), never from the billing stream, so billing and customers are unchanged.

Team, costs, milestones and the as-is inventory
-----------------------------------------------
- ``generate_team``: the CS roster; its CSMs are the CRM's (``accounts`` = their accounts not churned at the end
  of the history, as customers.csv says) plus a new hire without accounts, around them a VP, managers,
  onboarding, support and solutions engineers, more of them for more accounts (13 people by default).
- ``generate_costs``: the cost ledger (acquisition, retention, expansion, upsell), calibrated to the seed deck
  against the company's own revenue bridge (``revenue.bridge``: its billing lines measured by csctl's own
  month-end snapshot and movements, csctl.core.mrr and csctl.core.bridge; the sample has no bridge of its own):
  CAC ratio ~0.87 ("$1.00 to get $1.15"), CRC ~0.12, expansion and upsell at 2x and 4x the CRC rate. Over the
  default company's trailing 12 months they are within a few points of those (tests/test_sample.py checks them).
- ``generate_milestones``: the value path of each contract (kickoff, technical setup wk 1, oriented wk 2,
  active wk 4, progress wk 6, initial value wk 8, full speed wk 10, achievement wk 12-52, renewal wk 52) at a
  pace that follows the adoption tier, with stalls and about 4% "onboarding failed".
- ``generate_actions``: the CS activity log: renewal plays 90 days before annual terms end and rescue plays in
  the decline before a churn, done or left open by adoption tier (csctl assess's "doing what we said").
- ``inventory_yaml``: asis.yaml, processes rated good/bad/gap, metrics in place, tools, two checklist answers.

The roster is as of the end of the history; the ledger and the milestones are prefix-stable like usage (their
streams are ``f"{seed}:team"``, ``f"{seed}:costs:{month}"`` and ``f"{seed}:{account}:milestones"``).

Contacts and outcomes
---------------------
- ``generate_contacts``: the CRM contacts, 1-8 per account (more for more seats), titles that the default
  configs/personas.yaml classifies into every persona (CONTACT_TITLES; some in French, about 3% empty), a few
  CRM buying roles, one primary contact; last_activity follows the persona, the person and the account's
  sentiment, so some accounts are single-threaded, some renewals lack a decision maker or an engaged champion,
  struggling accounts are staler and churned ones stale. About 1.5% of the people have a duplicate record (the
  same e-mail in another case).
- ``generate_outcomes``: 1-3 success outcomes per active account (and some of churned ones) from
  SUCCESS_OUTCOMES, with baseline, target (below it when lower is better) and the last quarterly measurement;
  achieved mostly when healthy, rarely when struggling; recognised by the customer later than achieved.

Both are as of the end of the history, from streams of their own (``f"{seed}:{account}:contacts"``,
``f"{seed}:{account}:contacts:{k}"``, ``f"{seed}:{account}:outcomes:{life}"``): a longer history keeps every
contact, only adds later ones and moves last_activity later; a measurement on a given day is the same in every
history that contains it.

Everything here is pure: the functions build and return Polars DataFrames; nothing is read, written or
printed (the simulated accounts and the revenue bridge behind the last company asked for are cached).

The modules
-----------
``company`` (what it sells, to whom, the defaults), ``timeline`` (the accounts and their contract lives),
``invoices`` (the lines of one term's invoices), ``billing`` (the billing export and its Stripe-style copy),
``crm`` (accounts and contacts), ``adoption`` (each life's adoption), ``usage``, ``tickets``, ``surveys``,
``team``, ``revenue`` (the revenue bridge, measured by csctl.core), ``costs``, ``milestones``, ``actions``,
``outcomes``, ``asis`` (the as-is inventory), ``workspace`` (csctl.yaml) and ``profiles``. The package imports
csctl.core (to measure its own billing) and nothing above it; ``csctl sample`` (csctl/cli/sample.py) writes the
files.
"""

from csctl.sample.actions import ACTION_COLUMNS, generate_actions
from csctl.sample.asis import inventory_yaml
from csctl.sample.billing import BILLING_COLUMNS, STRIPE_COLUMNS, generate_billing, to_stripe_style
from csctl.sample.company import (
    CHURN_REASONS,
    CSMS,
    DEFAULT_CUSTOMERS,
    DEFAULT_MONTHS,
    DEFAULT_SEED,
    DEFAULT_START,
    GROSS_MARGIN,
    PRODUCTS,
    SEGMENT_ARR,
    export_day,
    list_price,
)
from csctl.sample.costs import CAC_RATIO, COST_CATEGORIES, COST_COLUMNS, CRC, generate_costs
from csctl.sample.crm import CONTACT_COLUMNS, CONTACT_TITLES, CUSTOMER_COLUMNS, generate_contacts, generate_customers
from csctl.sample.milestones import MILESTONE_COLUMNS, ONBOARDING_FAILED, VALUE_PATH, generate_milestones
from csctl.sample.outcomes import OUTCOME_COLUMNS, SUCCESS_OUTCOMES, generate_outcomes
from csctl.sample.profiles import PROFILES, profile
from csctl.sample.surveys import SURVEY_COLUMNS, generate_surveys
from csctl.sample.team import LEVELS, TEAM_COLUMNS, TEAM_ROLES, generate_team
from csctl.sample.tickets import (
    PRIORITIES,
    SOLVED_DAYS,
    TICKET_COLUMNS,
    TICKET_PROBLEMS,
    TICKET_STATUSES,
    generate_tickets,
    with_ticket_problems,
)
from csctl.sample.timeline import arrival_months
from csctl.sample.usage import USAGE_COLUMNS, generate_usage
from csctl.sample.workspace import workspace_yaml

__all__ = [
    "ACTION_COLUMNS",
    "BILLING_COLUMNS",
    "CAC_RATIO",
    "CHURN_REASONS",
    "CONTACT_COLUMNS",
    "CONTACT_TITLES",
    "COST_CATEGORIES",
    "COST_COLUMNS",
    "CRC",
    "CSMS",
    "CUSTOMER_COLUMNS",
    "DEFAULT_CUSTOMERS",
    "DEFAULT_MONTHS",
    "DEFAULT_SEED",
    "DEFAULT_START",
    "GROSS_MARGIN",
    "LEVELS",
    "MILESTONE_COLUMNS",
    "ONBOARDING_FAILED",
    "OUTCOME_COLUMNS",
    "PRIORITIES",
    "PRODUCTS",
    "PROFILES",
    "SEGMENT_ARR",
    "SOLVED_DAYS",
    "STRIPE_COLUMNS",
    "SUCCESS_OUTCOMES",
    "SURVEY_COLUMNS",
    "TEAM_COLUMNS",
    "TEAM_ROLES",
    "TICKET_COLUMNS",
    "TICKET_PROBLEMS",
    "TICKET_STATUSES",
    "USAGE_COLUMNS",
    "VALUE_PATH",
    "arrival_months",
    "export_day",
    "generate_actions",
    "generate_billing",
    "generate_contacts",
    "generate_costs",
    "generate_customers",
    "generate_milestones",
    "generate_outcomes",
    "generate_surveys",
    "generate_team",
    "generate_tickets",
    "generate_usage",
    "inventory_yaml",
    "list_price",
    "profile",
    "to_stripe_style",
    "with_ticket_problems",
    "workspace_yaml",
]
