"""Cell values for people (table, markdown) and for files (csv): the column kinds decide."""

from __future__ import annotations

from typing import Any

import polars as pl

from csctl.result import Table
from csctl.units import format_unit, number

RATE_DECIMALS = 6
ACRONYMS = {
    "acv": "ACV",
    "arpa": "ARPA",
    "arr": "ARR",
    "cac": "CAC",
    "cec": "CEC",
    "clv": "CLV",
    "crc": "CRC",
    "csat": "CSAT",
    "csm": "CSM",
    "csms": "CSMs",
    "cuc": "CUC",
    "cv": "CV",
    "fte": "FTE",
    "grr": "GRR",
    "id": "ID",
    "kpi": "KPI",
    "ltv": "LTV",
    "mrr": "MRR",
    "nps": "NPS",
    "nrr": "NRR",
    "p90": "P90",
    "roi": "ROI",
}


def label(column: str) -> str:
    """A column's name for people: mrr_start → "MRR start", customers_churned → "Customers churned"."""
    words = [ACRONYMS.get(w.lower(), w) for w in column.replace("_", " ").split()]
    if not words:
        return column
    first = words[0]
    words[0] = first if first in ACRONYMS.values() else first[:1].upper() + first[1:]
    return " ".join(words)


def display_rows(
    table: Table, currency: str, *, labels: bool = False, columns: list[str] | None = None
) -> tuple[list[str], list[list[str]]]:
    """Headers and formatted rows; a table with value and unit columns is formatted row by row.

    ``labels``: headers for people (see ``label``), and a ``metric`` column (the registry name, for JSON and
    --fail-on) left out when the table has a ``label`` column saying the same in words. ``columns``: these
    columns only, in this order (names that are not in the table are ignored).
    """
    shown = columns if columns is not None else table.show
    frame = table.frame if shown is None else table.frame.select([c for c in shown if c in table.frame.columns])
    if labels and "metric" in frame.columns and "label" in frame.columns:
        frame = frame.drop("metric")
    headers = list(frame.columns)
    per_row_unit = "unit" in headers and any(c in headers for c in table.by_unit)
    kinds = {name: table.kind(name) for name in headers}  # once per column: kind() reads the frame's schema
    rows: list[list[str]] = []
    for record in frame.iter_rows(named=True):
        cells = []
        for name in headers:
            value = record[name]
            if per_row_unit and name in table.by_unit:
                cells.append(format_unit(value, str(record["unit"]), currency))
            else:
                cells.append(_cell(value, kinds[name], currency))
        rows.append(cells)
    if per_row_unit:
        keep = [i for i, h in enumerate(headers) if h != "unit"]
        headers = [headers[i] for i in keep]
        rows = [[row[i] for i in keep] for row in rows]
    if labels:
        headers = [label(h) for h in headers]
    return headers, rows


def numeric(table: Table, header: str) -> bool:
    """Whether a shown column holds numbers (right-aligned): by its kind, or shown in each row's unit."""
    if header not in table.frame.columns:  # a header for people: the column it names
        header = next((c for c in table.frame.columns if label(c) == header), header)
    return (
        table.kind(header) in ("money", "rate", "count", "multiple", "hours", "per_dollar", "number")
        or header in table.by_unit
    )


def _cell(value: Any, kind: str, currency: str) -> str:
    if value is None:
        return ""
    if kind in ("money", "rate", "count", "multiple", "hours", "per_dollar"):
        return format_unit(value, kind, currency)
    if isinstance(value, float):
        return number(value) if abs(value) < 1e15 else str(value)
    return str(value)


def _value_by_unit() -> pl.Expr:
    """A value column in per-row units, as text: money 2 decimals, counts whole, ratios 6 decimals."""
    value, unit = pl.col("value"), pl.col("unit")
    return (
        pl.when(value.is_null())
        .then(pl.lit(None, pl.String))
        .when(unit == "money")
        .then(value.round(2).cast(pl.Decimal(38, 2)).cast(pl.String))
        .when(unit == "count")
        .then(value.round(0).cast(pl.Int64).cast(pl.String))
        .otherwise(value.round(RATE_DECIMALS).cast(pl.String))
        .alias("value")
    )


