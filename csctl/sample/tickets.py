"""Support tickets (tickets.csv): priority, escalation, resolution and CSAT, more of them while adoption is
low; ``with_ticket_problems`` makes a copy with flagged data-quality problems."""

from __future__ import annotations

import math
import random

import polars as pl

from csctl.sample.adoption import _company, _lives_in_history
from csctl.sample.company import DEFAULT_CUSTOMERS, DEFAULT_MONTHS, DEFAULT_SEED, DEFAULT_START, _customer_ids

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


PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_STATUSES = ("open", "solved", "closed")
SOLVED_DAYS = 4  # a solved ticket is closed this many days after it was resolved


_UTC_OFFSET = {"North America": 6.0, "EMEA": -1.0, "APAC": -8.0, "LATAM": 3.0}  # hours from local to UTC
_TICKET_RATE = 0.95  # tickets per account-month for a healthy account of 12 seats, after onboarding
_TICKET_MAX = 2.2 * 2.0 * 1.5  # the largest multiplier of the base rate: struggle x onboarding x seats
_RESOLVE_HOURS = (30.0, 14.0, 6.0, 2.5)  # median hours to resolve by priority
_ESCALATE = (0.004, 0.015, 0.05, 0.20)  # by priority, doubled for a struggling account
_CSAT_ANSWERED = 0.40


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
