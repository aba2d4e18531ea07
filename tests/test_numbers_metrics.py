"""Hand-worked summary metrics (DESIGN.md §4): CLV, eligible churn, window retention, null rates, quarters,
the forecast and cohorts. Every expected value is worked out by hand in the comments next to it."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from csctl.core.ltv import clv
from csctl.core.mrr import BillingRules
from csctl.core.numbers import NumbersSettings, compute_numbers

D = dt.date
N = None
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


def billing(rows: list[tuple]) -> pl.LazyFrame:
    """rows: (customer_id, amount, period_start, period_end, product, quantity, status)."""
    names = list(BILLING_SCHEMA)
    return pl.LazyFrame([dict(zip(names, r, strict=True)) for r in rows], schema=BILLING_SCHEMA)


def subscriptions(rows: list[tuple]) -> pl.LazyFrame:
    """rows: (customer_id, start_date, end_date (exclusive), mrr, product, quantity)."""
    names = list(SUBS_SCHEMA)
    return pl.LazyFrame([dict(zip(names, r, strict=True)) for r in rows], schema=SUBS_SCHEMA)


def month_end(year: int, month: int) -> dt.date:
    return (D(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)


def monthly_line(customer: str, amount: float, year: int, month: int) -> tuple:
    return (customer, amount, D(year, month, 1), month_end(year, month), "plan", N, "paid")


def index(year: int, month: int) -> int:
    return year * 12 + month - 1


def run(kind: str, table: pl.LazyFrame, customers: pl.LazyFrame | None = None, **kw: object):  # -> Result
    """The exports below hold the whole history and were pulled at the end of their last month: billing runs
    with history_starts = the first month and as-of = the month of the latest line unless a test says otherwise."""
    if kind == "billing":
        months = table.select(pl.col("period_start").min().alias("a"), pl.col("period_start").max().alias("z"))
        first, last = months.collect().row(0)
        kw.setdefault("billing", BillingRules(history_starts=first.year * 12 + first.month - 1))
        kw.setdefault("as_of", last.year * 12 + last.month - 1)
    else:  # subscriptions: the month of the latest start or end date, measured at its end (periods run on)
        latest = table.select(pl.max_horizontal(pl.col("start_date").max(), pl.col("end_date").max())).collect().item()
        kw.setdefault("as_of", latest.year * 12 + latest.month - 1)
    return compute_numbers(kind, table, customers, NumbersSettings(**kw))  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------------
# CLV: the seed example 75% × $500 / 1% = $37,500


def test_clv_seed_example_directly() -> None:
    value = clv(0.75, 500.0, 0.01)
    assert value.value == pytest.approx(37_500, rel=1e-12)
    assert "37,500.00" in value.formula


def test_clv_zero_churn_is_unbounded_not_an_error() -> None:
    value = clv(0.75, 500.0, 0.0)
    assert value.value is None and "unbounded" in value.formula
    assert clv(0.75, 500.0, None).value is None
    assert clv(0.75, None, 0.01).value is None  # no active customers: undefined


def steady_state_export() -> list[tuple]:
    """100 customers at $500 from 2023-12; each month of 2024 one of them leaves and a new one joins at $500.

    Every month of 2024: mrr_start = 100 × $500 = $50,000, churn −$500, new +$500. Trailing 12 months
    (2024-01 … 2024-12): Σ headwind / Σ mrr_start = 12 × 500 / (12 × 50,000) = 1%. In 2024-12: MRR $50,000
    over 100 customers → ARPA $500. CLV = 75% × $500 / 1% = $37,500.
    """
    rows = []
    for i in range(100):
        last = i + 1 if i < 12 else 13  # customer i < 12 has its last month in 2023-12 + i, leaves the next
        for k in range(last):  # month k after 2023-12
            rows.append(monthly_line(f"old{i:03d}", 500.0, 2023 + (k + 11) // 12, (k + 11) % 12 + 1))
    for j in range(12):  # new customer j joins in 2024-(j+1) and stays
        rows += [monthly_line(f"new{j:02d}", 500.0, 2024, month) for month in range(j + 1, 13)]
    return rows


def test_clv_seed_example_from_an_export() -> None:
    r = run("billing", billing(steady_state_export()))
    m = r.metrics
    assert r.meta["as_of"] == "2024-12"
    assert m["mrr"] == 50_000 and m["customers"] == 100 and m["arpa"] == 500
    assert m["churn_mrr"] == -500 and m["new_mrr"] == 500
    assert m["gross_revenue_churn"] == pytest.approx(0.01, rel=1e-12)
    assert m["clv_churn_rate"] == pytest.approx(0.01, rel=1e-12)
    assert m["clv"] == 37_500
    assert any("37,500.00" in note for note in r.notes)
    # the other churn bases agree here: 12 logos lost of 12 × 100 at the start; every customer is monthly, so
    # every customer is due every month and the MRR lost by due customers is the same $500 a month
    for basis in ("logo_churn_12m", "eligible_churn_12m", "gross_revenue_churn"):
        metrics = run("billing", billing(steady_state_export()), churn_basis=basis).metrics
        assert metrics["clv"] == 37_500, basis
    assert run("billing", billing(steady_state_export()), gross_margin=0.8).metrics["clv"] == 40_000


def test_zero_churn_gives_unbounded_clv_with_a_note() -> None:
    # two customers, flat for three months: no headwind at all
    rows = [monthly_line(c, 250.0, 2024, month) for c in ("a", "b") for month in (1, 2, 3)]
    r = run("billing", billing(rows))
    assert r.metrics["clv"] is None
    assert r.metrics["arpa"] == 250
    assert r.metrics["gross_revenue_churn"] == 0
    assert r.metrics["quick_ratio"] is None  # nothing lost: 0 / 0
    assert any("unbounded" in note for note in r.notes)


# ----------------------------------------------------------------------------------------------------
# eligible churn: $20,000 / $2,000,000 = 1%


def annual(customer: str, mrr: float, start: dt.date, product: str = "platform") -> tuple:
    """A 12-month term starting at ``start`` (ending the day before the anniversary) for 12 × mrr."""
    end = D(start.year + 1, start.month, start.day) - dt.timedelta(days=1)
    return (customer, 12 * mrr, start, end, product, N, "paid")


def eligible_export() -> list[tuple]:
    """As-of 2024-06. Annual terms 2023-06-01 … 2024-05-31 end in May, so these customers are due in June:
        R1 $1,000,000, R2 $600,000, R3 $380,000 renew flat; R4 $20,000 does not renew.
    Due MRR = 1,000,000 + 600,000 + 380,000 + 20,000 = 2,000,000; lost 20,000 → 1%.
    N2 is on a calendar-year term (due 2025-01) and gets a −$5,000 credit on a line of its own in June (a
    discount for June only): lost MRR (price erosion), but not due.
    """
    due = (("R1", 1_000_000), ("R2", 600_000), ("R3", 380_000), ("R4", 20_000))
    rows = [annual(c, mrr, D(2023, 6, 1)) for c, mrr in due]
    rows += [annual(c, mrr, D(2024, 6, 1)) for c, mrr in due[:3]]
    rows += [
        annual("N2", 10_000, D(2024, 1, 1)),
        ("N2", -5_000.0, D(2024, 6, 1), D(2024, 6, 30), "discount", N, "paid"),
    ]
    return rows


def test_eligible_churn_seed_example() -> None:
    r = run("billing", billing(eligible_export()))
    m = r.metrics
    assert r.meta["as_of"] == "2024-06"
    # June: due R1..R4 (c(May) = 2,000,000), R4 lost 20,000 → 1%
    assert m["eligible_churn"] == pytest.approx(0.01, rel=1e-12)
    # every lost dollar counts in gross revenue churn: (20,000 + 5,000) / (2,000,000 + 10,000)
    assert m["gross_revenue_churn"] == pytest.approx(25_000 / 2_010_000, rel=1e-12)
    assert m["churn_mrr"] == -20_000 and m["price_erosion_mrr"] == -5_000
    bridge = run("billing", billing(eligible_export()), view="bridge").tables["bridge"].frame
    rows = {row["month"]: row for row in bridge.to_dicts()}
    assert rows["2024-06"]["eligible_churn"] == pytest.approx(0.01, rel=1e-12)
    # 2024-02 … 2024-05: nobody is due (the annual terms run on) → null; 2024-01: N2 is new, nobody due either
    for month in ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05"):
        assert rows[month]["eligible_churn"] is None, month


def test_eligible_churn_from_subscriptions_and_renewal_dates() -> None:
    subs = subscriptions(
        [
            ("R1", D(2023, 6, 1), N, 1_000_000.0, "platform", N),
            ("R2", D(2023, 6, 1), N, 600_000.0, "platform", N),
            ("R3", D(2023, 6, 1), N, 380_000.0, "platform", N),
            ("R4", D(2023, 6, 1), D(2024, 6, 1), 20_000.0, "platform", N),
            ("N2", D(2024, 1, 1), N, 10_000.0, "platform", N),
            ("N2", D(2024, 6, 1), D(2024, 7, 1), -5_000.0, "platform", N),
        ]
    )
    customers = pl.LazyFrame(
        {
            "customer_id": ["R1", "R2", "R3", "R4", "N2"],
            "renewal_date": [D(2024, 6, 1), D(2024, 6, 15), D(2024, 6, 30), D(2024, 6, 1), D(2025, 1, 1)],
        }
    )
    as_of = index(2024, 6)
    assert run("subscriptions", subs, customers, as_of=as_of).metrics["eligible_churn"] == pytest.approx(0.01)
    # without renewal dates every customer is due every month: (20,000 + 5,000) / 2,010,000
    m = run("subscriptions", subs, None, as_of=as_of).metrics
    assert m["eligible_churn"] == pytest.approx(25_000 / 2_010_000, rel=1e-12)


# ----------------------------------------------------------------------------------------------------
# window retention: grr/nrr over 3 and 12 months, logo churn over 12 months


def retention_export() -> pl.LazyFrame:
    """As-of 2024-12.
        P  $100 from 2023-12, flat
        Q  $200 from 2023-12, gone in Oct and Nov 2024, back in Dec 2024 at $150 (left and came back:
           retained)
        R  $300 from 2023-12, gone from 2024-06
        S  $400 from 2024-03, $500 from 2024-11
        T  $1,000 from 2024-11 (new)
    3 months (Oct … Dec), base c(Sep) > 0: P 100, Q 200, S 400 = 700; in Dec P 100, Q 150, S 500
        grr = (100 + 150 + 400) / 700 = 650 / 700; nrr = (100 + 150 + 500) / 700 = 750 / 700
    12 months (2024-01 … 2024-12), base c(2023-12) > 0: P 100, Q 200, R 300 = 600; in Dec P 100, Q 150, R 0
        grr = (100 + 150 + 0) / 600 = 250 / 600 = nrr; logo churn = 1 / 3 (R)
    1 month (Dec), base c(Nov) > 0: P 100, S 500, T 1000 → all flat: grr = nrr = 1
    """
    return subscriptions(
        [
            ("P", D(2023, 12, 1), N, 100.0, "core", N),
            ("Q", D(2023, 12, 1), D(2024, 10, 1), 200.0, "core", N),
            ("Q", D(2024, 12, 1), N, 150.0, "core", N),
            ("R", D(2023, 12, 1), D(2024, 6, 1), 300.0, "core", N),
            ("S", D(2024, 3, 1), D(2024, 11, 1), 400.0, "core", N),
            ("S", D(2024, 11, 1), N, 500.0, "core", N),
            ("T", D(2024, 11, 1), N, 1000.0, "core", N),
        ]
    )


def test_window_retention_by_hand() -> None:
    m = run("subscriptions", retention_export(), as_of=index(2024, 12)).metrics
    assert m["grr_3m"] == pytest.approx(650 / 700, rel=1e-12)
    assert m["nrr_3m"] == pytest.approx(750 / 700, rel=1e-12)
    assert m["grr_12m"] == pytest.approx(250 / 600, rel=1e-12)
    assert m["nrr_12m"] == pytest.approx(250 / 600, rel=1e-12)
    assert m["logo_churn_12m"] == pytest.approx(1 / 3, rel=1e-12)
    assert m["grr_1m"] == 1 and m["nrr_1m"] == 1
    # Dec: Q is reactivated (+150), nobody churns
    assert m["reactivation_mrr"] == 150 and m["logos_lost"] == 0 and m["logo_churn_rate"] == 0
    assert m["mrr"] == 100 + 150 + 500 + 1000 and m["customers"] == 4


def test_window_retention_quarter_rows() -> None:
    """The bridge by quarter carries each quarter's window retention (2024-Q4: Oct … Dec, base c(Sep))."""
    r = run("subscriptions", retention_export(), as_of=index(2024, 12), view="bridge", period="quarter")
    rows = {row["quarter"]: row for row in r.tables["bridge"].frame.to_dicts()}
    q4 = rows["2024-Q4"]
    assert q4["months"] == 3
    assert q4["grr"] == pytest.approx(650 / 700) and q4["nrr"] == pytest.approx(750 / 700)
    # money: Sep 100 + 200 + 400 = 700 → Dec 1750; movements: Q churn −200 (Oct), S expansion +100 (Nov),
    # T new +1000 (Nov), Q reactivation +150 (Dec)
    assert (q4["mrr_start"], q4["mrr_end"]) == (700, 1750)
    assert (q4["churn"], q4["expansion"], q4["new"], q4["reactivation"]) == (-200, 100, 1000, 150)
    assert (q4["customers_start"], q4["customers_end"]) == (3, 4)
    assert (q4["customers_new"], q4["customers_reactivated"], q4["customers_churned"]) == (1, 1, 1)


