"""What a consultant hands a client (issue 13): band colours that mean what they say, one key-figures table, one
number format per unit, labels instead of metric names, honest answers on thin inputs, tables that print and fit
a terminal, and pipelines that keep values as they came. Each test would have caught the defect it names."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from html import unescape as html_unescape
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import polars as pl
import pytest
import xlsxwriter

from csctl.metrics import REGISTRY
from csctl.render import render
from csctl.render.svg import BAND_COLOURS, chart_svg
from csctl.render.table import choose
from csctl.render.termchart import chart_lines
from csctl.render.values import PRINT_CHARS, cell_width, column_parts, label
from csctl.render.xlsx_charts import add_chart
from csctl.result import Chart, Result, Table
from csctl.units import format_unit
from tests.conftest import Invoke
from tests.helpers import as_json, ok, write_csv
from tests.test_plan import company, plan_args

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
BANDS = pl.DataFrame({"segment": ["Growth", "Scale"], "green": [46, 120], "yellow": [13, 42], "red": [9, 14]})
HEALTH = Chart("health_segment", "Health bands by segment", "by_segment", "segment", ("green", "yellow", "red"),
               "stacked", "count")  # fmt: skip
SVG = "{http://www.w3.org/2000/svg}"
USAGE = ["customer_id", "date", "active_users", "logins", "reports_created", "api_calls"]


# --- health colours ----------------------------------------------------------------------------------------------
def test_band_series_are_drawn_in_their_band_colours_in_svg() -> None:
    """Was: green drawn blue, yellow orange, red green (the palette's first three colours)."""
    root = ElementTree.fromstring(chart_svg(HEALTH, BANDS))
    series = {g.get("data-series"): g for g in root.iter(f"{SVG}g") if g.get("class") == "series"}
    assert set(series) == {"green", "yellow", "red"}
    for band, group in series.items():
        fills = {rect.get("fill") for rect in group.iter(f"{SVG}rect")}
        assert fills == {BAND_COLOURS[band]}, band
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    swatches = [rect.get("fill") for rect in legend.iter(f"{SVG}rect")]
    assert swatches == [BAND_COLOURS["green"], BAND_COLOURS["yellow"], BAND_COLOURS["red"]]
    assert BAND_COLOURS["green"] != BAND_COLOURS["yellow"] != BAND_COLOURS["red"]


def test_band_series_are_drawn_in_their_band_colours_in_the_xlsx_chart_xml() -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("data")
    for c, name in enumerate(BANDS.columns):
        sheet.write_string(0, c, name)
        for r, value in enumerate(BANDS[name].to_list(), start=1):
            sheet.write(r, c, value)
    add_chart(book, sheet, "data", HEALTH, BANDS)
    book.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        xml = archive.read("xl/charts/chart1.xml").decode("utf-8")
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
          "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}  # fmt: skip
    colours = {}
    for ser in ElementTree.fromstring(xml).iter(f"{{{ns['c']}}}ser"):
        name = ser.find("c:tx/c:strRef/c:f", ns)
        fill = ser.find("c:spPr/a:solidFill/a:srgbClr", ns)
        assert name is not None and fill is not None
        colours[name.text] = "#" + str(fill.get("val"))
    assert colours == {
        "data!$B$1": BAND_COLOURS["green"],
        "data!$C$1": BAND_COLOURS["yellow"],
        "data!$D$1": BAND_COLOURS["red"],
    }


def test_band_series_are_drawn_in_their_band_colours_in_the_terminal() -> None:
    out = chart_lines(HEALTH, BANDS, width=80, color=True)
    legend = next(line for line in out.splitlines() if "green" in line and "red" in line)
    # ANSI 32 green, 33 yellow (amber on most terminals), 31 red: each band's swatch just before its name
    assert re.search(r"\x1b\[32m█\x1b\[0m green", legend)
    assert re.search(r"\x1b\[33m█\x1b\[0m yellow", legend)
    assert re.search(r"\x1b\[31m█\x1b\[0m red", legend)


# --- one format per unit, labels for people ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (15.45277777777778, "hours", "15.5 h"),  # was 15.45277777777778
        (0.1234, "per_dollar", "$0.12 per $1"),  # CRC: money per $1 retained, was 0.12×
        (1.86, "number", "1.86"),  # CSMs the budget buys: a count of people, was 1.86×
        (14290.0, "number", "14,290"),  # was 1.429e+04
        (1e14 + 0.5, "number", "100,000,000,000,000.50"),  # never scientific notation
        (0.0429, "rate", "4.29%"),
        (2.5, "count", "2"),  # round half to even, never truncated
        (8.75, "multiple", "8.75×"),
        (-134.94, "money", "-$134.94"),
        (None, "hours", "—"),
    ],
)
def test_one_format_per_unit(value: float | None, unit: str, shown: str) -> None:
    assert format_unit(value, unit) == shown