def file_frame(table: Table, *, decimal_money: bool = True) -> pl.DataFrame:
    """The frame as files carry it: money with exactly 2 decimals, rates rounded to 6, counts as integers.

    ``decimal_money``: money as a 2-decimal Decimal (CSV prints 12.30); else a float rounded to cents (JSON).
    """
    exprs = []
    schema = table.frame.schema
    if decimal_money and "value" in schema and "unit" in schema and schema["value"].is_numeric():
        return table.frame.with_columns(_value_by_unit())
    for name, dtype in schema.items():
        kind = table.kind(name)
        col = pl.col(name)
        if kind == "money" and dtype.is_numeric():
            money = col.cast(pl.Float64).round(2)
            exprs.append(money.cast(pl.Decimal(38, 2)) if decimal_money else money)
        elif kind in ("rate", "multiple", "hours", "per_dollar") and dtype.is_float():
            exprs.append(col.round(RATE_DECIMALS))
        elif kind == "count" and dtype.is_numeric():
            exprs.append(col.cast(pl.Int64))
        elif name not in table.kinds and dtype.is_float() and _whole(table.frame.get_column(name)):
            exprs.append(col.cast(pl.Int64))  # a column passed through (employees 20): written as it came, 20
        else:
            exprs.append(col)
    return table.frame.select(exprs)


def _whole(series: pl.Series) -> bool:
    """Every value a whole number a 64-bit integer holds exactly (so the column was read from integers)."""
    present = series.drop_nulls()
    if present.is_empty():
        return False
    finite = present.is_finite().all() and present.abs().max() < 2**53  # type: ignore[operator]
    return bool(finite and (present == present.round(0)).all())


FORMULA_START = r"^[=+\-@\t\r]"


def escape_formulas(frame: pl.DataFrame, skip: set[str] | None = None) -> pl.DataFrame:
    """A text value starting with = + - @ tab or CR gets a leading ' (DESIGN.md §6), and so does a header cell
    (a column named from the data); numbers are untouched. One way only: csctl's reader keeps a leading ' as the
    value's own text (it cannot tell csctl's ' from a client's), so an inert '=1+1 is never read back live."""
    import re

    text = [name for name, dtype in frame.schema.items() if dtype == pl.String and name not in (skip or set())]
    if text:
        frame = frame.with_columns(pl.col(text).str.replace(FORMULA_START, "'${0}"))
    renames = {name: "'" + name for name in frame.columns if re.match(FORMULA_START, name)}
    return frame.rename(renames) if renames else frame


PRINT_CHARS = 120  # what fits across a printed A4 page (portrait) at the documents' table font, in characters
TEXT_WRAP = 40  # a text cell wraps (in print) at its spaces beyond this many characters


def cell_width(text: str, is_number: bool) -> int:
    """The characters a cell takes across a printed page: a number never wraps; text wraps at its spaces past
    TEXT_WRAP characters (a word longer than that still takes its length)."""
    if is_number or len(text) <= TEXT_WRAP:
        return len(text)
    return max(TEXT_WRAP, *(len(w) for w in text.split()))


def column_parts(
    headers: list[str], rows: list[list[str]], budget: int = PRINT_CHARS, numeric_: list[bool] | None = None
) -> list[list[int]]:
    """The column indexes of each part of a table split to fit ``budget`` characters across, the first column
    repeated in every part (it names the row). A header wraps at its spaces, so its longest word counts."""
    numbers = numeric_ or [False] * len(headers)

    def width(i: int) -> int:
        words = headers[i].split() or [""]
        return max([max(len(w) for w in words), *(cell_width(r[i], numbers[i]) for r in rows)]) + 2

    if not headers:
        return []
    parts: list[list[int]] = [[0]]
    used = width(0)
    for i in range(1, len(headers)):
        if used + width(i) > budget and len(parts[-1]) > 1:
            parts.append([0])
            used = width(0)
        parts[-1].append(i)
        used += width(i)
    return parts


def table_parts(headers: list[str], numeric_: list[bool], rows: list[list[str]]) -> list[dict[str, object]]:
    """The table as parts that each fit a printed page's width (see ``column_parts``), for the HTML documents."""
    return [
        {
            "headers": [headers[i] for i in part],
            "numeric": [numeric_[i] for i in part],
            "rows": [[row[i] for i in part] for row in rows],
        }
        for part in column_parts(headers, rows, numeric_=numeric_)
    ]
