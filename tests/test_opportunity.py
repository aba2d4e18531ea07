"""csctl opportunity (step 8): LTV per segment, the retention / expansion / upsell levers' gain, cost at CRC × the
lever's multiplier, net value and ROI, ranked; the sensitivity table; the top opportunity in one sentence.

The model (csctl/core/opportunity.py): per segment, over the trailing 12 months of its customers' movements,
churn c = Σ −(churn + contraction + price erosion) / Σ mrr_start, expansion e = Σ (expansion + price uplift) /
Σ mrr_start, upsell u = Σ upsell / Σ mrr_start; ARPA = MRR / customers; LTV = gm × ARPA / c; net retention
r = 1 − c + e + u. Gain of a step s = gm × MRR × (S(r + s) − S(r)) with S(x) = Σ_{t=1..H} x^t = x(1 − x^H)/(1 − x);
step revenue = gain / gm; cost = step revenue × CRC × multiplier; net = gain − cost; ROI = net / cost.

Every expected number is worked out by hand below; the horizon sums are re-done with a plain loop (no closed form).
"""

from __future__ import annotations

import csv
import io
import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl
import pytest
from helpers import as_json, assert_plain_workbook, ok, write_csv, write_text
from typer.testing import Result

from csctl.core.opportunity import horizon_value

Invoke = Callable[..., Result]
Rows = Sequence[Sequence[object]]

GM = 0.75  # the default gross margin
LEVERS = ("retention", "expansion", "upsell")


# --- helpers ----------------------------------------------------------------------------------------------------------
def loop_sum(r: float, horizon: int) -> float:
    """Σ_{t=1..H} r^t by plain multiplication, no closed form."""
    total, power = 0.0, 1.0
    for _ in range(horizon):
        power *= r
        total += power
    return total


def loop_gain(mrr: float, r: float, step: float, horizon: int = 36, gm: float = GM) -> float:
    return gm * mrr * (loop_sum(r + step, horizon) - loop_sum(r, horizon))


def levers_of(doc: dict) -> dict[tuple[str, str], dict]:
    return {(row["segment"], row["lever"]): row for row in doc["tables"]["levers"]}


def ltv_of(doc: dict) -> dict[str, dict]:
    return {row["segment"]: row for row in doc["tables"]["ltv"]}


def ranking(doc: dict) -> list[tuple[str, str]]:
    return [(row["segment"], row["lever"]) for row in doc["tables"]["levers"]]


def no_infinity(text: str) -> None:
    assert not re.search(r"\binf(inity)?\b|∞|\bnan\b", text, flags=re.IGNORECASE), text


def shuffled(rows: Rows, seed: int) -> list[Sequence[object]]:
    body = list(rows[1:])
    random.Random(seed).shuffle(body)
    return [rows[0], *body]


# --- the hand-worked company ------------------------------------------------------------------------------------------
# Monthly billing lines 2024-01 .. 2025-01 (13 months; the as-of month is 2025-01, so the trailing 12 months of
# movements, 2024-02 .. 2025-01, all have a full month before them). Two segments from a --customers CSV.
# The export holds the whole history from 2024-01 and is measured at 2025-01, the month its latest line starts in
# (by default that month would be in progress and the figures December's): WHOLE, passed on every run.
#   Mid  A  core: 10 seats $1,000 to 2024-06, 12 seats $1,200 from 2024-07  -> expansion (volume) +200 in 2024-07
#        B  core: 5 seats $500 to 2024-10, nothing after                     -> churn −500 in 2024-11
#        C  core: 5 seats $500, $550 for the same 5 seats from 2024-09       -> price uplift +50 in 2024-09
#           addon: 1 seat $100 from 2024-04                                  -> upsell +100 in 2024-04
#   SMB  D  core: 2 seats $200 to 2024-05, 1 seat $100 from 2024-06          -> contraction −100 in 2024-06
#        E  core: 3 seats $300 to 2024-08                                    -> churn −300 in 2024-09
#        F  core: 1 seat $250 from 2024-10 (new: not a rate movement); addon $50 from 2024-12 -> upsell +50 in 2024-12
# Mid MRR: 2024-01..03 2000, 04..06 2100, 07..08 2300, 09..10 2350, 2024-11 .. 2025-01 1850 (A 1200 + C 650).
#   Σ mrr_start over 2024-02 .. 2025-01 = MRR of 2024-01 .. 2024-12 = 3×2000 + 3×2100 + 2×2300 + 2×2350 + 2×1850
#   = 25300. c = 500 / 25300 = 0.019763; e = (200 + 50) / 25300 = 0.009881; u = 100 / 25300 = 0.003953.
#   r = 1 − 150 / 25300 = 25150 / 25300 = 0.994071. ARPA = 1850 / 2 = 925; LTV = 0.75 × 925 × 25300 / 500 = 35103.75.
# SMB MRR: 2024-01..05 500, 06..08 400, 09 100, 10..11 350, 2024-12 .. 2025-01 400 (D 100 + F 300).
#   Σ mrr_start = 5×500 + 3×400 + 100 + 2×350 + 400 = 4900. c = (100 + 300) / 4900 = 0.081633; e = 0;
#   u = 50 / 4900 = 0.010204; r = 1 − 350 / 4900 = 0.928571. ARPA = 400 / 2 = 200; LTV = 0.75 × 200 × 4900 / 400
#   = 1837.50.
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)] + ["2025-01"]
WHOLE = ("--history-starts", "2024-01", "--as-of", "2025-01")


