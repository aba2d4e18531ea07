"""csctl value-path (step 7): where each customer stands on the value path, whether it is behind (and by how many
weeks), its time to value and its next step; notes for milestone names not on the path and for customers without a
kickoff; the deadline boundary; bad value-path YAML (exit 3 naming file:line).

The rules (csctl/core/value_path.py): per customer, only milestones on or after its latest kickoff and on or before
the as-of day count; reached = the furthest milestone on the path (the path's order, not the dates'); weeks in =
(as-of − kickoff) / 7; behind = weeks in > the next milestone's by_week (else week) + grace_weeks, unless failed;
weeks behind = weeks in − that deadline; time to value = days from the kickoff to the value milestone.

Every expected value is worked out by hand in the comments. ``--as-of 2025-06`` makes the as-of day 2025-06-30.
The default path (configs/value_path.yaml): kickoff wk 0, technical setup wk 1, oriented wk 2, active wk 4,
progress wk 6, initial value wk 8 (the value milestone), full speed wk 10, achievement wk 12 (by wk 52), renewal
wk 52; grace 1 week.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from helpers import as_json, ok, write_csv, write_yaml
from typer.testing import Result

Invoke = Callable[..., Result]

AS_OF = "2025-06"  # → 2025-06-30
HEADER = ["customer_id", "milestone", "date"]

# (customer, milestone, date) — days are counted back from 2025-06-30.
MILESTONES: list[Sequence[object]] = [
    HEADER,
    # ONTRACK: kickoff 2025-05-19 = 42 days = 6.0 weeks in; reached active (wk 4); next progress (wk 6), deadline
    # 6 + 1 grace = 7 weeks: 6.0 ≤ 7, on track. Next due 2025-05-19 + 6 × 7 days = 2025-06-30. " oriented " is
    # trimmed and counts; progress on 2025-07-02 is after the as-of day and does not count.
    ["ONTRACK", "kickoff", "2025-05-19"],
    ["ONTRACK", "Kick-off call", "2025-05-19"],  # not on the path: counted in a note
    ["ONTRACK", "technical setup", "2025-05-23"],
    ["ONTRACK", " oriented ", "2025-05-30"],
    ["ONTRACK", "active", "2025-06-10"],
    ["ONTRACK", "progress", "2025-07-02"],
    # BEHIND: kickoff 2025-04-05 = 86 days = 12.2857 weeks in; reached oriented (wk 2); next active (wk 4),
    # deadline 5 weeks: behind by 12.2857 − 5 = 7.2857 → 7.3 weeks. Next due 2025-04-05 + 28 days = 2025-05-03.
    ["BEHIND", "kickoff", "2025-04-05"],
    ["BEHIND", "technical setup", "2025-04-08"],
    ["BEHIND", "oriented", "2025-04-14"],
    ["BEHIND", "QBR", "2025-05-20"],  # not on the path
    # FAILED: kickoff 2025-03-01 (121 days = 17.3 weeks in), technical setup, then onboarding failed: failed, never
    # behind (though past the deadline of oriented), the rescue step next.
    ["FAILED", "kickoff", "2025-03-01"],
    ["FAILED", "technical setup", "2025-03-05"],
    ["FAILED", "onboarding failed", "2025-04-20"],
    # COMPLETE: kickoff 2024-05-01 (425 days = 60.7 weeks in), every milestone to renewal; initial value on
    # 2024-06-20 = 50 days after the kickoff.
    ["COMPLETE", "kickoff", "2024-05-01"],
    ["COMPLETE", "technical setup", "2024-05-06"],
    ["COMPLETE", "oriented", "2024-05-14"],
    ["COMPLETE", "active", "2024-05-28"],
    ["COMPLETE", "progress", "2024-06-10"],
    ["COMPLETE", "initial value", "2024-06-20"],
    ["COMPLETE", "full speed", "2024-07-10"],
    ["COMPLETE", "achievement", "2024-08-01"],
    ["COMPLETE", "QBR", "2024-10-01"],  # not on the path
    ["COMPLETE", "renewal", "2025-04-30"],
    # RESTART: a first contract from 2024-01-10 got to full speed (value on 2024-03-01) and failed once; the second
    # kickoff on 2025-06-02 restarts the clock: only technical setup (2025-06-06) counts. 28 days = 4.0 weeks in;
    # next oriented (wk 2), deadline 3: behind by 1.0 week; no time to value (the old value is before the restart);
    # not failed (the failure is before the restart). Next due 2025-06-02 + 14 days = 2025-06-16.
    ["RESTART", "kickoff", "2024-01-10"],
    ["RESTART", "technical setup", "2024-01-12"],
    ["RESTART", "oriented", "2024-01-20"],
    ["RESTART", "active", "2024-02-01"],
    ["RESTART", "progress", "2024-02-20"],
    ["RESTART", "initial value", "2024-03-01"],
    ["RESTART", "full speed", "2024-03-15"],
    ["RESTART", "onboarding failed", "2024-04-01"],
    ["RESTART", "kickoff", "2025-06-02"],
    ["RESTART", "technical setup", "2025-06-06"],
    # AT: kickoff 2025-06-09 = 21 days = exactly 3.0 weeks; next oriented's deadline is 3 weeks: not behind.
    ["AT", "kickoff", "2025-06-09"],
    ["AT", "technical setup", "2025-06-10"],
    # PAST: kickoff 2025-06-08 = 22 days = 3.142857 weeks, one day past the deadline: behind by 0.1 week.
    ["PAST", "kickoff", "2025-06-08"],
    ["PAST", "technical setup", "2025-06-09"],
    # ORDER: active is dated before oriented: reached is still active (the path's order). 60 days = 8.571 weeks;
    # next progress, deadline 7: behind by 1.571 → 1.6. Next due 2025-05-01 + 42 days = 2025-06-12.
    ["ORDER", "kickoff", "2025-05-01"],
    ["ORDER", "active", "2025-05-10"],
    ["ORDER", "oriented", "2025-05-20"],
    # ACHIEVER: kickoff 2024-09-02 = 301 days = 43.0 weeks in, at full speed; next achievement is expected at wk 12
    # but on time until by_week 52 (+1 grace = 53): on track. Initial value 2024-11-04 = 63 days after the kickoff.
    # Next due 2024-09-02 + 12 × 7 days = 2024-11-25 (its week, not its by_week).
    ["ACHIEVER", "kickoff", "2024-09-02"],
    ["ACHIEVER", "technical setup", "2024-09-05"],
    ["ACHIEVER", "oriented", "2024-09-12"],
    ["ACHIEVER", "active", "2024-09-26"],
    ["ACHIEVER", "progress", "2024-10-14"],
    ["ACHIEVER", "initial value", "2024-11-04"],
    ["ACHIEVER", "full speed", "2024-11-10"],
    # NOSTART: milestones but no kickoff: not placed, named in a note.
    ["NOSTART", "technical setup", "2025-06-01"],
    ["NOSTART", "oriented", "2025-06-05"],
]

PLACED = ["ACHIEVER", "AT", "BEHIND", "COMPLETE", "FAILED", "ONTRACK", "ORDER", "PAST", "RESTART"]

# customer: (stage, weeks_in, next_milestone, next_due, behind, weeks_behind, days_to_value, status)
EXPECTED: dict[str, tuple[object, ...]] = {
    "ONTRACK": ("active", 6.0, "progress", "2025-06-30", False, None, None, "on track"),
    "BEHIND": ("oriented", 12.3, "active", "2025-05-03", True, 7.3, None, "behind"),
    "FAILED": ("technical setup", 17.3, "oriented", "2025-03-15", False, None, None, "failed"),
    "COMPLETE": ("renewal", 60.7, None, None, False, None, 50, "complete"),
    "RESTART": ("technical setup", 4.0, "oriented", "2025-06-16", True, 1.0, None, "behind"),
    "AT": ("technical setup", 3.0, "oriented", "2025-06-23", False, None, None, "on track"),
    "PAST": ("technical setup", 3.1, "oriented", "2025-06-22", True, 0.1, None, "behind"),
    "ORDER": ("active", 8.6, "progress", "2025-06-12", True, 1.6, None, "behind"),
    "ACHIEVER": ("full speed", 43.0, "achievement", "2024-11-25", False, None, 63, "on track"),
}
FIELDS = ("stage", "weeks_in", "next_milestone", "next_due", "behind", "weeks_behind", "days_to_value", "status")

# the next steps of configs/value_path.yaml
NEXT_STEP = {
    "oriented": "Run the orientation session for the users and their champion",
    "active": "Get the first team using it every week; agree the success plan",
    "progress": "Review progress against the success plan with the champion",
    "achievement": "Measure the outcome against its target and have the sponsor recognise it",
}


def customers_of(doc: dict) -> dict[str, dict]:
    return {row["customer_id"]: row for row in doc["tables"]["customers"]}


@pytest.fixture(scope="module")
def placed(cli: Invoke, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("value_path")
    return as_json(cli("value-path", write_csv(folder / "milestones.csv", MILESTONES), "--as-of", AS_OF, "-f", "json"))


# --- where each customer stands ----------------------------------------------------------------------------------
def test_only_customers_with_a_kickoff_are_placed(placed: dict) -> None:
    assert sorted(customers_of(placed)) == PLACED
    assert placed["as_of"] == "2025-06-30"


@pytest.mark.parametrize("customer", PLACED)
def test_each_customer_is_placed_by_hand(placed: dict, customer: str) -> None:
    row = customers_of(placed)[customer]
    assert tuple(row[f] for f in FIELDS) == EXPECTED[customer]


def test_on_track_customer_counts_trimmed_names_and_ignores_rows_after_the_as_of_day(placed: dict) -> None:
    row = customers_of(placed)["ONTRACK"]
    assert row["start"] == "2025-05-19"
    # " oriented " counted (trimmed); progress on 2025-07-02 did not (it would make the stage progress)
    assert row["stage"] == "active"
    assert row["next_step"] == NEXT_STEP["progress"]


def test_behind_customer_exact_weeks_behind_and_its_next_step(placed: dict) -> None:
    row = customers_of(placed)["BEHIND"]
    assert row["behind"] is True
    assert row["weeks_behind"] == pytest.approx(86 / 7 - 5, abs=0.05)
    assert row["weeks_behind"] == 7.3
    assert row["next_step"] == NEXT_STEP["active"]


def test_failed_customer_is_failed_not_behind_and_gets_the_rescue_step(placed: dict) -> None:
    row = customers_of(placed)["FAILED"]
    assert (row["status"], row["behind"], row["weeks_behind"]) == ("failed", False, None)
    assert row["next_step"].startswith("rescue:")


def test_complete_customer_has_no_next_milestone_and_its_time_to_value(placed: dict) -> None:
    row = customers_of(placed)["COMPLETE"]
    assert (row["stage"], row["status"], row["next_milestone"]) == ("renewal", "complete", None)
    assert row["days_to_value"] == 50
    assert row["next_step"].startswith("next term:")


def test_restart_counts_only_milestones_after_the_second_kickoff(placed: dict) -> None:
    row = customers_of(placed)["RESTART"]
    assert row["start"] == "2025-06-02"  # the latest kickoff
    assert row["stage"] == "technical setup"  # not full speed, reached on the first contract
    assert row["days_to_value"] is None  # the first contract's initial value does not count
    assert row["status"] == "behind"  # the failure before the restart does not count
    assert row["weeks_behind"] == 1.0


def test_deadline_boundary_exactly_at_is_not_behind_one_day_past_is(placed: dict) -> None:
    rows = customers_of(placed)
    assert rows["AT"]["weeks_in"] == 3.0
    assert (rows["AT"]["behind"], rows["AT"]["status"]) == (False, "on track")
    assert (rows["PAST"]["behind"], rows["PAST"]["status"]) == (True, "behind")
    assert rows["PAST"]["weeks_behind"] == pytest.approx(round(22 / 7 - 3, 1))


def test_reached_is_the_furthest_milestone_in_path_order(placed: dict) -> None:
    assert customers_of(placed)["ORDER"]["stage"] == "active"


def test_achievement_is_on_time_until_its_by_week(placed: dict) -> None:
    row = customers_of(placed)["ACHIEVER"]
    # 43 weeks in: far past week 12 (+1), within by_week 52 (+1)
    assert (row["behind"], row["next_milestone"], row["next_step"]) == (False, "achievement", NEXT_STEP["achievement"])


# --- notes: nothing silently dropped --------------------------------------------------------------------------------
def test_milestone_names_not_on_the_path_are_counted_in_a_note(placed: dict) -> None:
    notes = [n for n in placed["notes"] if "not on the value path" in n]
    assert len(notes) == 1, placed["notes"]
    # QBR twice, Kick-off call once; the 2025-07-02 progress row is after the as-of day, not unknown
    assert notes[0].startswith("3 milestone rows")
    assert "'QBR' (2)" in notes[0] and "'Kick-off call' (1)" in notes[0]


def test_customers_with_milestones_but_no_kickoff_are_named_in_a_note(placed: dict) -> None:
    notes = [n for n in placed["notes"] if "no 'kickoff'" in n]
    assert len(notes) == 1, placed["notes"]
    assert notes[0].startswith("1 customers") and notes[0].endswith("NOSTART")


# --- the summary and the tables --------------------------------------------------------------------------------------
def test_summary_metrics_by_hand(placed: dict) -> None:
    m = placed["metrics"]
    assert m["value_path_customers"] == 9
    # behind: BEHIND, RESTART, PAST, ORDER = 4 of the 8 who have not failed
    assert m["value_path_behind_share"] == pytest.approx(4 / 8)
    # time to value: COMPLETE 50 days, ACHIEVER 63 days → median 56.5 days = 8.07 weeks
    assert m["median_weeks_to_value"] == pytest.approx(round(56.5 / 7, 2))
    # past week 8: BEHIND 12.3, FAILED 17.3, COMPLETE 60.7, ORDER 8.6, ACHIEVER 43.0; reached value: 2 of 5
    assert m["reached_value_share"] == pytest.approx(2 / 5)
    assert m["onboarding_failed_customers"] == 1


def test_stages_table_counts_customers_and_behind_per_milestone(placed: dict) -> None:
    stages = {row["stage"]: row for row in placed["tables"]["stages"]}
    assert list(stages) == [
        "kickoff",
        "technical setup",
        "oriented",
        "active",
        "progress",
        "initial value",
        "full speed",
        "achievement",
        "renewal",
    ]
    counts = {s: (row["customers"], row["behind"]) for s, row in stages.items()}
    assert counts == {
        "kickoff": (0, 0),
        "technical setup": (4, 2),  # FAILED, RESTART*, AT, PAST*
        "oriented": (1, 1),  # BEHIND*
        "active": (2, 1),  # ONTRACK, ORDER*
        "progress": (0, 0),
        "initial value": (0, 0),
        "full speed": (1, 0),  # ACHIEVER
        "achievement": (0, 0),
        "renewal": (1, 0),  # COMPLETE
    }
    assert stages["technical setup"]["share"] == pytest.approx(4 / 9)
    assert [row["expected_week"] for row in stages.values()] == [0, 1, 2, 4, 6, 8, 10, 12, 52]


def test_behind_table_lists_the_most_behind_first(placed: dict) -> None:
    behind = [(row["customer_id"], row["weeks_behind"]) for row in placed["tables"]["behind"]]
    assert behind == [("BEHIND", 7.3), ("ORDER", 1.6), ("RESTART", 1.0), ("PAST", 0.1)]


def test_customer_names_are_joined_from_the_customers_export(invoke: Invoke, tmp_path: Path) -> None:
    milestones = write_csv(
        tmp_path / "m.csv", [HEADER, ["K1", "kickoff", "2025-06-20"], ["K2", "kickoff", "2025-06-01"]]
    )
    customers = write_csv(
        tmp_path / "customers.csv", [["customer_id", "name", "arr"], ["K1", "Kay One", 1200], ["K2", "Kay Two", 50000]]
    )
    doc = as_json(invoke("value-path", milestones, "--customers", customers, "--as-of", AS_OF, "-f", "json"))
    rows = customers_of(doc)
    assert (rows["K1"]["name"], rows["K2"]["name"]) == ("Kay One", "Kay Two")
    # K1: 10 days in, next technical setup due by 1 + 1 weeks: on track; K2: 29 days = 4.1 weeks: behind by 2.1
    assert (rows["K1"]["status"], rows["K2"]["status"]) == ("on track", "behind")
    assert rows["K2"]["weeks_behind"] == pytest.approx(2.1)


# --- the path comes from the YAML -----------------------------------------------------------------------------------
def test_a_custom_path_its_grace_and_by_week(invoke: Invoke, tmp_path: Path) -> None:
    rules = write_yaml(
        tmp_path / "vp.yaml",
        """
        start: signed
        failed: lost
        grace_weeks: 0
        milestones:
          - name: setup
            week: 1
          - name: live
            week: 3
            value: true
          - name: adopted
            week: 5
            by_week: 8
        """,
    )
    milestones = write_csv(
        tmp_path / "m.csv",
        [
            HEADER,
            # S1: signed 2025-06-08 = 22 days = 3.14 weeks, at setup; live due by week 3, no grace: behind 0.1
            ["S1", "signed", "2025-06-08"],
            ["S1", "setup", "2025-06-10"],
            # S2: signed 2025-05-19 = 6.0 weeks, live on 2025-05-30 (11 days); adopted on time until week 8
            ["S2", "signed", "2025-05-19"],
            ["S2", "live", "2025-05-30"],
            # S3: a kickoff is not this path's start: not placed; lost is this path's failure
            ["S3", "kickoff", "2025-05-01"],
            ["S3", "signed", "2025-05-02"],
            ["S3", "lost", "2025-05-20"],
        ],
    )
    doc = as_json(invoke("value-path", milestones, "--value-path", rules, "--as-of", AS_OF, "-f", "json"))
    rows = customers_of(doc)
    assert (rows["S1"]["stage"], rows["S1"]["behind"], rows["S1"]["weeks_behind"]) == ("setup", True, 0.1)
    assert (rows["S2"]["stage"], rows["S2"]["behind"], rows["S2"]["days_to_value"]) == ("live", False, 11)
    assert rows["S2"]["next_milestone"] == "adopted"
    assert rows["S2"]["next_step"] == "reach adopted"  # no next_step text in the YAML
    assert rows["S3"]["status"] == "failed"
    assert any("'kickoff' (1)" in n for n in doc["notes"]), doc["notes"]
    assert doc["metrics"]["median_weeks_to_value"] == pytest.approx(round(11 / 7, 2))


# --- bad value-path YAML: exit 3 naming file:line ---------------------------------------------------------------------
BAD_PATHS = {
    "weeks out of order": (
        """
        milestones:
          - name: setup
            week: 1
          - name: live
            week: 4
          - name: value
            week: 3
        """,
        7,
        "order of their weeks",
    ),
    "a milestone named twice": (
        """
        milestones:
          - name: setup
            week: 1
          - name: live
            week: 2
          - name: setup
            week: 3
        """,
        6,
        "'setup' is named twice",
    ),
    "unknown key in a milestone": (
        """
        milestones:
          - name: setup
            week: 1
            wek: 2
        """,
        4,
        "unknown key 'wek'. did you mean 'week'?",
    ),
    "unknown top-level key": (
        """
        start: kickoff
        grace_week: 2
        milestones:
          - name: setup
            week: 1
        """,
        2,
        "did you mean 'grace_weeks'?",
    ),
    "by_week before week": (
        """
        milestones:
          - name: setup
            week: 1
          - name: live
            week: 4
            by_week: 3
        """,
        6,
        "by_week 3 is before week 4",
    ),
    "the start is also a milestone": (
        """
        start: kickoff
        milestones:
          - name: kickoff
            week: 1
        """,
        3,
        "also a milestone",
    ),
    "two value milestones": (
        """
        milestones:
          - name: setup
            week: 1
            value: true
          - name: live
            week: 2
            value: true
        """,
        7,
        "only one",
    ),
    "a negative week": (
        """
        milestones:
          - name: setup
            week: -1
        """,
        3,
        "greater than or equal to 0",
    ),
    "failed names a path milestone": (
        """
        failed: live
        milestones:
          - name: setup
            week: 1
          - name: live
            week: 3
        """,
        1,
        "is on the path",
    ),
    "not YAML": (
        """
        milestones:
          - name: setup
            week: [1
        """,
        4,
        "invalid yaml",
    ),
}


@pytest.mark.parametrize("case", BAD_PATHS)
def test_bad_value_path_yaml_exits_3_naming_file_and_line(invoke: Invoke, tmp_path: Path, case: str) -> None:
    text, line, message = BAD_PATHS[case]
    rules = write_yaml(tmp_path / "my_path.yaml", text)
    milestones = write_csv(tmp_path / "m.csv", [HEADER, ["A", "kickoff", "2025-06-01"]])
    result = invoke("value-path", milestones, "--value-path", rules, "--as-of", AS_OF, "-f", "json")
    assert result.exit_code == 3, result.stderr
    assert result.stdout == ""
    assert f"my_path.yaml:{line}:" in result.stderr, result.stderr
    assert message in result.stderr.lower(), result.stderr


def test_the_default_path_is_the_seed_decks(invoke: Invoke, tmp_path: Path) -> None:
    milestones = write_csv(tmp_path / "m.csv", [HEADER, ["A", "kickoff", "2025-06-01"]])
    doc = as_json(invoke("value-path", milestones, "--as-of", AS_OF, "-f", "json"))
    assert doc["path"] == (
        "kickoff wk 0, technical setup wk 1, oriented wk 2, active wk 4, progress wk 6, initial value wk 8, "
        "full speed wk 10, achievement wk 12-52, renewal wk 52"
    )


def test_csv_output_is_the_customers_table(invoke: Invoke, tmp_path: Path) -> None:
    milestones = write_csv(tmp_path / "m.csv", MILESTONES)
    out = ok(invoke("value-path", milestones, "--as-of", AS_OF, "-f", "csv")).stdout.splitlines()
    assert out[0].startswith("customer_id,start,stage,weeks_in,next_milestone,next_due,behind,weeks_behind")
    assert len(out) == 1 + len(PLACED)


def test_a_renewal_after_a_failed_onboarding_is_not_failed(invoke: Invoke, tmp_path: Path) -> None:
    # R failed 2024-09-01 but renewed 2025-05-01 (the renewal is the latest news); S failed last: failed
    rows = [
        HEADER,
        ["R", "kickoff", "2024-05-01"],
        ["R", "technical setup", "2024-05-06"],
        ["R", "onboarding failed", "2024-09-01"],
        ["R", "renewal", "2025-05-01"],
        ["S", "kickoff", "2025-03-01"],
        ["S", "technical setup", "2025-03-05"],
        ["S", "onboarding failed", "2025-05-20"],
    ]
    doc = as_json(invoke("value-path", write_csv(tmp_path / "m.csv", rows), "--as-of", AS_OF, "-f", "json"))
    got = customers_of(doc)
    assert (got["R"]["status"], got["R"]["stage"]) == ("complete", "renewal")
    assert got["S"]["status"] == "failed"
