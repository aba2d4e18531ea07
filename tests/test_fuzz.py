"""A fast slice of the hostile-input suite (tests/fuzz/hostile.py; `make fuzz` runs 10,000 cases): one mutated
case of each of the 13 commands, each refused with exit 2/3 and a message or accepted with its invariants holding;
and the classifier and the invariants themselves, on outputs that break them."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.fuzz import hostile

SEED = int(os.environ.get("CSCTL_FUZZ_SEED", "7"))
CASES = int(os.environ.get("CSCTL_FUZZ_SLICE", str(len(hostile.COMMANDS))))  # the commands in turn


@pytest.fixture(scope="module")
def outcomes() -> dict[str, list[hostile.Outcome]]:
    """The slice's cases (made when first needed, not at collection), two at a time, by command."""
    found: dict[str, list[hostile.Outcome]] = {c: [] for c in hostile.COMMANDS}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for outcome in pool.map(hostile.run, hostile.generate(CASES, seed=SEED)):
            found[outcome.case.command].append(outcome)
    return found


@pytest.mark.parametrize("command", hostile.COMMANDS)
def test_hostile_cases_are_refused_or_accepted_correctly(
    command: str, outcomes: dict[str, list[hostile.Outcome]]
) -> None:
    assert outcomes[command], f"no case of {command} in the slice"
    for outcome in outcomes[command]:
        case = outcome.case
        assert outcome.verdict in hostile.FINE, (
            f"{case.ident} [{case.mutation}] {' '.join(case.args)}: {outcome.verdict}: {outcome.detail}\n"
            f"{outcome.stderr[-2000:]}"
        )


def test_every_input_of_every_command_is_mutated() -> None:
    cases = hostile.generate(40, seed=1, commands=("health", "report"))
    mutated = {(c.command, c.mutation.split(":")[0]) for c in cases}
    for command in ("health", "report"):
        assert {m for c, m in mutated if c == command} >= set(hostile.SPECS[command].inputs)


def test_the_classifier_flags_what_is_not_fine() -> None:
    case = hostile.generate(1, seed=1)[0]
    for code, stderr, verdict in [
        (4, "internal error: x", "exit 4"),
        (-11, "", "crash"),
        (3, "", "silent refusal"),
        (3, "error: x", "refused"),
        (1, "failed", "exit 1"),
        (0, "Traceback (most recent call last):\n  x\nValueError: y", "traceback"),
    ]:
        outcome = hostile.Outcome(case, code, 0.1, stderr, "")
        hostile.classify(outcome, [])
        assert outcome.verdict == verdict
    wrong = hostile.Outcome(case, 0, 0.1, "", '{"metrics": {"mrr": 10.0, "arr": 100.0}}')
    hostile.classify(wrong, [])
    assert wrong.verdict == "wrong output" and "12 x mrr" in wrong.detail
    left = hostile.Outcome(case, 3, 0.1, "error: x", "")
    hostile.classify(left, [".out.csv.1234.tmp"])
    assert left.verdict == "temporary files left"


def _bridge(**change: float) -> str:
    row = {"month": "2024-02", "mrr_start": 100.0, "new": 10.0, "churn": -5.0, "mrr_end": 105.0}
    row.update(change)
    start = {"month": "2024-01", "mrr_start": 90.0, "new": 10.0, "mrr_end": 100.0}
    return json.dumps({"metrics": {}, "tables": {"bridge": [start, row]}})


def test_the_invariants_catch_wrong_figures(tmp_path: Path) -> None:
    assert hostile.check_numbers(_bridge()) is None
    assert "bridge identity" in (hostile.check_numbers(_bridge(mrr_end=106.0)) or "")
    assert "previous mrr_end" in (hostile.check_numbers(_bridge(mrr_start=99.0, mrr_end=104.0)) or "")
    assert "outside [0, 1]" in (hostile.check_json('{"metrics": {"red_share": 1.5}}') or "")
    assert "outside [0, 100]" in (hostile.check_json('{"metrics": {"avg_health": 101}}') or "")
    assert "non-finite" in (hostile.check_json('{"metrics": {"mrr": NaN}}') or "")
    portfolio = {"customers": 5, "scored": 4, "green": 2, "yellow": 1, "red": 0, "no_data": 1}
    health = {"metrics": {}, "tables": {"portfolio": [portfolio], "customers": []}}
    assert "do not add up" in (hostile.check_health(json.dumps(health)) or "")
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "csctl.yaml").write_text("gross_margin: 0.01\nexports: {}\n", encoding="utf-8")
    assert "set a key" in (hostile.check_init("", tmp_path) or "")
