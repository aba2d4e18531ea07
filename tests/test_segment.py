"""csctl segment (step 4): hand-worked examples, the summary by segment, and bad segment rules.

Every expected number below is worked out by hand from the small tables written in the tests.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import ok, write_csv
from typer.testing import Result

Invoke = Callable[..., Result]

ROOT = Path(__file__).resolve().parents[1]
SEED_RULES = ROOT / "configs" / "examples" / "seed-segments.yaml"

# Big: arr >= 24000 (2 accounts per CSM); Mid: arr >= 6000 or employees >= 500 (3 per CSM); Small: the rest (pooled).
RULES = """\
segments:
  - name: Big
    when: "arr >= 24000"
    touch: high
    accounts_per_csm: 2
  - name: Mid
    when: "arr >= 6000 OR employees >= 500"
    touch: mid
    accounts_per_csm: 3
  - name: Small
    when: "true"
    touch: tech
    accounts_per_csm: null
"""

# The CRM file carries its own segment, arr and touch: csctl keeps them as crm_segment, crm_arr, crm_touch.
# C3's crm_arr of 99999 would make it Big if the CRM value were used instead of the billed one.
CUSTOMERS = [
    ["customer_id", "name", "employees", "csm", "segment", "arr", "touch"],
    ["C1", "One", "40", "Ann", "SMB", "1", "x"],
    ["C2", "Two", "30", "Ann", "SMB", "2", "x"],
    ["C3", "Three", "20", "Carl", "Enterprise", "99999", "x"],
    ["C4", "Four", "800", "", "SMB", "4", "x"],
    ["C5", "Five", "10", "Dina", "SMB", "5", "x"],
    ["C6", "Six", "15", "Eve", "SMB", "6", "x"],
    ["C7", "Seven", "60", "Bob", "SMB", "7", "x"],
]

# Monthly MRR per customer (months 2024-06 .. 2025-06; as-of 2025-06). C9 is billed but not in the CRM file.
# The export holds the whole history from 2024-06 (--history-starts) and is measured at its last month: its latest
# line starts on 2025-06-01, so June is the month in progress and the default as-of would be 2025-05 (--as-of).
MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 7)]
MRR = {
    "C1": {m: (2000 if m < "2025-01" else 2500) for m in MONTHS},  # 2024-06: 2000, now 2500 (ARR 30000)
    "C2": {"2025-06": 600},  # new this month: ARR 7200
    "C3": {m: 100 for m in MONTHS if m < "2025-01"},  # 100 in 2024-06, churned in 2025-01: ARR 0
    "C4": {m: 100 for m in MONTHS if m >= "2025-01"},  # ARR 1200, but 800 employees
    "C5": {m: (200 if m < "2025-01" else 300) for m in MONTHS},  # 2024-06: 200, now 300 (ARR 3600)
    # C6: never billed
    "C7": {m: 2000 for m in MONTHS if m >= "2025-03"},  # ARR exactly 24000
    "C9": {"2025-06": 1000},  # not in the CRM: ARR 12000
}


WHOLE = ("--history-starts", "2024-06", "--as-of", "2025-06")


def billing_rows(mrr: dict[str, dict[str, int]]) -> list[list[str]]:
    rows = [["invoice_id", "customer_id", "amount", "period_start", "period_end"]]
    days = {"02": 28, "04": 30, "06": 30, "09": 30, "11": 30}
    for customer, months in mrr.items():
        for month, amount in sorted(months.items()):
            end = f"{month}-{days.get(month[5:], 31)}"
            rows.append([f"INV-{customer}-{month}", customer, f"{amount:.2f}", f"{month}-01", end])
    return rows


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def assert_rule_error(result: Result, where: str) -> None:
    """Exit 3, nothing on stdout, the rule file and line named on stderr, no traceback."""
    assert result.exit_code == 3, f"exit {result.exit_code}: {result.stderr}"
    assert result.stdout == ""
    assert where in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert "internal error" not in result.stderr


@pytest.fixture
def company(tmp_path: Path) -> dict[str, Path]:
    return {
        "customers": write_csv(tmp_path / "customers.csv", CUSTOMERS),
        "billing": write_csv(tmp_path / "billing.csv", billing_rows(MRR)),
        "rules": _text(tmp_path / "segments.yaml", RULES),
    }


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def company_args(company: dict[str, Path]) -> tuple[object, ...]:
    """The company's CRM file, billing and rules, measured at 2025-06 over the whole history."""
    return (company["customers"], "--billing", company["billing"], "--rules", company["rules"], *WHOLE)