def test_cost_ratios_and_hours_are_registered_in_their_units() -> None:
    assert {REGISTRY[n].unit for n in ("crc_12m", "cec_12m", "cuc_12m", "cac_ratio_12m")} == {"per_dollar"}
    assert REGISTRY["affordable_csms"].unit == "number"
    assert REGISTRY["median_hours_to_close"].unit == "hours"
    assert REGISTRY["churn_mrr"].label == "Churn"


def test_labels_for_people() -> None:
    assert label("mrr_start") == "MRR start"
    assert label("customers_churned") == "Customers churned"
    assert label("csms_needed") == "CSMs needed"
    assert label("arr_share") == "ARR share"


def test_xlsx_money_cells_carry_the_currency(tmp_path: Path) -> None:
    frame = pl.DataFrame({"segment": ["A"], "arr": [1234.5], "share": [0.25], "employees": [20]})
    result = Result(
        "t", "T", {"t": Table(frame, "T", {"arr": "money", "share": "rate"})}, "t", meta={"currency": "EUR"}
    )
    path = tmp_path / "t.xlsx"
    path.write_bytes(render(result, "xlsx", to_file=True))
    sheet = openpyxl.load_workbook(path)["t"]
    assert sheet["B2"].value == 1234.5 and "€" in sheet["B2"].number_format
    assert sheet["C2"].number_format == "0.00%"
    assert sheet["D2"].value == 20 and sheet["D2"].number_format == "General"  # a whole number as it came


def test_xlsx_cells_of_every_kind_column_by_column(tmp_path: Path) -> None:
    """write_cells writes a column at a time: each cell still gets its type and format (a hand-written table)."""
    import datetime as dt

    import xlsxwriter

    from csctl.render.xlsx import cell_formats, write_cells

    frame = pl.DataFrame(
        {
            "name": ["a", None, "a very long name " * 6],
            "arr": [1234.5, None, -2.0],
            "seats": [20, None, 3],  # a whole number as it came
            "churned": [3, 0, None],  # a count: #,##0
            "active": [True, None, False],
            "renewal": [dt.date(2026, 1, 31), None, dt.date(2027, 2, 28)],
            "score": [0.5, 1.25, None],
        }
    )
    units = pl.DataFrame(
        {"metric": ["mrr", "grr", "customers"], "value": [10.5, 0.9, 7.0], "unit": ["money", "rate", "count"]}
    )
    path = tmp_path / "cells.xlsx"
    book = xlsxwriter.Workbook(str(path))
    formats = cell_formats(book, "EUR")
    sheet = book.add_worksheet("t")
    widths = write_cells(sheet, Table(frame, "T", {"arr": "money", "churned": "count"}), formats, aside={"name": 9})
    write_cells(sheet, Table(units, "U"), formats, row0=5)
    book.close()
    assert widths == [60, 14, 14, 14, 14, 9, 14]  # text by its length (60 at most), numbers 14, a date its header
    got = openpyxl.load_workbook(path)["t"]
    header = [got.cell(1, c).value for c in range(1, 11)]
    assert header == ["arr", "seats", "churned", "active", "renewal", "score", None, None, None, "name"]
    rows = [[got.cell(r, c).value for c in (1, 2, 3, 4, 5, 6, 10)] for r in (2, 3, 4)]
    assert rows == [
        [1234.5, 20, 3, True, dt.datetime(2026, 1, 31), 0.5, "a"],
        [None, None, 0, None, None, 1.25, None],
        [-2.0, 3, None, False, dt.datetime(2027, 2, 28), None, "a very long name " * 6],
    ]
    assert "€" in got["A2"].number_format and got["B2"].number_format == "General"
    assert got["C2"].number_format == "#,##0" and got["E2"].number_format == "yyyy-mm-dd"
    assert got["F2"].number_format == "#,##0.00" and got["A3"].number_format.startswith('"€"')  # a blank keeps it
    assert [got.cell(r, 2).value for r in (7, 8, 9)] == [10.5, 0.9, 7.0]  # value in each row's own unit
    assert "€" in got["B7"].number_format and got["B8"].number_format == "0.00%" and got["B9"].number_format == "#,##0"


