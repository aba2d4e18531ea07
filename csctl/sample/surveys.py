"""Survey answers (surveys.csv): NPS twice a year and CSAT after onboarding and twice a year, following
adoption."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl

from csctl.sample.adoption import _company, _lives_in_history
from csctl.sample.company import _EPOCH, DEFAULT_CUSTOMERS, DEFAULT_MONTHS, DEFAULT_SEED, DEFAULT_START, _customer_ids

SURVEY_COLUMNS = ("customer_id", "date", "type", "score", "comment")


_NPS_MONTHS = (3, 9)  # company-wide NPS campaigns on the 10th of March and September
_CSAT_MONTHS = (6, 12)  # and a product CSAT pulse on the 10th of June and December
_ONBOARDING_SURVEY_DAYS = 63  # an onboarding CSAT nine weeks into each new contract


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
