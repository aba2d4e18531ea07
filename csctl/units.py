"""How values are written for people: currency symbols, money, percentages. Shared by core notes and render."""

from __future__ import annotations

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$", "CHF": "CHF "}


def money(value: float | None, currency: str = "USD", decimals: int = 2) -> str:
    if value is None:
        return "—"
    symbol = SYMBOLS.get(currency.upper(), currency.upper() + " ")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.{decimals}f}"


def percent(value: float | None, decimals: int = 2) -> str:
    return "—" if value is None else f"{value * 100:.{decimals}f}%"


def count(value: float | None) -> str:
    return "—" if value is None else f"{int(value):,}"


def multiple(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def format_unit(value: float | int | None, unit: str, currency: str = "USD") -> str:
    """Format a value by its registry unit (money, ratio, count, multiple) or column kind."""
    if unit == "money":
        return money(value, currency)
    if unit in ("ratio", "rate"):
        return percent(value)
    if unit == "count":
        return count(value)
    if unit == "multiple":
        return multiple(value)
    if value is None:
        return "—"
    return f"{value:,.4g}" if isinstance(value, float) else str(value)
