"""csctl health: one hand-worked example per scoring rule, properties, the segment | health pipeline, the cron-style
run, and bad rules (exit 3 naming file:line).

Expected scores are literal numbers worked out by hand (the working is in the comments). Rules files are small
YAML texts written into tmp_path.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl
import pytest
from helpers import ok, write_csv, write_yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from typer.testing import Result

write_rules = write_yaml

Invoke = Callable[..., Result]
Rows = Sequence[Sequence[object]]

CSCTL = Path(sys.executable).parent / "csctl"
AS_OF = "2025-06"  # --as-of 2025-06: the window ends on 2025-06-30

CUSTOMER_HEADER = ["customer_id", "name", "segment", "csm", "employees", "v"]


# --- helpers ------------------------------------------------------------------------------------------------


def run_health(
    invoke: Invoke,
    tmp_path: Path,
    rules: str,
    customers: Rows,
    *args: object,
    usage: Rows | None = None,
    tickets: Rows | None = None,
    surveys: Rows | None = None,
) -> Result:
    """``csctl health customers.csv --rules health.yaml [--usage …] ARGS`` on tables written into tmp_path."""
    options: list[object] = ["--rules", write_rules(tmp_path / "health.yaml", rules)]
    for name, rows in (("usage", usage), ("tickets", tickets), ("surveys", surveys)):
        if rows is not None:
            options += [f"--{name}", write_csv(tmp_path / f"{name}.csv", rows)]
    return invoke("health", write_csv(tmp_path / "customers.csv", customers), *options, *args)


def health_json(invoke: Invoke, tmp_path: Path, rules: str, customers: Rows, *args: object, **sources: Rows) -> dict:
    result = ok(run_health(invoke, tmp_path, rules, customers, *args, "-f", "json", **sources))
    return json.loads(result.stdout)


def by_id(doc: dict, table: str = "customers", key: str = "customer_id") -> dict[str, dict]:
    return {row[key]: row for row in doc["tables"][table]}


def customers_with_v(values: dict[str, object], segment: str = "Big", csm: str = "Ann") -> list[list[object]]:
    """A customer table whose column v holds the given values."""
    return [CUSTOMER_HEADER, *([cid, f"Name {cid}", segment, csm, 100, v] for cid, v in values.items())]


def card_of(*measures: str, missing: str | None = None) -> str:
    """A one-scorecard, one-group rules file with the given measure blocks (already indented for the group)."""
    head = "missing: " + missing + "\n" if missing else ""
    body = "\n".join(textwrap.indent(textwrap.dedent(m).strip("\n"), " " * 10) for m in measures)
    return head + "scorecards:\n  - name: Card\n    groups:\n      - name: g\n        measures:\n" + body + "\n"


# --- aggregates, windows, filters ---------------------------------------------------------------------------
def test_each_aggregate(invoke: Invoke, tmp_path: Path) -> None:
    measures = [
        f"""
        - name: a_{agg}
          source: usage
          aggregate: {agg}
          value: x
          window_days: 60
          bands: [{{below: 5, score: 0}}, {{score: 100}}]
        """
        for agg in ("mean", "sum", "min", "max", "median", "count", "last")
    ]
    usage = [
        ["customer_id", "date", "x"],
        # C1, in date order: 4, 10, 1 (the file is not in date order: 'last' goes by date)
        ["C1", "2025-06-29", 1],
        ["C1", "2025-06-10", 4],
        ["C1", "2025-06-20", 10],
        # C2: 2, (empty), 8: aggregates skip the empty value, count counts the row
        ["C2", "2025-06-05", 2],
        ["C2", "2025-06-15", None],
        ["C2", "2025-06-25", 8],
        # C3: no rows
    ]
    doc = health_json(
        invoke,
        tmp_path,
        card_of(*measures, missing="exclude"),
        customers_with_v({"C1": 1, "C2": 1, "C3": 1}),
        "--as-of",
        AS_OF,
        usage=usage,
    )
    rows = by_id(doc)
    values = {
        cid: {a: rows[cid][f"value_a_{a}"] for a in ("mean", "sum", "min", "max", "median", "count", "last")}
        for cid in rows
    }
    assert values["C1"] == {"mean": 5, "sum": 15, "min": 1, "max": 10, "median": 4, "count": 3, "last": 1}
    assert values["C2"] == {"mean": 5, "sum": 10, "min": 2, "max": 8, "median": 5, "count": 3, "last": 8}
    # C3 has no rows: every aggregate but count is missing; count is 0, never missing
    assert values["C3"] == {
        "mean": None,
        "sum": None,
        "min": None,
        "max": None,
        "median": None,
        "count": 0,
        "last": None,
    }
    # bands: under 5 scores 0, 5 and over 100 (5 itself goes to the upper band).
    # C1: mean 5→100, sum 15→100, min 1→0, max 10→100, median 4→0, count 3→0, last 1→0: 300/7 = 42.857 → 42.86
    # C2: mean 5→100, sum 10→100, min 2→0, max 8→100, median 5→100, count 3→0, last 8→100: 500/7 = 71.43
    # C3: only count (0 → 0) is present under 'exclude': 0
    assert rows["C1"]["health_score"] == 42.86
    assert rows["C2"]["health_score"] == 71.43
    assert rows["C3"]["health_score"] == 0.0
    assert [rows[c]["health_band"] for c in ("C1", "C2", "C3")] == ["yellow", "green", "red"]


def test_window_boundary_and_default_as_of(invoke: Invoke, tmp_path: Path) -> None:
    rules = card_of(
        """
        - name: recent
          source: usage
          aggregate: sum
          value: x
          window_days: 7
          bands: [{below: 200, score: 0}, {score: 100}]
        """
    )
    usage = [
        ["customer_id", "date", "x"],
        ["C1", "2025-06-23", 1],  # exactly 7 days before 2025-06-30: outside
        ["C1", "2025-06-24", 10],  # one day later: inside
        ["C1", "2025-06-30", 100],  # the as-of day: inside
        ["C1", "2025-07-01", 1000],  # after the as-of day: outside
    ]
    customers = customers_with_v({"C1": 1})
    with_as_of = health_json(invoke, tmp_path, rules, customers, "--as-of", AS_OF, usage=usage)
    assert with_as_of["as_of"] == "2025-06-30"  # the last day of the --as-of month
    row = by_id(with_as_of)["C1"]
    assert (row["value_recent"], row["health_score"]) == (110, 0)  # 10 + 100 < 200
    # without --as-of: the latest date in the sources (2025-07-01); the window is 06-25 … 07-01
    latest = health_json(invoke, tmp_path, rules, customers, usage=usage)
    assert latest["as_of"] == "2025-07-01"
    row = by_id(latest)["C1"]
    assert (row["value_recent"], row["health_score"]) == (1100, 100)  # 100 + 1000


def test_window_on_ticket_timestamps_and_filter(invoke: Invoke, tmp_path: Path) -> None:
    rules = card_of(
        """
        - name: urgent
          source: tickets
          aggregate: count
          filter: "priority = 'high' OR escalated"
          window_days: 7
          direction: lower
          bands: [{below: 1, score: 100}, {below: 2, score: 60}, {score: 20}]
        """
    )
    tickets = [
        ["customer_id", "created_at", "priority", "escalated"],
        ["C1", "2025-06-23 23:59:00", "high", "false"],  # the day 7 days before as-of: outside, late as it is
        ["C1", "2025-06-24 00:01:00", "high", "false"],  # in: high
        ["C1", "2025-06-30 23:00:00", "low", "true"],  # in: escalated
        ["C1", "2025-06-28 10:00:00", "low", "false"],  # in the window, filtered out
        ["C1", "2025-06-27 10:00:00", None, None],  # nulls: filtered out
        ["C2", "2025-06-28 10:00:00", "low", "false"],  # all filtered out: count 0
        ["C3", "2025-06-28 10:00:00", "high", "false"],  # exactly 1: the middle band
    ]
    doc = health_json(
        invoke,
        tmp_path,
        rules,
        customers_with_v({"C1": 1, "C2": 1, "C3": 1, "C4": 1}),
        "--as-of",
        AS_OF,
        tickets=tickets,
    )
    rows = by_id(doc)
    # direction lower: 0 → 100, 1 → 60 (the cut point goes to the next band), 2 → 20; C4 has no tickets: 0 → 100
    assert {c: (r["value_urgent"], r["health_score"]) for c, r in rows.items()} == {
        "C1": (2, 20),
        "C2": (0, 100),
        "C3": (1, 60),
        "C4": (0, 100),
    }


def test_usage_filter(invoke: Invoke, tmp_path: Path) -> None:
    rules = card_of(
        """
        - name: report_minutes
          source: usage
          aggregate: mean
          value: minutes
          filter: "feature = 'reports'"
          window_days: 30
          bands: [{below: 10, score: 0}, {score: 100}]
        """
    )
    usage = [
        ["customer_id", "date", "feature", "minutes"],
        ["C1", "2025-06-10", "reports", 12],
        ["C1", "2025-06-11", "reports", 6],  # mean over reports rows: (12 + 6) / 2 = 9 → 0
        ["C1", "2025-06-12", "api", 100],  # filtered out (with it the mean would be 39.3 → 100)
    ]
    row = by_id(health_json(invoke, tmp_path, rules, customers_with_v({"C1": 1}), "--as-of", AS_OF, usage=usage))["C1"]
    assert (row["value_report_minutes"], row["health_score"]) == (9, 0)


# --- bands ----------------------------------------------------------------------------------------------------
def test_step_bands_at_cut_points(invoke: Invoke, tmp_path: Path) -> None:
    rules = card_of(
        """
        - name: level
          value: v
          bands: [{below: 10, score: 0}, {below: 20, score: 50}, {score: 100}]
        """
    )
    values = {"A": -5, "B": 9.99, "C": 10, "D": 19.99, "E": 20, "F": 1000}
    rows = by_id(health_json(invoke, tmp_path, rules, customers_with_v(values)))
    # below 10 → 0; 10 up to (not including) 20 → 50; the last band takes the rest
    assert {c: r["score_level"] for c, r in rows.items()} == {"A": 0, "B": 0, "C": 50, "D": 50, "E": 100, "F": 100}


def test_direction_lower_and_sql_value(invoke: Invoke, tmp_path: Path) -> None:
    rules = card_of(
        """
        - name: days_quiet
          value: "v * 7"
          direction: lower
          bands: [{below: 7, score: 100}, {below: 28, score: 50}, {score: 0}]
        """
    )
    rows = by_id(health_json(invoke, tmp_path, rules, customers_with_v({"A": 0, "B": 1, "C": 3.9, "D": 4})))
    # v * 7 = 0 → 100; 7 (cut point) → 50; 27.3 → 50; 28 → 0
    assert {c: (r["value_days_quiet"], r["score_days_quiet"]) for c, r in rows.items()} == {
        "A": (0, 100),
        "B": (7, 50),
        "C": (27.3, 50),
        "D": (28, 0),
    }


def test_health_bands_at_thresholds(invoke: Invoke, tmp_path: Path) -> None:
    rules = "bands: {green: 80, yellow: 50}\n" + card_of(
        """
        - name: level
          value: v
          bands: [{below: 1, score: 49.5}, {below: 2, score: 50}, {below: 3, score: 79.5}, {score: 80}]
        """
    )
    rows = by_id(health_json(invoke, tmp_path, rules, customers_with_v({"A": 0, "B": 1, "C": 2, "D": 3})))
    # green at 80 or more, yellow at 50 or more, red below
    assert {c: (r["health_score"], r["health_band"]) for c, r in rows.items()} == {
        "A": (49.5, "red"),
        "B": (50, "yellow"),
        "C": (79.5, "yellow"),
        "D": (80, "green"),
    }


# --- missing data ---------------------------------------------------------------------------------------------
TWO_MEASURES = """\
{file_missing}scorecards:
  - name: Card
{card_missing}    groups:
      - name: g
        measures:
          - name: present
            value: v
            bands: [{{below: 50, score: 0}}, {{score: 100}}]
          - name: gap
            value: w
{measure_missing}            bands: [{{below: 50, score: 0}}, {{score: 100}}]
"""


def _two_measures(file: str | None = None, card: str | None = None, measure: str | None = None) -> str:
    return TWO_MEASURES.format(
        file_missing=f"missing: {file}\n" if file else "",
        card_missing=f"    missing: {card}\n" if card else "",
        measure_missing=f"            missing: {measure}\n" if measure else "",
    )


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        # present scores 100; gap (w empty) by its policy: exclude → 100/1; zero → (100 + 0)/2; neutral → (100 + 50)/2
        ((None, None, "exclude"), 100),
        ((None, None, "zero"), 50),
        ((None, None, "neutral"), 75),
        ((None, None, None), 75),  # the default policy is neutral
        (("zero", None, None), 50),  # the file's policy
        (("zero", "exclude", None), 100),  # the scorecard's beats the file's
        (("exclude", "zero", "neutral"), 75),  # the measure's beats both
    ],
)
def test_missing_policies(invoke: Invoke, tmp_path: Path, levels: tuple, expected: float) -> None:
    customers = [["customer_id", "v", "w"], ["C1", 80, None], ["C2", 80, 60]]
    rows = by_id(health_json(invoke, tmp_path, _two_measures(*levels), customers))
    assert rows["C1"]["value_gap"] is None
    assert rows["C1"]["health_score"] == expected
    assert rows["C2"]["health_score"] == 100  # nothing missing: (100 + 100) / 2


def test_missing_input_uses_the_policy_and_says_so(invoke: Invoke, tmp_path: Path) -> None:
    rules = card_of(
        """
        - name: level
          value: v
          bands: [{below: 50, score: 0}, {score: 100}]
        """,
        """
        - name: seats_used
          source: usage
          aggregate: mean
          value: x
          window_days: 30
          missing: zero
          bands: [{below: 50, score: 0}, {score: 100}]
        """,
    )
    doc = health_json(invoke, tmp_path, rules, customers_with_v({"C1": 80}))
    assert by_id(doc)["C1"]["health_score"] == 50  # (100 + 0) / 2: no usage given, seats_used scores zero
    assert any("no usage input" in note for note in doc["warnings"])


def test_a_measure_whose_column_the_export_lacks_is_not_measured(invoke: Invoke, tmp_path: Path) -> None:
    rules = card_of(
        """
        - name: level
          value: v
          bands: [{below: 50, score: 0}, {score: 100}]
        """,
        """
        - name: urgent
          source: tickets
          aggregate: count
          filter: "priority = 'high' OR escalated"
          window_days: 90
          direction: lower
          bands: [{below: 1, score: 100}, {score: 0}]
        """,
        """
        - name: csat
          source: tickets
          aggregate: mean
          value: satisfaction
          window_days: 90
          missing: zero
          bands: [{below: 3, score: 0}, {score: 100}]
        """,
    )
    tickets = [["customer_id", "created_at", "priority", "csat"], ["C1", "2025-06-10 09:00:00", "high", 4]]
    doc = health_json(
        invoke, tmp_path, rules, customers_with_v({"C1": 80, "C2": 20}), "--as-of", AS_OF, tickets=tickets
    )
    rows = by_id(doc)
    # neither tickets measure can be measured (no escalated, no satisfaction column): each customer's score is its
    # level alone (C1: 80 -> 100, C2: 20 -> 0), not a count of 0 scoring 100 nor the zero policy scoring 0
    assert {c: (r["value_urgent"], r["value_csat"], r["health_score"]) for c, r in rows.items()} == {
        "C1": (None, None, 100),
        "C2": (None, None, 0),
    }
    notes = "\n".join(doc["warnings"])
    assert "measure urgent of Card (" in notes and "health.yaml:" in notes
    assert "not measured: the tickets export has no 'escalated' column" in notes
    assert "the tickets export has no 'satisfaction' column" in notes


def test_a_misspelt_column_is_not_measured_and_the_close_match_named(invoke: Invoke, tmp_path: Path) -> None:
    rules = card_of(
        """
        - name: level
          value: vv
          bands: [{below: 50, score: 0}, {score: 100}]
        """,
        """
        - name: logins
          source: usage
          aggregate: sum
          value: logons
          window_days: 30
          bands: [{below: 5, score: 0}, {score: 100}]
        """,
    )
    usage = [["customer_id", "date", "logins"], ["C1", "2025-06-10", 9]]
    result = ok(
        run_health(invoke, tmp_path, rules, customers_with_v({"C1": 80}), "--as-of", AS_OF, "-f", "csv", usage=usage)
    )
    assert "the customers export has no 'vv' column. Did you mean 'v'?" in result.stderr
    assert "the usage export has no 'logons' column. Did you mean 'logins'?" in result.stderr
    assert "no data" in result.stdout  # nothing measured: no score, never a neutral one


def test_count_with_no_rows_is_zero_not_missing(invoke: Invoke, tmp_path: Path) -> None:
    rules = card_of(
        """
        - name: tickets_30d
          source: tickets
          aggregate: count
          window_days: 30
          direction: lower
          missing: zero
          bands: [{below: 1, score: 100}, {score: 0}]
        """
    )
    tickets = [["customer_id", "created_at"], ["C1", "2025-06-10 09:00:00"], ["C2", "2024-01-10 09:00:00"]]
    rows = by_id(
        health_json(
            invoke, tmp_path, rules, customers_with_v({"C1": 1, "C2": 1, "C3": 1}), "--as-of", AS_OF, tickets=tickets
        )
    )
    # C2's only ticket is outside the window and C3 has none: a count of 0 scores 100 (the 'zero' policy would give 0)
    assert {c: (r["value_tickets_30d"], r["health_score"]) for c, r in rows.items()} == {
        "C1": (1, 0),
        "C2": (0, 100),
        "C3": (0, 100),
    }


# --- weights ----------------------------------------------------------------------------------------------------
def test_weights_not_summing_to_one_are_normalised(invoke: Invoke, tmp_path: Path) -> None:
    rules = """\
        scorecards:
          - name: Card
            groups:
              - name: a
                weight: 2
                measures:
                  - {name: m1, value: v, weight: 3, bands: [{below: 50, score: 0}, {score: 100}]}
                  - {name: m2, value: w, weight: 1, bands: [{below: 50, score: 0}, {score: 100}]}
              - name: b
                weight: 1
                measures:
                  - {name: m3, value: w, bands: [{below: 50, score: 40}, {score: 100}]}
        """
    doc = health_json(invoke, tmp_path, rules, [["customer_id", "v", "w"], ["C1", 80, 10]])
    row = by_id(doc)["C1"]
    # m1 = 100, m2 = 0, m3 = 40. a = (3·100 + 1·0)/4 = 75; b = 40; health = (2·75 + 1·40)/3 = 190/3 = 63.33
    assert (row["group_a"], row["group_b"], row["health_score"]) == (75, 40, 63.33)
    notes = " | ".join(doc["warnings"])
    assert "group weights sum to 3" in notes
    assert "measure weights sum to 4" in notes
    assert "normalised" in notes


def test_group_with_every_measure_excluded_drops_out(invoke: Invoke, tmp_path: Path) -> None:
    rules = """\
        missing: exclude
        scorecards:
          - name: Card
            groups:
              - name: a
                weight: 0.8
                measures:
                  - {name: m1, value: w, bands: [{below: 50, score: 0}, {score: 100}]}
              - name: b
                weight: 0.2
                measures:
                  - {name: m2, value: v, bands: [{below: 50, score: 40}, {score: 100}]}
        """
    customers = [["customer_id", "v", "w"], ["C1", 10, None], ["C2", None, None], ["C3", 10, 60]]
    doc = health_json(invoke, tmp_path, rules, customers)
    rows = by_id(doc)
    # C1: group a has nothing: health = b alone = 40 (not 0.2·40 = 8)
    assert (rows["C1"]["group_a"], rows["C1"]["group_b"], rows["C1"]["health_score"]) == (None, 40, 40)
    # C2: nothing at all: no score, band 'no data', not counted as scored
    assert (rows["C2"]["health_score"], rows["C2"]["health_band"]) == (None, "no data")
    # C3: (0.8·100 + 0.2·40) / 1 = 88
    assert rows["C3"]["health_score"] == 88
    assert doc["metrics"]["scored_customers"] == 2
    assert doc["metrics"]["no_data_customers"] == 1
    assert doc["metrics"]["avg_health"] == 64  # (40 + 88) / 2


# --- scorecards ------------------------------------------------------------------------------------------------
CHOICE = """\
scorecards:
  - name: Key
    applies_to: "segment = 'Big'"
    groups: [{name: g, measures: [{name: m, value: v, bands: [{below: 0, score: 0}, {score: 90}]}]}]
  - name: Wide
    applies_to: "employees >= 100"
    groups: [{name: g, measures: [{name: m, value: v, bands: [{below: 0, score: 0}, {score: 60}]}]}]
  - name: Rest
    applies_to: "true"
    groups: [{name: g, measures: [{name: m, value: v, bands: [{below: 0, score: 0}, {score: 10}]}]}]
