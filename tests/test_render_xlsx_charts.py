"""Native Excel charts: the right chart type, series that point at the table's cells, formats by unit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
import xlsxwriter
import xlsxwriter.worksheet
from openpyxl.chart import BarChart, LineChart

from csctl.render.xlsx_charts import add_chart
from csctl.result import Chart

FRAME = pl.DataFrame(
    {
        "month": ["2024-01", "2024-02", "2024-03", "2024-04"],
        "mrr": [1000.0, 1200.0, None, 1500.0],
        "new": [200.0, 300.0, 100.0, 250.0],
        "churn": [-100.0, -50.0, -80.0, -120.0],
    }
)


def write_frame(sheet: xlsxwriter.worksheet.Worksheet, frame: pl.DataFrame, row: int = 0, col: int = 0) -> None:
    for c, name in enumerate(frame.columns):
        sheet.write_string(row, col + c, name)
    for r, record in enumerate(frame.iter_rows(), start=row + 1):
        for c, value in enumerate(record):
            if value is None:
                sheet.write_blank(r, col + c, None)
            elif isinstance(value, str):
                sheet.write_string(r, col + c, value)
            else:
                sheet.write_number(r, col + c, value)


def build(path: Path, sheet_name: str, charts: list[tuple[Chart, dict[str, Any]]], frame: pl.DataFrame = FRAME) -> Any:
    """Write ``frame`` (at each chart's first_row/first_col) and the charts; the openpyxl sheet read back."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(sheet_name)
    written: set[tuple[int, int]] = set()
    for chart, where in charts:
        at = (where.get("first_row", 0), where.get("first_col", 0))
        if at not in written:
            write_frame(sheet, frame, *at)
            written.add(at)
        add_chart(book, sheet, sheet_name, chart, frame, **where)
    book.close()
    return openpyxl.load_workbook(path)[sheet_name]


def chart(kind: str, series: tuple[str, ...], unit: str = "money", title: str = "MRR") -> Chart:
    return Chart(name=f"c-{kind}", title=title, table="t", x="month", series=series, kind=kind, unit=unit)  # type: ignore[arg-type]


def title_text(c: Any) -> str:
    return "".join(run.t for p in c.title.tx.rich.p for run in (p.r or []))


def test_each_kind_is_the_right_native_chart(tmp_path: Path) -> None:
    sheet = build(
        tmp_path / "kinds.xlsx",
        "data",
        [
            (chart("line", ("mrr",), title="Line"), {"anchor": "G1"}),
            (chart("column", ("new", "churn"), title="Column"), {"anchor": "G20"}),
            (chart("bar", ("new",), title="Bar"), {"anchor": "G40"}),
            (chart("stacked", ("new", "churn"), title="Stacked"), {"anchor": "G60"}),
        ],
    )
    charts = {title_text(c): c for c in sheet._charts}
    assert len(sheet._charts) == 4 and set(charts) == {"Line", "Column", "Bar", "Stacked"}
    assert isinstance(charts["Line"], LineChart)
    assert isinstance(charts["Column"], BarChart) and charts["Column"].type == "col"
    assert charts["Column"].grouping == "clustered"
    assert isinstance(charts["Bar"], BarChart) and charts["Bar"].type == "bar"
    assert charts["Bar"].x_axis.scaling.orientation == "maxMin"  # categories read top to bottom, as in the table
    assert isinstance(charts["Stacked"], BarChart) and charts["Stacked"].type == "col"
    assert charts["Stacked"].grouping == "stacked"
    assert [len(c.series) for c in (charts["Line"], charts["Column"], charts["Bar"], charts["Stacked"])] == [1, 2, 1, 2]
    assert {c.anchor._from.row for c in sheet._charts} == {0, 19, 39, 59}
    assert {c.anchor._from.col for c in sheet._charts} == {6}


def test_series_point_at_the_table_cells(tmp_path: Path) -> None:
    sheet = build(tmp_path / "refs.xlsx", "data", [(chart("column", ("new", "churn")), {})])
    (c,) = sheet._charts
    new, churn = c.series
    assert new.tx.strRef.f == "data!$C$1"
    assert new.val.numRef.f == "data!$C$2:$C$5"
    assert churn.tx.strRef.f == "data!$D$1"
    assert churn.val.numRef.f == "data!$D$2:$D$5"
    assert new.cat.strRef.f == churn.cat.strRef.f == "data!$A$2:$A$5"
    # the references really hold the frame: header then values
    assert sheet["C1"].value == "new" and [sheet[f"C{r}"].value for r in range(2, 6)] == FRAME["new"].to_list()
    # default place: two columns right of the table (the table is A:D, so F), level with the header
    assert (c.anchor._from.col, c.anchor._from.row) == (5, 0)


def test_offset_table_and_sheet_name_that_needs_quoting(tmp_path: Path) -> None:
    name = "Bob's MRR data"
    sheet = build(tmp_path / "quoted.xlsx", name, [(chart("line", ("mrr", "new")), {"first_row": 3, "first_col": 2})])
    (c,) = sheet._charts
    mrr, new = c.series
    assert mrr.tx.strRef.f == "'Bob''s MRR data'!$D$4"
    assert mrr.val.numRef.f == "'Bob''s MRR data'!$D$5:$D$8"
    assert new.val.numRef.f == "'Bob''s MRR data'!$E$5:$E$8"
    assert mrr.cat.strRef.f == "'Bob''s MRR data'!$C$5:$C$8"
    assert sheet["D4"].value == "mrr" and sheet["C5"].value == "2024-01"
    assert (c.anchor._from.col, c.anchor._from.row) == (2 + 4 + 1, 3)


@pytest.mark.parametrize(("unit", "number_format"), [("money", "#,##0"), ("rate", "0%"), ("count", "#,##0")])
def test_value_axis_format_by_unit(tmp_path: Path, unit: str, number_format: str) -> None:
    for kind in ("column", "bar"):
        sheet = build(tmp_path / f"{unit}-{kind}.xlsx", "s", [(chart(kind, ("new",), unit=unit), {})])
        (c,) = sheet._charts
        assert c.y_axis.numFmt.formatCode == number_format  # openpyxl's y_axis is the value axis in both


def test_title_legend_and_gaps(tmp_path: Path) -> None:
    sheet = build(
        tmp_path / "t.xlsx",
        "s",
        [(chart("line", ("mrr",), title="MRR by month"), {}), (chart("line", ("mrr", "new")), {"anchor": "H30"})],
    )
    one, two = sheet._charts
    assert title_text(one) == "MRR by month"
    assert one.legend is None and two.legend is not None
    assert one.display_blanks == "gap"  # blank cells (the null mrr) are gaps, not zeros


def test_dates_as_categories(tmp_path: Path) -> None:
    path = tmp_path / "dates.xlsx"
    frame = pl.DataFrame({"month": [dt.date(2024, 1, 1), dt.date(2024, 2, 1)], "mrr": [1.0, 2.0]})
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("d")
    date = book.add_format({"num_format": "yyyy-mm"})
    sheet.write_row(0, 0, ["month", "mrr"])
    for r, (month, mrr) in enumerate(frame.iter_rows(), start=1):
        sheet.write_datetime(r, 0, dt.datetime.combine(month, dt.time()), date)
        sheet.write_number(r, 1, mrr)
    add_chart(book, sheet, "d", chart("line", ("mrr",)), frame)
    book.close()
    (c,) = openpyxl.load_workbook(path)["d"]._charts
    (series,) = c.series
    ref = series.cat.numRef or series.cat.strRef
    assert ref.f == "d!$A$2:$A$3"


def test_empty_frame_or_unknown_series_add_nothing(tmp_path: Path) -> None:
    sheet = build(tmp_path / "empty.xlsx", "s", [(chart("line", ("mrr",)), {})], frame=FRAME.head(0))
    assert sheet._charts == []
    sheet = build(tmp_path / "unknown.xlsx", "s", [(chart("line", ("nope",)), {})])
    assert sheet._charts == []
    sheet = build(tmp_path / "partly.xlsx", "s", [(chart("column", ("nope", "new")), {})])
    (c,) = sheet._charts
    assert [s.val.numRef.f for s in c.series] == ["s!$C$2:$C$5"]
