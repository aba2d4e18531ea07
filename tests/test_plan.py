"""csctl plan (step 9): the options of a plays library over the enriched customer table, exactly one pick with the
stated tie rule (score, then lower risk, then lower cost, then name), plan.yaml for csctl assess, metrics checked
against the registry (exit 3 at file:line), triggers checked against the customer table.

The model (csctl/core/plan.py), per play over the active customers its trigger selects:
  hours = accounts × effort_hours; cost = hours × CSM hourly cost + accounts × cost_per_account;
  value = Σ over segments of the lever's gain × (ARR in scope / the segment's ARR);
  score = value × risk factor (low 1, medium 0.75, high 0.5) − cost;
  feasible = at least one account and (owner CS) hours ≤ 25% of the CS team's hours until the check date.

Every expected number is worked out by hand below. ``--as-of 2025-06`` makes the as-of day 2025-06-30 and, with
check_after_days 90, the check date 2025-09-28.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import yaml
from helpers import as_json, ok, write_csv, write_yaml
from typer.testing import Result

from csctl.core.plan import target_of

Invoke = Callable[..., Result]
Rows = Sequence[Sequence[object]]

AS_OF = "2025-06"  # → 2025-06-30

# The default segment rules put ARR ≥ 24,000 in Strategic, ≥ 6,000 in Growth, the rest in Scale.
# days to renewal from 2025-06-30: A 46, B 154, C 20, D 92, E 5, F 244.
CUSTOMERS: Rows = [
    ["customer_id", "name", "arr", "renewal_date", "plan_tier"],
    ["A", "Alpha", 30000, "2025-08-15", "gold"],  # Strategic
    ["B", "Beta", 26000, "2025-12-01", "silver"],  # Strategic   → Strategic ARR 56,000
    ["C", "Gamma", 8000, "2025-07-20", "gold"],  # Growth
    ["D", "Delta", 7000, "2025-09-30", "silver"],  # Growth      → Growth ARR 15,000
    ["E", "Epsilon", 2000, "2025-07-05", "gold"],  # Scale
    ["F", "Phi", 1000, "2026-03-01", "silver"],  # Scale        → Scale ARR 3,000
]
# Two CSMs: loaded cost per FTE 80,000 and 48,000 / 0.5 = 96,000 → mean 88,000 a year / 1,600 hours = $55 an hour.
# CS hours: 1.5 FTE × 1,600 = 2,400 a year → 2,400 × 90 / 365 = 591.78 until the check date.
# Sales hours (the account executive): 1,600 a year → 394.52 until the check date. The VP is neither.
TEAM: Rows = [
    ["name", "role", "fte", "loaded_cost"],
    ["Ann", "CSM", 1, 80000],
    ["Bob", "CSM", 0.5, 48000],
    ["Vera", "VP Customer Success", 1, 200000],
    ["Sam", "Account Executive", 1, 150000],
]
HOURLY = 88000 / 1600
CS_HOURS = 2400 * 90 / 365
SALES_HOURS = 1600 * 90 / 365
# csctl opportunity's gains by segment and lever (hand-made, so the value is hand-worked)
GAINS: Rows = [
    ["segment", "lever", "gain"],
    ["Strategic", "retention", 10000],
    ["Growth", "retention", 4000],
    ["Scale", "retention", 1000],
    ["Strategic", "expansion", 20000],
    ["Growth", "expansion", 5000],
    ["Scale", "expansion", 500],
    ["Strategic", "upsell", 100000],
    ["Growth", "upsell", 30000],
    ["Scale", "upsell", 3000],
]

PLAYS = """
check_after_days: 90
action_within_days: 14
done_target: 0.8
plays:
  - name: renewal play
    kind: process
    lever: retention
    trigger: "days_to_renewal BETWEEN 0 AND 60"
    effort_hours: 3
    risk: low
    moves: grr_12m
    change: 0.02
    due: {column: renewal_date, days_before: 30}
  - name: gold care
    lever: expansion
    trigger: "plan_tier = 'gold'"
    effort_hours: 2
    cost_per_account: 100
    risk: medium
    moves: nrr_12m
    change: 0.02
    action: Review the gold features with the champion
  - name: deep dive
    lever: upsell
    trigger: "plan_tier = 'gold'"
    effort_hours: 100
    risk: low
    moves: nrr_12m
    change: 0.05
  - name: sales blitz
    lever: retention
    owner: Sales
    trigger: "arr >= 20000 AND plan_tier = 'silver'"
    effort_hours: 150
    risk: high
    moves: nrr_12m
    change: 0.01
  - name: nobody
    lever: retention
    trigger: "arr > 1000000"
    effort_hours: 1
    risk: low
    moves: grr_12m
    change: 0.01