def segment_json(invoke: Invoke, *args: object) -> dict:
    return json.loads(ok(invoke("segment", *args, "-f", "json")).stdout)


# --- the primary table ------------------------------------------------------------------------------------------
def test_segment_per_customer_first_match_wins(invoke: Invoke, company: dict[str, Path]) -> None:
    out = ok(invoke("segment", *company_args(company)))
    rows = {r["customer_id"]: r for r in rows_of(out.stdout)}
    assert list(rows) == ["C1", "C2", "C3", "C4", "C5", "C6", "C7"]  # input order, no orphan rows
    expected = {
        "C1": ("Big", "high", "30000.00"),  # ARR 30000 >= 24000 (Mid would match too: first match wins)
        "C2": ("Mid", "mid", "7200.00"),  # 7200 >= 6000
        "C3": ("Small", "tech", "0.00"),  # churned: billed ARR 0 (its crm_arr 99999 is not used)
        "C4": ("Mid", "mid", "1200.00"),  # 800 employees >= 500
        "C5": ("Small", "tech", "3600.00"),
        "C6": ("Small", "tech", "0.00"),  # never billed
        "C7": ("Big", "high", "24000.00"),  # exactly 24000: >=
    }
    assert {k: (r["segment"], r["touch"], r["arr"]) for k, r in rows.items()} == expected
    assert rows["C1"]["mrr"] == "2500.00"
    assert rows["C1"]["accounts_per_csm"] == "2"
    assert rows["C4"]["accounts_per_csm"] == "3"
    assert rows["C5"]["accounts_per_csm"] == ""  # pooled


def test_added_columns_and_crm_renaming(invoke: Invoke, company: dict[str, Path]) -> None:
    result = ok(invoke("segment", *company_args(company)))
    header = next(csv.reader(io.StringIO(result.stdout)))
    # the input's columns (order aside), those that clash renamed, then csctl's own columns last
    assert sorted(header[:-5]) == sorted(
        ["customer_id", "name", "employees", "csm", "crm_segment", "crm_arr", "crm_touch"]
    )
    assert header[-5:] == ["mrr", "arr", "segment", "touch", "accounts_per_csm"]
    rows = {r["customer_id"]: r for r in rows_of(result.stdout)}
    assert rows["C3"]["crm_segment"] == "Enterprise"
    assert rows["C3"]["crm_touch"] == "x"
    assert float(rows["C3"]["crm_arr"]) == 99999
    doc = segment_json(invoke, *company_args(company))
    for name in ("segment", "arr", "touch"):
        assert any(f"crm_{name}" in note for note in doc["warnings"])  # said so


def test_summary_by_segment_hand_worked(invoke: Invoke, company: dict[str, Path]) -> None:
    doc = segment_json(invoke, *company_args(company))
    assert doc["as_of"] == "2025-06"
    summary = {r["segment"]: r for r in doc["tables"]["segments"]}
    assert list(summary) == ["Big", "Mid", "Small", "not in CRM"]
    # ARR: Big 30000 + 24000 = 54000; Mid 7200 + 1200 = 8400; Small 0 + 3600 + 0 = 3600; not in CRM 12000.
    # All ARR = 78000 (the billed customers missing from the CRM file count in the total).
    expected = {
        #             customers active  arr      arr_share         needed  assigned
        "Big": (2, 2, 54000.0, 54000 / 78000, 1, 2),  # ceil(2/2) = 1; Ann (C1) and Bob (C7)
        "Mid": (2, 2, 8400.0, 8400 / 78000, 1, 1),  # ceil(2/3) = 1; Ann (C2), C4 has no CSM
        "Small": (3, 1, 3600.0, 3600 / 78000, None, 1),  # pooled; only C5 (Dina) is active (C3, C6 have no MRR)
        "not in CRM": (1, 1, 12000.0, 12000 / 78000, None, None),
    }
    for name, (customers, active, arr, share, needed, assigned) in expected.items():
        row = summary[name]
        assert (row["customers"], row["active"], row["csms_needed"], row["csms_assigned"]) == (
            customers,
            active,
            needed,
            assigned,
        ), name
        assert row["arr"] == pytest.approx(arr, abs=0.005), name
        assert row["arr_share"] == pytest.approx(share, abs=1e-6), name
    assert summary["Big"]["touch"] == "high"
    assert summary["Small"]["accounts_per_csm"] is None
    # Small is pooled (no accounts per CSM) and has an active account: the CSMs it needs are not measured, so the
    # total and the gap are not either (not "2 needed, 4 assigned, overstaffed by 2")
    assert doc["metrics"]["csms_needed"] is None
    assert doc["metrics"]["csms_assigned"] == 4  # 2 + 1 + 1
    assert doc["metrics"]["csm_gap"] is None
    assert any("CSMs needed: not measured, Small" in w for w in doc["warnings"])