# ----------------------------------------------------------------------------------------------------
# zero denominators


def test_zero_denominator_rates_are_null() -> None:
    # one month of history: nothing at the start of the month
    r = run("billing", billing([monthly_line("a", 100.0, 2024, 5)]))
    m = r.metrics
    assert m["mrr"] == 100 and m["new_mrr"] == 100 and m["customers"] == 1
    for name in (
        "gross_revenue_churn",
        "net_revenue_churn",
        "logo_churn_rate",
        "grr_1m",
        "nrr_1m",
        "grr_3m",
        "nrr_3m",
        "grr_12m",
        "nrr_12m",
        "logo_churn_12m",
        "eligible_churn",
        "quick_ratio",
        "clv",
    ):
        assert m[name] is None, name
    # every customer gone in the as-of month: ARPA has no customers → null, CLV undefined
    rows = [monthly_line("a", 100.0, 2024, 5), ("a", 0.0, D(2024, 6, 1), N, "plan", N, "paid")]
    m = run("billing", billing(rows)).metrics
    assert m["mrr"] == 0 and m["customers"] == 0 and m["arpa"] is None and m["clv"] is None
    assert m["churn_mrr"] == -100 and m["logo_churn_rate"] == 1 and m["gross_revenue_churn"] == 1
    assert m["quick_ratio"] == 0


