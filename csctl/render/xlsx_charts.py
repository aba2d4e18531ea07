"""Native Excel charts over a table already written on a sheet: the chart reads the cells, so it follows edits.

References are given to xlsxwriter as [sheet, first_row, first_col, last_row, last_col] lists, which it quotes
correctly for any sheet name (spaces, apostrophes). Blank cells are gaps in lines.
"""

from __future__ import annotations

import polars as pl
import xlsxwriter
import xlsxwriter.worksheet
from xlsxwriter.utility import xl_rowcol_to_cell

from csctl.render.svg import series_colour
from csctl.result import Chart

AXIS_FORMATS = {"money": "#,##0", "rate": "0%", "count": "#,##0", "multiple": "0.0", "number": "General"}
CHART_TYPES = {"line": "line", "column": "column", "bar": "bar", "stacked": "column"}
SIZE = {"width": 720, "height": 320}


def add_chart(
    book: xlsxwriter.Workbook,
    sheet: xlsxwriter.worksheet.Worksheet,
    sheet_name: str,
    chart: Chart,
    frame: pl.DataFrame,
    first_row: int = 0,
    first_col: int = 0,
    anchor: str | None = None,
) -> None:
    """Chart ``frame``'s cells on ``sheet_name`` (header at ``first_row``, columns from ``first_col`` in frame order).

    Categories are the x column, one series per chart series column that the frame has. The chart goes at
    ``anchor`` (an A1 cell), else two columns right of the table. Nothing is added for an empty frame.
    """
    columns = list(frame.columns)
    series = [name for name in chart.series if name in columns]
    if frame.height == 0 or not series:
        return
    options: dict[str, str] = {"type": CHART_TYPES.get(chart.kind, "line")}
    if chart.kind == "stacked":
        options["subtype"] = "stacked"
    excel = book.add_chart(options)
    if excel is None:  # xlsxwriter returns None for an unknown type; the types above are all known
        return
    data_first, data_last = first_row + 1, first_row + frame.height
    categories: list[str | int] | None = None
    if chart.x in columns:
        x_col = first_col + columns.index(chart.x)
        categories = [sheet_name, data_first, x_col, data_last, x_col]
    for index, name in enumerate(series):
        col = first_col + columns.index(name)
        colour = series_colour(name, index)
        options_series: dict[str, object] = {
            "name": [sheet_name, first_row, col],
            "values": [sheet_name, data_first, col, data_last, col],
        }
        if categories is not None:
            options_series["categories"] = categories
        if chart.kind == "line":
            options_series["line"] = {"color": colour, "width": 2}
            if frame.height <= 36:
                options_series["marker"] = {
                    "type": "circle",
                    "size": 4,
                    "fill": {"color": colour},
                    "border": {"color": colour},
                }
            else:
                options_series["marker"] = {"type": "none"}
        else:
            options_series["fill"] = {"color": colour}
            options_series["border"] = {"none": True}
            options_series["invert_if_negative"] = False
        excel.add_series(options_series)
    number_format = AXIS_FORMATS.get(chart.unit, "General")
    value_axis: dict[str, object] = {"num_format": number_format, "major_gridlines": {"visible": True}}
    category_axis: dict[str, object] = {"label_position": "low"}  # labels stay at the bottom when values go negative
    if chart.kind == "bar":
        # A bar chart's value axis is x and its categories run down y, reversed to read top to bottom like the table;
        # crossing at the last category keeps the value axis at the bottom.
        category_axis.update(reverse=True, crossing="max")
        excel.set_x_axis(value_axis)
        excel.set_y_axis(category_axis)
    else:
        excel.set_x_axis(category_axis)
        excel.set_y_axis(value_axis)
    excel.set_chartarea({"border": {"none": True}})
    excel.set_title({"name": chart.title or chart.name, "name_font": {"size": 12, "bold": True}})
    excel.set_legend({"none": True} if len(series) == 1 else {"position": "bottom"})
    excel.show_blanks_as("gap")
    excel.set_size(SIZE)
    sheet.insert_chart(anchor or xl_rowcol_to_cell(first_row, first_col + len(columns) + 1), excel)
