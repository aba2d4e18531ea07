"""Customer lifetime value (DESIGN.md §4 "LTV, costs, opportunity")."""

from __future__ import annotations

from dataclasses import dataclass

from csctl.units import money, percent


@dataclass(frozen=True)
class Clv:
    value: float | None  # None: unbounded (zero churn) or undefined (no customers)
    gross_margin: float
    arpa: float | None
    churn_rate: float | None
    formula: str


def clv(gross_margin: float, arpa: float | None, churn_rate: float | None, currency: str = "USD") -> Clv:
    """CLV = gross margin × ARPA / monthly churn rate; unbounded with zero churn, never a division error."""
    if arpa is None:
        return Clv(None, gross_margin, None, churn_rate, "CLV is undefined: there are no active customers")
    if churn_rate is None:
        return Clv(
            None,
            gross_margin,
            arpa,
            None,
            "CLV is unknown: the churn rate it divides by rests on months the export does not hold complete",
        )
    if churn_rate <= 0:
        return Clv(
            None,
            gross_margin,
            arpa,
            churn_rate,
            f"CLV = {percent(gross_margin, 1)} × {money(arpa, currency)} / 0% churn: "
            "unbounded (no churn in the window)",
        )
    value = gross_margin * arpa / churn_rate
    formula = (
        f"CLV = {percent(gross_margin, 1)} × {money(arpa, currency)} / {percent(churn_rate)} = {money(value, currency)}"
    )
    return Clv(value, gross_margin, arpa, churn_rate, formula)
