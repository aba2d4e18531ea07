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
  against the company's own revenue bridge (``_bridge``, DESIGN.md §4 in plain Python from what the accounts
  are contracted for, month-end snapshots):
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
"""

from __future__ import annotations

import bisect
import calendar
import contextlib
import datetime as dt
import functools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import polars as pl

DEFAULT_START = "2023-11"
DEFAULT_CUSTOMERS = 300
DEFAULT_MONTHS = 36
DEFAULT_SEED = 7
GROSS_MARGIN = 0.75

ARRIVAL_MONTHS = 36  # every account arrives within the first 36 months of the timeline
ARRIVAL_GROWTH = 0.03  # new logos per month grow ~3% a month
INITIAL_BASE_SHARE = 0.12  # share of the accounts already customers in the first month
PRICE_RISE = 0.05  # list prices rise 5% every 1 January
REACTIVATION_SHARE = 0.25  # share of churned accounts that come back

BILLING_COLUMNS = (
    "invoice_id",
    "customer_id",
    "customer_name",
    "product",
    "plan",
    "quantity",
    "unit_price",
    "amount",
    "currency",
    "period_start",
    "period_end",
    "status",
)
CUSTOMER_COLUMNS = (
    "customer_id",
    "name",
    "segment",
    "edition",
    "industry",
    "employees",
    "region",
    "csm",
    "start_date",
    "renewal_date",
    "churn_reason",
)
# canonical billing column -> Stripe-style "invoice line items" header
STRIPE_COLUMNS = {
    "invoice_id": "Invoice ID",
    "customer_id": "Customer ID",
    "customer_name": "Customer Name",
    "product": "Description",
    "plan": "Plan",
    "quantity": "Quantity",
    "unit_price": "Unit Amount",
    "amount": "Amount",
    "currency": "Currency",
    "period_start": "Period Start (UTC)",
    "period_end": "Period End (UTC)",
    "status": "Status",
}
STRIPE_TIMESTAMP_FORMAT = "%Y-%m-%d 00:00:00"


@dataclass(frozen=True)
class Product:
    name: str
    list_cents: int  # list price per unit per month at the first price level, in cents
    per_seat: bool  # quantity = the account's seats; otherwise quantity 1
    core: bool  # a plan (tier) of the core product (one per account)
    plan: str | None = None  # the tier within the product (the billing's plan column); None for add-ons


PRODUCTS: tuple[Product, ...] = (
    Product("Platform", 1000, True, True, "Starter"),
    Product("Platform", 2000, True, True, "Growth"),
    Product("Platform", 3600, True, True, "Enterprise"),
    Product("Analytics", 400, True, False),
    Product("API access", 9900, False, False),
    Product("Premium support", 19900, False, False),
)
_STARTER, _GROWTH, _ENTERPRISE, _ANALYTICS, _API, _SUPPORT = range(6)
_ADDONS = (_ANALYTICS, _API, _SUPPORT)
EDITIONS = ("Professional", "Professional", "Enterprise")  # CRM edition of each core plan
DISCOUNTS = (0.0, 0.10, 0.15, 0.20)

# segment by ARR (12 x contract MRR), first match wins
SEGMENT_ARR: tuple[tuple[str, float], ...] = (("Enterprise", 24_000.0), ("Mid-Market", 6_000.0), ("SMB", 0.0))
CSMS: dict[str, tuple[str, ...]] = {
    "Enterprise": ("Maria Lopez", "James Chen"),
    "Mid-Market": ("Priya Sharma", "Tom Becker"),
    "SMB": ("Aisha Okafor", "Lukas Novak"),
}
INDUSTRIES = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Education",
    "Media",
    "Logistics",
    "Professional Services",
    "Non-profit",
)
REGIONS = ("North America", "EMEA", "APAC", "LATAM")
_REGION_WEIGHTS = (0.55, 0.30, 0.10, 0.05)
CHURN_REASONS = (
    "Budget cuts",
    "Switched to a competitor",
    "Low adoption",
    "Missing features",
    "Acquired by another company",
    "Went out of business",
    "Champion left",
    "Poor support experience",
)

# per core plan (Starter, Growth, Enterprise)
_PLAN_MIX = (0.50, 0.36, 0.14)
_SEATS = ((5.0, 0.6, 1, 40), (12.0, 0.6, 5, 250), (32.0, 0.7, 20, 3000))  # median, sigma, min, max at signup
_MIN_SEATS = (1, 5, 20)
_TERMS = ((1, 3, 12), (1, 3, 12), (1, 3, 12))
_TERM_MIX = ((0.72, 0.12, 0.16), (0.55, 0.15, 0.30), (0.15, 0.10, 0.75))
_NO_DISCOUNT = (0.88, 0.80, 0.60)  # share without a discount
_CHURN = (0.022, 0.012, 0.007)  # monthly churn hazard
_SEAT_UP = (0.030, 0.035, 0.040)  # per month of term
_SEAT_DOWN = (0.015, 0.015, 0.015)
_UPGRADE = (0.004, 0.002, 0.0)
_ADDON_AT_SIGNUP = ((0.12, 0.05, 0.02), (0.30, 0.15, 0.10), (0.50, 0.40, 0.50))  # Analytics, API, Support
_UPSELL = 0.006  # per missing add-on per month of term
_DROP = 0.004  # per add-on held per month of term
_OPEN_SHARE = 0.025
_DUPLICATE_SHARE = 0.008
_CANCELLED_SHARE = 0.008
_CREDIT_SHARE = 0.02

_EPOCH = dt.date(1970, 1, 1).toordinal()
_MAX_ACCOUNTS = 1 << 24


def parse_start(start: str) -> tuple[int, int]:
    """(year, month) of a 'YYYY-MM' start month; ValueError otherwise."""
    parts = start.strip().split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"start must be YYYY-MM, got {start!r}")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12 or not 1 <= year <= 9000:
        raise ValueError(f"start must be YYYY-MM, got {start!r}")
    return year, month


def list_price(product: str, on: dt.date, start: str = DEFAULT_START, plan: str | None = None) -> float:
    """The list price per unit per month of a product (and plan) on a date (the price book rises every 1 January)."""
    code = next(i for i, p in enumerate(PRODUCTS) if p.name == product and (p.plan is None or p.plan == plan))
    return _list_cents(code, on.year - parse_start(start)[0]) / 100


def _list_cents(code: int, level: int) -> int:
    return round(PRODUCTS[code].list_cents * (1 + PRICE_RISE) ** max(level, 0))


def _segment(arr: float) -> str:
    return next(name for name, floor in SEGMENT_ARR if arr >= floor)


def arrival_months(customers: int, seed: int) -> list[int]:
    """The arrival month (0 = the start month) of accounts 1..customers, in order; independent of months."""
    rng = random.Random(f"{seed}:arrivals")
    growth = [1.0] + [(1 + ARRIVAL_GROWTH) ** m for m in range(1, ARRIVAL_MONTHS)]
    weights = [rng.uniform(0.75, 1.25) * g for g in growth]
    later = sum(weights[1:])
    weights[0] = later * INITIAL_BASE_SHARE / (1 - INITIAL_BASE_SHARE) * weights[0]
    total = sum(weights)
    out: list[int] = []
    cumulative = 0.0
    for m, weight in enumerate(weights):
        cumulative += weight
        upto = customers if m == ARRIVAL_MONTHS - 1 else round(customers * cumulative / total)
        out.extend([m] * (upto - len(out)))
    return out


_NAME_FIRST = (
    "Acme",
    "Alpine",
    "Apex",
    "Arbor",
    "Atlas",
    "Aurora",
    "Beacon",
    "Birch",
    "Blue",
    "Bright",
    "Cedar",
    "Cobalt",
    "Coral",
    "Crest",
    "Delta",
    "Eagle",
    "Echo",
    "Ember",
    "Falcon",
    "Fern",
    "Granite",
    "Harbor",
    "Horizon",
    "Indigo",
    "Iron",
    "Juniper",
    "Keystone",
    "Lumen",
    "Maple",
    "Meridian",
    "Nimbus",
    "North",
    "Oak",
    "Orbit",
    "Pioneer",
    "Polar",
    "Quartz",
    "Rapid",
    "Redwood",
    "Sable",
    "Sierra",
    "Silver",
    "Summit",
    "Terra",
    "Tidal",
    "Union",
    "Vertex",
    "Willow",
    "Zenith",
    "Nova",
)
_NAME_SECOND = (
    "Analytics",
    "Bio",
    "Capital",
    "Cloud",
    "Commerce",
    "Data",
    "Dynamics",
    "Energy",
    "Foods",
    "Freight",
    "Health",
    "Industries",
    "Insights",
    "Labs",
    "Learning",
    "Logic",
    "Logistics",
    "Media",
    "Medical",
    "Metrics",
    "Mobility",
    "Networks",
    "Partners",
    "Pay",
    "Pharma",
    "Power",
    "Retail",
    "Robotics",
    "Security",
    "Software",
    "Solutions",
    "Sports",
    "Studio",
    "Supply",
    "Systems",
    "Tech",
    "Telecom",
    "Travel",
    "Ventures",
    "Vision",
    "Wealth",
    "Works",
    "Apparel",
    "Brewing",
    "Construction",
    "Design",
    "Farms",
    "Finance",
    "Legal",
    "Marine",
)
_NAME_SUFFIX = ("Inc.", "LLC", "Ltd", "GmbH", "Group", "Corp.", "Co.", "SA", "BV", "Holdings")


def _company_name(index: int, seed: int) -> str:
    """A company name, unique per account index (a bijection on the 25,000 combinations, then numbered)."""
    n1, n2 = len(_NAME_FIRST), len(_NAME_SECOND)
    space = n1 * n2 * len(_NAME_SUFFIX)
    j = (index * 7_919 + seed * 104_729) % space  # 7919 is a prime coprime with the space
    name = f"{_NAME_FIRST[j % n1]} {_NAME_SECOND[(j // n1) % n2]} {_NAME_SUFFIX[j // (n1 * n2)]}"
    return name if index < space else f"{name} {index // space + 1}"


@dataclass
class _Lines:
    key: list[int] = field(default_factory=list)  # invoice sort key: (day << 32) | (account << 8) | sub
    line: list[int] = field(default_factory=list)
    cust: list[int] = field(default_factory=list)
    item: list[int] = field(default_factory=list)  # an index into _ITEMS: (product, plan)
    quantity: list[int | None] = field(default_factory=list)
    unit: list[int] = field(default_factory=list)  # cents
    amount: list[int] = field(default_factory=list)  # cents
    start: list[int] = field(default_factory=list)  # days since 1970-01-01
    end: list[int | None] = field(default_factory=list)  # inclusive; None for a refund
    status: list[int] = field(default_factory=list)  # an index into _STATUSES


@dataclass
class _Life:
    """One contract life of an account: its consecutive terms from a signup (or a reactivation) to a churn."""

    terms: list[tuple[int, int, int, int, int]] = field(default_factory=list)  # day0, day1, plan, seats, add-ons
    churn_reason: str | None = None  # set when the life ended in a churn (within the simulated months)


@dataclass
class _Account:
    name: str
    industry: str
    region: str
    employees: int
    first_day: int  # the first day of its first service period (a prorated signup, or its first term)
    edition: str
    contract_cents: int  # MRR of the last term, list of its lines (before credits)
    active: bool
    renewal_day: int | None
    churn_reason: str | None
    lives: list[_Life] = field(default_factory=list)
    # what the account is contracted for, day by day, over the simulated horizon: (first day, last day, item,
    # quantity, monthly rate in cents); credits (a service credit, a discount line) have a negative rate
    service: list[tuple[int, int, int, int, float]] = field(default_factory=list)


# statuses: the first two are the usual ones; 2-6 never stood (ignored), 7-9 still count
_STATUSES = (
    "paid",
    "open",
    "void",
    "voided",
    "draft",
    "deleted",
    "canceled",
    "refunded",
    "uncollectible",
    "written_off",
)
_EXCLUDED = ("void", "voided", "draft", "deleted", "canceled")
_PAID, _OPEN, _REFUNDED, _UNCOLLECTIBLE, _WRITTEN_OFF = 0, 1, 7, 8, 9

# line items: (product, plan); the codes below 6 are PRODUCTS
_ITEMS: tuple[tuple[str | None, str | None], ...] = (
    *((p.name, p.plan) for p in PRODUCTS),
    ("Discount", None),
    (None, None),  # a discount line without a product
    ("Set-up fee", None),
    ("API overage", None),
)
_DISCOUNT, _NO_PRODUCT, _SETUP, _OVERAGE = 6, 7, 8, 9

EXPORT_DAY = 17  # the billing export is pulled on this day of the history's last month
_WEEKLY_SHARE = 0.25  # of the lives of monthly Starter accounts: billed every week
_DISCOUNT_LINE_SHARE = 0.5  # of discounted (non-weekly) lives: list prices and a discount line of its own
_PRORATED_START_SHARE = 0.3  # of (non-weekly) lives: a prorated first invoice from signup to the anchor day
_SETUP_SHARE = 0.3  # of lives: a one-off set-up fee on the first invoice
_SETUP_CENTS = (25_000, 75_000, 250_000)  # by core plan
_MIDTERM_SHARE = 0.6  # of seat increases and upgrades: made mid-term, with a proration pair
_OVERAGE_SHARE = 0.08  # of terms with API access: a one-off overage charge
_REFUND_SHARE = 0.012  # of terms: a partial refund (a negative line without period_end)
_BAD_DEBT = (0.006, 0.012, 0.016)  # cumulative shares of paid invoices refunded, uncollectible, written off


_Line = tuple[int, int | None, int, int, int, int | None]  # item, quantity, unit, amount, start, end (cents, days)


def _whole(day0: int, day1: int) -> bool:
    """Whether [day0, day1] fills a cycle of 1 week or 1, 3, 6 or 12 months ending on day1 (DESIGN.md §4)."""
    if day1 - day0 == 6:
        return True
    return any(day0 == _minus_months(day1 + 1, n) for n in (1, 3, 6, 12))


def _minus_months(day: int, n: int) -> int:
    """The day n calendar months before a day (clamped to the end of a shorter month)."""
    date = dt.date.fromordinal(day + _EPOCH)
    y, mo = divmod(date.year * 12 + date.month - 1 - n, 12)
    return dt.date(y, mo + 1, min(date.day, calendar.monthrange(y, mo + 1)[1])).toordinal() - _EPOCH


class _Term:
    """A term of a contract as the simulation drew it, and what its invoice carries."""

    __slots__ = (
        "addons",
        "copy",
        "credit",
        "credit_end",
        "day0",
        "day1",
        "disc",
        "life",
        "plan",
        "plevel",
        "seats",
        "status",
        "term",
        "wrong",
    )

    def __init__(self, life: int, term: int, day0: int, day1: int, plan: int, seats: int, addons: int) -> None:
        self.life, self.term, self.day0, self.day1 = life, term, day0, day1
        self.plan, self.seats, self.addons = plan, seats, addons
        self.plevel = self.disc = self.status = self.copy = self.wrong = self.credit = self.credit_end = 0


def _simulate(customers: int, months: int, seed: int, start: str) -> tuple[_Lines, list[_Account]]:
    """The billing lines (period_start up to the export day) and the accounts of the company.

    The contracts are simulated 13 months past the history (the longest term and one more renewal), so that an
    upgrade made mid-term is known when its term is invoiced; only the lines up to the export day are kept, and
    an account's lives, state and renewal are those at the end of the history."""
    if customers < 0 or customers >= _MAX_ACCOUNTS:
        raise ValueError(f"customers must be between 0 and {_MAX_ACCOUNTS - 1}, got {customers}")
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    y0, mo0 = parse_start(start)
    horizon = months + 13
    span = horizon + 14
    first: list[int] = []  # day number of the 1st of each month
    dim: list[int] = []  # days in each month
    level: list[int] = []  # price-book level of each month
    for m in range(span):
        y, mo = y0 + (mo0 - 1 + m) // 12, (mo0 - 1 + m) % 12 + 1
        first.append(dt.date(y, mo, 1).toordinal() - _EPOCH)
        dim.append(calendar.monthrange(y, mo)[1])
        level.append(y - y0)
    cutoff = first[months - 1] + EXPORT_DAY - 1
    # unit price in cents by [product][level][discount]
    unit_tab = [
        [[round(_list_cents(code, lv) * (1 - d)) for d in DISCOUNTS] for lv in range(level[-1] + 1)]
        for code in range(len(PRODUCTS))
    ]
    churn_p = {(p, t): 1 - (1 - _CHURN[p]) ** t for p in range(3) for t in (1, 3, 12)}

    out = _Lines()
    accounts: list[_Account] = []
    arrivals = arrival_months(customers, seed)
    rng = random.Random()
    rand, randint, choices = rng.random, rng.randint, rng.choices
    quirks = random.Random()

    for c, arrival in enumerate(arrivals):
        if arrival >= months:
            break
        rng.seed(f"{seed}:{c + 1}")
        # the account's profile
        industry = INDUSTRIES[randint(0, len(INDUSTRIES) - 1)]
        region = choices(REGIONS, _REGION_WEIGHTS)[0]
        employee_factor = rng.uniform(1.3, 6.0)
        max_seats = 0
        churn_reason: str | None = None
        # contract state
        plan = seats = term = disc = plevel = review = anchor = 0
        addons = [False, False, False]
        m = arrival
        new_life = True
        last_start = -1
        lives: list[_Life] = []
        terms: list[_Term] = []
        life_no = -1
        frozen: tuple[int, int, bool, int, int, int, int, list[bool], int, str | None, int, int] | None = None
        while m < horizon:
            if frozen is None and m >= months:  # the end of the history: the account as the CRM sees it
                frozen = (
                    last_start,
                    term,
                    new_life,
                    plan,
                    seats,
                    plevel,
                    disc,
                    addons[:],
                    m,
                    churn_reason,
                    max_seats,
                    anchor,
                )
            if new_life:
                new_life = False
                life_no += 1
                if frozen is None:
                    lives.append(_Life())
                anchor = 1 if rand() < 0.3 else randint(2, 31)
                u = rand()
                plan = 0 if u < _PLAN_MIX[0] else (1 if u < _PLAN_MIX[0] + _PLAN_MIX[1] else 2)
                median, sigma, low, high = _SEATS[plan]
                seats = min(high, max(low, round(rng.lognormvariate(math.log(median), sigma))))
                term = choices(_TERMS[plan], _TERM_MIX[plan])[0]
                disc = 0 if rand() < _NO_DISCOUNT[plan] else randint(1, 3)
                addons = [rand() < p for p in _ADDON_AT_SIGNUP[plan]]
                plevel, review = level[m], m
            else:
                # renewal boundary: churn, or reprice and change the contract
                if rand() < churn_p[(plan, term)]:
                    churn_reason = CHURN_REASONS[randint(0, len(CHURN_REASONS) - 1)]
                    if frozen is None:
                        lives[-1].churn_reason = churn_reason
                    if rand() < REACTIVATION_SHARE:
                        m += randint(2, 12)
                        new_life = True
                        continue
                    break
                churn_reason = None
                if m - review >= 12:
                    plevel, review = level[m], m
                u = rand()
                p_up = min(0.6, _SEAT_UP[plan] * term)
                if u < p_up:
                    seats += max(1, round(seats * rng.uniform(0.05, 0.35)))
                elif u < p_up + min(0.3, _SEAT_DOWN[plan] * term):
                    seats = max(_MIN_SEATS[plan], seats - max(1, round(seats * rng.uniform(0.05, 0.25))))
                for i in range(3):
                    if addons[i]:
                        if rand() < min(0.3, _DROP * term):
                            addons[i] = False
                    elif rand() < min(0.4, _UPSELL * term):
                        addons[i] = True
                if plan < 2 and rand() < _UPGRADE[plan] * term:
                    plan += 1
                    seats = max(seats, _MIN_SEATS[plan])
            # the term starting in month m and its invoice
            day0 = first[m] + min(anchor, dim[m]) - 1
            day1 = first[m + term] + min(anchor, dim[m + term]) - 2  # inclusive last day
            mask = addons[0] | addons[1] << 1 | addons[2] << 2
            if frozen is None:
                last_start = m
                max_seats = max(max_seats, seats)
                lives[-1].terms.append((day0, day1, plan, seats, mask))
            t = _Term(life_no, term, day0, day1, plan, seats, mask)
            t.plevel, t.disc = plevel, disc
            t.status = _OPEN if rand() < _OPEN_SHARE else _PAID
            u = rand()
            if rand() < _CREDIT_SHARE:
                core_dollars = seats * unit_tab[plan][plevel][disc] / 100
                t.credit = max(5, round(core_dollars * rng.uniform(0.05, 0.25))) * 100  # whole dollars
                t.credit_end = first[m + 1] + min(anchor, dim[m + 1]) - 2
            if u < _DUPLICATE_SHARE + _CANCELLED_SHARE:
                # a copy that never stood: an exact duplicate after the real invoice, or a wrong one before it
                t.copy = 1 if u < _DUPLICATE_SHARE else 2
                t.wrong = seats if t.copy == 1 else seats + randint(1, 5) * 10
            terms.append(t)
            m += term
        if frozen is None:
            frozen = (last_start, term, new_life, plan, seats, plevel, disc, addons, m, churn_reason, max_seats, anchor)
        last_start, term, new_life, plan, seats, plevel, disc, addons, m, churn_reason, max_seats, anchor = frozen

        quirks.seed(f"{seed}:{c + 1}:billing")
        service: list[tuple[int, int, int, int, float]] = []
        first_day = _bill(c, terms, quirks, unit_tab, cutoff, out, service)
        active = last_start >= 0 and last_start + term >= months and not new_life
        contract = sum(
            (seats if PRODUCTS[code].per_seat else 1) * unit_tab[code][plevel][disc]
            for code in (plan, *(a for i, a in enumerate(_ADDONS) if addons[i]))
        )
        renewal = first[m] + min(anchor, dim[m]) - 1 if active else None
        accounts.append(
            _Account(
                name=_company_name(c, seed),
                industry=industry,
                region=region,
                employees=max(5, round(max_seats * employee_factor)),
                first_day=first_day,
                edition=EDITIONS[plan],
                contract_cents=contract,
                active=active,
                renewal_day=renewal,
                churn_reason=None if active else churn_reason,
                lives=lives,
                service=service,
            )
        )
    return out, accounts


