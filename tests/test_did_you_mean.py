"""One did-you-mean for every unknown name (commands, metrics, keys, tables, columns, files, sheets, personas)."""

from __future__ import annotations

import re
from pathlib import Path

import csctl
from csctl.errors import closest, did_you_mean


def test_the_nearest_choice_is_named() -> None:
    assert did_you_mean("grr_12", ["nrr_12m", "grr_12m", "grr_3m"]) == " Did you mean 'grr_12m'?"
    assert did_you_mean("bridges", ("summary", "bridge", "quarters")) == " Did you mean 'bridge'?"
    assert closest("custmer_id", {"customer_id": 1, "amount": 2}) == "customer_id"  # any iterable of names


def test_nothing_is_suggested_below_the_similarity_cutoff() -> None:
    # difflib's ratio: 'zzz' shares nothing with either choice; 'mrx' vs 'mrr' is 2·2/6 = 0.67 ≥ 0.6, 'm' is 0.5
    assert did_you_mean("zzz", ["billing", "customers"]) == ""
    assert closest("zzz", []) is None
    assert closest("mrx", ["mrr"]) == "mrr"
    assert closest("mx", ["mrr"]) is None


def test_a_key_compares_normalised_names_and_returns_the_choice_itself() -> None:
    def squash(name: str) -> str:
        return re.sub(r"[^a-z0-9]", "", name.lower())

    # as written, 'CUSTOMERID' and 'customer_id' share too little; squashed they are equal
    assert closest("CUSTOMERID", ["customer_id", "Amount"]) is None
    assert closest("CUSTOMERID", ["customer_id", "Amount"], key=squash) == "customer_id"
    assert did_you_mean("Period-Start", ["period_start", "period_end"], key=squash) == " Did you mean 'period_start'?"


def test_difflib_is_used_in_one_place_only() -> None:
    """Every did-you-mean goes through csctl.errors: no module matches names of its own."""
    root = Path(csctl.__file__).parent
    users = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if re.search(r"^\s*(import difflib|from difflib import)", path.read_text(encoding="utf-8"), re.M)
    )
    assert users == ["errors.py"]
