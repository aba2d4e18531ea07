"""The adoption of each contract life: the share of its seats in use over time (tier, onboarding ramp, slow
wave, decline before a churn), simulated _LOOKAHEAD months past the history so that usage already falls before a
churn just after its end. Usage, tickets, surveys, milestones, actions, contacts and outcomes follow it."""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from csctl.sample.company import _EPOCH, parse_start
from csctl.sample.timeline import _Account, _Life, _simulate

_LOOKAHEAD = 6  # months simulated past the history, so that usage can fall before a churn just after its end
_TIERS = ((0.55, 0.70, 0.95), (0.80, 0.40, 0.70), (1.0, 0.10, 0.40))  # cumulative share, adoption range
_FLOORS = {"Low adoption": (0.08, 0.30), "Budget cuts": (0.30, 0.60), "Acquired by another company": (0.40, 0.70)}
_FLOOR = (0.20, 0.55)  # adoption left at the churn, relative to before the decline
_HEALTHY = 0.80  # adoption at which an account stops struggling
# Sentiment runs ahead of usage before a churn; a decline seen from within the history must be one that the
# _LOOKAHEAD months decide: 122 days (the longest decline) + this lead must stay under about 180 days.
_SENTIMENT_LEAD = 45


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


def _tier(base: float) -> int:
    return 0 if base >= _TIERS[0][1] else (1 if base >= _TIERS[1][1] else 2)