def company_billing() -> list[list[object]]:
    rows: list[list[object]] = [["customer_id", "product", "quantity", "amount", "period_start"]]
    for m in MONTHS:
        day = f"{m}-01"
        rows.append(["A", "core", 10 if m < "2024-07" else 12, "1000" if m < "2024-07" else "1200", day])
        if m <= "2024-10":
            rows.append(["B", "core", 5, "500", day])
        rows.append(["C", "core", 5, "500" if m < "2024-09" else "550", day])
        if m >= "2024-04":
            rows.append(["C", "addon", 1, "100", day])
        rows.append(["D", "core", 2 if m < "2024-06" else 1, "200" if m < "2024-06" else "100", day])
        if m <= "2024-08":
            rows.append(["E", "core", 3, "300", day])
        if m >= "2024-10":
            rows.append(["F", "core", 1, "250", day])
        if m >= "2024-12":
            rows.append(["F", "addon", 1, "50", day])
    return rows


SEGMENTED = [
    ["customer_id", "segment"],
    ["A", "Mid"],
    ["B", "Mid"],
    ["C", "Mid"],
    ["D", "SMB"],
    ["E", "SMB"],
    ["F", "SMB"],
]

# CRC over the trailing 12 months (2024-02 .. 2025-01), as csctl valuation measures it: retention spend over the
# ARR kept month by month (each month's MRR at its start less its churn, contraction and price erosion; new and grown
# MRR is not kept), averaged over the window, × 12. Company MRR (Mid + SMB) at each month's end:
#   2024-01..03 2500, 04..05 2600, 06 2500, 07..08 2700, 09 2450, 10 2700, 11 2200, 2024-12 .. 2025-01 2250.
#   Kept: 2024-02 2500, 03 2500, 04 2500 (C's upsell is not kept), 05 2600, 06 2600 − 100 (D) = 2500, 07 2500 (A's
#   expansion is not kept), 08 2700, 09 2700 − 300 (E) = 2400, 10 2450 (F is new), 11 2700 − 500 (B) = 2200,
#   12 2200, 2025-01 2250: Σ 29300, retained ARR = 12 × 29300 / 12 = 29300.
#   retention spend in the window: 1200 (2024-03) + 1200 (2024-10) = 2400 (the 5000 of 2024-01 is outside it).
#   CRC = 2400 / (29300 × 12/12) = 24/293 = 0.081911 (against the ARR at the start less the ARR lost,
#   30000 − 10800 = 19200, it would be 0.125).
COSTS = [
    ["period", "category", "amount"],
    ["2024-01", "retention", "5000"],
    ["2024-03", "retention", "1200"],
    ["2024-05", "acquisition", "3000"],
    ["2024-10", "retention", "1200"],
]
CRC = 24 / 293

# (MRR, r) per segment, exact.
SEGMENTS = {"Mid": (1850.0, 25150 / 25300), "SMB": (400.0, 4550 / 4900)}

# The default step 0.0025 over 36 months, by hand (S(x) = x(1 − x^36)/(1 − x)):
#   Mid: S(0.996542) − S(0.994071) = 1.493865 -> gain = 0.75 × 1850 × 1.493865 = 2072.74;
#        step revenue = 1850 × 1.493865 = 2763.65;
#        (a net is the rounded gain − the rounded cost, as shown)
#        cost = 2763.65 × 24/293 × (1, 2, 4) = 226.37, 452.75, 905.50; net = 1846.37, 1619.99, 1167.24
#   SMB: S(0.931071) − S(0.928571) = 0.377261 -> gain = 0.75 × 400 × 0.377261 = 113.18; step revenue 150.90;
#        cost = 150.90 × 24/293 × (1, 2, 4) = 12.36, 24.72, 49.44; net = 100.82, 88.46, 63.74
#   ROI = (gm − CRC × mult) / (CRC × mult) = 0.75 × 293 / (24 × mult) − 1: retention 219.75 / 24 − 1 = 8.15625;
#        expansion 219.75 / 48 − 1 = 3.578125; upsell 219.75 / 96 − 1 = 1.2890625
EXPECTED_LEVERS = {
    # (segment, lever): (gain, step_revenue, cost, net_value, roi)
    ("Mid", "retention"): (2072.74, 2763.65, 226.37, 1846.37, 8.15625),
    ("Mid", "expansion"): (2072.74, 2763.65, 452.75, 1619.99, 3.578125),
    ("Mid", "upsell"): (2072.74, 2763.65, 905.50, 1167.24, 1.2890625),
    ("SMB", "retention"): (113.18, 150.90, 12.36, 100.82, 8.15625),
    ("SMB", "expansion"): (113.18, 150.90, 24.72, 88.46, 3.578125),
    ("SMB", "upsell"): (113.18, 150.90, 49.44, 63.74, 1.2890625),
}
MULTIPLIERS = {"retention": 1.0, "expansion": 2.0, "upsell": 4.0}
CENT = 0.0051  # to the cent (the tool rounds money to 2 decimals)


@pytest.fixture
def company(tmp_path: Path) -> dict[str, Path]:
    return {
        "billing": write_csv(tmp_path / "billing.csv", company_billing()),
        "segmented": write_csv(tmp_path / "segmented.csv", SEGMENTED),
        "costs": write_csv(tmp_path / "costs.csv", COSTS),
        "no_crc": write_text(tmp_path / "no-crc.yaml", "currency: USD\n"),  # no targets.crc
    }


def run(invoke: Invoke, company: dict[str, Path], *args: object) -> Result:
    return invoke("opportunity", company["billing"], "--customers", company["segmented"], *WHOLE, *args)


