"""csctl asis (step 2): people, load per CSM and its imbalance, support, onboarding, NPS/CSAT, the as-is checklist,
the inventory YAML and its errors, --fail-on, the sample company, Markdown and Excel.

Every expected number is worked out by hand from the small tables written into tmp_path (the working is in the
comments); the imbalance figures are also checked against a plain-Python calculation.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from helpers import as_json, assert_plain_workbook, ok, write_csv, write_yaml
from typer.testing import Result

Invoke = Callable[..., Result]
Rows = Sequence[Sequence[object]]
AS_OF = "2025-06"  # --as-of 2025-06: the as-of day is 2025-06-30


# --- helpers ------------------------------------------------------------------------------------------------


def figures(doc: dict) -> dict[str, float | None]:
    """Every figure asis measured (the metrics plus the helper counts), from its figures table."""
    return {row["metric"]: row["value"] for row in doc["tables"]["figures"]}


def checklist(doc: dict) -> dict[str, tuple[str, str]]:
    return {row["item"]: (row["status"], row["evidence"]) for row in doc["tables"]["checklist"]}


def cv(values: list[float]) -> float:
    return statistics.pstdev(values) / statistics.fmean(values)


# --- the hand-made inputs ---------------------------------------------------------------------------------------
# The roster: Ann and Bob (CSM) and Cy ("Customer Success Manager", half time) are CSMs; Hal (Head of CS) is not.
TEAM = [
    ["name", "role", "fte", "loaded_cost", "expertise", "passion"],
    ["Ann", "CSM", "1", "90000", "onboarding; renewals", "4"],
    ["Bob", "CSM", "1", "95000", "Renewals", "3"],
    ["Cy", "Customer Success Manager", "0.5", "50000", "", "5"],
    ["Hal", "Head of CS", "1", "150000", "leadership;renewals", "4"],
]
# Accounts: Ann C1, C2, C3 (ARR 24000); Bob C4 (12000; C7 is churned: no MRR, left out); Zed (not on the roster)
# C5 (3000); C6 has no CSM; Cy has none. accounts_per_csm is the segment's target (csctl segment's column).
CUSTOMERS = [
    ["customer_id", "csm", "arr", "mrr", "touch", "health_band", "accounts_per_csm"],
    ["C1", "Ann", "12000", "1000", "high", "green", "2"],
    ["C2", "Ann", "6000", "500", "mid", "red", "3"],
    ["C3", "Ann", "6000", "500", "mid", "green", "3"],
    ["C4", "Bob", "12000", "1000", "high", "yellow", "2"],
    ["C5", "Zed", "3000", "250", "tech", "green", ""],
    ["C6", "", "2400", "200", "tech", "green", ""],
    ["C7", "Bob", "0", "0", "tech", "red", "2"],
]
# Tickets (as-of 2025-06-30). Hours to close: T1 2 (same day), T2 24, T3 12 (same day), T4 48; T5 is resolved
# before it was created (left out of the times, reported); T6 is open; T8 is after the as-of day (left out).
TICKETS = [
    ["ticket_id", "customer_id", "created_at", "resolved_at", "escalated"],
    ["T1", "C1", "2025-06-02 09:00:00", "2025-06-02 11:00:00", "false"],
    ["T2", "C1", "2025-06-03 10:00:00", "2025-06-04 10:00:00", "true"],
    ["T3", "C2", "2025-05-10 08:00:00", "2025-05-10 20:00:00", "false"],
    ["T4", "C4", "2025-04-01 09:00:00", "2025-04-03 09:00:00", "false"],
    ["T5", "C4", "2025-03-01 12:00:00", "2025-03-01 11:00:00", "false"],
    ["T6", "C5", "2025-06-20 09:00:00", "", "true"],
    ["T8", "C2", "2025-07-05 09:00:00", "2025-07-05 10:00:00", "true"],
]
# Surveys: the 12 months to 2025-06-30 are 2024-07-01 .. 2025-06-30.
# NPS in the window: 10, 9, 9, 10, 9 (5 promoters), 8, 7 (passives), 6, 0, 3 (3 detractors): 10 answers,
# NPS = (5 - 3) / 10 × 100 = 20. Outside: 2024-06-30 (a day too old) and 2025-07-01 (after as-of), both 0.
# CSAT in the window: 5, 4, 3, 4 -> mean 4.0 from 4 answers; the 2024-01-01 answer (1) is too old.
SURVEYS = [
    ["customer_id", "date", "type", "score"],
    ["C1", "2024-07-01", "NPS", "10"],
    ["C1", "2024-09-01", "nps", "9"],
    ["C2", "2024-10-01", "nps", "9"],
    ["C3", "2024-11-01", "nps", "10"],
    ["C4", "2024-12-01", "nps", "9"],
    ["C5", "2025-01-01", "nps", "8"],
    ["C6", "2025-02-01", "nps", "7"],
    ["C1", "2025-03-01", "nps", "6"],
    ["C2", "2025-04-01", "nps", "0"],
    ["C3", "2025-06-30", "nps", "3"],
    ["C4", "2024-06-30", "nps", "0"],
    ["C5", "2025-07-01", "nps", "0"],
    ["C1", "2025-05-01", "CSAT", "5"],
    ["C2", "2025-05-02", "csat", "4"],
    ["C3", "2025-05-03", "csat", "3"],
    ["C4", "2025-05-04", "csat", "4"],
    ["C5", "2024-01-01", "csat", "1"],
]
# Onboarding (kickoff -> active; stall_days 90; as-of 2025-06-30):
#   M1 2025-01-01 -> 2025-01-31: 30 days, live      M2 2025-02-01 -> 2025-03-13: 28 + 12 = 40 days, live
#   M3 2025-03-01 -> 2025-05-20: 31 + 30 + 19 = 80 days, live
#   M4 kickoff 2025-01-15, "Onboarding failed" 2025-03-01: failed
#   M5 kickoff 2025-02-01, not live: 149 days ago > 90: stalled
#   M6 kickoff 2025-05-01, not live: 60 days ago: in progress
#   M7 has no kickoff: not an onboarding
# 6 onboardings; median days to live of 30, 40, 80 = 40; failed 1/6; stalled 1/6.
MILESTONES = [
    ["customer_id", "milestone", "date"],
    ["M1", "kickoff", "2025-01-01"],
    ["M1", "active", "2025-01-31"],
    ["M2", "Kickoff", "2025-02-01"],
    ["M2", "Active", "2025-03-13"],
    ["M3", "kickoff", "2025-03-01"],
    ["M3", "active", "2025-05-20"],
    ["M4", "kickoff", "2025-01-15"],
    ["M4", "Onboarding failed", "2025-03-01"],
    ["M5", "kickoff", "2025-02-01"],
    ["M6", "kickoff", "2025-05-01"],
    ["M7", "active", "2024-01-01"],
]
INVENTORY = """
company: Acme
processes:
  - name: Renewal play
    area: renewals
    with: Sales
    rating: good
  - name: Onboarding kickoff
    area: onboarding
    rating: bad
  - name: '=HYPERLINK("http://example.com")'
    area: adoption
    rating: gap
  - name: QBRs
    area: reviews
    rating: gap
