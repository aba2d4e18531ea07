"""Tests of the synthetic sample company (csctl.core.sample).

MRR and the bridge are recomputed here with a small plain-Python implementation of DESIGN.md §4, independent
of csctl.core.mrr / csctl.core.bridge.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from csctl.core import sample
from csctl.core.sample import generate_billing, generate_customers, to_stripe_style

Row = dict[str, Any]
ProductMonth = dict[str, tuple[float, int]]  # product -> (MRR, quantity)


# --- a plain-Python MRR (DESIGN.md §4) -------------------------------------------------------------------


def months_covered(row: Row) -> int:
    start, end = row["period_start"], row["period_end"]
    if end is None:
        return 1
    return max(1, round(((end - start).days + 1) / 30.4375))


def month_of(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


class Mrr:
    """Per (customer, month): product -> (MRR, quantity), and customer MRR c(m)."""

    def __init__(self, rows: list[Row], *, credits: bool = True) -> None:
        value: dict[tuple[str, str, int], float] = defaultdict(float)
        quantity: dict[tuple[str, str, int], int] = defaultdict(int)
        for row in rows:
            if row["status"] in ("void", "draft", "deleted") or (not credits and row["amount"] < 0):
                continue
            n = months_covered(row)
            first = month_of(row["period_start"])
            for k in range(n):
                key = (row["customer_id"], row["product"], first + k)
                value[key] += row["amount"] / n
                if row["amount"] > 0:
                    quantity[key] += row["quantity"]
        self.products: dict[tuple[str, int], ProductMonth] = defaultdict(dict)
        for (cust, product, month), v in value.items():
            self.products[(cust, month)][product] = (max(v, 0.0), quantity.get((cust, product, month), 0))
        self.c: dict[tuple[str, int], float] = {
            key: sum(v for v, _ in per_product.values()) for key, per_product in self.products.items()
        }
        self.customers = sorted({cust for cust, _ in self.c})

    def of(self, cust: str, month: int) -> float:
        return self.c.get((cust, month), 0.0)

    def total(self, month: int) -> float:
        return sum(self.of(cust, month) for cust in self.customers)

    def active(self, month: int) -> list[str]:
        return [cust for cust in self.customers if self.of(cust, month) > 0]

    def headwind(self, month: int) -> tuple[float, float]:
        """(mrr_start, churn + contraction + price erosion as a positive number) for month against month-1."""
        start = lost = 0.0
        for cust in self.customers:
            c0, c1 = self.of(cust, month - 1), self.of(cust, month)
            start += c0
            if c0 > 0 and c1 <= 0:
                lost += c0
            elif c0 > 0:
                p0s, p1s = self.products[(cust, month - 1)], self.products[(cust, month)]
                for product in set(p0s) | set(p1s):
                    v0, q0 = p0s.get(product, (0.0, 0))
                    v1, q1 = p1s.get(product, (0.0, 0))
                    if v0 > 0 and v1 <= 0:
                        lost += v0
                    elif v0 > 0:
                        price = (v1 / q1 - v0 / q0) * q0 if q0 and q1 else 0.0
                        volume = (v1 - v0) - price
                        lost += max(0.0, -volume) + max(0.0, -price)
        return start, lost


# --- fixtures ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def billing() -> pl.DataFrame:
    return generate_billing()


@pytest.fixture(scope="module")
def rows(billing: pl.DataFrame) -> list[Row]:
    return billing.to_dicts()


@pytest.fixture(scope="module")
def mrr(rows: list[Row]) -> Mrr:
    return Mrr(rows)


LAST = month_of(dt.date(2026, 10, 1))  # default: 36 months from 2023-11


def cents(value: float) -> int:
    return round(value * 100)


# --- shape and contract ------------------------------------------------------------------------------------


def test_layout_and_types(billing: pl.DataFrame, rows: list[Row]) -> None:
    assert billing.columns == list(sample.BILLING_COLUMNS)
    assert billing.schema == pl.Schema(
        {
            "invoice_id": pl.String,
            "customer_id": pl.String,
            "customer_name": pl.String,
            "product": pl.String,
            "quantity": pl.Int64,
            "unit_price": pl.Float64,
            "amount": pl.Float64,
            "currency": pl.String,
            "period_start": pl.Date,
            "period_end": pl.Date,
            "status": pl.String,
        }
    )
    assert billing.null_count().sum_horizontal().item() == 0
    assert billing["customer_id"].n_unique() == 300
    assert billing["customer_id"].str.contains(r"^C\d{5}$").all()
    assert "C00001" in billing["customer_id"]
    assert set(billing["currency"]) == {"USD"}
    assert set(billing["status"]) == {"paid", "open", "void"}
    assert set(billing["product"]) == {p.name for p in sample.PRODUCTS}
    first, last = billing.select(a=pl.col("period_start").min(), b=pl.col("period_start").max()).row(0)
    assert first == dt.date(2023, 11, 1)
    assert last <= dt.date(2026, 10, 31)
    # each account has one name, and names are unique
    assert billing.group_by("customer_id").agg(pl.col("customer_name").n_unique())["customer_name"].max() == 1
    assert billing.select(pl.col("customer_name").n_unique()).item() == 300
    for row in rows:
        assert row["period_end"] >= row["period_start"]
        assert cents(row["unit_price"]) == round(row["unit_price"] * 100, 6)  # whole cents
        if row["amount"] >= 0:
            assert row["quantity"] > 0
            n = months_covered(row)
            assert n in (1, 3, 12)
            assert cents(row["amount"]) == row["quantity"] * cents(row["unit_price"]) * n
        else:  # a credit: one month, quantity 1
            assert months_covered(row) == 1
            assert row["quantity"] == 1 and row["unit_price"] == row["amount"]


def test_invoice_lines_share_customer_and_start(billing: pl.DataFrame) -> None:
    per_invoice = billing.group_by("invoice_id").agg(
        pl.col("customer_id").n_unique(), pl.col("period_start").n_unique(), pl.col("status").n_unique()
    )
    assert per_invoice.select(pl.exclude("invoice_id").max()).row(0) == (1, 1, 1)
    # rows come in invoice order
    assert billing["invoice_id"].is_sorted()


def test_deterministic_and_seeded() -> None:
    first = generate_billing(customers=80, months=20)
    assert first.equals(generate_billing(customers=80, months=20))
    assert generate_customers(customers=80, months=20).equals(generate_customers(customers=80, months=20))
    other = generate_billing(customers=80, months=20, seed=8)
    assert not first.equals(other)
    assert not first.select("amount").equals(other.select("amount"))


@pytest.mark.parametrize(("short", "extra"), [(24, 12), (6, 30), (35, 1)])
def test_prefix_stability(billing: pl.DataFrame, short: int, extra: int) -> None:
    longer = billing if short + extra == 36 else generate_billing(months=short + extra)
    y, m = divmod(2023 * 12 + 10 + short, 12)
    cutoff = dt.date(y, m + 1, 1)
    prefix = longer.filter(pl.col("period_start") < cutoff)
    assert len(prefix) < len(longer)
    assert prefix.equals(generate_billing(months=short))


def test_start_month_and_fewer_months() -> None:
    short = generate_billing(customers=300, months=12, start="2020-02")
    first, last = short.select(a=pl.col("period_start").min(), b=pl.col("period_start").max()).row(0)
    assert first >= dt.date(2020, 2, 1)
    assert dt.date(2021, 1, 1) <= last < dt.date(2021, 2, 1)
    ids = sorted(set(short["customer_id"]))
    # arrivals do not depend on months: a shorter history holds a prefix of the accounts
    assert 30 < len(ids) < 300
    assert ids == [f"C{i:05d}" for i in range(1, len(ids) + 1)]
    assert sample.arrival_months(300, 7) == sorted(sample.arrival_months(300, 7))
    assert len(sample.arrival_months(300, 7)) == 300
    with pytest.raises(ValueError, match="YYYY-MM"):
        generate_billing(start="2023/11")


# --- the features of a realistic company -------------------------------------------------------------------


def test_terms_and_anchors(rows: list[Row]) -> None:
    charges = [r for r in rows if r["amount"] > 0 and r["status"] != "void"]
    terms = {months_covered(r) for r in charges}
    assert terms == {1, 3, 12}
    assert any(r["period_start"].day != 1 for r in charges)
    assert any(r["period_start"].day == 1 for r in charges)
    # a monthly line from the 15th ends on the 14th of the next month (period_end inclusive)
    mid = next(r for r in charges if r["period_start"].day == 15 and months_covered(r) == 1)
    start = mid["period_start"]
    y, m = divmod(start.year * 12 + start.month, 12)
    assert mid["period_end"] == dt.date(y, m + 1, 14)


def test_void_lines_duplicate_or_cancel_real_invoices(billing: pl.DataFrame) -> None:
    void = billing.filter(pl.col("status") == "void")
    assert len(void) > 0
    real = billing.filter(pl.col("status") != "void")
    keys = ["customer_id", "period_start", "product"]
    matched = void.join(real, on=keys, how="inner", suffix="_real")
    assert matched["invoice_id"].n_unique() == void["invoice_id"].n_unique()  # every void has a real twin
    assert (matched["invoice_id"] != matched["invoice_id_real"]).all()
    same = (matched["quantity"] == matched["quantity_real"]) & (matched["amount"] == matched["amount_real"])
    assert same.any()  # exact duplicates
    assert (~same).any()  # cancelled invoices with a wrong quantity, reissued


def test_credits(billing: pl.DataFrame) -> None:
    credits = billing.filter(pl.col("amount") < 0)
    assert len(credits) > 0
    assert credits["product"].str.starts_with("Platform ").all()
    # a credit sits on an invoice that charges the same product
    charged = billing.filter(pl.col("amount") > 0).select("invoice_id", "product").unique()
    assert len(credits.join(charged, on=["invoice_id", "product"], how="semi")) == len(credits)


def test_movements(mrr: Mrr) -> None:
    seen: dict[str, int] = defaultdict(int)
    for cust in mrr.customers:
        had_mrr = False
        for month in range(LAST - 35, LAST + 1):
            c0, c1 = mrr.of(cust, month - 1), mrr.of(cust, month)
            if c0 <= 0 < c1 and had_mrr:
                seen["reactivation"] += 1
            if c0 > 0 and c1 <= 0:
                seen["churn"] += 1
            had_mrr = had_mrr or c1 > 0
            if c0 > 0 and c1 > 0:
                p0s, p1s = mrr.products[(cust, month - 1)], mrr.products[(cust, month)]
                for product in set(p0s) | set(p1s):
                    (v0, q0), (v1, q1) = p0s.get(product, (0.0, 0)), p1s.get(product, (0.0, 0))
                    if v0 <= 0 < v1:
                        seen["upsell"] += 1
                    elif v1 <= 0 < v0:
                        seen["drop"] += 1
                    elif q1 > q0 > 0:
                        seen["seats_up"] += 1
                    elif q0 > q1 > 0:
                        seen["seats_down"] += 1
    for movement in ("reactivation", "churn", "upsell", "drop", "seats_up", "seats_down"):
        assert seen[movement] > 0, movement


def test_price_rises_and_discounts(rows: list[Row]) -> None:
    charges = sorted(
        (r for r in rows if r["amount"] > 0 and r["status"] != "void"),
        key=lambda r: (r["customer_id"], r["period_start"], r["product"]),
    )
    rises = 0
    invoices = itertools.groupby(charges, key=lambda r: (r["customer_id"], r["period_start"]))
    customer, since, previous, previous_end = "", dt.date.min, dict[str, float](), dt.date.min
    for (cust, start), lines in invoices:
        invoice = list(lines)
        if cust != customer or start != previous_end + dt.timedelta(days=1):  # a new contract
            customer, since, previous = cust, start, {}
        for line in invoice:
            if line["product"] in previous and line["unit_price"] > previous[line["product"]]:
                rises += 1
                # the yearly price review, at a renewal at least 12 months after the last one
                assert start == since or (start - since).days >= 365, (cust, start, since)
                since = start
        previous = {line["product"]: line["unit_price"] for line in invoice}
        previous_end = invoice[0]["period_end"]
    assert rises > 0
    ratios = [r["unit_price"] / sample.list_price(r["product"], r["period_start"]) for r in charges]
    assert max(ratios) <= 1.0 + 1e-9  # never above list
    assert any(ratio <= 0.9 + 1e-6 for ratio in ratios)  # discounts of 10-20%
    assert min(ratios) >= 0.8 / 1.05**2 - 1e-6
    assert sum(ratio == 1.0 for ratio in ratios) > len(ratios) / 4  # many pay today's list price
    editions = {r["product"] for r in charges if r["product"].startswith("Platform ")}
    assert editions == {"Platform Starter", "Platform Growth", "Platform Enterprise"}


# --- calibration -------------------------------------------------------------------------------------------


def test_calibration(mrr: Mrr) -> None:
    active = mrr.active(LAST)
    arpa = mrr.total(LAST) / len(active)
    assert 375 <= arpa <= 625, arpa
    rates = []
    for month in range(LAST - 11, LAST + 1):
        start, lost = mrr.headwind(month)
        rates.append(lost / start)
    gross_churn = sum(rates) / len(rates)
    assert 0.005 <= gross_churn <= 0.02, gross_churn
    # the company grows
    assert mrr.total(LAST) > 1.5 * mrr.total(LAST - 24) > 0
    assert len(mrr.active(LAST)) > len(mrr.active(LAST - 24))
    assert sample.GROSS_MARGIN == 0.75


# --- Stripe-style export -----------------------------------------------------------------------------------


def parse_money(text: str) -> int:
    negative = text.startswith("-")
    body = text.removeprefix("-")
    assert body.startswith("$")
    value = Decimal(body.removeprefix("$").replace(",", ""))
    return int((-value if negative else value) * 100)


def test_stripe_style_round_trips(billing: pl.DataFrame) -> None:
    stripe = to_stripe_style(billing)
    assert stripe.columns == ["id", *sample.STRIPE_COLUMNS.values()]
    assert stripe.columns[:4] == ["id", "Invoice ID", "Customer ID", "Customer Name"]
    assert stripe["id"].n_unique() == len(stripe)
    assert all(dtype == pl.String for name, dtype in stripe.schema.items() if name != "Quantity")
    assert set(stripe["Currency"]) == {"usd"}
    assert stripe["Amount"].str.contains(r"^-?\$\d{1,3}(,\d{3})*\.\d{2}$").all()
    assert (stripe["Amount"].str.starts_with("-$")).any()
    assert (stripe["Amount"].str.contains(",")).any()
    assert stripe["Period Start (UTC)"].str.contains(r"^\d{4}-\d{2}-\d{2} 00:00:00$").all()

    def day(text: str) -> dt.date:
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").date()

    back = pl.DataFrame(
        {
            "invoice_id": stripe["Invoice ID"],
            "customer_id": stripe["Customer ID"],
            "customer_name": stripe["Customer Name"],
            "product": stripe["Description"],
            "quantity": stripe["Quantity"],
            "unit_price": [parse_money(v) / 100 for v in stripe["Unit Amount"]],
            "amount": [parse_money(v) / 100 for v in stripe["Amount"]],
            "currency": stripe["Currency"].str.to_uppercase(),
            "period_start": [day(v) for v in stripe["Period Start (UTC)"]],
            "period_end": [day(v) for v in stripe["Period End (UTC)"]],
            "status": stripe["Status"],
        }
    )
    assert back.equals(billing)


def test_stripe_money_format() -> None:
    frame = pl.DataFrame(
        {
            "invoice_id": ["INV-1", "INV-1", "INV-2"],
            "amount": [1200.0, -12.0, 1234567.89],
            "unit_price": [0.05, -12.0, 999.99],
        }
    )
    stripe = to_stripe_style(frame)
    assert stripe["Amount"].to_list() == ["$1,200.00", "-$12.00", "$1,234,567.89"]
    assert stripe["Unit Amount"].to_list() == ["$0.05", "-$12.00", "$999.99"]
    assert stripe["id"].to_list() == ["il_INV-1_1", "il_INV-1_2", "il_INV-2_1"]


# --- CRM accounts ------------------------------------------------------------------------------------------


def test_customers_consistent_with_billing(billing: pl.DataFrame, rows: list[Row], mrr: Mrr) -> None:
    accounts = generate_customers()
    assert accounts.columns == list(sample.CUSTOMER_COLUMNS)
    assert accounts["customer_id"].to_list() == sorted(set(billing["customer_id"]))
    assert accounts["start_date"].dtype == pl.Date and accounts["renewal_date"].dtype == pl.Date
    assert accounts["employees"].dtype == pl.Int64 and (accounts["employees"] > 0).all()
    assert accounts["csm"].n_unique() == 6
    assert set(accounts["segment"]) == {"SMB", "Mid-Market", "Enterprise"}
    assert set(accounts["edition"]) == {"Professional", "Enterprise"}
    names = billing.select("customer_id", "customer_name").unique()
    named = accounts.join(names, left_on=["customer_id", "name"], right_on=names.columns, how="semi")
    assert len(named) == 300

    real = [r for r in rows if r["status"] != "void"]
    first_day: dict[str, dt.date] = {}
    for r in real:
        cust = r["customer_id"]
        first_day[cust] = min(first_day.get(cust, r["period_start"]), r["period_start"])
    contract = Mrr(real, credits=False)
    end_of_history = dt.date(2026, 10, 31)
    churned = 0
    for account in accounts.iter_rows(named=True):
        cust = account["customer_id"]
        assert account["start_date"] == first_day[cust]
        if mrr.of(cust, LAST) > 0:
            assert account["churn_reason"] is None
            assert end_of_history < account["renewal_date"] <= end_of_history + dt.timedelta(days=366)
            arr = 12 * contract.of(cust, LAST)
            assert account["segment"] == next(s for s, floor in sample.SEGMENT_ARR if arr >= floor - 1e-6)
            core = [p for p in contract.products[(cust, LAST)] if p.startswith("Platform ")]
            assert len(core) == 1
            edition = "Enterprise" if core[0] == "Platform Enterprise" else "Professional"
            assert account["edition"] == edition
            assert account["csm"] in sample.CSMS[account["segment"]]
        else:
            churned += 1
            assert account["churn_reason"] in sample.CHURN_REASONS
            assert account["renewal_date"] is None
    assert 10 < churned < 150
