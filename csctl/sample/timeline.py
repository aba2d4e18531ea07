"""The simulation of the accounts and their lives: the arrival schedule, each account's profile, its contract
terms from renewal to renewal (churn, reactivation, seat changes, upsells, drops, upgrades, price reviews) and what
it is contracted for day by day (``_Account.service``). Each term's invoice is written by invoices._bill."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
from dataclasses import dataclass, field

from csctl.sample.company import (
    _ADDONS,
    _EPOCH,
    _REGION_WEIGHTS,
    CHURN_REASONS,
    DISCOUNTS,
    EDITIONS,
    EXPORT_DAY,
    INDUSTRIES,
    PRODUCTS,
    REGIONS,
    _list_cents,
    parse_start,
)
from csctl.sample.invoices import _OPEN, _PAID, _bill, _Lines, _Term

ARRIVAL_MONTHS = 36  # every account arrives within the first 36 months of the timeline
ARRIVAL_GROWTH = 0.03  # new logos per month grow ~3% a month
INITIAL_BASE_SHARE = 0.12  # share of the accounts already customers in the first month


REACTIVATION_SHARE = 0.25  # share of churned accounts that come back


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


_MAX_ACCOUNTS = 1 << 24


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
