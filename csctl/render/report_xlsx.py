"""The assessment as one Excel workbook: a Summary sheet, one sheet per step, per-customer tables on sheets of
their own, native charts over the cells, money and percentage formats, frozen headers, conditional formats for
health bands and verdicts. Every value is written as a number, date or string cell: no formula comes from data.

Sheets: "Summary", "1 Numbers", "2 As-is", "3 Valuation", "4 Segments", "5 Success", "6 Personas",
"7 Value path", "8 Opportunity", "9 Plan", "10 Assess", plus one "<n> <command> <table>" sheet per detail table
(e.g. "4 health customers", "9 plan actions").
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import polars as pl
import xlsxwriter
import xlsxwriter.worksheet

from csctl.metrics import REGISTRY
from csctl.render.xlsx import cell_formats, sheet_name, write_cells, write_sheet
from csctl.render.xlsx_charts import add_chart
from csctl.result import Table

if TYPE_CHECKING:
    from csctl.report import Report

SHEETS = {
    1: "Numbers",
    2: "As-is",
    3: "Valuation",
    4: "Segments",
    5: "Success",
    6: "Personas",
    7: "Value path",
    8: "Opportunity",
    9: "Plan",
    10: "Assess",
}
BAND_COLUMNS = ("health_band", "band", "previous_band", "verdict", "status")
FILLS = {
    "green": "#C6EFCE",
    "yellow": "#FFEB9C",
    "red": "#FFC7CE",
    "met": "#C6EFCE",
    "moving": "#C6EFCE",
    "worse": "#FFC7CE",
    "short": "#FFC7CE",
    "behind": "#FFEB9C",
    "failed": "#FFC7CE",
}


def _band_formats(
    book: xlsxwriter.Workbook,
    sheet: xlsxwriter.worksheet.Worksheet,
    table: Table,
    row0: int,
    fills: dict[str, object],
) -> None:
    """Colour band-like text cells (green/yellow/red, verdicts) by their value: conditional formats, not data."""
    for col, name in enumerate(table.frame.columns):
        if name not in BAND_COLUMNS or table.frame.height == 0:
            continue
        for value, fmt in fills.items():
            sheet.conditional_format(
                row0 + 1,
                col,
                row0 + table.frame.height,
                col,
                {"type": "cell", "criteria": "==", "value": f'"{value}"', "format": fmt},
            )


def render(report: Report) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    formats = cell_formats(book)
    fills: dict[str, object] = {k: book.add_format({"bg_color": v}) for k, v in FILLS.items()}
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    used: set[str] = set()
    _summary(book, report, formats, wrap, used)
    for section in report.sections:
        name = sheet_name(f"{section.number} {SHEETS[section.number]}", used)
        sheet = book.add_worksheet(name)
        sheet.write_string(0, 0, f"Step {section.number}. {section.title}", formats["title"])
        sheet.write_string(1, 0, section.question)
        sheet.write_string(2, 0, section.answer or "Not answered yet: the exports it needs are missing.")
        row = 4
        for question in section.open_questions:
            sheet.write_string(row, 0, f"Open question: {question}")
            row += 1
        widths: dict[int, int] = {}
        first_header = None
        for block in section.blocks:
            table = block.result.tables[block.table]
            if block.detail:
                detail = sheet_name(f"{section.number} {block.result.command} {block.table}", used)
                write_sheet(book, detail, table, formats)
                _band_formats(book, book.get_worksheet_by_name(detail), table, 0, fills)
                sheet.write_string(
                    row, 0, f"{table.title or block.table}: sheet '{detail}' ({table.frame.height} rows)"
                )
                row += 2
                continue
            row += 1
            sheet.write_string(row, 0, table.title or block.table, formats["title"])
            row += 1
            if first_header is None:
                first_header = row
            for col, width in enumerate(write_cells(sheet, table, formats, row0=row)):
                widths[col] = max(widths.get(col, 10), width)
            _band_formats(book, sheet, table, row, fills)
            row += table.frame.height + 2
        data_col = max(widths, default=0) + 3
        chart_row = 4
        for chart, frame in section.charts:
            # the chart's cells beside the tables, then the chart beside its cells
            sheet.write_string(chart_row, data_col, f"Chart data: {chart.title}", formats["title"])
            kinds = {c: ("money" if chart.unit == "money" else "number") for c in chart.series}
            write_cells(sheet, Table(frame, kinds=kinds), formats, row0=chart_row + 1, col0=data_col)  # type: ignore[arg-type]
            from xlsxwriter.utility import xl_rowcol_to_cell

            anchor = xl_rowcol_to_cell(chart_row + 1, data_col + frame.width + 1)
            add_chart(book, sheet, name, chart, frame, first_row=chart_row + 1, first_col=data_col, anchor=anchor)
            chart_row += max(frame.height + 4, 18)
        for col, width in widths.items():
            sheet.set_column(col, col, min(width, 60))
        if section.charts:
            sheet.set_column(data_col, data_col + 10, 14)
        sheet.set_column(0, 0, max(widths.get(0, 10), 24))
        if first_header is not None:
            sheet.freeze_panes(first_header + 1, 0)
    book.close()
    return buffer.getvalue()


def _summary(
    book: xlsxwriter.Workbook, report: Report, formats: dict[str, object], wrap: object, used: set[str]
) -> None:
    sheet = book.add_worksheet(sheet_name("Summary", used))
    sheet.write_string(0, 0, f"Customer Success assessment: {report.company}", formats["title"])
    sheet.write_string(1, 0, f"As of {report.as_of} · {report.currency} · made by csctl report on {report.created}")
    steps = pl.DataFrame(
        {
            "step": [s.number for s in report.sections],
            "title": [s.title for s in report.sections],
            "question": [s.question for s in report.sections],
            "answer": [s.answer or "open: see the open questions" for s in report.sections],
        }
    )
    write_cells(sheet, Table(steps, kinds={"step": "count"}), formats, row0=3)
    row = 3 + steps.height + 2
    sheet.write_string(row, 0, "Key figures", formats["title"])
    figures = pl.DataFrame(
        [
            {
                "step": s.number,
                "metric": name,
                "label": REGISTRY[name].label,
                "value": None if value is None else float(value),
                "unit": REGISTRY[name].unit,
            }
            for s in report.sections
            for name, value in s.metrics
        ],
        schema={"step": pl.Int64, "metric": pl.String, "label": pl.String, "value": pl.Float64, "unit": pl.String},
    )
    write_cells(sheet, Table(figures, kinds={"step": "count"}), formats, row0=row + 1)
    row += figures.height + 3
    sheet.write_string(row, 0, "Open questions for the client", formats["title"])
    for i, (number, question) in enumerate(report.open_questions, start=1):
        sheet.write_string(row + i, 0, f"Step {number}")
        sheet.write_string(row + i, 1, question)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 2, 60, wrap)
    sheet.set_column(3, 3, 90, wrap)
    sheet.freeze_panes(4, 0)