def _bill(
    c: int,
    terms: list[_Term],
    rng: random.Random,
    unit_tab: list[list[list[int]]],
    cutoff: int,
    out: _Lines,
    service: list[tuple[int, int, int, int, float]],
) -> int:
    """Write the invoice lines of one account's terms (those starting on or before cutoff) into out, and what
    it is contracted for into service; return its first service day. Every draw comes from rng, the account's
    own billing stream, in time order, so billing stays prefix-stable and the contracts are unchanged."""
    rand, randint = rng.random, rng.randint

    def emit(key: int, lines: Sequence[_Line], status: int) -> None:
        """Lines (item, quantity, unit, amount, start, end) of one invoice, when issued by the export day."""
        if (key >> 32) > cutoff:
            return
        for n, (item, qty, unit, amount, day0, day1) in enumerate(lines):
            out.key.append(key)
            out.line.append(n)
            out.cust.append(c)
            out.item.append(item)
            out.quantity.append(qty)
            out.unit.append(unit)
            out.amount.append(amount)
            out.start.append(day0)
            out.end.append(day1)
            out.status.append(status)

    def holdings(t: _Term, plan: int, seats: int) -> list[tuple[int, int]]:
        held = [(plan, seats)]
        for i, code in enumerate(_ADDONS):
            if t.addons >> i & 1:
                held.append((code, seats if PRODUCTS[code].per_seat else 1))
        return held

    def account_status(status: int) -> int:
        if status != _PAID:
            return status
        u = rand()
        if u < _BAD_DEBT[0]:
            return _REFUNDED
        if u < _BAD_DEBT[1]:
            return _UNCOLLECTIBLE
        return _WRITTEN_OFF if u < _BAD_DEBT[2] else _PAID

    first_day = -1
    k = 0
    while k < len(terms):
        life = [terms[k]]
        while k + len(life) < len(terms) and terms[k + len(life)].life == life[0].life:
            life.append(terms[k + len(life)])
        k += len(life)
        t0 = life[0]
        weekly = t0.term == 1 and t0.plan == _STARTER and rand() < _WEEKLY_SHARE
        discount_item = _NO_PRODUCT if rand() < 0.3 else _DISCOUNT
        discount_line = not weekly and t0.disc > 0 and rand() < _DISCOUNT_LINE_SHARE
        signup = t0.day0
        if not weekly and rand() < _PRORATED_START_SHARE:
            # signed up earlier in the month of its anchor day (not before: the account arrived that month)
            month_start = t0.day0 - dt.date.fromordinal(t0.day0 + _EPOCH).day + 1
            days = min(randint(2, 27), t0.day0 - month_start)
            if days >= 2:
                signup = t0.day0 - (6 if days == 7 else days)  # 7 days would read as a week; 8 may leave the month
        setup = rand() < _SETUP_SHARE
        if first_day < 0:
            first_day = signup
        if weekly:  # a week at a time from the first term's day, each at the price of the term it starts in
            j, day, last = -1, t0.day0, life[-1].day1
            while day <= last:
                fresh = False
                while j < 0 or life[j].day1 < day:
                    j, fresh = j + 1, True
                t = life[j]
                held = holdings(t, t.plan, t.seats)
                unit = {code: round(unit_tab[code][t.plevel][t.disc] * 12 / 52) for code, _ in held}
                lines: list[_Line] = [(code, q, unit[code], q * unit[code], day, day + 6) for code, q in held]
                if setup and day == t0.day0:
                    lines.append((_SETUP, 1, _SETUP_CENTS[t.plan], _SETUP_CENTS[t.plan], day, day))
                status, real_sub = _PAID, 0
                if fresh:  # the term's draws go to its first week
                    status = account_status(t.status)
                    if t.copy:
                        real_sub, copy_sub = (0, 1) if t.copy == 1 else (1, 0)
                        wrong: list[_Line] = [
                            (code, w, unit[code], w * unit[code], day, day + 6)
                            for code, q in held
                            for w in (t.wrong if PRODUCTS[code].per_seat else q,)
                        ]
                        emit(
                            (day << 32) | (c << 8) | copy_sub,
                            wrong,
                            2 + randint(0, len(_EXCLUDED) - 1),
                        )
                emit((day << 32) | (c << 8) | real_sub, lines, status)
                if status == _REFUNDED:
                    refund, refund_day = sum(line[3] for line in lines), day + randint(1, 6)
                    emit(
                        (refund_day << 32) | (c << 8) | 3, [(t.plan, None, -refund, -refund, refund_day, None)], status
                    )
                for code, q in held:
                    service.append((day, day + 6, code, q, q * unit[code] * 52 / 12))
                day += 7
            continue
        price_disc = 0 if discount_line else t0.disc
        for i, t in enumerate(life):
            held = holdings(t, t.plan, t.seats)
            unit = {code: unit_tab[code][t.plevel][price_disc] for code, _ in held}
            # a discount line of its own: the difference between list and the account's prices
            off = sum(q * (unit[code] - unit_tab[code][t.plevel][t.disc]) for code, q in held) if discount_line else 0
            # a prorated first invoice: from the signup to the day before the anchor
            if i == 0 and signup < t.day0:
                cycle0 = _minus_months(t.day0, t.term)
                days, cycle = t.day0 - signup, t.day0 - cycle0
                lines = [
                    (code, q, unit[code], round(q * unit[code] * t.term * days / cycle), signup, t.day0 - 1)
                    for code, q in held
                ]
                if discount_line and off:
                    amount = -round(off * t.term * days / cycle)
                    lines.append((discount_item, None, amount, amount, signup, t.day0 - 1))
                if setup:
                    lines.append((_SETUP, 1, _SETUP_CENTS[t.plan], _SETUP_CENTS[t.plan], signup, signup))
                emit((signup << 32) | (c << 8), lines, account_status(t.status))
                for code, q in held:
                    service.append((signup, t.day0 - 1, code, q, float(q * unit[code])))
                if discount_line and off:
                    service.append((signup, t.day0 - 1, discount_item, 0, float(-off)))
            # a seat increase or an upgrade at the next renewal may have been made mid-term
            change = -1
            nxt = life[i + 1] if i + 1 < len(life) else None
            if (
                nxt is not None
                and not discount_line
                and nxt.plevel == t.plevel
                and nxt.plan >= t.plan
                and nxt.seats >= t.seats
                and (nxt.plan > t.plan or nxt.seats > t.seats)
                and t.day1 - t.day0 >= 3
                and rand() < _MIDTERM_SHARE
            ):
                change = t.day0 + randint(1, t.day1 - t.day0 - 1)
                if _whole(change, t.day1):  # a proration that looks like a whole cycle: a day later or earlier
                    change = change + 1 if change + 1 < t.day1 else change - 1
            # the term's invoice
            lines = [(code, q, unit[code], q * unit[code] * t.term, t.day0, t.day1) for code, q in held]
            if discount_line and off:
                lines.append((discount_item, None, -off * t.term, -off * t.term, t.day0, t.day1))
            if t.credit:
                lines.append((t.plan, None, -t.credit, -t.credit, t.day0, t.credit_end))
            if t.addons & 2 and rand() < _OVERAGE_SHARE:
                amount = randint(2, 40) * 1000
                lines.append((_OVERAGE, 1, amount, amount, t.day0, t.day0))
            if i == 0 and setup and signup == t.day0:
                lines.append((_SETUP, 1, _SETUP_CENTS[t.plan], _SETUP_CENTS[t.plan], t.day0, t.day0))
            status = account_status(t.status)
            real_sub = 0
            if t.copy:
                copy_status = 2 + randint(0, len(_EXCLUDED) - 1)
                real_sub, copy_sub = (0, 1) if t.copy == 1 else (1, 0)
                copies: list[_Line] = [
                    (code, w, unit[code], w * unit[code] * t.term, t.day0, t.day1)
                    for code, q in held
                    for w in (t.wrong if PRODUCTS[code].per_seat else q,)
                ]
                emit(
                    (t.day0 << 32) | (c << 8) | copy_sub,
                    copies,
                    copy_status,
                )
            emit((t.day0 << 32) | (c << 8) | real_sub, lines, status)
            # a refund: of the whole invoice when it was refunded, else now and then a part of it
            refund = 0
            if status == _REFUNDED:
                refund = sum(line[3] for line in lines)
                refund_status = _REFUNDED
                refund_day = t.day0 + randint(1, 10)
            elif rand() < _REFUND_SHARE:
                refund = round(held[0][1] * unit[t.plan] * t.term * rng.uniform(0.1, 0.5) / 100) * 100
                refund_status = _REFUNDED if rand() < 0.5 else _PAID
                refund_day = t.day0 + randint(2, 20)
            if refund > 0:
                emit(
                    (refund_day << 32) | (c << 8) | 3,
                    [(t.plan, None, -refund, -refund, refund_day, None)],
                    refund_status,
                )
            # what the term holds, and the proration pair of a mid-term change
            until = t.day1 if change < 0 else change - 1
            for code, q in held:
                service.append((t.day0, until, code, q, float(q * unit[code])))
            if discount_line and off:
                service.append((t.day0, t.day1, discount_item, 0, float(-off)))
            if t.credit:
                service.append((t.day0, t.credit_end, t.plan, 0, float(-t.credit)))
            if change >= 0 and nxt is not None:
                days, cycle = t.day1 - change + 1, t.day1 - t.day0 + 1
                after = holdings(t, nxt.plan, nxt.seats)
                pair: list[_Line] = []
                for (code, q), (code1, q1) in zip(held, after, strict=True):
                    new_unit = unit_tab[code1][t.plevel][price_disc]
                    if (code, q) != (code1, q1):
                        credit = round(q * unit[code] * t.term * days / cycle)
                        charge = round(q1 * new_unit * t.term * days / cycle)
                        pair.append((code, q, -unit[code], -credit, change, t.day1))
                        pair.append((code1, q1, new_unit, charge, change, t.day1))
                    service.append((change, t.day1, code1, q1, float(q1 * new_unit)))
                emit((change << 32) | (c << 8) | 2, pair, _PAID)
    return first_day