def company_doc(invoke: Invoke, company: dict[str, Path], *args: object) -> dict:
    return as_json(run(invoke, company, "--costs", company["costs"], "-f", "json", *args))


# --- 1. the hand-worked example ---------------------------------------------------------------------------------------
def test_ltv_per_segment_with_its_inputs(invoke: Invoke, company: dict[str, Path]) -> None:
    doc = company_doc(invoke, company)
    assert doc["as_of"] == "2025-01"
    rows = ltv_of(doc)
    assert list(rows) == ["Mid", "SMB"]
    mid, smb = rows["Mid"], rows["SMB"]
    assert (mid["customers"], mid["mrr"], mid["arpa"]) == (2, pytest.approx(1850.0), pytest.approx(925.0))
    assert (smb["customers"], smb["mrr"], smb["arpa"]) == (2, pytest.approx(400.0), pytest.approx(200.0))
    assert [mid[k] for k in ("churn", "expansion", "upsell", "net_retention")] == pytest.approx(
        [500 / 25300, 250 / 25300, 100 / 25300, 25150 / 25300], abs=1e-6
    )
    assert [smb[k] for k in ("churn", "expansion", "upsell", "net_retention")] == pytest.approx(
        [400 / 4900, 0.0, 50 / 4900, 4550 / 4900], abs=1e-6
    )
    assert mid["ltv"] == pytest.approx(35103.75, abs=CENT)  # 0.75 × 925 / (500 / 25300)
    assert smb["ltv"] == pytest.approx(1837.50, abs=CENT)  # 0.75 × 200 / (400 / 4900)


def test_crc_is_measured_from_the_costs(invoke: Invoke, company: dict[str, Path]) -> None:
    doc = company_doc(invoke, company)
    assert (
        "CRC 0.082 (measured over 12 months to 2025-01); multipliers retention ×1, expansion ×2, upsell ×4"
        in doc["notes"]
    )
    # the same CRC as csctl valuation's trailing 12 months (retention spend / ARR retained): 2400 / 29300
    valuation = as_json(invoke("valuation", company["billing"], "--costs", company["costs"], *WHOLE, "-f", "json"))
    assert valuation["metrics"]["crc_12m"] == pytest.approx(CRC, abs=1e-12)
    assert valuation["tables"]["ratios"][-1]["retained_arr"] == pytest.approx(29300)
    # the measured CRC wins over targets.crc in the config
    config = write_text(company["costs"].parent / "crc.yaml", "targets:\n  crc: 0.3\n")
    doc = company_doc(invoke, company, "-c", config)
    assert levers_of(doc)[("Mid", "retention")]["cost"] == pytest.approx(226.37, abs=CENT)


def test_closed_form_matches_a_plain_sum() -> None:
    # horizon_value = gm × MRR × Σ r^t; below, at and above 1, and the company's own r and r + step
    for r in (0.5, 0.9, 0.99, 0.9975, 1.0, 1.0025, 1.01, 25150 / 25300, 25150 / 25300 + 0.0025, 4550 / 4900):
        for horizon in (1, 12, 36, 120):
            expected = GM * 1000 * loop_sum(r, horizon)
            assert horizon_value(1000, r, horizon, GM) == pytest.approx(expected, rel=1e-9, abs=1e-9), (r, horizon)
    assert horizon_value(1000, 1.0, 36, GM) == pytest.approx(0.75 * 1000 * 36)


def test_levers_hand_worked_to_the_cent(invoke: Invoke, company: dict[str, Path]) -> None:
    doc = company_doc(invoke, company)
    rows = levers_of(doc)
    assert set(rows) == set(EXPECTED_LEVERS)
    for key, (gain, revenue, cost, net, roi) in EXPECTED_LEVERS.items():
        segment, lever = key
        mrr, r = SEGMENTS[segment]
        # the literals agree with a plain loop over the 36 months (no closed form)
        plain_gain = loop_gain(mrr, r, 0.0025)
        plain_cost = plain_gain / GM * CRC * MULTIPLIERS[lever]
        assert (gain, revenue, cost) == pytest.approx((plain_gain, plain_gain / GM, plain_cost), abs=CENT)
        assert net == pytest.approx(round(plain_gain, 2) - round(plain_cost, 2), abs=1e-9)  # the figures shown
        row = rows[key]
        assert row["step"] == pytest.approx(0.0025)
        assert row["multiplier"] == MULTIPLIERS[lever]
        assert [row["gain"], row["step_revenue"], row["cost"], row["net_value"]] == pytest.approx(
            [gain, revenue, cost, net], abs=CENT
        ), key
        assert row["roi"] == pytest.approx(roi, abs=1e-6), key
        assert row["roi"] == pytest.approx(row["net_value"] / row["cost"], rel=1e-3), key
    # ranked by net value: 1846.37, 1619.99, 1167.24, 100.82, 88.46, 63.74
    assert ranking(doc) == [("Mid", lever) for lever in LEVERS] + [("SMB", lever) for lever in LEVERS]
    assert [row["rank"] for row in doc["tables"]["levers"]] == [1, 2, 3, 4, 5, 6]
    assert (doc["step"], doc["horizon_months"]) == (0.0025, 36)


def test_top_opportunity_sentence_and_metrics(invoke: Invoke, company: dict[str, Path]) -> None:
    doc = company_doc(invoke, company)
    sentence = doc["notes"][0]
    assert sentence == (
        "The greatest opportunity: retention in Mid — 0.25% lower monthly churn is worth $2,072.74 of gross margin "
        "over 36 months for $226.37: net $1,846.37, ROI 8.2×."
    )
    assert doc["metrics"]["top_opportunity_net_value"] == pytest.approx(1846.37, abs=CENT)
    assert doc["metrics"]["top_opportunity_gain"] == pytest.approx(2072.74, abs=CENT)
    table = ok(run(invoke, company, "--costs", company["costs"], "-f", "table")).stdout
    assert "The greatest opportunity: retention in Mid" in " ".join(table.split())