"""


def test_scorecard_chosen_by_applies_to_first_match(invoke: Invoke, tmp_path: Path) -> None:
    customers = [
        CUSTOMER_HEADER,
        ["C1", "n", "Big", "Ann", 500, 1],  # Key (Wide would match too: first match wins)
        ["C2", "n", "Small", "Ann", 500, 1],  # Wide
        ["C3", "n", "Small", "Ann", 10, 1],  # Rest
        ["C4", "n", None, "Ann", 500, 1],  # segment null: Key's applies_to is not true → Wide
        ["C5", "n", "Big", "Ann", 10, 1],  # Key
    ]
    rows = by_id(health_json(invoke, tmp_path, CHOICE, customers))
    assert {c: (r["health_scorecard"], r["health_score"]) for c, r in rows.items()} == {
        "C1": ("Key", 90),
        "C2": ("Wide", 60),
        "C3": ("Rest", 10),
        "C4": ("Wide", 60),
        "C5": ("Key", 90),
    }


def test_no_matching_scorecard_is_no_data(invoke: Invoke, tmp_path: Path) -> None:
    rules = CHOICE.split("  - name: Wide", maxsplit=1)[0]  # only Key
    customers = [
        CUSTOMER_HEADER,
        ["C1", "n", "Big", "Ann", 500, 1],
        ["C2", "n", "Small", "Ann", 500, 1],
        ["C3", "n", None, "Bob", 10, 1],
    ]
    doc = health_json(invoke, tmp_path, rules, customers)
    rows = by_id(doc)
    assert {c: (r["health_scorecard"], r["health_score"], r["health_band"]) for c, r in rows.items()} == {
        "C1": ("Key", 90, "green"),
        "C2": (None, None, "no data"),
        "C3": (None, None, "no data"),
    }
    metrics = doc["metrics"]
    assert (metrics["scored_customers"], metrics["no_data_customers"]) == (1, 2)
    assert (metrics["green_share"], metrics["red_share"]) == (1.0, 0.0)  # shares of the scored customers
    assert any("2 customers match no scorecard" in note for note in doc["warnings"])
    portfolio = doc["tables"]["portfolio"][0]
    assert (portfolio["customers"], portfolio["scored"], portfolio["no_data"]) == (3, 1, 2)


# --- overrides ---------------------------------------------------------------------------------------------------
LEVELS = card_of(
    """
    - name: level
      value: v
      bands: [{below: 40, score: 20}, {below: 70, score: 50}, {score: 90}]
    """
)


def test_overrides(invoke: Invoke, tmp_path: Path) -> None:
    rules = LEVELS + textwrap.dedent(
        """\
        overrides:
          - {customer_id: C1, band: red, reason: sponsor left, expires: 2025-12-31}
          - {customer_id: C2, score: 30, reason: outage, expires: 2025-12-31}
          - {customer_id: C3, score: 75, band: yellow, reason: both, expires: 2025-12-31}
          - {customer_id: C4, band: red, reason: old news, expires: 2025-06-29}
          - {customer_id: C5, band: green, reason: last day, expires: 2025-06-30}
          - {customer_id: C99, band: red, reason: who, expires: 2025-12-31}
        """
    )
    customers = customers_with_v({"C1": 80, "C2": 80, "C3": 10, "C4": 80, "C5": 10})
    doc = health_json(invoke, tmp_path, rules, customers, "--as-of", AS_OF)  # as-of 2025-06-30
    rows = by_id(doc)
    assert {c: (r["health_score"], r["health_band"]) for c, r in rows.items()} == {
        "C1": (90, "red"),  # band only: the score stays
        "C2": (30, "red"),  # score only: the band follows the score
        "C3": (75, "yellow"),  # both (the band wins over what 75 would give)
        "C4": (90, "green"),  # expired the day before as-of: ignored
        "C5": (20, "green"),  # expires on the as-of day: still in force
    }
    assert rows["C1"]["override"] == "sponsor left (until 2025-12-31)"
    assert rows["C4"]["override"] is None
    notes = " | ".join(doc["warnings"])
    assert "override for C4 expired 2025-06-29: ignored" in notes
    assert "override for C99: no such customer" in notes
    # the metrics count the overridden bands: red C1, C2; yellow C3; green C4, C5
    metrics = doc["metrics"]
    assert (metrics["red_share"], metrics["yellow_share"], metrics["green_share"]) == (0.4, 0.2, 0.4)
    assert metrics["unhealthy_share"] == pytest.approx(0.6)
    assert metrics["avg_health"] == 61  # (90 + 30 + 75 + 90 + 20) / 5


# --- trend -------------------------------------------------------------------------------------------------------
def test_previous_run_trend(invoke: Invoke, tmp_path: Path) -> None:
    # now: v 80 → 90, 50 → 50, 10 → 20
    customers = customers_with_v({"C1": 80, "C2": 50, "C3": 50, "C4": 10, "C5": 80, "C6": 50})
    previous = write_csv(
        tmp_path / "previous.csv",
        [
            ["customer_id", "health_score", "health_band"],
            ["C1", 80, "green"],  # 90 − 80 = +10: up
            ["C2", 60, "yellow"],  # 50 − 60 = −10: down
            ["C3", 47, "yellow"],  # +3, smaller than trend_flat 5: flat
            ["C4", 25, "red"],  # −5: not smaller than 5: down
            ["C5", 85, "green"],  # +5: up
            ["C9", 10, "red"],  # gone: not reported
            # C6: not in the previous run: new
        ],
    )
    doc = health_json(invoke, tmp_path, LEVELS, customers, "--previous", previous)
    rows = by_id(doc)
    assert list(rows) == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert {c: (r["previous_score"], r["score_change"], r["trend"]) for c, r in rows.items()} == {
        "C1": (80, 10, "up"),
        "C2": (60, -10, "down"),
        "C3": (47, 3, "flat"),
        "C4": (25, -5, "down"),
        "C5": (85, 5, "up"),
        "C6": (None, None, "new"),
    }
    assert doc["metrics"]["avg_health_change"] == 0.6  # (10 − 10 + 3 − 5 + 5) / 5
    assert doc["metrics"]["worsened_customers"] == 2
    # a wider trend_flat makes ±10 flat
    wide = health_json(invoke, tmp_path, "trend_flat: 12\n" + LEVELS, customers, "--previous", previous)
    assert [r["trend"] for r in wide["tables"]["customers"]] == ["flat", "flat", "flat", "flat", "flat", "new"]


def test_previous_from_an_earlier_run(invoke: Invoke, tmp_path: Path) -> None:
    before = tmp_path / "before"
    before.mkdir()
    earlier = ok(run_health(invoke, before, LEVELS, customers_with_v({"C1": 10, "C2": 80}), "-f", "csv"))
    previous = tmp_path / "last-week.csv"
    previous.write_text(earlier.stdout, encoding="utf-8")
    rows = by_id(health_json(invoke, tmp_path, LEVELS, customers_with_v({"C1": 80, "C2": 80}), "--previous", previous))
    assert {c: (r["previous_band"], r["score_change"], r["trend"]) for c, r in rows.items()} == {
        "C1": ("red", 70, "up"),  # 20 → 90
        "C2": ("green", 0, "flat"),
    }


def test_previous_that_is_not_a_health_output(invoke: Invoke, tmp_path: Path) -> None:
    previous = write_csv(tmp_path / "not-health.csv", [["customer_id", "score"], ["C1", 10]])
    result = run_health(invoke, tmp_path, LEVELS, customers_with_v({"C1": 80}), "--previous", previous)
    assert result.exit_code == 3, result.stderr
    assert "health_score" in result.stderr
    assert "Traceback" not in result.output


# --- quadrant and portfolio ---------------------------------------------------------------------------------------
QUADRANT_USAGE = [
    ["customer_id", "date", "logins"],
    ["C1", "2025-06-20", 25],
    ["C1", "2025-06-21", 15],  # C1: 40
    ["C2", "2025-06-20", 10],  # C2: 10
    ["C2", "2025-06-02", 1000],  # exactly 28 days before as-of: outside the window
    ["C3", "2025-06-29", 30],  # C3: 30
    ["C5", "2025-06-30", 20],  # C5: 20; C4: no rows → 0
]


@pytest.mark.parametrize(
    ("threshold", "expected_note", "expected"),
    [
        # activity 40, 10, 30, 0, 20: the median is 20; active at or above it: C1, C3, C5
        (
            None,
            "activity threshold 20 (median)",
            ["healthy, active", "healthy, inactive", "unhealthy, active", "unhealthy, inactive", "healthy, active"],
        ),
        # configured 35: only C1 is active
        (
            35,
            "activity threshold 35 (configured)",
            ["healthy, active", "healthy, inactive", "unhealthy, inactive", "unhealthy, inactive", "healthy, inactive"],
        ),
    ],
)
def test_quadrant(invoke: Invoke, tmp_path: Path, threshold: float | None, expected_note: str, expected: list) -> None:
    activity = "activity: {source: usage, value: logins, aggregate: sum, window_days: 28"
    activity += f", threshold: {threshold}}}\n" if threshold is not None else "}\n"
    # health: C1, C2, C5 green (v 80 → 90); C3, C4 red (v 10 → 20)
    customers = customers_with_v({"C1": 80, "C2": 80, "C3": 10, "C4": 10, "C5": 80})
    doc = health_json(invoke, tmp_path, LEVELS + activity, customers, "--as-of", AS_OF, usage=QUADRANT_USAGE)
    rows = by_id(doc)
    assert [r["activity"] for r in rows.values()] == [40, 10, 30, 0, 20]
    assert [r["quadrant"] for r in rows.values()] == expected
    assert expected_note in doc["warnings"]
    counts = {r["quadrant"]: r["customers"] for r in doc["tables"]["quadrant"]}
    assert sum(counts.values()) == 5
    assert counts == {q: expected.count(q) for q in set(expected)}


def test_no_quadrant_when_the_usage_export_lacks_the_activity_column(invoke: Invoke, tmp_path: Path) -> None:
    activity = "activity: {source: usage, value: sessions, aggregate: sum, window_days: 28}\n"
    customers = customers_with_v({"C1": 80, "C3": 10})
    doc = health_json(invoke, tmp_path, LEVELS + activity, customers, "--as-of", AS_OF, usage=QUADRANT_USAGE)
    assert "quadrant" not in doc["tables"]
    assert {r["customer_id"]: r["health_score"] for r in doc["tables"]["customers"]} == {"C1": 90, "C3": 20}
    assert any(
        "the activity of the health vs activity quadrant (" in n
        and "not measured: the usage export has no 'sessions' column: no health vs activity quadrant" in n
        for n in doc["warnings"]
    ), doc["warnings"]


def test_portfolio_overall_by_segment_and_by_csm(invoke: Invoke, tmp_path: Path) -> None:
    rules = LEVELS.replace("  - name: Card\n", "  - name: Card\n    applies_to: 'v IS NOT NULL'\n")
    customers = [
        CUSTOMER_HEADER,
        ["C1", "n", "A", "Ann", 1, 80],  # 90 green
        ["C2", "n", "A", "Bob", 1, 10],  # 20 red
        ["C3", "n", "B", "Ann", 1, 50],  # 50 yellow
        ["C4", "n", "B", "Bob", 1, None],  # no scorecard: no data
        ["C5", "n", "B", "Ann", 1, 10],  # 20 red
    ]
    doc = health_json(invoke, tmp_path, rules, customers)
    # overall: 4 scored: green 1, yellow 1, red 2; average (90 + 20 + 50 + 20) / 4 = 45
    assert {k: doc["metrics"][k] for k in ("red_share", "yellow_share", "green_share", "unhealthy_share")} == {
        "red_share": 0.5,
        "yellow_share": 0.25,
        "green_share": 0.25,
        "unhealthy_share": 0.75,
    }
    assert doc["metrics"]["avg_health"] == 45
    shares = ("customers", "scored", "green", "yellow", "red", "no_data", "red_share", "unhealthy_share", "avg_health")
    segments = {k: tuple(r[s] for s in shares) for k, r in by_id(doc, "by_segment", "segment").items()}
    assert segments == {
        "A": (2, 2, 1, 0, 1, 0, 0.5, 0.5, 55),  # C1, C2: (90 + 20) / 2
        "B": (3, 2, 0, 1, 1, 1, 0.5, 1.0, 35),  # C3, C5 (C4 no data): (50 + 20) / 2
    }
    csms = {k: tuple(r[s] for s in shares) for k, r in by_id(doc, "by_csm", "csm").items()}
    assert csms["Ann"][:6] == (3, 3, 1, 1, 1, 0)  # C1, C3, C5
    assert csms["Ann"][6:8] == pytest.approx((1 / 3, 2 / 3), abs=1e-6)
    assert csms["Ann"][8] == 53.33  # (90 + 50 + 20) / 3
    assert csms["Bob"] == (2, 1, 0, 0, 1, 1, 1.0, 1.0, 20)  # C2 red, C4 no data


def test_customers_without_mrr_are_churned_not_scored(invoke: Invoke, tmp_path: Path) -> None:
    customers = [
        ["customer_id", "segment", "mrr", "v"],
        ["C1", "A", 100, 80],  # 90 green
        ["C2", "A", 0, 80],  # no MRR: churned, not scored
        ["C3", "B", 50, 10],  # 20 red
        ["C4", "B", None, 10],  # no MRR either
    ]
    doc = health_json(invoke, tmp_path, LEVELS, customers)
    rows = by_id(doc)
    assert {c: (r["health_scorecard"], r["health_score"], r["health_band"]) for c, r in rows.items()} == {
        "C1": ("Card", 90, "green"),
        "C2": (None, None, "churned"),
        "C3": ("Card", 20, "red"),
        "C4": (None, None, "churned"),
    }
    # shares among the scored, active customers: green 1/2, red 1/2; churned customers are not 'no data'
    metrics = doc["metrics"]
    assert (metrics["green_share"], metrics["red_share"], metrics["avg_health"]) == (0.5, 0.5, 55)
    assert (metrics["scored_customers"], metrics["no_data_customers"]) == (2, 0)
    assert any("2 customers without MRR" in note for note in doc["warnings"])
    assert not any("match no scorecard" in note for note in doc["warnings"])


# --- properties -----------------------------------------------------------------------------------------------
PROPERTY_RULES = """\
bands: {{green: 70, yellow: 40}}
missing: neutral
scorecards:
  - name: Key
    applies_to: "segment = 'Big'"
    groups:
      - name: adoption
        weight: {w3}
        measures:
          - {{name: x_mean, source: usage, aggregate: mean, value: x, window_days: 28, weight: {w1},
             bands: [{{below: 5, score: 0}}, {{below: 10, score: 50}}, {{score: 100}}]}}
          - {{name: x_last, source: usage, aggregate: last, value: x, window_days: 45, weight: {w2}, missing: exclude,
             bands: [{{below: 3, score: 10}}, {{below: 12, score: 60}}, {{score: 90}}]}}
          - {{name: x_sum, source: usage, aggregate: sum, value: "x * 2", window_days: 14, weight: {w1},
             bands: [{{below: 20, score: 20}}, {{score: 80}}]}}
      - name: support
        weight: {w1}
        measures:
          - {{name: urgent, source: tickets, aggregate: count, filter: "priority = 'high'", window_days: 30,
             direction: lower, weight: {w1}, bands: [{{below: 1, score: 100}}, {{below: 3, score: 40}}, {{score: 0}}]}}
          - {{name: level, value: v, weight: {w2}, missing: zero, bands: [{{below: 50, score: 30}}, {{score: 70}}]}}
  - name: Rest
    applies_to: "v IS NOT NULL OR segment = 'Small'"
    missing: exclude
    groups:
      - name: usage
        weight: {w2}
        measures:
          - {{name: x_max, source: usage, aggregate: max, value: x, window_days: 60, weight: {w1},
             bands: [{{below: 8, score: 0}}, {{score: 100}}]}}
          - {{name: x_median, source: usage, aggregate: median, value: x, window_days: 60, weight: {w2},
             bands: [{{below: 4, score: 25}}, {{below: 9, score: 75}}, {{score: 100}}]}}
          - {{name: x_min, source: usage, aggregate: min, value: x, window_days: 60, weight: {w3},
             bands: [{{below: 1, score: 0}}, {{score: 50}}]}}
      - name: tickets
        weight: {w1}
        measures:
          - {{name: all_tickets, source: tickets, aggregate: count, window_days: 60, direction: lower, weight: {w1},
             bands: [{{below: 2, score: 100}}, {{score: 30}}]}}
