"""Revenue past (by quarter) and a run-rate projection of the next two years (DESIGN.md §4)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from csctl.core.bridge import ratio
from csctl.core.months import label_of, quarter_label

CASES = (("low", 0.25), ("base", None), ("high", 0.75))


def quarters(bridge: pl.DataFrame, as_of: int, count: int = 8, first: int | None = None) -> pl.DataFrame:
    """Revenue by quarter = Σ monthly MRR in the quarter, for the last ``count`` complete quarters with data.

    ``bridge`` is the monthly bridge in cents (month, mrr_end, customers_end, movements ...).
    A quarter is complete when its last month is on or before the as-of month and, with ``first`` (the first
    month of an export whose earlier months are incomplete), its first month is not before ``first``. Growth
    against a quarter left out is null.
    """
    last_complete = (as_of + 1) // 3 - 1  # quarter number (month index // 3) of the last complete quarter
    first_quarter = -(10**9) if first is None else (first + 2) // 3
    return (
        bridge.lazy()
        .with_columns(q=pl.col("month") // 3)
        .filter(pl.col("q").is_between(first_quarter, last_complete))
        .group_by("q")
        .agg(
            revenue=pl.col("mrr_end").sum(),
            months=pl.len(),
            mrr_end=pl.col("mrr_end").sort_by("month").last(),
            customers_end=pl.col("customers_end").sort_by("month").last(),
            net_new_mrr=(pl.col("mrr_end") - pl.col("mrr_start")).sum(),
        )
        .sort("q")
        .with_columns(
            revenue_growth=pl.when(pl.col("q").shift(1) == pl.col("q") - 1).then(
                ratio(pl.col("revenue") - pl.col("revenue").shift(1), pl.col("revenue").shift(1))
            )
        )
        .tail(count)
        .select(
            quarter_label(pl.col("q") * 3).alias("quarter"),
            "months",
            "revenue",
            "revenue_growth",
            "mrr_end",
            "customers_end",
            "net_new_mrr",
        )
        .collect()
    )


@dataclass(frozen=True)
class Assumption:
    case: str
    retention: float  # r, the monthly multiplier on MRR (1 - net revenue churn)
    new_mrr: float  # n, new + reactivation MRR per month, currency units


def assumptions(bridge: pl.DataFrame, as_of: int) -> tuple[list[Assumption], int]:
    """r and n for each case from the trailing 12 months that had a starting MRR.

    Returns the cases and the number of months they rest on.
    """
    window = bridge.filter((pl.col("month") > as_of - 12) & (pl.col("mrr_start") > 0))
    if window.height == 0:
        return [], 0
    r = 1 - window["net_revenue_churn"]
    n = (window["new"] + window["reactivation"]) / 100
    cases = []
    for name, q in CASES:
        if q is None:
            cases.append(Assumption(name, float(r.mean()), float(n.mean())))  # type: ignore[arg-type]
        else:
            cases.append(
                Assumption(
                    name,
                    float(r.quantile(q, interpolation="linear")),  # type: ignore[arg-type]
                    float(n.quantile(q, interpolation="linear")),  # type: ignore[arg-type]
                )
            )
    return cases, window.height


def project(mrr_now: float, cases: list[Assumption], as_of: int, years: int = 2) -> pl.DataFrame:
    """MRR(t+1) = MRR(t)·r + n for 12 × years months after the as-of month, summed by year."""
    rows = []
    for case in cases:
        mrr = mrr_now
        for year in range(1, years + 1):
            revenue = 0.0
            for _ in range(12):
                mrr = mrr * case.retention + case.new_mrr
                revenue += mrr
            first = as_of + 1 + (year - 1) * 12
            rows.append(
                {
                    "year": year,
                    "months": f"{label_of(first)}..{label_of(first + 11)}",
                    "case": case.case,
                    "revenue": round(revenue, 2),
                    "revenue_per_quarter": round(revenue / 4, 2),  # to set beside past quarters' revenue
                    "mrr_end": round(mrr, 2),
                    "arr_end": round(mrr * 12, 2),
                    "monthly_retention": case.retention,
                    "monthly_new_mrr": round(case.new_mrr, 2),
                }
            )
    schema = {
        "year": pl.Int64,
        "months": pl.String,
        "case": pl.String,
        "revenue": pl.Float64,
        "revenue_per_quarter": pl.Float64,
        "mrr_end": pl.Float64,
        "arr_end": pl.Float64,
        "monthly_retention": pl.Float64,
        "monthly_new_mrr": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)