# --- 2. ordering: the seed's 1 / 2 / 4 --------------------------------------------------------------------------------
@pytest.mark.parametrize("crc", [0.12, 0.25])
def test_equal_gains_rank_retention_expansion_upsell(
    invoke: Invoke, company: dict[str, Path], tmp_path: Path, crc: float
) -> None:
    config = write_text(tmp_path / "seed.yaml", f"targets:\n  crc: {crc}\n")
    doc = as_json(run(invoke, company, "-c", config, "-f", "json"))  # no --costs: targets.crc is the CRC
    assert f"CRC {crc:.3f} (targets.crc in the config)" in " ".join(doc["notes"])
    rows = levers_of(doc)
    for segment in ("Mid", "SMB"):
        gains = {rows[(segment, lever)]["gain"] for lever in LEVERS}
        assert len(gains) == 1, gains  # equal steps give equal gains, whatever the lever
        order = [lever for seg, lever in ranking(doc) if seg == segment]
        assert order == list(LEVERS)
        nets = [rows[(segment, lever)]["net_value"] for lever in LEVERS]
        assert nets[0] > nets[1] > nets[2]
        for lever in LEVERS:
            spend = crc * MULTIPLIERS[lever]
            # ROI = (gm − CRC × mult) / (CRC × mult): 0.12 -> 5.25, 2.125, 0.5625; 0.25 -> 2, 0.5, −0.25
            assert rows[(segment, lever)]["roi"] == pytest.approx((GM - spend) / spend, abs=1e-6), (segment, lever)
    if crc == 0.25:  # upselling at 4 × 0.25 = $1.00 per $1 of revenue loses money: a negative net, still ranked last
        assert rows[("Mid", "upsell")]["net_value"] < 0
        assert rows[("Mid", "upsell")]["roi"] == pytest.approx(-0.25, abs=1e-6)


# Twin segments: Alpha (A1, A2) and Beta (B1, B2) have identical histories, hence equal gains.
#   X1: $1,000 every month 2024-01 .. 2025-01; X2: $500 2024-01 .. 2024-06 (churn in 2024-07).
TWIN_BILLING: list[list[object]] = [["customer_id", "amount", "period_start"]]
for _m in MONTHS:
    for _seg in ("A", "B"):
        TWIN_BILLING.append([f"{_seg}1", "1000", f"{_m}-01"])
        if _m <= "2024-06":
            TWIN_BILLING.append([f"{_seg}2", "500", f"{_m}-01"])
TWIN_SEGMENTS = [["customer_id", "segment"], ["B1", "Beta"], ["B2", "Beta"], ["A1", "Alpha"], ["A2", "Alpha"]]


def test_ties_by_segment_name_and_a_stable_ranking(invoke: Invoke, tmp_path: Path) -> None:
    config = write_text(tmp_path / "seed.yaml", "targets:\n  crc: 0.12\n")
    docs = []
    for seed in (None, 1, 2):
        billing = TWIN_BILLING if seed is None else shuffled(TWIN_BILLING, seed)
        segments = TWIN_SEGMENTS if seed is None else shuffled(TWIN_SEGMENTS, seed)
        b = write_csv(tmp_path / f"twin-{seed}.csv", billing)
        s = write_csv(tmp_path / f"twin-seg-{seed}.csv", segments)
        for _ in range(2):  # the same inputs, twice
            docs.append(as_json(invoke("opportunity", b, "--customers", s, "-c", config, *WHOLE, "-f", "json")))
    first = docs[0]
    # equal net values per lever across the twins: the segment's name breaks the tie
    assert ranking(first) == [(seg, lever) for lever in LEVERS for seg in ("Alpha", "Beta")]
    rows = levers_of(first)
    for lever in LEVERS:
        assert rows[("Alpha", lever)]["net_value"] == rows[("Beta", lever)]["net_value"]
    for doc in docs[1:]:
        assert doc["tables"]["levers"] == first["tables"]["levers"]
        assert doc["tables"]["sensitivity"] == first["tables"]["sensitivity"]
        assert doc["notes"] == first["notes"]


def test_no_crc_ranks_by_gain_with_ties_retention_expansion_upsell(invoke: Invoke, tmp_path: Path) -> None:
    b = write_csv(tmp_path / "twin.csv", TWIN_BILLING)
    s = write_csv(tmp_path / "twin-seg.csv", TWIN_SEGMENTS)
    config = write_text(tmp_path / "none.yaml", "currency: USD\n")
    doc = as_json(invoke("opportunity", b, "--customers", s, "-c", config, *WHOLE, "-f", "json"))
    # every net value is the same gain: lever first, then the segment's name
    assert ranking(doc) == [(seg, lever) for lever in LEVERS for seg in ("Alpha", "Beta")]


