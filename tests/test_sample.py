"""Tests of the synthetic sample company (csctl.sample).

MRR and the bridge are recomputed here with a small plain-Python implementation of DESIGN.md §4 (revised: a
month-end snapshot of service periods normalised to a month), independent of csctl.core.mrr / csctl.core.bridge.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import itertools
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from csctl import sample
from csctl.sample import generate_billing, generate_customers, to_stripe_style
from csctl.sample.invoices import _STATUSES
from csctl.sample.revenue import bridge as revenue_bridge
from csctl.sample.timeline import _simulate
from csctl.sample.workspace import _WORKSPACE_TABLES

Row = dict[str, Any]
ProductMonth = dict[str, tuple[float, float, Any]]  # product -> (MRR, quantity, plan)
EXCLUDED = {"void", "voided", "draft", "deleted", "canceled", "cancelled"}
DAY = dt.timedelta(days=1)


# --- a plain-Python MRR (DESIGN.md §4, revised) ------------------------------------------------------------


def add_months(day: dt.date, n: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 + n, 12)
    return dt.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def interval(start: dt.date, end: dt.date) -> float | None:
    """The interval in months of a whole line (a week is 12/52), None for a partial one. A cycle of n months from
    an anchor day that a shorter month clamps (Jan 31 -> Feb 28 -> Mar 31) is whole both ways."""
    if (end - start).days == 6:
        return 12 / 52
    after = end + DAY
    for n in (1, 3, 6, 12):
        if add_months(after, -n) == start or add_months(start, n) == after:
            return n
    return None


def month_of(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_end(month: int) -> dt.date:
    y, m = divmod(month + 1, 12)
    return dt.date(y, m + 1, 1) - DAY


def service_lines(rows: list[Row]) -> list[Row]:
    """The lines that count as MRR, each with its interval and monthly rate."""
    lines = []
    for row in rows:
        start, end = row["period_start"], row["period_end"]
        if row["status"] in EXCLUDED or (end is None and row["amount"] < 0) or start == end:
            continue  # never stood, a refund, a one-off charge
        lines.append(row | {"period_end": end or add_months(start, 1) - DAY})
    by_product: dict[tuple[str, Any], list[Row]] = defaultdict(list)
    for line in lines:
        line["interval"] = interval(line["period_start"], line["period_end"])
        by_product[(line["customer_id"], line["product"])].append(line)
    for group in by_product.values():
        whole = [line for line in group if line["interval"]]
        for line in group:
            if line["interval"]:
                line["rate"] = line["amount"] / line["interval"]
                continue
            start, end = line["period_start"], line["period_end"]
            nearest = min(whole, key=lambda w: max((w["period_start"] - end).days, (start - w["period_end"]).days, 0))
            months = nearest["interval"]
            cycle = 7 if months < 1 else (end + DAY - add_months(end + DAY, -months)).days
            line["rate"] = line["amount"] / (months * ((end - start).days + 1) / cycle)
    return lines


class Mrr:
    """Per (customer, month): product -> (MRR, quantity, plan) of its held plans, and customer MRR c(m)."""

    def __init__(self, rows: list[Row]) -> None:
        cells: dict[tuple[str, int, Any, Any], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for line in service_lines(rows):
            first, last = month_of(line["period_start"]), month_of(line["period_end"])
            if line["period_end"] != month_end(last):
                last -= 1
            for month in range(first, last + 1):
                cell = cells[(line["customer_id"], month, line["product"], line["plan"])]
                cell[0] += max(line["rate"], 0.0)
                cell[1] += line["rate"]
                cell[2] += (line["quantity"] or 0) * (1 if line["rate"] > 0 else -1)
        self.products: dict[tuple[str, int], ProductMonth] = defaultdict(dict)
        self.credits: dict[tuple[str, int], float] = defaultdict(float)
        for (cust, month, product, plan), (gross, rates, quantity) in cells.items():
            net = round(rates, 2)
            if gross <= 0:
                self.credits[(cust, month)] += net
            elif net > 0 and net >= 0.01 * gross:
                value, seats, plans = self.products[(cust, month)].get(product, (0.0, 0.0, ()))
                self.products[(cust, month)][product] = (value + net, seats + quantity, (*plans, plan))
        keys = set(self.products) | set(self.credits)
        self.c = {key: max(0.0, sum(v for v, _, _ in self.products[key].values()) + self.credits[key]) for key in keys}
        self.customers = sorted({cust for cust, _ in self.c})

    def of(self, cust: str, month: int) -> float:
        return self.c.get((cust, month), 0.0)

    def total(self, month: int) -> float:
        return sum(self.of(cust, month) for cust in self.customers)

    def active(self, month: int) -> list[str]:
        return [cust for cust in self.customers if self.of(cust, month) > 0]

    def headwind(self, month: int) -> tuple[float, float]:
        """(mrr_start, churn + contraction + price erosion as a positive number) for month against month-1."""
        moves = bridge(self, month)
        return moves["mrr_start"], -(moves["churn"] + moves["contraction"] + moves["price_erosion"])


def bridge(mrr: Mrr, month: int) -> dict[str, float]:
    """The movements of month against month-1 (DESIGN.md §4), signed as in the bridge, and mrr_start."""
    out: dict[str, float] = defaultdict(float)
    for cust in mrr.customers:
        c0, c1 = mrr.of(cust, month - 1), mrr.of(cust, month)
        out["mrr_start"] += c0
        if c0 <= 0 < c1:
            earlier = any(mrr.of(cust, m) > 0 for m in range(LAST - 40, month - 1))
            out["reactivation" if earlier else "new"] += c1
        elif c1 <= 0 < c0:
            out["churn"] -= c0
        elif c0 > 0:
            p0s, p1s = mrr.products[(cust, month - 1)], mrr.products[(cust, month)]
            for product in set(p0s) | set(p1s):
                v0, q0, plan0 = p0s.get(product, (0.0, 0.0, None))
                v1, q1, plan1 = p1s.get(product, (0.0, 0.0, None))
                if v0 <= 0 < v1:
                    out["upsell"] += v1
                elif v1 <= 0 < v0:
                    out["contraction"] -= v0
                elif plan0 != plan1:
                    out["expansion" if v1 > v0 else "contraction"] += v1 - v0
                else:
                    price = (v1 / q1 - v0 / q0) * q0 if q0 > 0 and q1 > 0 else 0.0
                    volume = (v1 - v0) - price
                    out["expansion" if volume > 0 else "contraction"] += volume
                    out["price_uplift" if price > 0 else "price_erosion"] += price
            change = mrr.credits[(cust, month)] - mrr.credits[(cust, month - 1)]
            out["price_uplift" if change > 0 else "price_erosion"] += change
    return out


# --- fixtures ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def billing() -> pl.DataFrame:
    return generate_billing()


@pytest.fixture(scope="module")
def rows(billing: pl.DataFrame) -> list[Row]:
    return billing.to_dicts()


@pytest.fixture(scope="module")
def mrr() -> Mrr:
    """MRR of the default company's 36 months, from a history one month longer: October 2026 complete."""
    return Mrr(generate_billing(months=37).to_dicts())


LAST = month_of(dt.date(2026, 10, 1))  # default: 36 months from 2023-11
EXPORTED = dt.date(2026, 10, 17)  # the default billing export is pulled mid-October: the month in progress


def cents(value: float) -> int:
    return round(value * 100)


# --- shape and contract ------------------------------------------------------------------------------------


def whole_lines(rows: list[Row]) -> list[Row]:
    """The lines that stood and fill a whole cycle (no proration, one-off, refund or weekly line)."""
    return [
        r
        for r in rows
        if r["status"] not in EXCLUDED
        and r["period_end"] is not None
        and r["period_start"] != r["period_end"]
        and interval(r["period_start"], r["period_end"]) in (1, 3, 12)
    ]


def test_layout_and_types(billing: pl.DataFrame, rows: list[Row]) -> None:
    assert billing.columns == list(sample.BILLING_COLUMNS)
    assert billing.schema == pl.Schema(
        {
            "invoice_id": pl.String,
            "customer_id": pl.String,
            "customer_name": pl.String,
            "product": pl.String,
            "plan": pl.String,
            "quantity": pl.Int64,
            "unit_price": pl.Float64,
            "amount": pl.Float64,
            "currency": pl.String,
            "period_start": pl.Date,
            "period_end": pl.Date,
            "status": pl.String,
        }
    )
    # empty: the plan of add-ons and one-offs, the product of some discount lines, the quantity of credits,
    # discounts and refunds, the period_end of refunds
    nulls = billing.null_count().row(0, named=True)
    assert {name for name, n in nulls.items() if n} == {"product", "plan", "quantity", "period_end"}
    assert billing["customer_id"].str.contains(r"^C\d{5}$").all()
    assert "C00001" in billing["customer_id"]
    assert set(billing["currency"]) == {"USD"}
    assert set(billing["status"]) == set(_STATUSES)
    assert set(billing.select("product", "plan").unique().iter_rows()) == {
        ("Platform", "Starter"),
        ("Platform", "Growth"),
        ("Platform", "Enterprise"),
        ("Analytics", None),
        ("API access", None),
        ("Premium support", None),
        ("Discount", None),
        (None, None),
        ("Set-up fee", None),
        ("API overage", None),
    }
    first, last = billing.select(a=pl.col("period_start").min(), b=pl.col("period_start").max()).row(0)
    assert first == dt.date(2023, 11, 1)
    assert last <= EXPORTED == sample.export_day()
    # each account has one name, and names are unique
    assert billing.group_by("customer_id").agg(pl.col("customer_name").n_unique())["customer_name"].max() == 1
    assert billing.select(pl.col("customer_name").n_unique()).item() == billing["customer_id"].n_unique()
    for row in rows:
        assert row["period_end"] is None or row["period_end"] >= row["period_start"]
        assert cents(row["unit_price"]) == round(row["unit_price"] * 100, 6)  # whole cents
        assert cents(row["amount"]) == round(row["amount"] * 100, 6)
    for row in whole_lines(rows):
        if row["quantity"] is not None and row["amount"] > 0:
            n = interval(row["period_start"], row["period_end"])
            assert cents(row["amount"]) == row["quantity"] * cents(row["unit_price"]) * n


def test_invoice_lines_share_customer_and_status(billing: pl.DataFrame) -> None:
    per_invoice = billing.group_by("invoice_id").agg(
        pl.col("customer_id").n_unique(), pl.col("period_start").min(), pl.col("status").n_unique()
    )
    assert per_invoice.select("customer_id", "status").max().row(0) == (1, 1)
    # rows come in invoice order, invoices in the order of their first day
    assert billing["invoice_id"].is_sorted()
    assert per_invoice.sort("invoice_id")["period_start"].is_sorted()