# --- the assessment's documents --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def report(cli: Invoke, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("deliverable")
    for path in SAMPLE.iterdir():
        if path.name != "csctl.yaml":  # the sample's own workspace: init writes the client's
            shutil.copy(path, folder / path.name)
    ok(cli("init", folder))
    result = ok(cli("report", "-c", folder / "csctl.yaml", "-o", folder / "report"))
    return folder / "report", result.stderr


def _md_tables(text: str) -> list[list[str]]:
    """Each Markdown table's lines."""
    tables: list[list[str]] = []
    previous = False
    for line in text.splitlines():
        is_row = line.startswith("|")
        if is_row and not previous:
            tables.append([])
        if is_row:
            tables[-1].append(line)
        previous = is_row
    return tables


def test_one_key_figures_table_with_each_figure_once(report: tuple[Path, str]) -> None:
    """Was: the step-1 metrics four times over (140 duplicate rows)."""
    folder, _ = report
    html = (folder / "assessment.html").read_text(encoding="utf-8")
    assert html.count('<table class="key-figures">') == 1
    sheet = openpyxl.load_workbook(folder / "assessment.xlsx")["Summary"]
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Key figures") + 2
    keys = []
    for row in rows[start:]:
        if row[0] is None:
            break
        keys.append((row[0], row[5]))
    assert len(keys) == len(set(keys)) > 30
    md = (folder / "assessment.md").read_text(encoding="utf-8")
    key_table = md.split("## Key figures", 1)[1].split("##", 1)[0]
    lines = [line for line in key_table.splitlines() if line.startswith("| ")][2:]  # after header and rule
    assert len(lines) == len(set(lines)) == len(keys)


def test_every_sheet_prints_one_page_across_with_data_headers_on_every_page(report: tuple[Path, str]) -> None:
    """A consultant who prints the workbook (or makes a PDF of it) gets no column cut off onto pages of its own —
    before, the customer sheets printed across 361 pages — and every page of a long data sheet has its header row;
    the Summary's wrapped labels and open questions get the row height they need (else they overprint)."""
    folder, _ = report
    book = openpyxl.load_workbook(folder / "assessment.xlsx")
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0), sheet.title  # 1: the default
    details = [s for s in book.worksheets if s.title[0].isdigit() and s.title.endswith(("customers", "contacts"))]
    assert details and all(s.print_title_rows in ("1:1", "$1:$1") for s in details)
    summary = book["Summary"]
    wrapped = [r for r in range(1, summary.max_row + 1) if len(str(summary.cell(r, 2).value or "")) > 34]
    assert wrapped and all((summary.row_dimensions[r].height or 0) >= 30 for r in wrapped)


