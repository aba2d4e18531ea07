"""The customers' success outcomes (outcomes.csv): KPI, baseline, target, the last measurement, achieved
and recognised by the customer or not."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import polars as pl

from csctl.sample.adoption import _company, _Health
from csctl.sample.company import DEFAULT_CUSTOMERS, DEFAULT_MONTHS, DEFAULT_SEED, DEFAULT_START, _customer_ids

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
