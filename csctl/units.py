"""How values are written for people: currency symbols, money, percentages. Shared by core notes and render.

One format per unit: money with the currency and cents, rates as percentages with two decimals, counts whole
with thousands separators, hours with one decimal, money per $1 (cost ratios such as CRC) as money with cents
and "per $1" ("$0.12 per $1"), multiples (quick ratio, ROI) with two decimals and ×, other numbers with two
decimals. Never scientific notation.
"""

from __future__ import annotations

from typing import Literal

# The one unit vocabulary: a metric's unit in the registry (csctl.metrics) and a table column's kind (csctl.result)
# are words of this list. rate: a fraction shown as a percentage (GRR, churn, a share); per_dollar: money per $1.
Unit = Literal["money", "rate", "count", "multiple", "hours", "per_dollar", "number"]
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$", "CHF": "CHF "}


def symbol(currency: str = "USD") -> str:
    return SYMBOLS.get(currency.upper(), currency.upper() + " ")


def money(value: float | None, currency: str = "USD", decimals: int = 2) -> str:
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol(currency)}{abs(value):,.{decimals}f}"


def percent(value: float | None, decimals: int = 2) -> str:
    return "—" if value is None else f"{value * 100:.{decimals}f}%"


def count(value: float | None) -> str:
    return "—" if value is None else f"{round(value):,}"


def multiple(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}×"


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} h"


def number(value: float | int | None) -> str:
    """A plain number: whole values as integers, others with two decimals; thousands separated."""
    if value is None:
        return "—"
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    return f"{value:,.2f}"


def per_dollar(value: float | None, currency: str = "USD") -> str:
    """Money per one unit of the currency (cost ratios such as CRC): "$0.12 per $1"."""
    return "—" if value is None else f"{money(value, currency)} per {symbol(currency)}1"


def format_unit(value: float | int | None, unit: str, currency: str = "USD") -> str:
    """Format a value by its unit (a metric's unit or a column's kind: money, rate, count, multiple, hours,
    per_dollar, number); anything else as a number or text."""
    if unit == "money":
        return money(value, currency)
    if unit == "per_dollar":
        return per_dollar(value, currency)
    if unit == "rate":
        return percent(value)
    if unit == "count":
        return count(value)
    if unit == "multiple":
        return multiple(value)
    if unit == "hours":
        return hours(value)
    if value is None:
        return "—"
    if isinstance(value, int | float):
        return number(value)
    return str(value)
