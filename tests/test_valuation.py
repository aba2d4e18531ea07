"""csctl valuation (step 3): the cost ratios per quarter and trailing 12 months, what a target CRC buys, the tooling
break-even, bad cost ledgers, --fail-on, the sample company, Markdown and Excel.

Every expected number is worked out by hand from the small tables written into tmp_path (the working is in the
comments). ARR movements are 12 × the bridge's MRR movements (DESIGN.md §4, "Cost ratios").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl
import pytest
from helpers import as_json, assert_plain_workbook, ok, write_csv, write_text
from typer.testing import Result

Invoke = Callable[..., Result]
Rows = Sequence[Sequence[object]]


# --- helpers ------------------------------------------------------------------------------------------------


def windows_of(doc: dict) -> dict[str, dict]:
    return {row["window"]: row for row in doc["tables"]["ratios"]}


def no_infinity(text: str) -> None:
    assert not re.search(r"\binf(inity)?\b|∞|\bnan\b", text, flags=re.IGNORECASE), text


# --- the hand-worked company -----------------------------------------------------------------------------------
# Monthly billing lines (period_start on the 1st, one month each), product and quantity so the bridge can tell
# price from volume. Months 2023-10 .. 2024-12; the as-of month is 2024-12. The export holds the company's whole
# history (billing.history_starts 2023-10 in its csctl.yaml: A, B and D are new in 2023-10, not an opening balance)
# and is measured at its last month (as_of 2024-12: its latest line starts on 2024-12-01, so by default December
# would be the month in progress and the figures November's).
#   A  core, 10 seats: $1,000 until 2024-03, then $1,100 for the same 10 seats   -> price uplift +100 in 2024-04
#   B  core: 5 seats $500 until 2024-06, 6 seats $600 from 2024-07, none from 2024-11
#                                                 -> expansion +100 in 2024-07, churn -600 in 2024-11
#   C  core, 2 seats $230 from 2024-02; addon, 1 seat $50 in 2024-05 .. 2024-07
#                                                 -> new +230 in 2024-02, upsell +50 in 2024-05,
#                                                    contraction -50 in 2024-08
#   D  core, 3 seats $300 in 2023-10 .. 2023-12 and again from 2024-10
#                                                 -> churn -300 in 2024-01, reactivation +300 in 2024-10
# Customer MRR (A + B + C + D) at the end of each month:
#   2023-10..12: 1800 (A, B, D new in 2023-10)   2024-01: 1500   2024-02: 1730   2024-03: 1730   2024-04: 1830
#   2024-05: 1880   2024-06: 1880   2024-07: 1980   2024-08: 1930   2024-09: 1930   2024-10: 2230   2024-11: 1630
#   2024-12: 1630
MONTHS = [f"2023-{m:02d}" for m in (10, 11, 12)] + [f"2024-{m:02d}" for m in range(1, 13)]


def company_billing() -> list[list[object]]:
    rows: list[list[object]] = [["customer_id", "product", "quantity", "amount", "period_start"]]
    for month in MONTHS:
        day = f"{month}-01"
        rows.append(["A", "core", 10, "1000.00" if month < "2024-04" else "1100.00", day])
        if month < "2024-11":
            rows.append(["B", "core", 5 if month < "2024-07" else 6, "500.00" if month < "2024-07" else "600.00", day])
        if month >= "2024-02":
            rows.append(["C", "core", 2, "230.00", day])
        if "2024-05" <= month <= "2024-07":
            rows.append(["C", "addon", 1, "50.00", day])
        if month < "2024-01" or month >= "2024-10":
            rows.append(["D", "core", 3, "300.00", day])
    return rows


# The cost ledger: periods as YYYY-MM or as a date; money as "$1,200.00"; a category with odd case and spaces;
# a cost after the as-of month (in no window).
COMPANY_COSTS = [
    ["period", "category", "amount", "note"],
    ["2023-12", "acquisition", "4320", "launch"],
    ["2024-01", "acquisition", "$1,200.00", ""],
    ["2024-02", "retention", "2160", ""],
    ["2024-03", " Acquisition ", "1200", "odd case and spaces"],
    ["2024-03", "upsell", "100", "spend with no upsell revenue"],
    ["2024-04", "acquisition", "500", "spend with no new revenue"],
    ["2024-05-15", "retention", "1038", "a date, not a month"],
    ["2024-05", "expansion", "600", ""],
    ["2024-06", "upsell", "300", ""],
    ["2024-08", "retention", "2196", ""],
    ["2024-09", "expansion", "240", ""],
    ["2024-10", "acquisition", "900", ""],
    ["2024-11", "retention", "3192", ""],
    ["2025-01", "retention", "99999", "after the as-of month: in no window"],
]

# Per window: (spend acquisition, retention, expansion, upsell), (start ARR, new ARR, churned+contracted ARR,
# retained ARR, expansion ARR, upsell ARR), and the ratios (None = undefined).
# Retained ARR is the ARR kept month by month, averaged over the window: each month's kept MRR is its MRR at the
# start less the month's churn, contraction and price erosion (new, reactivated and grown MRR is not kept: it was
# not there at the start); retained ARR = 12 × the mean over the window's months. Kept MRR per month:
#   2023-10: 0 (the first month: nothing at its start)   2023-11: 1800   2023-12: 1800
#   2024-01: 1800 - 300 (D) = 1500   2024-02: 1500   2024-03: 1730   2024-04: 1730 (A's uplift is not kept)
#   2024-05: 1830   2024-06: 1880   2024-07: 1880   2024-08: 1980 - 50 (C's addon) = 1930   2024-09: 1930
#   2024-10: 1930   2024-11: 2230 - 600 (B) = 1630   2024-12: 1630
# CRC keeps $1 of ARR for a year: a window's retention spend is set against retained ARR × months/12, so a
# quarter's CRC is 4 × spend / retained.
# 2023-Q4 (the quarter of the first cost; the first month with MRR): start 0; new 12 × 1800 = 21600; nothing lost;
#   retained 12 × (0 + 1800 + 1800) / 3 = 14400. CAC = 4320 / 21600 = 0.2; CRC = 0 / 3600 = 0 (no spend recorded);
#   CEC, CUC undefined.
# 2024-Q1: start 12 × 1800 = 21600; new 12 × 230 = 2760; lost 12 × 300 (D) = 3600;
#   retained 12 × (1500 + 1500 + 1730) / 3 = 18920.
#   CAC = (1200 + 1200) / 2760 = 0.869565 ("$1.00 to get $1.15"); CRC = 2160 / (18920 × 3/12) = 0.456660;
#   CEC undefined (0 / 0); CUC undefined: $100 of upsell spend over no upsell ARR.
# 2024-Q2: start 12 × 1730 = 20760; new 0; lost 0; retained 12 × (1730 + 1830 + 1880) / 3 = 21760;
#   expansion 12 × 100 (A's price) = 1200; upsell 12 × 50 = 600. CAC undefined ($500 over no new ARR);
#   CRC = 1038 / (21760 / 4) = 0.190809; CEC = 600 / 1200 = 0.5; CUC = 300 / 600 = 0.5.
# 2024-Q3: start 12 × 1880 = 22560; lost 12 × 50 (C's addon) = 600; retained 12 × (1880 + 1930 + 1930) / 3 = 22960;
#   expansion 12 × 100 (B) = 1200. CAC undefined; CRC = 2196 / (22960 / 4) = 0.382578; CEC = 240 / 1200 = 0.2;
#   CUC undefined.
# 2024-Q4: start 12 × 1930 = 23160; new 12 × 300 (D back) = 3600; lost 12 × 600 (B) = 7200;
#   retained 12 × (1930 + 1630 + 1630) / 3 = 20760. CAC = 900 / 3600 = 0.25; CRC = 3192 / (20760 / 4) = 0.615029;
#   CEC, CUC undefined.
# 12 months to 2024-12 (2024-01 .. 2024-12; the 2023-12 and 2025-01 costs are outside it):
#   spend: acquisition 1200 + 1200 + 500 + 900 = 3800; retention 2160 + 1038 + 2196 + 3192 = 8586;
#   expansion 600 + 240 = 840; upsell 100 + 300 = 400.
#   start 21600; new 2760 + 3600 = 6360; lost 3600 + 600 + 7200 = 11400; expansion 1200 + 1200 = 2400; upsell 600;
#   retained 12 × (1500 + 1500 + 1730 + 1730 + 1830 + 1880 + 1880 + 1930 + 1930 + 1930 + 1630 + 1630) / 12 = 21100
#   (= the four quarters' (18920 + 21760 + 22960 + 20760) / 4: one basis, the year is the quarters' blend).
#   CAC = 3800 / 6360; CRC = 8586 / (21100 × 12/12) = 0.406919; CEC = 840 / 2400 = 0.35; CUC = 400 / 600.
EXPECTED = {
    "2023-Q4": ((4320, 0, 0, 0), (0, 21600, 0, 14400, 0, 0), (0.2, 0.0, None, None)),
    "2024-Q1": ((2400, 2160, 0, 100), (21600, 2760, 3600, 18920, 0, 0), (2400 / 2760, 8640 / 18920, None, None)),
    "2024-Q2": ((500, 1038, 600, 300), (20760, 0, 0, 21760, 1200, 600), (None, 4152 / 21760, 0.5, 0.5)),
    "2024-Q3": ((0, 2196, 240, 0), (22560, 0, 600, 22960, 1200, 0), (None, 8784 / 22960, 0.2, None)),
    "2024-Q4": ((900, 3192, 0, 0), (23160, 3600, 7200, 20760, 0, 0), (0.25, 12768 / 20760, None, None)),
    "12 months to 2024-12": (
        (3800, 8586, 840, 400),
        (21600, 6360, 11400, 21100, 2400, 600),
        (3800 / 6360, 8586 / 21100, 0.35, 400 / 600),
    ),
}
SPEND = ("acquisition_spend", "retention_spend", "expansion_spend", "upsell_spend")
ARR = ("start_arr", "new_arr", "churned_contracted_arr", "retained_arr", "expansion_arr", "upsell_arr")
RATIOS = ("cac_ratio", "crc", "cec", "cuc")


@pytest.fixture
def company(tmp_path: Path) -> dict[str, Path]:
    return {
        "billing": write_csv(tmp_path / "billing.csv", company_billing()),
        "costs": write_csv(tmp_path / "costs.csv", COMPANY_COSTS),
        # no target CRC; the whole history from 2023-10, measured at its last month
        "config": write_text(
            tmp_path / "csctl.yaml", 'currency: USD\nas_of: "2024-12"\nbilling:\n  history_starts: "2023-10"\n'
        ),
    }


def company_run(invoke: Invoke, company: dict[str, Path], *args: object) -> Result:
    return invoke("valuation", company["billing"], "--costs", company["costs"], "-c", company["config"], *args)


# --- the ratios ------------------------------------------------------------------------------------------------
def test_every_ratio_per_quarter_and_trailing_12_months(invoke: Invoke, company: dict[str, Path]) -> None:
    doc = as_json(company_run(invoke, company, "-f", "json"))
    assert doc["as_of"] == "2024-12"
    rows = windows_of(doc)
    assert list(rows) == list(EXPECTED)  # quarters from the first cost's quarter, then the trailing 12 months
    assert [rows[w]["months"] for w in rows] == [3, 3, 3, 3, 3, 12]
    for window, (spend, arr, ratios) in EXPECTED.items():
        row = rows[window]
        assert [row[c] for c in SPEND] == pytest.approx(spend, abs=0.005), window
        assert [row[c] for c in ARR] == pytest.approx(arr, abs=0.005), window
        for name, expected in zip(RATIOS, ratios, strict=True):
            if expected is None:
                assert row[name] is None, (window, name)
                assert row[f"{name}_phrase"] == "undefined", (window, name)
            else:
                assert row[name] == pytest.approx(expected, abs=1e-6), (window, name)
    metrics = doc["metrics"]
    assert metrics["cac_ratio_12m"] == pytest.approx(3800 / 6360, abs=1e-9)
    assert metrics["new_arr_per_dollar_12m"] == pytest.approx(6360 / 3800, abs=1e-9)
    assert metrics["crc_12m"] == pytest.approx(8586 / 21100, abs=1e-9)
    # one basis: the year's retained ARR is the mean of its quarters', and its CRC their spend-weighted blend
    quarters = [rows[f"2024-Q{n}"] for n in (1, 2, 3, 4)]
    assert rows["12 months to 2024-12"]["retained_arr"] == pytest.approx(sum(q["retained_arr"] for q in quarters) / 4)
    assert metrics["crc_12m"] == pytest.approx(
        sum(q["retention_spend"] for q in quarters) / sum(q["retained_arr"] * 3 / 12 for q in quarters), abs=1e-9
    )
    assert metrics["cec_12m"] == pytest.approx(0.35, abs=1e-9)
    assert metrics["cuc_12m"] == pytest.approx(400 / 600, abs=1e-9)


def test_ratio_columns_are_money_per_dollar_in_every_document(
    invoke: Invoke, company: dict[str, Path], tmp_path: Path
) -> None:
    # CRC over 12 months to 2024-12: 8586 / 21100 = 0.4069: dollars of spend per dollar of ARR, never "0.41×"
    table = ok(company_run(invoke, company, "-f", "table")).stdout
    markdown = ok(company_run(invoke, company, "-f", "markdown")).stdout
    html = ok(company_run(invoke, company, "-f", "html")).stdout
    for text in (table, markdown, html):
        assert "$0.41 per $1" in text
        assert not re.search(r"\b0\.41×", text)
    book = tmp_path / "valuation.xlsx"
    ok(company_run(invoke, company, "-o", book))
    sheet = openpyxl.load_workbook(book)["ratios"]
    header = [cell.value for cell in sheet[1]]
    for name in RATIOS:
        cell = sheet.cell(sheet.max_row, header.index(name) + 1)
        assert cell.number_format.startswith('"$"#,##0.00" per $1"'), (name, cell.number_format)
        assert "×" not in cell.number_format
    crc = sheet.cell(sheet.max_row, header.index("crc") + 1)
    assert crc.value == pytest.approx(8586 / 21100, abs=1e-6)  # the number stays a number


def test_phrases_per_window(invoke: Invoke, company: dict[str, Path]) -> None:
    rows = windows_of(as_json(company_run(invoke, company, "-f", "json")))
    q1, q2, q3, q4 = (rows[f"2024-Q{n}"] for n in (1, 2, 3, 4))
    assert q1["cac_ratio_phrase"] == "$1.00 to get $1.15"  # 2760 / 2400
    assert q1["crc_phrase"] == "$0.46 to retain $1.00"  # 2160 / (18920 / 4) = 0.4567
    assert rows["2023-Q4"]["cac_ratio_phrase"] == "$1.00 to get $5.00"  # 21600 / 4320
    assert rows["2023-Q4"]["crc_phrase"] == "no spend recorded"  # 0 / (14400 / 4)
    assert q2["cec_phrase"] == "$0.50 to expand $1.00"
    assert q2["cuc_phrase"] == "$0.50 to upsell $1.00"
    assert q3["crc_phrase"] == "$0.38 to retain $1.00"  # 2196 / (22960 / 4) = 0.3826
    assert q4["cac_ratio_phrase"] == "$1.00 to get $4.00"  # 3600 / 900
    trailing = rows["12 months to 2024-12"]
    assert trailing["cac_ratio_phrase"] == "$1.00 to get $1.67"  # 6360 / 3800 = 1.6737
    assert trailing["crc_phrase"] == "$0.41 to retain $1.00"  # 8586 / 21100 = 0.4069
    assert trailing["cuc_phrase"] == "$0.67 to upsell $1.00"


def test_ratio_over_zero_revenue_is_undefined_with_a_note(invoke: Invoke, company: dict[str, Path]) -> None:
    doc = as_json(company_run(invoke, company, "-f", "json"))
    notes = "\n".join(doc["notes"])
    # spend but no revenue to set it against: 2024-Q2 ($500 acquisition, no new ARR), 2024-Q1 ($100 upsell spend)
    assert "cac_ratio undefined (no new arr) in: 2024-Q2, 2024-Q3" in notes
    assert "crc undefined" not in notes  # every window keeps some ARR (2023-Q4: 14400, no spend: a CRC of 0)
    assert "cec undefined (no expansion arr) in: 2023-Q4, 2024-Q1, 2024-Q4" in notes
    assert "cuc undefined (no upsell arr) in: 2023-Q4, 2024-Q1, 2024-Q3, 2024-Q4" in notes
    for fmt in ("table", "csv", "markdown"):
        out = ok(company_run(invoke, company, "-f", fmt)).stdout
        no_infinity(out)
        if fmt != "csv":
            assert "undefined" in out, fmt
    rows = list(csv.DictReader(io.StringIO(ok(company_run(invoke, company, "-f", "csv")).stdout)))
    q2 = next(r for r in rows if r["window"] == "2024-Q2")
    assert (q2["cac_ratio"], q2["cac_ratio_phrase"]) == ("", "undefined")  # empty, never inf


def test_crc_over_no_kept_arr_is_undefined_with_a_note(invoke: Invoke, tmp_path: Path) -> None:
    # P pays $200 in 2024-01 only (a pilot: new in the export's first month, history_starts 2024-01); N pays $300
    # from 2024-04 to the as-of month 2024-06. Kept MRR per month (MRR at the start less churn, contraction, erosion):
    #   2024-01: 0 (nothing at its start)   02: 200 - 200 (P churns) = 0   03: 0   04: 0 (N is new)   05: 300   06: 300
    # 2024-Q1: retained 0: $500 of retention spend over no kept ARR, CRC undefined.
    # 2024-Q2: retained 12 × (0 + 300 + 300) / 3 = 2400; CRC = 100 / (2400 × 3/12) = 1/6, "$0.17 to retain $1.00".
    # No trailing 12 months: 2023-07 .. 2024-06 starts before the history does.
    billing = write_csv(
        tmp_path / "pilot.csv",
        [["customer_id", "amount", "period_start"], ["P", 200, "2024-01-01"]]
        + [["N", 300, f"2024-{m:02d}-01"] for m in (4, 5, 6)],
    )
    costs = write_csv(
        tmp_path / "pilot-costs.csv",
        [["period", "category", "amount"], ["2024-02", "retention", 500], ["2024-05", "retention", 100]],
    )
    config = write_text(tmp_path / "plain.yaml", "currency: USD\n")
    whole = ("--history-starts", "2024-01", "--as-of", "2024-06")
    doc = as_json(invoke("valuation", billing, "--costs", costs, "-c", config, *whole, "-f", "json"))
    rows = windows_of(doc)
    assert list(rows) == ["2024-Q1", "2024-Q2"]
    q1 = rows["2024-Q1"]
    assert (q1["retention_spend"], q1["retained_arr"], q1["crc"], q1["crc_phrase"]) == (500, 0, None, "undefined")
    assert rows["2024-Q2"]["retained_arr"] == pytest.approx(2400)
    assert rows["2024-Q2"]["crc"] == pytest.approx(1 / 6, abs=1e-6)
    assert rows["2024-Q2"]["crc_phrase"] == "$0.17 to retain $1.00"
    assert "crc undefined (no retained arr) in: 2024-Q1" in doc["notes"]
    assert "no trailing 12-month ratios: the history starts 2024-01" in doc["notes"]
    assert doc["metrics"]["crc_12m"] is None
    assert "CRC (12 months): unknown" in doc["notes"]


# --- the seed deck's figures -------------------------------------------------------------------------------------
# K pays $1,000 a month (ACV $12,000) from 2024-01 to the as-of month 2025-06; N is new in 2025-03 at $1,150 a month.
# The export holds the whole history from 2024-01 and is measured at 2025-06 (its latest line starts on 2025-06-01:
# by default June would be the month in progress): SEED_WHOLE.
# Trailing 12 months (2024-07 .. 2025-06): start ARR 12 × 1000 = 12000, nothing lost; new ARR 12 × 1150 = 13800.
# Retained ARR, kept month by month: K's 1000 in each of 2024-07 .. 2025-03 (N is new in 2025-03, not kept then),
# K's and N's 2150 in 2025-04 .. 2025-06 -> 12 × (9 × 1000 + 3 × 2150) / 12 = 15450.
# Retention spend 927 + 927 = 1854 -> CRC 1854 / (15450 × 12/12) = 0.12, "$0.12 to retain $1.00" (against the ARR
# at the window's start alone it would be 1854 / 12000 = 0.1545). Acquisition 12000 for 13800 of new ARR ->
# CAC 0.8696, "$1.00 to get $1.15".
SEED_WHOLE = ("--history-starts", "2024-01", "--as-of", "2025-06")


def seed_deck(tmp_path: Path) -> tuple[Path, Path]:
    months = [f"2024-{m:02d}" for m in range(1, 13)] + [f"2025-{m:02d}" for m in range(1, 7)]
    billing = [["customer_id", "amount", "period_start"]]
    billing += [["K", "1000", f"{m}-01"] for m in months]
    billing += [["N", "1150", f"{m}-01"] for m in months if m >= "2025-03"]
    costs = [
        ["period", "category", "amount"],
        ["2024-09", "retention", "927"],
        ["2025-02", "retention", "927"],
        ["2025-02", "acquisition", "12000"],
    ]
    return write_csv(tmp_path / "seed-billing.csv", billing), write_csv(tmp_path / "seed-costs.csv", costs)


def test_seed_deck_figures(invoke: Invoke, tmp_path: Path) -> None:
    billing, costs = seed_deck(tmp_path)
    doc = as_json(invoke("valuation", billing, "--costs", costs, *SEED_WHOLE, "--target-crc", "0.12", "-f", "json"))
    trailing = windows_of(doc)["12 months to 2025-06"]
    assert (trailing["start_arr"], trailing["churned_contracted_arr"]) == pytest.approx((12000, 0))
    assert trailing["retained_arr"] == pytest.approx(15450)
    assert trailing["new_arr"] == pytest.approx(13800)
    assert doc["metrics"]["crc_12m"] == pytest.approx(0.12, abs=1e-9)
    assert trailing["crc_phrase"] == "$0.12 to retain $1.00"
    assert doc["metrics"]["cac_ratio_12m"] == pytest.approx(12000 / 13800, abs=1e-9)
    assert doc["metrics"]["new_arr_per_dollar_12m"] == pytest.approx(1.15, abs=1e-9)
    assert trailing["cac_ratio_phrase"] == "$1.00 to get $1.15"
    assert "CRC (12 months): $0.12 to retain $1.00" in doc["notes"]
    assert "CAC (12 months): $1.00 to get $1.15" in doc["notes"]
    table = ok(invoke("valuation", billing, "--costs", costs, *SEED_WHOLE, "-f", "table")).stdout
    assert "$0.12 to retain $1.00" in table
    assert "$1.00 to get $1.15" in table


# --- what a target CRC buys -------------------------------------------------------------------------------------
# ARR now (as-of 2025-06): E1 12 × 50000 = 600000 (Enterprise); M1 12 × 20000 = 240000 and M2 12 × 10000 = 120000
# (Mid); X9 churned in 2025-06 (no MRR now: not an account to retain). Total 960000 over 3 accounts.
# The billing holds the whole history from 2025-04 (2025-Q2 is a complete quarter for the ratios; with no window
# to measure, csctl valuation stops with an error) and is measured at 2025-06, the month its latest line starts in.
# The roster's CSMs: Ann 90000 / 1 FTE = 90000; Bob ("Senior CSM") 55000 / 0.5 FTE = 110000 -> mean 100000 per FTE.
# Hal (Head of CS) and Sue (Support engineer) are not CSMs; Cy is a CSM without a loaded cost (left out).
CAPACITY_BILLING = [
    ["customer_id", "amount", "period_start"],
    ["E1", "50000", "2025-04-01"],
    ["M1", "20000", "2025-04-01"],
    ["X9", "7000", "2025-04-01"],
    ["E1", "50000", "2025-05-01"],
    ["E1", "50000", "2025-06-01"],
    ["M1", "20000", "2025-05-01"],
    ["M1", "20000", "2025-06-01"],
    ["M2", "10000", "2025-06-01"],
    ["X9", "7000", "2025-05-01"],
]
SEGMENTED = [["customer_id", "segment"], ["E1", "Enterprise"], ["M1", "Mid"], ["M2", "Mid"], ["X9", "Mid"]]
TEAM = [
    ["name", "role", "fte", "loaded_cost"],
    ["Ann", "CSM", "1", "90000"],
    ["Bob", "Senior CSM", "0.5", "55000"],
    ["Hal", "Head of CS", "1", "200000"],
    ["Sue", "Support engineer", "1", "70000"],
    ["Cy", "CSM", "1", ""],
]


@pytest.fixture
def capacity_inputs(tmp_path: Path) -> dict[str, Path]:
    return {
        "billing": write_csv(tmp_path / "cap-billing.csv", CAPACITY_BILLING),
        "costs": write_csv(tmp_path / "cap-costs.csv", [["period", "category", "amount"], ["2025-06", "retention", 1]]),
        "segmented": write_csv(tmp_path / "segmented.csv", SEGMENTED),
        "team": write_csv(tmp_path / "team.csv", TEAM),
        "config": write_text(tmp_path / "no-target.yaml", "currency: USD\n"),
    }


CAPACITY_WHOLE = ("--history-starts", "2025-04", "--as-of", "2025-06")


def capacity_run(invoke: Invoke, c: dict[str, Path], *args: object) -> Result:
    return invoke("valuation", c["billing"], "--costs", c["costs"], *CAPACITY_WHOLE, *args)


def test_capacity_per_segment_hand_worked(invoke: Invoke, capacity_inputs: dict[str, Path]) -> None:
    c = capacity_inputs
    doc = as_json(
        capacity_run(
            invoke, c, "--team", c["team"], "--customers", c["segmented"], "--target-crc", "0.125", "-f", "json"
        )
    )
    rows = {r["segment"]: r for r in doc["tables"]["capacity"]}
    # budget = 0.125 × ARR; csms = budget / 100000; accounts_per_csm = accounts / csms;
    # face time = csms × 1600 h × 40% / accounts = csms × 640 / accounts.
    # Enterprise: 0.125 × 600000 = 75000 -> 0.75 CSMs -> 1 / 0.75 = 1.3 accounts each -> 0.75 × 640 / 1 = 480 h
    # Mid: 0.125 × 360000 = 45000 -> 0.45 CSMs -> 2 / 0.45 = 4.4 -> 0.45 × 640 / 2 = 144 h
    # total: 0.125 × 960000 = 120000 -> 1.2 CSMs -> 3 / 1.2 = 2.5 -> 1.2 × 640 / 3 = 256 h
    expected = {
        "Enterprise": (1, 600000, 75000, 0.75, 1.3, 480.0),
        "Mid": (2, 360000, 45000, 0.45, 4.4, 144.0),
        "total": (3, 960000, 120000, 1.2, 2.5, 256.0),
    }
    assert list(rows) == list(expected)
    columns = ("accounts", "arr", "budget", "csms", "accounts_per_csm", "face_time_hours_per_account_year")
    for segment, values in expected.items():
        assert [rows[segment][k] for k in columns] == pytest.approx(values, abs=0.006), segment
    metrics = doc["metrics"]
    assert metrics["retention_budget"] == pytest.approx(120000)
    assert metrics["affordable_csms"] == pytest.approx(1.2)
    assert metrics["face_time_hours_per_account"] == pytest.approx(256.0)
    assert metrics["csm_hourly_cost"] == pytest.approx(62.5)  # 100000 / 1600
    assert any("$100,000.00" in n and "2 CSMs" in n for n in doc["notes"])
    assert doc["target_crc"] == 0.125


def test_tooling_break_even(invoke: Invoke, capacity_inputs: dict[str, Path]) -> None:
    c = capacity_inputs
    doc = as_json(capacity_run(invoke, c, "--team", c["team"], "-f", "json"))
    rows = doc["tables"]["tooling"]
    # a CSM hour: 100000 / 1600 = 62.50; break-even hours = tool cost / 62.50: 50 -> 0.8, 100 -> 1.6, 250 -> 4, 500 -> 8
    assert [r["tool_cost_per_account_year"] for r in rows] == [50, 100, 250, 500]
    assert [r["csm_hourly_cost"] for r in rows] == [62.5] * 4
    assert [r["break_even_hours_per_account_year"] for r in rows] == pytest.approx([0.8, 1.6, 4.0, 8.0])


def test_config_settings_and_target_override(invoke: Invoke, capacity_inputs: dict[str, Path], tmp_path: Path) -> None:
    c = capacity_inputs
    config = write_text(
        tmp_path / "cfg.yaml",
        "targets:\n  crc: 0.2\nvaluation:\n  hours_per_csm_year: 2000\n  face_time_share: 0.5\n  tool_costs: [125]\n",
    )
    doc = as_json(capacity_run(invoke, c, "--team", c["team"], "-c", config, "-f", "json"))
    (total,) = doc["tables"]["capacity"]  # no segments given: one total row
    # targets.crc 0.2: budget 0.2 × 960000 = 192000 -> 1.92 CSMs -> 3 / 1.92 = 1.5625 -> 1.6 accounts each;
    # face time 1.92 × 2000 × 0.5 / 3 = 640 h. A CSM hour 100000 / 2000 = 50; a $125 tool must save 2.5 h.
    assert total["segment"] == "total"
    assert (total["budget"], total["csms"], total["accounts_per_csm"]) == pytest.approx((192000, 1.92, 1.6))
    assert total["face_time_hours_per_account_year"] == pytest.approx(640.0)
    assert doc["tables"]["tooling"] == [
        {"tool_cost_per_account_year": 125.0, "csm_hourly_cost": 50.0, "break_even_hours_per_account_year": 2.5}
    ]
    # --target-crc overrides targets.crc: 0.1 × 960000 = 96000 -> 0.96 CSMs -> 0.96 × 1000 / 3 = 320 h
    doc = as_json(capacity_run(invoke, c, "--team", c["team"], "-c", config, "--target-crc", "0.1", "-f", "json"))
    (total,) = doc["tables"]["capacity"]
    assert (total["budget"], total["csms"]) == pytest.approx((96000, 0.96))
    assert total["face_time_hours_per_account_year"] == pytest.approx(320.0)
    assert doc["target_crc"] == 0.1


def test_config_csm_loaded_cost_without_a_roster(
    invoke: Invoke, capacity_inputs: dict[str, Path], tmp_path: Path
) -> None:
    config = write_text(tmp_path / "cost.yaml", "valuation:\n  csm_loaded_cost: 80000\n")
    doc = as_json(capacity_run(invoke, capacity_inputs, "-c", config, "--target-crc", "0.1", "-f", "json"))
    (total,) = doc["tables"]["capacity"]
    # 0.1 × 960000 = 96000 / 80000 = 1.2 CSMs -> 2.5 accounts each -> 1.2 × 640 / 3 = 256 h; an hour 80000 / 1600 = 50
    assert (total["csms"], total["accounts_per_csm"], total["face_time_hours_per_account_year"]) == pytest.approx(
        (1.2, 2.5, 256.0)
    )
    assert doc["metrics"]["csm_hourly_cost"] == pytest.approx(50.0)
    assert any("valuation.csm_loaded_cost" in n for n in doc["notes"])


def test_no_target_crc_no_capacity_table(invoke: Invoke, capacity_inputs: dict[str, Path]) -> None:
    c = capacity_inputs
    doc = as_json(capacity_run(invoke, c, "--team", c["team"], "-c", c["config"], "-f", "json"))
    assert "capacity" not in doc["tables"]
    assert doc["target_crc"] is None
    assert any(n.startswith("no target CRC") for n in doc["notes"])
    for name in ("retention_budget", "affordable_csms", "face_time_hours_per_account"):
        assert name not in doc["metrics"] or doc["metrics"][name] is None
    assert "tooling" in doc["tables"]  # the break-even needs only the CSM cost
    markdown = ok(capacity_run(invoke, c, "--team", c["team"], "-c", c["config"], "-f", "markdown")).stdout
    assert "no target CRC" in markdown
    assert "buys" not in markdown


def test_no_csm_cost_no_headcount(invoke: Invoke, capacity_inputs: dict[str, Path]) -> None:
    c = capacity_inputs
    doc = as_json(capacity_run(invoke, c, "-c", c["config"], "--target-crc", "0.1", "-f", "json"))
    (total,) = doc["tables"]["capacity"]
    assert total["budget"] == pytest.approx(96000)
    assert total["csms"] is None and total["face_time_hours_per_account_year"] is None
    assert any(n.startswith("no CSM loaded cost") for n in doc["notes"])
    assert "tooling" not in doc["tables"]


def test_face_time_from_unrounded_csms(invoke: Invoke, capacity_inputs: dict[str, Path], tmp_path: Path) -> None:
    c = capacity_inputs
    team = write_csv(tmp_path / "one-csm.csv", [["name", "role", "loaded_cost"], ["Ann", "CSM", "110000"]])
    doc = as_json(
        capacity_run(invoke, c, "--team", team, "--customers", c["segmented"], "--target-crc", "0.125", "-f", "json")
    )
    rows = {r["segment"]: r for r in doc["tables"]["capacity"]}
    # total: 120000 / 110000 = 1.090909 CSMs -> 1.090909 × 640 / 3 = 232.73 h (from 1.09 rounded: 232.53)
    # Enterprise: 75000 / 110000 = 0.681818 -> 0.681818 × 640 / 1 = 436.36 h (from 0.68: 435.20)
    assert rows["total"]["face_time_hours_per_account_year"] == pytest.approx(232.73, abs=0.006)
    assert rows["Enterprise"]["face_time_hours_per_account_year"] == pytest.approx(436.36, abs=0.006)


def test_capacity_title_shows_the_target(invoke: Invoke, capacity_inputs: dict[str, Path]) -> None:
    c = capacity_inputs
    markdown = ok(capacity_run(invoke, c, "--team", c["team"], "--target-crc", "0.125", "-f", "markdown")).stdout
    (heading,) = [line for line in markdown.splitlines() if line.startswith("## ") and "buys" in line]
    assert "0.125" in heading or "12.5%" in heading, heading


# --- bad input --------------------------------------------------------------------------------------------------
def test_unknown_cost_category_exits_3_naming_the_row(invoke: Invoke, company: dict[str, Path], tmp_path: Path) -> None:
    costs = write_csv(
        tmp_path / "bad-costs.csv",
        [
            ["period", "category", "amount"],
            ["2024-05", "retention", "100"],
            ["2024-06", "Marketing", "200"],  # row 3 (the header is row 1)
            ["2024-07", "other", "5"],
        ],
    )
    result = invoke("valuation", company["billing"], "--costs", costs)
    assert result.exit_code == 3, result.stderr
    assert result.stdout == ""
    assert "bad-costs.csv" in result.stderr
    assert "row 3" in result.stderr
    assert "'Marketing'" in result.stderr
    assert "2 such rows" in result.stderr
    assert "Traceback" not in result.output


def test_target_crc_must_be_positive(invoke: Invoke, company: dict[str, Path]) -> None:
    result = company_run(invoke, company, "--target-crc", "0")
    assert result.exit_code == 2
    assert result.stdout == ""


# --- --fail-on ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ("crc_12m>0.15", 0),  # 0.12 (1854 / 15450) is not above 0.15
        ("crc_12m>0.10", 1),
        ("crc_12m>=12%", 1),
        ("cac_ratio_12m>0.9", 0),  # 0.8696
        ("new_arr_per_dollar_12m<1.2", 1),  # 1.15
        ("cec_12m>0.1", 0),  # undefined: warned about, not a breach
    ],
)
def test_fail_on(invoke: Invoke, tmp_path: Path, condition: str, code: int) -> None:
    billing, costs = seed_deck(tmp_path)
    result = invoke("valuation", billing, "--costs", costs, *SEED_WHOLE, "--fail-on", condition, "-f", "csv")
    assert result.exit_code == code, result.stderr
    assert result.stdout.startswith("window,")  # the report is written either way
    if code == 1:
        assert "threshold breached" in result.stderr
    if condition.startswith("cec_12m"):
        assert "undefined" in result.stderr


def test_fail_on_metric_of_another_command(invoke: Invoke, tmp_path: Path) -> None:
    billing, costs = seed_deck(tmp_path)
    result = invoke("valuation", billing, "--costs", costs, *SEED_WHOLE, "--fail-on", "accounts_cv>0.5")
    assert result.exit_code == 2
    assert "csctl asis" in result.stderr


# --- Markdown and Excel ------------------------------------------------------------------------------------------
def test_markdown_and_xlsx(
    invoke: Invoke, capacity_inputs: dict[str, Path], company: dict[str, Path], tmp_path: Path
) -> None:
    c = capacity_inputs
    args = ("--team", c["team"], "--customers", c["segmented"], "--target-crc", "0.125")
    md = tmp_path / "valuation.md"
    ok(capacity_run(invoke, c, *args, "-o", md))
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Valuation, 2025-06")
    for heading in ("## Cost ratios by quarter and trailing 12 months", "## Tooling break-even", "## Definitions"):
        assert heading in text
    assert "| Enterprise |" in text and "$75,000.00" in text
    no_infinity(text)
    xlsx = tmp_path / "valuation.xlsx"
    ok(capacity_run(invoke, c, *args, "-o", xlsx))
    book = assert_plain_workbook(xlsx, ["ratios", "capacity", "tooling", "metrics"])
    header = [cell.value for cell in book["capacity"][1]]
    budget = header.index("budget") + 1
    assert [book["capacity"].cell(r, budget).value for r in (2, 3, 4)] == pytest.approx([75000, 45000, 120000])
    # the hand-worked company's ratios with their undefined quarters: blank cells, never inf or an error
    xlsx2 = tmp_path / "ratios.xlsx"
    ok(company_run(invoke, company, "-o", xlsx2))
    book = assert_plain_workbook(xlsx2, ["ratios"])
    sheet = book["ratios"]
    header = [cell.value for cell in sheet[1]]
    windows = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]
    q2 = windows.index("2024-Q2") + 2
    assert sheet.cell(q2, header.index("cac_ratio") + 1).value is None
    assert sheet.cell(q2, header.index("crc") + 1).value == pytest.approx(4152 / 21760)  # 1038 / (21760 / 4)


# --- the sample company ------------------------------------------------------------------------------------------
# The sample's csctl.yaml (written by csctl sample) says its billing holds the whole history (billing.history_starts):
# every run on it below passes -c with it.
NEVER_STOOD = {"void", "voided", "draft", "deleted", "canceled", "cancelled"}


def sample_as_of(billing: Path) -> str:
    """The last complete month, from the CSV: L = the latest period_start of a line that counts (docs/definitions.md,
    "Snapshot"); its month when L is the month's last day, else the month before (the month in progress)."""
    with billing.open(encoding="utf-8") as handle:
        latest = max(
            dt.date.fromisoformat(row["period_start"])
            for row in csv.DictReader(handle)
            if row["status"].strip().lower() not in NEVER_STOOD
        )
    complete = (latest + dt.timedelta(days=1)).month != latest.month
    month = latest.year * 12 + latest.month - 1 - (0 if complete else 1)
    return f"{month // 12}-{month % 12 + 1:02d}"