# ----------------------------------------------------------------------------------------------------
# revenue by quarter


def test_quarters_are_complete_quarters_only_and_at_most_eight() -> None:
    """As-of 2024-11: 2024-Q4 is incomplete. Data from 2022-01 gives 11 complete quarters; the last 8 show.
        A $100 a month from 2022-01, $120 from 2024-08
        B $50 a month in May, Jun, Jul 2023
    2022-Q4 300 · 2023-Q1 300 · 2023-Q2 300 + 100 = 400 · 2023-Q3 300 + 50 = 350 · 2023-Q4 300 · 2024-Q1 300 ·
    2024-Q2 300 · 2024-Q3 100 + 120 + 120 = 340
    """
    subs = subscriptions(
        [
            ("A", D(2022, 1, 1), D(2024, 8, 1), 100.0, "core", N),
            ("A", D(2024, 8, 1), N, 120.0, "core", N),
            ("B", D(2023, 5, 1), D(2023, 8, 1), 50.0, "core", N),
        ]
    )
    r = run("subscriptions", subs, as_of=index(2024, 11), view="quarters")
    frame = r.tables["quarters"].frame
    assert frame["quarter"].to_list() == [
        "2022-Q4", "2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2", "2024-Q3",
    ]  # fmt: skip
    assert frame["revenue"].to_list() == [300, 300, 400, 350, 300, 300, 300, 340]
    assert frame["months"].to_list() == [3] * 8
    assert frame["mrr_end"].to_list() == [100, 100, 150, 100, 100, 100, 100, 120]
    assert frame["customers_end"].to_list() == [1, 1, 2, 1, 1, 1, 1, 1]
    growth = frame["revenue_growth"].to_list()
    assert growth[2] == pytest.approx(100 / 300) and growth[3] == pytest.approx(-50 / 400)
    assert growth[7] == pytest.approx(40 / 300)


