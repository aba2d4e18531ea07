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


# a program for the fork server's children and for a new interpreter alike: each way out of a Python process
EXITS = """
import os, signal, sys, time
how = sys.argv[1]
print(os.getcwd(), repr(sys.stdin.read()), sys.argv[1:])
print('to stderr', file=sys.stderr)
if how == 'raise':
    raise ValueError('boom')
if how == 'exit':
    sys.exit(int(sys.argv[2]))
if how == 'message':
    sys.exit('a message')
if how == 'signal':
    os.kill(os.getpid(), signal.SIGSEGV)
if how == 'hang':
    time.sleep(120)
if how == 'memory':
    x = bytearray(1 << 31)
if how == 'atexit':
    import atexit
    atexit.register(lambda: sys.stdout.write('at exit'))
"""


def _new_interpreter(args: list[str], root: Path, memory: int) -> tuple[int, bytes, bytes]:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", EXITS, *args],
        cwd=root,
        capture_output=True,
        timeout=30,
        env=hostile._env(),
        preexec_fn=hostile._limits(memory),
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_a_forked_run_ends_as_a_new_interpreter_does(tmp_path: Path) -> None:
    """Exit codes, a traceback, a signal, the memory limit, stdin, stdout and stderr, the folder and argv: the same
    in a child of the fork server as in `python -c`; and a run over the time limit is killed."""
    server = hostile.Server(EXITS, preload=False)  # the set-up and the ways out; real runs: the test below
    memory = 2 << 30
    try:
        (tmp_path / "streams").mkdir()
        (tmp_path / "run").mkdir()
        for args in (["ok"], ["exit", "3"], ["exit", "4"], ["message"], ["raise"], ["signal"], ["memory"], ["atexit"]):
            result = server.run(args, tmp_path / "run", tmp_path / "streams", memory, 30.0)
            assert result is not None
            forked = (
                os.waitstatus_to_exitcode(result[0]),
                (tmp_path / "streams" / "stdout").read_bytes(),
                (tmp_path / "streams" / "stderr").read_bytes(),
            )
            expected = _new_interpreter(args, tmp_path / "run", memory)
            assert forked[0] == expected[0], args
            assert forked[1] == expected[1], args
            assert forked[2] == expected[2], args
            assert result[1] > 0  # the peak RSS
        assert server.run(["hang"], tmp_path / "run", tmp_path / "streams", memory, 0.5) is None
        result = server.run(["exit", "2"], tmp_path / "run", tmp_path / "streams", memory, 30.0)  # still serving
        assert result is not None and os.waitstatus_to_exitcode(result[0]) == 2
    finally:
        server.close()


def test_the_fork_and_the_process_isolation_classify_a_case_alike(
    outcomes: dict[str, list[hostile.Outcome]],
) -> None:
    """Cases of the slice (forked) run again each in a new interpreter: the same exit code, verdict and output."""
    for command in ("numbers", "init"):
        forked = outcomes[command][0]
        alone = hostile.run(forked.case, isolation="process")
        assert (alone.code, alone.verdict, alone.stdout, alone.stderr) == (
            forked.code,
            forked.verdict,
            forked.stdout,
            forked.stderr,
        ), forked.case.ident