# --- 3. configurable --------------------------------------------------------------------------------------------------
def test_config_multipliers_and_gross_margin(invoke: Invoke, company: dict[str, Path], tmp_path: Path) -> None:
    config = write_text(
        tmp_path / "mult.yaml",
        "gross_margin: 0.8\nopportunity:\n  multipliers:\n    retention: 1.5\n    expansion: 3\n    upsell: 5\n",
    )
    base = levers_of(company_doc(invoke, company))
    doc = company_doc(invoke, company, "-c", config)
    rows = levers_of(doc)
    assert "multipliers retention ×1.5, expansion ×3, upsell ×5" in " ".join(doc["notes"])
    new_mult = {"retention": 1.5, "expansion": 3.0, "upsell": 5.0}
    for (segment, lever), row in rows.items():
        mrr, r = SEGMENTS[segment]
        plain_gain = loop_gain(mrr, r, 0.0025, gm=0.8)
        revenue = plain_gain / 0.8  # the step's revenue does not depend on the margin
        assert row["multiplier"] == new_mult[lever]
        assert row["step_revenue"] == pytest.approx(base[(segment, lever)]["step_revenue"], abs=CENT)
        assert row["gain"] == pytest.approx(plain_gain, abs=CENT)
        assert row["gain"] == pytest.approx(base[(segment, lever)]["gain"] * 0.8 / 0.75, abs=0.01)
        # cost is proportional to the multiplier: ×1.5, ×1.5, ×1.25 against 1 / 2 / 4
        assert row["cost"] == pytest.approx(revenue * CRC * new_mult[lever], abs=CENT)
        assert row["cost"] == pytest.approx(
            base[(segment, lever)]["cost"] * new_mult[lever] / MULTIPLIERS[lever], abs=0.01
        )
        spend = CRC * new_mult[lever]
        assert row["roi"] == pytest.approx((0.8 - spend) / spend, abs=1e-6)


@pytest.mark.parametrize(("step", "horizon"), [("0.01", "12"), ("0.001", "60"), ("0.0025", "1")])
def test_step_and_horizon_options(invoke: Invoke, company: dict[str, Path], step: str, horizon: str) -> None:
    doc = company_doc(invoke, company, "--step", step, "--horizon", horizon)
    s, h = float(step), int(horizon)
    assert (doc["step"], doc["horizon_months"]) == (s, h)
    rows = levers_of(doc)
    for (segment, lever), row in rows.items():
        mrr, r = SEGMENTS[segment]
        gain = loop_gain(mrr, r, s, horizon=h)
        closed = GM * mrr * ((r + s) * (1 - (r + s) ** h) / (1 - r - s) - r * (1 - r**h) / (1 - r))
        assert gain == pytest.approx(closed, rel=1e-9)
        assert row["step"] == pytest.approx(s)
        assert row["gain"] == pytest.approx(gain, abs=CENT), (segment, lever)
        assert row["cost"] == pytest.approx(gain / GM * CRC * MULTIPLIERS[lever], abs=CENT), (segment, lever)
    if h == 1:  # one month: the gain is just gm × MRR × step
        assert rows[("Mid", "retention")]["gain"] == pytest.approx(0.75 * 1850 * 0.0025, abs=CENT)
    assert f"over {h} months" in doc["notes"][0]
    assert f"{s * 100:.2f}%" in doc["notes"][0]


def test_step_out_of_range_is_a_usage_error(invoke: Invoke, company: dict[str, Path]) -> None:
    for args in (("--step", "0"), ("--step", "0.9"), ("--horizon", "0")):
        result = run(invoke, company, *args)
        assert result.exit_code == 2, args
        assert result.stdout == ""


def test_sensitivity_one_row_per_step_and_lever(invoke: Invoke, company: dict[str, Path], tmp_path: Path) -> None:
    # the default steps 0.1%, 0.25%, 0.5%, 1%: gains summed over Mid and SMB
    doc = company_doc(invoke, company)
    rows = doc["tables"]["sensitivity"]
    steps = (0.001, 0.0025, 0.005, 0.01)
    assert [(row["step"], row["lever"]) for row in rows] == [(s, lever) for s in steps for lever in LEVERS]
    for row in rows:
        total = sum(loop_gain(mrr, r, row["step"]) for mrr, r in SEGMENTS.values())
        assert row["gain"] == pytest.approx(total, abs=2 * CENT)  # the sum of two amounts rounded to the cent
        assert row["cost"] == pytest.approx(total / GM * CRC * MULTIPLIERS[row["lever"]], abs=2 * CENT)
        # gain − cost of the plain loop (the table's net is the sum of the segments' nets, each rounded to the cent)
        cost = total / GM * CRC * MULTIPLIERS[row["lever"]]
        # each segment's net is its rounded gain − its rounded cost: two half-cents per segment at most
        assert row["net_value"] == pytest.approx(total - cost, abs=2 * CENT * 2)
    # the 0.25% rows are the levers table's sums
    levers = levers_of(doc)
    for row in rows:
        if row["step"] == 0.0025:
            assert row["gain"] == pytest.approx(sum(levers[(seg, row["lever"])]["gain"] for seg in SEGMENTS))
            assert row["cost"] == pytest.approx(
                sum(levers[(seg, row["lever"])]["cost"] for seg in SEGMENTS), abs=2 * CENT
            )
    # steps from the config; the horizon follows --horizon
    config = write_text(tmp_path / "sens.yaml", "opportunity:\n  sensitivity: [0.002, 0.004]\n")
    doc = company_doc(invoke, company, "-c", config, "--horizon", "24")
    rows = doc["tables"]["sensitivity"]
    assert [(row["step"], row["lever"]) for row in rows] == [(s, lever) for s in (0.002, 0.004) for lever in LEVERS]
    for row in rows:
        total = sum(loop_gain(mrr, r, row["step"], horizon=24) for mrr, r in SEGMENTS.values())
        assert row["gain"] == pytest.approx(total, abs=2 * CENT)


