"""Retention over windows and cohorts, and renewal-based (eligible) churn (DESIGN.md §4 "Rates")."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from csctl.core.bridge import ratio
from csctl.core.months import period_end_month, period_expr, period_label_expr


@dataclass(frozen=True)
class Window:
    """Cohort-based retention from month a to month b over the customers with c(a-1) > 0."""

    start: int
    end: int
    base_customers: int
    grr: float | None
    nrr: float | None
    logo_churn: float | None


def window_sums(customer_mrr: pl.DataFrame, start: int, end: int) -> tuple[int, int, int, int, int]:
    """The additive parts of a window from month a to month b, over the customers with c(a-1) > 0: (Σ c(a-1),
    Σ min(c(b), c(a-1)), Σ c(b), customers, customers with c(b) = 0). Sums over customer partitions add up."""
    base = customer_mrr.lazy().filter(pl.col("month") == start - 1).select("customer_id", base="mrr")
    later = customer_mrr.lazy().filter(pl.col("month") == end).select("customer_id", later="mrr")
    row = (
        base.join(later, on="customer_id", how="left")
        .with_columns(pl.col("later").fill_null(0))
        .select(
            pl.col("base").sum(),
            pl.min_horizontal("base", "later").sum().alias("kept"),
            pl.col("later").sum(),
            pl.len().alias("customers"),
            (pl.col("later") == 0).sum().alias("lost"),
        )
        .collect()
        .row(0)
    )
    return tuple(int(x or 0) for x in row)  # type: ignore[return-value]


def window_from_sums(start: int, end: int, sums: tuple[int, int, int, int, int]) -> Window:
    """grr = Σ min(c(b), c(a-1)) / Σ c(a-1); nrr = Σ c(b) / Σ c(a-1); logo churn = share with c(b) = 0 (None over 0)."""
    base, kept, later, customers, lost = sums
    return Window(
        start=start,
        end=end,
        base_customers=customers,
        grr=kept / base if base else None,
        nrr=later / base if base else None,
        logo_churn=lost / customers if customers else None,
    )


def window_retention(customer_mrr: pl.DataFrame, start: int, end: int) -> Window:
    """Cohort-based retention from month a to month b over the customers with c(a-1) > 0."""
    return window_from_sums(start, end, window_sums(customer_mrr, start, end))


def cohorts(customer_mrr: pl.DataFrame, as_of: int, period: str = "month", first: int | None = None) -> pl.DataFrame:
    """Revenue and logo retention by start cohort, both against the cohort's customers at their start.

    A customer's cohort is the period of its first month with MRR. For each cohort and age (periods since the
    cohort's period) the MRR and active customers are measured in the last month of that period, up to the as-of
    month. ``start_mrr`` is the sum of the cohort's customers' MRR in their first month: revenue retention =
    mrr / start_mrr, logo retention = active / customers, so both rest on one base. With ``first`` (the first month
    whose arrivals are new business), cohorts whose period starts before it are left out.
    """
    cm = customer_mrr.lazy()
    first_rows = (
        cm.sort("month")
        .group_by("customer_id")
        .agg(first_month=pl.col("month").first(), first_mrr=pl.col("mrr").first())
        .with_columns(cohort=period_expr(pl.col("first_month"), period))
    )
    if first is not None:
        first_rows = first_rows.filter(period_end_month(pl.col("cohort"), period) - _span(period) + 1 >= first)
    sizes = first_rows.group_by("cohort").agg(customers=pl.len(), start_mrr=pl.col("first_mrr").sum())
    # each period is measured in its last month, or in the as-of month for the period in progress
    period_now = period_expr(pl.lit(as_of), period)
    p = period_expr(pl.col("month"), period)
    closing_month = pl.min_horizontal(period_end_month(p, period), pl.lit(as_of))
    measured = cm.filter(pl.col("month") == closing_month).with_columns(p=p)
    active = (
        measured.join(first_rows.select("customer_id", "cohort"), on="customer_id")
        .with_columns(age=(pl.col("p") - pl.col("cohort")).cast(pl.Int32))
        .group_by("cohort", "age")
        .agg(mrr=pl.col("mrr").sum(), active=pl.len())
    )
    ages = sizes.join(pl.LazyFrame({"age": pl.int_range(0, 1000, dtype=pl.Int32, eager=True)}), how="cross")
    ages = ages.filter(pl.col("cohort") + pl.col("age") <= period_now)
    grid = ages.join(active, on=["cohort", "age"], how="left").with_columns(
        pl.col("mrr").fill_null(0), pl.col("active").fill_null(0).cast(pl.Int64)
    )
    return (
        grid.with_columns(
            revenue_retention=ratio(pl.col("mrr"), pl.col("start_mrr")),
            logo_retention=ratio(pl.col("active"), pl.col("customers")),
        )
        .sort("cohort", "age")
        .select(
            period_label_expr(pl.col("cohort"), period).alias("cohort"),
            "age",
            "customers",
            "active",
            "logo_retention",
            "start_mrr",
            "mrr",
            "revenue_retention",
        )
        .collect()
    )


def _span(period: str) -> int:
    return {"month": 1, "quarter": 3, "year": 12}[period]
