"""Subscription exports without an MRR column (Stripe, Chargebee, Recurly): amount × quantity / interval, inclusive
ends, periods that never hold a month end. Worked by hand:

    A  $100 a month × 2 seats, ongoing                  → $200.00 a month
    B  $1,200 a year, 2024-01-15 … 2024-03-31 then from 2024-04-01 (inclusive end: continuous) → $100.00
    C  $50 a month, 2024-02-03 … 2024-02-20             → holds no month end: never MRR, said in a note
    D  $25 a week, ongoing                              → 25 × 52 / 12 = $108.33
    MRR every month from January: 200 + 100 + 108.33 = $408.33, flat: no movement at all after January.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from helpers import as_json, write_csv
from typer.testing import Result

Invoke = Callable[..., Result]
ROWS = [
    ["customer_id", "start_date", "end_date", "amount", "quantity", "interval", "interval_count", "plan"],
    ["A", "2024-01-01", "", "100", "2", "month", "1", "pro"],
    ["B", "2024-01-15", "2024-03-31", "1200", "1", "year", "1", "basic"],
    ["B", "2024-04-01", "", "1200", "1", "year", "1", "basic"],
    ["C", "2024-02-03", "2024-02-20", "50", "1", "month", "1", "basic"],
    ["D", "2024-01-01", "", "25", "1", "week", "1", "weekly"],
]
MOVEMENTS = ("new", "reactivation", "expansion", "price_uplift", "upsell", "contraction", "price_erosion", "churn")


def test_amount_quantity_interval_inclusive_ends_and_short_periods(invoke: Invoke, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "subscriptions.csv", ROWS)
    doc = as_json(invoke("numbers", path, "--view", "bridge", "--as-of", "2024-05", "-f", "json"))
    assert doc["input"] == "subscriptions"  # read as subscription periods, not billing lines
    rows = doc["tables"]["bridge"]
    assert [r["month"] for r in rows] == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    assert rows[0]["new"] == 408.33 and rows[0]["customers_new"] == 3
    for row in rows:
        assert row["mrr_end"] == 408.33, row
    for row in rows[1:]:
        assert all(row[m] == 0 for m in MOVEMENTS), row  # B's renewal is continuous: no churn, no reactivation
    notes = " ".join(doc["notes"])
    assert "inclusive" in notes
    assert "1 subscription period starts and ends between two month-end snapshots (50.00" in notes


def test_a_period_without_mrr_or_interval_is_refused_not_dropped(invoke: Invoke, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "subscriptions.csv",
        [
            ["customer_id", "start_date", "end_date", "amount", "interval"],
            ["A", "2024-01-01", "", "100", ""],  # an amount with no interval: no monthly value to give it
            ["B", "2024-01-01", "", "50", "month"],
        ],
    )
    result = invoke("numbers", path, "--as-of", "2024-03")
    assert result.exit_code == 3, result.stderr
    assert f"{path}: row 2: a subscription period of customer 'A' has no monthly value" in result.stderr
