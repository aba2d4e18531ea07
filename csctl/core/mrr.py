"""Monthly MRR per customer and product (DESIGN.md §4 "Monthly MRR per customer and product").

Money is carried in integer cents from here on, so every identity of the bridge holds exactly.
The monthly table has one row per (customer_id, product, month) with ``mrr`` (Int64 cents, > 0) and
``quantity`` (Float64, the summed quantity of the positive-amount lines covering that month).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from csctl.core.months import index_of_date, month_index

IGNORED_STATUSES = ("void", "draft", "deleted")
DAYS_PER_MONTH = 30.4375
NO_PRODUCT = ""

MONTHLY_SCHEMA = {"customer_id": pl.String, "product": pl.String, "month": pl.Int32}


def to_cents(value: pl.Expr) -> pl.Expr:
    """Round a (possibly fractional) cents amount to whole cents, half away from zero.

    Rounding to micro-cents first snaps float noise (0.4999999) onto the exact half it stands for.
    """
    return value.round(6).round(0, mode="half_away_from_zero").cast(pl.Int64)


def active_lines(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Billing lines that count: status void, draft or deleted are ignored."""
    status = pl.col("status").str.strip_chars().str.to_lowercase()
    return lines.filter(status.is_null() | ~status.is_in(IGNORED_STATUSES))


def line_terms(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``start_month`` and ``n`` (months covered) to active billing lines."""
    days = (pl.col("period_end") - pl.col("period_start")).dt.total_days() + 1
    n = (
        pl.when(pl.col("period_end").is_null())
        .then(1)
        .otherwise(pl.max_horizontal(pl.lit(1), (days / DAYS_PER_MONTH).round(0)))
        .cast(pl.Int32)
    )
    return active_lines(lines).with_columns(start_month=month_index(pl.col("period_start")), n=n)


def _aggregate(spread: pl.LazyFrame) -> pl.LazyFrame:
    """Sum fractional cents per (customer, product, month); a negative sum counts as zero."""
    return (
        spread.with_columns(quantity=pl.when(pl.col("cents") > 0).then(pl.col("quantity")).otherwise(0.0))
        .group_by("customer_id", "product", "month")
        .agg(pl.col("cents").sum(), pl.col("quantity").sum().cast(pl.Float64))
        .with_columns(mrr=to_cents(pl.col("cents")))
        .filter(pl.col("mrr") > 0)
        .select("customer_id", "product", "month", "mrr", "quantity")
    )


def billing_monthly(lines: pl.LazyFrame, as_of: int | None = None) -> pl.LazyFrame:
    """Spread every active billing line over the months it covers and sum per customer and product."""
    terms = line_terms(lines).select(
        "customer_id",
        pl.col("product").fill_null(NO_PRODUCT),
        pl.col("quantity").cast(pl.Float64),
        (pl.col("amount") * 100 / pl.col("n")).alias("cents"),
        "start_month",
        "n",
    )
    # Most lines cover one month: only the others need exploding into one row per month.
    single = terms.filter(pl.col("n") == 1).select(
        "customer_id", "product", "quantity", "cents", pl.col("start_month").alias("month")
    )
    multi = (
        terms.filter(pl.col("n") > 1)
        .with_columns(offset=pl.int_ranges(0, pl.col("n"), dtype=pl.Int32))
        .explode("offset")
        .select(
            "customer_id",
            "product",
            "quantity",
            "cents",
            (pl.col("start_month") + pl.col("offset")).cast(pl.Int32).alias("month"),
        )
    )
    spread = pl.concat([single, multi], how="vertical")
    if as_of is not None:
        spread = spread.filter(pl.col("month") <= as_of)
    return _aggregate(spread)


def billing_as_of(lines: pl.LazyFrame) -> pl.LazyFrame:
    """One row, ``as_of``: the month of the latest period_start of an active line."""
    return active_lines(lines).select(as_of=month_index(pl.col("period_start").max()))


def billing_due(lines: pl.LazyFrame) -> pl.LazyFrame:
    """(customer_id, month) pairs where a customer is due for renewal: a term of theirs ended in month - 1."""
    # pairs may repeat (several lines end in the same month): the semi join that uses them does not mind
    return line_terms(lines).select("customer_id", month=(pl.col("start_month") + pl.col("n")).cast(pl.Int32))


def subscriptions_as_of(subs: pl.LazyFrame, today: dt.date) -> pl.LazyFrame:
    """The month of the latest start_date or end_date, capped at the current month."""
    latest = pl.max_horizontal(pl.col("start_date").max(), pl.col("end_date").max())
    return subs.select(as_of=pl.min_horizontal(month_index(latest), pl.lit(index_of_date(today))))


def subscriptions_monthly(subs: pl.LazyFrame, as_of: int) -> pl.LazyFrame:
    """A subscription row counts its mrr in every month M with month(start) <= M < month(end), up to as-of."""
    first = month_index(pl.col("start_date"))
    stop = pl.when(pl.col("end_date").is_null()).then(as_of + 1).otherwise(month_index(pl.col("end_date")))
    stop = pl.min_horizontal(stop, pl.lit(as_of + 1))
    spread = (
        subs.select(
            "customer_id",
            pl.col("product").fill_null(NO_PRODUCT),
            pl.col("quantity").cast(pl.Float64),
            (pl.col("mrr") * 100).alias("cents"),
            first.alias("first"),
            stop.cast(pl.Int32).alias("stop"),
        )
        .filter(pl.col("stop") > pl.col("first"))
        .with_columns(month=pl.int_ranges(pl.col("first"), pl.col("stop"), dtype=pl.Int32))
        .explode("month")
        .drop("first", "stop")
    )
    return _aggregate(spread)


def customer_monthly(monthly: pl.LazyFrame) -> pl.LazyFrame:
    """Customer MRR c(m) in cents: one row per (customer_id, month) with mrr > 0."""
    return monthly.group_by("customer_id", "month").agg(pl.col("mrr").sum())
