"""Excel: one sheet per table plus metrics and notes; number formats; frozen headers; no formulas from data."""

from __future__ import annotations

import datetime as dt
import io
import re

import xlsxwriter
import xlsxwriter.worksheet

from csctl.result import Result, Table

FORMATS = {
    "money": "#,##0.00",  # with the currency symbol in front: cell_formats
    "per_dollar": '#,##0.00" per 1"',
    "rate": "0.00%",
    "count": "#,##0",
    "multiple": '0.00"×"',
    "hours": '#,##0.0" h"',
    "number": "#,##0.00",
}


def sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" {n}"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def number_formats(currency: str = "USD") -> dict[str, str]:
    """Excel number formats by kind: one per unit, money with its currency (as the documents write it)."""
    from csctl.units import symbol

    money = '"' + symbol(currency).replace('"', "") + '"#,##0.00'
    per = money + '" per ' + symbol(currency).replace('"', "") + '1"'
    return FORMATS | {"money": f"{money};-{money}", "per_dollar": f"{per};-{per}"}


def cell_formats(book: xlsxwriter.Workbook, currency: str = "USD") -> dict[str, object]:
    formats: dict[str, object] = {k: book.add_format({"num_format": v}) for k, v in number_formats(currency).items()}
    formats["header"] = book.add_format({"bold": True, "bottom": 1})
    formats["date"] = book.add_format({"num_format": "yyyy-mm-dd"})
    formats["title"] = book.add_format({"bold": True, "font_size": 12})
    return formats


def write_cells(
    sheet: xlsxwriter.worksheet.Worksheet,
    table: Table,
    formats: dict[str, object],
    row0: int = 0,
    col0: int = 0,
    labels: bool = False,
    aside: dict[str, int] | None = None,
) -> list[int]:
    """The table's header at ``row0`` and its rows below (numbers as numbers, text as string cells, never
    formulas); returns the column widths it needs. ``labels``: headers for people (mrr_start → MRR start).
    ``aside``: columns written at these sheet columns instead (the others close up to the left).

    Written column by column (a column's values, kind and format are taken once, not once per cell): a
    50,000-customer workbook has millions of cells. The file is the same whatever the order of the writes."""
    from csctl.render.values import label

    header = formats["header"]
    frame = table.frame
    headers = list(frame.columns)
    per_row_unit = "unit" in headers and any(c in headers for c in table.by_unit)
    shown = [label(h) if labels else h for h in headers]
    widths = [len(h) + 2 for h in shown]
    aside = aside or {}
    order = iter(range(col0, col0 + len(headers)))
    at = [aside[h] if h in aside else next(order) for h in headers]  # each column's sheet column
    for col, name in enumerate(shown):
        sheet.write_string(row0, at[col], name, header)
    first = row0 + 1
    units = [str(u) for u in frame.get_column("unit").to_list()] if per_row_unit else []
    for col, name in enumerate(headers):
        values = frame.get_column(name).to_list()
        c = at[col]
        if per_row_unit and name in table.by_unit:  # each row in its own unit
            for r, (value, unit) in enumerate(zip(values, units, strict=True), start=first):
                kind = unit if unit in FORMATS else "number"
                widths[col] = max(widths[col], _write_value(sheet, r, c, value, kind, formats))
            continue
        kind = table.kind(name)
        widths[col] = max(widths[col], _write_column(sheet, first, c, values, kind, formats))
    return widths


def _write_column(
    sheet: xlsxwriter.worksheet.Worksheet,
    first: int,
    c: int,
    values: list[object],
    kind: str,
    formats: dict[str, object],
) -> int:
    """One column's values from row ``first`` (cells as _write_value writes them); the width they need."""
    cell_format = formats.get(kind)
    whole_format = None if kind == "number" else cell_format  # a whole number as it came: 20, not 20.00
    date_format = formats["date"]
    width = 0
    write_number, write_string, write_blank = sheet.write_number, sheet.write_string, sheet.write_blank
    for r, value in enumerate(values, start=first):
        if value is None:
            write_blank(r, c, None, cell_format)
        elif type(value) is float:
            write_number(r, c, value, cell_format)
            width = max(width, 14)
        elif type(value) is int:
            write_number(r, c, value, whole_format)
            width = max(width, 14)
        elif type(value) is dt.date:
            sheet.write_datetime(r, c, value, date_format)
        elif type(value) is str:
            write_string(r, c, value)  # a string cell, never a formula
            width = max(width, min(len(value) + 2, 60))
        else:
            width = max(width, _write_value(sheet, r, c, value, kind, formats))
    return width


def _write_value(
    sheet: xlsxwriter.worksheet.Worksheet, r: int, c: int, value: object, kind: str, formats: dict[str, object]
) -> int:
    """One cell: a number as a number (in its kind's format), a date as a date, anything else as a string cell,
    never a formula; None a blank cell. Returns the width it needs (0: none)."""
    cell_format = formats.get(kind)
    if value is None:
        sheet.write_blank(r, c, None, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(r, c, value)
    elif isinstance(value, int) and kind == "number":
        sheet.write_number(r, c, value)  # a whole number as it came: 20, not 20.00
    elif isinstance(value, int | float):
        sheet.write_number(r, c, value, cell_format)
    elif isinstance(value, dt.date):
        sheet.write_datetime(r, c, value, formats["date"])
        return 0
    else:
        text = str(value)
        sheet.write_string(r, c, text)  # a string cell, never a formula
        return min(len(text) + 2, 60)
    return 14 if isinstance(value, int | float) else 0


def page_setup(sheet: xlsxwriter.worksheet.Worksheet, header_row: int | None = None) -> None:
    """Printed (or made a PDF): landscape A4, as many pages down as it takes but one page across, so no column
    is cut off onto a page of its own; a table's header row repeated at the top of every page."""
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    if header_row is not None:
        sheet.repeat_rows(header_row)


def write_sheet(book: xlsxwriter.Workbook, sheet_name: str, table: Table, formats: dict[str, object]) -> None:
    """One table on its own sheet: frozen header, autofilter, column widths, printed one page across."""
    sheet = book.add_worksheet(sheet_name)
    page_setup(sheet, header_row=0)
    widths = write_cells(sheet, table, formats)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    if table.frame.height:
        sheet.autofilter(0, 0, table.frame.height, max(0, table.frame.width - 1))


def render(result: Result, **_: object) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    formats = cell_formats(book, result.currency)
    used: set[str] = set()
    order = result.display_order()
    for name in order:
        write_sheet(book, sheet_name(name, used), result.tables[name], formats)
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
        write_sheet(book, sheet_name("metrics", used), Table(frame, "metrics"), formats)
    sheet = book.add_worksheet(sheet_name("about", used))
    page_setup(sheet)
    lines = [result.title, *(f"{k}: {v}" for k, v in result.meta.items()), "", *result.warnings, *result.notes, ""]
    lines += [f"{k}: {v}" for k, v in result.definitions.items()]
    for row, line in enumerate(lines):
        sheet.write_string(row, 0, line)
    sheet.set_column(0, 0, 120)
    book.close()
    return buffer.getvalue()
