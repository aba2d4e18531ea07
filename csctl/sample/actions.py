"""The CS activity log (actions.csv): renewal plays before annual terms end and rescue plays in the decline
before a churn, done or left open."""

from __future__ import annotations

import random

import polars as pl

from csctl.sample.adoption import _company, _lives_in_history, _tier
from csctl.sample.company import DEFAULT_CUSTOMERS, DEFAULT_MONTHS, DEFAULT_SEED, DEFAULT_START, _customer_ids

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
