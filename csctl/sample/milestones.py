"""The value path of each contract (milestones.csv): kickoff to renewal at a pace that follows adoption,
with stalls and failed onboardings."""

from __future__ import annotations

import math
import random

import polars as pl

from csctl.sample.adoption import _company, _lives_in_history, _tier
from csctl.sample.company import DEFAULT_CUSTOMERS, DEFAULT_MONTHS, DEFAULT_SEED, DEFAULT_START, _customer_ids

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