# --- 4. no CRC, no churn ----------------------------------------------------------------------------------------------
def test_no_crc_costs_unknown_ranked_by_gain(invoke: Invoke, company: dict[str, Path]) -> None:
    doc = as_json(run(invoke, company, "-c", company["no_crc"], "-f", "json"))
    rows = levers_of(doc)
    for key, row in rows.items():
        assert row["cost"] is None, key
        assert row["roi"] is None, key
        assert row["gain"] == pytest.approx(EXPECTED_LEVERS[key][0], abs=CENT), key
    assert any("no CRC" in n and "costs are not known" in n for n in doc["notes"])
    assert "unknown cost" in doc["notes"][0]
    # ranked by gain: Mid (2072.74) before SMB (113.18); equal gains: retention, expansion, upsell
    assert ranking(doc) == [("Mid", lever) for lever in LEVERS] + [("SMB", lever) for lever in LEVERS]
    assert doc["metrics"]["top_opportunity_gain"] == pytest.approx(2072.74, abs=CENT)
    text = ok(run(invoke, company, "-c", company["no_crc"], "-f", "csv")).stdout
    first = next(csv.DictReader(io.StringIO(text)))
    assert (first["cost"], first["roi"]) == ("", "")  # empty, never 0 or inf
    no_infinity(text)


def test_no_crc_sensitivity_costs_are_unknown(invoke: Invoke, company: dict[str, Path]) -> None:
    doc = as_json(run(invoke, company, "-c", company["no_crc"], "-f", "json"))
    assert doc["tables"]["sensitivity"]
    for row in doc["tables"]["sensitivity"]:
        assert row["cost"] is None, row


def test_shipped_config_targets_crc_is_used_without_costs(invoke: Invoke, company: dict[str, Path]) -> None:
    # the built-in csctl.yaml carries targets.crc 0.12 (the seed deck's $0.12 to retain $1.00)
    doc = as_json(run(invoke, company, "-f", "json"))
    assert any(n.startswith("CRC 0.120 (targets.crc in the config)") for n in doc["notes"])
    rows = levers_of(doc)
    assert rows[("Mid", "retention")]["cost"] == pytest.approx(2763.6511 * 0.12, abs=CENT)
    assert rows[("Mid", "retention")]["roi"] == pytest.approx(5.25, abs=1e-6)


def test_costs_with_an_undefined_crc_are_not_reported_as_missing(invoke: Invoke, tmp_path: Path) -> None:
    # A relaunch: Z pays $200 in 2024-01 only (a pilot; the history starts then), N1 $300 and N2 $100 are new in the
    # as-of month 2025-01. Kept MRR over 2024-02 .. 2025-01 (MRR at each month's start less churn, contraction and
    # price erosion): 2024-02: 200 − 200 (Z churns) = 0; 2024-03 .. 2024-12: 0; 2025-01: 0 (N1 and N2 are new).
    # No ARR retained: the CRC over 12 months to 2025-01 is undefined ($2,400 of retention spend over nothing kept).
    rows: list[list[object]] = [["customer_id", "amount", "period_start"], ["Z", "200", "2024-01-01"]]
    rows += [["N1", "300", "2025-01-01"], ["N2", "100", "2025-01-01"]]
    billing = write_csv(tmp_path / "relaunch.csv", rows)
    costs = write_csv(tmp_path / "costs.csv", COSTS)
    valuation = as_json(invoke("valuation", billing, "--costs", costs, *WHOLE, "-f", "json"))
    trailing = valuation["tables"]["ratios"][-1]
    assert (trailing["window"], trailing["retention_spend"], trailing["retained_arr"]) == (
        "12 months to 2025-01",
        2400,
        0,
    )
    assert valuation["metrics"]["crc_12m"] is None
    doc = as_json(invoke("opportunity", billing, "--costs", costs, *WHOLE, "-f", "json"))
    # the measured CRC is undefined: the config's targets.crc (0.12) is used instead, and the note says why
    assert all(row["cost"] is not None for row in doc["tables"]["levers"])
    notes = " ".join(doc["notes"])
    assert "no --costs" not in notes, notes
    assert "CRC 0.120 (targets.crc: the CRC over 12 months to 2025-01 is undefined" in notes, notes


# No churn: Ent (G: 4 seats $2,000 to 2024-04, 5 seats $2,500 from 2024-05 -> expansion +500) and Flat (H: $1,000
# every month, no movement at all: r = 1 exactly, Σ r^t = 36). Both: LTV unbounded (empty), with a note. Mid2 keeps a
# bounded LTV: K $400 to 2024-08 (churn −400 in 2024-09), L $600 throughout.
#   Ent: Σ mrr_start = 4 × 2000 + 8 × 2500 = 28000; e = 500 / 28000; r = 1 + 500 / 28000; MRR 2500.
#   Flat: r = 1; MRR 1000; gain = 0.75 × 1000 × (S(1.0025) − 36) = 0.75 × 1000 × 1.6661 = 1249.6.
#   Mid2: Σ mrr_start = 8 × 1000 + 4 × 600 = 10400; c = 400 / 10400; MRR 600, 1 customer;
#         LTV = 0.75 × 600 × 10400 / 400 = 11700; r = 1 − 400 / 10400.
CALM_SEGMENTS = {"Ent": (2500.0, 1 + 500 / 28000), "Flat": (1000.0, 1.0), "Mid2": (600.0, 1 - 400 / 10400)}


