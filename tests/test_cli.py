"""The command-line contract (DESIGN.md §3 reading rules, §6 command line) through Typer's CliRunner.

CliRunner (Typer 0.29) keeps stdout and stderr apart: ``result.stdout`` is the data, ``result.stderr`` the
messages (``result.output`` is both, interleaved).
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from helpers import ok
from typer.testing import Result

Invoke = Callable[..., Result]

BRIDGE_HEADER = (
    "month,mrr_start,new,reactivation,expansion,price_uplift,upsell,contraction,price_erosion,churn,mrr_end,"
    "customers_start,customers_new,customers_reactivated,customers_churned,customers_end,"
)
MOVEMENTS = ("new", "reactivation", "expansion", "price_uplift", "upsell", "contraction", "price_erosion", "churn")
MONEY = ("mrr_start", *MOVEMENTS, "mrr_end")
COUNTS = ("customers_start", "customers_new", "customers_reactivated", "customers_churned", "customers_end")
RATES = ("gross_revenue_churn", "net_revenue_churn", "logo_churn_rate", "grr", "nrr", "eligible_churn")
METRIC_NAMES = [  # DESIGN.md §4 "Metric names"
    *("mrr", "arr", "customers", "arpa", "new_mrr", "reactivation_mrr", "expansion_mrr", "price_uplift_mrr"),
    *("upsell_mrr", "contraction_mrr", "price_erosion_mrr", "churn_mrr", "headwind_mrr", "tailwind_mrr"),
    *("gross_revenue_churn", "net_revenue_churn", "logo_churn_rate", "logos_lost", "grr_1m", "nrr_1m", "grr_3m"),
    *("nrr_3m", "grr_12m", "nrr_12m", "logo_churn_12m", "eligible_churn", "quick_ratio", "clv"),
]
VIEWS = ("summary", "bridge", "quarters", "forecast", "customers", "cohorts")
FORMATS = ("table", "csv", "tsv", "json", "ndjson", "markdown", "xlsx")
MONEY_TEXT = re.compile(r"^-?\d+\.\d{2}$")
PY = Path(sys.executable)
CSCTL = PY.parent / "csctl"


# --- helpers ------------------------------------------------------------------------------------------------


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    return records[0], records[1:]


def write_rows(path: Path, header: list[str], rows: list[list[str]], *, separator: str = ",", encoding: str = "utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def edited(billing: Path, target: Path, row: int, column: str, value: str) -> Path:
    """A copy of ``billing`` with ``column`` of file row ``row`` (the header is row 1) set to ``value``."""
    header, rows = read_rows(billing)
    rows[row - 2][header.index(column)] = value
    return write_rows(target, header, rows)


def assert_input_error(result: Result) -> None:
    """Exit 3, nothing on stdout, one clear message on stderr, no traceback."""
    assert result.exit_code == 3, f"exit {result.exit_code}: {result.stderr}"
    assert result.stdout == ""
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert sum(line.startswith("error:") for line in result.stderr.splitlines()) == 1, result.stderr


def metrics_json(invoke: Invoke, *args: object, env: dict[str, str | None] | None = None) -> dict:
    document = json.loads(ok(invoke("numbers", *args, "-f", "json", env=env)).stdout)
    return document


@pytest.fixture(scope="module")
def bridge_csv(cli: Invoke, billing_csv: Path) -> str:
    """The canonical sample's bridge CSV: every other input form must give exactly this."""
    return ok(cli("numbers", billing_csv, "--view", "bridge", "-f", "csv")).stdout


@pytest.fixture(scope="module")
def summary(cli: Invoke, billing_csv: Path) -> dict:
    return json.loads(ok(cli("numbers", billing_csv, "-f", "json")).stdout)