def _customer_ids(index: pl.Expr) -> pl.Expr:
    return pl.lit("C") + (index + 1).cast(pl.String).str.zfill(5)


def export_day(months: int = DEFAULT_MONTHS, start: str = DEFAULT_START) -> dt.date:
    """The day the billing export was pulled: EXPORT_DAY of the history's last month (the month in progress)."""
    y0, mo0 = parse_start(start)
    y, mo = divmod(y0 * 12 + mo0 - 1 + months - 1, 12)
    return dt.date(y, mo + 1, EXPORT_DAY)


def generate_billing(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """Invoice lines of the sample company in the canonical billing layout (BILLING_COLUMNS order), as exported
    on export_day(months, start): invoices issued up to that day of the history's last month."""
    lines, accounts = _simulate(customers, months, seed, start)
    names = pl.Series("customer_name", [a.name for a in accounts], dtype=pl.String)
    frame = pl.DataFrame(
        {
            "key": pl.Series(lines.key, dtype=pl.Int64),
            "line": pl.Series(lines.line, dtype=pl.Int16),
            "cust": pl.Series(lines.cust, dtype=pl.Int32),
            "item": pl.Series(lines.item, dtype=pl.Int8),
            "quantity": pl.Series(lines.quantity, dtype=pl.Int64),
            # cents / 100 in Python is the nearest double to the decimal; Polars' division may be 1 ulp off
            "unit_price": pl.Series([v / 100 for v in lines.unit], dtype=pl.Float64),
            "amount": pl.Series([v / 100 for v in lines.amount], dtype=pl.Float64),
            "period_start": pl.Series(lines.start, dtype=pl.Int32).cast(pl.Date),
            "period_end": pl.Series(lines.end, dtype=pl.Int32).cast(pl.Date),
            "status": pl.Series(lines.status, dtype=pl.Int8),
        }
    ).sort("key", "line")
    products = {i: product for i, (product, _) in enumerate(_ITEMS)}
    plans = {i: plan for i, (_, plan) in enumerate(_ITEMS)}
    statuses = dict(enumerate(_STATUSES))
    return frame.select(
        invoice_id=pl.lit("INV-") + pl.col("key").rank("dense").cast(pl.String).str.zfill(7),
        customer_id=_customer_ids(pl.col("cust")),
        customer_name=names.gather(frame["cust"]),
        product=pl.col("item").replace_strict(products, return_dtype=pl.String),
        plan=pl.col("item").replace_strict(plans, return_dtype=pl.String),
        quantity=pl.col("quantity"),
        unit_price=pl.col("unit_price"),
        amount=pl.col("amount"),
        currency=pl.lit("USD"),
        period_start=pl.col("period_start"),
        period_end=pl.col("period_end"),
        status=pl.col("status").replace_strict(statuses, return_dtype=pl.String),
    )


def generate_customers(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """The CRM accounts table of the same company (CUSTOMER_COLUMNS), as of the last month of the history.

    segment follows ARR (12 x the MRR of the account's last contract, see SEGMENT_ARR); edition follows its
    core plan; start_date is its first billed day; renewal_date the start of its next term for active accounts
    (empty for churned ones); churn_reason is set for churned accounts only; csm is one of the segment's CSMs.
    An account is active when its billing gives it MRR in the last month.
    """
    _, accounts = _simulate(customers, months, seed, start)
    segments = [_segment(12 * a.contract_cents / 100) for a in accounts]
    return pl.DataFrame(
        {
            "customer_id": [f"C{i + 1:05d}" for i in range(len(accounts))],
            "name": [a.name for a in accounts],
            "segment": segments,
            "edition": [a.edition for a in accounts],
            "industry": [a.industry for a in accounts],
            "employees": pl.Series([a.employees for a in accounts], dtype=pl.Int64),
            "region": [a.region for a in accounts],
            "csm": [CSMS[s][(i * 7 + seed) % len(CSMS[s])] for i, s in enumerate(segments)],
            "start_date": pl.Series([a.first_day for a in accounts], dtype=pl.Int32).cast(pl.Date),
            "renewal_date": pl.Series([a.renewal_day for a in accounts], dtype=pl.Int32).cast(pl.Date),
            "churn_reason": pl.Series([a.churn_reason for a in accounts], dtype=pl.String),
        },
        schema_overrides={c: pl.String for c in ("customer_id", "name", "segment", "edition", "industry")},
    ).select(CUSTOMER_COLUMNS)


# --- product usage, support tickets and surveys of the same company -----------------------------------------

USAGE_COLUMNS = ("customer_id", "date", "active_users", "seats", "logins", "reports_created", "api_calls")
TICKET_COLUMNS = (
    "ticket_id",
    "customer_id",
    "created_at",
    "resolved_at",
    "priority",
    "escalated",
    "status",
    "csat",
    "subject",
)
SURVEY_COLUMNS = ("customer_id", "date", "type", "score", "comment")
PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_STATUSES = ("open", "solved", "closed")
SOLVED_DAYS = 4  # a solved ticket is closed this many days after it was resolved

_LOOKAHEAD = 6  # months simulated past the history, so that usage can fall before a churn just after its end
_TIERS = ((0.55, 0.70, 0.95), (0.80, 0.40, 0.70), (1.0, 0.10, 0.40))  # cumulative share, adoption range
_FLOORS = {"Low adoption": (0.08, 0.30), "Budget cuts": (0.30, 0.60), "Acquired by another company": (0.40, 0.70)}
_FLOOR = (0.20, 0.55)  # adoption left at the churn, relative to before the decline
_HEALTHY = 0.80  # adoption at which an account stops struggling
# Sentiment runs ahead of usage before a churn; a decline seen from within the history must be one that the
# _LOOKAHEAD months decide: 122 days (the longest decline) + this lead must stay under about 180 days.
_SENTIMENT_LEAD = 45
_UTC_OFFSET = {"North America": 6.0, "EMEA": -1.0, "APAC": -8.0, "LATAM": 3.0}  # hours from local to UTC
_TICKET_RATE = 0.95  # tickets per account-month for a healthy account of 12 seats, after onboarding
_TICKET_MAX = 2.2 * 2.0 * 1.5  # the largest multiplier of the base rate: struggle x onboarding x seats
_RESOLVE_HOURS = (30.0, 14.0, 6.0, 2.5)  # median hours to resolve by priority
_ESCALATE = (0.004, 0.015, 0.05, 0.20)  # by priority, doubled for a struggling account
_CSAT_ANSWERED = 0.40
_NPS_MONTHS = (3, 9)  # company-wide NPS campaigns on the 10th of March and September
_CSAT_MONTHS = (6, 12)  # and a product CSAT pulse on the 10th of June and December
_ONBOARDING_SURVEY_DAYS = 63  # an onboarding CSAT nine weeks into each new contract

_SUBJECTS_ONBOARDING = (
    "Help setting up single sign-on",
    "Importing our users",
    "How do we invite the team?",
    "Training session request",
    "Configuring user roles",
    "Connecting our data source",
)
_SUBJECTS_GENERAL = (
    "Cannot log in",
    "Password reset email not arriving",
    "Report shows wrong totals",
    "Export to Excel fails",
    "Pages load slowly",
    "Feature request: custom fields",
    "Question about permissions",
    "Notification emails not received",
    "Dashboard not updating",
    "Question about our invoice",
    "Add seats to our plan",
    "Update billing contact",
    "Error when saving a filter",
    "How do I schedule a report?",
)
_SUBJECTS_API = ("API rate limit reached", "API returns 500 errors", "Webhook not firing", "Rotating an API key")
_SUBJECTS_AT_RISK = (
    "How do we export all our data?",
    "Question about cancelling at renewal",
    "Reduce our number of seats",
    "The product is too complex for our team",
    "Bug still not fixed",
    "Who is our account manager now?",
)
_COMMENTS = {
    "promoter": (
        "Great product, the team loves it",
        "Support is fast and helpful",
        "Saves us hours every week",
        "Easy to use",
        "The reports are exactly what we need",
    ),
    "passive": (
        "Good, but some features are missing",
        "Works fine, a bit pricey",
        "Reporting could be more flexible",
        "OK overall",
        "Onboarding took longer than expected",
    ),
    "detractor": (
        "Too expensive for what we use",
        "Hard to get the team to adopt it",
        "Support takes too long to answer",
        "Missing key integrations",
        "Too many bugs lately",
        "We are evaluating alternatives",
    ),
}


@dataclass(frozen=True)
class _Health:
    """The adoption of one contract life over time: the share of its seats in use, before noise and seasons.

    ``base`` is the life's tier (healthy 70-95%, middling 40-70%, struggling 10-40%), with a slow wave; new
    contracts ramp up from ``ramp_from`` over ``ramp_days`` (onboarding); a life that ends in a churn declines to
    ``floor`` times its adoption over its last ``decline_days`` (2-4 months).
    """

    start: int  # first billed day of the life
    end: int  # last billed day when it churned (otherwise the end of the simulated terms)
    churn_reason: str | None
    base: float
    ramp_days: float
    ramp_from: float
    decline_days: float
    floor: float
    amplitude: float
    omega: float
    phase: float

    def decline(self, day: int) -> float:
        """The factor of the decline before a churn on a day: 1 before it, down to floor on the last billed day."""
        into = day - (self.end - self.decline_days)
        if self.churn_reason is None or into <= 0:
            return 1.0
        return 1 - (1 - self.floor) * min(1.0, into / self.decline_days) ** 1.3

    def adoption(self, day: int) -> float:
        """The account's underlying adoption on a day (no onboarding ramp)."""
        wave = 1 + self.amplitude * math.sin(self.omega * (day - self.start) + self.phase)
        return self.base * wave * self.decline(day)

    def sentiment(self, day: int) -> float:
        """How its people feel, 0 (unhappy) to 1: like adoption, but ahead of a churn already sour (the decline
        _SENTIMENT_LEAD days early, and deeper)."""
        wave = 1 + self.amplitude * math.sin(self.omega * (day - self.start) + self.phase)
        return min(1.0, self.base * wave * self.decline(day + _SENTIMENT_LEAD) ** 2 / 0.85)

    def onboarding(self, day: int) -> float:
        """How much of the onboarding is left: 1 on the first day, 0 after ramp_days."""
        return max(0.0, 1 - (day - self.start) / self.ramp_days)

    def struggle(self, day: int) -> float:
        """0 for a healthy account, up to 1 for one that barely uses the product."""
        return 1 - min(1.0, self.adoption(day) / _HEALTHY)


@dataclass(frozen=True)
class _Company:
    accounts: list[_Account]
    health: list[list[_Health]]  # per account, per life
    first_day: int  # the first day of the history
    last_day: int  # its last day (inclusive)


def _life_health(rng: random.Random, life: _Life) -> _Health:
    """One life's adoption parameters; always the same number of draws, whatever the life."""
    u = rng.random()
    _, low, high = next(tier for tier in _TIERS if u < tier[0])
    base = rng.uniform(low, high)
    ramp_days = rng.uniform(42.0, 70.0)
    ramp_from = rng.uniform(0.08, 0.30)
    decline_days = rng.uniform(61.0, 122.0)
    floor_low, floor_high = _FLOORS.get(life.churn_reason or "", _FLOOR)
    floor = floor_low + (floor_high - floor_low) * rng.random()
    amplitude = rng.uniform(0.0, 0.08)
    omega = 2 * math.pi / rng.uniform(100.0, 300.0)
    phase = rng.uniform(0.0, 2 * math.pi)
    return _Health(
        start=life.terms[0][0],
        end=life.terms[-1][1],
        churn_reason=life.churn_reason,
        base=base,
        ramp_days=ramp_days,
        ramp_from=ramp_from,
        decline_days=decline_days,
        floor=floor,
        amplitude=amplitude,
        omega=omega,
        phase=phase,
    )


@functools.lru_cache(maxsize=1)
def _company(customers: int, months: int, seed: int, start: str) -> _Company:
    """The accounts' contract lives, simulated _LOOKAHEAD months past the history, and their adoption.

    The billing simulation is prefix-stable, so simulating further changes nothing within the history; it only
    tells which lives churn soon after its end (their usage already falls at its end). Adoption comes from a
    stream of its own per account, ``f"{seed}:{account}:health"``, one draw set per life in order.
    """
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    _, accounts = _simulate(customers, months + _LOOKAHEAD, seed, start)
    y0, mo0 = parse_start(start)
    first_day = dt.date(y0, mo0, 1).toordinal() - _EPOCH
    y, mo = divmod(y0 * 12 + mo0 - 1 + months, 12)
    last_day = dt.date(y, mo + 1, 1).toordinal() - _EPOCH - 1
    health: list[list[_Health]] = []
    rng = random.Random()
    for c, account in enumerate(accounts):
        rng.seed(f"{seed}:{c + 1}:health")
        health.append([_life_health(rng, life) for life in account.lives])
    return _Company(accounts, health, first_day, last_day)


def _season(day: int) -> float:
    """Usage in the week from a Monday: the weeks of Christmas and New Year are quiet, August a little."""
    date = dt.date.fromordinal(day + _EPOCH)
    if (date.month == 12 and date.day >= 19) or (date.month == 1 and date.day <= 1):
        return 0.55
    return 0.9 if date.month == 8 else 1.0


def _lives_in_history(
    company: _Company, rng: random.Random, stream: str, last: int
) -> Iterator[tuple[int, _Account, Iterator[tuple[_Life, _Health]]]]:
    """Each account with a life in the history, its random stream seeded (``stream`` has a {} for the account
    number), and its lives that begin on or before the history's last day (a day number), each with its health."""
    for c, account in enumerate(company.accounts):
        if not account.lives or account.lives[0].terms[0][0] > last:
            continue
        rng.seed(stream.format(c + 1))
        yield c, account, _begun(account.lives, company.health[c], last)


def _begun(lives: list[_Life], health: list[_Health], last: int) -> Iterator[tuple[_Life, _Health]]:
    for life, life_health in zip(lives, health, strict=True):
        if life.terms[0][0] > last:
            return
        yield life, life_health


def generate_usage(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """Weekly product usage of the same company (USAGE_COLUMNS), one row per account and billed week.

    A row per Monday on which the account is billed (within a term of its billing, never before its first
    billed day nor after its last, nor after the history); seats is the quantity of its core plan that week;
    active_users a share of the seats (see _Health: onboarding ramp, tier, decline before a churn), lower in
    the weeks around Christmas and in August; logins and reports_created follow the active users (reports
    double with the "Analytics" add-on); api_calls is 0 without the "API access" add-on. Rows are sorted by
    date and customer. Noise comes from a stream per account, ``f"{seed}:{account}:usage"``.
    """
    company = _company(customers, months, seed, start)
    last = company.last_day
    cust: list[int] = []
    days: list[int] = []
    active_out: list[int] = []
    seats_out: list[int] = []
    logins_out: list[int] = []
    reports_out: list[int] = []
    api_out: list[int] = []
    seasons: dict[int, float] = {}
    rng = random.Random()
    rand, uniform = rng.random, rng.uniform
    for c, _account, lives in _lives_in_history(company, rng, f"{seed}:{{}}:usage", last):
        for life, health in lives:
            terms = life.terms
            begin = terms[0][0]
            stop = min(terms[-1][1], last)
            per_user_logins = uniform(2.5, 9.0)  # a week
            per_user_reports = uniform(0.05, 0.5)
            api_volume = rng.lognormvariate(math.log(800.0), 0.9)  # a week, per square root of a seat
            day = begin + (-(begin + 3)) % 7  # the first Monday (1970-01-01 was a Thursday)
            j = 0
            while day <= stop:
                while terms[j][1] < day:
                    j += 1
                seats, addons = terms[j][3], terms[j][4]
                season = seasons.get(day)
                if season is None:
                    season = seasons[day] = _season(day)
                adoption = health.adoption(day) * season
                share = adoption * (1 - (1 - health.ramp_from) * health.onboarding(day)) * (0.92 + 0.16 * rand())
                active = min(seats, int(seats * share + rand()))  # rounded at random: its mean is right
                logins = round(active * per_user_logins * (0.8 + 0.4 * rand()))
                reports = round(active * per_user_reports * (2.0 if addons & 1 else 1.0) * (0.5 + rand()))
                noise = 0.7 + 0.6 * rand()
                calls = round(api_volume * math.sqrt(seats) * adoption * noise) if addons & 2 else 0
                cust.append(c)
                days.append(day)
                active_out.append(active)
                seats_out.append(seats)
                logins_out.append(logins)
                reports_out.append(reports)
                api_out.append(calls)
                day += 7
    frame = pl.DataFrame(
        {
            "cust": pl.Series(cust, dtype=pl.Int32),
            "date": pl.Series(days, dtype=pl.Int32).cast(pl.Date),
            "active_users": pl.Series(active_out, dtype=pl.Int64),
            "seats": pl.Series(seats_out, dtype=pl.Int64),
            "logins": pl.Series(logins_out, dtype=pl.Int64),
            "reports_created": pl.Series(reports_out, dtype=pl.Int64),
            "api_calls": pl.Series(api_out, dtype=pl.Int64),
        }
    ).sort("date", "cust")
    return frame.select(_customer_ids(pl.col("cust")).alias("customer_id"), *USAGE_COLUMNS[1:])


def _ticket_subject(rng: random.Random, onboarding: float, struggle: float, api: bool) -> str:
    u, pick = rng.random(), rng.random()
    pool: tuple[str, ...]
    if u < 0.6 * onboarding:
        pool = _SUBJECTS_ONBOARDING
    elif u < 0.6 * onboarding + 0.5 * max(0.0, struggle - 0.3):
        pool = _SUBJECTS_AT_RISK
    elif api and u > 0.8:
        pool = _SUBJECTS_API
    else:
        pool = _SUBJECTS_GENERAL
    return pool[int(pick * len(pool))]


def generate_tickets(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """Support tickets of the same company (TICKET_COLUMNS), as of the end of the history.

    Tickets arrive while an account is billed, about once a month for a healthy account of 12 seats, more for
    larger accounts, up to about twice as often while it struggles (low adoption, or the decline before a
    churn) and during onboarding, rarely on weekends, in business hours of its region (timestamps are UTC,
    whole seconds). Most are resolved within hours to a few days (log-normal, by priority; longer when
    escalated, which a few percent are). A ticket still unresolved at the end of the history is "open" with
    no resolved_at; one resolved within its last SOLVED_DAYS days is "solved", older ones "closed". About 40%
    of resolved tickets have a CSAT (1-5), lower for slow, escalated or struggling ones. Ticket ids count in
    (created_at, customer) order. Noise comes from a stream per account, ``f"{seed}:{account}:tickets"``.

    Only status, resolved_at and csat depend on the end of the history: a longer history holds the same tickets
    created within the shorter one, some of those open there being resolved since.
    """
    company = _company(customers, months, seed, start)
    last = company.last_day
    end_second = (last + 1) * 86_400
    cust: list[int] = []
    created: list[int] = []
    resolved: list[int | None] = []
    priority_out: list[int] = []
    escalated_out: list[bool] = []
    status_out: list[int] = []
    csat_out: list[int | None] = []
    subject_out: list[str] = []
    rng = random.Random()
    rand = rng.random
    for c, account, lives in _lives_in_history(company, rng, f"{seed}:{{}}:tickets", last):
        offset = _UTC_OFFSET[account.region]
        for life, health in lives:
            terms = life.terms
            begin = terms[0][0]
            stop = min(terms[-1][1], last) + 1
            first_seats = terms[0][3]
            rate = _TICKET_RATE * rng.uniform(0.65, 1.35) * min(2.5, max(0.6, (first_seats / 12) ** 0.35))
            per_day = rate * _TICKET_MAX / 30.4375
            support_trouble = life.churn_reason == "Poor support experience"
            t = float(begin)
            j = 0
            while True:
                t += rng.expovariate(per_day)
                if t >= stop:
                    break
                day = int(t)
                # thinning: accept the candidate with probability multiplier / _TICKET_MAX (bounds checked first)
                limit = rand() * _TICKET_MAX / (0.25 if (day + 3) % 7 >= 5 else 1.0)
                onboarding = health.onboarding(day)
                if limit >= 2.2 * 1.5 * (1 + onboarding):
                    continue
                while terms[j][1] < day:
                    j += 1
                struggle = health.struggle(day)
                if support_trouble and day > health.end - health.decline_days:
                    struggle = min(1.0, struggle + 0.3)
                if limit >= (1 + 1.2 * struggle) * (1 + onboarding) * min(1.5, (terms[j][3] / first_seats) ** 0.3):
                    continue
                local_hour = rng.triangular(7.5, 19.0, 11.0)
                at = day * 86_400 + int((local_hour + offset) % 24 * 3600)
                u = rand()
                if u < 0.24 - 0.10 * struggle:
                    priority = 0
                elif u < 0.80 - 0.15 * struggle:
                    priority = 1
                elif u < 0.955 - 0.05 * struggle:
                    priority = 2
                else:
                    priority = 3
                escalated = rand() < _ESCALATE[priority] * (1 + struggle)
                hours = rng.lognormvariate(math.log(_RESOLVE_HOURS[priority] * (1 + 0.5 * struggle)), 1.0)
                if escalated:
                    hours *= rng.uniform(2.0, 4.0)
                done = at + max(300, round(hours * 3600))
                answered = rand() < _CSAT_ANSWERED
                mood = 3.2 + 1.3 * health.sentiment(day) - 0.8 * escalated - 0.4 * (hours > 48) - 0.4 * (hours > 168)
                score = min(5, max(1, round(mood + rng.gauss(0.0, 0.8))))
                subject = _ticket_subject(rng, onboarding, struggle, bool(terms[j][4] & 2))
                cust.append(c)
                created.append(at)
                priority_out.append(priority)
                escalated_out.append(escalated)
                subject_out.append(subject)
                if done >= end_second:
                    resolved.append(None)
                    status_out.append(0)
                    csat_out.append(None)
                else:
                    resolved.append(done)
                    status_out.append(1 if done >= end_second - SOLVED_DAYS * 86_400 else 2)
                    csat_out.append(score if answered else None)
    micro = 1_000_000
    frame = pl.DataFrame(
        {
            "cust": pl.Series(cust, dtype=pl.Int32),
            "created_at": pl.Series([v * micro for v in created], dtype=pl.Int64).cast(pl.Datetime("us")),
            "resolved_at": pl.Series([None if v is None else v * micro for v in resolved], dtype=pl.Int64).cast(
                pl.Datetime("us")
            ),
            "priority": pl.Series(priority_out, dtype=pl.Int8),
            "escalated": pl.Series(escalated_out, dtype=pl.Boolean),
            "status": pl.Series(status_out, dtype=pl.Int8),
            "csat": pl.Series(csat_out, dtype=pl.Int64),
            "subject": pl.Series(subject_out, dtype=pl.String),
        }
    ).sort("created_at", "cust", maintain_order=True)
    return frame.select(
        ticket_id=pl.lit("T") + (pl.int_range(1, pl.len() + 1)).cast(pl.String).str.zfill(6),
        customer_id=_customer_ids(pl.col("cust")),
        created_at=pl.col("created_at"),
        resolved_at=pl.col("resolved_at"),
        priority=pl.col("priority").replace_strict(dict(enumerate(PRIORITIES)), return_dtype=pl.String),
        escalated=pl.col("escalated"),
        status=pl.col("status").replace_strict(dict(enumerate(TICKET_STATUSES)), return_dtype=pl.String),
        csat=pl.col("csat"),
        subject=pl.col("subject"),
    )


def _nps_answer(rng: random.Random, health: float) -> tuple[int, str]:
    """An NPS score (0-10) and its class for an account of this health (0 struggling .. 1 healthy)."""
    u, v = rng.random(), rng.random()
    detractor = 0.05 + 0.80 * (1 - health) ** 1.3
    promoter = 0.03 + 0.72 * health**2
    if u < detractor:
        return 6 - int(7 * v**1.8), "detractor"
    if u < detractor + promoter:
        return (10 if v < 0.45 + 0.2 * health else 9), "promoter"
    return (8 if v < 0.55 else 7), "passive"


def generate_surveys(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """Survey responses of the same company (SURVEY_COLUMNS): NPS twice a year, CSAT after onboarding and twice
    a year.

    Every account billed on the 10th of March and September (and past its first 45 days) is sent an NPS survey
    (1 contact under 10 seats, 2 under 50, else 3; about 45% answer, fewer when it struggles, within about
    two weeks); scores follow its adoption: mostly promoters (9-10) when healthy, mostly detractors (0-6) when
    struggling or declining before a churn. A CSAT (1-5) is asked nine weeks into each new contract (60%
    answer) and on the 10th of June and December (30%). About a third of the answers carry a comment. Only
    answers from billed days within the history are kept; rows are sorted by date and customer. Noise comes
    from a stream per account, ``f"{seed}:{account}:surveys"``.
    """
    company = _company(customers, months, seed, start)
    last = company.last_day
    first = dt.date.fromordinal(company.first_day + _EPOCH)
    campaigns: list[tuple[int, int]] = []  # (day, 0 NPS / 1 CSAT) on the 10th of the campaign months
    for m in range(months):
        y, mo = divmod(first.year * 12 + first.month - 1 + m, 12)
        if mo + 1 in _NPS_MONTHS or mo + 1 in _CSAT_MONTHS:
            campaigns.append((dt.date(y, mo + 1, 10).toordinal() - _EPOCH, 0 if mo + 1 in _NPS_MONTHS else 1))
    cust: list[int] = []
    days: list[int] = []
    kinds: list[int] = []
    scores: list[int] = []
    comments: list[str | None] = []
    rng = random.Random()
    rand = rng.random
    for c, _account, lives in _lives_in_history(company, rng, f"{seed}:{{}}:surveys", last):
        for life, health in lives:
            terms = life.terms
            begin = terms[0][0]
            stop = min(terms[-1][1], last)
            events = [(begin + _ONBOARDING_SURVEY_DAYS, 2)]  # 2: the onboarding CSAT
            events += [(day, kind) for day, kind in campaigns if begin + 45 <= day <= stop]
            events.sort()
            j = 0
            for day, kind in events:
                if day > stop:
                    break
                while terms[j][1] < day:
                    j += 1
                seats = terms[j][3]
                invited = 1 if kind == 2 or seats < 10 else (2 if seats < 50 else 3)
                for _ in range(invited):
                    answers = rand()
                    answered_on = day + min(20, int(rng.expovariate(1 / 3)))
                    health_now = health.sentiment(answered_on)
                    if kind == 0:
                        score, mood = _nps_answer(rng, health_now)
                        rate = 0.45 * (0.6 + 0.4 * health_now)
                    else:
                        score = min(5, max(1, round(1.6 + 3.3 * health_now + rng.gauss(0.0, 0.7))))
                        mood = "promoter" if score >= 4 else ("passive" if score == 3 else "detractor")
                        rate = 0.6 if kind == 2 else 0.3
                    says, pick = rand(), rand()
                    if answers >= rate or answered_on > stop:
                        continue
                    pool = _COMMENTS[mood]
                    cust.append(c)
                    days.append(answered_on)
                    kinds.append(0 if kind == 0 else 1)
                    scores.append(score)
                    comments.append(pool[int(pick * len(pool))] if says < 0.35 else None)
    frame = pl.DataFrame(
        {
            "cust": pl.Series(cust, dtype=pl.Int32),
            "date": pl.Series(days, dtype=pl.Int32).cast(pl.Date),
            "type": pl.Series(kinds, dtype=pl.Int8),
            "score": pl.Series(scores, dtype=pl.Int64),
            "comment": pl.Series(comments, dtype=pl.String),
        }
    ).sort("date", "cust", maintain_order=True)
    return frame.select(
        customer_id=_customer_ids(pl.col("cust")),
        date=pl.col("date"),
        type=pl.col("type").replace_strict({0: "nps", 1: "csat"}, return_dtype=pl.String),
        score=pl.col("score"),
        comment=pl.col("comment"),
    )


# --- the CS team, the cost ledger, the value-path milestones and the as-is inventory of the same company -----

MOVEMENTS = ("new", "reactivation", "expansion", "price_uplift", "upsell", "contraction", "price_erosion", "churn")


@dataclass(frozen=True)
class _Bridge:
    """The company's monthly revenue bridge (DESIGN.md §4) over the history and the _LOOKAHEAD months after it,
    in dollars of MRR: ``mrr[m]`` at the end of month m (0 = the start month), ``moves[name][m]`` signed as in
    the bridge (churn, contraction and price erosion negative)."""

    mrr: list[float]
    moves: dict[str, list[float]]


@functools.lru_cache(maxsize=1)
def _bridge(customers: int, months: int, seed: int, start: str) -> _Bridge:
    """Monthly MRR and bridge movements (DESIGN.md §4) from what the accounts are contracted for, in plain Python.

    Each month's MRR is a snapshot on its last day of every account's service (its whole terms, weeks at 52/12,
    the prorated signups and mid-term changes, service credits and discount lines); per (product, plan) the
    rates are netted, a plan held when its net is positive and at least 1% of its gross, a credit of its own
    (a discount line) reducing the account's total; a plan change of the product kept is expansion or
    contraction. The simulation runs _LOOKAHEAD months longer than the history and is prefix-stable, so month
    m's figures are the same for every history long enough to hold it: a cost ledger built on them is too.
    """
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    span = months + _LOOKAHEAD
    _, accounts = _simulate(customers, span, seed, start)
    y0, mo0 = parse_start(start)
    ends = [dt.date(y0 + (mo0 + m) // 12, (mo0 + m) % 12 + 1, 1).toordinal() - _EPOCH - 1 for m in range(span)]
    mrr = [0.0] * span
    moves = {name: [0.0] * span for name in MOVEMENTS}
    new, react, churn = moves["new"], moves["reactivation"], moves["churn"]
    expansion, uplift, upsell = moves["expansion"], moves["price_uplift"], moves["upsell"]
    contraction, erosion = moves["contraction"], moves["price_erosion"]
    line = {code: (0 if PRODUCTS[code].core else code) if code < len(PRODUCTS) else -1 for code in range(len(_ITEMS))}

    for account in accounts:
        # per month: item -> [gross of positive rates, sum of rates, quantity]
        at: dict[int, dict[int, list[float]]] = {}
        for day0, day1, item, qty, rate in account.service:
            for m in range(bisect.bisect_left(ends, day0), bisect.bisect_right(ends, day1)):
                cell = at.setdefault(m, {}).setdefault(item, [0.0, 0.0, 0])
                cell[0] += max(rate, 0.0)
                cell[1] += rate
                cell[2] += qty if rate > 0 else -qty
        seen = False
        c0, credit0 = 0.0, 0.0
        held0: dict[int, tuple[float, float, int]] = {}  # product line -> (MRR, quantity, plan)
        for m in range(min(at, default=span), span):
            held1: dict[int, tuple[float, float, int]] = {}
            credit1 = 0.0
            for item, (gross, rates, seats) in at.get(m, {}).items():
                net = round(rates) / 100
                if gross <= 0:
                    credit1 += net
                elif net > 0 and net >= 0.01 * gross / 100:
                    value, quantity, _ = held1.get(line[item], (0.0, 0.0, item))
                    held1[line[item]] = (value + net, quantity + seats, item)
            c1 = max(0.0, sum(v for v, _, _ in held1.values()) + credit1)
            mrr[m] += c1
            if c0 <= 0 < c1:
                if seen:
                    react[m] += c1
                else:
                    new[m] += c1
            elif c1 <= 0 < c0:
                churn[m] -= c0
            elif c0 > 0:
                for product in held0.keys() | held1.keys():
                    a, q0, plan0 = held0.get(product, (0.0, 0.0, -1))
                    b, q1, plan1 = held1.get(product, (0.0, 0.0, -1))
                    if a <= 0 < b:
                        upsell[m] += b
                    elif b <= 0 < a:
                        contraction[m] -= a
                    elif plan0 != plan1:
                        if b > a:
                            expansion[m] += b - a
                        else:
                            contraction[m] += b - a
                    else:
                        price = (b / q1 - a / q0) * q0 if q0 > 0 and q1 > 0 else 0.0
                        volume = (b - a) - price
                        if volume > 0:
                            expansion[m] += volume
                        else:
                            contraction[m] += volume
                        if price > 0:
                            uplift[m] += price
                        else:
                            erosion[m] += price
                if credit1 > credit0:
                    uplift[m] += credit1 - credit0
                else:
                    erosion[m] += credit1 - credit0
            seen = seen or c1 > 0
            c0, credit0, held0 = c1, credit1, held1
    return _Bridge(mrr, moves)


TEAM_COLUMNS = ("name", "role", "level", "fte", "loaded_cost", "expertise", "passion", "accounts")
TEAM_ROLES = (
    "VP Customer Success",
    "CS Manager",
    "CSM",
    "Onboarding Specialist",
    "Support Engineer",
    "Solutions Engineer",
)
LEVELS = ("junior", "mid", "senior")
# annual fully loaded cost of one full-time person (salary, bonus, taxes, benefits), in USD, by role and level
_LOADED_COST: dict[str, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    "VP Customer Success": ((220_000, 235_000), (225_000, 245_000), (230_000, 265_000)),
    "CS Manager": ((145_000, 155_000), (150_000, 168_000), (162_000, 185_000)),
    "CSM": ((95_000, 107_000), (107_000, 123_000), (123_000, 140_000)),
    "Onboarding Specialist": ((72_000, 82_000), (82_000, 92_000), (92_000, 102_000)),
    "Support Engineer": ((70_000, 77_000), (77_000, 86_000), (86_000, 95_000)),
    "Solutions Engineer": ((118_000, 132_000), (132_000, 150_000), (150_000, 170_000)),
}
_SKILLS: dict[str, tuple[str, ...]] = {
    "VP Customer Success": ("strategy", "renewals", "enterprise", "forecasting", "hiring", "executive reviews"),
    "CS Manager": ("coaching", "renewals", "escalations", "analytics", "playbooks", "forecasting"),
    "CSM": (
        "onboarding",
        "analytics",
        "integrations",
        "renewals",
        "training",
        "expansion",
        "executive reviews",
        "healthcare",
        "financial services",
        "retail",
    ),
    "Onboarding Specialist": ("onboarding", "training", "integrations", "data migration", "sso", "project management"),
    "Support Engineer": ("troubleshooting", "api", "integrations", "sso", "billing", "reporting"),
    "Solutions Engineer": ("integrations", "api", "architecture", "security reviews", "analytics", "data migration"),
}
_SEGMENT_SKILLS = {"Enterprise": "enterprise", "Mid-Market": "mid-market", "SMB": "smb"}
_PEOPLE_FIRST = (
    "Sofia",
    "Daniel",
    "Mei",
    "Omar",
    "Hannah",
    "Carlos",
    "Ingrid",
    "Kwame",
    "Elena",
    "Ravi",
    "Chloe",
    "Mateo",
    "Yuki",
    "Noah",
    "Fatima",
    "Erik",
    "Grace",
    "Diego",
    "Leila",
    "Samuel",
    "Anna",
    "Jonas",
    "Zara",
    "Marcus",
    "Nadia",
    "Felix",
    "Amara",
    "Oliver",
    "Rosa",
    "Hiro",
)
_PEOPLE_LAST = (
    "Garcia",
    "Schmidt",
    "Nguyen",
    "Haddad",
    "Johansson",
    "Mensah",
    "Rossi",
    "Kowalski",
    "Patel",
    "Dubois",
    "Kim",
    "Silva",
    "Murphy",
    "Tanaka",
    "Andersen",
    "Costa",
    "Ibrahim",
    "Fischer",
    "Walsh",
    "Moreau",
    "Yilmaz",
    "Brennan",
    "Varga",
    "Lindqvist",
    "Adeyemi",
    "Castillo",
    "Petrov",
    "Sato",
    "Evans",
    "Keller",
)


_PART_TIME = {("Solutions Engineer", 0): 0.5, ("Onboarding Specialist", 1): 0.5}  # (role, k-th of it): fte


def _headcount(customers: int, csms: int) -> dict[str, int]:
    """People per role besides the CSMs: support, onboarding and solutions scale with the accounts, managers
    with the people they lead (about one for nine)."""
    support = max(1, round(customers / 140))
    onboarding = max(1, round(customers / 220))
    solutions = max(1, round(customers / 500))
    managers = max(1, round((csms + support + onboarding + solutions) / 9))
    return {
        "VP Customer Success": 1,
        "CS Manager": managers,
        "Onboarding Specialist": onboarding,
        "Support Engineer": support,
        "Solutions Engineer": solutions,
    }


def generate_team(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """The CS team roster (TEAM_COLUMNS) as of the end of the history, consistent with the CRM accounts.

    The CSMs are the ones named in generate_customers' ``csm`` column (Enterprise ones senior, SMB ones junior
    or mid), each with ``accounts`` = the number of its accounts not churned at the end of the history, plus one
    junior CSM hired lately with 0 accounts. Around them: a VP Customer Success, CS managers (about one per nine
    people), onboarding specialists (one per ~220 accounts), support engineers (one per ~140) and solutions
    engineers (one per ~500, the first shared half-time with Sales); ``accounts`` is null for them. The default
    company has 13 people. ``fte`` is 1.0 except a few part-timers (0.5: the first solutions engineer, the second
    onboarding specialist); ``loaded_cost`` is what the person costs a year, fully loaded, in USD (salary, bonus,
    taxes, benefits; a part-timer fte x the full-time cost), full-time: CSMs 95k-140k by level, support engineers
    70k-95k, the VP 220k+ (_LOADED_COST). ``expertise`` lists skills separated by ";"; ``passion`` is 1-5. Noise
    comes from its own stream, ``f"{seed}:team"``. Apart from ``accounts`` the roster does not depend on
    ``months`` (as long as the same CSMs appear in the CRM; a CSM whose accounts all churned keeps 0 accounts).
    """
    crm = generate_customers(customers, months, seed, start)
    owned = crm.filter(pl.col("churn_reason").is_null())["csm"].value_counts()
    counts = dict(zip(owned["csm"].to_list(), owned["count"].to_list(), strict=True))
    named = set(crm["csm"].to_list())
    csms = [(segment, name) for segment, names in CSMS.items() for name in names if name in named]
    heads = _headcount(customers, len(csms) + 1)
    rng = random.Random(f"{seed}:team")
    space = len(_PEOPLE_FIRST) * len(_PEOPLE_LAST)
    offset = rng.randrange(space)
    rows: list[tuple[str, str, int, float, str, float, int, int | None]] = []

    def person(role: str, level: int, fte: float, extra: str | None, accounts: int | None, name: str = "") -> None:
        fresh = not name and role == "CSM"  # the new hire
        if not name:  # a made-up name, unique: steps of 7 through the first x last names (7 is coprime with 900)
            k = len(rows)
            j = (k * 7 + offset) % space
            first, last = j % len(_PEOPLE_FIRST), j // len(_PEOPLE_FIRST)
            name = f"{_PEOPLE_FIRST[first]} {_PEOPLE_LAST[(last + 13 * first) % len(_PEOPLE_LAST)]}"
            name = name if k < space else f"{name} {k // space + 1}"
        low, high = _LOADED_COST[role][level]
        cost = round(rng.uniform(low, high) * fte / 500) * 500.0  # what the person costs: part-timers less
        pool = _SKILLS[role]
        picked = set(rng.sample(pool, rng.randint(3, 5)))
        skills = ([extra] if extra else []) + [s for s in pool if s in picked and s != extra]
        passion = min(5, max(1, round(rng.gauss(4.6 if fresh else 3.6, 0.9))))
        rows.append((name, role, level, fte, ";".join(skills), cost, passion, accounts))

    person("VP Customer Success", 2, 1.0, None, None)
    for _ in range(heads["CS Manager"]):
        person("CS Manager", 2 if rng.random() < 0.6 else 1, 1.0, None, None)
    for segment, name in csms:
        level = {"Enterprise": 2, "Mid-Market": 1, "SMB": 0}[segment] + (rng.random() < 0.4) * (segment != "Enterprise")
        person("CSM", level, 1.0, _SEGMENT_SKILLS[segment], counts.get(name, 0), name)
    person("CSM", 0, 1.0, "onboarding", 0)  # the new hire: no book of accounts yet
    for role in ("Onboarding Specialist", "Support Engineer", "Solutions Engineer"):
        for k in range(heads[role]):
            fte = _PART_TIME.get((role, k), 1.0)
            u = rng.random()
            person(role, 0 if u < 0.3 else (1 if u < 0.8 else 2), fte, None, None)
    return pl.DataFrame(
        rows,
        schema={
            "name": pl.String,
            "role": pl.String,
            "level": pl.Int8,
            "fte": pl.Float64,
            "expertise": pl.String,
            "loaded_cost": pl.Float64,
            "passion": pl.Int64,
            "accounts": pl.Int64,
        },
        orient="row",
    ).select(
        "name",
        "role",
        pl.col("level").replace_strict(dict(enumerate(LEVELS)), return_dtype=pl.String),
        "fte",
        "loaded_cost",
        "expertise",
        "passion",
        "accounts",
    )


COST_COLUMNS = ("period", "category", "amount", "note")
COST_CATEGORIES = ("acquisition", "retention", "expansion", "upsell")
# the seed deck's ratios: $1.00 of acquisition spend gets $1.15 of new ARR; $0.12 of retention spend keeps $1.00
# of ARR; expansion costs 2x and upsell 4x that per $1.00 of ARR they bring
CAC_RATIO = 1 / 1.15
CRC = 0.12
COST_MULTIPLIERS = {"retention": 1.0, "expansion": 2.0, "upsell": 4.0}
_COST_NOISE = 0.15  # each ledger line varies +-15% around its calibrated level
# ledger lines per category: (note, share of the category's level, whether it follows the month's own bookings
# (commissions) rather than the smoothed level (budgets, salaries))
_COST_LINES: dict[str, tuple[tuple[str, float, bool], ...]] = {
    "acquisition": (
        ("Marketing programs and events", 0.40, False),
        ("Sales and SDR salaries (allocated)", 0.35, False),
        ("Sales commissions on new bookings", 0.25, True),
    ),
    "retention": (
        ("CSM and support time on renewals (allocated)", 0.70, False),
        ("CS tooling and health monitoring", 0.20, False),
        ("Customer training and community", 0.10, False),
    ),
    "expansion": (
        ("CSM time on seat growth (allocated)", 0.50, False),
        ("Account management commissions", 0.50, True),
    ),
    "upsell": (
        ("Add-on campaigns and solutions engineering", 0.50, False),
        ("Add-on sales commissions", 0.50, True),
    ),
}


def _month_text(start: str, m: int) -> str:
    y0, mo0 = parse_start(start)
    y, mo = divmod(y0 * 12 + mo0 - 1 + m, 12)
    return f"{y:04d}-{mo + 1:02d}"


def generate_costs(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """The CS/GTM cost ledger of the same company (COST_COLUMNS): a few lines per category and month.

    Calibrated to the seed deck (CAC_RATIO, CRC, COST_MULTIPLIERS) against the company's own revenue bridge
    (DESIGN.md §4, computed from its billing by _bridge): per month m, in ARR (12 x MRR movements),

    - acquisition = (new + reactivation ARR) / 1.15, so the CAC ratio is about 0.87 ("$1.00 to get $1.15");
    - retention = 0.12 x the MRR kept in m (the book at its start, MRR(m - 1), less the MRR lost in m to churn,
      contraction and price erosion, smoothed over nine months): summed over a window, 0.12 x the ARR kept month
      by month × months / 12, so CRC is about 0.12 for any window;
    - expansion = 2 x 0.12 x (expansion + price uplift ARR); upsell = 4 x 0.12 x upsell ARR.

    Budget lines (marketing, salaries, tooling) follow the movements smoothed over three months (1/4, 1/2, 1/4);
    commission lines follow the month's own bookings. Each line varies +-15% around its level (uniform, from the
    stream ``f"{seed}:costs:{m}"``), amounts are whole cents and positive (a line with nothing to pay is left
    out). The first month's MRR is the opening book, not new business: months before the second count as the
    second. Every month of the history has lines; rows are sorted by period and category. Month m only looks
    at the bridge up to m + 4 (within the _LOOKAHEAD months simulated past the history), so the ledger is
    prefix-stable: a longer history restricted to the first N months equals the N-month ledger.
    """
    bridge = _bridge(customers, months, seed, start)
    moves, mrr = bridge.moves, bridge.mrr
    last = len(mrr) - 1

    def at(series: list[float], t: int) -> float:
        return series[min(max(t, 1), last)]

    def smooth(series: list[float], m: int, half: int = 1) -> float:
        """A centred triangular moving average over m - half .. m + half."""
        weights = [half + 1 - abs(k) for k in range(-half, half + 1)]
        return sum(w * at(series, m + k) for w, k in zip(weights, range(-half, half + 1), strict=True)) / sum(weights)

    span = range(len(mrr))
    bookings = {
        "acquisition": [12 * (moves["new"][t] + moves["reactivation"][t]) * CAC_RATIO for t in span],
        "expansion": [
            12 * (moves["expansion"][t] + moves["price_uplift"][t]) * CRC * COST_MULTIPLIERS["expansion"] for t in span
        ],
        "upsell": [12 * moves["upsell"][t] * CRC * COST_MULTIPLIERS["upsell"] for t in span],
    }
    lost = [12 * (moves["churn"][t] + moves["contraction"][t] + moves["price_erosion"][t]) for t in span]  # < 0
    periods: list[str] = []
    categories: list[str] = []
    amounts: list[float] = []
    notes: list[str] = []
    rng = random.Random()
    for m in range(months):
        rng.seed(f"{seed}:costs:{m}")
        # the MRR kept this month (the book at its start less what it lost): CRC's basis, month by month
        kept = at(mrr, m - 1) + smooth(lost, m, 4) / 12
        level = {"retention": CRC * COST_MULTIPLIERS["retention"] * max(0.0, kept)}
        for category, series in bookings.items():
            level[category] = smooth(series, m)
        month = _month_text(start, m)
        for category in COST_CATEGORIES:
            for note, share, own_month in _COST_LINES[category]:
                base = share * (at(bookings[category], m) if own_month else level[category])
                cents = round(base * (1 + _COST_NOISE * (2 * rng.random() - 1)) * 100)
                if cents > 0:
                    periods.append(month)
                    categories.append(category)
                    amounts.append(cents / 100)
                    notes.append(note)
    return pl.DataFrame(
        {"period": periods, "category": categories, "amount": amounts, "note": notes},
        schema={"period": pl.String, "category": pl.String, "amount": pl.Float64, "note": pl.String},
    )


MILESTONE_COLUMNS = ("customer_id", "milestone", "date")
# the value path: each milestone and the week of the contract it is expected in (achievement: from week 12)
VALUE_PATH: tuple[tuple[str, int], ...] = (
    ("kickoff", 0),
    ("technical setup", 1),
    ("oriented", 2),
    ("active", 4),
    ("progress", 6),
    ("initial value", 8),
    ("full speed", 10),
    ("achievement", 12),
    ("renewal", 52),
)
ONBOARDING_FAILED = "onboarding failed"
_ACTIVE = 3  # index of "active" (go-live) in VALUE_PATH
_ACHIEVEMENT = 7
_RENEWAL = 8
# per adoption tier (healthy, middling, struggling): pace factor range, chance of a stall, chance of reaching
# "full speed" and "achievement", weeks to "achievement"
_PACE = ((0.85, 1.15), (1.0, 1.4), (1.2, 1.9))
_STALL = (0.03, 0.10, 0.35)
_REACH = ((0.97, 0.85), (0.80, 0.50), (0.30, 0.10))
_ACHIEVEMENT_WEEKS = ((12.0, 30.0), (18.0, 45.0), (30.0, 60.0))
_STALL_AFTER = (1, 2, 2, 2, 3, 4)  # the milestone a stall follows: mostly "oriented"
# failed onboardings: the chance when the contract ends within _FAIL_HORIZON days of its start, by tier, and
# otherwise
_FAIL_IF_CHURN = (0.40, 0.65, 0.85)
_FAIL_OTHERWISE = (0.0, 0.012, 0.05)
_FAIL_HORIZON = 150  # days from the start; the _LOOKAHEAD months decide every churn up to ~180 days after the history


def _tier(base: float) -> int:
    return 0 if base >= _TIERS[0][1] else (1 if base >= _TIERS[1][1] else 2)


def generate_milestones(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """The value-path milestones each contract reached (MILESTONE_COLUMNS), as a CS platform would log them.

    Every contract life (a first purchase or a reactivation) starts with "kickoff" on its first billed day and
    goes along VALUE_PATH at a pace set by its adoption tier (see _Health; its onboarding ramp too): healthy
    accounts go live ("active") around week 4, middling ones a little later, struggling ones weeks late and
    many never reach "full speed" or "achievement". Some stall: after a milestone (mostly "oriented") nothing
    happens for two to eight months, or ever (a third of the struggling lives). About 3-5% get "onboarding
    failed" 8-16 weeks in (after the milestones they reached); most of them churn within a year. "renewal" is
    the start of the term twelve months into the contract, only when there is one (the contract renewed).
    Progress past "oriented" stops when the decline before a churn begins; nothing falls after the contract's
    last billed day or after the history. Rows are sorted by date and customer (and along the path). Noise
    comes from a stream per account, ``f"{seed}:{account}:milestones"``, a fixed number of draws per life; a
    failure depends on whether the contract ends within _FAIL_HORIZON days of its start, which the _LOOKAHEAD
    months decide, so the table is prefix-stable like usage.
    """
    company = _company(customers, months, seed, start)
    last = company.last_day
    cust: list[int] = []
    days: list[int] = []
    steps: list[int] = []  # index in VALUE_PATH, len(VALUE_PATH) for "onboarding failed"
    rng = random.Random()
    rand, uniform = rng.random, rng.uniform
    for c, _account, lives in _lives_in_history(company, rng, f"{seed}:{{}}:milestones", last):
        for life, health in lives:
            begin = life.terms[0][0]
            tier = _tier(health.base)
            churned = life.churn_reason is not None
            end = min(life.terms[-1][1], last)  # the last billed day (when churned) or beyond the history
            progress_until = health.end - health.decline_days if churned else end
            # draws: always the same number per life
            pace = uniform(*_PACE[tier]) * health.ramp_days / 56
            jitter = [rng.gauss(0.0, 0.12) for _ in range(_ACHIEVEMENT)]
            achievement_weeks = uniform(*_ACHIEVEMENT_WEEKS[tier])
            reach_full, reach_achievement = rand(), rand()
            stall, stall_pick, stall_days, resume = rand(), rand(), uniform(60.0, 240.0), rand()
            fail, fail_weeks = rand(), uniform(8.0, 16.0)
            # planned days along the path
            planned: list[int] = [begin]
            for k in range(1, _ACHIEVEMENT + 1):
                weeks = achievement_weeks if k == _ACHIEVEMENT else VALUE_PATH[k][1] * pace * math.exp(jitter[k - 1])
                planned.append(max(planned[-1] + 1, begin + round(7 * weeks)))
            reached = _ACHIEVEMENT + 1
            if reach_achievement >= _REACH[tier][1]:
                reached = _ACHIEVEMENT
            if reach_full >= _REACH[tier][0]:
                reached = _ACHIEVEMENT - 1
            if stall < _STALL[tier]:
                after = _STALL_AFTER[int(stall_pick * len(_STALL_AFTER))]
                if resume < 0.5:
                    reached = min(reached, after + 1)
                else:
                    shift = round(stall_days)
                    planned = planned[: after + 1] + [d + shift for d in planned[after + 1 :]]
            # a failed onboarding: mostly contracts that end within _FAIL_HORIZON days of their start
            early_churn = churned and health.end <= begin + _FAIL_HORIZON
            chance = _FAIL_IF_CHURN[tier] if early_churn else _FAIL_OTHERWISE[tier]
            failed = fail < chance
            failed_on = min(begin + round(7 * fail_weeks), health.end) if churned else begin + round(7 * fail_weeks)
            if failed:
                reached = min(reached, _ACTIVE if fail < 0.7 * chance else _ACTIVE + 1)
            # the renewal: the term starting twelve months into the contract, when it was bought
            renewal = next((t[0] for t in life.terms if t[0] >= begin + 360), None)
            before = end + 1 if renewal is None else min(end + 1, renewal)
            rows: list[tuple[int, int]] = []
            for k in range(reached):
                day = planned[k]
                if day >= before or (k > 2 and day > progress_until) or (failed and day >= failed_on):
                    break
                rows.append((day, k))
            if failed and failed_on < before:
                rows.append((failed_on, len(VALUE_PATH)))
            if renewal is not None and renewal <= end:
                rows.append((renewal, _RENEWAL))
            for day, k in rows:
                cust.append(c)
                days.append(day)
                steps.append(k)
    names = dict(enumerate([name for name, _ in VALUE_PATH] + [ONBOARDING_FAILED]))
    frame = pl.DataFrame(
        {
            "cust": pl.Series(cust, dtype=pl.Int32),
            "date": pl.Series(days, dtype=pl.Int32).cast(pl.Date),
            "step": pl.Series(steps, dtype=pl.Int8),
        }
    ).sort("date", "cust", maintain_order=True)
    return frame.select(
        customer_id=_customer_ids(pl.col("cust")),
        milestone=pl.col("step").replace_strict(names, return_dtype=pl.String),
        date=pl.col("date"),
    )


ACTION_COLUMNS = ("customer_id", "play", "date", "status")
_RENEWAL_DONE = (0.9, 0.7, 0.45)  # by adoption tier: the renewal play done ~90 days before an annual term ends
_RESCUE_DONE = (0.8, 0.6, 0.5)  # a rescue play once the decline before a churn is two weeks old


def generate_actions(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """The CS team's activity log (ACTION_COLUMNS): the plays run on each account, as a CS platform exports them.

    The "renewal play" is due 90 days before each annual term ends: done (status "done", within two weeks either
    side of the due day) more often for healthier accounts, else logged "open" on its due day. The "rescue play"
    follows the decline before a churn by two weeks, done or "open" likewise. Only rows on or before the history's
    last day. A stream per account, ``f"{seed}:{account}:actions"``, with a fixed number of draws per life and per
    term, so the log is prefix-stable like the milestones.
    """
    company = _company(customers, months, seed, start)
    last = company.last_day
    cust: list[int] = []
    plays: list[int] = []  # 0 renewal play, 1 rescue play
    days: list[int] = []
    done: list[bool] = []
    rng = random.Random()
    rand, uniform = rng.random, rng.uniform
    for c, _account, lives in _lives_in_history(company, rng, f"{seed}:{{}}:actions", last):
        for life, health in lives:
            tier = _tier(health.base)
            rescued, rescue_shift = rand(), uniform(0.0, 10.0)  # draws: always these two per life first
            if life.churn_reason is not None:
                day = round(health.end - health.decline_days + 14 + rescue_shift)
                if health.start < day <= last:
                    cust.append(c)
                    plays.append(1)
                    days.append(day)
                    done.append(rescued < _RESCUE_DONE[tier])
            for term in life.terms:
                did, shift = rand(), uniform(-14.0, 14.0)  # two draws per term, in term order
                if term[1] - term[0] < 300:
                    continue
                due = term[1] + 1 - 90
                day = round(due + shift) if did < _RENEWAL_DONE[tier] else due
                if term[0] < day <= last:
                    cust.append(c)
                    plays.append(0)
                    days.append(day)
                    done.append(did < _RENEWAL_DONE[tier])
    frame = pl.DataFrame(
        {
            "cust": pl.Series(cust, dtype=pl.Int32),
            "play": pl.Series(plays, dtype=pl.Int8),
            "date": pl.Series(days, dtype=pl.Int32).cast(pl.Date),
            "done": pl.Series(done, dtype=pl.Boolean),
        }
    ).sort("date", "cust", "play", maintain_order=True)
    return frame.select(
        customer_id=_customer_ids(pl.col("cust")),
        play=pl.col("play").replace_strict({0: "renewal play", 1: "rescue play"}, return_dtype=pl.String),
        date=pl.col("date"),
        status=pl.when(pl.col("done")).then(pl.lit("done")).otherwise(pl.lit("open")),
    )


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
    arr = 12 * _bridge(customers, months, seed, start).mrr[months - 1]
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


def workspace_yaml(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
    files: list[str] | None = None,
    style: str = "canonical",
) -> str:
    """csctl.yaml for the sample's folder: its exports (``files``, e.g. "billing.csv"; every table by default),
    the as-is inventory, and ``billing.history_starts``: the sample's billing history begins in its first month,
    so the export is whole (customers first billed then are new; no month is incomplete)."""
    parse_start(start)
    names = files if files is not None else [f"{table}.csv" for table in _WORKSPACE_TABLES]
    exported = export_day(months, start)
    lines = [
        "# csctl workspace of a synthetic company, written by csctl sample",
        f"# (seed {seed}, {customers:,} accounts, {months} months from {start}). Paths are relative to this file:",
        "#   csctl report -c csctl.yaml -o report/",
        f"# The sample's billing history begins in {start}: billing.csv holds the whole history from then, so",
        "# billing.history_starts says so (customers first billed then are new, and no month is incomplete).",
        f"# billing.csv was exported on {exported.isoformat()}: {exported.strftime('%Y-%m')} is a month in progress.",
        f'company: "Sample SaaS company (synthetic, seed {seed})"',
        "currency: USD",
        f"gross_margin: {GROSS_MARGIN}",
        "",
        "billing:",
        f'  history_starts: "{start}"   # the sample\'s billing history begins then',
        "",
        "exports:",
    ]
    for name in names:
        table = name.rsplit(".", 1)[0]
        if table == "billing" and style == "stripe":
            lines.append(f"  {table}: {{path: {name}, preset: stripe}}")
        else:
            lines.append(f"  {table}: {name}")
    lines += ["", "rules:", "  inventory: asis.yaml"]
    return "\n".join(lines) + "\n"


_WORKSPACE_TABLES = (
    "billing",
    "customers",
    "usage",
    "tickets",
    "surveys",
    "team",
    "costs",
    "milestones",
    "contacts",
    "outcomes",
    "actions",
)


# --- the CRM contacts and the customers' success outcomes of the same company ------------------------------

CONTACT_COLUMNS = ("customer_id", "name", "email", "title", "role", "last_activity", "is_primary")
OUTCOME_COLUMNS = (
    "customer_id",
    "outcome",
    "kpi",
    "baseline",
    "target",
    "actual",
    "measured_at",
    "recognised_by_customer",
)
# Job titles by the persona the default configs/personas.yaml gives them (first match in its order: 'Director
# of Operations' is an economic decision maker, not an administrator; 'IT Manager' a champion). Some in French.
# Titles the rules could read either way ("Chief Financial Officer", "Product Owner") are left out.
CONTACT_TITLES: dict[str, tuple[str, ...]] = {
    "economic decision maker": (
        "VP Operations",
        "VP of Sales",
        "Vice President, Customer Experience",
        "SVP Revenue",
        "Director of Finance",
        "Finance Director",
        "Director of Operations",
        "Head of Procurement",
        "Head of Sales Operations",
        "Head of Customer Success",
        "Finance Manager",
        "Procurement Manager",
        "Directrice Financière",
        "Directeur des Achats",
    ),
    "executive sponsor": (
        "CEO",
        "CFO",
        "Chief Executive Officer",
        "Chief Operating Officer",
        "COO",
        "CTO",
        "CIO",
        "Chief Revenue Officer",
        "Chief Digital Officer",
        "President",
        "Président",
        "Co-Founder",
        "Founder & CEO",
        "Owner",
        "General Manager",
    ),
    "champion": (
        "Customer Success Lead",
        "Analytics Manager",
        "IT Manager",
        "Sales Manager",
        "Marketing Manager",
        "RevOps Manager",
        "Operations Manager",
        "Project Manager",
        "BI Team Lead",
        "Office Manager",
        "Manager Contrôle de Gestion",
    ),
    "administrator": (
        "Salesforce Administrator",
        "System Administrator",
        "IT Administrator",
        "Systems Engineer",
        "Solutions Architect",
        "Data Engineer",
        "DevOps Engineer",
        "Sales Operations Specialist",
        "Business Systems Analyst",
        "Ingénieur Système",
        "Administrateur Systèmes",
    ),
    "user": (
        "Data Analyst",
        "Account Executive",
        "Sales Representative",
        "Customer Support Agent",
        "Business Analyst",
        "Marketing Specialist",
        "Accountant",
        "Executive Assistant",
        "Consultant",
        "Coordinator",
        "Chargée de Clientèle",
        "Analyste Données",
    ),
}
_EDM, _SPONSOR, _CHAMPION, _ADMIN, _USER = range(5)
_DECIDERS = (_EDM, _SPONSOR)
# CRM buying roles (Salesforce contact roles) a persona may carry; none of them changes the persona it gets under
# the default rules, except "Champion" on an administrator or a user (champion comes first) and "Economic Buyer"
# (\bbuyer\b) on a sponsor, who stays a decision maker
_CONTACT_ROLES = (
    ("Decision Maker", "Economic Buyer", "Executive Sponsor"),
    ("Decision Maker", "Economic Buyer", "Executive Sponsor"),
    ("Champion", "Champion", "Influencer"),
    ("Evaluator", "Influencer"),
    ("Business User", "Influencer", "Champion"),
)
_ROLE_SHARE = (0.35, 0.30, 0.30, 0.12, 0.10)  # share of each persona's contacts with a buying role
_ACTIVITY_RATE = (1 / 40, 1 / 80, 1 / 8, 1 / 18, 1 / 45)  # logged activities a day, fully engaged, by persona
_EXTRA_MIX = (0.13, 0.07, 0.15, 0.25, 0.40)  # persona of the contacts beyond the decision maker and champion
_SALES_DAYS = 60  # contacts met during the sales cycle are created up to this many days before the first invoice
_GRACE_DAYS = 14  # activity logged after a contract's last billed day (the exit call)
_EMPTY_TITLE = 0.03
_DUPLICATE_CONTACT = 0.02
_CONTACT_FIRST = (
    "Maria",
    "James",
    "Sophie",
    "Ahmed",
    "Laura",
    "Daniel",
    "José",
    "Emma",
    "Lucas",
    "Zoë",
    "Björn",
    "Chloé",
    "Wei",
    "Aisha",
    "François",
    "Søren",
    "Olivia",
    "Mohammed",
    "Anna",
    "Pedro",
    "Ingrid",
    "Kenji",
    "Łukasz",
    "Nora",
    "Ethan",
    "Priya",
    "Hélène",
    "Tomás",
    "Grace",
    "Ruth",
    "Sven",
    "Amelia",
    "Mateus",
    "Yara",
    "Liam",
    "Ines",
    "David",
    "Sara",
    "Raj",
    "Julia",
)
_CONTACT_LAST = (
    "Smith",
    "Müller",
    "García",
    "Martin",
    "Rossi",
    "Nowak",
    "Johnson",
    "Dubois",
    "Jensen",
    "Kowalczyk",
    "Brown",
    "Fernández",
    "Lefèvre",
    "Novak",
    "Schneider",
    "Taylor",
    "Wang",
    "Singh",
    "Okoye",
    "Hansen",
    "Ribeiro",
    "Clarke",
    "Nakamura",
    "Eriksson",
    "Bianchi",
    "Hoffmann",
    "Lopez",
    "O'Brien",
    "Papadopoulos",
    "Wilson",
    "Kaya",
    "Jovanović",
    "Davies",
    "Moreno",
    "Larsen",
    "Thompson",
    "Weber",
    "Ali",
    "Cohen",
    "Fischer",
)
_DOMAIN_ENDINGS = {"GmbH": ".de", "Ltd": ".co.uk", "SA": ".fr", "BV": ".nl"}
_ASCII = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "'": "", "&": "and"})


def _ascii(text: str) -> str:
    """'Łukasz Jovanović' -> 'Lukasz Jovanovic': what an e-mail address keeps of a name."""
    import unicodedata

    return unicodedata.normalize("NFKD", text.translate(_ASCII)).encode("ascii", "ignore").decode("ascii")


def _domain(name: str) -> str:
    """'Acme Analytics GmbH' -> 'acmeanalytics.de'."""
    words = name.split()
    stem = _ascii("".join(words[:2])).lower()
    return stem + _DOMAIN_ENDINGS.get(words[2] if len(words) > 2 else "", ".com")


def _email(first: str, last: str, style: int, domain: str) -> str:
    f, la = _ascii(first).lower(), _ascii(last).lower().replace(" ", "")
    local = (f"{f}.{la}", f"{f[0]}{la}", f"{f}", f"{f}_{la}")[style]
    return f"{local}@{domain}"


@dataclass
class _Contact:
    persona: int
    created: int
    engagement: float
    leave: int  # the day the person leaves the company (or stops answering): no activity from then on
    name: str
    email: str
    title: str | None
    role: str | None
    primary: bool
    duplicate: int | None = None  # day a duplicate record (same e-mail, other case) was created, if any
    duplicate_email: str = ""


def _roster(rng: random.Random, account: _Account, health: list[_Health]) -> list[_Contact]:
    """One account's contacts, from its own stream: nothing here depends on the length of the history."""
    rand, uniform = rng.random, rng.uniform
    first_life = account.lives[0]
    begin = first_life.terms[0][0]
    seats = first_life.terms[0][3]
    n = min(8, max(1, round(0.6 + 0.9 * math.log2(max(seats, 1)) + rng.gauss(0.0, 0.9))))
    decider = rand() < min(0.95, 0.66 + 0.07 * n)
    champion = rand() < min(0.95, 0.72 + 0.08 * n)
    personas: list[int] = []
    if decider:
        personas.append(_EDM if rand() < min(0.85, 0.15 + 0.12 * n) else _SPONSOR)
    if champion:
        personas.append(_CHAMPION)
    if len(personas) > n:  # one contact: the founder or the manager who bought it
        personas = [personas[0] if rand() < 0.5 else personas[1]]
    allowed = [p for p in range(5) if (decider or p not in _DECIDERS) and (champion or p != _CHAMPION)]
    while len(personas) < n:
        personas.append(rng.choices(allowed, [_EXTRA_MIX[p] for p in allowed])[0])
    initial = min(n, max(len([p for p in personas if p in _DECIDERS or p == _CHAMPION]), round(0.6 * n + 0.4)))
    champions = [k for k, p in enumerate(personas) if p == _CHAMPION]
    primary = champions[0] if champions and rand() < 0.75 else 0
    # names: distinct people; one e-mail convention per company
    domain = _domain(account.name)
    style = rng.choices(range(4), (0.6, 0.2, 0.1, 0.1))[0]
    people = rng.sample(range(len(_CONTACT_FIRST) * len(_CONTACT_LAST)), n)
    struggling = 1 - min(1.0, health[0].base / _HEALTHY)
    contacts: list[_Contact] = []
    later = float(begin)
    for k, persona in enumerate(personas):
        first, last = _CONTACT_FIRST[people[k] % len(_CONTACT_FIRST)], _CONTACT_LAST[people[k] // len(_CONTACT_FIRST)]
        if k < initial:
            created = begin - round(uniform(5.0, _SALES_DAYS))
        else:
            later += rng.expovariate(1 / 200)
            created = round(later)
        dormant = rand() < (0.25 if persona == _USER else 0.06) + 0.25 * struggling
        engagement = (0.08 if dormant else min(2.0, rng.lognormvariate(0.0, 0.5))) * (1.25 if k == primary else 1.0)
        leave = created + round(rng.expovariate(1 / 2500))
        pool = list(CONTACT_TITLES.values())[persona]
        u = rand()
        picked = pool[int(rand() * len(pool))]
        title: str | None = picked
        if u < _EMPTY_TITLE:
            title = None
        elif u < _EMPTY_TITLE + 0.03:
            title = picked.upper()
        elif u < _EMPTY_TITLE + 0.05:
            title = picked.lower()
        role: str | None = None
        roles = _CONTACT_ROLES[persona]
        if rand() < _ROLE_SHARE[persona]:
            role = roles[int(rand() * len(roles))]
            if role == "Champion" and not champion:
                role = "Influencer"
        name = f"{first} {last}"
        email = _email(first, last, style, domain)
        if any(e.email == email for e in contacts):  # 'J. Smith' twice: the second gets a digit
            email = email.replace("@", f"{k + 1}@")
        contact = _Contact(persona, created, engagement, leave, name, email, title, role, k == primary)
        if rand() < _DUPLICATE_CONTACT and n < 8:
            contact.duplicate = created + round(uniform(15.0, 200.0))
            local, at = email.split("@")
            contact.duplicate_email = (
                (".".join(w.capitalize() for w in local.split(".")) + "@" + at) if rand() < 0.6 else email.upper()
            )
            if contact.duplicate_email == email:
                contact.duplicate_email = email.upper()
        contacts.append(contact)
    # a champion who left: the contract's decline before a "Champion left" churn starts when they go
    for life, life_health in zip(account.lives, health, strict=True):
        if life.churn_reason == "Champion left":
            gone = round(life_health.end - life_health.decline_days - uniform(0.0, _SENTIMENT_LEAD))
            for contact in contacts:
                if contact.persona == _CHAMPION and contact.created < gone < contact.leave:
                    contact.leave = gone
    return contacts


def _exists(day: int, lives: list[_Life]) -> bool:
    """Whether the account had a CRM relationship on a day: the sales cycle before a contract, or the contract."""
    return any(life.terms[0][0] - _SALES_DAYS <= day <= life.terms[-1][1] for life in lives)


def _last_activity(rng: random.Random, contact: _Contact, lives: list[_Life], health: list[_Health], last: int) -> int:
    """The contact's last logged activity on or before ``last`` (-1 when none): activities arrive at a rate set by
    the persona, the person's engagement and how the account feels (sentiment; more during onboarding and the
    sales cycle), drawn in time order from the contact's own stream, so a longer history only adds later ones."""
    top = _ACTIVITY_RATE[contact.persona] * contact.engagement * 2.5
    seen = -1
    window_start = contact.created
    for k, (life, life_health) in enumerate(zip(lives, health, strict=True)):
        begin, end = life.terms[0][0], life.terms[-1][1]
        a = max(window_start, begin - (_SALES_DAYS if k == 0 else _GRACE_DAYS))
        b = min(end + _GRACE_DAYS, contact.leave - 1, last)  # inclusive
        if a > last or a > contact.leave:
            break
        t = float(a)
        while True:
            t += rng.expovariate(top)
            day = int(t)
            if day > b:
                break
            if day < begin:
                level = 2.0  # the sales cycle (or the win-back)
            elif day > end:
                level = 0.3
            else:
                level = max(0.05, life_health.sentiment(day)) ** 1.5 * (1 + 1.5 * life_health.onboarding(day))
            if rng.random() * 2.5 < level:
                seen = day
        window_start = max(window_start, b + 1)
    return seen


def generate_contacts(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """The CRM contacts of the same company (CONTACT_COLUMNS), as of the end of the history.

    Every account has 1-8 people (more for more seats at signup): with a probability growing with their number
    a decision maker (an economic decision maker, or for small accounts often the founder or CEO) and a champion,
    the rest administrators, users and more managers; titles come from CONTACT_TITLES, which the default
    configs/personas.yaml classifies into each persona (some in French with accents, a few in capitals, about 3%
    empty). ``role`` is mostly empty, sometimes a CRM buying role ("Decision Maker", "Economic Buyer",
    "Champion", "Influencer", ...). One contact per account is primary, mostly the champion. The people met
    during the sales cycle are created before the first invoice, others join over the years (one created after
    the history, or while the account is gone, is not there). last_activity is the last activity
    logged with the person on or before the history's last day (null when none): champions and administrators
    are in touch every week or two, executives rarely; less when the account struggles (its sentiment, see
    _Health) and before a churn; nothing after a contract's last billed day (but a short exit call), after the
    person leaves (people move on, a champion leaves before a "Champion left" churn) or for dormant contacts.
    So some accounts are single-threaded, some renewing accounts have no decision maker or no engaged champion,
    and churned accounts' contacts are stale. Realistic CRM mess: about 1.5% of the people have a duplicate
    record, the same e-mail in another case ("Maria.Lopez@" vs "maria.lopez@"), created later, without
    activity or role, listed after the original.

    The default company has 1,008 rows (15 of them duplicates, 3% without a title). Read by csctl personas with
    the default rules as of its last day: 36% of the active accounts single-threaded (45% of all, the churned
    ones counted), 85% with a decision maker, 84 of the 191 renewals within 90 days at risk (56 without an
    engaged champion, 20 without a decision maker, 8 both).

    Rows are sorted by customer and creation. The people of an account come from its stream
    ``f"{seed}:{account}:contacts"`` and the activity of each from ``f"{seed}:{account}:contacts:{k}"`` in time
    order, so a longer history keeps every contact (adding those created since) and only moves last_activity
    later: one that was on day d <= the end of the shorter history stays d unless there was activity after it.
    """
    company = _company(customers, months, seed, start)
    last = company.last_day
    cust: list[int] = []
    names: list[str] = []
    emails: list[str] = []
    titles: list[str | None] = []
    roles: list[str | None] = []
    activity: list[int | None] = []
    primary: list[bool] = []
    rng = random.Random()
    for c, account in enumerate(company.accounts):
        if not account.lives or account.lives[0].terms[0][0] > last:
            continue
        lives = account.lives
        rng.seed(f"{seed}:{c + 1}:contacts")
        contacts = _roster(rng, account, company.health[c])
        rows: list[tuple[int, int, int]] = []  # (created, k, 0 original / 1 duplicate)
        for k, contact in enumerate(contacts):
            if contact.created <= last and _exists(contact.created, lives):
                rows.append((contact.created, k, 0))
                if contact.duplicate is not None and contact.duplicate <= last and _exists(contact.duplicate, lives):
                    rows.append((contact.duplicate, k, 1))
        seen: dict[int, int] = {}
        for _, k, copy in sorted(rows):
            contact = contacts[k]
            if k not in seen:
                rng.seed(f"{seed}:{c + 1}:contacts:{k}")
                seen[k] = _last_activity(rng, contact, lives, company.health[c], last)
            cust.append(c)
            names.append(contact.name)
            emails.append(contact.duplicate_email if copy else contact.email)
            titles.append(contact.title)
            roles.append(None if copy else contact.role)
            activity.append(None if copy or seen[k] < 0 else seen[k])
            primary.append(contact.primary and not copy)
    frame = pl.DataFrame(
        {
            "cust": pl.Series(cust, dtype=pl.Int32),
            "name": pl.Series(names, dtype=pl.String),
            "email": pl.Series(emails, dtype=pl.String),
            "title": pl.Series(titles, dtype=pl.String),
            "role": pl.Series(roles, dtype=pl.String),
            "last_activity": pl.Series(activity, dtype=pl.Int32).cast(pl.Date),
            "is_primary": pl.Series(primary, dtype=pl.Boolean),
        }
    )
    return frame.select(_customer_ids(pl.col("cust")).alias("customer_id"), *CONTACT_COLUMNS[1:])


# outcome, KPI, baseline range, target: ("x", low, high) multiplies the baseline, ("+", low, high) adds points
# (capped at 99 for a percentage); decimals kept. Lower is better when the target is below the baseline.
SUCCESS_OUTCOMES: tuple[tuple[str, str, tuple[float, float], tuple[str, float, float], int], ...] = (
    ("Reduce reporting time", "hours per week", (6.0, 30.0), ("x", 0.35, 0.65), 1),
    ("Increase pipeline visibility", "% forecast accuracy", (55.0, 75.0), ("+", 10.0, 20.0), 0),
    ("Cut support costs", "$ per month", (150.0, 400.0), ("x", 0.75, 0.90), -2),  # baseline per seat
    ("Faster month-end close", "days to close", (6.0, 15.0), ("x", 0.50, 0.75), 0),
    ("Improve CRM data quality", "% complete records", (55.0, 80.0), ("+", 10.0, 20.0), 0),
    ("Increase team adoption", "% weekly active users", (25.0, 55.0), ("+", 20.0, 35.0), 0),
    ("Reduce manual data entry", "hours per week", (8.0, 40.0), ("x", 0.40, 0.70), 1),
    ("Grow self-serve reporting", "reports per month", (10.0, 60.0), ("x", 1.5, 2.5), 0),
    ("Shorten ramp time of new hires", "days to productivity", (30.0, 90.0), ("x", 0.55, 0.80), 0),
    ("Raise customer satisfaction", "% CSAT", (70.0, 85.0), ("+", 5.0, 10.0), 0),
    ("Increase win rate", "% win rate", (15.0, 30.0), ("+", 3.0, 8.0), 1),
    ("Reduce time to quote", "hours per quote", (4.0, 24.0), ("x", 0.40, 0.70), 1),
)
_MORE_OUTCOMES = ((0.35, 0.10), (0.60, 0.25), (0.85, 0.50))  # chance of a 2nd and a 3rd outcome, by core plan
_CHURNED_OUTCOMES = 0.4  # share of churned accounts whose outcomes stay in the CS platform
_NOT_TRACKED = 0.08  # outcomes agreed but never measured
_NOT_ASKED = 0.15  # measured outcomes on which nobody asked the customer


@dataclass(frozen=True)
class _Goal:
    """One outcome agreed for a contract life and its reviews: the k-th on day(k)."""

    health: _Health
    baseline: float
    target: float
    decimals: int
    percent: bool
    first_review: float
    cadence: float
    time_to_value: float  # days for adoption to turn into results
    grit: float  # the outcome's own luck
    phase: float

    def day(self, k: int) -> int:
        return self.health.start + round(self.first_review + k * self.cadence)

    def actual(self, k: int) -> float:
        """The KPI measured at the k-th review: from baseline towards (or past) the target as adoption pays off."""
        day = self.day(k)
        ramp = min(1.0, (day - self.health.start) / self.time_to_value)
        progress = ramp * (0.55 + 0.8 * self.health.adoption(day) + self.grit) + 0.06 * math.sin(self.phase + 1.7 * k)
        value = max(0.0, self.baseline + progress * (self.target - self.baseline))
        return round(min(value, 100.0) if self.percent else value, max(self.decimals, 0))

    def met(self, value: float) -> bool:
        return value >= self.target if self.target >= self.baseline else value <= self.target


def generate_outcomes(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """The customers' success outcomes (OUTCOME_COLUMNS) as a CS platform holds them at the end of the history.

    Every account active at the end of the history has 1-3 outcomes agreed for its current contract (more for
    bigger plans), picked from SUCCESS_OUTCOMES, with a baseline and a target (above it, or below it when lower
    is better: hours, days, costs); about 40% of the churned accounts still have those of their last contract.
    Outcomes are measured in reviews about every quarter from 3-5 months into the contract (up to its last billed
    day, never after the history): ``actual`` and ``measured_at`` are the last measurement, both null when there
    was none yet or the outcome is not tracked (about 8%). Progress from baseline to target follows the account's
    adoption (see _Health) and time: healthy accounts mostly reach their targets, struggling ones mostly not, and
    accounts declining before a churn slip back. ``recognised_by_customer`` (null when nobody asked, about 15%, or
    nothing was measured) lags the achievement: mostly true when the target was already met at the review before,
    rarely when it was only just met, seldom when it was not. Rows are sorted by customer. Noise comes from a
    stream per account and contract, ``f"{seed}:{account}:outcomes:{life}"``, a fixed number of draws, so the
    value measured on a day is the same for every history that contains it.

    The default company has 475 outcomes, 19% not measured yet; 49% of the measured ones achieved (61% on
    accounts using 60% or more of their seats over the last 26 weeks, 15% under 35%), 35% of those asked
    recognised by the customer (65% of the achieved ones).
    """
    company = _company(customers, months, seed, start)
    last = company.last_day
    cust: list[int] = []
    labels: list[int] = []
    values: list[tuple[float, float, float | None]] = []
    measured: list[int | None] = []
    recognised: list[bool | None] = []
    rng = random.Random()
    rand, uniform = rng.random, rng.uniform
    for c, account in enumerate(company.accounts):
        current = [i for i, life in enumerate(account.lives) if life.terms[0][0] <= last]
        if not current:
            continue
        i = current[-1]
        life, health = account.lives[i], company.health[c][i]
        begin, end = life.terms[0][0], life.terms[-1][1]
        rng.seed(f"{seed}:{c + 1}:outcomes:{i}")
        plan, seats = life.terms[0][2], life.terms[0][3]
        more2, more3 = _MORE_OUTCOMES[plan]
        kept, u2, u3 = rand(), rand(), rand()
        count = 1 + (u2 < more2) + (u2 < more2 and u3 < more3)
        if end < last:  # churned: the outcomes stay with some
            if kept >= _CHURNED_OUTCOMES:
                continue
            count = min(count, 2)
        picks = rng.sample(range(len(SUCCESS_OUTCOMES)), 3)
        for j, pick in enumerate(picks):
            _, _, (low, high), (how, lo, hi), decimals = SUCCESS_OUTCOMES[pick]
            draws = [rand() for _ in range(5)]
            time_to_value = uniform(150.0, 300.0)
            grit = rng.gauss(0.0, 0.28)
            phase = uniform(0.0, 2 * math.pi)
            first_review = uniform(80.0, 150.0)
            cadence = uniform(85.0, 100.0)
            if j >= count:
                continue
            baseline = low + (high - low) * draws[0]
            if decimals < 0:  # a cost: per seat
                baseline *= seats
            baseline = round(baseline, decimals)
            change = lo + (hi - lo) * draws[1]
            percent = SUCCESS_OUTCOMES[pick][1].startswith("%")
            target = round(
                baseline * change if how == "x" else min(99.0 if percent else math.inf, baseline + change), decimals
            )
            goal = _Goal(health, baseline, target, decimals, percent, first_review, cadence, time_to_value, grit, phase)
            bound = min(last, end)
            reviews = math.floor((bound - begin - first_review) / cadence) + 1 if bound >= begin else 0
            while reviews > 0 and goal.day(reviews - 1) > bound:  # rounding
                reviews -= 1
            cust.append(c)
            labels.append(pick)
            if reviews <= 0 or draws[2] < _NOT_TRACKED:
                values.append((float(baseline), float(target), None))
                measured.append(None)
                recognised.append(None)
                continue
            k = reviews - 1
            actual = goal.actual(k)
            values.append((float(baseline), float(target), float(actual)))
            measured.append(goal.day(k))
            if draws[3] < _NOT_ASKED:
                recognised.append(None)
                continue
            if not goal.met(actual):
                chance = 0.07  # the customer feels it anyway, now and then
            elif k > 0 and goal.met(goal.actual(k - 1)):
                chance = 0.85  # met for a while
            else:
                chance = 0.3  # only just met: recognition lags
            recognised.append(draws[4] < chance * (0.5 + 0.5 * health.sentiment(goal.day(k))))
    frame = pl.DataFrame(
        {
            "cust": pl.Series(cust, dtype=pl.Int32),
            "outcome": pl.Series([SUCCESS_OUTCOMES[p][0] for p in labels], dtype=pl.String),
            "kpi": pl.Series([SUCCESS_OUTCOMES[p][1] for p in labels], dtype=pl.String),
            "baseline": pl.Series([v[0] for v in values], dtype=pl.Float64),
            "target": pl.Series([v[1] for v in values], dtype=pl.Float64),
            "actual": pl.Series([v[2] for v in values], dtype=pl.Float64),
            "measured_at": pl.Series(measured, dtype=pl.Int32).cast(pl.Date),
            "recognised_by_customer": pl.Series(recognised, dtype=pl.Boolean),
        }
    )
    return frame.select(_customer_ids(pl.col("cust")).alias("customer_id"), *OUTCOME_COLUMNS[1:])


TICKET_PROBLEMS = (
    "duplicate",
    "resolved_before_created",
    "unknown_customer",
    "priority_spelling",
    "csat_out_of_range",
    "missing_created_at",
)


def with_ticket_problems(tickets: pl.DataFrame, seed: int = DEFAULT_SEED, share: float = 0.01) -> pl.DataFrame:
    """A copy of generate_tickets' output with data-quality problems, for testing validation; never the default.

    About ``share`` of the tickets (at least one of each kind) get one problem each, TICKET_PROBLEMS in turn: an
    exact duplicate row right after it, a resolved_at 3 hours before created_at, a customer_id no account has
    ("C00000"), a priority spelled "High " or "URGENT", a CSAT of 0 or 10 (an answer on a 0-10 scale), a
    missing created_at. An added last column ``problem`` names the problem of each row (null for clean rows and
    for the original of a duplicate).
    """
    n = tickets.height
    rng = random.Random(f"{seed}:ticket-problems")
    problem: list[str | None] = [None] * n
    picked = sorted(rng.sample(range(n), min(n, max(len(TICKET_PROBLEMS), round(n * share)))))
    for k, row in enumerate(picked):
        problem[row] = TICKET_PROBLEMS[k % len(TICKET_PROBLEMS)]
    flag = pl.col("problem")
    frame = tickets.with_columns(
        problem=pl.Series(problem, dtype=pl.String), _row=pl.int_range(pl.len()), _copy=pl.lit(0)
    ).with_columns(
        customer_id=pl.when(flag == "unknown_customer").then(pl.lit("C00000")).otherwise(pl.col("customer_id")),
        created_at=pl.when(flag == "missing_created_at")
        .then(pl.lit(None, dtype=pl.Datetime("us")))
        .otherwise(pl.col("created_at")),
        resolved_at=pl.when(flag == "resolved_before_created")
        .then(pl.col("created_at") - pl.duration(hours=3))
        .otherwise(pl.col("resolved_at")),
        status=pl.when(flag == "resolved_before_created").then(pl.lit("closed")).otherwise(pl.col("status")),
        priority=pl.when(flag == "priority_spelling")
        .then(pl.when(pl.col("priority") == "urgent").then(pl.lit("URGENT")).otherwise(pl.lit("High ")))
        .otherwise(pl.col("priority")),
        csat=pl.when(flag == "csat_out_of_range")
        .then(pl.when(pl.col("csat").fill_null(5) >= 3).then(pl.lit(10)).otherwise(pl.lit(0)))
        .otherwise(pl.col("csat")),
    )
    copies = frame.filter(flag == "duplicate").with_columns(_copy=pl.lit(1))
    originals = frame.with_columns(
        problem=pl.when(flag == "duplicate").then(pl.lit(None, dtype=pl.String)).otherwise(flag)
    )
    return pl.concat([originals, copies]).sort("_row", "_copy").drop("_row", "_copy")


def _money(cents: int) -> str:
    """Cents as Stripe-style text: 120000 -> "$1,200.00", -1200 -> "-$12.00"."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def _money_text(cents: list[int | None]) -> list[str | None]:
    return [None if c is None else _money(c) for c in cents]


def to_stripe_style(billing: pl.DataFrame) -> pl.DataFrame:
    """Canonical billing lines as a Stripe-like "invoice line items" export carrying the same information.

    Headers follow STRIPE_COLUMNS, after a line ``id`` (``il_<invoice>_<n>``, n counting the invoice's lines);
    money is text like "$1,200.00" or "-$12.00"; dates are "YYYY-MM-DD 00:00:00" timestamps (Period End is the
    inclusive last day); currency is lowercase. Each column maps back to one canonical column without loss;
    canonical columns that are absent are left out.
    """
    columns: list[pl.Expr | pl.Series] = []
    if "invoice_id" in billing.columns:
        line_no = (pl.int_range(pl.len()).over("invoice_id") + 1).cast(pl.String)
        columns.append(pl.format("il_{}_{}", pl.col("invoice_id"), line_no).alias("id"))
    else:
        columns.append(pl.format("il_{}", (pl.int_range(pl.len()) + 1).cast(pl.String)).alias("id"))
    for name, header in STRIPE_COLUMNS.items():
        if name not in billing.columns:
            continue
        if name in ("unit_price", "amount"):
            cents = (billing[name] * 100).round(0).cast(pl.Int64).to_list()
            columns.append(pl.Series(header, _money_text(cents), dtype=pl.String))
        elif name in ("period_start", "period_end"):
            columns.append(pl.col(name).dt.strftime(STRIPE_TIMESTAMP_FORMAT).alias(header))
        elif name == "currency":
            columns.append(pl.col(name).str.to_lowercase().alias(header))
        else:
            columns.append(pl.col(name).alias(header))
    return billing.select(columns)


# --- profiles ---------------------------------------------------------------------------------------------------------
# A profile is another company from the same generator: a few of its tables replaced while the company is generated.
# "default" is the company above. "high-churn": churn hazards three times as high, a third of the lives struggling
# more, add-ons rarely bought at signup and never later (low upsell). "land-and-expand": churn a fifth as high,
# most lives healthy (70-95% of seats in use), add-ons bought at signup by about half the accounts of every plan and
# never later (whitespace beside peers who hold them).
PROFILES: dict[str, dict[str, object]] = {
    "default": {},
    "high-churn": {
        "_CHURN": (0.066, 0.036, 0.021),
        "_TIERS": ((0.30, 0.70, 0.95), (0.60, 0.40, 0.70), (1.0, 0.10, 0.40)),
        "_ADDON_AT_SIGNUP": ((0.03, 0.01, 0.01), (0.06, 0.03, 0.02), (0.10, 0.08, 0.10)),
        "_UPSELL": 0.0,
    },
    "land-and-expand": {
        "_CHURN": (0.0044, 0.0024, 0.0014),
        "_TIERS": ((0.97, 0.75, 0.95), (0.995, 0.40, 0.70), (1.0, 0.10, 0.40)),
        "_ADDON_AT_SIGNUP": ((0.50, 0.45, 0.40), (0.55, 0.50, 0.45), (0.60, 0.55, 0.50)),
        "_UPSELL": 0.0,
    },
}


@contextlib.contextmanager
def profile(name: str) -> Iterator[None]:
    """Within the block, the generate_* functions make the company of profile ``name`` (PROFILES); the default
    company is untouched outside it (its tables are put back and the cached simulations dropped on both sides)."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}: one of {', '.join(PROFILES)}")
    changes = PROFILES[name]
    saved = {key: globals()[key] for key in changes}
    caches = (_company, _bridge)
    for cached in caches:
        cached.cache_clear()
    globals().update(changes)
    try:
        yield
    finally:
        globals().update(saved)
        for cached in caches:
            cached.cache_clear()
