"""Weekly product usage per account (usage.csv): seats, active users, logins, reports and API calls."""

from __future__ import annotations

import datetime as dt
import math
import random

import polars as pl

from csctl.sample.adoption import _company, _lives_in_history
from csctl.sample.company import _EPOCH, DEFAULT_CUSTOMERS, DEFAULT_MONTHS, DEFAULT_SEED, DEFAULT_START, _customer_ids

USAGE_COLUMNS = ("customer_id", "date", "active_users", "seats", "logins", "reports_created", "api_calls")


def _season(day: int) -> float:
    """Usage in the week from a Monday: the weeks of Christmas and New Year are quiet, August a little."""
    date = dt.date.fromordinal(day + _EPOCH)
    if (date.month == 12 and date.day >= 19) or (date.month == 1 and date.day <= 1):
        return 0.55
    return 0.9 if date.month == 8 else 1.0


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