def test_quarters_with_short_history() -> None:
    # 2024-02 … 2024-07, as-of July: complete quarters 2024-Q1 (Feb, Mar only: 2 months of data) and 2024-Q2
    rows = [monthly_line("a", 10.0, 2024, month) for month in range(2, 8)]
    r = run("billing", billing(rows), view="quarters")
    frame = r.tables["quarters"].frame
    assert frame["quarter"].to_list() == ["2024-Q1", "2024-Q2"]
    assert frame["revenue"].to_list() == [20, 30]
    assert any("2 complete quarters" in note for note in r.notes)


# ----------------------------------------------------------------------------------------------------
# forecast


def test_forecast_base_case_by_hand() -> None:
    """As-of 2024-03.
        Jan: A $1,000 new                                   (mrr_start 0: no rate, not in the trailing months)
        Feb: B $200 new; A flat → net revenue churn 0       → 1 − 0 = 1.00, new 200
        Mar: C $100 new; A 1,000 → 880 → churn 120 / 1,200  → 1 − 0.1 = 0.90, new 100
    r = (1.00 + 0.90) / 2 = 0.95, n = (200 + 100) / 2 = 150; MRR(Mar) = 880 + 200 + 100 = 1,180.
    MRR(t+1) = 0.95 MRR(t) + 150 → MRR(Apr) = 1,121 + 150 = 1,271; MRR(May) = 1,207.45 + 150 = 1,357.45; …
    Fixed point n / (1 − r) = 3,000, so MRR(k months on) = 3,000 − 1,820 × 0.95^k:
        year 1 ends (k = 12): 3,000 − 1,820 × 0.540360… = 2,016.54
        year 2 ends (k = 24): 3,000 − 1,820 × 0.291989… = 2,468.58
        year 1 revenue = Σ k=1..12 = 36,000 − 1,820 × 0.95 × (1 − 0.95^12) / 0.05
                       = 36,000 − 15,894.35 = 20,105.65
    Low/high: 25th/75th percentile (linear) of r {0.9, 1.0} → 0.925 / 0.975, of n {100, 200} → 125 / 175.
    """
    subs = subscriptions(
        [
            ("A", D(2024, 1, 1), D(2024, 3, 1), 1000.0, "core", N),
            ("A", D(2024, 3, 1), N, 880.0, "core", N),
            ("B", D(2024, 2, 1), N, 200.0, "core", N),
            ("C", D(2024, 3, 1), N, 100.0, "core", N),
        ]
    )
    r = run("subscriptions", subs, view="forecast")
    frame = r.tables["forecast"].frame
    rows = {(row["case"], row["year"]): row for row in frame.to_dicts()}
    base1, base2 = rows[("base", 1)], rows[("base", 2)]
    assert base1["monthly_retention"] == pytest.approx(0.95, rel=1e-12)
    assert base1["monthly_new_mrr"] == 150
    assert base1["months"] == "2024-04..2025-03" and base2["months"] == "2025-04..2026-03"
    assert base1["mrr_end"] == pytest.approx(2016.54, abs=0.005)
    assert base1["arr_end"] == pytest.approx(12 * 2016.5446, abs=0.01)
    assert base2["mrr_end"] == pytest.approx(2468.58, abs=0.005)
    assert base1["revenue"] == pytest.approx(20105.65, abs=0.01)
    assert rows[("low", 1)]["monthly_retention"] == pytest.approx(0.925)
    assert rows[("low", 1)]["monthly_new_mrr"] == 125
    assert rows[("high", 1)]["monthly_retention"] == pytest.approx(0.975)
    assert rows[("high", 1)]["monthly_new_mrr"] == 175
    assert any("projection" in note.lower() for note in r.notes)