def months_back(as_of: str, n: int) -> list[str]:
    year, month = int(as_of[:4]), int(as_of[5:])
    index = year * 12 + month - 1
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index - n + 1, index + 1)]


def test_sample_company(invoke: Invoke, sample_dir: Path, tmp_path: Path) -> None:
    """The sample billing with a ledger written here: $6,000 of retention spend a month over the last 12 months."""
    billing, config = sample_dir / "billing.csv", sample_dir / "csctl.yaml"
    as_of = sample_as_of(billing)
    ledger = [["period", "category", "amount"]]
    for month in months_back(as_of, 12):
        ledger += [[month, "acquisition", 20000], [month, "retention", 6000], [month, "expansion", 1500]]
        ledger.append([month, "upsell", 800])
    costs = write_csv(tmp_path / "ledger.csv", ledger)
    team = write_csv(
        tmp_path / "roster.csv",
        [["name", "role", "fte", "loaded_cost"], ["A", "CSM", 1, 100000], ["B", "CSM", 1, 120000]],
    )
    segmented = tmp_path / "segmented.csv"
    ok(invoke("segment", sample_dir / "customers.csv", "--billing", billing, "-c", config, "-o", segmented))
    args = (billing, "--costs", costs, "--team", team, "--customers", segmented, "--target-crc", "0.12", "-c", config)
    doc = as_json(invoke("valuation", *args, "-f", "json"))
    assert doc["as_of"] == as_of
    trailing = windows_of(doc)[f"12 months to {as_of}"]
    assert trailing["retention_spend"] == pytest.approx(72000)
    assert trailing["acquisition_spend"] == pytest.approx(240000)
    # each ratio is its spend over its ARR base (12 months: retained ARR × 12/12)
    assert doc["metrics"]["crc_12m"] == pytest.approx(72000 / trailing["retained_arr"], rel=1e-4)
    assert doc["metrics"]["cac_ratio_12m"] == pytest.approx(240000 / trailing["new_arr"], rel=1e-4)
    # the ARR bases against the revenue bridge of csctl numbers on the same export: retained ARR = 12 × the mean over
    # the window's months of (MRR at the start + churn + contraction + price erosion); start ARR = 12 × the first
    # month's MRR at the start; new ARR = 12 × Σ (new + reactivation)
    numbers = as_json(invoke("numbers", billing, "-c", config, "-f", "json"))
    assert numbers["as_of"] == as_of
    bridge = {row["month"]: row for row in numbers["tables"]["bridge"]}
    window = [bridge[month] for month in months_back(as_of, 12)]
    kept = [row["mrr_start"] + row["churn"] + row["contraction"] + row["price_erosion"] for row in window]
    assert trailing["retained_arr"] == pytest.approx(12 * sum(kept) / len(kept), abs=0.01)
    assert trailing["start_arr"] == pytest.approx(12 * window[0]["mrr_start"], abs=0.01)
    assert trailing["new_arr"] == pytest.approx(12 * sum(r["new"] + r["reactivation"] for r in window), abs=0.01)
    assert trailing["churned_contracted_arr"] == pytest.approx(
        -12 * sum(r["churn"] + r["contraction"] + r["price_erosion"] for r in window), abs=0.01
    )
    capacity = {r["segment"]: r for r in doc["tables"]["capacity"]}
    total = capacity.pop("total")
    assert len(capacity) >= 2  # per segment
    assert sum(r["accounts"] for r in capacity.values()) == total["accounts"]
    assert sum(r["budget"] for r in capacity.values()) == pytest.approx(total["budget"], abs=0.01 * len(capacity))
    assert total["budget"] == pytest.approx(0.12 * total["arr"], abs=0.01)
    # the accounts to retain are the customers with MRR in the as-of month, their ARR 12 × that MRR
    assert total["accounts"] == bridge[as_of]["customers_end"]
    assert total["arr"] == pytest.approx(12 * numbers["metrics"]["mrr"], abs=0.01)
    md, xlsx = tmp_path / "sample.md", tmp_path / "sample.xlsx"
    ok(invoke("valuation", *args, "-o", md))
    assert "## Cost ratios by quarter and trailing 12 months" in md.read_text(encoding="utf-8")
    ok(invoke("valuation", *args, "-o", xlsx))
    assert_plain_workbook(xlsx, ["ratios", "capacity", "tooling", "metrics"])


