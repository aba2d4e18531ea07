"""One unit vocabulary: a metric's unit and a table column's kind are words of csctl.units.Unit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import csctl
from csctl.metrics import REGISTRY
from csctl.render.svg import tick_label, value_label
from csctl.render.xlsx import FORMATS
from csctl.result import Kind
from csctl.units import Unit, format_unit


def test_kinds_are_the_units_and_text() -> None:
    units = set(get_args(Unit))
    assert units == {"money", "rate", "count", "multiple", "hours", "per_dollar", "number"}
    assert set(get_args(Kind)) == units | {"text"}
    assert {m.unit for m in REGISTRY.values()} <= units
    assert set(FORMATS) == units  # Excel has a number format for every unit, with no translation table between


def test_a_rate_is_a_percentage_everywhere() -> None:
    assert format_unit(0.0429, "rate") == "4.29%"
    assert value_label(0.0429, "rate") == "4.3%"
    assert tick_label(0.25, "rate", step=0.05) == "25%"
    assert FORMATS["rate"] == "0.00%"
    assert format_unit(0.0429, "ratio") == "0.04"  # the second word is gone: not a unit, shown as a plain number


def test_no_module_speaks_of_a_ratio_unit() -> None:
    root = Path(csctl.__file__).parent
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"""["']ratio["']""", line)
    ]
    assert found == []
