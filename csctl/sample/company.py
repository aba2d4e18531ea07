"""The sample company's facts: what it sells (PRODUCTS, plans, list prices rising PRICE_RISE every 1 January),
to whom (industries, regions, segments by ARR, the CSMs of each segment), the defaults of ``csctl sample``, the
gross margin, and the export day of its billing (the 17th of the history's last month)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

DEFAULT_START = "2023-11"
DEFAULT_CUSTOMERS = 300
DEFAULT_MONTHS = 36
DEFAULT_SEED = 7
GROSS_MARGIN = 0.75


PRICE_RISE = 0.05  # list prices rise 5% every 1 January


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


_EPOCH = dt.date(1970, 1, 1).toordinal()


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


EXPORT_DAY = 17  # the billing export is pulled on this day of the history's last month


def _customer_ids(index: pl.Expr) -> pl.Expr:
    return pl.lit("C") + (index + 1).cast(pl.String).str.zfill(5)


def export_day(months: int = DEFAULT_MONTHS, start: str = DEFAULT_START) -> dt.date:
    """The day the billing export was pulled: EXPORT_DAY of the history's last month (the month in progress)."""
    y0, mo0 = parse_start(start)
    y, mo = divmod(y0 * 12 + mo0 - 1 + months - 1, 12)
    return dt.date(y, mo + 1, EXPORT_DAY)