metrics:
  - name: NPS
    kind: external
  - name: Time to close
    kind: process
tools:
  - name: Zendesk
    purpose: support
    captures: [tickets, csat]
    annual_cost: 12000
answers:
  business reviews: QBRs for the top 20 accounts, twice a year
  onboarding: about six weeks, by hearsay
  support: answered here too, but the tickets say more
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "team": write_csv(tmp_path / "team.csv", TEAM),
        "customers": write_csv(tmp_path / "customers.csv", CUSTOMERS),
        "tickets": write_csv(tmp_path / "tickets.csv", TICKETS),
        "surveys": write_csv(tmp_path / "surveys.csv", SURVEYS),
        "milestones": write_csv(tmp_path / "milestones.csv", MILESTONES),
        "inventory": write_yaml(tmp_path / "asis.yaml", INVENTORY),
    }


def asis(invoke: Invoke, files: dict[str, Path], *names: str, args: Sequence[object] = ()) -> Result:
    options: list[object] = []
    for name in names:
        options += [f"--{name}", files[name]]
    return invoke("asis", *options, "--as-of", AS_OF, *args)


def asis_json(invoke: Invoke, files: dict[str, Path], *names: str) -> dict:
    return as_json(asis(invoke, files, *names, args=("-f", "json")))


# --- people, load per CSM and its imbalance ---------------------------------------------------------------------
def test_people_by_role_and_expertise(invoke: Invoke, files: dict[str, Path]) -> None:
    doc = asis_json(invoke, files, "team")
    assert doc["metrics"]["headcount"] == 4
    roles = {r["role"]: (r["people"], r["fte"], r["avg_passion"]) for r in doc["tables"]["people"]}
    assert roles == {
        "CSM": (2, 2.0, 3.5),  # Ann and Bob: passion (4 + 3) / 2
        "Customer Success Manager": (1, 0.5, 5.0),
        "Head of CS": (1, 1.0, 4.0),
    }
    # expertise split on ';', trimmed and lower-cased: renewals (Ann, Bob, Hal) 3/4; onboarding, leadership 1/4
    skills = {r["expertise"]: (r["people"], r["share"]) for r in doc["tables"]["expertise"]}
    assert skills == {"renewals": (3, 0.75), "onboarding": (1, 0.25), "leadership": (1, 0.25)}
    assert checklist(doc)["organisation"] == ("answered by data", "4 people in 3 roles")


