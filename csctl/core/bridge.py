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


def product_monthly(plans: pl.LazyFrame) -> pl.LazyFrame:
    """Held plans summed per (customer, product, month): mrr (cents), quantity, and ``plans``, a key of the
    product's set of held plans (a sum of the plans' hashes: equal sets give equal keys)."""
    return plans.group_by("customer_id", "product", "month").agg(
        pl.col("mrr").sum(),
        pl.col("quantity").sum().cast(pl.Float64),
        plans=pl.col("plan").cast(pl.String).hash(7).sum(),
    )


def customer_monthly(plans: pl.LazyFrame, credits: pl.LazyFrame) -> pl.LazyFrame:
    """c(m) = max(0, Σ held + Σ credits) per (customer_id, month), only where it is > 0."""
    held = plans.select("customer_id", "month", total="mrr")
    credit = credits.select("customer_id", "month", total="credit")
    return (
        pl.concat([held, credit], how="vertical")
        .group_by("customer_id", "month")
        .agg(pl.col("total").sum())
        .filter(pl.col("total") > 0)
        .select("customer_id", "month", mrr="total")
    )


def _pairs(frame: pl.LazyFrame, keys: list[str], values: dict[str, pl.Expr], first: int, last: int) -> pl.LazyFrame:
    """Rows of month m-1 and m side by side per key: each value as ``<name>0`` (m-1) and ``<name>1`` (m), 0 where
    the key has no row that month. One concatenation and a group-by that only sums (Polars' fast path)."""
    current = frame.select(
        *keys,
        "month",
        **{f"{k}1": v for k, v in values.items()},
        **{f"{k}0": pl.lit(0).cast(frame.select(v).collect_schema().dtypes()[0]) for k, v in values.items()},
    )
    previous = frame.select(
        *keys,
        (pl.col("month") + 1).cast(pl.Int32).alias("month"),
        **{f"{k}1": pl.lit(0).cast(frame.select(v).collect_schema().dtypes()[0]) for k, v in values.items()},
        **{f"{k}0": v for k, v in values.items()},
    )
    names = [f"{k}{side}" for side in (0, 1) for k in values]
    return (
        pl.concat([current, previous], how="vertical")
        .filter(pl.col("month").is_between(first, last))
        .group_by(*keys, "month")
        .agg(pl.col(names).sum())
    )


def customer_movements(
    plans: pl.LazyFrame,
    credits: pl.LazyFrame,
    customer_mrr: pl.LazyFrame,
    first: int,
    as_of: int,
    *,
    has_plans: bool = True,
) -> pl.LazyFrame:
    """One row per (customer_id, month) from ``first`` to ``as_of`` where the customer had MRR in m-1 or m.

    ``has_plans=False`` says every plan is the same (no plan column): products are then taken as they are.
    Columns: customer_id, month, mrr_start (c(m-1)), mrr_end (c(m)), the eight MOVEMENTS (signed cents).
    """
    zero = pl.lit(0, pl.Int64)
    products = _pairs(
        product_monthly(plans) if has_plans else plans.select(pl.exclude("plan"), plans=pl.lit(0, pl.UInt64)),
        ["customer_id", "product"],
        {"v": pl.col("mrr"), "q": pl.col("quantity"), "p": pl.col("plans")},
        first,
        as_of,
    )
    v0, v1, q0, q1 = pl.col("v0"), pl.col("v1"), pl.col("q0"), pl.col("q1")
    both = (v0 > 0) & (v1 > 0)
    same_plan = both & (pl.col("p0") == pl.col("p1"))
    price = (
        pl.when(same_plan & (q0 > 0) & (q1 > 0))
        .then(to_cents((v1.cast(pl.Float64) / q1 - v0.cast(pl.Float64) / q0) * q0))
        .otherwise(0)
    )
    volume = pl.when(both).then(v1 - v0 - price).otherwise(0)
    # each product's movement as plain columns first, so the group-by only sums (its fast path)
    per_product = (
        products.with_columns(price=price)
        .with_columns(volume=volume)
        .select(
            "customer_id",
            "month",
            held0=v0,
            held1=v1,
            cr0=zero,
            cr1=zero,
            upsell=pl.when((v0 == 0) & (v1 > 0)).then(v1).otherwise(zero),
            contraction=pl.when((v0 > 0) & (v1 == 0)).then(-v0).otherwise(zero)
            + pl.min_horizontal(pl.col("volume"), zero),
            expansion=pl.max_horizontal(pl.col("volume"), zero),
            price_uplift=pl.max_horizontal(pl.col("price"), zero),
            price_erosion=pl.min_horizontal(pl.col("price"), zero),
        )
    )
    credit_change = (
        _pairs(credits, ["customer_id"], {"cr": pl.col("credit")}, first, as_of)
        .with_columns(credit_change=pl.col("cr1") - pl.col("cr0"))
        .select(
            "customer_id",
            "month",
            held0=zero,
            held1=zero,
            cr0="cr0",
            cr1="cr1",
            upsell=zero,
            contraction=zero,
            expansion=zero,
            price_uplift=pl.max_horizontal(pl.col("credit_change"), zero),
            price_erosion=pl.min_horizontal(pl.col("credit_change"), zero),
        )
    )
    per_customer = (
        pl.concat([per_product, credit_change], how="vertical")
        .group_by("customer_id", "month")
        .agg(pl.all().sum())
        .with_columns(
            mrr_start=pl.max_horizontal(pl.col("held0") + pl.col("cr0"), zero),
            mrr_end=pl.max_horizontal(pl.col("held1") + pl.col("cr1"), zero),
        )
        .filter((pl.col("mrr_start") > 0) | (pl.col("mrr_end") > 0))
    )
    first_month = customer_mrr.group_by("customer_id").agg(first_month=pl.col("month").min())
    c0, c1 = pl.col("mrr_start"), pl.col("mrr_end")
    retained = (c0 > 0) & (c1 > 0)
    arriving = (c0 == 0) & (c1 > 0)
    return (
        per_customer.join(first_month, on="customer_id", how="left")
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
