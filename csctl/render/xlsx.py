"""Excel: one sheet per table plus metrics and notes; number formats; frozen headers; no formulas from data."""

from __future__ import annotations

import datetime as dt
import io
import re

import xlsxwriter

from csctl.result import Result, Table

FORMATS = {"money": "#,##0.00", "rate": "0.00%", "count": "#,##0", "multiple": "0.00", "number": "General"}
UNIT_FORMATS = {"money": "money", "ratio": "rate", "count": "count", "multiple": "multiple"}


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" {n}"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _write_table(book: xlsxwriter.Workbook, sheet_name: str, table: Table, formats: dict[str, object]) -> None:
    sheet = book.add_worksheet(sheet_name)
    header = formats["header"]
    frame = table.frame
    headers = list(frame.columns)
    per_row_unit = "unit" in headers and any(c in headers for c in table.by_unit)
    widths = [len(h) + 2 for h in headers]
    for col, name in enumerate(headers):
        sheet.write_string(0, col, name, header)
    for row_number, record in enumerate(frame.iter_rows(named=True), start=1):
        for col, name in enumerate(headers):
            value = record[name]
            kind = table.kind(name)
            if per_row_unit and name in table.by_unit:
                kind = UNIT_FORMATS.get(str(record["unit"]), "number")  # type: ignore[assignment]
            cell_format = formats.get(kind)
            if value is None:
                sheet.write_blank(row_number, col, None, cell_format)
            elif isinstance(value, bool):
                sheet.write_boolean(row_number, col, value)
            elif isinstance(value, int | float):
                sheet.write_number(row_number, col, value, cell_format)
            elif isinstance(value, dt.date):
                sheet.write_datetime(row_number, col, value, formats["date"])
            else:
                text = str(value)
                sheet.write_string(row_number, col, text)  # a string cell, never a formula
                widths[col] = max(widths[col], min(len(text) + 2, 60))
            if isinstance(value, int | float):
                widths[col] = max(widths[col], 14)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    if frame.height:
        sheet.autofilter(0, 0, frame.height, max(0, len(headers) - 1))


def render(result: Result, **_: object) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    formats: dict[str, object] = {k: book.add_format({"num_format": v}) for k, v in FORMATS.items()}
    formats["header"] = book.add_format({"bold": True, "bottom": 1})
    formats["date"] = book.add_format({"num_format": "yyyy-mm-dd"})
    used: set[str] = set()
    order = result.display_order()
    for name in order:
        _write_table(book, _sheet_name(name, used), result.tables[name], formats)
    if result.metrics and result.primary != "summary":
        import polars as pl

        from csctl.metrics import REGISTRY

        rows = [
            {
                "metric": k,
                "value": None if v is None else float(v),
                "unit": REGISTRY[k].unit if k in REGISTRY else "",
            }
            for k, v in result.metrics.items()
        ]
        frame = pl.DataFrame(rows, schema={"metric": pl.String, "value": pl.Float64, "unit": pl.String})
        _write_table(book, _sheet_name("metrics", used), Table(frame, "metrics"), formats)
    sheet = book.add_worksheet(_sheet_name("about", used))
    lines = [result.title, *(f"{k}: {v}" for k, v in result.meta.items()), "", *result.warnings, *result.notes, ""]
    lines += [f"{k}: {v}" for k, v in result.definitions.items()]
    for row, line in enumerate(lines):
        sheet.write_string(row, 0, line)
    sheet.set_column(0, 0, 120)
    book.close()
    return buffer.getvalue()