def test_load_per_csm_with_roster(invoke: Invoke, files: dict[str, Path]) -> None:
    doc = asis_json(invoke, files, "team", "customers")
    load = {r["csm"]: r for r in doc["tables"]["csm_load"]}
    assert list(load) == ["Ann", "Bob", "Cy", "Zed"]
    assert {k: (r["accounts"], r["arr"], r["on_roster"]) for k, r in load.items()} == {
        "Ann": (3, 24000.0, True),
        "Bob": (1, 12000.0, True),  # C7 has no MRR: not part of the load
        "Cy": (0, 0.0, True),  # on the roster, no accounts
        "Zed": (1, 3000.0, False),  # has an account, not on the roster
    }
    # capacity used = Σ 1 / the segment's target: Ann 1/2 + 1/3 + 1/3 = 1.167 (overloaded); Bob 1/2; Zed's C5 is
    # pooled (tech touch, no target) and no pooled capacity is given: not measured, never 0%
    assert {k: (r["capacity_used"], r["overloaded"]) for k, r in load.items()} == {
        "Ann": (1.167, True),
        "Bob": (0.5, False),
        "Cy": (0.0, False),
        "Zed": (None, None),
    }
    metrics = doc["metrics"]
    # accounts 3, 1, 0, 1: mean 1.25; variance (1.75² + 0.25² + 1.25² + 0.25²) / 4 = 4.75 / 4; CV 1.0897 / 1.25
    assert metrics["accounts_cv"] == pytest.approx(cv([3, 1, 0, 1]), rel=1e-9)
    assert metrics["accounts_cv"] == pytest.approx((4.75 / 4) ** 0.5 / 1.25, rel=1e-9)
    # ARR 24000, 12000, 0, 3000: mean 9750; variance 348750000 / 4
    assert metrics["arr_cv"] == pytest.approx(cv([24000, 12000, 0, 3000]), rel=1e-9)
    assert metrics["arr_cv"] == pytest.approx((348_750_000 / 4) ** 0.5 / 9750, rel=1e-9)
    # a CSM with no accounts: max / min is undefined (null), not infinity
    assert metrics["accounts_max_min"] is None
    assert metrics["arr_max_min"] is None
    assert metrics["overloaded_csms"] is None  # Zed's load is not measured, so neither is the count
    assert any("pooled_accounts_per_csm" in w for w in doc["warnings"])


def test_pooled_accounts_count_at_the_teams_pooled_capacity(
    invoke: Invoke, files: dict[str, Path], tmp_path: Path
) -> None:
    config = tmp_path / "pooled.yaml"
    config.write_text("valuation:\n  pooled_accounts_per_csm: 250\n", encoding="utf-8")
    result = asis(
        invoke, files, "team", "customers", args=("-c", config, "-f", "json", "--fail-on", "overloaded_csms>0")
    )
    assert result.exit_code == 1, result.stderr  # Ann is over capacity
    doc = json.loads(result.stdout)
    load = {r["csm"]: (r["accounts"], r["capacity_used"], r["overloaded"]) for r in doc["tables"]["csm_load"]}
    # Zed's one tech-touch account at 250 accounts per CSM: 1/250 = 0.004; churned C7 (Bob, no MRR) counts nowhere
    assert load["Zed"] == (1, 0.004, False)
    assert load["Bob"] == (1, 0.5, False)
    assert doc["metrics"]["overloaded_csms"] == 1