activity: {{source: usage, value: logins, aggregate: sum, window_days: 28}}
"""
PROPERTY_AS_OF = dt.date(2025, 6, 30)
IDS = [f"C{i}" for i in range(8)]


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("property-rules")


def _rules(folder: Path, factor: float) -> object:
    from csctl.config.rules import load_health

    path = folder / f"rules-{factor!r}.yaml"
    if not path.exists():
        path.write_text(PROPERTY_RULES.format(w1=1 * factor, w2=2 * factor, w3=3 * factor), encoding="utf-8")
    return load_health(path)


@st.composite
def company(draw: st.DrawFn) -> dict[str, pl.DataFrame]:
    n = draw(st.integers(1, len(IDS)))
    ids = IDS[:n]
    customers = pl.DataFrame(
        {
            "customer_id": ids,
            "segment": draw(st.lists(st.sampled_from(["Big", "Small", None]), min_size=n, max_size=n)),
            "csm": draw(st.lists(st.sampled_from(["Ann", "Bob", None]), min_size=n, max_size=n)),
            "v": draw(st.lists(st.none() | st.integers(0, 100), min_size=n, max_size=n)),
        },
        schema={"customer_id": pl.String, "segment": pl.String, "csm": pl.String, "v": pl.Float64},
    )
    # usage: at most one row per customer and day (so 'last' is well defined); days before (and after) as-of
    usage_rows = draw(
        st.lists(
            st.tuples(st.sampled_from(ids), st.integers(-5, 70), st.none() | st.integers(0, 20), st.integers(0, 50)),
            max_size=30,
            unique_by=lambda r: (r[0], r[1]),
        )
    )
    usage = pl.DataFrame(
        {
            "customer_id": [r[0] for r in usage_rows],
            "date": [PROPERTY_AS_OF - dt.timedelta(days=r[1]) for r in usage_rows],
            "x": [r[2] for r in usage_rows],
            "logins": [r[3] for r in usage_rows],
        },
        schema={"customer_id": pl.String, "date": pl.Date, "x": pl.Float64, "logins": pl.Float64},
    )
    ticket_rows = draw(
        st.lists(
            st.tuples(st.sampled_from(ids), st.integers(-3, 70), st.integers(0, 23), st.sampled_from(["high", "low"])),
            max_size=20,
        )
    )
    tickets = pl.DataFrame(
        {
            "customer_id": [r[0] for r in ticket_rows],
            "created_at": [
                dt.datetime.combine(PROPERTY_AS_OF - dt.timedelta(days=r[1]), dt.time(r[2])) for r in ticket_rows
            ],
            "priority": [r[3] for r in ticket_rows],
        },
        schema={"customer_id": pl.String, "created_at": pl.Datetime("us"), "priority": pl.String},
    )
    return {"customers": customers, "usage": usage, "tickets": tickets}


def _compute(rules: object, data: dict[str, pl.DataFrame]) -> object:
    from csctl.core.health import Inputs, compute_health

    sources = {"usage": data["usage"], "tickets": data["tickets"], "surveys": None}
    return compute_health(rules, Inputs(data["customers"], sources, PROPERTY_AS_OF), PROPERTY_AS_OF.isoformat())  # type: ignore[arg-type]


def _customers(result: object) -> pl.DataFrame:
    return result.tables["customers"].frame.sort("customer_id")  # type: ignore[attr-defined]


PROPERTY_SETTINGS = settings(max_examples=30, deadline=None, database=None)


@PROPERTY_SETTINGS
@given(data=company())
def test_property_scores_within_0_and_100(rules_dir: Path, data: dict[str, pl.DataFrame]) -> None:
    frame = _customers(_compute(_rules(rules_dir, 1.0), data))
    score_columns = [c for c in frame.columns if c.startswith(("score_", "group_")) or c == "health_score"]
    for column in score_columns:
        values = frame[column].drop_nulls()
        assert values.is_between(0, 100).all(), (column, values.to_list())
    scored = frame.filter(pl.col("health_score").is_not_null())
    assert scored["health_band"].is_in(["green", "yellow", "red"]).all()
    assert (frame.filter(pl.col("health_score").is_null())["health_band"] == "no data").all()


@PROPERTY_SETTINGS
@given(data=company(), seed=st.integers(0, 2**32 - 1))
def test_property_row_order_changes_nothing(rules_dir: Path, data: dict[str, pl.DataFrame], seed: int) -> None:
    rules = _rules(rules_dir, 1.0)
    before = _compute(rules, data)
    shuffled = {name: frame.sample(fraction=1.0, shuffle=True, seed=seed) for name, frame in data.items()}
    after = _compute(rules, shuffled)
    assert _customers(after).equals(_customers(before))  # every customer's values, scores, bands, quadrant
    # every metric, avg_health included, exactly (avg_health sums whole hundredths: no order-dependent rounding)
    assert after.metrics == before.metrics  # type: ignore[attr-defined]
    for name in ("portfolio", "by_segment", "by_csm", "quadrant"):
        assert_frame_equal(after.tables[name].frame, before.tables[name].frame, abs_tol=0.011)  # type: ignore[attr-defined]


def test_avg_health_does_not_depend_on_row_order(invoke: Invoke, tmp_path: Path) -> None:
    rules = card_of(
        """
        - name: level
          value: v
          bands: [{below: 1, score: 30}, {below: 2, score: 40.83}, {below: 3, score: 50.83}, {score: 100}]
        """
    )
    # scores 30, 40.83, 50.83, 100: mean 221.66 / 4 = 55.415, rounded either way by the summation order
    one = health_json(invoke, tmp_path, rules, customers_with_v({"A": 2, "B": 0, "C": 1, "D": 3}))
    other = health_json(invoke, tmp_path, rules, customers_with_v({"B": 0, "C": 1, "D": 3, "A": 2}))
    assert one["metrics"]["avg_health"] == other["metrics"]["avg_health"]


@PROPERTY_SETTINGS
@given(data=company(), factor=st.sampled_from([0.1, 0.5, 2.0, 3.0, 7.5, 1000.0]))
def test_property_scaling_weights_changes_nothing(
    rules_dir: Path, data: dict[str, pl.DataFrame], factor: float
) -> None:
    base = _compute(_rules(rules_dir, 1.0), data)
    scaled = _compute(_rules(rules_dir, factor), data)
    a, b = _customers(base), _customers(scaled)
    assert a["health_band"].to_list() == b["health_band"].to_list()
    assert a["health_scorecard"].to_list() == b["health_scorecard"].to_list()
    for column in [c for c in a.columns if c.startswith(("score_", "group_")) or c == "health_score"]:
        for x, y in zip(a[column].to_list(), b[column].to_list(), strict=True):
            assert (x is None) == (y is None), column
            if x is not None:
                assert x == pytest.approx(y, abs=0.011), column  # scores are rounded to 2 decimals
    for name, value in base.metrics.items():  # type: ignore[attr-defined]
        other = scaled.metrics[name]  # type: ignore[attr-defined]
        assert (value is None) == (other is None), name
        if value is not None:
            assert value == pytest.approx(other, abs=0.011), name


def test_last_with_a_tie_on_the_date_does_not_depend_on_row_order(invoke: Invoke, tmp_path: Path) -> None:
    rules = card_of(
        """
        - name: latest
          source: usage
          aggregate: last
          value: x
          window_days: 30
          bands: [{below: 5, score: 0}, {score: 100}]
        """
    )
    header = ["customer_id", "date", "x"]
    rows = [["C1", "2025-06-30", 1], ["C1", "2025-06-30", 9]]
    customers = customers_with_v({"C1": 1})
    one = by_id(health_json(invoke, tmp_path, rules, customers, usage=[header, *rows]))["C1"]
    other = by_id(health_json(invoke, tmp_path, rules, customers, usage=[header, *reversed(rows)]))["C1"]
    assert one["health_score"] == other["health_score"]


# --- the pipeline and the cron-style run, through the installed entry point ------------------------------------
def clean_env() -> dict[str, str]:
    drop = {"TERM", "NO_COLOR", "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "COLUMNS", "CSCTL_CONFIG"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def csctl(*args: object, cwd: Path, stdin: object = subprocess.DEVNULL) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(CSCTL), *map(str, args)],
        stdin=stdin,
        capture_output=True,
        cwd=cwd,
        env=clean_env(),
        timeout=120,
        check=False,
    )


def pipeline(folder: Path, usage: Path) -> tuple[subprocess.CompletedProcess[bytes], bytes]:
    """csctl segment customers.csv --billing billing.csv -f csv | csctl health - --usage USAGE -f csv"""
    env = clean_env()
    first = subprocess.Popen(
        [str(CSCTL), "segment", folder / "customers.csv", "--billing", folder / "billing.csv", "-f", "csv"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=folder,
        env=env,
    )
    assert first.stdout is not None
    second = subprocess.run(
        [str(CSCTL), "health", "-", "--usage", usage, "-f", "csv"],
        stdin=first.stdout,
        capture_output=True,
        cwd=folder,
        env=env,
        timeout=120,
        check=False,
    )
    first.stdout.close()
    first_err = first.stderr.read() if first.stderr else b""
    assert first.wait(timeout=120) == 0, first_err
    return second, first_err


@pytest.fixture(scope="module")
def made_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pipeline-sample")
    done = csctl("sample", "-o", folder, "--customers", 60, "--months", 15, "--seed", 5, cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder


def own_usage(folder: Path) -> Path:
    """A usage export for every customer of the sample, with the columns configs/health.yaml reads."""
    ids = [row["customer_id"] for row in csv.DictReader((folder / "customers.csv").open(encoding="utf-8"))]
    rows: list[list[object]] = [["customer_id", "date", "active_users", "seats", "reports_created", "logins"]]
    for i, cid in enumerate(ids):
        for day in (3, 10, 17):
            rows.append([cid, f"2025-06-{day:02d}", i % 7, 6, i % 4, (i * 5) % 40])
    return write_csv(folder / "my-usage.csv", rows)


def assert_health_of_segments(stdout: bytes, customers: int) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(stdout.decode("utf-8"))))
    assert len(rows) == customers
    for column in ("segment", "touch", "arr", "mrr", "accounts_per_csm", "health_score", "health_band"):
        assert column in rows[0], column
    # health sees segment's columns: the default scorecards are chosen by segment; customers without MRR are churned
    for row in rows:
        if float(row["mrr"]) > 0:
            assert row["health_scorecard"] == ("High touch" if row["segment"] == "Strategic" else "Standard")
            assert row["health_band"] in ("green", "yellow", "red", "no data")
            assert row["health_score"] == "" or 0 <= float(row["health_score"]) <= 100
        else:
            assert (row["health_scorecard"], row["health_score"], row["health_band"]) == ("", "", "churned")
    assert any(row["segment"] == "Strategic" and float(row["mrr"]) > 0 for row in rows)
    return rows


def test_pipeline_segment_into_health(made_sample: Path) -> None:
    count = sum(1 for _ in csv.DictReader((made_sample / "customers.csv").open(encoding="utf-8")))
    done, segment_err = pipeline(made_sample, own_usage(made_sample))
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr + segment_err
    rows = assert_health_of_segments(done.stdout, count)
    assert {r["segment"] for r in rows} == {"Strategic", "Growth", "Scale"}


def test_pipeline_with_the_sample_usage(made_sample: Path) -> None:
    usage = made_sample / "usage.csv"
    if not usage.exists():
        pytest.skip("csctl sample does not write usage.csv yet (usage/tickets/surveys are being added to the sample)")
    count = sum(1 for _ in csv.DictReader((made_sample / "customers.csv").open(encoding="utf-8")))
    done, _ = pipeline(made_sample, usage)
    assert done.returncode == 0, done.stderr
    assert_health_of_segments(done.stdout, count)


CRON_RULES = LEVELS
CRON_CUSTOMERS = customers_with_v({f"K{i}": v for i, v in enumerate([80, 80, 10, 50, 10, 80, 10, 50])})
# 8 customers: v 80 → 90 green ×3; 50 → 50 yellow ×2; 10 → 20 red ×3: red_share = 3/8 = 0.375


@pytest.fixture
def cron_folder(tmp_path: Path) -> Path:
    write_csv(tmp_path / "customers.csv", CRON_CUSTOMERS)
    write_rules(tmp_path / "health.yaml", CRON_RULES)
    return tmp_path


def test_cron_style_run(cron_folder: Path) -> None:
    base = ["health", "customers.csv", "--rules", "health.yaml"]
    measured = csctl(*base, "-f", "json", cwd=cron_folder)
    assert measured.returncode == 0, measured.stderr
    red_share = json.loads(measured.stdout)["metrics"]["red_share"]
    assert red_share == 0.375
    before = set(os.listdir(cron_folder))
    for threshold, code in ((red_share - 0.05, 1), (red_share, 0), (red_share + 0.05, 0)):
        weekly = cron_folder / "weekly.md"
        weekly.unlink(missing_ok=True)
        done = csctl(
            *base, "-f", "markdown", "-o", "weekly.md", "--fail-on", f"red_share>{threshold:g}", cwd=cron_folder
        )
        assert done.returncode == code, (threshold, done.stderr)
        assert done.stdout == b""
        assert b"\x1b[" not in done.stderr  # no colour
        assert b"Traceback" not in done.stderr
        if code:
            assert b"red_share" in done.stderr
        text = weekly.read_text(encoding="utf-8")
        assert text.startswith("# ")
        assert text.endswith("\n")
        assert all(f"K{i}" in text for i in range(8))  # every customer: the whole report
        assert "Portfolio health" in text
        assert set(os.listdir(cron_folder)) == before | {"weekly.md"}  # no temporary files left


def test_cron_failed_run_leaves_the_old_report(cron_folder: Path) -> None:
    weekly = cron_folder / "weekly.md"
    weekly.write_text("last week's report\n", encoding="utf-8")
    write_rules(cron_folder / "broken.yaml", CRON_RULES.replace("value: v", 'value: "v +"'))
    done = csctl(
        "health",
        "customers.csv",
        "--rules",
        "broken.yaml",
        "-f",
        "markdown",
        "-o",
        "weekly.md",
        "--fail-on",
        "red_share>0.25",
        cwd=cron_folder,
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout == b""
    assert weekly.read_text(encoding="utf-8") == "last week's report\n"
    assert sorted(os.listdir(cron_folder)) == ["broken.yaml", "customers.csv", "health.yaml", "weekly.md"]


# --- bad rules: exit 3 naming file:line -------------------------------------------------------------------------
BASE_RULES = """\
scorecards:
  - name: Main
    applies_to: "segment = 'Big'"
    groups:
      - name: adoption
        weight: 1
        measures:
          - name: usage_mean
            source: usage
            aggregate: mean
            value: x
            window_days: 30
            filter: "x >= 0"
            weight: 1
            bands: [{below: 5, score: 0}, {score: 100}]
          - name: level
            value: v
            bands: [{below: 5, score: 0}, {score: 100}]
  - name: Rest
    applies_to: "true"
    groups:
      - name: tickets
        measures:
          - name: open_tickets
            source: tickets
            aggregate: count
            filter: "priority = 'high'"
            direction: lower
            bands: [{below: 1, score: 100}, {score: 0}]