def test_deterministic_and_seeded() -> None:
    first = generate_billing(customers=80, months=20)
    assert first.equals(generate_billing(customers=80, months=20))
    assert generate_customers(customers=80, months=20).equals(generate_customers(customers=80, months=20))
    other = generate_billing(customers=80, months=20, seed=8)
    assert not first.equals(other)
    assert not first.select("amount").equals(other.select("amount"))


@pytest.mark.parametrize(("short", "extra"), [(24, 12), (6, 30), (35, 1)])
def test_prefix_stability(billing: pl.DataFrame, short: int, extra: int) -> None:
    """A longer history holds the shorter one's export: every line issued up to its export day."""
    longer = billing if short + extra == 36 else generate_billing(months=short + extra)
    prefix = longer.filter(pl.col("period_start") <= sample.export_day(short))
    assert len(prefix) < len(longer)
    assert prefix.equals(generate_billing(months=short))


def test_start_month_and_fewer_months() -> None:
    short = generate_billing(customers=300, months=12, start="2020-02")
    first, last = short.select(a=pl.col("period_start").min(), b=pl.col("period_start").max()).row(0)
    assert first >= dt.date(2020, 2, 1)
    assert dt.date(2021, 1, 1) <= last <= dt.date(2021, 1, 17) == sample.export_day(12, "2020-02")
    ids = sorted(set(short["customer_id"]))
    # arrivals do not depend on months: a shorter history holds a prefix of the accounts
    assert 30 < len(ids) < 300
    # (those whose first day is after the export day are in the CRM, not yet in billing)
    accounts = generate_customers(customers=300, months=12, start="2020-02")
    assert ids == accounts.filter(pl.col("start_date") <= dt.date(2021, 1, 17))["customer_id"].to_list()
    assert accounts["customer_id"].to_list() == [f"C{i:05d}" for i in range(1, accounts.height + 1)]
    assert sample.arrival_months(300, 7) == sorted(sample.arrival_months(300, 7))
    assert len(sample.arrival_months(300, 7)) == 300
    with pytest.raises(ValueError, match="YYYY-MM"):
        generate_billing(start="2023/11")


# --- the features of a realistic company -------------------------------------------------------------------


def test_terms_and_anchors(rows: list[Row]) -> None:
    charges = [r for r in rows if r["amount"] > 0 and r["status"] not in EXCLUDED and r["period_end"] is not None]
    terms = {interval(r["period_start"], r["period_end"]) for r in charges}
    assert {12 / 52, 1, 3, 12} < terms  # weeks, months, quarters, years; and partial lines (None)
    assert None in terms
    assert any(r["period_start"].day != 1 for r in charges)
    assert any(r["period_start"].day == 1 for r in charges)
    # a monthly line from the 15th ends on the 14th of the next month (period_end inclusive)
    mid = next(
        r
        for r in whole_lines(rows)
        if r["period_start"].day == 15 and interval(r["period_start"], r["period_end"]) == 1
    )
    start = mid["period_start"]
    y, m = divmod(start.year * 12 + start.month, 12)
    assert mid["period_end"] == dt.date(y, m + 1, 14)


def test_void_lines_duplicate_or_cancel_real_invoices(billing: pl.DataFrame) -> None:
    void = billing.filter(pl.col("status").is_in(EXCLUDED))
    assert set(void["status"]) == {"void", "voided", "draft", "deleted", "canceled"}
    real = billing.filter(~pl.col("status").is_in(EXCLUDED))
    keys = ["customer_id", "period_start", "product", "plan"]
    matched = void.join(real, on=keys, how="inner", suffix="_real", nulls_equal=True)
    assert matched["invoice_id"].n_unique() == void["invoice_id"].n_unique()  # every copy has a real twin
    assert (matched["invoice_id"] != matched["invoice_id_real"]).all()
    same = (matched["quantity"] == matched["quantity_real"]) & (matched["amount"] == matched["amount_real"])
    assert same.any()  # exact duplicates
    assert (~same).any()  # cancelled invoices with a wrong quantity, reissued


def test_credits(billing: pl.DataFrame) -> None:
    """Service credits: a negative line without a quantity on the core plan of a term's invoice, for a month."""
    credits = billing.filter(pl.col("amount") < 0, pl.col("quantity").is_null(), pl.col("product") == "Platform")
    credits = credits.filter(pl.col("period_end").is_not_null())
    assert len(credits) > 0
    charged = billing.filter(pl.col("amount") > 0).select("invoice_id", "product", "plan").unique()
    assert len(credits.join(charged, on=["invoice_id", "product", "plan"], how="semi")) == len(credits)
    assert all(interval(s, e) == 1 for s, e in credits.select("period_start", "period_end").iter_rows())


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
                    v0, q0, plan0 = p0s.get(product, (0.0, 0.0, None))
                    v1, q1, plan1 = p1s.get(product, (0.0, 0.0, None))
                    if v0 <= 0 < v1:
                        seen["upsell"] += 1
                    elif v1 <= 0 < v0:
                        seen["drop"] += 1
                    elif plan0 != plan1:
                        seen["plan change"] += 1
                    elif q1 > q0 > 0:
                        seen["seats_up"] += 1
                    elif q0 > q1 > 0:
                        seen["seats_down"] += 1
    for movement in ("reactivation", "churn", "upsell", "drop", "plan change", "seats_up", "seats_down"):
        assert seen[movement] > 0, movement


def test_price_rises_and_discounts(rows: list[Row]) -> None:
    charges = sorted(
        (r for r in whole_lines(rows) if r["amount"] > 0 and r["quantity"] is not None),
        key=lambda r: (r["customer_id"], r["period_start"], r["product"] or "", r["plan"] or ""),
    )
    rises = 0
    invoices = itertools.groupby(charges, key=lambda r: (r["customer_id"], r["period_start"]))
    customer, since, previous, previous_end = "", dt.date.min, dict[Any, float](), dt.date.min
    for (cust, start), lines in invoices:
        invoice = list(lines)
        if cust != customer or start != previous_end + DAY:  # a new contract
            customer, since, previous = cust, start, {}
        for line in invoice:
            key = (line["product"], line["plan"])
            if key in previous and line["unit_price"] > previous[key]:
                rises += 1
                # the yearly price review, at a renewal at least 12 months after the last one
                assert start == since or (start - since).days >= 365, (cust, start, since)
                since = start
        previous = {(line["product"], line["plan"]): line["unit_price"] for line in invoice}
        previous_end = invoice[0]["period_end"]
    assert rises > 0
    ratios = [r["unit_price"] / sample.list_price(r["product"], r["period_start"], plan=r["plan"]) for r in charges]
    assert max(ratios) <= 1.0 + 1e-9  # never above list
    assert any(ratio <= 0.9 + 1e-6 for ratio in ratios)  # discounts of 10-20%
    assert min(ratios) >= 0.8 / 1.05**2 - 1e-6
    assert sum(ratio == 1.0 for ratio in ratios) > len(ratios) / 4  # many pay today's list price
    plans = {r["plan"] for r in charges if r["product"] == "Platform"}
    assert plans == {"Starter", "Growth", "Enterprise"}


# --- what real billing exports have (issue 11, item 7) -----------------------------------------------------


def proration_pairs(billing: pl.DataFrame) -> list[tuple[Row, Row]]:
    """(credit, charge) line pairs of the invoices of mid-term changes: a negative line with a quantity (the unused
    time of the old plan or seats) and a positive one (the new), over the same days of the same product."""
    pairs = []
    for _, group in billing.filter(~pl.col("status").is_in(EXCLUDED)).group_by("invoice_id"):
        lines = group.to_dicts()
        credits = [r for r in lines if r["amount"] < 0 and r["quantity"] is not None]
        for credit in credits:
            charge = next(r for r in lines if r["amount"] > 0 and r["product"] == credit["product"])
            pairs.append((credit, charge))
    return pairs


def test_proration_pairs(billing: pl.DataFrame, rows: list[Row]) -> None:
    pairs = proration_pairs(billing)
    assert len(pairs) > 20
    assert {credit["plan"] != charge["plan"] for credit, charge in pairs} == {True, False}  # upgrades and seats
    whole = [r for r in rows if r["status"] not in EXCLUDED and r["amount"] > 0 and r["period_end"] is not None]
    for credit, charge in pairs:
        change, end = credit["period_start"], credit["period_end"]
        assert (charge["period_start"], charge["period_end"]) == (change, end) and change < end
        assert interval(change, end) is None  # a partial line, never a whole cycle
        # the term it changes: a whole line of the old plan and seats ending on the same day
        term = next(
            r
            for r in whole
            if (r["customer_id"], r["product"], r["plan"]) == (credit["customer_id"], credit["product"], credit["plan"])
            and r["period_end"] == end
            and r["period_start"] < change
            and r["quantity"] == credit["quantity"]
        )
        months = interval(term["period_start"], end)
        assert months in (1, 3, 12)
        days, cycle = (end - change).days + 1, (end - term["period_start"]).days + 1
        price_old = cents(term["unit_price"]) * credit["quantity"] * months
        price_new = cents(charge["unit_price"]) * charge["quantity"] * months
        assert cents(credit["unit_price"]) == -cents(term["unit_price"])
        assert cents(credit["amount"]) == -round(price_old * days / cycle)  # to the cent
        assert cents(charge["amount"]) == round(price_new * days / cycle)
        assert charge["quantity"] * cents(charge["unit_price"]) > credit["quantity"] * cents(term["unit_price"])
        # the next term is invoiced at the new plan, seats and price (if the account renewed by the export day)
        following = [
            r
            for r in whole
            if r["customer_id"] == charge["customer_id"]
            and r["product"] == charge["product"]
            and r["period_start"] == end + DAY
        ]
        if end + DAY <= EXPORTED:
            assert [(r["plan"], r["quantity"], r["unit_price"]) for r in following] == [
                (charge["plan"], charge["quantity"], charge["unit_price"])
            ]


def test_prorated_first_invoices(rows: list[Row]) -> None:
    """A signup mid-month: a partial line up to the day before the anchor day, then whole terms from it."""
    real = [r for r in rows if r["status"] not in EXCLUDED and r["amount"] > 0 and r["period_end"] is not None]
    first: dict[str, Row] = {}
    for r in real:
        if r["product"] == "Platform" and r["customer_id"] not in first:
            first[r["customer_id"]] = r
    prorated = [r for r in first.values() if interval(r["period_start"], r["period_end"]) is None]
    assert len(prorated) > 20
    for line in prorated:
        anchor = line["period_end"] + DAY
        assert line["period_start"].month == anchor.month and 2 <= (anchor - line["period_start"]).days <= 27
        term = next(
            r
            for r in real
            if (r["customer_id"], r["product"], r["period_start"]) == (line["customer_id"], "Platform", anchor)
        )
        months = interval(anchor, term["period_end"])
        assert months in (1, 3, 12)
        cycle = (anchor - add_months(anchor, -int(months))).days
        days = (anchor - line["period_start"]).days
        expected = round(cents(term["amount"]) * days / cycle)
        assert cents(line["amount"]) == expected, (line, term)