def test_load_without_roster(invoke: Invoke, files: dict[str, Path]) -> None:
    doc = asis_json(invoke, files, "customers")
    load = {r["csm"]: (r["accounts"], r["arr"]) for r in doc["tables"]["csm_load"]}
    assert load == {"Ann": (3, 24000.0), "Bob": (1, 12000.0), "Zed": (1, 3000.0)}
    metrics = doc["metrics"]
    assert metrics["accounts_cv"] == pytest.approx(cv([3, 1, 1]), rel=1e-9)  # 0.9428 / 1.6667 = 0.5657
    assert metrics["accounts_max_min"] == pytest.approx(3.0)  # 3 / 1
    assert metrics["arr_cv"] == pytest.approx(cv([24000, 12000, 3000]), rel=1e-9)
    assert metrics["arr_max_min"] == pytest.approx(8.0)  # 24000 / 3000
    assert "headcount" not in doc["metrics"]


def test_problems_are_reported_not_hidden(invoke: Invoke, files: dict[str, Path]) -> None:
    doc = asis_json(invoke, files, "team", "customers", "tickets")
    warnings = "\n".join(doc["warnings"])
    assert "CSM 'Zed' has 1 accounts but is not on the team roster" in warnings
    assert "on the roster with no accounts: Cy" in warnings
    assert "1 active customers have no CSM" in warnings  # C6
    assert "1 customers without MRR" in warnings  # C7
    assert "1 tickets resolved before they were created" in warnings
    assert "customer C4" in warnings
    # CSV carries only the checklist on stdout: the same problems go to stderr
    result = ok(asis(invoke, files, "team", "customers", "tickets", args=("-f", "csv")))
    header = next(csv.reader(io.StringIO(result.stdout)))
    assert header == ["item", "status", "evidence"]
    for text in ("'Zed'", "no accounts: Cy", "resolved before they were created"):
        assert text in result.stderr, text
        assert text not in result.stdout
    # Markdown carries them in the document
    markdown = ok(asis(invoke, files, "team", "customers", "tickets", args=("-f", "markdown"))).stdout
    for text in ("'Zed'", "no accounts: Cy", "resolved before they were created"):
        assert text in markdown, text


# --- support -------------------------------------------------------------------------------------------------------
def test_support_metrics_hand_worked(invoke: Invoke, files: dict[str, Path]) -> None:
    doc = asis_json(invoke, files, "customers", "tickets")
    metrics = doc["metrics"]
    # hours to close of T1..T4: 2, 12, 24, 48 (T5 backwards, T6 open, T8 after as-of)
    assert metrics["median_hours_to_close"] == pytest.approx(18.0)  # (12 + 24) / 2
    assert metrics["p90_hours_to_close"] == pytest.approx(40.8)  # linear: rank 0.9 × 3 = 2.7 -> 24 + 0.7 × 24
    assert metrics["same_day_share"] == pytest.approx(0.5)  # T1, T3 of 4
    assert metrics["escalation_rate"] == pytest.approx(2 / 6)  # T2, T6 of T1..T6
    # T1..T6 in the last 12 months, 6 active accounts (C7 has no MRR); the export covers 2025-03-01 .. 2025-06-30,
    # 122 days = 122 / 30.4375 months: 6 / 6 / (122 / 30.4375)
    assert metrics["tickets_per_account_month"] == pytest.approx(30.4375 / 122, rel=1e-9)
    assert figures(doc)["tickets"] == 6
    status, evidence = checklist(doc)["support"]
    assert status == "answered by data"
    assert evidence == "median 18.0 h to close, p90 40.8 h, same day 50.0%, escalated 33.3%"


def test_support_without_as_of_and_customers(invoke: Invoke, files: dict[str, Path]) -> None:
    """No --as-of: the as-of day is the latest ticket (2025-07-05); no customers: accounts are the ticket's."""
    doc = as_json(invoke("asis", "--tickets", files["tickets"], "-f", "json"))
    assert doc["as_of"] == "2025-07-05"
    metrics = doc["metrics"]
    # T8 now counts: hours 1, 2, 12, 24, 48 -> median 12; p90 rank 3.6 -> 24 + 0.6 × 24 = 38.4; same day T1, T3, T8
    assert metrics["median_hours_to_close"] == pytest.approx(12.0)
    assert metrics["p90_hours_to_close"] == pytest.approx(38.4)
    assert metrics["same_day_share"] == pytest.approx(3 / 5)
    assert metrics["escalation_rate"] == pytest.approx(3 / 7)  # T2, T6, T8
    # 7 tickets / 4 accounts with tickets (C1, C2, C4, C5) / (2025-03-01 .. 2025-07-05: 127 days / 30.4375)
    assert metrics["tickets_per_account_month"] == pytest.approx(7 / 4 / (127 / 30.4375), rel=1e-9)