def calm_inputs(tmp_path: Path) -> tuple[Path, Path]:
    rows: list[list[object]] = [["customer_id", "product", "quantity", "amount", "period_start"]]
    for m in MONTHS:
        day = f"{m}-01"
        rows.append(["G", "core", 4 if m < "2024-05" else 5, "2000" if m < "2024-05" else "2500", day])
        rows.append(["H", "core", 1, "1000", day])
        if m <= "2024-08":
            rows.append(["K", "core", 1, "400", day])
        rows.append(["L", "core", 1, "600", day])
    segments = [["customer_id", "segment"], ["G", "Ent"], ["H", "Flat"], ["K", "Mid2"], ["L", "Mid2"]]
    return write_csv(tmp_path / "calm.csv", rows), write_csv(tmp_path / "calm-seg.csv", segments)


def test_no_churn_ltv_unbounded_never_inf(invoke: Invoke, tmp_path: Path) -> None:
    billing, segments = calm_inputs(tmp_path)
    config = write_text(tmp_path / "crc.yaml", "targets:\n  crc: 0.12\n")
    args = ("opportunity", billing, "--customers", segments, "-c", config, *WHOLE)
    doc = as_json(invoke(*args, "-f", "json"))
    rows = ltv_of(doc)
    assert rows["Ent"]["ltv"] is None and rows["Flat"]["ltv"] is None
    assert rows["Ent"]["churn"] == 0 and rows["Flat"]["churn"] == 0
    assert rows["Ent"]["net_retention"] == pytest.approx(1 + 500 / 28000, abs=1e-6)
    assert rows["Flat"]["net_retention"] == 1.0
    assert rows["Mid2"]["ltv"] == pytest.approx(11700.0, abs=CENT)
    assert "LTV unbounded (no churn in the last 12 months): Ent, Flat" in doc["notes"]
    levers = levers_of(doc)
    for segment, (mrr, r) in CALM_SEGMENTS.items():  # the gain is still valued, whatever the LTV
        for lever in LEVERS:
            assert levers[(segment, lever)]["gain"] == pytest.approx(loop_gain(mrr, r, 0.0025), abs=CENT)
    assert levers[("Flat", "retention")]["gain"] == pytest.approx(0.75 * 1000 * (loop_sum(1.0025, 36) - 36), abs=CENT)
    for fmt in ("json", "csv", "table", "markdown"):
        no_infinity(ok(invoke(*args, "-f", fmt)).stdout)


def test_ltv_uses_unrounded_arpa_like_numbers_clv(invoke: Invoke, tmp_path: Path) -> None:
    # P $300, Q $300, R $400 every month; S $500 to 2024-05 (churn −500 in 2024-06). MRR now 1000 over 3 customers:
    # ARPA 333.333…; Σ mrr_start = 5 × 1500 + 7 × 1000 = 14500; c = 500 / 14500 = 1/29;
    # LTV = 0.75 × (1000 / 3) × 29 = 7250.00
    rows: list[list[object]] = [["customer_id", "amount", "period_start"]]
    for m in MONTHS:
        rows += [["P", "300", f"{m}-01"], ["Q", "300", f"{m}-01"], ["R", "400", f"{m}-01"]]
        if m <= "2024-05":
            rows.append(["S", "500", f"{m}-01"])
    billing = write_csv(tmp_path / "odd.csv", rows)
    config = write_text(tmp_path / "none.yaml", "currency: USD\n")
    numbers = as_json(invoke("numbers", billing, "-c", config, *WHOLE, "-f", "json"))
    assert numbers["metrics"]["clv"] == pytest.approx(7250.0, abs=CENT)
    doc = as_json(invoke("opportunity", billing, "-c", config, *WHOLE, "-f", "json"))
    (row,) = doc["tables"]["ltv"]
    assert row["segment"] == "all customers"
    assert row["ltv"] == pytest.approx(7250.0, abs=CENT)


def test_without_customers_one_segment_and_missing_ones_not_in_crm(
    invoke: Invoke, company: dict[str, Path], tmp_path: Path
) -> None:
    doc = as_json(invoke("opportunity", company["billing"], "--costs", company["costs"], *WHOLE, "-f", "json"))
    (row,) = doc["tables"]["ltv"]
    # all six customers: Σ mrr_start = 25300 + 4900 = 30200; MRR 2250 over 4 customers
    assert (row["segment"], row["customers"], row["mrr"]) == ("all customers", 4, pytest.approx(2250.0))
    assert row["churn"] == pytest.approx(900 / 30200, abs=1e-6)
    assert row["net_retention"] == pytest.approx(1 - 500 / 30200, abs=1e-6)
    r = 29700 / 30200
    assert levers_of(doc)[("all customers", "retention")]["gain"] == pytest.approx(
        loop_gain(2250.0, r, 0.0025), abs=CENT
    )
    # D, E, F missing from the segmented CSV: "not in CRM", with SMB's numbers
    partial = write_csv(tmp_path / "partial.csv", SEGMENTED[:4])
    doc = as_json(invoke("opportunity", company["billing"], "--customers", partial, *WHOLE, "-f", "json"))
    rows = ltv_of(doc)
    assert list(rows) == ["Mid", "not in CRM"]
    assert rows["not in CRM"]["ltv"] == pytest.approx(1837.50, abs=CENT)


def test_segmented_csv_without_a_segment_column_exits_3(invoke: Invoke, company: dict[str, Path]) -> None:
    plain = write_csv(company["costs"].parent / "crm.csv", [["customer_id", "name"], ["A", "Acme"]])
    result = invoke("opportunity", company["billing"], "--customers", plain, *WHOLE)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "no segment column" in result.stderr
    assert "csctl segment" in result.stderr