# --- numbers on the sample --------------------------------------------------------------------------------------
def test_cli_runner_keeps_stdout_and_stderr_apart(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    result = ok(invoke("numbers", billing_csv, "-f", "csv", "-o", tmp_path / "out.csv"))
    assert result.stdout == ""
    assert "wrote" in result.stderr
    result = ok(invoke("numbers", billing_csv, "-f", "csv", "--period", "quarter"))
    assert result.stdout.startswith("section,metric,")
    assert "warning" not in result.stdout
    assert "--period applies to" in result.stderr


def test_summary_csv_has_metric_value_rows(invoke: Invoke, billing_csv: Path) -> None:
    result = ok(invoke("numbers", billing_csv, "-f", "csv"))
    rows = rows_of(result.stdout)
    assert {"metric", "value"} <= set(rows[0])
    values = {r["metric"]: r["value"] for r in rows}
    assert "mrr" in values
    assert float(values["mrr"]) > 0
    assert result.stderr == ""


def test_summary_csv_money_has_two_decimals(invoke: Invoke, billing_csv: Path) -> None:
    rows = rows_of(ok(invoke("numbers", billing_csv, "-f", "csv")).stdout)
    bad = [(r["metric"], r["value"]) for r in rows if r["unit"] == "money" and not MONEY_TEXT.match(r["value"])]
    bad += [(r["metric"], r["value"]) for r in rows if r["unit"] == "count" and not r["value"].isdigit()]
    assert bad == []


def test_bridge_csv_header_money_and_identity(bridge_csv: str) -> None:
    header = bridge_csv.splitlines()[0]
    assert header.startswith(BRIDGE_HEADER)
    assert header.split(",")[16:22] == list(RATES)
    rows = rows_of(bridge_csv)
    assert len(rows) >= 12
    previous_end: Decimal | None = None  # the first row starts from the export's opening balance
    for row in rows:
        assert re.fullmatch(r"\d{4}-\d{2}", row["month"])
        for name in MONEY:
            assert MONEY_TEXT.match(row[name]), (row["month"], name, row[name])
        for name in COUNTS:
            assert re.fullmatch(r"\d+", row[name]), (row["month"], name, row[name])
        start, end = Decimal(row["mrr_start"]), Decimal(row["mrr_end"])
        assert end == start + sum(Decimal(row[m]) for m in MOVEMENTS), row["month"]
        assert previous_end is None or start == previous_end, row["month"]
        previous_end = end
        customers_end = int(row["customers_start"]) + int(row["customers_new"])
        customers_end += int(row["customers_reactivated"]) - int(row["customers_churned"])
        assert int(row["customers_end"]) == customers_end
        for name in RATES:  # fractions, not percentages
            if row[name]:
                assert -5 < float(row[name]) < 5


def test_summary_json_has_every_registry_metric(summary: dict) -> None:
    assert re.fullmatch(r"\d{4}-\d{2}", summary["as_of"])
    assert summary["currency"] == "USD"
    missing = [name for name in METRIC_NAMES if name not in summary["metrics"]]
    assert not missing
    assert summary["metrics"]["arr"] == pytest.approx(12 * summary["metrics"]["mrr"], abs=0.011)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("view", VIEWS)
def test_every_format_for_every_view(invoke: Invoke, tmp_path: Path, billing_csv: Path, view: str, fmt: str) -> None:
    if fmt == "xlsx":
        out = tmp_path / "out.xlsx"
        result = ok(invoke("numbers", billing_csv, "--view", view, "-o", out))
        assert result.stdout == ""
        import openpyxl

        book = openpyxl.load_workbook(out)
        assert book.sheetnames[0] == view
        return
    result = ok(invoke("numbers", billing_csv, "--view", view, "-f", fmt))
    text = result.stdout
    assert text.strip()
    if fmt == "csv":
        assert len(rows_of(text)) >= 1
    elif fmt == "tsv":
        assert "\t" in text.splitlines()[0] and "," not in text.splitlines()[0]
    elif fmt == "json":
        assert json.loads(text)["view"] == view
    elif fmt == "ndjson":
        assert all(isinstance(json.loads(line), dict) for line in text.splitlines())
    elif fmt == "markdown":
        assert text.startswith("# ")
        assert "| --- |" in text
    else:
        assert "\x1b[" not in text  # no colour when stdout is not a terminal


def test_output_md_picks_markdown_from_extension(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    out = tmp_path / "report.md"
    result = ok(invoke("numbers", billing_csv, "-o", out))
    assert result.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# ")
    assert "| Section | Label | Value |" in text  # labels for people; the metric names are in -f json


def test_quarter_bridge_sums_the_months(invoke: Invoke, billing_csv: Path, bridge_csv: str) -> None:
    months = rows_of(bridge_csv)
    quarters = rows_of(
        ok(invoke("numbers", billing_csv, "--view", "bridge", "--period", "quarter", "-f", "csv")).stdout
    )
    by_quarter: dict[str, list[dict[str, str]]] = {}
    for row in months:
        year, month = row["month"].split("-")
        by_quarter.setdefault(f"{year}-Q{(int(month) - 1) // 3 + 1}", []).append(row)
    assert [q["quarter"] for q in quarters] == list(by_quarter)
    for q in quarters:
        inside = by_quarter[q["quarter"]]
        assert int(q["months"]) == len(inside)
        assert Decimal(q["mrr_start"]) == Decimal(inside[0]["mrr_start"])
        assert Decimal(q["mrr_end"]) == Decimal(inside[-1]["mrr_end"])
        for name in MOVEMENTS:
            assert Decimal(q[name]) == sum(Decimal(m[name]) for m in inside), (q["quarter"], name)


def test_as_of_earlier_month(invoke: Invoke, billing_csv: Path, bridge_csv: str, summary: dict) -> None:
    months = rows_of(bridge_csv)
    earlier = months[-7]
    document = metrics_json(invoke, billing_csv, "--as-of", earlier["month"])
    assert document["as_of"] == earlier["month"] != summary["as_of"]
    assert Decimal(str(document["metrics"]["mrr"])) == Decimal(earlier["mrr_end"])
    bridge = rows_of(ok(invoke("numbers", billing_csv, "--view", "bridge", "--as-of", earlier["month"])).stdout)
    assert bridge[-1]["month"] == earlier["month"]


def test_explain_shows_definitions(invoke: Invoke, billing_csv: Path) -> None:
    plain = ok(invoke("numbers", billing_csv, "-f", "table")).stdout
    explained = ok(invoke("numbers", billing_csv, "-f", "table", "--explain")).stdout
    assert "gross margin × ARPA" not in plain
    assert "gross margin × ARPA" in explained
    result = ok(invoke("numbers", billing_csv, "-f", "csv", "--explain"))  # data formats: definitions on stderr
    assert "gross margin × ARPA" in result.stderr
    assert result.stdout == ok(invoke("numbers", billing_csv, "-f", "csv")).stdout


# --- other input forms give the same numbers ----------------------------------------------------------------------
def test_stdin_gives_the_same_output(invoke: Invoke, billing_csv: Path, bridge_csv: str) -> None:
    data = billing_csv.read_bytes()
    assert ok(invoke("numbers", "-", "-f", "csv", input=data)).stdout == ok(invoke("numbers", billing_csv)).stdout
    assert ok(invoke("numbers", "-", "--view", "bridge", "-f", "csv", input=data)).stdout == bridge_csv


def test_stripe_style_gives_the_same_bridge(invoke: Invoke, tmp_path: Path, bridge_csv: str) -> None:
    ok(invoke("sample", "-o", tmp_path, "--customers", 120, "--months", 30, "--seed", 3, "--style", "stripe"))
    assert "Customer ID" in (tmp_path / "billing.csv").read_text().splitlines()[0]
    assert ok(invoke("numbers", tmp_path / "billing.csv", "--view", "bridge", "-f", "csv")).stdout == bridge_csv


def _windows_export(billing: Path, target: Path, name_rows: slice) -> Path:
    """Windows-1252, semicolons, decimal commas, and a non-ASCII customer name on the chosen rows."""
    header, rows = read_rows(billing)
    name = header.index("customer_name")
    for row in rows:
        for column in ("amount", "unit_price"):
            row[header.index(column)] = row[header.index(column)].replace(".", ",")
    for row in rows[name_rows]:
        row[name] = "Müller Straße GmbH"
    return write_rows(target, header, rows, separator=";", encoding="cp1252")


def test_windows_1252_semicolon_decimal_comma(invoke: Invoke, tmp_path: Path, billing_csv: Path, bridge_csv: str):
    path = _windows_export(billing_csv, tmp_path / "windows.csv", slice(0, None, 5))
    result = ok(invoke("numbers", path, "--view", "bridge", "-f", "csv"))
    assert result.stdout == bridge_csv
    assert "Windows-1252" in result.stderr


def test_windows_1252_with_late_non_ascii(invoke: Invoke, tmp_path: Path, billing_csv: Path, bridge_csv: str) -> None:
    path = _windows_export(billing_csv, tmp_path / "windows.csv", slice(-1, None))
    assert path.stat().st_size > 1 << 16
    result = invoke("numbers", path, "--view", "bridge", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == bridge_csv


def test_xlsx_input_and_sheet_selection(invoke: Invoke, tmp_path: Path, billing_csv: Path, bridge_csv: str) -> None:
    path = tmp_path / "billing.xlsx"
    pl.read_csv(billing_csv).write_excel(path)
    assert ok(invoke("numbers", path, "--view", "bridge", "-f", "csv")).stdout == bridge_csv
    assert ok(invoke("numbers", f"{path}#Sheet1", "--view", "bridge", "-f", "csv")).stdout == bridge_csv
    result = invoke("numbers", f"{path}#Shet1", "-f", "csv")
    assert_input_error(result)
    assert "Shet1" in result.stderr
    assert "Sheet1" in result.stderr.split("Shet1", 1)[1]


@pytest.mark.parametrize("suffix", ["parquet", "ndjson"])
def test_parquet_and_ndjson_inputs(invoke: Invoke, tmp_path: Path, billing_csv: Path, bridge_csv: str, suffix: str):
    frame = pl.read_csv(billing_csv)
    path = tmp_path / f"billing.{suffix}"
    getattr(frame, f"write_{suffix}")(path)
    assert ok(invoke("numbers", path, "--view", "bridge", "-f", "csv")).stdout == bridge_csv


# --- --fail-on --------------------------------------------------------------------------------------------------
def test_fail_on_both_sides_of_the_value(invoke: Invoke, billing_csv: Path, summary: dict) -> None:
    grr = summary["metrics"]["grr_12m"]
    breached = invoke("numbers", billing_csv, "-f", "csv", "--fail-on", f"grr_12m<{grr + 0.001:.6f}")
    assert breached.exit_code == 1, breached.stderr
    assert "grr_12m" in breached.stderr
    assert breached.stdout.startswith("section,metric,")  # the data is still written
    assert ok(invoke("numbers", billing_csv, "-f", "csv", "--fail-on", f"grr_12m<{grr - 0.001:.6f}")).stdout
    mrr = summary["metrics"]["mrr"]
    assert invoke("numbers", billing_csv, "--fail-on", f"mrr>{mrr - 1}").exit_code == 1
    assert invoke("numbers", billing_csv, "--fail-on", f"mrr>{mrr + 1}").exit_code == 0


def test_fail_on_unknown_metric(invoke: Invoke, billing_csv: Path) -> None:
    result = invoke("numbers", billing_csv, "--fail-on", "grr_12<0.9")
    assert result.exit_code == 2
    assert "did you mean 'grr_12m'" in result.stderr.lower()
    assert result.stdout == ""


@pytest.mark.parametrize("expression", ["grr_12m<<", "grr_12m", "<0.9", "grr_12m<abc"])
def test_fail_on_malformed_expression(invoke: Invoke, billing_csv: Path, expression: str) -> None:
    result = invoke("numbers", billing_csv, "--fail-on", expression)
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_cron_style_run(invoke: Invoke, tmp_path: Path, billing_csv: Path, summary: dict) -> None:
    mrr = summary["metrics"]["mrr"]
    for threshold, code in ((mrr - 1, 1), (mrr + 1, 0)):
        out = tmp_path / f"weekly-{code}.md"
        result = invoke("numbers", billing_csv, "-f", "markdown", "-o", out, "--fail-on", f"mrr>{threshold}")
        assert result.exit_code == code, result.stderr
        assert result.stdout == ""
        assert out.read_text(encoding="utf-8").startswith("# ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weekly-0.md", "weekly-1.md"]


# --- bad inputs: exit 3, one clear message ------------------------------------------------------------------------
def test_empty_file(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = invoke("numbers", path)
    assert_input_error(result)
    assert "empty" in result.stderr


def test_header_only(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text(billing_csv.read_text().splitlines()[0] + "\n")
    result = invoke("numbers", path)
    assert_input_error(result)
    assert "no data rows" in result.stderr


def test_missing_required_column(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    path = tmp_path / "missing.csv"
    path.write_text(billing_csv.read_text().replace("customer_id", "custmer_id", 1))
    result = invoke("numbers", path)
    assert_input_error(result)
    assert "customer_id" in result.stderr
    assert "did you mean 'custmer_id'" in result.stderr.lower()


def test_unparseable_amount(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    path = edited(billing_csv, tmp_path / "amount.csv", 5, "amount", "12,3x4")
    result = invoke("numbers", path)
    assert_input_error(result)
    assert "row 5" in result.stderr
    assert "'12,3x4'" in result.stderr
    assert "amount" in result.stderr
    assert str(path) in result.stderr


def test_unparseable_date(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    path = edited(billing_csv, tmp_path / "date.csv", 9, "period_start", "2024-13-45")
    result = invoke("numbers", path)
    assert_input_error(result)
    assert "row 9" in result.stderr
    assert "'2024-13-45'" in result.stderr
    assert "period_start" in result.stderr


def _ragged(billing: Path, target: Path, row: int, extra: bool) -> Path:
    lines = billing.read_text().splitlines()
    lines[row - 1] = lines[row - 1] + ",surplus" if extra else lines[row - 1].rsplit(",", 1)[0]
    target.write_text("\n".join(lines) + "\n")
    return target


def test_ragged_row_too_few_fields(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    result = invoke("numbers", _ragged(billing_csv, tmp_path / "few.csv", 8, extra=False))
    assert_input_error(result)
    assert "row 8" in result.stderr
    assert "ragged" in result.stderr


def test_ragged_row_too_many_fields_in_columns_read(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("customer_id,amount,period_start\nA,10,2024-01-01\nB,20,2024-01-01,zzz\nC,5,2024-02-01\n")
    result = invoke("numbers", path)
    assert_input_error(result)
    assert "row 3" in result.stderr
    assert "ragged" in result.stderr


def test_ragged_row_too_many_fields(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    result = invoke("numbers", _ragged(billing_csv, tmp_path / "many.csv", 7, extra=True))
    assert_input_error(result)
    assert "row 7" in result.stderr
    assert "ragged" in result.stderr


def test_mixed_currencies_without_fx(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    path = edited(billing_csv, tmp_path / "eur.csv", 10, "currency", "EUR")
    result = invoke("numbers", path)
    assert_input_error(result)
    assert "EUR" in result.stderr
    assert "fx" in result.stderr


def test_a_directory(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("numbers", tmp_path)
    assert_input_error(result)
    assert "directory" in result.stderr


def test_a_missing_file(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    result = invoke("numbers", tmp_path / "nosuch.csv")
    assert_input_error(result)
    assert "no such file" in result.stderr
    result = invoke("numbers", billing_csv.with_name("bilings.csv"))
    assert_input_error(result)
    assert "did you mean" in result.stderr.lower()


def test_skip_bad_rows(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    path = edited(billing_csv, tmp_path / "bad1.csv", 5, "amount", "abc")
    path = edited(path, tmp_path / "bad2.csv", 12, "period_start", "someday")
    assert invoke("numbers", path).exit_code == 3
    result = ok(invoke("numbers", path, "--skip-bad-rows", "-f", "csv"))
    assert "skipped 2 bad rows" in result.stderr
    assert result.stdout.startswith("section,metric,")


# --- usage errors: exit 2 -----------------------------------------------------------------------------------------
def test_unknown_view(invoke: Invoke, billing_csv: Path) -> None:
    result = invoke("numbers", billing_csv, "--view", "brige")
    assert result.exit_code == 2
    assert "brige" in result.stderr
    assert result.stdout == ""


def test_unknown_command_suggests(invoke: Invoke, billing_csv: Path) -> None:
    result = invoke("numbrs", billing_csv)
    assert result.exit_code == 2
    assert "Did you mean 'numbers'?" in result.stderr
    assert result.stdout == ""


def test_stdin_terminal_is_a_usage_error_in_process() -> None:
    from csctl.errors import UsageError
    from csctl.io.read import read_stdin

    class Terminal(io.BytesIO):
        def isatty(self) -> bool:
            return True

    with pytest.raises(UsageError) as caught:
        read_stdin(Terminal(b"never read"))
    assert caught.value.exit_code == 2
    assert caught.value.hint


def test_stdin_terminal_exits_2_with_a_hint(tmp_path: Path) -> None:
    """The real thing: ``csctl numbers -`` with a pseudo-terminal on stdin must not hang (cron) but exit 2."""
    primary, secondary = pty.openpty()
    try:
        done = subprocess.run(
            [str(CSCTL), "numbers", "-", "-f", "csv"],
            stdin=secondary,
            capture_output=True,
            timeout=30,
            cwd=tmp_path,
            env={**os.environ, "NO_COLOR": "1"},
            check=False,
        )
    finally:
        os.close(secondary)
        os.close(primary)
    assert done.returncode == 2, done.stderr
    assert done.stdout == b""
    assert b"stdin is a terminal" in done.stderr
    assert b"hint:" in done.stderr


# --- writing ----------------------------------------------------------------------------------------------------
def test_output_into_a_missing_directory(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    result = invoke("numbers", billing_csv, "-o", tmp_path / "missing" / "out.csv")
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_output_into_a_missing_directory_is_not_an_internal_error(
    invoke: Invoke, tmp_path: Path, billing_csv: Path
) -> None:
    result = invoke("numbers", billing_csv, "-o", tmp_path / "missing" / "out.csv")
    assert result.exit_code in (2, 3)
    assert "internal error" not in result.stderr
    assert "missing" in result.stderr


def test_existing_output_is_replaced_whole(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_bytes(b"x" * 1_000_000)
    ok(invoke("numbers", billing_csv, "-o", out))
    assert out.read_text(encoding="utf-8") == ok(invoke("numbers", billing_csv, "-f", "csv")).stdout
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary files left
    assert (out.stat().st_mode & 0o777) != 0o600  # the usual permissions, not mkstemp's


@pytest.mark.parametrize("spelling", ["same", "absolute", "dotted"])
def test_output_equal_to_input_is_refused(
    invoke: Invoke, tmp_path: Path, billing_csv: Path, spelling: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "billing.csv"
    path.write_bytes(billing_csv.read_bytes())
    monkeypatch.chdir(tmp_path)
    output = {"same": "billing.csv", "absolute": str(path), "dotted": "./billing.csv"}[spelling]
    result = invoke("numbers", "billing.csv", "-f", "csv", "-o", output)
    assert result.exit_code == 2
    assert "input" in result.stderr
    assert path.read_bytes() == billing_csv.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["billing.csv"]


# --- formula injection ------------------------------------------------------------------------------------------
DANGEROUS = ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)"]


# the small exports below hold a whole history (January 2024 on) and were pulled at the end of February
WHOLE_TO_FEB = ("--history-starts", "2024-01", "--as-of", "2024-02")


@pytest.fixture
def injection_billing(tmp_path: Path) -> Path:
    """Customers whose ids look like spreadsheet formulas; 'gone' churns in 2024-02 (negative money)."""
    rows = []
    for customer, amount in [*zip(DANGEROUS, (100, 50, 10, 5), strict=True), ("plain", 7)]:
        rows.append([customer, str(amount), "2024-01-01", "2024-01-31"])
        rows.append([customer, str(amount), "2024-02-01", "2024-02-29"])
    rows.append(["gone", "20", "2024-01-01", "2024-01-31"])
    return write_rows(tmp_path / "billing.csv", ["customer_id", "amount", "period_start", "period_end"], rows)


def test_csv_file_output_escapes_formulas(invoke: Invoke, tmp_path: Path, injection_billing: Path) -> None:
    stdout = ok(invoke("numbers", injection_billing, *WHOLE_TO_FEB, "--view", "customers", "-f", "csv")).stdout
    assert {r["customer_id"] for r in rows_of(stdout)} == {*DANGEROUS, "plain", "gone"}  # stdout left as is
    out = tmp_path / "out.csv"
    ok(invoke("numbers", injection_billing, *WHOLE_TO_FEB, "--view", "customers", "-o", out))
    rows = rows_of(out.read_text(encoding="utf-8"))
    assert {r["customer_id"] for r in rows} == {*(f"'{d}" for d in DANGEROUS), "plain", "gone"}
    gone = next(r for r in rows if r["customer_id"] == "gone")
    assert gone["churn"] == "-20.00"  # numbers are never escaped
    assert gone["change"] == "-20.00"


def test_escaped_csv_reads_back_inert(invoke: Invoke, tmp_path: Path, injection_billing: Path) -> None:
    """The reader keeps a leading ' (issue 16): csctl's escaped -o output, read back, stays inert: the ids keep the
    ' csctl wrote, and an export escaped by the client is never turned live on stdout."""
    from csctl.io.load import load_table
    from csctl.io.parse import ReadOptions

    out = tmp_path / "out.csv"
    ok(invoke("numbers", injection_billing, *WHOLE_TO_FEB, "--view", "customers", "-o", out))
    table = load_table(str(out), "customers", ReadOptions())
    assert set(table.frame["customer_id"]) == {*("'" + d for d in DANGEROUS), "plain", "gone"}
    header, rows = read_rows(injection_billing)
    for row in rows:
        if row[0] in DANGEROUS:
            row[0] = "'" + row[0]
    escaped = write_rows(tmp_path / "escaped.csv", header, rows)
    text = ok(invoke("numbers", escaped, *WHOLE_TO_FEB, "--view", "customers", "-f", "csv")).stdout
    ids = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert {*("'" + d for d in DANGEROUS), "plain", "gone"} == set(ids)


def test_xlsx_output_has_no_formulas(invoke: Invoke, tmp_path: Path, injection_billing: Path) -> None:
    import openpyxl

    out = tmp_path / "out.xlsx"
    ok(invoke("numbers", injection_billing, *WHOLE_TO_FEB, "--view", "customers", "-o", out))
    book = openpyxl.load_workbook(out)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    found = {c.value: c.data_type for c in cells if c.value in DANGEROUS}
    assert found == dict.fromkeys(DANGEROUS, "s")


# --- config -----------------------------------------------------------------------------------------------------
def test_config_yaml_syntax_error(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("currency: USD\ngross_margin: 0.5\n  oops: x\n")
    result = invoke("numbers", billing_csv, "-c", config)
    assert_input_error(result)
    assert f"{config}:3" in result.stderr


def test_config_misspelt_key(invoke: Invoke, tmp_path: Path, billing_csv: Path) -> None:
    config = tmp_path / "typo.yaml"
    config.write_text("currency: USD\ngross_margn: 0.7\n")
    result = invoke("numbers", billing_csv, "-c", config)
    assert_input_error(result)
    assert f"{config}:2" in result.stderr
    assert "did you mean 'gross_margin'" in result.stderr.lower()


def test_config_env_var_and_gross_margin(invoke: Invoke, tmp_path: Path, billing_csv: Path, summary: dict) -> None:
    config = tmp_path / "half.yaml"
    config.write_text("gross_margin: 0.5\n")
    from_env = metrics_json(invoke, billing_csv, env={"CSCTL_CONFIG": str(config)})["metrics"]
    from_option = metrics_json(invoke, billing_csv, "-c", config)["metrics"]
    base = summary["metrics"]
    assert from_env["clv"] == from_option["clv"]
    assert from_env["clv"] == pytest.approx(base["clv"] * 0.5 / 0.75, abs=0.011)
    assert from_env["gross_margin"] == 0.5
    assert from_env["mrr"] == base["mrr"]
    typo = tmp_path / "typo.yaml"
    typo.write_text("gross_margn: 0.7\n")
    result = invoke("numbers", billing_csv, env={"CSCTL_CONFIG": str(typo)})
    assert_input_error(result)
    assert str(typo) in result.stderr
    ok(invoke("numbers", billing_csv, "-c", config, env={"CSCTL_CONFIG": str(typo)}))  # -c comes first


# --- presets ----------------------------------------------------------------------------------------------------
CHARTMOGUL_HEADER = ["CUSTOMER_UUID", "MRR", "START_DATE", "END_DATE", "PLAN_UUID", "QUANTITY", "SUBSCRIPTION_SET_UUID"]
CHARTMOGUL_ROWS = [  # ChartMogul's MRR Intervals export: MRR in cents
    ["cus_1", "12345", "2024-01-01", "2024-03-01", "pl_basic", "1", "ss_1"],
    ["cus_2", "99900", "2024-01-01", "2024-02-01", "pl_pro", "3", "ss_2"],
    ["cus_2", "120000", "2024-02-01", "", "pl_pro", "4", "ss_2"],
    ["cus_3", "5001", "2024-02-01", "", "pl_basic", "1", "ss_3"],
]


def test_chartmogul_preset_scales_cents(invoke: Invoke, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "chartmogul.csv", CHARTMOGUL_HEADER, CHARTMOGUL_ROWS)
    canonical = [[r[0], f"{int(r[1]) / 100:.2f}", *r[2:6]] for r in CHARTMOGUL_ROWS]
    header = ["customer_id", "mrr", "start_date", "end_date", "plan", "quantity"]
    plain = write_rows(tmp_path / "canonical.csv", header, canonical)
    args = ["--view", "bridge", "--as-of", "2024-02", "-f", "csv"]
    expected = ok(invoke("numbers", plain, *args)).stdout
    assert ok(invoke("numbers", path, "--preset", "chartmogul", *args)).stdout == expected
    assert ok(invoke("numbers", path, *args)).stdout == expected  # the preset is found without naming it
    bridge = rows_of(expected)
    assert bridge[-1]["month"] == "2024-02" and bridge[-1]["mrr_end"] == "1373.46"  # 123.45 + 1200.00 + 50.01


def test_unknown_preset(invoke: Invoke, billing_csv: Path) -> None:
    result = invoke("numbers", billing_csv, "--preset", "chartmogol")
    assert_input_error(result)
    assert "unknown preset 'chartmogol'" in result.stderr
    assert "did you mean 'chartmogul'" in result.stderr.lower()


def test_unknown_preset_with_kind(invoke: Invoke, billing_csv: Path) -> None:
    result = invoke("numbers", billing_csv, "--preset", "chartmogol", "--kind", "billing")
    assert_input_error(result)
    assert "did you mean 'chartmogul'" in result.stderr.lower()