def test_tickets_per_account_month_when_the_export_covers_more_than_a_year(
    invoke: Invoke, files: dict[str, Path], tmp_path: Path
) -> None:
    # T0 (2024-05-01) puts the export's start 14 months before as-of; the last 12 months hold T1..T6 only.
    old = write_csv(
        tmp_path / "tickets-long.csv",
        [*TICKETS, ["T0", "C1", "2024-05-01 09:00:00", "2024-05-01 10:00:00", "false"]],
    )
    doc = as_json(invoke("asis", "--customers", files["customers"], "--tickets", old, "--as-of", AS_OF, "-f", "json"))
    assert doc["metrics"]["tickets_per_account_month"] == pytest.approx(6 / 6 / 12)  # got 6 / 6 / 4.008 = 0.2495


# --- onboarding ----------------------------------------------------------------------------------------------------
def test_onboarding_hand_worked(invoke: Invoke, files: dict[str, Path]) -> None:
    doc = asis_json(invoke, files, "milestones")
    metrics = doc["metrics"]
    assert metrics["median_days_to_live"] == pytest.approx(40.0)
    assert metrics["failed_share"] == pytest.approx(1 / 6)
    assert metrics["stalled_share"] == pytest.approx(1 / 6)
    assert figures(doc)["onboardings"] == 6
    counts = {r["status"]: r["customers"] for r in doc["tables"]["onboarding"]}
    assert counts == {"live": 3, "failed": 1, "stalled": 1, "in progress": 1}
    status, evidence = checklist(doc)["onboarding"]
    assert status == "answered by data"
    assert evidence == "median 40.0 days to go live; failed 16.7%, stalled 16.7%"
    assert checklist(doc)["customer journey"][0] == "answered by data"


def test_onboarding_rules_from_config(invoke: Invoke, files: dict[str, Path], tmp_path: Path) -> None:
    config = write_yaml(
        tmp_path / "csctl.yaml",
        """
        onboarding:
          start_milestone: Kickoff
          live_milestone: ACTIVE
          stall_days: 150
        """,
    )
    doc = as_json(invoke("asis", "--milestones", files["milestones"], "--as-of", AS_OF, "-c", config, "-f", "json"))
    # milestone names match whatever their case; M5 started 149 days ago: not stalled with stall_days 150
    counts = {r["status"]: r["customers"] for r in doc["tables"]["onboarding"]}
    assert counts == {"live": 3, "failed": 1, "in progress": 2}
    assert doc["metrics"]["stalled_share"] == 0
    assert doc["metrics"]["median_days_to_live"] == pytest.approx(40.0)


def test_onboarding_ignores_milestones_after_as_of(invoke: Invoke, tmp_path: Path) -> None:
    milestones = write_csv(
        tmp_path / "later.csv",
        [
            ["customer_id", "milestone", "date"],
            ["N1", "kickoff", "2025-05-01"],
            ["N1", "active", "2025-07-10"],  # live only after the as-of day
            ["N2", "kickoff", "2025-07-02"],  # kicked off after the as-of day
        ],
    )
    doc = as_json(invoke("asis", "--milestones", milestones, "--as-of", AS_OF, "-f", "json"))
    # as of 2025-06-30 N1 is in progress (60 days since kickoff) and N2 has not started
    counts = {r["status"]: r["customers"] for r in doc["tables"]["onboarding"]}
    assert counts == {"in progress": 1}  # got {'in progress': 1 (N2), 'live': 1 (N1, 70 days)}
    assert doc["metrics"]["median_days_to_live"] is None


# --- surveys -------------------------------------------------------------------------------------------------------
def test_nps_and_csat_hand_worked(invoke: Invoke, files: dict[str, Path]) -> None:
    doc = asis_json(invoke, files, "surveys")
    metrics = doc["metrics"]
    assert metrics["nps"] == pytest.approx(20.0)
    assert metrics["nps_responses"] == 10
    assert metrics["csat"] == pytest.approx(4.0)
    assert metrics["csat_responses"] == 4
    assert figures(doc)["csat_satisfied_share"] == pytest.approx(3 / 4)  # 5, 4, 4 of 5, 4, 3, 4
    assert checklist(doc)["advocacy"] == ("answered by data", "NPS 20.0 from 10 responses (12 months)")


