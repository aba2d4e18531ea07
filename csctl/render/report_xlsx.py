"""The assessment as one Excel workbook: a Summary sheet, one sheet per step, per-customer tables on sheets of
their own, native charts over the cells, money and percentage formats, frozen headers, conditional formats for
health bands and verdicts. Every value is written as a number, date or string cell: no formula comes from data.

Sheets: "Summary", "1 Numbers", "2 As-is", "3 Valuation", "4 Segments", "5 Success", "6 Personas",
"7 Value path", "8 Opportunity", "9 Plan", "10 Assess", "Chart data" (the cells every chart reads), plus one
"<n> <command> <table>" sheet per detail table (e.g. "4 health customers", "9 plan actions"). A chart sits beside
the table it draws (above it when the table is wide); the registry's metric names are in hidden columns.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import polars as pl
import xlsxwriter
import xlsxwriter.worksheet
from xlsxwriter.utility import xl_rowcol_to_cell

from csctl.metrics import REGISTRY
from csctl.render.xlsx import cell_formats, page_setup, sheet_name, write_cells, write_sheet
from csctl.render.xlsx_charts import add_chart
from csctl.result import Chart, Table

if TYPE_CHECKING:
    from csctl.result import Assessment

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
    at: dict[str, int] | None = None,
) -> None:
    """Colour band-like text cells (green/yellow/red, verdicts) by their value: conditional formats, not data.
    ``at``: each column's sheet column, when the table's columns are not written side by side from column A."""
    for index, name in enumerate(table.frame.columns):
        if name not in BAND_COLUMNS or table.frame.height == 0:
            continue
        col = index if at is None else at[name]
        for value, fmt in fills.items():
            sheet.conditional_format(
                row0 + 1,
                col,
                row0 + table.frame.height,
                col,
                {"type": "cell", "criteria": "==", "value": f'"{value}"', "format": fmt},
            )


CHART_ROWS = 18  # the rows one chart covers (320 px at the default row height)
NARROW = 10  # a table this many columns wide or fewer has its charts beside it; a wider one has them above it


def cells(report: Assessment) -> int:
    """How many cells the workbook's tables hold (what its writing time goes with)."""
    return sum(
        block.result.tables[block.table].frame.height * block.result.tables[block.table].frame.width
        for section in report.sections
        for block in section.blocks
    )


