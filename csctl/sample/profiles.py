"""Profiles: other companies from the same generator (``csctl sample --profile``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import ModuleType

from csctl.sample import adoption, revenue, timeline

# A profile is another company from the same generator: a few of its tables replaced while the company is generated.
# "default" is the company every seed gives. "high-churn": churn hazards three times as high, a third of the lives
# struggling more, add-ons rarely bought at signup and never later (low upsell). "land-and-expand": churn a fifth as
# high, most lives healthy (70-95% of seats in use), add-ons bought at signup by about half the accounts of every
# plan and never later (whitespace beside peers who hold them).
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
# the module each table a profile replaces belongs to (it reads the table from its own globals when it runs)
_HOMES: dict[str, ModuleType] = {
    "_CHURN": timeline,
    "_ADDON_AT_SIGNUP": timeline,
    "_UPSELL": timeline,
    "_TIERS": adoption,
}


@contextlib.contextmanager
def profile(name: str) -> Iterator[None]:
    """Within the block, the generate_* functions make the company of profile ``name`` (PROFILES); the default
    company is untouched outside it (its tables are put back and the cached simulations dropped on both sides)."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}: one of {', '.join(PROFILES)}")
    changes = {(_HOMES[key], key): value for key, value in PROFILES[name].items()}
    saved = {(module, key): getattr(module, key) for module, key in changes}
    caches = (adoption._company, revenue.bridge)
    for cached in caches:
        cached.cache_clear()
    for (module, key), value in changes.items():
        setattr(module, key, value)
    try:
        yield
    finally:
        for (module, key), value in saved.items():
            setattr(module, key, value)
        for cached in caches:
            cached.cache_clear()