def test_long_text_wraps_within_the_tables_not_across_the_printed_page(report: tuple[Path, str]) -> None:
    """Step 8's answer and its levers' basis ran on to the right of the tables, so the page printed at a fraction of
    its size: the answer is merged across the tables' columns and wrapped, long cells wrap with their rows grown."""
    folder, _ = report
    sheet = openpyxl.load_workbook(folder / "assessment.xlsx")["8 Opportunity"]
    assert any(str(r).startswith("A3:") for r in sheet.merged_cells.ranges)  # the answer, across the columns
    long = [c for row in sheet.iter_rows(min_row=5) for c in row if isinstance(c.value, str) and len(c.value) > 120]
    assert long
    for cell in long:
        assert cell.alignment.wrap_text, cell.coordinate
        assert (sheet.row_dimensions[cell.row].height or 0) >= 30, cell.coordinate


def test_hidden_columns_hold_only_the_registry_names(report: tuple[Path, str]) -> None:
    """Was: the As-is sheet hid its column A for the figures table's metric names, and with it the CSM names, roles
    and statuses of every other table on the sheet. Hidden columns now hold the metric names (and units) only."""
    from openpyxl.utils import column_index_from_string

    folder, _ = report
    book = openpyxl.load_workbook(folder / "assessment.xlsx")
    for sheet in book.worksheets:
        hidden = [column_index_from_string(k) for k, d in sheet.column_dimensions.items() if d.hidden]
        for col in hidden:
            cells = {str(c.value) for (c,) in sheet.iter_rows(min_col=col, max_col=col) if c.value is not None}
            headers = {"metric", "unit", "Metric", "Unit"}
            assert cells & headers, (sheet.title, col)
            assert all(v in headers or v.replace("_", "").replace("12m", "").isalnum() for v in cells), sheet.title
    as_is = book["2 As-is"]
    assert not as_is.column_dimensions["A"].hidden
    assert "Aisha Okafor" in {c.value for (c,) in as_is.iter_rows(min_col=1, max_col=1)}


def test_client_tables_have_no_scientific_notation_and_no_metric_names(report: tuple[Path, str]) -> None:
    """Was: 1.429e+04 ARR in step 7; gross_revenue_churn_m and friends in the client's document."""
    folder, _ = report
    md = (folder / "assessment.md").read_text(encoding="utf-8")
    names = [n for n in REGISTRY if "_" in n]
    for table in _md_tables(md):
        body = "\n".join(table)
        assert not re.search(r"\d[eE][+-]\d", body), table[0]
        header = table[0]
        assert "_" not in header, header
        assert not [n for n in names if f"| {n} |" in body], table[0]
    html = (folder / "assessment.html").read_text(encoding="utf-8")
    cells = re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", html)
    assert cells and not [c for c in cells if re.search(r"\d[eE][+-]\d", c)]
    assert not [c for c in cells if c in REGISTRY and "_" in c]


def test_html_prints_with_no_table_cut(report: tuple[Path, str]) -> None:
    folder, _ = report
    html = (folder / "assessment.html").read_text(encoding="utf-8")
    assert "@page" in html and "@media print" in html
    assert re.search(r"@media print \{[^@]*table \{ display: table; overflow: visible;", html)
    assert re.search(r"@media print \{[^@]*th, td \{ white-space: normal; \} td.n \{ white-space: nowrap; \}", html)
    for table in re.findall(r"<table[^>]*>(.*?)</table>", html, re.S):
        header = re.findall(r"<th>([^<]*)</th>", table)
        rows = [re.findall(r'<td class="([^"]*)">([^<]*)</td>', row) for row in re.findall(r"<tr>(.*?)</tr>", table)]
        rows = [r for r in rows if r]
        # a number never wraps; text wraps at its spaces past 40 characters; a header at its spaces
        widths = [
            max(
                [
                    max(len(w) for w in (h.split() or [""])),
                    *(cell_width(html_unescape(r[i][1]), "n" in r[i][0].split()) for r in rows if i < len(r)),
                ]
            )
            + 2
            for i, h in enumerate(header)
        ]
        assert len(header) <= 2 or sum(widths) <= PRINT_CHARS, (header, widths)