def test_summary_retention_by_segment_hand_worked(invoke: Invoke, company: dict[str, Path]) -> None:
    doc = segment_json(invoke, *company_args(company))
    summary = {r["segment"]: r for r in doc["tables"]["segments"]}
    # The cohort billed in 2024-06, grouped by the segment its ARR then gave:
    # Big: C1 (ARR 24000): 2000 -> 2500. GRR = min(2500, 2000)/2000 = 1; NRR = 2500/2000 = 1.25; no logo lost.
    big = summary["Big"]
    assert (big["base_customers"], big["grr_12m"], big["nrr_12m"], big["logo_churn_12m"]) == (1, 1.0, 1.25, 0.0)
    # Small: C3 (100 -> 0) and C5 (200 -> 300): GRR = (0 + 200)/300; NRR = (0 + 300)/300 = 1; logo churn 1/2.
    small = summary["Small"]
    assert small["base_customers"] == 2
    assert small["grr_12m"] == pytest.approx(2 / 3, abs=1e-6)
    assert small["nrr_12m"] == pytest.approx(1.0)
    assert small["logo_churn_12m"] == pytest.approx(0.5)
    # Mid: nobody billed in 2024-06 would have been Mid (C4 had no MRR then): no base, no rate.
    mid = summary["Mid"]
    assert mid["base_customers"] == 0
    assert mid["grr_12m"] is None and mid["nrr_12m"] is None


def test_billed_customers_missing_from_crm_are_reported(invoke: Invoke, company: dict[str, Path]) -> None:
    result = ok(invoke("segment", *company_args(company)))
    assert "C9" not in result.stdout  # the primary table is the CRM's customers
    doc = segment_json(invoke, *company_args(company))
    assert [r["customer_id"] for r in doc["tables"]["customers"]] == ["C1", "C2", "C3", "C4", "C5", "C6", "C7"]
    (note,) = [n for n in doc["warnings"] if "not in the customer file" in n]
    assert note.startswith("1 billed customers")
    assert "12,000" not in note and "1,000.00" in note  # its MRR
    assert "not in CRM" in note
    markdown = ok(invoke("segment", *company_args(company), "-f", "markdown")).stdout
    assert "not in the customer file" in markdown
    assert "not in CRM" in markdown


def test_default_as_of_is_the_last_complete_month(invoke: Invoke, company: dict[str, Path]) -> None:
    # Without --as-of: the latest line starts on 2025-06-01, not June's last day, so June is in progress and the
    # segments are measured at 2025-05. C2 and C9 are first billed in June: no ARR yet (C2 Small, C9 not reported);
    # C1 2500 → ARR 30000 (Big), C7 2000 → 24000 (Big), C4 100 → 1200 (Mid by its 800 employees), C5 300 → 3600.
    customers, billing, rules = company["customers"], company["billing"], company["rules"]
    doc = segment_json(invoke, customers, "--billing", billing, "--rules", rules, "--history-starts", "2024-06")
    assert doc["as_of"] == "2025-05"
    rows = {r["customer_id"]: r for r in doc["tables"]["customers"]}
    assert {k: (r["segment"], r["arr"]) for k, r in rows.items()} == {
        "C1": ("Big", 30000.0),
        "C2": ("Small", 0.0),
        "C3": ("Small", 0.0),
        "C4": ("Mid", 1200.0),
        "C5": ("Small", 3600.0),
        "C6": ("Small", 0.0),
        "C7": ("Big", 24000.0),
    }
    assert not [n for n in doc["warnings"] if "not in the customer file" in n]