def test_surveys_without_answers_of_a_kind(invoke: Invoke, tmp_path: Path) -> None:
    # no type column: every answer is NPS; 9 and 10 promoters, 0 a detractor: (2 - 1) / 3 × 100 = 33.33
    surveys = write_csv(
        tmp_path / "nps.csv",
        [["customer_id", "date", "score"], ["A", "2025-06-01", 9], ["B", "2025-06-02", 10], ["C", "2025-06-03", 0]],
    )
    doc = as_json(invoke("asis", "--surveys", surveys, "-f", "json"))
    assert doc["metrics"]["nps"] == pytest.approx(100 / 3)
    assert doc["metrics"]["csat"] is None  # no CSAT answers: undefined, not a crash
    assert doc["metrics"]["csat_responses"] == 0


# --- the checklist -------------------------------------------------------------------------------------------------
DATA_ITEMS = {
    # input -> the checklist items its data answers
    "team": {"organisation"},
    "customers": {"touch model", "customer health"},  # from its touch and health_band columns
    "tickets": {"support"},
    "surveys": {"advocacy"},
    "milestones": {"onboarding", "customer journey"},
}


@pytest.mark.parametrize("name", list(DATA_ITEMS))
def test_checklist_answers_by_data_only_from_the_input_given(invoke: Invoke, files: dict[str, Path], name: str) -> None:
    items = checklist(asis_json(invoke, files, name))
    assert len(items) == 12
    answered = {item for item, (status, _) in items.items() if status == "answered by data"}
    assert answered == DATA_ITEMS[name]
    for item, (status, evidence) in items.items():
        if item not in answered:
            assert status == "open question", item
            assert "?" in evidence, item  # the question for the client


def test_checklist_customers_without_touch_or_health_columns(invoke: Invoke, tmp_path: Path) -> None:
    plain = write_csv(tmp_path / "plain.csv", [["customer_id", "csm"], ["C1", "Ann"], ["C2", "Bob"]])
    items = checklist(as_json(invoke("asis", "--customers", plain, "-f", "json")))
    assert items["touch model"][0] == "open question"
    assert items["customer health"][0] == "open question"


def test_checklist_with_inventory_answers(invoke: Invoke, files: dict[str, Path]) -> None:
    doc = asis_json(invoke, files, "inventory", "tickets")
    items = checklist(doc)
    # an inventory answer for an item no input answers: 'answered', the answer as evidence
    assert items["business reviews"] == ("answered", "QBRs for the top 20 accounts, twice a year")
    assert items["onboarding"] == ("answered", "about six weeks, by hearsay")  # no milestones given
    # data wins over an inventory answer
    assert items["support"][0] == "answered by data"
    assert items["support"][1].startswith("median 18.0 h to close")
    # the tools listed in the inventory answer 'software tools'
    assert items["software tools"][0] in ("answered", "answered by data")
    assert "Zendesk" in items["software tools"][1]
    open_items = {item for item, (status, _) in items.items() if status == "open question"}
    assert open_items == {
        "organisation",
        "customer journey",
        "expectations vs promises",
        "touch model",
        "advocacy",
        "customer health",
        "churn rate and CRC",
        "gross vs revenue retention",
    }
    assert "checklist: 4 answered, 8 open questions for the client" in doc["notes"]


def test_inventory_processes_metrics_tools(invoke: Invoke, files: dict[str, Path]) -> None:
    doc = as_json(invoke("asis", "--inventory", files["inventory"], "-f", "json"))
    assert doc["title"].startswith("What is in place at Acme")
    assert doc["metrics"] == {"processes_good": 1, "processes_bad": 1, "processes_gap": 2}
    processes = doc["tables"]["processes"]
    # gaps first, then bad, then good; by area then name within a rating
    assert [(p["rating"], p["name"]) for p in processes] == [
        ("gap", '=HYPERLINK("http://example.com")'),
        ("gap", "QBRs"),
        ("bad", "Onboarding kickoff"),
        ("good", "Renewal play"),
    ]
    assert {p["name"]: p["with"] for p in processes}["Renewal play"] == "Sales"
    assert {p["name"]: p["with"] for p in processes}["QBRs"] == "CS"  # the default
    assert [(m["kind"], m["name"]) for m in doc["tables"]["metrics_in_place"]] == [
        ("external", "NPS"),
        ("process", "Time to close"),
    ]
    (tool,) = doc["tables"]["tools"]
    assert (tool["name"], tool["captures"], tool["annual_cost"]) == ("Zendesk", "tickets, csat", 12000)
    assert "processes: 1 good, 1 bad, 2 gaps" in doc["notes"]