def test_forecast_first_two_steps() -> None:
    """MRR(t+1) = MRR(t)·r + n: a flat business (r = 1, n = 0) stays flat; with one month of growth
    (r = 1.1 from net revenue churn −10%, n = 0) MRR grows × 1.1 each month."""
    flat = [monthly_line("a", 100.0, 2024, month) for month in (1, 2, 3)]
    rows = run("billing", billing(flat), view="forecast").tables["forecast"].frame.to_dicts()
    for row in rows:
        assert row["mrr_end"] == 100 and row["revenue"] == 1200 and row["arr_end"] == 1200
    grow = [monthly_line("a", 100.0, 2024, 1), monthly_line("a", 110.0, 2024, 2)]
    rows = run("billing", billing(grow), view="forecast").tables["forecast"].frame.to_dicts()
    base = next(row for row in rows if row["case"] == "base" and row["year"] == 1)
    # 110 × 1.1^12 = 110 × 3.138428… = 345.23; revenue = 110 × (1.1 + … + 1.1^12) = 110 × 23.522712 = 2587.50
    assert base["mrr_end"] == pytest.approx(345.23, abs=0.005)
    assert base["revenue"] == pytest.approx(2587.50, abs=0.01)


# ----------------------------------------------------------------------------------------------------
# cohorts


