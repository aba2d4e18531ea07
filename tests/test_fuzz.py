"""A fast slice of the hostile-input suite (tests/fuzz/hostile.py; `make fuzz` runs 10,000 cases): every case
refused with exit 2/3 and a message, or accepted with its invariants holding."""

from __future__ import annotations

import os

import pytest

from tests.fuzz import hostile

# Undecodable bytes in file contents are the readers' encoding work (issue 16, finding 11), not yet landed: the
# full suite (`make fuzz`) runs them; the slice leaves them out so that it tests what this branch guarantees.
SLICE = [c for c in hostile.generate(int(os.environ.get("CSCTL_FUZZ_SLICE", "40")), seed=7) if c.mutation != "bytes"]
SLICE = [c for c in SLICE if not c.mutation.endswith(":bytes")][:10]


@pytest.mark.parametrize("case", SLICE, ids=[c.ident for c in SLICE])
def test_hostile_case_is_refused_or_accepted_correctly(case: hostile.Case) -> None:
    outcome = hostile.run(case, time_limit=60, memory=hostile.MEMORY_LIMIT)
    assert outcome.verdict in hostile.FINE, f"{outcome.verdict}: {outcome.detail}\n{outcome.stderr[-2000:]}"


def test_the_classifier_flags_what_is_not_fine() -> None:
    case = hostile.generate(1, seed=1)[0]
    for code, stderr, verdict in [
        (4, "internal error: x", "exit 4"),
        (-11, "", "crash"),
        (3, "", "silent refusal"),
        (3, "error: x", "refused"),
        (1, "failed", "exit 1"),
    ]:
        outcome = hostile.Outcome(case, code, 0.1, stderr, "")
        hostile.classify(outcome, [])
        assert outcome.verdict == verdict
    wrong = hostile.Outcome(case, 0, 0.1, "", '{"metrics": {"mrr": 10.0, "arr": 100.0}}')
    hostile.classify(wrong, [])
    assert wrong.verdict == "wrong output" and "12 x mrr" in wrong.detail