def test_without_billing_when_rules_do_not_use_arr(invoke: Invoke, tmp_path: Path) -> None:
    customers = write_csv(
        tmp_path / "accounts.csv",
        [
            ["customer_id", "edition", "csm"],
            ["A1", "Enterprise", "Ann"],
            ["A2", "Enterprise", "Bob"],
            ["A3", "Professional", "Ann"],
            ["A4", "Enterprise", "Ann"],
            ["A5", "Starter", ""],
        ],
    )
    rules = _text(
        tmp_path / "by-edition.yaml",
        "segments:\n  - {name: Ent, when: \"edition = 'Enterprise'\", touch: high, accounts_per_csm: 2}\n"
        "  - {name: Pro, when: \"edition = 'Professional'\", touch: mid, accounts_per_csm: 5}\n"
        '  - {name: Rest, when: "true", touch: tech}\n',
    )
    out = ok(invoke("segment", customers, "--rules", rules, "-f", "csv")).stdout
    rows = rows_of(out)
    assert [r["segment"] for r in rows] == ["Ent", "Ent", "Pro", "Ent", "Rest"]
    assert "mrr" not in rows[0] and "arr" not in rows[0]  # no billing, no money columns
    doc = segment_json(invoke, customers, "--rules", rules)
    summary = {r["segment"]: r for r in doc["tables"]["segments"]}
    # Without billing every customer is active. Ent: 3 customers, ceil(3/2) = 2 needed, Ann + Bob assigned.
    assert (summary["Ent"]["customers"], summary["Ent"]["active"]) == (3, 3)
    assert (summary["Ent"]["csms_needed"], summary["Ent"]["csms_assigned"]) == (2, 2)
    # Pro: 1 customer, ceil(1/5) = 1 needed, Ann assigned. Rest: pooled, nobody assigned.
    assert (summary["Pro"]["csms_needed"], summary["Pro"]["csms_assigned"]) == (1, 1)
    assert (summary["Rest"]["csms_needed"], summary["Rest"]["csms_assigned"]) == (None, 0)
    assert "not in CRM" not in summary


def test_without_billing_when_rules_use_arr(invoke: Invoke, company: dict[str, Path], tmp_path: Path) -> None:
    plain = write_csv(tmp_path / "plain.csv", [row[:4] for row in CUSTOMERS])  # no arr column of its own
    result = invoke("segment", plain, "--rules", company["rules"])
    assert_rule_error(result, f"{company['rules']}:3")  # the when: of Big
    assert "'arr'" in result.stderr
    assert "--billing" in result.stderr
    assert "hint:" in result.stderr


def test_seed_example_segments_by_edition(invoke: Invoke, tmp_path: Path) -> None:
    customers = write_csv(
        tmp_path / "customers.csv",
        [
            ["customer_id", "name", "edition"],
            ["E1", "Ent One", "Enterprise"],
            ["P1", "Pro One", "Professional"],
            ["E2", "Ent Two", "Enterprise"],
            ["X1", "No Edition", ""],
        ],
    )
    billing = write_csv(
        tmp_path / "billing.csv",
        [
            ["customer_id", "amount", "period_start"],
            ["E1", "3000", "2025-05-01"],
            ["P1", "100", "2025-05-01"],
            ["E2", "2500", "2025-05-01"],
        ],
    )
    # one month of lines starting 2025-05-01: May is the month in progress, measured at its first day (--as-of),
    # and the export's first month holds new customers, not an opening balance (--history-starts)
    whole = ("--history-starts", "2025-05", "--as-of", "2025-05")
    out = ok(invoke("segment", customers, "--billing", billing, "--rules", SEED_RULES, *whole, "-f", "csv")).stdout
    rows = {r["customer_id"]: r for r in rows_of(out)}
    assert {k: (r["segment"], r["touch"]) for k, r in rows.items()} == {
        "E1": ("Enterprise Edition", "high"),
        "P1": ("Professional Edition", "tech"),
        "E2": ("Enterprise Edition", "high"),
        "X1": ("Professional Edition", "tech"),  # a null edition matches no rule but the catch-all
    }
    doc = segment_json(invoke, customers, "--billing", billing, "--rules", SEED_RULES, *whole)
    summary = {r["segment"]: r for r in doc["tables"]["segments"]}
    assert summary["Enterprise Edition"]["arr"] == pytest.approx(12 * 5500)
    assert summary["Enterprise Edition"]["csms_needed"] == 1  # ceil(2/25)
    assert summary["Professional Edition"]["active"] == 1  # X1 has no MRR