# --- bad input -------------------------------------------------------------------------------------------------------
BAD_INVENTORIES = {
    # case: (YAML text, the line the error names, a text the error contains)
    "unknown key": ("processes:\n  - name: X\n    area: support\n    rating: good\n    colour: red\n", 5, "colour"),
    "bad rating": ("company: A\nprocesses:\n  - name: X\n    area: support\n    rating: ok\n", 5, "rating"),
    "unknown checklist item": ("answers:\n  support: fast\n  roadmap: none\n", 3, "roadmap"),
    "bad metric kind": ("metrics:\n  - name: NPS\n    kind: outside\n", 3, "kind"),
    "negative tool cost": ("tools:\n  - name: CRM\n    annual_cost: -5\n", 3, "annual_cost"),
    "unknown top-level key": ("company: A\nplays: []\n", 2, "plays"),
    "invalid YAML": ("processes:\n  - name: [unclosed\n", 3, "invalid YAML"),
}


@pytest.mark.parametrize("case", list(BAD_INVENTORIES))
def test_bad_inventory_exits_3_naming_file_and_line(invoke: Invoke, tmp_path: Path, case: str) -> None:
    text, line, needle = BAD_INVENTORIES[case]
    path = tmp_path / "bad-asis.yaml"
    path.write_text(text, encoding="utf-8")
    result = invoke("asis", "--inventory", path)
    assert result.exit_code == 3, f"exit {result.exit_code}: {result.stderr}"
    assert result.stdout == ""
    assert f"{path}:{line}" in result.stderr, result.stderr
    assert needle in result.stderr
    assert "Traceback" not in result.output


def test_missing_inventory_file_exits_3(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("asis", "--inventory", tmp_path / "nowhere.yaml")
    assert result.exit_code == 3
    assert "nowhere.yaml" in result.stderr


def test_unknown_key_hint_names_the_yaml_keys(invoke: Invoke, tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "alias.yaml", "processes:\n  - name: X\n    area: support\n    with_team: Sales\n")
    result = invoke("asis", "--inventory", path, "-f", "json")
    assert result.exit_code == 3
    assert "with_team" not in result.stderr.split("Allowed:")[-1]  # got: "Allowed: area, …, rating, with_team"
    assert "with" in result.stderr.split("Allowed:")[-1]


def test_no_input_at_all_exits_2(invoke: Invoke) -> None:
    result = invoke("asis")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--inventory" in result.stderr


# --- --fail-on ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ("accounts_cv>0.5", 1),  # 0.8718
        ("accounts_cv>0.9", 0),
        ("arr_cv>=0.95", 1),  # 0.9577
        ("overloaded_csms>0", 0),  # undefined: Zed's pooled account has no capacity figure (warned, not a breach)
        ("same_day_share<50%", 0),  # exactly 0.5
        ("same_day_share<0.6", 1),
        ("median_hours_to_close>24", 0),  # 18
        ("nps<25", 1),  # 20
        ("accounts_max_min>2", 0),  # undefined (Cy has no accounts): warned about, not a breach
    ],
)
def test_fail_on(invoke: Invoke, files: dict[str, Path], condition: str, code: int) -> None:
    result = asis(invoke, files, "team", "customers", "tickets", "surveys", args=("--fail-on", condition, "-f", "csv"))
    assert result.exit_code == code, result.stderr
    assert result.stdout.startswith("item,status,evidence")
    if code == 1:
        assert "threshold breached" in result.stderr
    if condition.startswith("accounts_max_min"):
        assert "undefined" in result.stderr


def test_fail_on_metric_of_another_command(invoke: Invoke, files: dict[str, Path]) -> None:
    result = asis(invoke, files, "customers", args=("--fail-on", "crc_12m>0.15"))
    assert result.exit_code == 2
    assert "csctl valuation" in result.stderr


# --- Markdown and Excel -----------------------------------------------------------------------------------------------
ALL = ("inventory", "team", "customers", "tickets", "surveys", "milestones")
SHEETS = ["checklist", "processes", "metrics_in_place", "tools", "people", "expertise", "csm_load", "onboarding"]


