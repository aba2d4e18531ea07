"""The billing export (invoice lines in the canonical layout, BILLING_COLUMNS) and its Stripe-style copy
(STRIPE_COLUMNS: Stripe's "invoice line items" headers, money as "$1,234.50", timestamps)."""

from __future__ import annotations

import polars as pl

from csctl.sample.company import DEFAULT_CUSTOMERS, DEFAULT_MONTHS, DEFAULT_SEED, DEFAULT_START, _customer_ids
from csctl.sample.invoices import _ITEMS, _STATUSES
from csctl.sample.timeline import _simulate

BILLING_COLUMNS = (
    "invoice_id",
    "customer_id",
    "customer_name",
    "product",
    "plan",
    "quantity",
    "unit_price",
    "amount",
    "currency",
    "period_start",
    "period_end",
    "status",
)


# canonical billing column -> Stripe-style "invoice line items" header
STRIPE_COLUMNS = {
    "invoice_id": "Invoice ID",
    "customer_id": "Customer ID",
    "customer_name": "Customer Name",
    "product": "Description",
    "plan": "Plan",
    "quantity": "Quantity",
    "unit_price": "Unit Amount",
    "amount": "Amount",
    "currency": "Currency",
    "period_start": "Period Start (UTC)",
    "period_end": "Period End (UTC)",
    "status": "Status",
}
STRIPE_TIMESTAMP_FORMAT = "%Y-%m-%d 00:00:00"


def generate_billing(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """Invoice lines of the sample company in the canonical billing layout (BILLING_COLUMNS order), as exported
    on export_day(months, start): invoices issued up to that day of the history's last month."""
    lines, accounts = _simulate(customers, months, seed, start)
    names = pl.Series("customer_name", [a.name for a in accounts], dtype=pl.String)
    frame = pl.DataFrame(
        {
            "key": pl.Series(lines.key, dtype=pl.Int64),
            "line": pl.Series(lines.line, dtype=pl.Int16),
            "cust": pl.Series(lines.cust, dtype=pl.Int32),
            "item": pl.Series(lines.item, dtype=pl.Int8),
            "quantity": pl.Series(lines.quantity, dtype=pl.Int64),
            # cents / 100 in Python is the nearest double to the decimal; Polars' division may be 1 ulp off
            "unit_price": pl.Series([v / 100 for v in lines.unit], dtype=pl.Float64),
            "amount": pl.Series([v / 100 for v in lines.amount], dtype=pl.Float64),
            "period_start": pl.Series(lines.start, dtype=pl.Int32).cast(pl.Date),
            "period_end": pl.Series(lines.end, dtype=pl.Int32).cast(pl.Date),
            "status": pl.Series(lines.status, dtype=pl.Int8),
        }
    ).sort("key", "line")
    products = {i: product for i, (product, _) in enumerate(_ITEMS)}
    plans = {i: plan for i, (_, plan) in enumerate(_ITEMS)}
    statuses = dict(enumerate(_STATUSES))
    return frame.select(
        invoice_id=pl.lit("INV-") + pl.col("key").rank("dense").cast(pl.String).str.zfill(7),
        customer_id=_customer_ids(pl.col("cust")),
        customer_name=names.gather(frame["cust"]),
        product=pl.col("item").replace_strict(products, return_dtype=pl.String),
        plan=pl.col("item").replace_strict(plans, return_dtype=pl.String),
        quantity=pl.col("quantity"),
        unit_price=pl.col("unit_price"),
        amount=pl.col("amount"),
        currency=pl.lit("USD"),
        period_start=pl.col("period_start"),
        period_end=pl.col("period_end"),
        status=pl.col("status").replace_strict(statuses, return_dtype=pl.String),
    )


def _money(cents: int) -> str:
    """Cents as Stripe-style text: 120000 -> "$1,200.00", -1200 -> "-$12.00"."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def _money_text(cents: list[int | None]) -> list[str | None]:
    return [None if c is None else _money(c) for c in cents]


def to_stripe_style(billing: pl.DataFrame) -> pl.DataFrame:
    """Canonical billing lines as a Stripe-like "invoice line items" export carrying the same information.

    Headers follow STRIPE_COLUMNS, after a line ``id`` (``il_<invoice>_<n>``, n counting the invoice's lines);
    money is text like "$1,200.00" or "-$12.00"; dates are "YYYY-MM-DD 00:00:00" timestamps (Period End is the
    inclusive last day); currency is lowercase. Each column maps back to one canonical column without loss;
    canonical columns that are absent are left out.
    """
    columns: list[pl.Expr | pl.Series] = []
    if "invoice_id" in billing.columns:
        line_no = (pl.int_range(pl.len()).over("invoice_id") + 1).cast(pl.String)
        columns.append(pl.format("il_{}_{}", pl.col("invoice_id"), line_no).alias("id"))
    else:
        columns.append(pl.format("il_{}", (pl.int_range(pl.len()) + 1).cast(pl.String)).alias("id"))
    for name, header in STRIPE_COLUMNS.items():
        if name not in billing.columns:
            continue
        if name in ("unit_price", "amount"):
            cents = (billing[name] * 100).round(0).cast(pl.Int64).to_list()
            columns.append(pl.Series(header, _money_text(cents), dtype=pl.String))
        elif name in ("period_start", "period_end"):
            columns.append(pl.col(name).dt.strftime(STRIPE_TIMESTAMP_FORMAT).alias(header))
        elif name == "currency":
            columns.append(pl.col(name).str.to_lowercase().alias(header))
        else:
            columns.append(pl.col(name).alias(header))
    return billing.select(columns)