# --- 5. --fail-on, Markdown, Excel, the sample company ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ("top_opportunity_net_value<2000", 1),  # 1846.37
        ("top_opportunity_net_value>2000", 0),
        ("top_opportunity_net_value>=1846.37", 1),
        ("top_opportunity_net_value>1846.37", 0),
        ("top_opportunity_gain>2000", 1),  # 2072.74
        ("top_opportunity_gain<2000", 0),
        ("top_opportunity_gain<=2072", 0),
    ],
)
def test_fail_on(invoke: Invoke, company: dict[str, Path], condition: str, code: int) -> None:
    result = run(invoke, company, "--costs", company["costs"], "--fail-on", condition, "-f", "csv")
    assert result.exit_code == code, result.stderr
    assert result.stdout.startswith("rank,segment,lever,")  # the report is written either way
    if code == 1:
        assert "threshold breached" in result.stderr


def test_fail_on_metric_of_another_command(invoke: Invoke, company: dict[str, Path]) -> None:
    result = run(invoke, company, "--fail-on", "crc_12m>0.5")
    assert result.exit_code == 2
    assert "csctl valuation" in result.stderr


def test_markdown_and_xlsx(invoke: Invoke, company: dict[str, Path], tmp_path: Path) -> None:
    md = tmp_path / "opportunity.md"
    ok(run(invoke, company, "--costs", company["costs"], "-o", md))
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# The greatest opportunity to increase LTV, 2025-01")
    for heading in (
        "## Levers by segment, ranked by net value",
        "## LTV per segment and its inputs",
        "## Sensitivity: all segments by step size",
    ):
        assert heading in text
    assert "| 1 | Mid | retention |" in text
    assert "$1,846.37" in text and "$35,103.75" in text
    assert "The greatest opportunity: retention in Mid" in text
    no_infinity(text)
    xlsx = tmp_path / "opportunity.xlsx"
    ok(run(invoke, company, "--costs", company["costs"], "-o", xlsx))
    book = assert_plain_workbook(xlsx, ["levers", "ltv", "sensitivity", "metrics"])
    levers = book["levers"]
    header = [cell.value for cell in levers[1]]
    net = header.index("net_value") + 1
    assert [levers.cell(r, net).value for r in range(2, 8)] == pytest.approx(
        [1846.37, 1619.99, 1167.24, 100.82, 88.46, 63.74], abs=CENT
    )
    # an unbounded LTV is a blank cell in Excel
    billing, segments = calm_inputs(tmp_path)
    calm = tmp_path / "calm.xlsx"
    ok(invoke("opportunity", billing, "--customers", segments, *WHOLE, "-o", calm))
    sheet = openpyxl.load_workbook(calm)["ltv"]
    header = [cell.value for cell in sheet[1]]
    values = {sheet.cell(r, 1).value: sheet.cell(r, header.index("ltv") + 1).value for r in range(2, sheet.max_row + 1)}
    assert values["Ent"] is None and values["Flat"] is None
    assert values["Mid2"] == pytest.approx(11700.0, abs=CENT)


def test_sample_company(invoke: Invoke, sample_dir: Path, tmp_path: Path) -> None:
    # the sample's csctl.yaml: its billing holds the whole history (billing.history_starts)
    billing, costs, config = sample_dir / "billing.csv", sample_dir / "costs.csv", sample_dir / "csctl.yaml"
    segmented = tmp_path / "segmented.csv"
    ok(invoke("segment", sample_dir / "customers.csv", "--billing", billing, "-c", config, "-o", segmented))
    assert costs.is_file()
    doc = as_json(
        invoke("opportunity", billing, "--customers", segmented, "--costs", costs, "-c", config, "-f", "json")
    )
    crc = as_json(invoke("valuation", billing, "--costs", costs, "-c", config, "-f", "json"))["metrics"]["crc_12m"]
    assert crc and crc > 0
    assert any(n.startswith(f"CRC {crc:.3f} (measured over 12 months to {doc['as_of']})") for n in doc["notes"])
    ltv = doc["tables"]["ltv"]
    assert len(ltv) >= 2
    numbers = as_json(invoke("numbers", billing, "-c", config, "-f", "json"))
    assert numbers["as_of"] == doc["as_of"]
    mrr = numbers["metrics"]["mrr"]
    assert sum(row["mrr"] for row in ltv) == pytest.approx(mrr, abs=0.01 * len(ltv))
    levers = doc["tables"]["levers"]
    assert len(levers) == 3 * len(ltv)
    nets = [row["net_value"] for row in levers]
    assert nets == sorted(nets, reverse=True)
    for row in levers:
        spend = crc * MULTIPLIERS[row["lever"]]
        assert row["roi"] == pytest.approx((GM - spend) / spend, abs=1e-6)
        assert row["cost"] == pytest.approx(row["step_revenue"] * spend, abs=0.01)
    top = levers[0]
    assert doc["notes"][0].startswith(f"The greatest opportunity: {top['lever']} in {top['segment']} — ")
    assert doc["metrics"] == {"top_opportunity_net_value": top["net_value"], "top_opportunity_gain": top["gain"]}
    by_lever = {(row["step"], row["lever"]): row for row in doc["tables"]["sensitivity"]}
    for lever in LEVERS:
        total = sum(row["gain"] for row in levers if row["lever"] == lever)
        assert by_lever[(0.0025, lever)]["gain"] == pytest.approx(total, abs=0.01)
    for fmt in ("table", "markdown", "csv"):
        out = ok(invoke("opportunity", billing, "--customers", segmented, "--costs", costs, "-c", config, "-f", fmt))
        no_infinity(out.stdout)
