"""CSV and TSV: the primary table only, so commands chain."""

from __future__ import annotations

from csctl.render.values import escape_formulas, file_frame
from csctl.result import Result


def render(result: Result, *, fmt: str, to_file: bool, **_: object) -> bytes:
    frame = file_frame(result.primary_table)
    if to_file:
        table = result.primary_table
        numbers = {name for name in frame.columns if table.kind(name) != "text"}
        if "unit" in frame.columns:
            numbers.add("value")  # a per-row-unit value column: numbers written as text
        frame = escape_formulas(frame, skip=numbers)
    separator = "\t" if fmt == "tsv" else ","
    return frame.write_csv(separator=separator).encode("utf-8")