def test_markdown_and_xlsx(invoke: Invoke, files: dict[str, Path], tmp_path: Path) -> None:
    md = tmp_path / "asis.md"
    result = ok(asis(invoke, files, *ALL, args=("-o", md)))
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# What is in place at Acme, 2025-06-30")
    for heading in ("## The as-is checklist", "## Processes and plays", "## Load per CSM", "## Onboarding status"):
        assert heading in text, heading
    assert "| support | answered by data |" in text
    assert "| expectations vs promises | open question |" in text
    xlsx = tmp_path / "asis.xlsx"
    result = ok(asis(invoke, files, *ALL, args=("-o", xlsx)))
    assert "not on the team roster" in result.stderr  # Excel does not carry the warnings: stderr does
    book = assert_plain_workbook(xlsx, [*SHEETS, "figures"])
    sheet = book["processes"]
    # a process name that looks like a formula is a string cell
    assert sheet["A2"].value == '=HYPERLINK("http://example.com")'
    assert sheet["A2"].data_type == "s"
    header = [cell.value for cell in book["csm_load"][1]]
    rows = {row[0]: row for row in book["csm_load"].iter_rows(min_row=2, values_only=True)}
    assert rows["Ann"][header.index("accounts")] == 3
    assert rows["Cy"][header.index("accounts")] == 0


# --- the sample company -----------------------------------------------------------------------------------------------
def test_sample_company(invoke: Invoke, sample_dir: Path, tmp_path: Path) -> None:
    """The exports every sample has: customers (with a csm column), tickets, surveys."""
    args = ["--customers", sample_dir / "customers.csv", "--tickets", sample_dir / "tickets.csv"]
    args += ["--surveys", sample_dir / "surveys.csv"]
    doc = as_json(invoke("asis", *args, "-f", "json"))
    metrics = doc["metrics"]
    for name in ("accounts_cv", "median_hours_to_close", "p90_hours_to_close", "same_day_share", "nps", "csat"):
        assert metrics[name] is not None, name
    assert 0 <= metrics["same_day_share"] <= 1
    assert 0 <= metrics["escalation_rate"] <= 1
    assert -100 <= metrics["nps"] <= 100
    assert metrics["median_hours_to_close"] <= metrics["p90_hours_to_close"]
    # the imbalance against plain Python, from the load table itself
    accounts = [float(r["accounts"]) for r in doc["tables"]["csm_load"]]
    assert metrics["accounts_cv"] == pytest.approx(cv(accounts), rel=1e-9)
    assert metrics["accounts_max_min"] == pytest.approx(max(accounts) / min(accounts), rel=1e-9)
    items = checklist(doc)
    assert items["support"][0] == items["advocacy"][0] == "answered by data"
    md, xlsx = tmp_path / "sample.md", tmp_path / "sample.xlsx"
    ok(invoke("asis", *args, "-o", md))
    assert "## The as-is checklist" in md.read_text(encoding="utf-8")
    ok(invoke("asis", *args, "-o", xlsx))
    assert_plain_workbook(xlsx, ["checklist", "csm_load", "figures"])


def test_sample_company_with_team_milestones_and_inventory(invoke: Invoke, sample_dir: Path, tmp_path: Path) -> None:
    missing = [n for n in ("team.csv", "milestones.csv", "asis.yaml") if not (sample_dir / n).is_file()]
    if missing:
        pytest.skip(f"csctl sample does not write {', '.join(missing)} yet (the sample's team, milestones, inventory)")
    args: list[object] = ["--inventory", sample_dir / "asis.yaml"]
    for name in ("team", "customers", "tickets", "surveys", "milestones"):
        args += [f"--{name}", sample_dir / f"{name}.csv"]
    doc = as_json(invoke("asis", *args, "-f", "json"))
    metrics = doc["metrics"]
    assert metrics["headcount"] > 0
    assert metrics["processes_good"] + metrics["processes_bad"] + metrics["processes_gap"] > 0
    assert metrics["median_days_to_live"] is not None and metrics["median_days_to_live"] > 0
    for name in ("failed_share", "stalled_share"):
        assert 0 <= metrics[name] <= 1, name
    items = checklist(doc)
    for item in ("organisation", "onboarding", "customer journey", "support", "advocacy"):
        assert items[item][0] == "answered by data", item
    assert any(status == "answered" for status, _ in items.values())  # from the inventory's answers
    md, xlsx = tmp_path / "full.md", tmp_path / "full.xlsx"
    ok(invoke("asis", *args, "-o", md))
    assert "## Processes and plays" in md.read_text(encoding="utf-8")
    ok(invoke("asis", *args, "-o", xlsx))
    assert_plain_workbook(xlsx, SHEETS)