"""

# By hand (gold = A, C, E; renewal within 60 days = A 46, C 20, E 5; silver with ARR ≥ 20,000 = B):
#   gold care    3 accounts, ARR 40,000, 6 h, cost 6 × 55 + 3 × 100 = 630,
#                value 20,000 × 30/56 + 5,000 × 8/15 + 500 × 2/3 = 13,714.29, score × 0.75 − 630 = 9,655.71
#   renewal play 3 accounts, ARR 40,000, 9 h, cost 495,
#                value 10,000 × 30/56 + 4,000 × 8/15 + 1,000 × 2/3 = 8,157.14, score 7,662.14
#   sales blitz  1 account (B), ARR 26,000, 150 h, cost 8,250, value 10,000 × 26/56 = 4,642.86,
#                score × 0.5 − 8,250 = −5,928.57; 150 h is 38% of the Sales hours, but only CS capacity limits
#   deep dive    3 accounts, 300 h, cost 16,500, value 100,000 × 30/56 + 30,000 × 8/15 + 3,000 × 2/3 = 71,571.43,
#                score 55,071.43 — the highest, but 300 h is 51% of the CS team's 591.78 h: not feasible
#   nobody       no account: not feasible
GOLD_VALUE = 20000 * 30 / 56 + 5000 * 8 / 15 + 500 * 2 / 3
RENEWAL_VALUE = 10000 * 30 / 56 + 4000 * 8 / 15 + 1000 * 2 / 3
BLITZ_VALUE = 10000 * 26 / 56
DEEP_VALUE = 100000 * 30 / 56 + 30000 * 8 / 15 + 3000 * 2 / 3
RANKED = ["gold care", "renewal play", "sales blitz", "deep dive", "nobody"]


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line of a file containing needle."""
    return next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in text)


def shuffled(rows: Rows, seed: int) -> list[Sequence[object]]:
    body = list(rows[1:])
    random.Random(seed).shuffle(body)
    return [rows[0], *body]


def company(folder: Path, plays: str = PLAYS, seed: int | None = None) -> dict[str, Path]:
    """The small company's files in folder (rows shuffled with seed, when given)."""
    order = (lambda rows: rows) if seed is None else (lambda rows: shuffled(rows, seed))
    return {
        "customers": write_csv(folder / "customers.csv", order(CUSTOMERS)),
        "team": write_csv(folder / "team.csv", order(TEAM)),
        "opportunity": write_csv(folder / "gains.csv", order(GAINS)),
        "plays": write_yaml(folder / "plays.yaml", plays),
    }


def plan_args(files: dict[str, Path], plan_file: Path, *extra: object) -> list[object]:
    return [
        "plan",
        "--customers",
        files["customers"],
        "--team",
        files["team"],
        "--opportunity",
        files["opportunity"],
        "--plays",
        files["plays"],
        "--as-of",
        AS_OF,
        "--plan-file",
        plan_file,
        "-f",
        "json",
        *extra,
    ]


def options_of(doc: dict) -> dict[str, dict]:
    return {row["option"]: row for row in doc["tables"]["options"]}