bands:
  green: 70
  yellow: 40
activity:
  source: usage
  value: logins
"""

BAD_HEALTH = [
    # (case, line to replace, its new text, the lines the error may name)
    ("misspelt column in applies_to", 3, "    applies_to: \"segmnt = 'Big'\"", [3]),
    ("value not valid SQL", 11, '            value: "x +"', [11]),
    ("filter not valid SQL", 13, '            filter: "x >= AND"', [13]),
    ("applies_to not valid SQL", 20, '    applies_to: "true AND"', [20]),
    ("negative measure weight", 14, "            weight: -1", [14]),
    ("negative group weight", 6, "        weight: -0.5", [6]),
    ("unknown aggregate", 10, "            aggregate: average", [10]),
    ("unknown source", 25, "            source: ticket", [25]),
    ("misspelt key", 12, "            window_dayz: 30", [12]),
    ("health bands out of order", 32, "  yellow: 80", [30, 31, 32]),
    ("band score out of range", 18, "            bands: [{below: 5, score: 0}, {score: 120}]", [18]),
    pytest.param(
        "measure bands out of order",
        15,
        "            bands: [{below: 5, score: 0}, {below: 2, score: 50}, {score: 100}]",
        [15],
    ),
    pytest.param("band scores against direction", 29, "            bands: [{below: 1, score: 0}, {score: 100}]", [29]),
    pytest.param("a text column as a value", 17, "            value: name", [17]),
    pytest.param("applies_to that is not a condition", 3, '    applies_to: "v + 1"', [3]),
]


@pytest.fixture
def bad_inputs(tmp_path: Path) -> list[object]:
    customers = write_csv(
        tmp_path / "customers.csv",
        [CUSTOMER_HEADER, ["C1", "One", "Big", "Ann", 10, 3], ["C2", "Two", "S", "Bob", 5, 9]],
    )
    usage = write_csv(tmp_path / "usage.csv", [["customer_id", "date", "x", "logins"], ["C1", "2025-06-01", 3, 4]])
    tickets = write_csv(
        tmp_path / "tickets.csv", [["customer_id", "created_at", "priority"], ["C2", "2025-06-02 10:00:00", "high"]]
    )
    return [customers, "--usage", usage, "--tickets", tickets]


def test_base_rules_are_valid(invoke: Invoke, tmp_path: Path, bad_inputs: list[object]) -> None:
    rules = write_rules(tmp_path / "rules.yaml", BASE_RULES)
    ok(invoke("health", *bad_inputs, "--rules", rules, "-f", "csv"))


@pytest.mark.parametrize(("case", "line", "text", "lines"), BAD_HEALTH)
def test_bad_health_rules(
    invoke: Invoke, tmp_path: Path, bad_inputs: list[object], case: str, line: int, text: str, lines: list[int]
) -> None:
    original = BASE_RULES.splitlines()
    if case != "misspelt key":
        key = text.split(":", maxsplit=1)[0].strip()
        assert original[line - 1].split(":")[0].strip() == key, "the case replaces the line holding the same key"
    original[line - 1] = text
    rules = write_rules(tmp_path / "bad-health.yaml", "\n".join(original) + "\n")
    result = invoke("health", *bad_inputs, "--rules", rules, "-f", "csv")
    assert result.exit_code == 3, f"{case}: exit {result.exit_code}: {result.stderr}"
    assert result.stdout == ""
    assert "Traceback" not in result.output
    assert str(rules) in result.stderr
    named = [n for n in range(1, len(original) + 1) if f"bad-health.yaml:{n}:" in result.stderr]
    assert named, result.stderr
    assert named[0] in lines, f"{case}: names line {named[0]}, expected {lines}: {result.stderr}"


def test_a_mean_on_a_band_edge_is_on_it_whatever_the_order_of_its_rows() -> None:
    """A parallel group-by adds a customer's rows in no fixed order; the last bits it leaves must not move a value
    across a band's edge from run to run (a 50,000-customer report's bands differed between runs)."""
    import polars as pl

    from csctl.core.health import _aggregate

    assert 0.1 + 0.2 + 0.3 != 0.6  # floating point: the sum depends on the order
    for order in ([0.1, 0.2, 0.3], [0.3, 0.2, 0.1], [0.2, 0.3, 0.1]):
        frame = pl.DataFrame({"customer_id": ["a"] * 3, "v": order})
        mean = frame.group_by("customer_id").agg(_aggregate("mean", pl.col("v"), "usage")).item(0, 1)
        total = frame.group_by("customer_id").agg(_aggregate("sum", pl.col("v"), "usage")).item(0, 1)
        assert (mean, total) == (0.2, 0.6)
