"""bench/bridge_pandas.py, the benchmark's pandas engine, against csctl's bridge to the cent: the committed sample
company with and without its history_starts, and an export with every quirk of the definition (exclusive ends,
statuses, one-off and refund lines, a proration, credits, a weekly plan, an annual term, churn and a return).
Skipped where the bench extra (pandas, pyarrow) is not installed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import Invoke
from tests.helpers import ok, write_csv
from tests.test_partitioned import QUIRKS

pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

BENCH = Path(__file__).resolve().parent.parent / "bench"
SAMPLE = BENCH.parent / "sample_data" / "billing.csv"


@pytest.fixture(scope="module")
def bench() -> tuple:
    sys.path.insert(0, str(BENCH))
    try:
        import bench_numbers
        import bridge_pandas
    finally:
        sys.path.remove(str(BENCH))
    return bench_numbers, bridge_pandas


def _check(invoke: Invoke, bench: tuple, path: Path, history: str | None) -> list[dict]:
    bench_numbers, bridge_pandas = bench
    args = ["numbers", path, "--view", "bridge", "-f", "csv"] + (["--history-starts", history] if history else [])
    csctl_rows, err = bench_numbers.read_csctl_csv(ok(invoke(*args)).stdout)
    assert csctl_rows is not None, err
    rows = bridge_pandas.bridge_pandas(str(path), history)
    assert bench_numbers.compare("csctl", csctl_rows, "pandas", rows) == []
    assert bench_numbers.consistency_problems("pandas", rows) == []
    return rows


@pytest.mark.parametrize("history", [None, "2023-11"])
def test_the_sample_company(invoke: Invoke, bench: tuple, history: str | None) -> None:
    rows = _check(invoke, bench, SAMPLE, history)
    assert len(rows) >= 20
    for movement in ("new", "expansion", "price_uplift", "upsell", "contraction", "churn"):
        assert any(r[movement] != 0 for r in rows), movement  # the comparison covers every kind of movement


def test_every_quirk(invoke: Invoke, bench: tuple, tmp_path: Path) -> None:
    rows = _check(invoke, bench, write_csv(tmp_path / "billing.csv", QUIRKS), "2024-01")
    assert [r["month"] for r in rows] == [f"2024-{m:02d}" for m in range(1, 8)]  # 2024-08 is in progress
    assert any(r["churn"] < 0 for r in rows) and any(r["reactivation"] > 0 for r in rows)


def test_no_complete_month_is_an_empty_bridge(bench: tuple, tmp_path: Path) -> None:
    # without history_starts the annual term makes 2025-01 the first complete month, after the as-of month 2024-07
    # (csctl says so and exits 3): no bridge month, not an error
    assert bench[1].bridge_pandas(str(write_csv(tmp_path / "billing.csv", QUIRKS))) == []


def test_an_export_of_partial_lines_only(invoke: Invoke, bench: tuple, tmp_path: Path) -> None:
    # no whole line anywhere: every interval comes from the shortest cycle that holds the line
    rows = [
        QUIRKS[0],
        *[["A", "core", "pro", 2, 40 + m, f"2024-{m:02d}-05", f"2024-{m + 1:02d}-01", "paid"] for m in range(1, 7)],
        *[["B", "core", "", None, 15, f"2024-{m:02d}-10", f"2024-{m + 1:02d}-02", "paid"] for m in range(2, 6)],
    ]
    rows = _check(invoke, bench, write_csv(tmp_path / "billing.csv", rows), "2024-01")
    assert [r["month"] for r in rows] == [f"2024-{m:02d}" for m in range(1, 6)]
    assert any(r["price_uplift"] != 0 or r["price_erosion"] != 0 for r in rows)