def read_plan(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def planned(cli: Invoke, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, Path]:
    folder = tmp_path_factory.mktemp("plan")
    files = company(folder)
    plan_file = folder / "out" / "my_plan.yaml"
    plan_file.parent.mkdir()
    doc = as_json(cli(*plan_args(files, plan_file)))
    return doc, read_plan(plan_file), folder


# --- the options, hand-worked -------------------------------------------------------------------------------------
def test_gold_care_accounts_arr_hours_cost_value_score_by_hand(planned: tuple[dict, dict, Path]) -> None:
    row = options_of(planned[0])["gold care"]
    assert (row["evaluable"], row["accounts"], row["arr"], row["hours"]) == (True, 3, 40000.0, 6.0)
    assert row["cost"] == pytest.approx(6 * HOURLY + 3 * 100) == 630
    assert row["value"] == pytest.approx(round(GOLD_VALUE, 2))
    assert row["score"] == pytest.approx(round(GOLD_VALUE * 0.75 - 630, 2)) == 9655.71
    assert row["team_hours"] == pytest.approx(round(CS_HOURS, 1))
    assert row["capacity_share"] == pytest.approx(6 / CS_HOURS, rel=1e-4)
    assert (row["feasible"], row["why"]) == (True, "")


def test_renewal_play_selects_renewals_within_60_days(planned: tuple[dict, dict, Path]) -> None:
    row = options_of(planned[0])["renewal play"]
    assert (row["accounts"], row["arr"], row["hours"]) == (3, 40000.0, 9.0)
    assert row["cost"] == pytest.approx(9 * HOURLY)
    assert row["value"] == pytest.approx(round(RENEWAL_VALUE, 2))
    assert row["score"] == pytest.approx(round(RENEWAL_VALUE - 9 * HOURLY, 2))


def test_over_capacity_option_is_not_feasible_and_not_picked(planned: tuple[dict, dict, Path]) -> None:
    row = options_of(planned[0])["deep dive"]
    assert row["score"] == pytest.approx(round(DEEP_VALUE - 300 * HOURLY, 2))  # the highest score of all
    assert row["capacity_share"] == pytest.approx(300 / CS_HOURS, rel=1e-4)
    assert row["feasible"] is False
    assert row["why"] == "needs 51% of the CS team's hours (max 25%)"
    assert planned[1]["pick"]["option"] != "deep dive"


def test_only_cs_capacity_limits_a_play(planned: tuple[dict, dict, Path]) -> None:
    row = options_of(planned[0])["sales blitz"]
    assert (row["owner"], row["accounts"], row["arr"], row["hours"]) == ("Sales", 1, 26000.0, 150.0)
    assert row["team_hours"] == pytest.approx(round(SALES_HOURS, 1))
    assert row["capacity_share"] == pytest.approx(150 / SALES_HOURS, rel=1e-4)  # 38% > 25%, still feasible
    assert row["feasible"] is True
    assert row["score"] == pytest.approx(round(BLITZ_VALUE * 0.5 - 150 * HOURLY, 2))


def test_an_option_without_accounts_is_not_feasible(planned: tuple[dict, dict, Path]) -> None:
    row = options_of(planned[0])["nobody"]
    assert (row["accounts"], row["feasible"], row["why"]) == (0, False, "no account matches")


def test_ranking_feasible_first_by_score(planned: tuple[dict, dict, Path]) -> None:
    doc = planned[0]
    assert [row["option"] for row in doc["tables"]["options"]] == RANKED
    assert [row["rank"] for row in doc["tables"]["options"]] == [1, 2, 3, 4, 5]


def test_exactly_one_pick_with_its_reason(planned: tuple[dict, dict, Path]) -> None:
    doc, plan, _ = planned
    assert [row["pick"] for row in doc["tables"]["pick"]] == ["gold care"]
    reason = doc["tables"]["pick"][0]["reason"]
    assert reason.startswith("gold care has the highest score of the feasible options: value $13,714")
    assert "× 0.75 for medium risk − cost $630 = $9,656; next best: renewal play" in reason
    assert doc["metrics"] == {"plan_accounts": 3, "plan_arr_in_scope": 40000.0, "plan_hours": 6.0, "plan_cost": 630.0}
    assert plan["pick"]["reason"] == reason


def test_lens_what_need_not_be_done_and_what_others_do(planned: tuple[dict, dict, Path]) -> None:
    lens = {(row["lens"], row["item"]): row["detail"] for row in planned[0]["tables"]["lens"]}
    assert lens[("need not be done", "sales blitz")] == "costs more than it returns (score -$5,929)"
    assert lens[("done by others", "sales blitz")] == "Sales: 1 accounts, 150 hours"
    assert lens[("need not be done", "nobody")] == "no account matches its trigger"


# --- plan.yaml -----------------------------------------------------------------------------------------------------
def test_plan_yaml_holds_the_pick_metrics_and_actions(planned: tuple[dict, dict, Path]) -> None:
    _, plan, folder = planned
    assert (plan["csctl_plan"], plan["as_of"], plan["baseline_day"], plan["check_date"]) == (
        1,
        "2025-06",
        "2025-06-30",
        "2025-09-28",
    )
    assert plan["pick"] == {
        "option": "gold care",
        "lever": "expansion",
        "owner": "CS",
        "trigger": "plan_tier = 'gold'",
        "accounts": 3,
        "arr": 40000.0,
        "hours": 6.0,
        "cost": 630.0,
        "risk": "medium",
        "reason": plan["pick"]["reason"],
    }
    assert plan["next_best"] == "renewal play"
    assert plan["done_target"] == 0.8
    # nrr_12m needs billing: no baseline, no target; the doing metric's target is the done target
    assert [(m["name"], m["role"], m["baseline"], m["target"], m["better"]) for m in plan["metrics"]] == [
        ("nrr_12m", "outcome", None, None, "up"),
        ("plan_actions_done_share", "doing", None, 0.8, "up"),
    ]
    assert [o["option"] for o in plan["options"]] == RANKED
    # gold care has no due rule: each action is due within action_within_days (14) of 2025-06-30
    assert plan["actions"] == [
        {"customer_id": c, "play": "gold care", "due": "2025-07-14", "owner": "CS"} for c in ("A", "C", "E")
    ]
    assert plan["plays"].endswith("plays.yaml")
    assert set(plan["inputs"]) == {"customers", "team"}
    assert not (folder / "plan.yaml").exists()  # written where --plan-file says, nowhere else


def test_actions_table_has_the_account_details(planned: tuple[dict, dict, Path]) -> None:
    actions = planned[0]["tables"]["actions"]
    assert [(a["customer_id"], a["name"], a["segment"], a["due"]) for a in actions] == [
        ("A", "Alpha", "Strategic", "2025-07-14"),
        ("C", "Gamma", "Growth", "2025-07-14"),
        ("E", "Epsilon", "Scale", "2025-07-14"),
    ]
    assert {a["action"] for a in actions} == {"Review the gold features with the champion"}


def test_due_rule_days_before_a_date_never_before_tomorrow(invoke: Invoke, tmp_path: Path) -> None:
    # only the renewal play: due 30 days before the renewal date, 2025-07-01 at the earliest
    plays = PLAYS.split("  - name: gold care", maxsplit=1)[0]
    files = company(tmp_path, plays)
    ok(invoke(*plan_args(files, tmp_path / "p.yaml")))
    # A 2025-08-15 − 30 = 2025-07-16; C 2025-07-20 − 30 = 2025-06-20 → 2025-07-01; E 2025-06-05 → 2025-07-01
    assert [(a["customer_id"], a["due"]) for a in read_plan(tmp_path / "p.yaml")["actions"]] == [
        ("C", "2025-07-01"),
        ("E", "2025-07-01"),
        ("A", "2025-07-16"),
    ]


def test_the_default_plan_file_is_plan_yaml_in_the_current_folder(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = company(tmp_path)
    monkeypatch.chdir(tmp_path)
    args = plan_args(files, tmp_path / "unused.yaml")
    args = args[: args.index("--plan-file")] + args[args.index("--plan-file") + 2 :]
    result = ok(invoke(*args))
    assert read_plan(tmp_path / "plan.yaml")["pick"]["option"] == "gold care"
    assert "wrote plan.yaml (pick: gold care)" in result.stderr


def test_plan_never_overwrites_an_input_export(invoke: Invoke, tmp_path: Path) -> None:
    files = company(tmp_path)
    before = files["customers"].read_bytes()
    result = invoke(*plan_args(files, files["customers"]))
    assert result.exit_code == 2, result.stderr
    assert "never overwrites its inputs" in result.stderr
    assert files["customers"].read_bytes() == before


def test_plan_never_overwrites_its_plays_file(invoke: Invoke, tmp_path: Path) -> None:
    files = company(tmp_path)
    before = files["plays"].read_bytes()
    result = invoke(*plan_args(files, files["plays"]))
    assert files["plays"].read_bytes() == before
    assert result.exit_code == 2, result.stderr


def test_plan_file_and_output_must_differ(invoke: Invoke, tmp_path: Path) -> None:
    files = company(tmp_path)
    out = tmp_path / "same.yaml"
    result = invoke(*plan_args(files, out), "-o", out)
    assert result.exit_code == 2, result.stderr
    assert "also --plan-file" in result.stderr
    assert not out.exists()


# --- the tie rule: score, then lower risk, then lower cost, then name -------------------------------------------------
# Growth is C and D (ARR 8,000 + 7,000): a trigger on it takes the whole segment, so value = the lever's gain there
# (retention 4,000, expansion 5,000, upsell 30,000 from GAINS; here overridden per case). Two accounts; $55 an hour.
def tie_plays(*plays: str) -> str:
    return "plays:\n" + "".join(plays)


def growth_play(name: str, lever: str, risk: str, effort: float, per_account: float = 0) -> str:
    return (
        f"  - name: {name}\n    lever: {lever}\n    trigger: \"segment = 'Growth'\"\n    effort_hours: {effort}\n"
        f"    cost_per_account: {per_account}\n    risk: {risk}\n    moves: grr_12m\n    change: 0.01\n"
    )


TIE_GAINS: Rows = [
    ["segment", "lever", "gain"],
    ["Growth", "retention", 4000],
    ["Growth", "expansion", 4400],
    ["Growth", "upsell", 5000],
]
TIES = {
    # the same play twice under two names: 4,000 − 2 × 2 h × 55 = 3,780 each → the name decides
    "name": (
        tie_plays(growth_play("beta", "retention", "low", 2), growth_play("alpha", "retention", "low", 2)),
        ["alpha", "beta"],
    ),
    # cheap: 4,000 − 220 = 3,780; dear: 5,000 − (220 + 2 × 500) = 3,780 → the lower cost beats the name
    "cost": (
        tie_plays(growth_play("alpha dear", "upsell", "low", 2, 500), growth_play("zeta cheap", "retention", "low", 2)),
        ["zeta cheap", "alpha dear"],
    ),
    # low: 4,000 × 1 − (440 + 2 × 200) = 3,160; medium: 4,400 × 0.75 − (110 + 2 × 15) = 3,160 → the lower risk
    # beats the lower cost and the name
    "risk": (
        tie_plays(
            growth_play("aa medium", "expansion", "medium", 1, 15), growth_play("zz low", "retention", "low", 4, 200)
        ),
        ["zz low", "aa medium"],
    ),
}


@pytest.mark.parametrize("case", TIES)
def test_ties_on_score_follow_the_stated_rule(invoke: Invoke, tmp_path: Path, case: str) -> None:
    plays, expected = TIES[case]
    files = company(tmp_path, plays)
    write_csv(files["opportunity"], TIE_GAINS)
    doc = as_json(invoke(*plan_args(files, tmp_path / "plan.yaml")))
    scores = {row["score"] for row in doc["tables"]["options"]}
    assert len(scores) == 1, doc["tables"]["options"]  # a real tie
    assert [row["option"] for row in doc["tables"]["options"]] == expected
    plan = read_plan(tmp_path / "plan.yaml")
    assert (plan["pick"]["option"], plan["next_best"]) == tuple(expected)


DETERMINISM_PLAYS = tie_plays(
    growth_play("beta", "retention", "low", 2),
    growth_play("alpha dear", "upsell", "low", 2, 500),
    growth_play("alpha", "retention", "low", 2),
    growth_play("zz low", "retention", "low", 4, 200),
    growth_play("aa medium", "expansion", "medium", 1, 15),
)


def test_shuffled_input_rows_give_the_same_pick_and_an_identical_plan_yaml(invoke: Invoke, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.yaml"
    outputs = []
    for seed in (None, 1, 2, 3, 4, 5):
        files = company(tmp_path, DETERMINISM_PLAYS, seed)  # the same paths, rows in another order
        write_csv(files["opportunity"], TIE_GAINS if seed is None else shuffled(TIE_GAINS, seed))
        stdout = ok(invoke(*plan_args(files, plan_file), "--force")).stdout
        outputs.append((plan_file.read_bytes(), stdout))
    assert read_plan(plan_file)["pick"]["option"] == "alpha"
    assert [o["option"] for o in read_plan(plan_file)["options"]] == [
        "alpha",
        "beta",
        "alpha dear",
        "zz low",
        "aa medium",
    ]
    assert all(o == outputs[0] for o in outputs[1:])


# --- metrics and triggers are checked (exit 3 at file:line) ---------------------------------------------------------
def test_unknown_metric_in_plays_exits_3_at_its_line_with_did_you_mean(invoke: Invoke, tmp_path: Path) -> None:
    files = company(tmp_path, PLAYS.replace("moves: nrr_12m\n    change: 0.02", "moves: grr_12n\n    change: 0.02"))
    result = invoke(*plan_args(files, tmp_path / "plan.yaml"))
    assert result.exit_code == 3, result.stderr
    line = line_of(files["plays"], "grr_12n")
    assert f"plays.yaml:{line}:" in result.stderr
    assert "unknown metric 'grr_12n'" in result.stderr
    assert "did you mean 'grr_12m'" in result.stderr.lower()
    assert not (tmp_path / "plan.yaml").exists()


def test_a_metric_without_a_better_direction_cannot_be_moved(invoke: Invoke, tmp_path: Path) -> None:
    files = company(
        tmp_path, PLAYS.replace("moves: nrr_12m\n    change: 0.02", "moves: value_path_customers\n    change: 2")
    )
    result = invoke(*plan_args(files, tmp_path / "plan.yaml"))
    assert result.exit_code == 3, result.stderr
    assert f"plays.yaml:{line_of(files['plays'], 'moves: value_path_customers')}:" in result.stderr
    assert "no better direction" in result.stderr


def test_trigger_with_an_unknown_column_exits_3_at_its_line(invoke: Invoke, tmp_path: Path) -> None:
    files = company(tmp_path, PLAYS.replace("plan_tier = 'gold'", "plan_teir = 'gold'", 1))
    result = invoke(*plan_args(files, tmp_path / "plan.yaml"))
    assert result.exit_code == 3, result.stderr
    assert f"plays.yaml:{line_of(files['plays'], 'plan_teir')}:" in result.stderr
    assert "unknown column 'plan_teir'" in result.stderr
    assert "did you mean 'plan_tier'" in result.stderr.lower()


def test_trigger_that_is_not_sql_exits_3_at_its_line(invoke: Invoke, tmp_path: Path) -> None:
    files = company(tmp_path, PLAYS.replace("arr > 1000000", "arr >>> 1000000"))
    result = invoke(*plan_args(files, tmp_path / "plan.yaml"))
    assert result.exit_code == 3, result.stderr
    assert f"plays.yaml:{line_of(files['plays'], 'arr >>> 1000000')}:" in result.stderr


def test_play_named_twice_exits_3_at_the_second_name(invoke: Invoke, tmp_path: Path) -> None:
    files = company(tmp_path, PLAYS.replace("name: nobody", "name: gold care"))
    result = invoke(*plan_args(files, tmp_path / "plan.yaml"))
    assert result.exit_code == 3, result.stderr
    lines = [i for i, t in enumerate(files["plays"].read_text().splitlines(), 1) if "name: gold care" in t]
    assert f"plays.yaml:{lines[1]}:" in result.stderr
    assert "named twice" in result.stderr


@pytest.mark.parametrize(
    ("trigger", "needs"),
    [
        ("health_band = 'red'", "needs usage, tickets or surveys (health)"),
        ("value_behind", "needs milestones (value path)"),
        ("single_threaded", "needs contacts (personas)"),
        ("industry = 'Retail'", "needs industry in customers"),  # of the CRM layout, not in this CRM's export
    ],
)
def test_trigger_on_a_column_another_export_provides_is_not_evaluable(
    invoke: Invoke, tmp_path: Path, trigger: str, needs: str
) -> None:
    files = company(tmp_path, PLAYS.replace("plan_tier = 'gold'", trigger, 1))
    doc = as_json(invoke(*plan_args(files, tmp_path / "plan.yaml")))
    row = options_of(doc)["gold care"]
    assert (row["evaluable"], row["accounts"], row["score"], row["feasible"]) == (False, None, None, False)
    assert row["why"] == needs
    assert {"lens": "cannot tell yet", "item": "gold care", "detail": needs} in doc["tables"]["lens"]
    # the others are still weighed: renewal play is now the best feasible option
    assert read_plan(tmp_path / "plan.yaml")["pick"]["option"] == "renewal play"


def test_no_play_selects_anyone_exits_3(invoke: Invoke, tmp_path: Path) -> None:
    nobody = "plays:\n  - name: nobody\n" + PLAYS.split("  - name: nobody\n", maxsplit=1)[1]
    files = company(tmp_path, nobody)
    result = invoke(*plan_args(files, tmp_path / "plan.yaml"))
    assert result.exit_code == 3, result.stderr
    assert "nothing to pick" in result.stderr
    assert not (tmp_path / "plan.yaml").exists()


def test_plan_needs_a_customer_table(invoke: Invoke, tmp_path: Path) -> None:
    files = company(tmp_path)
    result = invoke("plan", "--plays", files["plays"], "--as-of", AS_OF, "--plan-file", tmp_path / "p.yaml")
    assert result.exit_code == 2, result.stderr
    assert "customers" in result.stderr


# --- the value path in the plan: baseline and target of a metric whose better direction is down --------------------
VALUE_MILESTONES: Rows = [
    ["customer_id", "milestone", "date"],
    # C: kickoff 2025-04-05, oriented: 12.3 weeks in, active due by week 5: behind (next due 2025-05-03)
    ["C", "kickoff", "2025-04-05"],
    ["C", "technical setup", "2025-04-08"],
    ["C", "oriented", "2025-04-14"],
    # D: kickoff 2025-06-20, 1.4 weeks in: on track
    ["D", "kickoff", "2025-06-20"],
]
RECOVERY = """
plays:
  - name: onboarding recovery
    lever: retention
    trigger: "value_behind"
    effort_hours: 4
    risk: low
    moves: value_path_behind_share
    change: 0.10
"""


def test_plan_on_the_value_path_baseline_target_and_value_path_actions(invoke: Invoke, tmp_path: Path) -> None:
    files = company(tmp_path, RECOVERY)
    milestones = write_csv(tmp_path / "milestones.csv", VALUE_MILESTONES)
    doc = as_json(invoke(*plan_args(files, tmp_path / "plan.yaml", "--milestones", milestones)))
    plan = read_plan(tmp_path / "plan.yaml")
    assert (plan["pick"]["option"], plan["pick"]["accounts"], plan["next_best"]) == ("onboarding recovery", 1, None)
    # behind: C of C and D → baseline 0.5; better is down, so the target is 0.5 − 0.10 = 0.4
    assert plan["metrics"][0] == {
        "name": "value_path_behind_share",
        "role": "outcome",
        "question": "is it working",
        "baseline": 0.5,
        "target": 0.4,
        "better": "down",
    }
    # the pick's action for C (within 14 days) and the value path's next step for the behind C, due at its next
    # milestone's date (2025-05-03) but not before tomorrow: 2025-07-01
    assert plan["actions"] == [
        {"customer_id": "C", "play": "value path", "due": "2025-07-01", "owner": "CS"},
        {"customer_id": "C", "play": "onboarding recovery", "due": "2025-07-14", "owner": "CS"},
    ]
    behind = [a for a in doc["tables"]["actions"] if a["play"] == "value path"]
    assert behind[0]["action"] == "Get the first team using it every week; agree the success plan"


# --- target_of: the change goes in the better direction, shares stay within 0..1 --------------------------------------
@pytest.mark.parametrize(
    ("metric", "baseline", "change", "target"),
    [
        ("grr_12m", 0.90, 0.02, 0.92),  # up
        ("grr_12m", 0.99, 0.02, 1.0),  # a share cannot pass 1
        ("nrr_12m", 1.05, 0.02, 1.07),  # NRR can pass 1
        ("nrr_12m", 0.99, -0.02, 1.01),  # the sign of change does not matter: towards better
        ("red_share", 0.20, 0.05, 0.15),  # down
        ("red_share", 0.03, 0.05, 0.0),  # not below 0
        ("value_path_behind_share", 0.5, 0.1, 0.4),
        ("grr_12m", None, 0.02, None),  # no baseline, no target
    ],
)
def test_target_of(metric: str, baseline: float | None, change: float, target: float | None) -> None:
    found = target_of(metric, baseline, change)
    assert found == (None if target is None else pytest.approx(target))


# --- found in review -------------------------------------------------------------------------------------------------
LICENCE_PLAYS = """
plays:
  - name: digital nurture
    lever: retention
    trigger: "plan_tier = 'silver'"
    effort_hours: 1
    cost_per_account: 60
    risk: low
    moves: grr_12m
    change: 0.01
"""


def test_cost_per_account_counts_without_an_hourly_cost(invoke: Invoke, tmp_path: Path) -> None:
    files = company(tmp_path, LICENCE_PLAYS)
    args = [a for a in plan_args(files, tmp_path / "p.yaml") if a not in ("--team", files["team"])]
    row = options_of(as_json(invoke(*args)))["digital nurture"]
    assert row["accounts"] == 3  # B, D, F are silver
    assert row["cost"] == pytest.approx(3 * 60)  # no roster: hours are not costed, the licence is


@pytest.mark.parametrize(
    ("due", "message"),
    [
        (
            "{column: renewal_dat, days_before: 90}",
            "due column 'renewal_dat' is not in the enriched customer table. Did you mean 'renewal_date'?",
        ),
        ("{column: name, days_before: 90}", "due column 'name' is String, not a date"),
    ],
)
def test_a_bad_due_column_exits_3_at_the_play(invoke: Invoke, tmp_path: Path, due: str, message: str) -> None:
    plays = LICENCE_PLAYS + f"    due: {due}\n"
    files = company(tmp_path, plays)
    result = invoke(*plan_args(files, tmp_path / "p.yaml"))
    assert result.exit_code == 3, result.stderr
    assert f"plays.yaml:10: {message}" in result.stderr  # the line of its due: key
    assert not (tmp_path / "p.yaml").exists()


def test_plays_that_all_need_missing_exports_is_a_usage_error_naming_them(invoke: Invoke, tmp_path: Path) -> None:
    plays = LICENCE_PLAYS.replace("plan_tier = 'silver'", "health_band = 'red'")
    files = company(tmp_path, plays)
    result = invoke(*plan_args(files, tmp_path / "p.yaml"))
    assert result.exit_code == 2, result.stderr
    assert "plan needs usage, tickets or surveys (health)" in result.stderr


def test_a_missing_output_folder_is_checked_before_plan_yaml_is_written(invoke: Invoke, tmp_path: Path) -> None:
    files = company(tmp_path)
    result = invoke(*plan_args(files, tmp_path / "p.yaml"), "-o", tmp_path / "nowhere" / "plan.csv")
    assert result.exit_code == 2, result.stderr
    assert not (tmp_path / "p.yaml").exists()


def test_gains_of_other_segments_are_an_input_error(invoke: Invoke, tmp_path: Path) -> None:
    files = company(tmp_path)
    write_csv(files["opportunity"], [["segment", "lever", "gain"], ["Enterprise", "retention", 100]])
    result = invoke(*plan_args(files, tmp_path / "p.yaml"))
    assert result.exit_code == 3, result.stderr
    assert "none of its segments (Enterprise) is a segment of the customers" in result.stderr


def test_an_option_whose_lever_is_unmeasured_is_not_feasible(invoke: Invoke, tmp_path: Path) -> None:
    # csctl opportunity leaves an unmeasured lever's gain empty (its inputs are missing): the option cannot be
    # valued, so it is not picked on a value of $0
    files = company(tmp_path)
    gains = [row if row[1] != "upsell" else [row[0], row[1], ""] for row in GAINS]
    write_csv(files["opportunity"], gains)
    doc = as_json(invoke(*plan_args(files, tmp_path / "p.yaml")))
    row = options_of(doc)["deep dive"]
    assert row["lever"] == "upsell"
    assert row["feasible"] is False
    assert row["why"] == "its lever (upsell) is unmeasured in step 8 (greatest opportunity): an input is missing"
    assert doc["tables"]["pick"][0]["pick"] != "deep dive"


def test_gains_without_a_gain_column_are_an_input_error(invoke: Invoke, tmp_path: Path) -> None:
    files = company(tmp_path)
    write_csv(files["opportunity"], [["segment", "lever", "value"], ["Strategic", "retention", 100]])
    result = invoke(*plan_args(files, tmp_path / "p.yaml"))
    assert result.exit_code == 3, result.stderr
    assert "no gain column" in result.stderr


def test_the_lens_shows_the_csm_imbalance_csctl_asis_measures(invoke: Invoke, tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[1] / "sample_data"
    inputs = [
        "--customers",
        sample / "customers.csv",
        "--billing",
        sample / "billing.csv",
        "--team",
        sample / "team.csv",
    ]
    doc = as_json(invoke("plan", *inputs, "--plan-file", tmp_path / "p.yaml", "-f", "json", "-q"))
    lens = [row for row in doc["tables"]["lens"] if row["lens"] == "imbalanced"]
    seg = tmp_path / "seg.csv"
    ok(invoke("segment", sample / "customers.csv", "--billing", sample / "billing.csv", "-o", seg, "-q"))
    asis = as_json(invoke("asis", "--team", sample / "team.csv", "--customers", seg, "-f", "json", "-q"))["metrics"]
    ratio = asis["accounts_max_min"]
    assert lens == [
        {
            "lens": "imbalanced",
            "item": "accounts per CSM",
            "detail": f"CV {asis['accounts_cv']:.2f}, max/min {'—' if ratio is None else f'{ratio:.2f}'}, "
            + (
                "CSMs over capacity not measured (csctl asis)"
                if asis["overloaded_csms"] is None
                else f"{int(asis['overloaded_csms'])} CSMs over capacity (csctl asis)"
            ),
        }
    ]
