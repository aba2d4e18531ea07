"""Small helpers shared by the CLI test modules: writing inputs and reading results."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import Result

Rows = Sequence[Sequence[object]]


def write_csv(path: Path, rows: Rows) -> Path:
    """Write rows (the first is the header) as CSV; None is an empty cell."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(["" if c is None else c for c in row] for row in rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def write_yaml(path: Path, text: str) -> Path:
    """Write an indented triple-quoted YAML text, dedented."""
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def ok(result: Result) -> Result:
    """The result of a run that must succeed; the failure message shows stderr and any exception."""
    assert result.exit_code == 0, f"exit {result.exit_code}\nstderr: {result.stderr}\nexception: {result.exception!r}"
    return result


def as_json(result: Result) -> dict[str, Any]:
    return json.loads(ok(result).stdout)  # type: ignore[no-any-return]


def assert_plain_workbook(path: Path, sheets: Sequence[str]) -> openpyxl.Workbook:
    """The workbook has these sheets and no formula cell anywhere (text from data is never a formula)."""
    book = openpyxl.load_workbook(path)
    for sheet in sheets:
        assert sheet in book.sheetnames, book.sheetnames
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
    return book