def render(report: Assessment) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    formats = cell_formats(book, report.currency)
    fills: dict[str, object] = {k: book.add_format({"bg_color": v}) for k, v in FILLS.items()}
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    used: set[str] = set()
    _summary(book, report, formats, wrap, used)
    step_sheets = []
    for section in report.sections:
        name = sheet_name(f"{section.number} {SHEETS[section.number]}", used)
        step_sheets.append((section, name, book.add_worksheet(name)))
    data = _ChartData(book, formats, sheet_name("Chart data", used)) if any(s.charts for s in report.sections) else None
    for section, _, sheet in step_sheets:
        sheet.write_string(0, 0, f"Step {section.number}. {section.title}", formats["title"])
        lead = [  # the question, the answer and the open questions: written across the tables' columns below
            section.question,
            section.answer or "Not answered yet: the exports it needs are missing.",
            "",
            *(f"Open question: {question}" for question in section.open_questions),
        ]
        row = 4 + len(section.open_questions)
        # each chart's cells on the Chart data sheet; the chart on the step sheet, beside (or above) its table
        pending: dict[str, list[tuple[Chart, pl.DataFrame]]] = {}
        for chart in section.charts:
            assert chart.frame is not None  # the steps fill each chart with its frame
            pending.setdefault(chart.table, []).append((chart, chart.frame))
        widths: dict[int, int] = {}
        first_header = None
        hidden: set[int] = set()
        wrapped: set[int] = set()  # columns of text longer than LONG: wrapped in the column, not across the page
        # the registry's names beside the labels go to columns right of every table on the sheet, hidden there:
        # hiding a table's own column would hide the column of every other table on the sheet too
        right = 1 + max((b.result.tables[b.table].frame.width for b in section.blocks if not b.detail), default=0)

        def place(charts: list[tuple[Chart, pl.DataFrame]], at_row: int, at_col: int) -> int:
            assert data is not None  # a section with charts made it
            return data.place(sheet, section.number, charts, at_row, at_col)  # noqa: B023 (called in this loop)

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
            charts = pending.pop(block.table, [])
            wide = table.frame.width > NARROW
            if charts and wide:  # above the table, at its left edge
                row += place(charts, row, 0)
            sheet.write_string(row, 0, table.title or block.table, formats["title"])
            row += 1
            if first_header is None:
                first_header = row
            names = table.frame.columns
            aside = {names[i]: right + k for k, i in enumerate(sorted(_metric_columns(table)))}
            visible = iter(range(len(names)))
            at = {name: aside[name] if name in aside else next(visible) for name in names}  # each one's column
            needed = write_cells(sheet, table, formats, row0=row, labels=True, aside=aside)
            for name, width in zip(names, needed, strict=True):
                widths[at[name]] = max(widths.get(at[name], 10), width)
            hidden |= set(aside.values())
            long = [n for n, width in zip(names, needed, strict=True) if width >= LONG and n not in aside]
            wrapped |= {at[n] for n in long}
            for r, record in enumerate(table.frame.select(long).iter_rows() if long else []):
                lines = max(_lines(str(v), LONG) for v in record)  # rows do not grow to wrapped text by themselves
                if lines > 1:
                    sheet.set_row(row + 1 + r, 15 * lines)
            _band_formats(book, sheet, table, row, fills, at)
            covered = table.frame.height + 2
            if charts and not wide:  # beside the table, one column right of it
                covered = max(covered, place(charts, row - 1, table.frame.width + 1))
            row += covered
        for charts in pending.values():  # a chart whose table is not on this sheet: below the tables
            row += 1 + place(charts, row + 1, 0)
        for col, width in widths.items():
            sheet.set_column(col, col, min(width, LONG), wrap if col in wrapped else None, {"hidden": col in hidden})
        sheet.set_column(0, 0, max(widths.get(0, 10), 24), None, {"hidden": 0 in hidden})
        # each line of the lead wraps within the tables' width (text running on to the right would widen the
        # printed page and shrink every table on it)
        span = max(1, right - 1)
        across = max(widths.get(0, 10), 24) + sum(min(widths.get(c, 10), LONG) for c in range(1, span))
        for at_row, text in enumerate(lead, start=1):
            if not text:
                continue
            if span > 1:
                sheet.merge_range(at_row, 0, at_row, span - 1, text, wrap)
            else:
                sheet.write_string(at_row, 0, text, wrap)
            if _lines(text, across) > 1:
                sheet.set_row(at_row, 15 * _lines(text, across))
        if first_header is not None:
            sheet.freeze_panes(first_header + 1, 0)
        page_setup(sheet)
    book.close()
    return buffer.getvalue()


class _ChartData:
    """The "Chart data" sheet: each chart's cells, one block under the other; the charts on the step sheets read
    them there."""

    def __init__(self, book: xlsxwriter.Workbook, formats: dict[str, object], name: str) -> None:
        self.book, self.formats, self.name = book, formats, name
        self.sheet = book.add_worksheet(name)
        page_setup(self.sheet)
        self.sheet.set_column(0, 0, 16)
        self.sheet.set_column(1, 12, 14)
        self.row = 0

    def place(
        self,
        sheet: xlsxwriter.worksheet.Worksheet,
        step: int,
        charts: list[tuple[Chart, pl.DataFrame]],
        at_row: int,
        at_col: int,
    ) -> int:
        """The charts on ``sheet`` from ``at_row`` down at ``at_col``, their cells here; returns the rows they cover."""
        for i, (chart, frame) in enumerate(charts):
            self.sheet.write_string(self.row, 0, f"Step {step}: {chart.title}", self.formats["title"])
            kinds = {c: ("money" if chart.unit == "money" else "number") for c in chart.series}
            write_cells(self.sheet, Table(frame, kinds=kinds), self.formats, row0=self.row + 1)  # type: ignore[arg-type]
            anchor = xl_rowcol_to_cell(at_row + i * CHART_ROWS, at_col)
            add_chart(self.book, sheet, self.name, chart, frame, first_row=self.row + 1, first_col=0, anchor=anchor)
            self.row += frame.height + 3
        return len(charts) * CHART_ROWS