def test_rule_over_the_crm_segment_column(invoke: Invoke, tmp_path: Path) -> None:
    customers = write_csv(
        tmp_path / "crm.csv", [["customer_id", "segment"], ["A1", "Enterprise"], ["A2", "SMB"], ["A3", ""]]
    )
    rules = _text(
        tmp_path / "crm-rules.yaml",
        "segments:\n  - {name: Key, when: \"segment = 'Enterprise'\", touch: high}\n"
        '  - {name: Other, when: "true", touch: tech}\n',
    )
    rows = rows_of(ok(invoke("segment", customers, "--rules", rules, "-f", "csv")).stdout)
    assert [(r["crm_segment"], r["segment"]) for r in rows] == [("Enterprise", "Key"), ("SMB", "Other"), ("", "Other")]


# --- bad rules: exit 3 naming file:line -------------------------------------------------------------------------
BAD_SEGMENTS = {
    # name: (rules text, the line the error must name)
    "misspelt column": (
        "segments:\n  - name: Big\n    touch: high\n    when: \"editon = 'Enterprise'\"\n"
        "  - name: Rest\n    when: 'true'\n    touch: tech\n",
        4,
    ),
    "not valid SQL": (
        'segments:\n  - name: Big\n    when: "employees >= AND"\n    touch: high\n'
        "  - name: Rest\n    when: 'true'\n    touch: tech\n",
        3,
    ),
    "no catch-all": (
        'segments:\n  - name: Big\n    when: "employees >= 500"\n    touch: high\n'
        '  - name: Rest\n    touch: tech\n    when: "employees < 500"\n',
        7,
    ),
    "non-positive accounts per CSM": (
        'segments:\n  - name: Big\n    when: "employees >= 500"\n    touch: high\n    accounts_per_csm: -5\n'
        "  - name: Rest\n    when: 'true'\n    touch: tech\n",
        5,
    ),
    "unknown touch model": (
        'segments:\n  - name: Big\n    when: "employees >= 500"\n    touch: medium\n'
        "  - name: Rest\n    when: 'true'\n    touch: tech\n",
        4,
    ),
    "segment named twice": (
        'segments:\n  - name: Big\n    when: "employees >= 500"\n    touch: high\n'
        "  - name: Big\n    when: 'true'\n    touch: tech\n",
        5,
    ),
}


@pytest.mark.parametrize("case", list(BAD_SEGMENTS))
def test_bad_segment_rules(invoke: Invoke, company: dict[str, Path], tmp_path: Path, case: str) -> None:
    text, line = BAD_SEGMENTS[case]
    rules = _text(tmp_path / "bad-segments.yaml", text)
    result = invoke("segment", company["customers"], "--billing", company["billing"], "--rules", rules)
    assert_rule_error(result, f"bad-segments.yaml:{line}")
    assert str(rules) in result.stderr


def test_extra_columns_pass_through_untouched(invoke: Invoke, tmp_path: Path) -> None:
    customers = write_csv(tmp_path / "extra.csv", [["customer_id", "seats", "code"], ["C1", "10", "007"]])
    rules = _text(tmp_path / "one.yaml", 'segments:\n  - {name: All, when: "true", touch: tech}\n')
    rows = rows_of(ok(invoke("segment", customers, "--rules", rules, "-f", "csv")).stdout)
    assert (rows[0]["seats"], rows[0]["code"]) == ("10", "007")