def test_weekly_customers(rows: list[Row]) -> None:
    weekly = [r for r in rows if r["period_end"] is not None and (r["period_end"] - r["period_start"]).days == 6]
    assert len(weekly) > 200
    customers = {r["customer_id"] for r in weekly}
    assert len(customers) >= 5
    for r in weekly:
        assert r["amount"] > 0 and cents(r["amount"]) == r["quantity"] * cents(r["unit_price"])
        # a week's price is the monthly one × 12/52: a $10.00 seat is $2.31 a week
        assert r["product"] != "Platform" or round(
            sample.list_price("Platform", r["period_start"], plan=r["plan"]) * 1200 / 52
        ) >= cents(r["unit_price"])
    # consecutive weeks: each customer's weeks follow one another within a contract
    real = sorted(
        (r for r in weekly if r["status"] not in EXCLUDED and r["product"] == "Platform"),
        key=lambda r: (r["customer_id"], r["period_start"]),
    )
    follows = sum(
        a["customer_id"] == b["customer_id"] and b["period_start"] == a["period_end"] + DAY
        for a, b in itertools.pairwise(real)
    )
    assert follows > 0.9 * (len(real) - len(customers))


def test_one_off_fees(rows: list[Row]) -> None:
    one_day = [r for r in rows if r["period_start"] == r["period_end"]]
    assert {r["product"] for r in one_day} == {"Set-up fee", "API overage"}
    assert all(r["amount"] > 0 and r["quantity"] == 1 for r in one_day)
    assert sum(r["product"] == "Set-up fee" for r in one_day) > 20
    assert sum(r["product"] == "API overage" for r in one_day) > 10


def test_refunds_and_bad_debt(billing: pl.DataFrame) -> None:
    refunds = billing.filter(pl.col("period_end").is_null())
    assert refunds.height > 10
    assert (refunds["amount"] < 0).all() and set(refunds["status"]) == {"refunded", "paid"}
    assert refunds["quantity"].null_count() == refunds.height
    # a refunded invoice is refunded in full by a credit note of its own
    refunded = billing.filter(pl.col("status") == "refunded", pl.col("period_end").is_not_null())
    totals = refunded.group_by("invoice_id", "customer_id").agg(pl.col("amount").sum(), pl.col("period_start").min())
    notes = refunds.select("customer_id", note=pl.col("amount"), day=pl.col("period_start"))
    matched = totals.join(notes, on="customer_id").filter(
        (pl.col("note") + pl.col("amount")).abs() < 0.005,
        (pl.col("day") - pl.col("period_start")).dt.total_days() <= 10,
    )
    late = totals.filter(pl.col("period_start") > EXPORTED - dt.timedelta(days=10))  # a refund after the export
    assert matched["invoice_id"].n_unique() >= totals.height - late.height > 5
    for status in ("uncollectible", "written_off"):
        assert billing.filter(pl.col("status") == status, pl.col("amount") > 0)["invoice_id"].n_unique() > 5


def test_discount_lines(billing: pl.DataFrame) -> None:
    discounts = billing.filter(pl.col("product").is_null() | (pl.col("product") == "Discount"))
    assert set(discounts["product"].fill_null("")) == {"", "Discount"}
    assert (discounts["amount"] < 0).all() and discounts["plan"].null_count() == discounts.height
    # over the term of a charge on the same invoice, for the difference between list and the account's price
    charged = billing.filter(pl.col("amount") > 0).select("invoice_id", "period_start", "period_end").unique()
    assert (
        discounts.join(charged, on=["invoice_id", "period_start", "period_end"], how="semi").height == discounts.height
    )


def test_every_status(billing: pl.DataFrame) -> None:
    counts = dict(billing.group_by("status").agg(pl.col("invoice_id").n_unique()).iter_rows())
    assert set(counts) == set(_STATUSES)
    assert all(n >= 3 for n in counts.values()), counts


def test_contracted_mrr_is_the_billed_mrr(mrr: Mrr) -> None:
    """The revised MRR of the billing lines is, month by month, what the accounts are contracted for (their held
    products at their prices, weekly × 52/12, less the credits and discounts of the month), to within the
    rounding of short prorations to the cent."""
    _, accounts = _simulate(300, 37, 7, "2023-11")
    for month in range(LAST - 35, LAST + 1):
        day = month_end(month).toordinal() - EPOCH
        contracted = {
            f"C{c + 1:05d}": max(0.0, sum(r for d0, d1, _, _, r in a.service if d0 <= day <= d1)) / 100
            for c, a in enumerate(accounts)
        }
        off = {c: (mrr.of(c, month), v) for c, v in contracted.items() if abs(mrr.of(c, month) - v) > 0.1}
        assert not off, (month_end(month), off)
        assert sum(contracted.values()) == pytest.approx(mrr.total(month), abs=0.5)