def test_chart_captions_add_to_the_title_and_forecast_bars_are_named(report: tuple[Path, str]) -> None:
    folder, _ = report
    html = (folder / "assessment.html").read_text(encoding="utf-8")
    figures = re.findall(r"<figure>.*?<title[^>]*>([^<]*)</title>.*?<figcaption>([^<]*)</figcaption>", html, re.S)
    assert len(figures) >= 4
    for title, caption in figures:
        assert caption and caption != title and title not in caption
    assert "year 1 /4" not in html
    assert re.search(r">Year 1</text>", html) and re.search(r">Year 2</text>", html)


def test_open_questions_counted_in_words(report: tuple[Path, str]) -> None:
    _, stderr = report
    found = re.search(r"(\d+) open question(s?) for the client", stderr)
    assert found, stderr
    assert (found.group(2) == "") == (found.group(1) == "1")


def test_health_by_csm_is_titled_so(cli: Invoke, tmp_path: Path) -> None:
    customers = write_csv(tmp_path / "c.csv", [["customer_id", "segment", "csm"], ["A", "Scale", "Ann"]])
    usage = write_csv(tmp_path / "u.csv", [[*USAGE, "seats"], ["A", "2026-10-01", 5, 40, 5, 100, 10]])
    text = ok(cli("health", customers, "--usage", usage, "-f", "markdown")).stdout
    assert "## Health by CSM" in text and "Health by csm" not in text


# --- honest answers on thin inputs -----------------------------------------------------------------------------
def test_health_with_nothing_measured_is_no_data_not_a_neutral_50(cli: Invoke, tmp_path: Path) -> None:
    """Was: `csctl health customers.csv` scored everyone 50 / yellow, unhealthy_share 1, no_data_customers 0."""
    customers = write_csv(
        tmp_path / "c.csv", [["customer_id", "segment", "csm"], ["A", "Scale", "Ann"], ["B", "Scale", "Bob"]]
    )
    doc = as_json(cli("health", customers, "-f", "json", "--as-of", "2026-10"))
    assert {r["health_band"] for r in doc["tables"]["customers"]} == {"no data"}
    assert {r["health_score"] for r in doc["tables"]["customers"]} == {None}
    metrics = doc["metrics"]
    assert metrics["no_data_customers"] == 2 and metrics["scored_customers"] == 0
    assert metrics["unhealthy_share"] is None and metrics["avg_health"] is None
    # with usage for A only: A is scored, B (nothing measured) is still no data
    usage = write_csv(tmp_path / "u.csv", [[*USAGE, "seats"], ["A", "2026-10-20", 9, 40, 5, 100, 10]])
    doc = as_json(cli("health", customers, "--usage", usage, "-f", "json", "--as-of", "2026-10"))
    bands = {r["customer_id"]: r["health_band"] for r in doc["tables"]["customers"]}
    assert bands["B"] == "no data" and bands["A"] != "no data"


def test_plan_without_billing_names_what_its_options_need_and_writes_nothing(invoke: Invoke, tmp_path: Path) -> None:
    """Was: a 'renewal play' worth $0 picked with exit 0, and ./plan.yaml silently overwritten."""
    files = company(tmp_path)
    plan_file = tmp_path / "plan.yaml"
    args = [a for a in plan_args(files, plan_file) if a not in ("--opportunity", files["opportunity"])]
    result = invoke(*args)
    assert result.exit_code == 2, result.stderr
    assert "billing" in result.stderr and "--opportunity" in result.stderr
    assert not plan_file.exists()


