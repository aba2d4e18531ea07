"""The revenue bridge (DESIGN.md §4): every customer's movement from month m-1 to month m.

All money here is Int64 cents. Signs follow the bridge: gains positive, losses negative, so that for every
customer and month ``c1 == c0 + sum(MOVEMENTS)`` exactly, and the same for every month's totals.
"""

from __future__ import annotations

import polars as pl

from csctl.core.mrr import to_cents

MOVEMENTS = (
    "new",
    "reactivation",
    "expansion",
    "price_uplift",
    "upsell",
    "contraction",
    "price_erosion",
    "churn",
)
HEADWIND = ("churn", "contraction", "price_erosion")
TAILWIND = ("expansion", "price_uplift", "upsell")
COUNTS = ("customers_start", "customers_new", "customers_reactivated", "customers_churned", "customers_end")


def _pairs(monthly: pl.LazyFrame, as_of: int) -> pl.LazyFrame:
    """(customer, product, month) with this month's and last month's MRR and quantity side by side."""
    current = monthly.select(
        "customer_id",
        "product",
        "month",
        v1="mrr",
        q1="quantity",
        v0=pl.lit(0, pl.Int64),
        q0=pl.lit(0.0, pl.Float64),
    )
    previous = monthly.select(
        "customer_id",
        "product",
        (pl.col("month") + 1).cast(pl.Int32).alias("month"),
        v1=pl.lit(0, pl.Int64),
        q1=pl.lit(0.0, pl.Float64),
        v0="mrr",
        q0="quantity",
    )
    return (
        pl.concat([current, previous], how="vertical")
        .filter(pl.col("month") <= as_of)
        .group_by("customer_id", "product", "month")
        .agg(pl.col("v1", "q1", "v0", "q0").sum())
    )


def customer_movements(monthly: pl.LazyFrame, as_of: int) -> pl.LazyFrame:
    """One row per (customer_id, month) where the customer had MRR in m-1 or m, up to the as-of month.

    Columns: customer_id, month, mrr_start (c(m-1)), mrr_end (c(m)), the eight MOVEMENTS (signed cents).
    """
    v0, v1, q0, q1 = pl.col("v0"), pl.col("v1"), pl.col("q0"), pl.col("q1")
    both = (v0 > 0) & (v1 > 0)
    price = (
        pl.when(both & (q0 > 0) & (q1 > 0))
        .then(to_cents((v1.cast(pl.Float64) / q1 - v0.cast(pl.Float64) / q0) * q0))
        .otherwise(0)
    )
    volume = pl.when(both).then(v1 - v0 - price).otherwise(0)
    zero = pl.lit(0, pl.Int64)
    # each product's movement as plain columns first, so the group-by only sums (its fast path)
    per_product = (
        _pairs(monthly, as_of)
        .with_columns(price=price)
        .with_columns(volume=volume)
        .select(
            "customer_id",
            "month",
            "v0",
            "v1",
            upsell=pl.when((v0 == 0) & (v1 > 0)).then(v1).otherwise(zero),
            contraction=pl.when((v0 > 0) & (v1 == 0)).then(-v0).otherwise(zero)
            + pl.min_horizontal(pl.col("volume"), zero),
            expansion=pl.max_horizontal(pl.col("volume"), zero),
            price_uplift=pl.max_horizontal(pl.col("price"), zero),
            price_erosion=pl.min_horizontal(pl.col("price"), zero),
        )
    )
    per_customer = per_product.group_by("customer_id", "month").agg(
        pl.col("v0").sum().alias("mrr_start"),
        pl.col("v1").sum().alias("mrr_end"),
        pl.col("upsell", "contraction", "expansion", "price_uplift", "price_erosion").sum(),
    )
    first = monthly.group_by("customer_id").agg(first_month=pl.col("month").min())
    c0, c1 = pl.col("mrr_start"), pl.col("mrr_end")
    retained = (c0 > 0) & (c1 > 0)
    arriving = (c0 == 0) & (c1 > 0)
    return (
        per_customer.join(first, on="customer_id", how="left")
        .with_columns(
            new=pl.when(arriving & (pl.col("first_month") == pl.col("month"))).then(c1).otherwise(zero),
            reactivation=pl.when(arriving & (pl.col("first_month") < pl.col("month"))).then(c1).otherwise(zero),
            churn=pl.when((c0 > 0) & (c1 == 0)).then(-c0).otherwise(zero),
            **{
                name: pl.when(retained).then(pl.col(name)).otherwise(zero)
                for name in ("expansion", "price_uplift", "upsell", "contraction", "price_erosion")
            },
        )
        .select("customer_id", "month", "mrr_start", "mrr_end", *MOVEMENTS)
    )


def monthly_bridge(movements: pl.LazyFrame, first_month: int, as_of: int) -> pl.LazyFrame:
    """Totals per month from first_month to as_of (months with no movement included), with counts.

    Money columns stay Int64 cents; counts are Int64.
    """
    c0, c1 = pl.col("mrr_start"), pl.col("mrr_end")
    totals = movements.group_by("month").agg(
        c0.sum(),
        *[pl.col(name).sum() for name in MOVEMENTS],
        c1.sum(),
        customers_start=(c0 > 0).sum(),
        customers_new=(pl.col("new") > 0).sum(),
        customers_reactivated=(pl.col("reactivation") > 0).sum(),
        customers_churned=(pl.col("churn") < 0).sum(),
        customers_end=(c1 > 0).sum(),
        retained_mrr=pl.min_horizontal(c0, c1).sum(),
    )
    months = pl.LazyFrame({"month": pl.int_range(first_month, as_of + 1, dtype=pl.Int32, eager=True)})
    money = ["mrr_start", *MOVEMENTS, "mrr_end", "retained_mrr"]
    return (
        months.join(totals, on="month", how="left")
        .with_columns(pl.col(money).fill_null(0).cast(pl.Int64), pl.col(COUNTS).fill_null(0).cast(pl.Int64))
        .sort("month")
    )


def ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator, null when the denominator is zero (DESIGN.md §4)."""
    return pl.when(denominator != 0).then(numerator.cast(pl.Float64) / denominator).otherwise(None)


def with_rates(bridge: pl.LazyFrame) -> pl.LazyFrame:
    """Add the month's rates to bridge totals (still in cents)."""
    headwind = pl.sum_horizontal(*HEADWIND)
    tailwind = pl.sum_horizontal(*TAILWIND)
    gains = pl.sum_horizontal("new", "reactivation", *TAILWIND)
    return bridge.with_columns(
        gross_revenue_churn=ratio(-headwind, pl.col("mrr_start")),
        net_revenue_churn=ratio(-(headwind + tailwind), pl.col("mrr_start")),
        logo_churn_rate=ratio(pl.col("customers_churned"), pl.col("customers_start")),
        grr=ratio(pl.col("retained_mrr"), pl.col("mrr_start")),
        nrr=ratio(pl.col("mrr_start") + headwind + tailwind, pl.col("mrr_start")),
        quick_ratio=ratio(gains, -headwind),
    )