def cohort_export() -> pl.LazyFrame:
    """As-of 2024-03. A $100 from Jan; B $200 in Jan and Feb; C $50 from Feb, $80 from Mar.
    Cohort 2024-01 (A, B): Jan 2 active, $300 · Feb 2 active, $300 · Mar 1 active (A), $100.
    Cohort 2024-02 (C): Feb 1 active, $50 · Mar 1 active, $80 (revenue retention 160%).
    """
    return subscriptions(
        [
            ("A", D(2024, 1, 1), N, 100.0, "core", N),
            ("B", D(2024, 1, 1), D(2024, 3, 1), 200.0, "core", N),
            ("C", D(2024, 2, 1), D(2024, 3, 1), 50.0, "core", N),
            ("C", D(2024, 3, 1), N, 80.0, "core", N),
        ]
    )


def test_cohorts_by_month_by_hand() -> None:
    frame = run("subscriptions", cohort_export(), view="cohorts").tables["cohorts"].frame
    columns = ("cohort", "age", "customers", "active", "logo_retention", "mrr", "revenue_retention")
    assert frame.filter(pl.col("cohort") == "2024-01")["start_mrr"].to_list() == [300, 300, 300]
    got = [tuple(r[c] for c in columns) for r in frame.sort("cohort", "age").to_dicts()]
    assert got == [
        ("2024-01", 0, 2, 2, 1.0, 300, 1.0),
        ("2024-01", 1, 2, 2, 1.0, 300, 1.0),
        ("2024-01", 2, 2, 1, 0.5, 100, pytest.approx(100 / 300)),
        ("2024-02", 0, 1, 1, 1.0, 50, 1.0),
        ("2024-02", 1, 1, 1, 1.0, 80, 1.6),
    ]


def test_cohorts_by_quarter_by_hand() -> None:
    # one cohort, 2024-Q1 (A, B, C), measured in its last month with data, March: A and C active, $180; both
    # retentions against the cohort's customers at their start: 3 customers, $100 + $200 + $50 = $350.
    frame = run("subscriptions", cohort_export(), view="cohorts", period="quarter").tables["cohorts"].frame
    assert frame.height == 1
    row = frame.row(0, named=True)
    got = (row["cohort"], row["age"], row["customers"], row["active"], row["mrr"])
    assert got == ("2024-Q1", 0, 3, 2, 180)
    assert row["start_mrr"] == 350
    assert row["logo_retention"] == pytest.approx(2 / 3) and row["revenue_retention"] == pytest.approx(180 / 350)


def test_summary_has_every_registry_name() -> None:
    """DESIGN.md §4 "Metric names": at least these, for the as-of month unless the name says a window."""
    names = (
        "mrr", "arr", "customers", "arpa", "new_mrr", "reactivation_mrr", "expansion_mrr", "price_uplift_mrr",
        "upsell_mrr", "contraction_mrr", "price_erosion_mrr", "churn_mrr", "headwind_mrr", "tailwind_mrr",
        "gross_revenue_churn", "net_revenue_churn", "logo_churn_rate", "logos_lost", "grr_1m", "nrr_1m",
        "grr_3m", "nrr_3m", "grr_12m", "nrr_12m", "logo_churn_12m", "eligible_churn", "quick_ratio", "clv",
    )  # fmt: skip
    r = run("billing", billing(steady_state_export()))
    assert not set(names) - set(r.metrics)
    assert r.metrics["arr"] == 12 * 50_000
    # summary table: one row per metric with its value
    summary = {row["metric"]: row["value"] for row in r.tables["summary"].frame.to_dicts()}
    assert summary["clv"] == 37_500 and summary["arpa"] == 500 and summary["logos_lost"] == 1


def test_forecast_revenue_per_quarter_is_a_quarter_of_the_year() -> None:
    """The projected year's average quarter (what report charts beside past quarters): 1,200 a year → 300."""
    flat = [monthly_line("a", 100.0, 2024, month) for month in (1, 2, 3)]
    rows = run("billing", billing(flat), view="forecast").tables["forecast"].frame.to_dicts()
    assert {row["revenue_per_quarter"] for row in rows} == {300.0}
    grow = [monthly_line("a", 100.0, 2024, 1), monthly_line("a", 110.0, 2024, 2)]
    for row in run("billing", billing(grow), view="forecast").tables["forecast"].frame.to_dicts():
        assert row["revenue_per_quarter"] == pytest.approx(row["revenue"] / 4, abs=0.005)