def test_plan_never_replaces_an_existing_plan_file_unasked(invoke: Invoke, tmp_path: Path) -> None:
    files = company(tmp_path)
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text("the plan of last month\n", encoding="utf-8")
    result = invoke(*plan_args(files, plan_file))
    assert result.exit_code == 2, result.stderr
    assert "--force" in result.stderr
    assert plan_file.read_text(encoding="utf-8") == "the plan of last month\n"
    ok(invoke(*plan_args(files, plan_file, "--force")))
    assert "pick:" in plan_file.read_text(encoding="utf-8")


BILLING = [
    ["customer_id", "amount", "period_start", "period_end"],
    ["A", "100.00", "2026-08-01", "2026-08-31"],
    ["A", "100.00", "2026-09-01", "2026-09-30"],
    ["A", "150.00", "2026-10-01", "2026-10-31"],  # expansion +50
    ["B", "200.00", "2026-08-01", "2026-08-31"],
    ["B", "200.00", "2026-09-01", "2026-09-30"],  # churns in 2026-10: −200
    ["C", "80.00", "2026-10-01", "2026-10-31"],  # new +80
]


@pytest.mark.parametrize(("as_of", "code"), [("2027-06", 2), ("2026-11", 2), ("2026-10", 0), ("2026-09", 0)])
def test_as_of_after_the_billing_is_a_usage_error(invoke: Invoke, tmp_path: Path, as_of: str, code: int) -> None:
    """Was: MRR $16k and 12-month logo churn 94.5% for a month past the data, with a warning and exit 0."""
    billing = write_csv(tmp_path / "b.csv", BILLING)
    result = invoke("numbers", billing, "--as-of", as_of, "-f", "json")
    assert result.exit_code == code, result.stderr
    if code:
        assert re.search(r"--as-of \d{4}-\d{2} is after the", result.stderr) and "2026-10" in result.stderr


# --- the numbers summary leads with MRR, net new MRR and MRR growth ------------------------------------------------
def test_summary_leads_with_mrr_net_new_mrr_and_growth(invoke: Invoke, tmp_path: Path) -> None:
    billing = write_csv(tmp_path / "b.csv", BILLING)
    doc = as_json(invoke("numbers", billing, "--as-of", "2026-10", "-f", "json"))
    # 2026-09: A 100 + B 200 = 300; 2026-10: A 150 + C 80 = 230. Net new = +50 (expansion) + 80 (new) − 200
    # (churn) = −70 = 230 − 300; growth = −70 / 300
    assert doc["metrics"]["mrr"] == pytest.approx(230.0)
    assert doc["metrics"]["net_new_mrr"] == pytest.approx(-70.0)
    assert doc["metrics"]["mrr_growth"] == pytest.approx(-70 / 300)
    # MRR first, with ARR (12 × MRR) beside it, then net new MRR and MRR growth: before any movement
    assert [r["metric"] for r in doc["tables"]["summary"][:4]] == ["mrr", "arr", "net_new_mrr", "mrr_growth"]
    # and the first sentence (the report's step-1 answer) says them once each
    first = doc["notes"][0]
    assert first.count("net new MRR") == 1 and "net new MRR -$70.00 (-23.33% growth)" in first, first


# --- the terminal ------------------------------------------------------------------------------------------------
def _wide(rows: int) -> Result:
    frame = pl.DataFrame(
        {"customer_id": [f"C{i:03d}" for i in range(rows)]}
        | {f"measure_{k}": [float(i * k) for i in range(rows)] for k in range(1, 13)}
    )
    return Result("t", "Wide", {"t": Table(frame, "Customers")}, "t")


def test_terminal_tables_fit_80_columns_by_choosing_columns_and_say_which_were_left_out() -> None:
    """Was: 857 lines in 52 'continued' blocks of 5 customers at 80 columns."""
    out = render(_wide(100), "table", to_file=False, width=80, limit=20).decode("utf-8")
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "continued" not in out
    assert "… 80 more rows of 100 (--limit 0 shows all)" in out
    assert sum(1 for line in lines if re.match(r"^ C\d{3} ", line)) == 20
    assert "--columns" in out
    header = next(line for line in lines if line.startswith(" Customer ID"))
    shown = re.findall(r"Measure \d+", header)
    missing = re.search(r"(\d+) columns left out", out)
    assert missing and int(missing.group(1)) + len(shown) == 12