def test_cli_writes_a_workspace_with_its_history_start(invoke: Any, tmp_path: Path) -> None:
    from csctl.config.load import load_workspace

    result = invoke("sample", "-o", tmp_path, "--customers", 30, "--months", 8, "--start", "2024-03")
    assert result.exit_code == 0, result.stderr
    assert "billing history begins in 2024-03" in result.stderr and "exported on 2024-10-17" in result.stderr
    text = (tmp_path / "csctl.yaml").read_text(encoding="utf-8")
    assert "# The sample's billing history begins in 2024-03" in text
    config = load_workspace(str(tmp_path / "csctl.yaml")).config
    assert config.billing.history_starts == "2024-03"
    exports = config.exports.model_dump(exclude_none=True)
    assert exports == {table: f"{table}.csv" for table in _WORKSPACE_TABLES}
    assert all((tmp_path / name).is_file() for name in exports.values())
    assert yaml.safe_load(text)["rules"] == {"inventory": "asis.yaml"}
    # the Stripe style names its preset
    stripe = tmp_path / "stripe"
    assert invoke("sample", "-o", stripe, "--customers", 10, "--months", 3, "--style", "stripe").exit_code == 0
    config = load_workspace(str(stripe / "csctl.yaml")).config
    assert config.exports.model_dump()["billing"] == {"path": "billing.csv", "sheet": None, "preset": "stripe"}


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

    def day(text: str | None) -> dt.date | None:
        return None if text is None else dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").date()

    back = pl.DataFrame(
        {
            "invoice_id": stripe["Invoice ID"],
            "customer_id": stripe["Customer ID"],
            "customer_name": stripe["Customer Name"],
            "product": stripe["Description"],
            "plan": stripe["Plan"],
            "quantity": stripe["Quantity"],
            "unit_price": [parse_money(v) / 100 for v in stripe["Unit Amount"]],
            "amount": [parse_money(v) / 100 for v in stripe["Amount"]],
            "currency": stripe["Currency"].str.to_uppercase(),
            "period_start": pl.Series([day(v) for v in stripe["Period Start (UTC)"]], dtype=pl.Date),
            "period_end": pl.Series([day(v) for v in stripe["Period End (UTC)"]], dtype=pl.Date),
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
    assert accounts["customer_id"].to_list() == [f"C{i:05d}" for i in range(1, 301)]
    assert accounts["start_date"].dtype == pl.Date and accounts["renewal_date"].dtype == pl.Date
    assert accounts["employees"].dtype == pl.Int64 and (accounts["employees"] > 0).all()
    assert accounts["csm"].n_unique() == 6
    assert set(accounts["segment"]) == {"SMB", "Mid-Market", "Enterprise"}
    assert set(accounts["edition"]) == {"Professional", "Enterprise"}
    names = billing.select("customer_id", "customer_name").unique()
    named = accounts.join(names, left_on=["customer_id", "name"], right_on=names.columns, how="semi")
    assert len(named) == names.height

    real = [r for r in rows if r["status"] not in EXCLUDED]
    first_day: dict[str, dt.date] = {}
    for r in real:
        cust = r["customer_id"]
        first_day[cust] = min(first_day.get(cust, r["period_start"]), r["period_start"])
    end_of_history = dt.date(2026, 10, 31)
    churned = agree = active = 0
    for account in accounts.iter_rows(named=True):
        cust = account["customer_id"]
        # the first billed day (a prorated signup or the first term); a few start after the export day
        assert account["start_date"] == first_day[cust] if cust in first_day else account["start_date"] > EXPORTED
        if mrr.of(cust, LAST) > 0:
            active += 1
            assert account["churn_reason"] is None
            assert end_of_history < account["renewal_date"] <= end_of_history + dt.timedelta(days=366)
            # segment by ARR, edition by plan: as billed at the end of October, but for a mid-term upgrade
            # (the CRM has the last term's contract) or a service credit that month
            arr = 12 * mrr.of(cust, LAST)
            plans = mrr.products[(cust, LAST)]["Platform"][2]
            edition = "Enterprise" if plans == ("Enterprise",) else "Professional"
            segment = next(s for s, floor in sample.SEGMENT_ARR if arr >= floor - 1e-6)
            agree += account["segment"] == segment and account["edition"] == edition
            assert account["csm"] in sample.CSMS[account["segment"]]
        else:
            churned += 1
            assert account["churn_reason"] in sample.CHURN_REASONS
            assert account["renewal_date"] is None
    assert 10 < churned < 150
    assert agree >= 0.95 * active


# --- usage, tickets and surveys ----------------------------------------------------------------------------

END = dt.date(2026, 10, 31)  # the last day of the default history
USAGE_SCHEMA = pl.Schema(
    {
        "customer_id": pl.String,
        "date": pl.Date,
        "active_users": pl.Int64,
        "seats": pl.Int64,
        "logins": pl.Int64,
        "reports_created": pl.Int64,
        "api_calls": pl.Int64,
    }
)
TICKET_SCHEMA = pl.Schema(
    {
        "ticket_id": pl.String(),
        "customer_id": pl.String(),
        "created_at": pl.Datetime("us"),
        "resolved_at": pl.Datetime("us"),
        "priority": pl.String(),
        "escalated": pl.Boolean(),
        "status": pl.String(),
        "csat": pl.Int64(),
        "subject": pl.String(),
    }
)
SURVEY_SCHEMA = pl.Schema(
    {"customer_id": pl.String, "date": pl.Date, "type": pl.String, "score": pl.Int64, "comment": pl.String}
)


@pytest.fixture(scope="module")
def usage() -> pl.DataFrame:
    return sample.generate_usage()


@pytest.fixture(scope="module")
def tickets() -> pl.DataFrame:
    return sample.generate_tickets()


@pytest.fixture(scope="module")
def surveys() -> pl.DataFrame:
    return sample.generate_surveys()


@pytest.fixture(scope="module")
def terms() -> pl.DataFrame:
    """The contracts' terms (core plan seats and whether they include API access), as the simulation drew them;
    test_terms_are_billed checks that billing carries every one."""
    _, accounts = _simulate(300, 36, 7, "2023-11")
    out = [
        {
            "customer_id": f"C{c + 1:05d}",
            "period_start": dt.date.fromordinal(day0 + EPOCH),
            "period_end": dt.date.fromordinal(day1 + EPOCH),
            "quantity": seats,
            "api": bool(addons & 2),
        }
        for c, account in enumerate(accounts)
        for life in account.lives
        for day0, day1, _, seats, addons in life.terms
    ]
    return pl.DataFrame(out).sort("customer_id", "period_start")


EPOCH = dt.date(1970, 1, 1).toordinal()


def test_terms_are_billed(terms: pl.DataFrame, billing: pl.DataFrame) -> None:
    """Every term starting by the export day is billed: a whole core-plan line for its days and seats (before a
    mid-term upgrade), or weekly lines covering it."""
    real = billing.filter(~pl.col("status").is_in(EXCLUDED), pl.col("product") == "Platform", pl.col("amount") > 0)
    whole = real.join(terms, on=["customer_id", "period_start", "period_end", "quantity"], how="semi")
    weeks = real.filter((pl.col("period_end") - pl.col("period_start")).dt.total_days() == 6)
    due = terms.filter(pl.col("period_start") <= EXPORTED)
    unbilled = due.join(whole, on=["customer_id", "period_start", "period_end"], how="anti")
    # the rest are the terms of weekly customers: a week starts within 6 days of the term's first day
    near = unbilled.join(weeks.select("customer_id", week=pl.col("period_start")), on="customer_id").filter(
        (pl.col("week") - pl.col("period_start")).dt.total_days().is_between(-6, 0)
    )
    assert near.select("customer_id", "period_start").unique().height == unbilled.height
    assert whole.height > 0.8 * due.height


def within_terms(frame: pl.DataFrame, terms: pl.DataFrame, day: pl.Expr) -> pl.DataFrame:
    """Each row of frame with the billed term of its customer that started last on or before day (or nulls)."""
    keyed = frame.with_columns(_day=day).sort("customer_id", "_day")
    return keyed.join_asof(
        terms, left_on="_day", right_on="period_start", by="customer_id", strategy="backward", check_sortedness=False
    )


def test_activity_layouts(usage: pl.DataFrame, tickets: pl.DataFrame, surveys: pl.DataFrame) -> None:
    assert usage.schema == USAGE_SCHEMA and usage.columns == list(sample.USAGE_COLUMNS)
    assert tickets.schema == TICKET_SCHEMA and tickets.columns == list(sample.TICKET_COLUMNS)
    assert surveys.schema == SURVEY_SCHEMA and surveys.columns == list(sample.SURVEY_COLUMNS)
    assert usage.null_count().sum_horizontal().item() == 0
    assert tickets.drop("resolved_at", "csat").null_count().sum_horizontal().item() == 0
    assert surveys.drop("comment").null_count().sum_horizontal().item() == 0
    # sizes of the default company
    assert 15_000 < usage.height < 25_000
    assert 3_000 < tickets.height < 7_000
    assert 500 < surveys.height < 1_500
    # rows in time order
    assert usage["date"].is_sorted() and tickets["created_at"].is_sorted() and surveys["date"].is_sorted()
    assert (usage["date"].dt.weekday() == 1).all()  # Mondays
    for frame in (usage, tickets, surveys):
        assert frame["customer_id"].str.contains(r"^C\d{5}$").all()


def test_activity_deterministic_and_seeded() -> None:
    for generate in (sample.generate_usage, sample.generate_tickets, sample.generate_surveys):
        first = generate(customers=80, months=20)
        assert first.equals(generate(customers=80, months=20))
        assert not first.equals(generate(customers=80, months=20, seed=8))
    with pytest.raises(ValueError, match="months"):
        sample.generate_usage(months=0)


def as_of(tickets: pl.DataFrame, cutoff: dt.datetime) -> pl.DataFrame:
    """The tickets created before cutoff as they stood then: resolved later means still open."""
    unresolved = pl.col("resolved_at").is_null() | (pl.col("resolved_at") >= cutoff)
    solved_since = cutoff - dt.timedelta(days=sample.SOLVED_DAYS)
    return tickets.filter(pl.col("created_at") < cutoff).with_columns(
        resolved_at=pl.when(~unresolved).then(pl.col("resolved_at")),
        status=pl.when(unresolved)
        .then(pl.lit("open"))
        .when(pl.col("resolved_at") >= solved_since)
        .then(pl.lit("solved"))
        .otherwise(pl.lit("closed")),
        csat=pl.when(~unresolved).then(pl.col("csat")),
    )


@pytest.mark.parametrize(("short", "extra"), [(24, 12), (6, 30), (35, 1)])
def test_activity_prefix_stability(
    usage: pl.DataFrame, tickets: pl.DataFrame, surveys: pl.DataFrame, short: int, extra: int
) -> None:
    longer = short + extra == 36
    y, m = divmod(2023 * 12 + 10 + short, 12)
    cutoff = dt.date(y, m + 1, 1)
    long_usage = usage if longer else sample.generate_usage(months=short + extra)
    prefix = long_usage.filter(pl.col("date") < cutoff)
    assert len(prefix) < len(long_usage)
    assert prefix.equals(sample.generate_usage(months=short))
    long_surveys = surveys if longer else sample.generate_surveys(months=short + extra)
    assert long_surveys.filter(pl.col("date") < cutoff).equals(sample.generate_surveys(months=short))
    long_tickets = tickets if longer else sample.generate_tickets(months=short + extra)
    short_tickets = sample.generate_tickets(months=short)
    as_then = as_of(long_tickets, dt.datetime(cutoff.year, cutoff.month, 1))
    assert as_then.equals(short_tickets)
    fixed = ["ticket_id", "customer_id", "created_at", "priority", "escalated", "subject"]
    assert as_then.select(fixed).equals(long_tickets.filter(pl.col("created_at") < cutoff).select(fixed))


def test_usage_follows_billing(usage: pl.DataFrame, terms: pl.DataFrame) -> None:
    matched = within_terms(usage, terms, pl.col("date"))
    # every row falls in a billed term of its account (none before its first billed day, between contracts,
    # after its last billed day), and seats are the billed core-plan quantity of that term
    assert matched["period_start"].null_count() == 0
    assert (matched["date"] <= matched["period_end"]).all()
    assert (matched["seats"] == matched["quantity"]).all()
    assert (matched["date"] <= END).all()
    # api calls only with API access (and some every week for those accounts)
    assert (matched.filter(~pl.col("api"))["api_calls"] == 0).all()
    assert mean(matched.filter(pl.col("api"))["api_calls"] > 0) > 0.95
    # every billed Monday has its row: one row per account and week
    expected = 0
    for start, end in terms.select("period_start", pl.col("period_end").clip(upper_bound=END)).iter_rows():
        monday = start + dt.timedelta(days=-start.weekday() % 7)
        expected += max(0, (end - monday).days // 7 + 1)
    assert usage.height == expected
    assert usage.select("customer_id", "date").is_unique().all()
    # the measures make sense
    assert (usage["active_users"] <= usage["seats"]).all() and (usage["active_users"] >= 0).all()
    assert mean(usage["logins"] >= usage["active_users"]) > 0.95
    assert (usage["reports_created"] >= 0).all()


def mean(values: pl.Series) -> float:
    value = values.cast(pl.Float64).mean()
    assert isinstance(value, float)
    return value


def shares(usage: pl.DataFrame) -> pl.DataFrame:
    return usage.group_by("customer_id").agg(share=pl.col("active_users").sum() / pl.col("seats").sum())


def test_usage_health(usage: pl.DataFrame) -> None:
    share = shares(usage)["share"]
    assert mean(share >= 0.7) > 0.25
    assert mean(share <= 0.4) > 0.1
    # onboarding: new accounts ramp up over their first weeks
    week = (pl.col("date") - pl.col("date").min().over("customer_id")).dt.total_days() // 7
    by_week = (
        usage.with_columns(week=week)
        .group_by(pl.col("week").clip(upper_bound=20))
        .agg(share=pl.col("active_users").sum() / pl.col("seats").sum())
        .sort("week")
    )
    ramp = by_week["share"].to_list()
    assert ramp[0] < 0.5 * ramp[12]
    assert ramp[0] < ramp[3] < ramp[6] < ramp[10]


def churned_accounts(terms: pl.DataFrame) -> pl.DataFrame:
    """Accounts whose billing stopped within the history, with their last billed day."""
    last = terms.group_by("customer_id").agg(last=pl.col("period_end").max())
    return last.filter(pl.col("last") < END)


def test_usage_falls_before_churn(usage: pl.DataFrame, terms: pl.DataFrame) -> None:
    churned = churned_accounts(terms)
    assert churned.height > 20
    before = (pl.col("last") - pl.col("date")).dt.total_days()
    late, early = before < 61, before.is_between(61, 243)
    per_account = (
        usage.join(churned, on="customer_id")
        .group_by("customer_id")
        .agg(
            late=pl.col("active_users").filter(late).sum() / pl.col("seats").filter(late).sum(),
            early=pl.col("active_users").filter(early).sum() / pl.col("seats").filter(early).sum(),
        )
        .filter(pl.col("late").is_not_nan(), pl.col("early").is_not_nan())
    )
    assert per_account.height > 20
    assert mean(per_account["late"]) < 0.85 * mean(per_account["early"])
    assert mean(per_account["late"] < per_account["early"]) > 0.75
    # and no usage after the last billed day
    assert usage.join(churned, on="customer_id").filter(pl.col("date") > pl.col("last")).is_empty()


def test_tickets(tickets: pl.DataFrame, terms: pl.DataFrame, usage: pl.DataFrame) -> None:
    assert tickets["ticket_id"].is_unique().all()
    assert tickets["ticket_id"].to_list() == [f"T{i:06d}" for i in range(1, tickets.height + 1)]
    resolved = tickets.filter(pl.col("resolved_at").is_not_null())
    assert (resolved["resolved_at"] >= resolved["created_at"]).all()
    assert set(tickets["status"]) == set(sample.TICKET_STATUSES)
    assert set(tickets["priority"]) == set(sample.PRIORITIES)
    open_ = tickets.filter(pl.col("status") == "open")
    assert open_["resolved_at"].null_count() == open_.height > 0
    assert tickets.filter(pl.col("status") != "open")["resolved_at"].null_count() == 0
    end = dt.datetime(2026, 11, 1)
    assert (open_["created_at"] >= end - dt.timedelta(days=60)).all()  # open tickets are recent
    assert (tickets["created_at"] < end).all() and (resolved["resolved_at"] < end).all()
    solved = tickets.filter(pl.col("status") == "solved")
    assert (solved["resolved_at"] >= end - dt.timedelta(days=sample.SOLVED_DAYS)).all()
    # resolution: hours to days, some the same day
    hours = (resolved["resolved_at"] - resolved["created_at"]).dt.total_seconds() / 3600
    assert 2 < sorted(hours.to_list())[len(hours) // 2] < 48
    assert mean(resolved["resolved_at"].dt.date() == resolved["created_at"].dt.date()) > 0.15
    assert 0.01 < mean(tickets["escalated"]) < 0.08
    # CSAT: about 40% of resolved tickets, 1-5, none for open tickets
    assert 0.3 < mean(resolved["csat"].is_not_null()) < 0.5
    assert open_["csat"].null_count() == open_.height
    assert set(tickets["csat"].drop_nulls()) <= {1, 2, 3, 4, 5}
    # about 0.5-2 tickets per active account-month, each while the account is billed
    account_months = usage.select("customer_id", pl.col("date").dt.truncate("1mo")).unique().height
    assert 0.5 < tickets.height / account_months < 2
    matched = within_terms(tickets, terms, pl.col("created_at").dt.date())
    assert matched["period_start"].null_count() == 0
    assert (matched["_day"] <= matched["period_end"]).all()
    # weekdays and business hours (in the account's region) dominate
    assert mean(tickets["created_at"].dt.weekday() <= 5) > 0.85


def test_tickets_follow_health(tickets: pl.DataFrame, usage: pl.DataFrame, terms: pl.DataFrame) -> None:
    per_account = (
        shares(usage)
        .join(usage.group_by("customer_id").agg(weeks=pl.len()), on="customer_id")
        .join(tickets.group_by("customer_id").agg(tickets=pl.len()), on="customer_id", how="left")
        .with_columns(pl.col("tickets").fill_null(0))
    )

    def rate(frame: pl.DataFrame) -> float:
        return int(frame["tickets"].sum()) / int(frame["weeks"].sum())

    assert rate(per_account.filter(pl.col("share") < 0.4)) > 1.2 * rate(per_account.filter(pl.col("share") > 0.7))
    rated = tickets.filter(pl.col("csat").is_not_null()).join(shares(usage), on="customer_id")
    assert mean(rated.filter(pl.col("share") > 0.7)["csat"]) > mean(rated.filter(pl.col("share") < 0.4)["csat"])


def test_surveys(surveys: pl.DataFrame, terms: pl.DataFrame, usage: pl.DataFrame) -> None:
    assert set(surveys["type"]) == {"nps", "csat"}
    nps, csat = surveys.filter(pl.col("type") == "nps"), surveys.filter(pl.col("type") == "csat")
    assert nps["score"].is_between(0, 10).all() and set(nps["score"]) == set(range(11))
    assert csat["score"].is_between(1, 5).all() and set(csat["score"]) == set(range(1, 6))
    assert 0.15 < mean(surveys["comment"].is_not_null()) < 0.5
    assert (surveys["date"] <= END).all()
    matched = within_terms(surveys, terms, pl.col("date"))
    assert matched["period_start"].null_count() == 0
    assert (matched["date"] <= matched["period_end"]).all()
    # NPS about every 6 months (campaigns in March and September, answered within weeks), not all answer
    assert set(nps["date"].dt.month()) <= {3, 4, 9, 10}
    half = [pl.col("date").dt.year().alias("year"), (pl.col("date").dt.month() < 6).alias("half")]
    assert max(nps.group_by("customer_id", *half).len()["len"].to_list()) <= 3
    assert nps.height < usage.select("customer_id", *half).unique().height
    # scores follow health: promoters when healthy, detractors when struggling
    scored = nps.join(shares(usage), on="customer_id")
    healthy, struggling = scored.filter(pl.col("share") > 0.7), scored.filter(pl.col("share") < 0.4)
    assert mean(healthy["score"] >= 9) > 0.5 > mean(struggling["score"] >= 9)
    assert mean(struggling["score"] <= 6) > 0.4 > mean(healthy["score"] <= 6)
    # and fall before a churn
    late = nps.join(churned_accounts(terms), on="customer_id").filter(
        (pl.col("last") - pl.col("date")).dt.total_days() < 120
    )
    assert late.height > 5
    assert mean(late["score"]) < mean(nps["score"]) - 1


def test_ticket_problems_only_on_request(tickets: pl.DataFrame) -> None:
    messy = sample.with_ticket_problems(tickets)
    assert messy.columns == [*sample.TICKET_COLUMNS, "problem"]
    assert messy.drop("problem").schema == TICKET_SCHEMA
    flagged = messy.filter(pl.col("problem").is_not_null())
    assert set(flagged["problem"]) == set(sample.TICKET_PROBLEMS)
    assert 0.005 < flagged.height / tickets.height < 0.02
    clean = messy.filter(pl.col("problem").is_null()).drop("problem")
    assert clean.unique(maintain_order=True).equals(tickets.join(clean.select("ticket_id"), on="ticket_id", how="semi"))
    duplicated = flagged.filter(pl.col("problem") == "duplicate")["ticket_id"]
    assert messy["ticket_id"].is_duplicated().sum() == 2 * len(duplicated)
    bad = {p: flagged.filter(pl.col("problem") == p) for p in sample.TICKET_PROBLEMS}
    assert (bad["resolved_before_created"]["resolved_at"] < bad["resolved_before_created"]["created_at"]).all()
    assert set(bad["unknown_customer"]["customer_id"]) == {"C00000"}
    assert not bad["priority_spelling"]["priority"].is_in(sample.PRIORITIES).any()
    assert not bad["csat_out_of_range"]["csat"].is_between(1, 5).any()
    assert bad["missing_created_at"]["created_at"].null_count() == bad["missing_created_at"].height
    assert sample.with_ticket_problems(tickets).equals(messy)
    # the default output has none of these problems
    assert tickets["ticket_id"].is_unique().all() and "C00000" not in tickets["customer_id"]


def test_cli_writes_every_table(invoke: Any, tmp_path: Any) -> None:
    result = invoke("sample", "-o", tmp_path, "--customers", 40, "--months", 14, "--seed", 5)
    assert result.exit_code == 0, result.stderr
    for name in ("billing", "customers", "usage", "tickets", "surveys", "team", "costs", "milestones", "contacts"):
        assert f"{name}.csv" in result.stderr
    assert "outcomes.csv" in result.stderr
    assert "asis.yaml" in result.stderr
    kwargs: dict[str, Any] = {"customers": 40, "months": 14, "seed": 5}
    back = pl.read_csv(tmp_path / "usage.csv", schema=USAGE_SCHEMA)
    assert back.equals(sample.generate_usage(**kwargs))
    back = pl.read_csv(tmp_path / "surveys.csv", schema=SURVEY_SCHEMA)
    assert back.equals(sample.generate_surveys(**kwargs))
    text = (tmp_path / "tickets.csv").read_text().splitlines()
    assert text[0] == ",".join(sample.TICKET_COLUMNS)
    assert text[1].split(",")[2].count(":") == 2 and "T" not in text[1].split(",")[2]  # "YYYY-MM-DD HH:MM:SS"
    back = pl.read_csv(tmp_path / "tickets.csv", schema=TICKET_SCHEMA)
    assert back.equals(sample.generate_tickets(**kwargs))
    back = pl.read_csv(tmp_path / "team.csv", schema=TEAM_SCHEMA)
    assert back.equals(sample.generate_team(**kwargs))
    back = pl.read_csv(tmp_path / "costs.csv", schema=COST_SCHEMA)
    assert back.equals(sample.generate_costs(**kwargs))
    back = pl.read_csv(tmp_path / "milestones.csv", schema=MILESTONE_SCHEMA)
    assert back.equals(sample.generate_milestones(**kwargs))
    back = pl.read_csv(tmp_path / "contacts.csv", schema=CONTACT_SCHEMA)
    assert back.equals(sample.generate_contacts(**kwargs))
    back = pl.read_csv(tmp_path / "outcomes.csv", schema=OUTCOME_SCHEMA)
    assert back.equals(sample.generate_outcomes(**kwargs))
    assert (tmp_path / "asis.yaml").read_text(encoding="utf-8") == sample.inventory_yaml(**kwargs)
    back = pl.read_csv(tmp_path / "actions.csv", schema=ACTION_SCHEMA)
    assert back.equals(sample.generate_actions(**kwargs))


# --- the CS team, the cost ledger, the value-path milestones and the as-is inventory --------------------------

TEAM_SCHEMA = pl.Schema(
    {
        "name": pl.String,
        "role": pl.String,
        "level": pl.String,
        "fte": pl.Float64,
        "loaded_cost": pl.Float64,
        "expertise": pl.String,
        "passion": pl.Int64,
        "accounts": pl.Int64,
    }
)
COST_SCHEMA = pl.Schema({"period": pl.String, "category": pl.String, "amount": pl.Float64, "note": pl.String})
MILESTONE_SCHEMA = pl.Schema({"customer_id": pl.String, "milestone": pl.String, "date": pl.Date})
PATH = [name for name, _ in sample.VALUE_PATH]
FAILED = sample.ONBOARDING_FAILED


@pytest.fixture(scope="module")
def team() -> pl.DataFrame:
    return sample.generate_team()


@pytest.fixture(scope="module")
def costs() -> pl.DataFrame:
    return sample.generate_costs()


@pytest.fixture(scope="module")
def milestones() -> pl.DataFrame:
    return sample.generate_milestones()


def test_existing_exports_unchanged(
    billing: pl.DataFrame, usage: pl.DataFrame, tickets: pl.DataFrame, surveys: pl.DataFrame
) -> None:
    """The default company's exports, byte for byte. Usage, tickets, surveys, team and milestones are as they were
    before billing took the quirks of real exports (those come from a stream of their own: the accounts and their
    contracts are unchanged); billing, customers (its start_date is a prorated signup's day), costs and the
    inventory (calibrated on the company's bridge) changed with it. Costs changed again when the bridge they are
    calibrated on became csctl's own (csctl.core.bridge, in whole cents): five expansion lines moved by a cent."""
    frames = {"billing": billing, "customers": generate_customers(), "usage": usage, "tickets": tickets}
    frames |= {"surveys": surveys, "team": sample.generate_team(), "costs": sample.generate_costs()}
    frames["milestones"] = sample.generate_milestones()
    digests = {
        name: hashlib.sha256(frame.write_csv(datetime_format="%Y-%m-%d %H:%M:%S").encode()).hexdigest()[:16]
        for name, frame in frames.items()
    }
    digests["asis"] = hashlib.sha256(sample.inventory_yaml().encode()).hexdigest()[:16]
    assert digests == {
        "billing": "e4bbfc8f013daef9",
        "customers": "d48b626778c522d2",
        "usage": "a007eb0d59d94ce5",
        "tickets": "d84d4314e120f76b",
        "surveys": "0660c7ba0cd134e1",
        "team": "e6a5b9324825ed9c",
        "costs": "fc3a3dba8cdafd80",
        "milestones": "eddbd964d973a5a1",
        "asis": "bfddb37e70f6377d",
    }


def test_team_roster(team: pl.DataFrame) -> None:
    assert team.schema == TEAM_SCHEMA and team.columns == list(sample.TEAM_COLUMNS)
    assert 12 <= team.height <= 15
    assert team["name"].is_unique().all()
    assert set(team["role"]) == set(sample.TEAM_ROLES)
    assert set(team["level"]) <= set(sample.LEVELS) and team["level"].null_count() == 0
    assert team["passion"].is_between(1, 5).all()
    assert set(team["fte"]) <= {0.5, 1.0} and 0.5 in team["fte"]
    assert team["expertise"].str.contains(r"^[a-z -]+(;[a-z -]+)+$").all()
    full_time = pl.col("loaded_cost") / pl.col("fte")
    bands = team.group_by("role").agg(low=full_time.min(), high=full_time.max())
    band = {role: (low, high) for role, low, high in bands.iter_rows()}
    assert band["CSM"][0] >= 95_000 and band["CSM"][1] <= 140_000
    assert band["Support Engineer"][0] >= 70_000 and band["Support Engineer"][1] <= 95_000
    assert band["VP Customer Success"][0] >= 220_000
    assert team.filter(pl.col("role") == "VP Customer Success").height == 1
    assert team.filter(pl.col("role") != "CSM")["accounts"].null_count() == team.filter(pl.col("role") != "CSM").height


def test_team_agrees_with_crm(team: pl.DataFrame) -> None:
    crm = generate_customers()
    csms = team.filter(pl.col("role") == "CSM")
    assert set(crm["csm"]) <= set(csms["name"])  # every CSM of the CRM is on the roster as a CSM
    assert csms["accounts"].null_count() == 0
    idle = csms.filter(pl.col("accounts") == 0)
    assert idle.height == 1 and idle["name"].item() not in set(crm["csm"])  # one new hire, no accounts yet
    assert idle["level"].item() == "junior"
    owned = crm.filter(pl.col("churn_reason").is_null()).group_by("csm").agg(crm_accounts=pl.len())
    both = csms.join(owned, left_on="name", right_on="csm", how="left").with_columns(
        pl.col("crm_accounts").fill_null(0)
    )
    assert (both["accounts"] == both["crm_accounts"]).all()
    assert int(csms["accounts"].sum()) == crm.filter(pl.col("churn_reason").is_null()).height
    # Enterprise CSMs carry few accounts, SMB ones many
    by_name = dict(zip(csms["name"], csms["accounts"], strict=True))
    assert max(by_name[n] for n in sample.CSMS["Enterprise"]) < min(by_name[n] for n in sample.CSMS["SMB"])


def test_team_deterministic_scaled_and_stable() -> None:
    first = sample.generate_team(customers=80, months=20)
    assert first.equals(sample.generate_team(customers=80, months=20))
    assert not first.equals(sample.generate_team(customers=80, months=20, seed=8))
    assert first.height < sample.generate_team().height < sample.generate_team(customers=1_500, months=36).height
    # apart from the accounts (as of the end of the history), the roster does not depend on its length
    longer = sample.generate_team(customers=80, months=30)
    assert longer.drop("accounts").equals(first.drop("accounts"))
    assert not longer.equals(first)


def test_costs_layout(costs: pl.DataFrame) -> None:
    assert costs.schema == COST_SCHEMA and costs.columns == list(sample.COST_COLUMNS)
    assert costs.null_count().sum_horizontal().item() == 0
    periods = [f"{(2023 * 12 + 10 + m) // 12}-{(2023 * 12 + 10 + m) % 12 + 1:02d}" for m in range(36)]
    assert sorted(set(costs["period"])) == periods
    assert costs["period"].is_sorted()
    assert set(costs["category"]) == set(sample.COST_CATEGORIES)
    # every month pays for acquisition and retention; amounts are positive whole cents
    per_month = costs.group_by("period").agg(pl.col("category").n_unique())
    assert (per_month["category"] >= 2).all()
    assert (costs["amount"] > 0).all()
    assert all(cents(v) == round(v * 100, 6) for v in costs["amount"])


def test_costs_deterministic_and_seeded() -> None:
    first = sample.generate_costs(customers=80, months=20)
    assert first.equals(sample.generate_costs(customers=80, months=20))
    assert not first.equals(sample.generate_costs(customers=80, months=20, seed=8))


@pytest.mark.parametrize(("short", "extra"), [(24, 12), (6, 30), (35, 1)])
def test_new_tables_prefix_stability(costs: pl.DataFrame, milestones: pl.DataFrame, short: int, extra: int) -> None:
    longer = short + extra == 36
    y, m = divmod(2023 * 12 + 10 + short, 12)
    cutoff = dt.date(y, m + 1, 1)
    long_costs = costs if longer else sample.generate_costs(months=short + extra)
    prefix = long_costs.filter(pl.col("period") < f"{cutoff:%Y-%m}")
    assert 0 < prefix.height < long_costs.height
    assert prefix.equals(sample.generate_costs(months=short))
    long_milestones = milestones if longer else sample.generate_milestones(months=short + extra)
    prefix = long_milestones.filter(pl.col("date") < cutoff)
    assert 0 < prefix.height < long_milestones.height
    assert prefix.equals(sample.generate_milestones(months=short))


def test_revenue_bridge_is_the_measured_billing(mrr: Mrr) -> None:
    """The bridge the cost ledger is calibrated on (csctl.core's snapshot and movements over the company's own
    billing) agrees month by month with the plain-Python reference above, to within a few cents on a book of
    $150,000 a month: the reference rounds each plan's float dollars with Python's round (half to even, on binary
    floats) where csctl rounds cents half away from zero, and csctl rounds the price effect to whole cents."""
    measured = revenue_bridge(300, 36, 7, "2023-11")
    assert len(measured.mrr) == 36 + 6  # the history and the months simulated past it
    for m in range(36):
        month = LAST - 35 + m
        assert measured.mrr[m] == pytest.approx(mrr.total(month), abs=0.05), month
        reference = bridge(mrr, month)
        for name, values in measured.moves.items():
            assert values[m] == pytest.approx(reference[name], abs=0.05), (month, name)
    # the opening month is all new business; the identity of the bridge holds every month after it
    assert measured.moves["new"][0] == pytest.approx(measured.mrr[0])
    for m in range(1, len(measured.mrr)):
        moved = sum(values[m] for values in measured.moves.values())
        assert measured.mrr[m] == pytest.approx(measured.mrr[m - 1] + moved, abs=1e-6)


def test_cost_calibration(costs: pl.DataFrame, mrr: Mrr) -> None:
    """Over the trailing 12 months, the ledger against the bridge gives the seed deck's ratios."""
    window = range(LAST - 11, LAST + 1)
    moves = [bridge(mrr, month) for month in window]

    def arr(*names: str) -> float:
        return 12 * sum(move[name] for move in moves for name in names)

    start_arr = 12 * moves[0]["mrr_start"]
    assert start_arr == pytest.approx(12 * mrr.total(LAST - 12))
    spend = costs.filter(pl.col("period") >= "2025-11").group_by("category").agg(pl.col("amount").sum())
    spent = dict(zip(spend["category"], spend["amount"], strict=True))
    cac = spent["acquisition"] / arr("new", "reactivation")
    # CRC's basis: the ARR kept month by month (start MRR less churn, contraction and price erosion), averaged
    kept = [12 * (m["mrr_start"] + m["churn"] + m["contraction"] + m["price_erosion"]) for m in moves]
    crc = spent["retention"] / (sum(kept) / len(kept))
    kept_without_erosion = [12 * (m["mrr_start"] + m["churn"] + m["contraction"]) for m in moves]
    crc_without_erosion = spent["retention"] / (sum(kept_without_erosion) / len(kept_without_erosion))
    cec = spent["expansion"] / arr("expansion", "price_uplift")
    cuc = spent["upsell"] / arr("upsell")
    assert abs(cac - 1 / 1.15) <= 0.1, cac  # "$1.00 to get $1.15"
    assert abs(crc - 0.12) <= 0.02, crc  # "$0.12 to retain $1.00"
    assert abs(crc_without_erosion - 0.12) <= 0.02, crc_without_erosion
    assert abs(cec - 2 * 0.12) <= 0.05, cec
    assert abs(cuc - 4 * 0.12) <= 0.1, cuc
    # budgets move smoothly: the retention spend changes by less than 25% from one month to the next, mostly
    monthly = costs.filter(pl.col("category") == "retention").group_by("period").agg(pl.col("amount").sum())
    values = monthly.sort("period")["amount"].to_list()
    changes = [abs(b / a - 1) for a, b in itertools.pairwise(values)]
    assert sum(change < 0.25 for change in changes) > 0.8 * len(changes)


@pytest.fixture(scope="module")
def contracts(terms: pl.DataFrame) -> pl.DataFrame:
    """Each contract life from the billing: consecutive billed terms, its start, last billed day and its term
    starting twelve months in (the first renewal), if any."""
    rows = []
    for (cust,), group in terms.group_by("customer_id", maintain_order=True):
        periods = sorted(zip(group["period_start"], group["period_end"], strict=True))
        lives: list[list[tuple[dt.date, dt.date]]] = []
        for begin, end in periods:
            if lives and begin == lives[-1][-1][1] + dt.timedelta(days=1):
                lives[-1].append((begin, end))
            else:
                lives.append([(begin, end)])
        for life in lives:
            begin = life[0][0]
            anniversary = next((b for b, _ in life if b >= begin + dt.timedelta(days=360)), None)
            rows.append({"customer_id": cust, "start": begin, "end": life[-1][1], "renewal": anniversary})
    return pl.DataFrame(rows).sort("customer_id", "start")


def test_milestones_layout(milestones: pl.DataFrame, contracts: pl.DataFrame) -> None:
    assert milestones.schema == MILESTONE_SCHEMA and milestones.columns == list(sample.MILESTONE_COLUMNS)
    assert milestones.null_count().sum_horizontal().item() == 0
    assert set(milestones["milestone"]) == {*PATH, FAILED}
    assert milestones["date"].is_sorted()
    assert (milestones["date"] <= END).all()
    assert 1_500 < milestones.height < 3_000
    # a kickoff on the first billed day of every contract, and nothing else on that day
    kickoffs = milestones.filter(pl.col("milestone") == "kickoff").select("customer_id", start="date")
    assert kickoffs.sort("customer_id", "start").equals(contracts.select("customer_id", "start"))


def test_milestones_follow_contracts(milestones: pl.DataFrame, contracts: pl.DataFrame) -> None:
    matched = within_contracts(milestones, contracts)
    assert matched["start"].null_count() == 0
    assert (matched["date"] <= matched["end"]).all()  # nothing after a churn (the contract's last billed day)
    # along the path, in time order, each milestone once per contract; "onboarding failed" after what was reached
    order = {name: k for k, name in enumerate(PATH)} | {FAILED: PATH.index("active") + 0.5}
    for _, group in matched.group_by("customer_id", "start"):
        rows = sorted(zip(group["date"], group["milestone"], strict=True))
        steps = [order[name] for _, name in rows]
        names = [name for _, name in rows]
        assert len(set(names)) == len(names)
        dates = [day for day, _ in rows]
        assert dates == sorted(set(dates)), rows
        path = [s for s, name in zip(steps, names, strict=True) if name not in (FAILED, "renewal")]
        assert path == list(range(len(path))), rows  # no milestone skipped
        if FAILED in names:
            assert names.index(FAILED) == len(path)
            assert all(order[name] <= PATH.index("active") for name in names[: len(path)])
    # "renewal": exactly the contracts with a term twelve months in, on its first day
    renewals = matched.filter(pl.col("milestone") == "renewal")
    assert (renewals["date"] == renewals["renewal"]).all()
    due = contracts.filter(pl.col("renewal").is_not_null())
    assert renewals.height == due.height > 50


def within_contracts(milestones: pl.DataFrame, contracts: pl.DataFrame) -> pl.DataFrame:
    keyed = milestones.sort("customer_id", "date")
    return keyed.join_asof(
        contracts, left_on="date", right_on="start", by="customer_id", strategy="backward", check_sortedness=False
    )


def test_milestone_timing(milestones: pl.DataFrame, contracts: pl.DataFrame, usage: pl.DataFrame) -> None:
    matched = within_contracts(milestones, contracts).with_columns(
        week=(pl.col("date") - pl.col("start")).dt.total_days() / 7
    )
    weeks = {name: matched.filter(pl.col("milestone") == name)["week"] for name in (*PATH, FAILED)}
    # go-live ("active") mostly around week 4, the others in their order around their weeks
    active = weeks["active"]
    assert 3.5 <= float(active.median()) <= 5.5  # type: ignore[arg-type]
    assert mean(active.is_between(2, 6)) > 0.7
    assert mean(active > 8) > 0.02  # some late
    for name, week in sample.VALUE_PATH[1:7]:
        assert 0.7 * week <= float(weeks[name].median()) <= 1.5 * week, name  # type: ignore[arg-type]
    assert float(weeks["achievement"].min()) >= 12 and float(weeks["achievement"].max()) <= 53  # type: ignore[arg-type]
    # stalled: oriented long ago (more than 90 days before the end or the churn), never active
    started = matched.group_by("customer_id", "start", "end").agg(
        oriented=pl.col("date").filter(pl.col("milestone") == "oriented").first(),
        active=pl.col("date").filter(pl.col("milestone") == "active").first(),
        failed=(pl.col("milestone") == FAILED).any(),
    )
    stalled = started.filter(
        pl.col("active").is_null(),
        ~pl.col("failed"),
        (pl.min_horizontal(pl.col("end"), pl.lit(END)) - pl.col("oriented")).dt.total_days() > 90,
    )
    assert stalled.height >= 3
    # about 3-5% of the contracts have a failed onboarding, and most of those churn within a year
    failed = started.filter(pl.col("failed"))
    assert 0.025 <= failed.height / contracts.height <= 0.06
    churned_soon = failed.filter(pl.col("end") < END, (pl.col("end") - pl.col("start")).dt.total_days() <= 365)
    assert churned_soon.height >= 0.6 * failed.height
    # consistent with adoption: contracts that reached "full speed" use the product more than stalled or failed ones
    reached = matched.filter(pl.col("milestone") == "full speed").select("customer_id", "start").unique()
    behind = pl.concat([stalled.select("customer_id", "start"), failed.select("customer_id", "start")])
    use = within_contracts(usage.rename({"date": "day"}).with_columns(date=pl.col("day")), contracts)
    use = use.filter((pl.col("day") - pl.col("start")).dt.total_days().is_between(70, 200))

    def share(frame: pl.DataFrame) -> float:
        rows = use.join(frame, on=["customer_id", "start"], how="semi")
        return int(rows["active_users"].sum()) / int(rows["seats"].sum())

    assert share(reached) > share(behind) + 0.15


def test_milestones_deterministic_and_seeded() -> None:
    first = sample.generate_milestones(customers=80, months=20)
    assert first.equals(sample.generate_milestones(customers=80, months=20))
    assert not first.equals(sample.generate_milestones(customers=80, months=20, seed=8))


def test_inventory_validates() -> None:
    import yaml

    from csctl.config.inventory import Inventory

    text = sample.inventory_yaml()
    assert text == sample.inventory_yaml()
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 5  # a commented working file
    inventory = Inventory.model_validate(yaml.safe_load(text))
    assert 10 <= len(inventory.processes) <= 14
    assert {p.rating for p in inventory.processes} == {"good", "bad", "gap"}
    assert {p.with_team for p in inventory.processes} >= {"CS", "Sales", "Engineering", "Product", "Marketing"}
    assert {"support", "onboarding", "renewals", "adoption", "escalations"} <= {p.area for p in inventory.processes}
    assert all(p.owner and p.notes for p in inventory.processes)
    assert 7 <= len(inventory.metrics) <= 10
    assert {m.kind for m in inventory.metrics} == {"internal", "external", "process"}
    assert any(not m.in_place for m in inventory.metrics) and any(m.in_place for m in inventory.metrics)
    assert 4 <= len(inventory.tools) <= 6
    assert all(t.captures and t.annual_cost for t in inventory.tools)
    assert set(inventory.answers) == {"expectations vs promises", "business reviews"}
    # the people it names are on the roster
    team = sample.generate_team()
    vp = team.filter(pl.col("role") == "VP Customer Success")["name"].item()
    assert vp in text
    small = Inventory.model_validate(yaml.safe_load(sample.inventory_yaml(customers=40, months=14, seed=5)))
    assert len(small.processes) == len(inventory.processes)


# --- contacts and outcomes ------------------------------------------------------------------------------------

CONTACT_SCHEMA = pl.Schema(
    {
        "customer_id": pl.String,
        "name": pl.String,
        "email": pl.String,
        "title": pl.String,
        "role": pl.String,
        "last_activity": pl.Date,
        "is_primary": pl.Boolean,
    }
)
OUTCOME_SCHEMA = pl.Schema(
    {
        "customer_id": pl.String,
        "outcome": pl.String,
        "kpi": pl.String,
        "baseline": pl.Float64,
        "target": pl.Float64,
        "actual": pl.Float64,
        "measured_at": pl.Date,
        "recognised_by_customer": pl.Boolean,
    }
)


@pytest.fixture(scope="module")
def crm() -> pl.DataFrame:
    return generate_customers()


@pytest.fixture(scope="module")
def contacts() -> pl.DataFrame:
    return sample.generate_contacts()


@pytest.fixture(scope="module")
def outcomes() -> pl.DataFrame:
    return sample.generate_outcomes()


@pytest.fixture(scope="module")
def persona_rules() -> Any:
    from csctl.config.rules import load_personas

    return load_personas(None)


@pytest.fixture(scope="module")
def renewal_team(contacts: pl.DataFrame, outcomes: pl.DataFrame, crm: pl.DataFrame, persona_rules: Any) -> Any:
    """csctl personas on the sample: as of the last day of the history, renewals within 90 days."""
    from csctl.core.personas import PersonaInputs, compute_personas

    return compute_personas(PersonaInputs(contacts, crm, outcomes, END, 90), persona_rules)


@pytest.fixture(scope="module")
def recent_use(usage: pl.DataFrame) -> pl.DataFrame:
    """Per account billed in the last 26 weeks: the share of its seats in use then, and its tier."""
    recent = shares(usage.filter(pl.col("date") > END - dt.timedelta(days=182)))
    return recent.with_columns(
        tier=pl.when(pl.col("share") >= 0.6)
        .then(pl.lit("healthy"))
        .when(pl.col("share") < 0.35)
        .then(pl.lit("struggling"))
        .otherwise(pl.lit("middling"))
    )


def test_contacts_layout(contacts: pl.DataFrame, crm: pl.DataFrame) -> None:
    assert contacts.schema == CONTACT_SCHEMA and contacts.columns == list(sample.CONTACT_COLUMNS)
    # every account has people, every contact an account
    assert set(contacts["customer_id"]) == set(crm["customer_id"])
    people = contacts.with_columns(key=pl.col("email").str.to_lowercase()).unique(["customer_id", "key"])
    per_account = people.group_by("customer_id").len().join(crm.select("customer_id", "segment"), on="customer_id")
    assert per_account["len"].min() == 1 and int(per_account["len"].max()) <= 8  # type: ignore[arg-type]
    assert mean(per_account["len"] == 1) < 0.2
    by_segment = dict(per_account.group_by("segment").agg(pl.col("len").mean()).iter_rows())
    assert by_segment["Enterprise"] > by_segment["Mid-Market"] > by_segment["SMB"]  # more for bigger accounts
    # one primary contact per account; activity never after the history, some never logged
    assert (contacts.group_by("customer_id").agg(pl.col("is_primary").sum())["is_primary"] == 1).all()
    assert contacts["last_activity"].max() <= END  # type: ignore[operator]
    assert 0.01 < mean(contacts["last_activity"].is_null()) < 0.15
    # titles: about 3% empty, some accented, some shouting; roles mostly empty, CRM buying roles otherwise
    assert 0.015 < mean(contacts["title"].is_null()) < 0.05
    titles = contacts["title"].drop_nulls()
    assert titles.str.contains("[éèç]").any() and (titles == titles.str.to_uppercase()).any()
    assert mean(contacts["role"].is_null()) > 0.7
    assert {"Champion", "Decision Maker", "Influencer", "Economic Buyer"} <= set(contacts["role"].drop_nulls())
    # e-mails at the company's domain, plain ASCII, though names have accents
    assert contacts["email"].str.contains(r"(?i)^[a-z0-9._]+@[a-z0-9.]+\.[a-z]+$").all()
    assert contacts["name"].str.contains("[^\x00-\x7f]").any()
    # CRM mess: ~1% duplicate records, the same e-mail in another case, after the original, without activity
    keyed = contacts.with_row_index().with_columns(key=pl.col("email").str.to_lowercase())
    first_seen = pl.col("index").min().over("customer_id", "key")
    copies = keyed.filter(pl.col("index") > first_seen)
    assert 0.004 < copies.height / contacts.height < 0.03
    pairs = copies.join(keyed.filter(pl.col("index") == first_seen), on=["customer_id", "key"], suffix="_original")
    assert pairs.height == copies.height and (pairs["email"] != pairs["email_original"]).all()
    assert (pairs["name"] == pairs["name_original"]).all()
    assert copies["last_activity"].is_null().all() and not copies["is_primary"].any() and copies["role"].is_null().all()


def test_contact_titles_cover_every_persona(contacts: pl.DataFrame, persona_rules: Any) -> None:
    from csctl.core.personas import classify

    names = [p.name for p in persona_rules.rules.personas]
    assert list(sample.CONTACT_TITLES) == names
    pool = pl.DataFrame(
        [(persona, title) for persona, titles in sample.CONTACT_TITLES.items() for title in titles],
        schema={"expected": pl.String, "title": pl.String},
        orient="row",
    )
    classified = classify(pool, persona_rules)
    wrong = classified.filter(pl.col("persona") != pl.col("expected"))
    assert wrong.height == 0, wrong
    found = classify(contacts, persona_rules)
    counts = dict(found.group_by("persona").len().iter_rows())
    assert set(counts) == set(names) and min(counts.values()) >= 0.05 * contacts.height
    accented = found.filter(pl.col("title").str.contains("[éèç]"))
    assert accented["matched"].any() and accented["persona"].n_unique() >= 3


def test_contacts_renewal_team(renewal_team: Any, crm: pl.DataFrame) -> None:
    metrics = renewal_team.metrics
    assert 0.25 <= metrics["single_threaded_share"] <= 0.65
    assert 0.7 <= metrics["decision_maker_coverage"] <= 0.95
    risk = renewal_team.tables["renewal_risk"].frame
    assert risk.filter(pl.col("reason").str.contains("no decision maker")).height >= 5
    assert risk.filter(pl.col("reason").str.contains("no engaged champion")).height >= 5
    renewing = crm.filter(pl.col("renewal_date").is_between(END, END + dt.timedelta(days=90)))
    assert 0.2 <= risk.height / renewing.height <= 0.6  # some, not all
    assert risk["customer_id"].is_in(renewing["customer_id"].implode()).all()
    accounts = renewal_team.tables["accounts"].frame.join(crm.select("customer_id", "churn_reason"), on="customer_id")
    active = accounts.filter(pl.col("churn_reason").is_null())
    assert 0.15 <= mean(active["single_threaded"]) <= 0.6  # some accounts hang on one person
    assert any("duplicate contacts" in w for w in renewal_team.warnings)


def test_contacts_follow_the_accounts(contacts: pl.DataFrame, crm: pl.DataFrame, recent_use: pl.DataFrame) -> None:
    seen = contacts.with_columns(
        engaged=(pl.col("last_activity") > END - dt.timedelta(days=90)).fill_null(False),
        stale_days=(pl.lit(END) - pl.col("last_activity")).dt.total_days(),
    )
    churned = seen.join(crm.filter(pl.col("churn_reason").is_not_null()), on="customer_id", how="semi")
    assert mean(churned["engaged"]) < 0.15 and float(churned["stale_days"].median()) > 180  # type: ignore[arg-type]
    active = seen.join(crm.filter(pl.col("churn_reason").is_null()), on="customer_id", how="semi")
    tiers = active.join(recent_use, on="customer_id")
    healthy, struggling = tiers.filter(pl.col("tier") == "healthy"), tiers.filter(pl.col("tier") == "struggling")
    assert mean(healthy["engaged"]) > mean(struggling["engaged"]) + 0.1  # struggling accounts: staler activity
    assert float(struggling["stale_days"].median()) > 1.5 * float(healthy["stale_days"].median())  # type: ignore[arg-type]


def test_contacts_deterministic_seeded_and_stable() -> None:
    kwargs: dict[str, Any] = {"customers": 80, "months": 20}
    first = sample.generate_contacts(**kwargs)
    assert first.equals(sample.generate_contacts(**kwargs))
    assert not first.equals(sample.generate_contacts(**kwargs, seed=8))
    short_end = dt.date(2024, 12, 31)  # 14 months from 2023-11
    short = sample.generate_contacts(customers=80, months=14).with_row_index("i")
    identity = ["customer_id", "name", "email", "title", "role", "is_primary"]
    matched = short.join(first.with_row_index("j"), on=identity, how="left", nulls_equal=True)
    # a longer history keeps every contact, in the same order, adding some created since
    assert matched.height == short.height and matched["j"].null_count() == 0
    assert matched.sort("i")["j"].diff().drop_nulls().min() > 0  # type: ignore[operator]
    assert first.height > short.height
    # and only moves last_activity later: unchanged when the longer history's is within the shorter one
    assert short["last_activity"].max() <= short_end  # type: ignore[operator]
    later = matched.filter(pl.col("last_activity").is_not_null())
    assert (later["last_activity_right"] >= later["last_activity"]).all()
    within = matched.filter(pl.col("last_activity_right") <= short_end)
    assert (within["last_activity"] == within["last_activity_right"]).all() and within.height >= 10


def test_outcomes_layout(outcomes: pl.DataFrame, crm: pl.DataFrame) -> None:
    assert outcomes.schema == OUTCOME_SCHEMA and outcomes.columns == list(sample.OUTCOME_COLUMNS)
    assert outcomes["customer_id"].is_in(crm["customer_id"].implode()).all()
    per = outcomes.group_by("customer_id").len().join(crm, on="customer_id", how="right")
    active, churned = per.filter(pl.col("churn_reason").is_null()), per.filter(pl.col("churn_reason").is_not_null())
    assert active["len"].null_count() == 0 and active["len"].min() == 1 and active["len"].max() == 3
    assert 0.2 <= mean(churned["len"].is_not_null()) <= 0.6  # some churned ones
    assert int(churned["len"].max()) <= 2  # type: ignore[arg-type]
    assert set(outcomes["outcome"]) == {o[0] for o in sample.SUCCESS_OUTCOMES}
    assert outcomes.group_by("outcome").agg(pl.col("kpi").n_unique())["kpi"].max() == 1
    # both directions; measured never after the history, measured_at and actual null together (not yet measured)
    assert (outcomes["target"] < outcomes["baseline"]).any() and (outcomes["target"] > outcomes["baseline"]).any()
    assert (outcomes["target"] != outcomes["baseline"]).all()
    assert outcomes["measured_at"].max() <= END  # type: ignore[operator]
    assert (outcomes["measured_at"].is_null() == outcomes["actual"].is_null()).all()
    assert 0.05 < mean(outcomes["actual"].is_null()) < 0.35
    percent = outcomes.filter(pl.col("kpi").str.starts_with("%"))
    assert percent.select(pl.max_horizontal("baseline", "target", "actual").max()).item() <= 100
    assert outcomes.select(pl.min_horizontal("baseline", "target", "actual").min()).item() >= 0
    # no recognition without a measurement; sometimes nobody asked
    assert outcomes.filter(pl.col("actual").is_null())["recognised_by_customer"].null_count() == (
        outcomes["actual"].null_count()
    )
    assert outcomes.filter(pl.col("actual").is_not_null())["recognised_by_customer"].null_count() > 0


def test_outcomes_follow_adoption(renewal_team: Any, recent_use: pl.DataFrame) -> None:
    results = renewal_team.tables["outcomes"].frame
    metrics = renewal_team.metrics
    assert 0.3 <= metrics["outcomes_achieved_share"] <= 0.7
    assert 0.2 <= metrics["outcomes_recognised_share"] <= 0.6
    tiers = results.join(recent_use, on="customer_id")
    achieved = dict(tiers.group_by("tier").agg(pl.col("achieved").mean()).iter_rows())
    assert achieved["healthy"] > 0.5 and achieved["struggling"] < 0.25  # healthy mostly achieve, struggling not
    assert achieved["healthy"] > achieved["middling"] > achieved["struggling"]
    # recognition lags achievement: some achieved but not (yet) recognised, rarely recognised when missed
    asked = results.filter(pl.col("recognised_by_customer").is_not_null())
    met, missed = asked.filter(pl.col("achieved")), asked.filter(~pl.col("achieved"))
    assert 0.15 <= mean(~met["recognised_by_customer"]) <= 0.6
    assert mean(missed["recognised_by_customer"]) < 0.15 < mean(met["recognised_by_customer"]) - 0.3


def test_outcomes_deterministic_seeded_and_stable() -> None:
    first = sample.generate_outcomes(customers=80, months=20)
    assert first.equals(sample.generate_outcomes(customers=80, months=20))
    assert not first.equals(sample.generate_outcomes(customers=80, months=20, seed=8))
    # a measurement on a given day is the same in a longer history; later ones only come after it
    short = sample.generate_outcomes(customers=80, months=19)
    assert short["measured_at"].max() <= dt.date(2025, 5, 31)  # type: ignore[operator]
    pairs = short.join(first, on=["customer_id", "outcome", "baseline", "target"])
    assert pairs.height >= 0.6 * short.height
    assert (pairs["measured_at_right"] >= pairs["measured_at"]).all()
    same = pairs.filter(pl.col("measured_at") == pl.col("measured_at_right"))
    assert same.height > 0
    assert same["actual"].equals(same["actual_right"], check_names=False)
    assert (same["recognised_by_customer"].eq_missing(same["recognised_by_customer_right"])).all()


# --- the CS activity log ----------------------------------------------------------------------------------------
ACTION_SCHEMA = {"customer_id": pl.String, "play": pl.String, "date": pl.Date, "status": pl.String}


def test_actions_layout_and_meaning(billing: pl.DataFrame, terms: pl.DataFrame) -> None:
    actions = sample.generate_actions()
    assert actions.schema == pl.Schema(ACTION_SCHEMA)
    assert set(actions["play"]) == {"renewal play", "rescue play"}
    assert set(actions["status"]) == {"done", "open"}
    assert actions["date"].max() <= billing["period_start"].max().replace(day=28) + dt.timedelta(days=4)
    # a renewal play sits ~90 days (± 14) before the end of an annual term of its customer
    annual = terms.filter((pl.col("period_end") - pl.col("period_start")).dt.total_days() >= 300)
    renewal = actions.filter(pl.col("play") == "renewal play").join(annual, on="customer_id")
    to_end = (pl.col("period_end") - pl.col("date")).dt.total_days()
    matched = renewal.filter(to_end.is_between(89 - 14, 89 + 14)).select("customer_id", "date").unique()
    assert matched.height == actions.filter(pl.col("play") == "renewal play").height
    # a rescue play comes in the decline before a churn: within ~4 months of a term after which nothing is billed
    ends = (
        terms.group_by("customer_id", "period_end")
        .agg()
        .join(terms.select("customer_id", next_start=pl.col("period_start")), on="customer_id", how="left")
    )
    gaps = ends.group_by("customer_id", "period_end").agg(
        continued=(
            (pl.col("next_start") > pl.col("period_end"))
            & (pl.col("next_start") <= pl.col("period_end") + dt.timedelta(days=31))
        )
        .fill_null(False)
        .any()
    )
    churn_ends = gaps.filter(~pl.col("continued")).select("customer_id", "period_end")
    rescue = actions.filter(pl.col("play") == "rescue play")
    near = rescue.join(churn_ends, on="customer_id").filter(
        (pl.col("period_end") - pl.col("date")).dt.total_days().is_between(0, 130)
    )
    assert near.select("customer_id", "date").unique().height == rescue.height


def test_actions_prefix_stable_and_seeded() -> None:
    short = sample.generate_actions(months=30)
    longer = sample.generate_actions(months=36)
    cut = short["date"].max()
    assert longer.filter(pl.col("date") <= cut).equals(short.filter(pl.col("date") <= cut))
    assert not sample.generate_actions(seed=8).equals(longer)
    assert sample.generate_actions().equals(longer)
