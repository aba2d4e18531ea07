"""An export cut mid-history (issue "MRR as billing systems mean it"): the sample company's billing cut to the lines
from 2025-06 on. Every figure of `numbers -f json` (summary, bridge, quarters, cohorts) and `valuation -f json` is
equal to the full history's (read with --history-starts, the sample's own start) or null, with a note naming the
first complete month. The one thing a cut export cannot know, whether a customer first billed inside it returns from
before it began, is said in the same note; new + reactivation stays exact.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import as_json
from typer.testing import Result

Invoke = Callable[..., Result]
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
CUT_FROM = "2025-06-01"
HISTORY = "2023-11"  # sample_data/csctl.yaml: billing.history_starts


@pytest.fixture(scope="module")
def cut_billing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cut") / "billing.csv"
    with (SAMPLE / "billing.csv").open(newline="", encoding="utf-8") as src, path.open("w", newline="") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or [], lineterminator="\n")
        writer.writeheader()
        writer.writerows(row for row in reader if row["period_start"] >= CUT_FROM)
    return path


def run(invoke: Invoke, *args: object) -> dict[str, Any]:
    return as_json(invoke(*args, "-f", "json"))


def equal_or_null(full: dict[str, Any], cut: dict[str, Any], where: str) -> int:
    """Each cut value equals the full one or is null; returns how many are null."""
    nulls = 0
    for key, value in cut.items():
        if value is None:
            nulls += 1
            continue
        assert value == full[key], (where, key, full[key], value)
    return nulls


@pytest.mark.parametrize("view", ["summary", "bridge", "quarters", "cohorts"])
def test_numbers_of_a_cut_export_equal_the_whole_history_or_are_null(
    invoke: Invoke, cut_billing: Path, view: str
) -> None:
    full = run(invoke, "numbers", SAMPLE / "billing.csv", "--view", view, "--history-starts", HISTORY)
    cut = run(invoke, "numbers", cut_billing, "--view", view)
    assert cut["as_of"] == full["as_of"] == "2026-09"  # the export was pulled 2026-10-17: October is in progress
    note = next(n for n in cut["notes"] if "first complete month" in n)
    assert "2026-05" in note and "2025-06" in note  # opening month 2025-06 + annual terms: complete from 2026-05
    assert not any("first complete month" in n for n in full["notes"])
    nulls = equal_or_null(full["metrics"], cut["metrics"], "metrics")
    assert nulls == 6  # 12-month retention, trailing churn, CLV and its churn rate rest on 2025-09
    for name in ("grr_12m", "nrr_12m", "logo_churn_12m", "gross_revenue_churn_12m", "clv"):
        assert cut["metrics"][name] is None and full["metrics"][name] is not None
    if view == "summary":
        return
    key = {"bridge": ("month",), "quarters": ("quarter",), "cohorts": ("cohort", "age")}[view]
    rows_full = {tuple(r[k] for k in key): r for r in full["tables"][view]}
    rows_cut = {tuple(r[k] for k in key): r for r in cut["tables"][view]}
    assert rows_cut and set(rows_cut) <= set(rows_full)
    if view == "bridge":
        assert min(rows_cut) == ("2026-06",)  # the month after the first complete month
    if view == "quarters":
        assert sorted(rows_cut) == [("2026-Q3",)]
    split = ("new", "reactivation", "customers_new", "customers_reactivated")
    for k, cut_row in rows_cut.items():
        whole, row = rows_full[k], cut_row
        if view == "bridge":  # arrivals: the split may differ (a customer back from before the cut), never the sum
            assert row["new"] + row["reactivation"] == pytest.approx(whole["new"] + whole["reactivation"], abs=1e-9)
            assert (
                row["customers_new"] + row["customers_reactivated"]
                == whole["customers_new"] + whole["customers_reactivated"]
            )
            row = {c: v for c, v in row.items() if c not in split}
        if view == "cohorts" and row["customers"] != whole["customers"]:
            continue  # a cohort holding such a customer: said in the note above
        equal_or_null(whole, row, f"{view} {k}")


def test_valuation_of_a_cut_export_equals_the_whole_history_or_is_null(invoke: Invoke, cut_billing: Path) -> None:
    costs = SAMPLE / "costs.csv"
    full = run(invoke, "valuation", SAMPLE / "billing.csv", "--costs", costs, "--history-starts", HISTORY)
    cut = run(invoke, "valuation", cut_billing, "--costs", costs)
    for name, value in cut["metrics"].items():
        if name.endswith("_12m") or name == "new_arr_per_dollar_12m":
            assert value is None and full["metrics"][name] is not None, name
        else:
            assert value == full["metrics"][name], name
    assert any("first complete month" in n and "2026-05" in n for n in cut["notes"])
    windows_full = {r["window"]: r for r in full["tables"]["ratios"]}
    windows_cut = {r["window"]: r for r in cut["tables"]["ratios"]}
    assert list(windows_cut) == ["2026-Q3"]
    for window, row in windows_cut.items():
        assert row == windows_full[window], window


def test_crc_has_one_basis_for_quarters_and_twelve_months(invoke: Invoke) -> None:
    """The 12-month CRC is the blend of its quarters' (spend over the ARR kept month by month), so it lies within
    the range of the quarters it covers, not at a multiple of them (the ARR of twelve months ago as its base)."""
    doc = run(invoke, "valuation", SAMPLE / "billing.csv", "--costs", SAMPLE / "costs.csv", "--history-starts", HISTORY)
    rows = doc["tables"]["ratios"]
    twelve = next(r for r in rows if r["window"].startswith("12 months"))
    quarters = [r for r in rows if "Q" in r["window"]][-3:]  # 2025-Q4 … 2026-Q3: within the trailing 12 months
    crcs = [r["crc"] for r in quarters]
    assert min(crcs) * 0.9 <= twelve["crc"] <= max(crcs) * 1.1, (crcs, twelve["crc"])
    # by hand from the row itself: spend / (ARR retained × 12 / 12)
    assert twelve["crc"] == pytest.approx(twelve["retention_spend"] / twelve["retained_arr"], abs=5e-7)  # 6 decimals