def _metric_columns(table: Table) -> set[int]:
    """The columns a reader does not need: the registry's metric name (and unit) beside a label saying it."""
    columns = table.frame.columns
    if "label" not in columns:
        return set()
    return {i for i, c in enumerate(columns) if c == "metric" or (c == "unit" and "value" in table.by_unit)}


def _summary(
    book: xlsxwriter.Workbook, report: Assessment, formats: dict[str, object], wrap: object, used: set[str]
) -> None:
    sheet = book.add_worksheet(sheet_name("Summary", used))
    sheet.write_string(0, 0, f"Customer Success assessment: {report.company}", formats["title"])
    sheet.write_string(1, 0, f"As of {report.as_of} · {report.currency} · made by csctl report on {report.created}")
    header = formats["header"]
    top = book.add_format({"num_format": "0", "valign": "top", "align": "left"})
    dash = book.add_format({"align": "right"})
    for col, name in enumerate(("Step", "Title", "Question", "Answer")):
        sheet.write_string(3, col, name, header)
    row = 4
    for s in report.sections:
        answer = s.answer or "Open: see the open questions"
        sheet.write_number(row, 0, s.number, top)
        sheet.write_string(row, 1, s.title, wrap)
        sheet.write_string(row, 2, s.question, wrap)
        sheet.write_string(row, 3, answer, wrap)
        # rows do not grow to their wrapped text by themselves: as many lines as the longest cell needs
        lines = max(
            _lines(text, width) for text, width in zip((s.title, s.question, answer), SUMMARY_WIDTHS[1:], strict=True)
        )
        sheet.set_row(row, 15 * lines)
        row += 1
    row += 1
    sheet.write_string(row, 0, "Key figures", formats["title"])
    row += 1
    for col, name in ((0, "Step"), (1, "Figure"), (2, "Value"), (5, "metric"), (6, "unit")):
        sheet.write_string(row, col, name, header)
    for s in report.sections:
        for name, value in s.metrics:
            row += 1
            metric = REGISTRY[name]
            sheet.write_number(row, 0, s.number, top)
            sheet.write_string(row, 1, metric.label, wrap)
            if _lines(metric.label, SUMMARY_WIDTHS[1]) > 1:  # a long label wraps: the row grows to hold it
                sheet.set_row(row, 15 * _lines(metric.label, SUMMARY_WIDTHS[1]))
            fmt = formats.get(metric.unit)
            if value is None:
                sheet.write_string(row, 2, "—", dash)  # unknown: in the column of the numbers, where one would be
            else:
                sheet.write_number(row, 2, float(value), fmt)
            sheet.write_string(row, 5, name)  # the registry name, for lookups: a hidden column
            sheet.write_string(row, 6, metric.unit)
    row += 3
    sheet.write_string(row, 0, "Open questions for the client", formats["title"])
    across = sum(SUMMARY_WIDTHS[1:])  # a question across the Title, Question and Answer columns
    for i, (number, question) in enumerate(report.open_questions, start=1):
        sheet.write_string(row + i, 0, f"Step {number}", top)
        sheet.merge_range(row + i, 1, row + i, 3, question, wrap)
        sheet.set_row(row + i, 15 * _lines(question, across))
    for col, width in enumerate(SUMMARY_WIDTHS):
        sheet.set_column(col, col, width, wrap if col in (1, 2, 3) else None)
    sheet.set_column(5, 6, 24, None, {"hidden": True})
    sheet.freeze_panes(4, 0)
    page_setup(sheet)


SUMMARY_WIDTHS = (6, 28, 45, 80)
LONG = 60  # the widest a step sheet's column gets (characters); longer text wraps


def _lines(text: str, width: int) -> int:
    """The lines ``text`` wraps to in a column ``width`` characters wide (words kept whole)."""
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > width:
            lines, used = lines + 1, len(word)
        else:
            used += (1 if used else 0) + len(word)
    return lines