def test_terminal_columns_flag_and_no_cut_off_a_terminal() -> None:
    out = render(_wide(50), "table", to_file=False, width=80, columns=["customer_id", "measure_12"]).decode()
    assert "Measure 12" in out and "Measure 1 " not in out and "left out" not in out
    whole = render(_wide(50), "table", to_file=False).decode()  # a file or a pipe: every row, every column
    assert "Measure 12" in whole and "more rows" not in whole and "left out" not in whole


def test_choose_keeps_the_first_column_and_what_fits() -> None:
    # each column takes its width + 3: 13 + 23 = 36 fits 40; + 33 does not; + 8 = 44 fits 44 but not 43
    assert choose([10, 20, 30, 5], 43) == [0, 1]
    assert choose([10, 20, 30, 5], 44) == [0, 1, 3]
    assert choose([100, 5], 40) == [0]


def test_column_parts_repeat_the_first_column_and_fit_the_budget() -> None:
    headers = ["Month", *(f"Column {i}" for i in range(10))]
    rows = [["2026-10", *("$1,000,000.00" for _ in range(10))]]
    parts = column_parts(headers, rows, budget=60)
    assert all(part[0] == 0 for part in parts)
    assert sorted(i for part in parts for i in part[1:]) == list(range(1, 11))
    assert all(9 + sum(15 for _ in part[1:]) <= 60 for part in parts)  # 7 + 2, and 13 + 2 each


# --- pipelines keep values as they came ---------------------------------------------------------------------------
def test_segment_csv_keeps_integers_and_text_as_they_came(invoke: Invoke, tmp_path: Path) -> None:
    """Was: employees 20 written as 20.0."""
    customers = write_csv(
        tmp_path / "c.csv",
        [["customer_id", "employees", "region", "postcode"], ["A", "20", "EMEA", "0042"], ["C", "1200", "", "10115"]],
    )
    billing = write_csv(tmp_path / "b.csv", BILLING)
    out = ok(invoke("segment", customers, "--billing", billing, "-f", "csv")).stdout
    rows = list(csv_rows(out))
    assert rows[0]["employees"] == "20" and rows[1]["employees"] == "1200"
    assert rows[0]["postcode"] == "0042" and rows[0]["customer_id"] == "A"


def csv_rows(text: str) -> list[dict[str, str]]:
    import csv

    return list(csv.DictReader(io.StringIO(text)))


def test_a_mistyped_choice_gets_a_did_you_mean(invoke: Invoke, tmp_path: Path) -> None:
    billing = write_csv(tmp_path / "b.csv", BILLING)
    result = invoke("numbers", billing, "--view", "bridges")
    assert result.exit_code == 2
    assert "Did you mean 'bridge'?" in result.stderr and "Value error" not in result.stderr


def test_a_figures_table_keeps_its_labels_and_values_at_80_columns() -> None:
    """Was: the summary at 80 columns showed its section and label and left the values out."""
    frame = pl.DataFrame(
        {
            "section": ["revenue", "revenue churn"],
            "metric": ["mrr", "gross_revenue_churn_12m"],
            "label": ["MRR", "Gross revenue churn % (monthly, trailing 12 months)"],
            "value": [148921.06, 0.0111],
            "unit": ["money", "rate"],
        }
    )
    out = render(Result("n", "N", {"s": Table(frame, "Summary")}, "s"), "table", to_file=False, width=80).decode()
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "$148,921.06" in out and "1.11%" in out and "Gross revenue churn % (monthly" in out
    assert "1 column left out to fit 80 characters: section" in out
