"""Hand-worked bridges (DESIGN.md §4): small exports whose expected bridge was worked out on paper.

Every expected number below is written out by hand from the definitions; nothing is computed by code except
turning the written fractions (e.g. 2650 / 2700) into floats.

Billing export, Jan–Apr 2024, pulled on 2024-05-01 (as-of = April, the last complete month; F's May line only
dates the export). The export holds the whole history (history_starts = 2024-01), so January's customers are new:

    A  core monthly with seats: Jan $1,000 (10 × $100), Feb $1,200 (12 × $100), Mar $1,320 (12 × $110),
       Apr $1,000 (10 × $100); addon $50 (no quantity) in March only
    B  annual core $12,000, 2024-01-15 … 2025-01-14 (366 days → n = 12) → $1,000 every month;
       a void $5,000 "seats" line in March (ignored)
    C  core monthly, no quantity: Jan $500, Feb $450, Mar only a draft line (ignored) and a −$50 credit
       (credit beyond the charge → 0), Apr $600 (back: reactivation)
    D  core monthly with seats: Mar $300 (3 × $100), Apr $400 (5 × $80)
    E  quarterly core $900, 2024-01-10 … 2024-04-09 (91 days → n = 3) and a −$300 credit over the same
       period → $200 in Jan, Feb, Mar; nothing in April (churn)

             Jan    Feb    Mar    Apr
    A       1000   1200   1370   1000
    B       1000   1000   1000   1000
    C        500    450      0    600
    D          0      0    300    400
    E        200    200    200      0
    total   2700   2850   2870   3000

Feb: A core price (1200/12 − 1000/10) × 10 = 0, volume +200 → expansion; C −50 (no quantities) → contraction.
     Due in Feb (a term ended in Jan): A, C → eligible 50 / 1500.
Mar: A core price (1320/12 − 1200/12) × 12 = +120 → price uplift, volume 0; addon → upsell +50;
     C 450 → 0 → churn; D new 300. Due in Mar: A, C → eligible 450 / 1650.
Apr: A core price (1000/10 − 1320/12) × 12 = −120 → price erosion, volume (1000 − 1320) + 120 = −200 →
     contraction; addon dropped → contraction −50; C reactivation +600;
     D price (400/5 − 300/3) × 3 = −60 → price erosion, volume 100 + 60 = +160 → expansion; E churn −200.
     Due in Apr: A, D, E (and C, whose March credit "ended", but c(Mar) = 0) →
     eligible (370 + 0 + 200) / 1870.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from csctl.core.mrr import BillingRules
from csctl.core.numbers import NumbersSettings, compute_numbers, measure
from csctl.errors import UsageError

# the exports below hold the whole history: January 2024 is when billing began
WHOLE = BillingRules(history_starts=2024 * 12)

D = dt.date
BILLING_SCHEMA = {
    "customer_id": pl.String,
    "amount": pl.Float64,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "product": pl.String,
    "quantity": pl.Float64,
    "status": pl.String,
}
SUBS_SCHEMA = {
    "customer_id": pl.String,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "mrr": pl.Float64,
    "product": pl.String,
    "quantity": pl.Float64,
}
COLUMNS = (
    "month",
    "mrr_start",
    "new",
    "reactivation",
    "expansion",
    "price_uplift",
    "upsell",
    "contraction",
    "price_erosion",
    "churn",
    "mrr_end",
    "customers_start",
    "customers_new",
    "customers_reactivated",
    "customers_churned",
    "customers_end",
    "gross_revenue_churn",
    "net_revenue_churn",
    "logo_churn_rate",
    "grr",
    "nrr",
    "eligible_churn",
    "quick_ratio",
)
MONEY = COLUMNS[1:11]
COUNT = COLUMNS[11:16]
RATES = COLUMNS[16:]
N = None

# customer, amount, period_start, period_end, product, quantity, status
BILLING = [
    ("A", 1000.00, D(2024, 1, 1), D(2024, 1, 31), "core", 10, "paid"),
    ("A", 1200.00, D(2024, 2, 1), D(2024, 2, 29), "core", 12, "paid"),
    ("A", 1320.00, D(2024, 3, 1), D(2024, 3, 31), "core", 12, "paid"),
    ("A", 50.00, D(2024, 3, 1), D(2024, 3, 31), "addon", N, "paid"),
    ("A", 1000.00, D(2024, 4, 1), D(2024, 4, 30), "core", 10, "open"),
    ("B", 12000.00, D(2024, 1, 15), D(2025, 1, 14), "core", N, "paid"),
    ("B", 5000.00, D(2024, 3, 1), D(2024, 3, 31), "seats", 50, "void"),
    ("C", 500.00, D(2024, 1, 1), D(2024, 1, 31), "core", N, "paid"),
    ("C", 450.00, D(2024, 2, 1), D(2024, 2, 29), "core", N, "paid"),
    ("C", 450.00, D(2024, 3, 1), D(2024, 3, 31), "core", N, "draft"),
    ("C", -50.00, D(2024, 3, 5), N, "core", N, N),
    ("C", 600.00, D(2024, 4, 1), D(2024, 4, 30), "core", N, N),
    ("D", 300.00, D(2024, 3, 1), D(2024, 3, 31), "core", 3, "paid"),
    ("D", 400.00, D(2024, 4, 1), D(2024, 4, 30), "core", 5, "paid"),
    ("E", 900.00, D(2024, 1, 10), D(2024, 4, 9), "core", N, "paid"),
    ("E", -300.00, D(2024, 1, 10), D(2024, 4, 9), "core", N, "paid"),
    # the export was pulled on 2024-05-01: May is the month in progress, so April is the last complete month
    ("F", 100.00, D(2024, 5, 1), D(2024, 5, 31), "core", N, "paid"),
]

# month, mrr_start, new, reactivation, expansion, price_uplift, upsell, contraction, price_erosion, churn,
# mrr_end, customers start/new/reactivated/churned/end, gross & net revenue churn, logo churn, grr, nrr,
# eligible churn, quick ratio
BILLING_BRIDGE = [
    ("2024-01", 0, 2700, 0, 0, 0, 0, 0, 0, 0, 2700, 0, 4, 0, 0, 4, N, N, N, N, N, N, N),
    (
        "2024-02", 2700, 0, 0, 200, 0, 0, -50, 0, 0, 2850, 4, 0, 0, 0, 4,
        50 / 2700, -150 / 2700, 0.0, 2650 / 2700, 2850 / 2700, 50 / 1500, 200 / 50,
    ),
    (
        "2024-03", 2850, 300, 0, 0, 120, 50, 0, 0, -450, 2870, 4, 1, 0, 1, 4,
        450 / 2850, 280 / 2850, 1 / 4, 2400 / 2850, 2570 / 2850, 450 / 1650, 470 / 450,
    ),
    (
        "2024-04", 2870, 0, 600, 160, 0, 0, -250, -180, -200, 3000, 4, 0, 1, 1, 4,
        630 / 2870, 470 / 2870, 1 / 4, 2300 / 2870, 2400 / 2870, 570 / 1870, 760 / 630,
    ),
]  # fmt: skip


def billing_frame(rows: list[tuple]) -> pl.LazyFrame:
    names = list(BILLING_SCHEMA)
    return pl.LazyFrame([dict(zip(names, r, strict=True)) for r in rows], schema=BILLING_SCHEMA)


def subs_frame(rows: list[tuple]) -> pl.LazyFrame:
    names = list(SUBS_SCHEMA)
    return pl.LazyFrame([dict(zip(names, r, strict=True)) for r in rows], schema=SUBS_SCHEMA)


def assert_bridge(frame: pl.DataFrame, expected: list[tuple]) -> None:
    assert tuple(frame.columns) == COLUMNS
    got = frame.to_dicts()
    assert [r["month"] for r in got] == [e[0] for e in expected]
    for row, want in zip(got, expected, strict=True):
        w = dict(zip(COLUMNS, want, strict=True))
        for col in MONEY:
            assert round(row[col] * 100) == round(w[col] * 100), (w["month"], col, row[col], w[col])
            assert row[col] == pytest.approx(w[col], abs=1e-9), (w["month"], col)
        for col in COUNT:
            assert row[col] == w[col], (w["month"], col, row[col], w[col])
        for col in RATES:
            where = (w["month"], col, row[col], w[col])
            if w[col] is None:
                assert row[col] is None, where
            else:
                assert row[col] == pytest.approx(w[col], rel=1e-12, abs=1e-12), where


def bridge_of(
    kind: str, table: pl.LazyFrame, customers: pl.LazyFrame | None = None, as_of: int | None = None
) -> pl.DataFrame:
    settings = NumbersSettings(view="bridge", as_of=as_of, billing=WHOLE)
    result = compute_numbers(kind, table, customers, settings)
    assert result.primary == "bridge"
    return result.tables["bridge"].frame


def test_billing_bridge_by_hand() -> None:
    result = compute_numbers("billing", billing_frame(BILLING), None, NumbersSettings(view="bridge", billing=WHOLE))
    assert result.meta["as_of"] == "2024-04"
    assert_bridge(result.tables["bridge"].frame, BILLING_BRIDGE)


def test_billing_customer_movements_by_hand() -> None:
    m = measure("billing", billing_frame(BILLING), None, NumbersSettings(billing=WHOLE))
    rows = {(r["customer_id"], r["month"]): r for r in m.movements.to_dicts()}
    apr = 2024 * 12 + 3
    mar = apr - 1
    zero = dict.fromkeys(MONEY[1:-1], 0)
    # cents
    assert rows[("A", apr)] == {
        "customer_id": "A", "month": apr, "mrr_start": 137000, "mrr_end": 100000,
        **zero, "contraction": -25000, "price_erosion": -12000,
    }  # fmt: skip
    assert rows[("A", mar)] == {
        "customer_id": "A", "month": mar, "mrr_start": 120000, "mrr_end": 137000,
        **zero, "price_uplift": 12000, "upsell": 5000,
    }  # fmt: skip
    assert rows[("C", mar)] == {
        "customer_id": "C", "month": mar, "mrr_start": 45000, "mrr_end": 0, **zero, "churn": -45000,
    }  # fmt: skip
    assert rows[("C", apr)] == {
        "customer_id": "C", "month": apr, "mrr_start": 0, "mrr_end": 60000, **zero, "reactivation": 60000,
    }  # fmt: skip
    assert rows[("D", apr)] == {
        "customer_id": "D", "month": apr, "mrr_start": 30000, "mrr_end": 40000,
        **zero, "expansion": 16000, "price_erosion": -6000,
    }  # fmt: skip
    assert rows[("E", apr)]["churn"] == -20000
    assert rows[("B", apr)] == {
        "customer_id": "B", "month": apr, "mrr_start": 100000, "mrr_end": 100000, **zero,
    }  # fmt: skip
    # B in January: new with its annual line spread over 12 months
    assert rows[("B", apr - 3)]["new"] == 100000
    assert ("C", mar + 2) not in rows  # nothing after the as-of month


def test_billing_headline_metrics_by_hand() -> None:
    r = compute_numbers("billing", billing_frame(BILLING), None, NumbersSettings(view="summary", billing=WHOLE))
    m = r.metrics
    assert m["mrr"] == 3000 and m["arr"] == 36000 and m["customers"] == 4 and m["arpa"] == 750
    gains = (m["new_mrr"], m["reactivation_mrr"], m["expansion_mrr"], m["price_uplift_mrr"], m["upsell_mrr"])
    losses = (m["contraction_mrr"], m["price_erosion_mrr"], m["churn_mrr"])
    assert gains == (0, 600, 160, 0, 0) and losses == (-250, -180, -200)
    assert m["headwind_mrr"] == -630 and m["tailwind_mrr"] == 160
    assert m["logos_lost"] == 1
    assert m["gross_revenue_churn"] == pytest.approx(630 / 2870)
    assert m["net_revenue_churn"] == pytest.approx(470 / 2870)
    assert m["grr_1m"] == pytest.approx(2300 / 2870) and m["nrr_1m"] == pytest.approx(2400 / 2870)
    # Feb..Apr over the customers with MRR in January: A 1000→1000, B 1000→1000, C 500→600 (left and came
    # back: retained), E 200→0
    assert m["grr_3m"] == pytest.approx(2500 / 2700) and m["nrr_3m"] == pytest.approx(2600 / 2700)
    assert m["grr_12m"] is None and m["nrr_12m"] is None and m["logo_churn_12m"] is None  # no MRR in 2023-04
    assert m["eligible_churn"] == pytest.approx(570 / 1870)
    assert m["quick_ratio"] == pytest.approx(760 / 630)
    # CLV: trailing churn = (0 + 50 + 450 + 630) / (0 + 2700 + 2850 + 2870) = 1130 / 8420
    assert m["clv"] == pytest.approx(4191.37, abs=0.005)


def test_billing_as_of_override_stops_the_bridge() -> None:
    settings = NumbersSettings(view="bridge", as_of=2024 * 12 + 2, billing=WHOLE)  # 2024-03
    frame = compute_numbers("billing", billing_frame(BILLING), None, settings).tables["bridge"].frame
    assert_bridge(frame, BILLING_BRIDGE[:3])


def test_rounding_by_hand() -> None:
    """Per (customer, product, plan, month) the rates are summed, then rounded to whole cents half away from zero."""
    rows = [
        # $1,000 a year (a whole 12-month cycle) → 8,333.33… cents → $83.33 a month
        ("F", 1000.00, D(2024, 1, 1), D(2024, 12, 31), "core", N, N),
        # monthly $5.01 in January and February, then nothing: churn in March
        ("G", 5.01, D(2024, 1, 1), D(2024, 1, 31), "core", N, N),
        ("G", 5.01, D(2024, 2, 1), D(2024, 2, 29), "core", N, N),
        # two $5 annual lines on one product: 41.67 + 41.67 cents = 83.33 cents → $0.83 (sum, then round)
        ("H", 5.00, D(2024, 1, 1), D(2024, 12, 31), "core", N, N),
        ("H", 5.00, D(2024, 1, 1), D(2024, 12, 31), "core", N, N),
        # quarterly $100 (a whole 3-month cycle) → $33.33 a month
        ("I", 100.00, D(2024, 1, 1), D(2024, 3, 31), "core", N, N),
        # $1.50 a year → 12.5 cents → $0.13 (half away from zero, not to even)
        ("J", 1.50, D(2024, 1, 1), D(2024, 12, 31), "core", N, N),
        ("I", 0.00, D(2024, 4, 1), N, "zero", N, N),  # a $0 line: dates the export (April in progress), adds nothing
    ]
    # Jan and Feb: 83.33 + 5.01 + 0.83 + 33.33 + 0.13 = 122.63; Mar: G's term is over → churn −5.01 → 117.62.
    # Due in Feb: G (its January term ended Jan 31), kept → eligible churn 0 / 5.01 = 0.
    # Due in Mar: G, with $5.01 at the start, all lost → 1.0.
    expected = [
        ("2024-01", 0, 122.63, 0, 0, 0, 0, 0, 0, 0, 122.63, 0, 5, 0, 0, 5, N, N, N, N, N, N, N),
        ("2024-02", 122.63, 0, 0, 0, 0, 0, 0, 0, 0, 122.63, 5, 0, 0, 0, 5, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, N),
        (
            "2024-03", 122.63, 0, 0, 0, 0, 0, 0, 0, -5.01, 117.62, 5, 0, 0, 1, 4,
            5.01 / 122.63, 5.01 / 122.63, 1 / 5, 117.62 / 122.63, 117.62 / 122.63, 1.0, 0.0,
        ),
    ]  # fmt: skip
    assert_bridge(bridge_of("billing", billing_frame(rows)), expected)


# Subscriptions (end_date exclusive), Jan–Apr 2024. The latest date is 2024-04-10 (Y's restart), so April is the
# month in progress: by default the as-of month is March; with --as-of April, April is measured on 2024-04-10.
#     X  core 2024-01-15 … 2024-03-15 $100 × 1 seat (Jan, Feb); 2024-03-15 … open $240 × 2 seats (Mar, Apr)
#     Y  core 2024-02-01 … 2024-03-01 $500 (Feb); 2024-04-10 … open $500 (Apr): churn in Mar, back in Apr
#     Z  core 2024-01-01 … open $300 (no quantity); a −$30 discount row 2024-03-01 … 2024-04-01 (Mar);
#        addon 2024-02-20 … 2024-04-01 $50 (Feb, Mar)
#
#              Jan   Feb   Mar   Apr
#     X        100   100   240   240
#     Y          0   500     0   500
#     Z        300   350   320   300
#     total    400   950   560  1040
#
# Feb: Y new 500, Z upsell 50.
# Mar: X price (240/2 − 100/1) × 1 = +20, volume 140 − 20 = +120; Y churn −500; Z core 300 → 270: −30.
# Apr: Y reactivation +500; Z core 270 → 300 expansion +30, addon dropped −50.
# Without a customers table every customer is due every month: eligible churn = lost by c(m−1) > 0 customers.
SUBSCRIPTIONS = [
    ("X", D(2024, 1, 15), D(2024, 3, 15), 100.00, "core", 1),
    ("X", D(2024, 3, 15), N, 240.00, "core", 2),
    ("Y", D(2024, 2, 1), D(2024, 3, 1), 500.00, "core", N),
    ("Y", D(2024, 4, 10), N, 500.00, "core", N),
    ("Z", D(2024, 1, 1), N, 300.00, "core", N),
    ("Z", D(2024, 3, 1), D(2024, 4, 1), -30.00, "core", N),
    ("Z", D(2024, 2, 20), D(2024, 4, 1), 50.00, "addon", N),
]
SUBSCRIPTIONS_BRIDGE = [
    ("2024-01", 0, 400, 0, 0, 0, 0, 0, 0, 0, 400, 0, 2, 0, 0, 2, N, N, N, N, N, N, N),
    (
        "2024-02", 400, 500, 0, 0, 0, 50, 0, 0, 0, 950, 2, 1, 0, 0, 3,
        0.0, -50 / 400, 0.0, 1.0, 450 / 400, 0.0, N,
    ),
    (
        "2024-03", 950, 0, 0, 120, 20, 0, -30, 0, -500, 560, 3, 0, 0, 1, 2,
        530 / 950, 390 / 950, 1 / 3, 420 / 950, 560 / 950, 530 / 950, 140 / 530,
    ),
    (
        "2024-04", 560, 0, 500, 30, 0, 0, -50, 0, 0, 1040, 2, 0, 1, 0, 3,
        50 / 560, 20 / 560, 0.0, 540 / 560, 540 / 560, 20 / 560, 530 / 50,
    ),
]  # fmt: skip


APRIL = 2024 * 12 + 3


def test_subscriptions_bridge_by_hand() -> None:
    result = compute_numbers("subscriptions", subs_frame(SUBSCRIPTIONS), None, NumbersSettings(view="bridge"))
    assert result.meta["as_of"] == "2024-03"  # April is in progress
    assert any("2024-04 is in progress" in note for note in result.notes)
    assert_bridge(result.tables["bridge"].frame, SUBSCRIPTIONS_BRIDGE[:3])
    settings = NumbersSettings(view="bridge", as_of=APRIL)
    result = compute_numbers("subscriptions", subs_frame(SUBSCRIPTIONS), None, settings)
    assert_bridge(result.tables["bridge"].frame, SUBSCRIPTIONS_BRIDGE)


def test_subscriptions_renewal_dates_decide_eligibility() -> None:
    """With customers.renewal_date: X due in March, Y in March, Z in April (and only then)."""
    customers = pl.LazyFrame(
        {
            "customer_id": ["X", "Y", "Z"],
            "name": ["Xylo", "Yak", "Zed"],
            "renewal_date": [D(2024, 3, 5), D(2024, 3, 31), D(2024, 4, 15)],
        }
    )
    frame = bridge_of("subscriptions", subs_frame(SUBSCRIPTIONS), customers, as_of=APRIL)
    # Feb: nobody due → null; Mar: X (100, kept) and Y (500, lost) → 500 / 600; Apr: Z 320 → 300 → 20 / 320
    expected = [(*row[:21], eligible, row[22]) for row, eligible in
                zip(SUBSCRIPTIONS_BRIDGE, [N, N, 500 / 600, 20 / 320], strict=True)]  # fmt: skip
    assert_bridge(frame, expected)


def test_subscriptions_today_caps_the_as_of() -> None:
    """Today (2024-03-20) caps the latest date: March is in progress, February the last complete month; March
    measured at 2024-03-20 holds X's new period (from 03-15), Z's discount and addon, not Y (ended 03-01)."""
    settings = NumbersSettings(view="bridge", today=D(2024, 3, 20))
    result = compute_numbers("subscriptions", subs_frame(SUBSCRIPTIONS), None, settings)
    assert result.meta["as_of"] == "2024-02"
    assert_bridge(result.tables["bridge"].frame, SUBSCRIPTIONS_BRIDGE[:2])
    settings = NumbersSettings(view="bridge", today=D(2024, 3, 20), as_of=APRIL - 1)
    result = compute_numbers("subscriptions", subs_frame(SUBSCRIPTIONS), None, settings)
    assert_bridge(result.tables["bridge"].frame, SUBSCRIPTIONS_BRIDGE[:3])
    with pytest.raises(UsageError):  # after the latest date
        compute_numbers(
            "subscriptions", subs_frame(SUBSCRIPTIONS), None, NumbersSettings(today=D(2024, 3, 20), as_of=APRIL)
        )