def test_sample_company_own_ledger_and_roster(invoke: Invoke, sample_dir: Path, tmp_path: Path) -> None:
    """The sample's own costs.csv and team.csv (calibrated, says csctl sample --help, to a CAC ratio near 0.87 and
    a CRC near 0.12, on the ARR kept month by month)."""
    missing = [name for name in ("costs.csv", "team.csv") if not (sample_dir / name).is_file()]
    if missing:
        pytest.skip(f"csctl sample does not write {', '.join(missing)} yet (the sample's CS team and cost ledger)")
    billing, costs, team = (sample_dir / name for name in ("billing.csv", "costs.csv", "team.csv"))
    args = (billing, "--costs", costs, "--team", team, "-c", sample_dir / "csctl.yaml", "--target-crc", "0.12")
    doc = as_json(invoke("valuation", *args, "-f", "json"))
    metrics = doc["metrics"]
    assert metrics["crc_12m"] == pytest.approx(0.12, abs=0.01)
    assert metrics["cac_ratio_12m"] == pytest.approx(0.87, abs=0.1)
    assert metrics["affordable_csms"] is not None and metrics["affordable_csms"] > 0
    assert metrics["csm_hourly_cost"] > 0
    assert "CRC (12 months): $0.12 to retain $1.00" in doc["notes"]
    md, xlsx = tmp_path / "own.md", tmp_path / "own.xlsx"
    ok(invoke("valuation", *args, "-o", md))
    text = md.read_text(encoding="utf-8")
    assert "$0.12 to retain $1.00" in text
    no_infinity(text)
    ok(invoke("valuation", *args, "-o", xlsx))
    assert_plain_workbook(xlsx, ["ratios", "capacity", "tooling", "metrics"])
