"""Hostile input, faults and a client's folder (issue 16): each finding reproduced, and what csctl does instead."""

from __future__ import annotations

import calendar
import csv
import io
import json
import os
import random
import re
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from csctl.config.yamlfile import yaml_quote
from csctl.resources import config_path
from tests.conftest import Invoke
from tests.helpers import ok, write_csv

BILLING = [
    ["customer_id", "amount", "period_start", "period_end"],
    *[
        [f"C{i}", 100 * i, f"2024-{m:02d}-01", f"2024-{m:02d}-{calendar.monthrange(2024, m)[1]}"]
        for i in (1, 2, 3)
        for m in range(1, 7)
    ],
]
CUSTOMERS = [
    ["customer_id", "name", "employees", "renewal_date"],
    ["C1", "Alpha", 10, "2024-09-01"],
    ["C2", "Beta", 200, "2024-12-01"],
    ["C3", "Gamma", 3000, "2025-03-01"],
]


CSCTL = [sys.executable, "-c", "import sys; from csctl.cli.app import main; sys.argv[0] = 'csctl'; main()"]


def client_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "billing.csv", BILLING)
    write_csv(folder / "customers.csv", CUSTOMERS)
    return folder


# --- finding 1: csctl init writes names from files as data --------------------------------------------------------
HOSTILE_HEADER = "notes\n  customers: ../otherclient/customers.csv\ngross_margin: 0.01\n#"


def test_init_writes_column_names_as_data_never_as_yaml_structure(invoke: Invoke, tmp_path: Path) -> None:
    folder = client_folder(tmp_path / "client")
    write_csv(folder / "notes.csv", [[HOSTILE_HEADER, "x\u2028gross_margin: 0.02", "y\x85z"], ["a", "b", "c"]])
    ok(invoke("init", folder))
    text = (folder / "csctl.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["exports"] == {"billing": "billing.csv", "customers": "customers.csv"}
    defaults = yaml.safe_load(config_path("csctl.yaml").read_text(encoding="utf-8"))
    assert data["gross_margin"] == defaults["gross_margin"]  # the header did not set a top-level key
    (line,) = [line for line in text.splitlines() if "not recognised" in line]
    assert "notes.csv" in line and "otherclient" in line  # the name is there, as one quoted line of comment


def test_init_quotes_file_names_of_exports_and_inventory(invoke: Invoke, tmp_path: Path) -> None:
    folder = client_folder(tmp_path / "client")
    (folder / "billing.csv").rename(folder / 'bill": x\nfoo: [1.csv')
    (folder / "asis\ninventory: passwd\n#.yaml").write_text("{}\n", encoding="utf-8")
    ok(invoke("init", folder))
    data = yaml.safe_load((folder / "csctl.yaml").read_text(encoding="utf-8"))
    assert set(data) >= {"exports", "rules"} and "foo" not in data
    assert data["rules"]["inventory"] == "asis\ninventory: passwd\n#.yaml"
    assert data["exports"]["customers"] == "customers.csv"


# --- finding 2: -o writes only regular files ------------------------------------------------------------------------
def test_output_to_a_device_is_written_through_never_replaced(invoke: Invoke, tmp_path: Path) -> None:
    billing = write_csv(tmp_path / "billing.csv", BILLING)
    ok(invoke("numbers", billing, "-f", "csv", "-o", "/dev/null"))
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)  # still the device, also when run as root


def test_output_to_a_fifo_is_written_through(invoke: Invoke, tmp_path: Path) -> None:
    billing = write_csv(tmp_path / "billing.csv", BILLING)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    result = invoke("numbers", billing, "-f", "csv", "-o", fifo)
    reader.join(timeout=30)
    ok(result)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got == [ok(invoke("numbers", billing, "-f", "csv")).stdout_bytes]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_output_through_a_link_replaces_the_file_it_points_at(invoke: Invoke, tmp_path: Path) -> None:
    billing = write_csv(tmp_path / "billing.csv", BILLING)
    real = tmp_path / "real.csv"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    ok(invoke("numbers", billing, "-f", "csv", "-o", link))
    assert link.is_symlink() and real.read_text(encoding="utf-8") != "old\n"


def test_stale_temporary_files_of_dead_writers_are_removed_by_the_next_write(tmp_path: Path) -> None:
    from csctl.io.write import write_atomic

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".out.csv.{dead.pid}.abcd1234.tmp"
    stale.write_bytes(b"half")
    other = tmp_path / f".other.csv.{dead.pid}.abcd1234.tmp"  # another target's: not this write's to remove
    other.write_bytes(b"half")
    live = tmp_path / f".out.csv.{os.getppid()}.abcd1234.tmp"  # a running writer's: kept
    live.write_bytes(b"half")
    write_atomic(tmp_path / "out.csv", b"new")
    assert not stale.exists() and other.exists() and live.exists()
    assert (tmp_path / "out.csv").read_bytes() == b"new"


# --- finding 9: report -o replaces its folder's files as one set ----------------------------------------------------
def report_set(folder: Path) -> dict[str, bytes]:
    """The report's files, the workbook by its parts less its timestamps (docProps/core.xml)."""
    files: dict[str, bytes] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                files[path.name] = b"".join(book.read(n) for n in sorted(book.namelist()) if n != "docProps/core.xml")
        elif path.is_file():
            files[path.name] = path.read_bytes()
    return files


def workspace(invoke: Invoke, folder: Path, scale: int = 1) -> Path:
    client_folder(folder)
    rows = [BILLING[0], *[[c, a * scale, s, e] for c, a, s, e in BILLING[1:]]]
    write_csv(folder / "billing.csv", rows)
    if not (folder / "csctl.yaml").exists():
        ok(invoke("init", "-q", folder))
    return folder


def test_report_replaces_its_files_as_one_set(invoke: Invoke, tmp_path: Path) -> None:
    ws = workspace(invoke, tmp_path / "ws")
    out = tmp_path / "out"
    ok(invoke("report", "-c", ws, "-o", out))
    assert (out / "plan.yaml").is_file()
    (out / "notes.txt").write_text("mine", encoding="utf-8")  # the user's own file is kept
    old = report_set(out)
    # a failed run (a rule file broken) leaves the old set, whole
    plays = (ws / "plays.yaml").read_text(encoding="utf-8")
    (ws / "plays.yaml").write_text("options: [\n", encoding="utf-8")
    assert invoke("report", "-c", ws, "-o", out).exit_code == 3
    assert report_set(out) == old
    (ws / "plays.yaml").write_text(plays, encoding="utf-8")
    # a run that picks no plan: the old plan.yaml does not survive beside the new assessment
    config = (ws / "csctl.yaml").read_text(encoding="utf-8")
    (ws / "csctl.yaml").write_text(config.replace("  plays: ", "  # plays: "), encoding="utf-8")
    workspace(invoke, ws, scale=2)
    result = invoke("report", "-c", ws, "-o", out)
    if result.exit_code == 0 and "plan.yaml" not in result.stderr:
        assert not (out / "plan.yaml").exists()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def _report_args(ws: Path, out: Path) -> list[str]:
    return [*CSCTL, "report", "-q", "-c", str(ws), "-o", str(out)]


def _report_env() -> dict[str, str]:
    return {**os.environ, "CSCTL_CONFIG": "", "NO_COLOR": "1"}


def _report_process(ws: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        _report_args(ws, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_report_env()
    )


def kill_test(invoke: Invoke, tmp_path: Path, kills: int, seed: int = 16) -> None:
    """``kill -9`` at random moments of ``report -o``: the folder holds the old set or the new one, never a mix,
    and the next run leaves no temporary file."""
    ws_a, ws_b = workspace(invoke, tmp_path / "a"), workspace(invoke, tmp_path / "b", scale=3)
    ok(invoke("report", "-c", ws_a, "-o", tmp_path / "ref_a"))
    ok(invoke("report", "-c", ws_b, "-o", tmp_path / "ref_b"))
    sets = [report_set(tmp_path / "ref_a"), report_set(tmp_path / "ref_b")]
    assert sets[0] != sets[1]
    out = tmp_path / "out"
    started = time.monotonic()
    process = _report_process(ws_a, out)
    process.wait()
    took = time.monotonic() - started
    rng = random.Random(seed)
    seen = set()
    for i in range(kills):
        process = _report_process(ws_b if i % 2 == 0 else ws_a, out)
        time.sleep(rng.uniform(0, took * 1.1))
        process.kill()
        process.wait()
        now = report_set(out)
        assert now in sets, f"kill {i}: a mix of two sets: {sorted(now)}"
        seen.add(sets.index(now))
    # the next run (one process, waited for: a writer still running may keep its own temporary files)
    assert subprocess.run(_report_args(ws_b, out), check=False, env=_report_env()).returncode == 0
    assert report_set(out) == sets[1]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_kill_9_at_random_moments_of_report_leaves_one_whole_set(invoke: Invoke, tmp_path: Path) -> None:
    kill_test(invoke, tmp_path, kills=int(os.environ.get("CSCTL_KILLS", "5")))


# --- findings 3 and 4: names from the data never drive the terminal or the Markdown --------------------------------
HOSTILE_NAME = (
    "[/] [bold]x <script>alert(1)</script> <img src=x onerror=alert(2)> <!-- "
    "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07 \x1b[2J\x1b]0;title\x07 ![i](http://evil.example/p.png) "
    "[label](http://evil.example) a|b\rc\nd \u202etxt.exe"
)


def hostile_customers(folder: Path) -> Path:
    rows = [list(r) for r in CUSTOMERS]
    rows[1][1] = HOSTILE_NAME
    return write_csv(folder / "customers.csv", rows)


def test_table_shows_markup_and_escape_sequences_from_the_data_as_text(invoke: Invoke, tmp_path: Path) -> None:
    billing = write_csv(tmp_path / "billing.csv", BILLING)
    customers = hostile_customers(tmp_path)
    result = ok(invoke("segment", customers, "--billing", billing, "-f", "table"))
    out = result.stdout
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out and "\u202e" not in out
    assert "[/] [bold]x" in out  # markup shown as it is written, not read
    assert "\\x1b]8;;http://evil.example\\x07link" in out  # the escape sequence, visible and inert
    assert "[label](http://evil.example)" in out  # the bracketed part is kept


def test_messages_and_progress_escape_paths_and_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from csctl.cli import console

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(console.state, "quiet", False)
    console.warn(f"unknown id {HOSTILE_NAME!s}")
    console.info("wrote [/]\x1b[2J.csv")
    with console.progress("reading /tmp/[/]\x1b]0;x\x07.csv", size=1 << 30):
        pass
    text = stream.getvalue()
    assert "[/] [bold]x" in text and "wrote [/]\\x1b[2J.csv" in text
    printed = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)  # Rich's own styling and cursor codes aside
    assert "\x1b]" not in printed and "\x07" not in printed and "\x1b[2J" not in text


def test_markdown_output_escapes_html_links_pipes_and_line_breaks(invoke: Invoke, tmp_path: Path) -> None:
    billing = write_csv(tmp_path / "billing.csv", BILLING)
    customers = hostile_customers(tmp_path)
    text = ok(invoke("segment", customers, "--billing", billing, "-f", "markdown")).stdout
    _assert_inert_markdown(text)
    (row,) = [line for line in text.splitlines() if line.startswith("| C1 |")]
    header = next(line for line in text.splitlines() if line.startswith("| Customer ID |"))  # labels for people
    assert _cells(row) == _cells(header)  # a pipe, CR or LF in the name neither adds a cell nor splits the row


def _cells(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def _assert_inert_markdown(text: str) -> None:
    for live in ("<script", "<img", "<!--", "\x1b", "\r"):
        assert live not in text, live
    assert not re.search(r"(?<!\\)\]\((?!#step-)", text)  # no link or image but the document's own
    assert "&lt;script>" in text and "\\[label\\](http://evil.example)" in text


def test_assessment_md_escapes_names_from_the_data(invoke: Invoke, tmp_path: Path) -> None:
    ws = workspace(invoke, tmp_path / "ws")
    hostile_customers(ws)
    config = (ws / "csctl.yaml").read_text(encoding="utf-8")
    config = re.sub(r"^company: .*$", lambda _: f"company: {yaml_quote(HOSTILE_NAME)}", config, flags=re.M)
    (ws / "csctl.yaml").write_text(config, encoding="utf-8")
    ok(invoke("report", "-c", ws, "-o", tmp_path / "out"))
    text = (tmp_path / "out" / "assessment.md").read_text(encoding="utf-8")
    assert "# Customer Success assessment: \\[/\\] \\[bold\\]x &lt;script>" in text
    _assert_inert_markdown(text)
    html = (tmp_path / "out" / "assessment.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html


# --- finding 5: CSV -o neutralises header cells too; the reader keeps a leading ' ---------------------------------
def test_csv_output_neutralises_header_cells_and_keeps_an_inert_value_inert(invoke: Invoke, tmp_path: Path) -> None:
    contacts = write_csv(
        tmp_path / "contacts.csv",
        [
            ["customer_id", "name", "employees", "=2+5", "+cmd|' /C calc'!A0"],
            ["C1", "=1+1", 10, "x", "y"],
            ["C2", "'=3+3", 200, "z", "w"],
        ],
    )
    out = tmp_path / "out.csv"
    ok(invoke("personas", contacts, "-q", "-o", out))
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    live = re.compile(r"^[=+\-@\t\r]")
    assert [cell for row in rows for cell in row if live.match(cell)] == []
    assert "'=2+5" in rows[0] and "'+cmd|' /C calc'!A0" in rows[0]
    names = {row[0]: row[1] for row in rows[1:]}
    assert names == {"C1": "'=1+1", "C2": "'=3+3"}  # the client's own ' kept as it was, not doubled
    # read back, an escaped value stays inert: the reader keeps a leading ' (stdout CSV is not escaped)
    again = ok(invoke("personas", out, "-q", "-f", "csv")).stdout
    assert [cell for row in csv.reader(io.StringIO(again)) for cell in row if live.match(cell)] == []


# --- finding 6: NaN, inf and 1e309 are refused, naming file, row and column ----------------------------------------
@pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-Infinity", "1e309", "1e15", "-2e15"])
def test_billing_amounts_outside_sane_ranges_exit_3(invoke: Invoke, tmp_path: Path, value: str) -> None:
    rows = [list(r) for r in BILLING]
    rows[4][1] = value
    billing = write_csv(tmp_path / "billing.csv", rows)
    result = invoke("numbers", billing, "-f", "csv")
    assert result.exit_code == 3, result.stderr
    assert "billing.csv: row 5, column 'amount'" in result.stderr and value in result.stderr


@pytest.mark.parametrize("value", ["NaN", "inf", "1e309"])
def test_customer_numbers_outside_sane_ranges_exit_3(invoke: Invoke, tmp_path: Path, value: str) -> None:
    billing = write_csv(tmp_path / "billing.csv", BILLING)
    rows = [list(r) for r in CUSTOMERS]
    rows[2][2] = value  # employees = NaN once matched employees > 1000 and landed in the top segment
    customers = write_csv(tmp_path / "customers.csv", rows)
    result = invoke("segment", customers, "--billing", billing, "-f", "csv")
    assert result.exit_code == 3, result.stderr
    assert "customers.csv: row 3, column 'employees'" in result.stderr


def test_nan_in_a_config_or_a_plan_is_refused(invoke: Invoke, tmp_path: Path) -> None:
    billing = write_csv(tmp_path / "billing.csv", BILLING)
    config = tmp_path / "csctl.yaml"
    config.write_text("gross_margin: .nan\n", encoding="utf-8")
    result = invoke("numbers", billing, "-c", config, "-f", "csv")
    assert result.exit_code == 3 and "gross_margin" in result.stderr


# --- finding 7: years outside 1900-2200, but a far-future end date is "no end" ---------------------------------------
@pytest.mark.parametrize(("column", "value"), [(2, "0001-01-01"), (2, "9999-01-01"), (3, "1899-12-31")])
def test_billing_years_outside_range_exit_3(invoke: Invoke, tmp_path: Path, column: int, value: str) -> None:
    rows = [list(r) for r in BILLING]
    rows[3][column] = value
    billing = write_csv(tmp_path / "billing.csv", rows)
    result = invoke("numbers", billing, "-f", "csv")
    assert result.exit_code == 3, result.stderr
    assert f"row 4, column '{BILLING[0][column]}'" in result.stderr and "1900-2200" in result.stderr


def test_year_zero_in_customer_dates_exits_3(invoke: Invoke, tmp_path: Path) -> None:
    billing = write_csv(tmp_path / "billing.csv", BILLING)
    rows = [list(r) for r in CUSTOMERS]
    rows[1][3] = "0000-01-01"
    customers = write_csv(tmp_path / "customers.csv", rows)
    result = invoke("segment", customers, "--billing", billing, "-f", "csv")
    assert result.exit_code == 3, result.stderr
    assert "row 2, column 'renewal_date'" in result.stderr


@pytest.mark.parametrize("no_end", ["9999-12-31", "9999-12-30", "2999-12-31"])
def test_far_future_period_end_means_ongoing(invoke: Invoke, tmp_path: Path, no_end: str) -> None:
    rows = [list(r) for r in BILLING]
    empty = [list(r) for r in BILLING]
    for i in range(1, len(rows), 3):
        rows[i][3], empty[i][3] = no_end, None
    far = invoke("numbers", write_csv(tmp_path / "far.csv", rows), "-f", "json")
    same = ok(invoke("numbers", write_csv(tmp_path / "empty.csv", empty), "-f", "json"))
    ok(far)
    assert _figures(far.stdout) == _figures(same.stdout)  # read exactly as an empty period_end (ongoing)
    assert f"{len(range(1, len(rows), 3))} rows with a far-future period_end" in far.stderr


def _figures(text: str) -> object:
    data = json.loads(text)
    data.pop("meta", None)
    data.pop("inputs", None)
    return data


# --- findings 12 and 13: one canonical column twice; headers and workbooks bounded ---------------------------------
@pytest.mark.parametrize("second", ["customer_id", "CUSTOMER_ID", "Customer ID"])
def test_two_columns_for_one_canonical_column_exit_3_naming_both(invoke: Invoke, tmp_path: Path, second: str) -> None:
    rows = [[*BILLING[0], second], *[[*r, "X9"] for r in BILLING[1:]]]
    result = invoke("numbers", write_csv(tmp_path / "billing.csv", rows), "-f", "csv")
    assert result.exit_code == 3, result.stderr
    assert f"columns 'customer_id' and {second!r} both stand for billing column 'customer_id'" in result.stderr


def test_a_header_of_a_million_columns_exits_3_at_once(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "billing.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n1\n", encoding="utf-8")
    started = time.monotonic()
    result = invoke("numbers", path, "-f", "csv")
    assert result.exit_code == 3 and "header" in result.stderr
    assert time.monotonic() - started < 10


def test_an_xlsx_zip_bomb_exits_3_before_it_is_unpacked(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "billing.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b"\0" * (1 << 20)
            for _ in range(80):
                sheet.write(block)
    assert path.stat().st_size < 1 << 20
    result = invoke("numbers", path, "-f", "csv")
    assert result.exit_code == 3 and "unpacks to 80 MiB" in result.stderr, result.stderr


# --- finding 14: templates stay in their folder, errors name file:line, * is bounded -------------------------------
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{% include "outside.j2" %}', "not found in the templates folder"),
        ("line one\n{{ 1 / 0 }}\n", "assessment.md.j2:2: template error: ZeroDivisionError"),
        ("{{ ([0] * 10**9) | length }}", "not allowed in a template"),
        ("{{ 'x' * 10**8 }}", "not allowed in a template"),
        ("{{ 2 ** 100000000 }}", "not allowed in a template"),
    ],
)
def test_hostile_templates_exit_3(invoke: Invoke, tmp_path: Path, template: str, expected: str) -> None:
    ws = workspace(invoke, tmp_path / "ws")
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:secret\n", encoding="utf-8")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "outside.j2").symlink_to(secret)
    (folder / "assessment.md.j2").write_text(template, encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("report", "-c", ws, "-o", out, "--templates", folder)
    assert result.exit_code == 3, (result.exit_code, result.stderr)
    assert expected in result.stderr and "secret" not in result.stderr
    assert not out.exists()


# --- finding 15: the report run twice gives the same files ----------------------------------------------------------
def test_report_twice_on_one_workspace_gives_byte_identical_files(invoke: Invoke, tmp_path: Path) -> None:
    ws = workspace(invoke, tmp_path / "ws")
    hostile_customers(ws)
    ok(invoke("report", "-c", ws, "-o", tmp_path / "one"))
    ok(invoke("report", "-c", ws, "-o", tmp_path / "two"))
    one, two = report_set(tmp_path / "one"), report_set(tmp_path / "two")  # the workbook less its timestamps
    assert sorted(one) == ["assessment.html", "assessment.md", "assessment.xlsx", "plan.yaml"]
    for name in one:
        assert one[name] == two[name], name


# --- found by the hostile-input suite (tests/fuzz/hostile.py): each with the case that found it --------------------
CONTACTS = [["customer_id", "name", "title"], ["C1", "Ann", "CEO"], ["C2", "Bo", "Admin"], ["C3", "Cy", "User"]]


def test_outcomes_without_a_target_column_leave_achieved_unknown(invoke: Invoke, tmp_path: Path) -> None:
    # personas, outcomes.csv with its 'target' header replaced by 100,000 'h's: exit 4 (ColumnNotFoundError)
    contacts = write_csv(tmp_path / "contacts.csv", CONTACTS)
    outcomes = write_csv(
        tmp_path / "outcomes.csv",
        [["customer_id", "outcome", "baseline", "h" * 100_000, "actual"], ["C1", "Faster close", 10, 5, 6]],
    )
    data = json.loads(ok(invoke("personas", contacts, "--outcomes", outcomes, "-f", "json")).stdout)
    assert data["metrics"]["outcomes_achieved_share"] is None  # unknown without a target, not a guess
    assert [row["achieved"] for row in data["tables"]["outcomes"]] == [None]


def test_a_quoted_field_over_128_kib_in_a_ragged_looking_file_is_read(invoke: Invoke, tmp_path: Path) -> None:
    # health --surveys with a 200,000-character comment: exit 4 (csv 'field larger than field limit (131072)')
    # (an empty last value makes the reader look for ragged rows with the csv module, whose limit was 128 KiB)
    rows = [["customer_id", "title", "name"], ["C1", "CEO", "Ann"], ["C2", "Admin", ""], ["C3", "x, " * 70_000, "Cy"]]
    data = json.loads(ok(invoke("personas", write_csv(tmp_path / "contacts.csv", rows), "-f", "json")).stdout)
    assert [len(row["title"]) for row in data["tables"]["contacts"]] == [3, 5, 210_000]


def test_a_csv_with_cr_only_line_endings_exits_3(invoke: Invoke, tmp_path: Path) -> None:
    # plan with costs.csv's line endings turned into CR: exit 4 (csv 'new-line character seen in unquoted field')
    path = write_csv(tmp_path / "contacts.csv", CONTACTS)
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    result = invoke("personas", path, "-f", "json")
    assert result.exit_code == 3 and "contacts.csv: lines end in CR only" in result.stderr, result.stderr


def test_a_csv_starting_with_two_byte_order_marks_exits_3(invoke: Invoke, tmp_path: Path) -> None:
    # assess with contacts.csv behind two UTF-8 BOMs: exit 4 (ColumnNotFoundError "\ufeffcustomer_id")
    path = write_csv(tmp_path / "contacts.csv", CONTACTS)
    path.write_bytes(b"\xef\xbb\xbf" * 2 + path.read_bytes())
    result = invoke("personas", path, "-f", "json")
    assert result.exit_code == 3 and "contacts.csv: the file starts with two byte-order marks" in result.stderr
    path.write_bytes(path.read_bytes()[3:])  # one mark is the usual UTF-8 CSV of Excel: read
    ok(invoke("personas", path, "-f", "json"))


def test_a_renewal_window_past_the_calendar_is_a_usage_error(invoke: Invoke, tmp_path: Path) -> None:
    # personas --customers --renewal-window 999999999: exit 4 (OverflowError: date value out of range)
    contacts = write_csv(tmp_path / "contacts.csv", CONTACTS)
    customers = write_csv(tmp_path / "customers.csv", CUSTOMERS)
    result = invoke("personas", contacts, "--customers", customers, "--renewal-window", 999_999_999)
    assert result.exit_code == 2 and "--renewal-window" in result.stderr
    ok(invoke("personas", contacts, "--customers", customers, "--renewal-window", 36_500, "-f", "json"))


@pytest.mark.parametrize("word", ["null", "NULL", "None", "#N/A"])
def test_an_id_that_is_a_missing_value_word_exits_3(invoke: Invoke, tmp_path: Path, word: str) -> None:
    # numbers with one billing customer_id 'null': exit 0, a customer named 'null' with $340 MRR
    rows = [list(r) for r in BILLING]
    rows[5][0] = word
    result = invoke("numbers", write_csv(tmp_path / "billing.csv", rows), "-f", "json")
    assert result.exit_code == 3, result.stderr
    assert f"row 6, column 'customer_id': customer_id is {word!r}" in result.stderr
    rows[5][0] = "NA"  # a real id (a country code, initials): read
    ok(invoke("numbers", write_csv(tmp_path / "billing.csv", rows), "-f", "json"))


@pytest.mark.parametrize("compact", [False, True])
def test_ids_are_trimmed_and_a_blank_or_word_id_is_missing(tmp_path: Path, compact: bool) -> None:
    """Ids are checked on their distinct values after the read, the text and the compact (Categorical) way alike:
    ' C1 ' is C1, and '   ' or ' NULL ' is a missing id naming its row."""
    from csctl.errors import InputError
    from csctl.io.load import load_revenue
    from csctl.io.parse import ReadOptions

    def load(rows: list[list[object]]) -> list[str]:
        path = write_csv(tmp_path / "billing.csv", rows)
        _, canonical = load_revenue(str(path), None, ReadOptions(), compact=compact)
        return sorted(canonical.frame.get_column("customer_id").cast(str).unique().to_list())

    rows = [list(r) for r in BILLING]
    assert load(rows) == ["C1", "C2", "C3"]
    rows[2][0], rows[9][0] = " C1 ", "C2\t"
    assert load(rows) == ["C1", "C2", "C3"]  # padded ids are the same customers
    for value in ("   ", " NULL ", "n/a"):
        rows[5][0] = value
        with pytest.raises(InputError, match="row 6, column 'customer_id'"):
            load(rows)


def test_billing_lines_that_repeat_earlier_lines_are_counted_with_a_warning(invoke: Invoke, tmp_path: Path) -> None:
    # opportunity on a billing export whose every line appears twice: exit 0 with twice the MRR and no word
    once = json.loads(ok(invoke("numbers", write_csv(tmp_path / "once.csv", BILLING), "-f", "json")).stdout)
    twice = invoke("numbers", write_csv(tmp_path / "twice.csv", [*BILLING, *BILLING[1:]]), "-f", "json")
    assert json.loads(ok(twice).stdout)["metrics"]["mrr"] == 2 * once["metrics"]["mrr"]  # each line counted
    lines = len(BILLING) - 1
    assert f"twice.csv: {lines} lines repeat an earlier line in every column (first: row {lines + 2} = row 2)" in (
        twice.stderr
    )
    assert "repeat an earlier line" not in invoke("numbers", tmp_path / "once.csv", "-f", "json").stderr


@pytest.mark.parametrize("value", ["9" * 40, "NaN", "inf", "0", "-3"])
def test_a_segmented_accounts_per_csm_that_is_no_count_is_refused_or_read(
    invoke: Invoke, tmp_path: Path, value: str
) -> None:
    # asis --customers (csctl segment's CSV) with accounts_per_csm 9999...9 (40 digits): exit 4 (cast to i64)
    rows = [
        ["customer_id", "csm", "mrr", "arr", "segment", "accounts_per_csm"],
        ["C1", "Ann", 100, 1200, "Growth", value],
        ["C2", "Ann", 200, 2400, "Growth", 100],
    ]
    result = invoke("asis", "--customers", write_csv(tmp_path / "segmented.csv", rows), "-f", "json")
    if value == "9" * 40:  # a huge count is a count: read as a number, never cast into an overflow
        load = json.loads(ok(result).stdout)["tables"]["csm_load"]
        assert load[0]["capacity_used"] == 0.01  # C1 counts for 1/9e39 of a CSM, C2 for 1/100
    else:
        assert result.exit_code == 3, result.stderr
        assert "customer C1: accounts_per_csm" in result.stderr and "not a positive number" in result.stderr


def test_a_customer_on_two_rows_of_the_customers_export_exits_3(invoke: Invoke, tmp_path: Path) -> None:
    # plan on a workspace whose customers.csv holds every row 400 times: killed by its memory limit (SIGABRT),
    # the joins on customer_id multiplied; segment and health counted each customer as many times, with exit 0
    billing = write_csv(tmp_path / "billing.csv", BILLING)
    customers = write_csv(tmp_path / "customers.csv", [*CUSTOMERS, CUSTOMERS[2]])
    result = invoke("segment", customers, "--billing", billing, "-f", "json")
    assert result.exit_code == 3, result.stderr
    assert "customers.csv: row 5: customer_id 'C2' is also on row 3; a customers export has one row" in result.stderr


@pytest.mark.parametrize("byte", [b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"])
@pytest.mark.parametrize("late", [False, True])
def test_a_byte_windows_1252_leaves_undefined_exits_3_naming_its_offset(
    invoke: Invoke, tmp_path: Path, byte: bytes, late: bool
) -> None:
    # finding 11 and the suite's 'encoding' mutation: cp1252-looking text with 0x81, 0x8D, 0x8F, 0x90 or 0x9D, in
    # the first bytes (read as Windows-1252 from the start) or after 64 KiB of UTF-8 (read again as Windows-1252)
    head = b"customer_id,name,title\n" + b"".join(f"C{i},Name {i},User\n".encode() for i in range(5_000 if late else 1))
    data = head + "C9001,Caf\u00e9,CEO\n".encode("cp1252") + b"C9002,B" + byte + b"d,CEO\n"
    path = tmp_path / "contacts.csv"
    path.write_bytes(data)
    result = invoke("personas", path, "-f", "json")
    assert result.exit_code == 3, result.stderr
    offset = data.index(byte, len(head))
    assert f"byte 0x{byte.hex().upper()} at offset {offset:,} is neither UTF-8 nor Windows-1252" in result.stderr
    # init names a byte in the first bytes it reads and goes on; one further on is for the run that reads the file
    said = ok(invoke("init", tmp_path)).stderr
    expected = "contacts.csv: contacts" if late else f"contacts.csv: byte 0x{byte.hex().upper()} at offset {offset:,}"
    assert expected in said and ("not read" in said) is not late, said


def test_a_quote_left_open_that_swallows_rows_exits_3(invoke: Invoke, tmp_path: Path) -> None:
    # a '"' put before a customer's name and another after a later one: exit 0 with 3 of 11 customers gone (their
    # rows read as lines of the first name)
    billing = write_csv(tmp_path / "billing.csv", BILLING)
    text = 'customer_id,name,employees,renewal_date\nC1,"Alpha,10,2024-09-01\nC2,Beta,200,2024-12-01\nC3,Gamma",3,\n'
    (tmp_path / "customers.csv").write_text(text, encoding="utf-8")
    result = invoke("segment", tmp_path / "customers.csv", "--billing", billing, "-f", "json")
    assert result.exit_code == 3, result.stderr
    assert "customers.csv: row 2, column 'name': a quoted value runs over 3 lines, 1 of them" in result.stderr
    # a note over several lines is a value like any other, commas and all
    text = 'customer_id,name,employees,renewal_date\nC1,"Alpha\nCalled Ann, Bo, Cy and Di",10,2024-09-01\n'
    (tmp_path / "customers.csv").write_text(text, encoding="utf-8")
    data = json.loads(ok(invoke("segment", tmp_path / "customers.csv", "--billing", billing, "-f", "json")).stdout)
    assert data["tables"]["customers"][0]["name"] == "Alpha\nCalled Ann, Bo, Cy and Di"


@pytest.mark.parametrize(
    ("config", "line", "field"),
    [
        ("opportunity:\n  multipliers:\n    upsell: true\n", 3, "opportunity.multipliers.upsell"),
        ("gross_margin: false\n", 1, "gross_margin"),
        ("valuation:\n  hours_per_csm_year: yes\n", 2, "valuation.hours_per_csm_year"),
    ],
)
def test_a_boolean_where_a_number_is_meant_exits_3_at_its_line(
    invoke: Invoke, tmp_path: Path, config: str, line: int, field: str
) -> None:
    # opportunity with csctl.yaml's 'upsell: true': exit 0, the multiplier read as 1 (the default is 4)
    billing = write_csv(tmp_path / "billing.csv", BILLING)
    path = tmp_path / "csctl.yaml"
    path.write_text(config, encoding="utf-8")
    result = invoke("opportunity", billing, "-c", path, "-f", "json")
    assert result.exit_code == 3, result.stderr
    assert f"csctl.yaml:{line}: {field}: " in result.stderr and "is not a number" in result.stderr
    path.write_text("read:\n  minor_units: true\n", encoding="utf-8")  # a boolean setting is still one
    ok(invoke("opportunity", billing, "-c", path, "-f", "json"))


def test_a_value_path_week_past_ten_years_exits_3_at_its_line(invoke: Invoke, tmp_path: Path) -> None:
    # report with value_path.yaml's 8th milestone at week 1e30: exit 4 (next_week cast from f64 to i64)
    path = tmp_path / "value_path.yaml"
    text = config_path("value_path.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    at = [i for i, line in enumerate(lines) if line.strip().startswith("week:")][7]
    lines[at] = lines[at].split(":")[0] + ": 1000000000000000000000000000000"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    milestones = write_csv(
        tmp_path / "milestones.csv", [["customer_id", "milestone", "date"], ["C1", "kickoff", "2024-01-02"]]
    )
    result = invoke("value-path", milestones, "--value-path", path, "-f", "json")
    assert result.exit_code == 3, result.stderr
    assert f"value_path.yaml:{at + 1}: milestones.7.week: 1e+30 is out of range" in result.stderr
    lines[at] = lines[at].split(":")[0] + ": 600"  # below the general bound, past ten years
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("value-path", milestones, "--value-path", path, "-f", "json")
    assert result.exit_code == 3, result.stderr
    assert f"value_path.yaml:{at + 1}: milestones.7.week: Input should be less than or equal to 520" in result.stderr


def test_tickets_without_resolved_at_leave_the_times_to_close_unknown(invoke: Invoke, tmp_path: Path) -> None:
    # asis with tickets.csv's 'resolved_at' header renamed 'Unnamed: 0': exit 4 (ColumnNotFoundError)
    tickets = write_csv(
        tmp_path / "tickets.csv",
        [["ticket_id", "customer_id", "created_at", "Unnamed: 0"], ["T1", "C1", "2024-01-02 10:00:00", "x"]],
    )
    result = ok(invoke("asis", "--tickets", tickets, "-f", "json"))
    data = json.loads(result.stdout)
    assert data["metrics"]["median_hours_to_close"] is None and data["metrics"]["same_day_share"] is None
    assert "the tickets export has no resolved_at column: the times to close are not measured" in data["warnings"]


def _previous_book(path: Path, score: str) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("health")
    for r, row in enumerate([["customer_id", "health_score", "health_band"], ["C1", "80", "green"], ["C2", score, ""]]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)  # every cell text, as a workbook saved from a CSV holds them
    book.close()
    return path


@pytest.mark.parametrize(("score", "refused"), [("", False), ("55.5", False), ("abc", True), ("101", True)])
def test_a_previous_health_workbook_with_text_scores_is_read_or_refused(
    invoke: Invoke, tmp_path: Path, score: str, refused: bool
) -> None:
    # health --previous previous.xlsx (the previous CSV saved as a workbook, its cells text): exit 4 casting ''
    rows = [[*CUSTOMERS[0], "segment"], *[[*r, "Growth"] for r in CUSTOMERS[1:]]]
    customers = write_csv(tmp_path / "customers.csv", rows)
    previous = _previous_book(tmp_path / "previous.xlsx", score)
    result = invoke("health", customers, "--previous", previous, "-f", "json")
    if refused:
        assert result.exit_code == 3, result.stderr
        assert f"customer C2: health_score {score!r} is not a score from 0 to 100" in result.stderr
    else:
        ok(result)


def test_a_quantity_near_zero_is_no_price_effect_not_an_overflow(invoke: Invoke, tmp_path: Path) -> None:
    # make fuzz: a quantity of 1e-300 beside whole seats made the per-unit price overflow (exit 4, inf to cents).
    # The change is then volume: Feb $100 (2 seats) → $120 (1e-300 seats) is +$20 expansion, no price effect.
    billing = write_csv(
        tmp_path / "billing.csv",
        [
            ["customer_id", "product", "quantity", "amount", "period_start", "period_end"],
            ["A", "core", "2", "100", "2024-01-01", "2024-01-31"],
            ["A", "core", "1e-300", "120", "2024-02-01", "2024-02-29"],
            ["A", "core", "3", "150", "2024-03-01", "2024-03-31"],  # March under way: February is measured
        ],
    )
    result = invoke("numbers", billing, "--history-starts", "2024-01", "--view", "bridge", "-f", "json")
    assert result.exit_code == 0, result.stderr
    rows = {r["month"]: r for r in json.loads(result.stdout)["tables"]["bridge"]}
    assert (rows["2024-02"]["expansion"], rows["2024-02"]["price_uplift"], rows["2024-02"]["price_erosion"]) == (
        20.0,
        0.0,
        0.0,
    )


def test_health_rules_with_a_constant_value_or_a_window_past_a_century(invoke: Invoke, tmp_path: Path) -> None:
    # make fuzz: a measure's value: 9987 (a constant) with aggregate: last exited 4 (a shape error); window_days:
    # 10**30 exited 4 (an overflow). A constant is read as one value per row; a window past 36,600 days exits 3.
    usage = write_csv(
        tmp_path / "usage.csv",
        [["customer_id", "date", "active_users"], ["C1", "2024-01-02", "3"], ["C1", "2024-01-09", "5"]],
    )
    customers = write_csv(tmp_path / "customers.csv", [["customer_id"], ["C1"]])
    measure = {"name": "m", "source": "usage", "value": "9987", "aggregate": "last"}
    measure["bands"] = [{"below": 10, "score": 0}, {"score": 100}]  # type: ignore[assignment]
    card = {"name": "all", "applies_to": "true", "groups": [{"name": "g", "measures": [measure]}]}
    rules = tmp_path / "health.yaml"
    rules.write_text(yaml.safe_dump({"scorecards": [card]}), encoding="utf-8")
    result = invoke("health", customers, "--usage", usage, "--rules", rules, "--as-of", "2024-01", "-f", "json")
    assert result.exit_code == 0, result.stderr
    row = json.loads(result.stdout)["tables"]["customers"][0]
    assert row["health_score"] == 100.0
    measure["weight"] = 1e308  # make fuzz: a weight this large overflowed the weighted sums (exit 4)
    rules.write_text(yaml.safe_dump({"scorecards": [card]}), encoding="utf-8")
    result = invoke("health", customers, "--usage", usage, "--rules", rules, "--as-of", "2024-01", "-f", "json")
    assert result.exit_code == 3 and "weight" in result.stderr, result.stderr
    del measure["weight"]
    measure["window_days"] = 10**30
    rules.write_text(yaml.safe_dump({"scorecards": [card]}), encoding="utf-8")
    result = invoke("health", customers, "--usage", usage, "--rules", rules, "--as-of", "2024-01", "-f", "json")
    assert result.exit_code == 3, result.stderr
    assert "window_days" in result.stderr and "out of range" in result.stderr
    measure["window_days"] = 40_000  # past a century, below the general bound
    rules.write_text(yaml.safe_dump({"scorecards": [card]}), encoding="utf-8")
    result = invoke("health", customers, "--usage", usage, "--rules", rules, "--as-of", "2024-01", "-f", "json")
    assert result.exit_code == 3 and "36600" in result.stderr, result.stderr


def test_a_workbook_of_an_unsupported_zip_version_is_refused_not_a_crash(invoke: Invoke, tmp_path: Path) -> None:
    # make fuzz: an XLSX whose zip directory says "version 16.8 needed" made init exit 4 (NotImplementedError)
    import struct

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["customer_id", "name"])
    book.active.append(["C1", "Acme"])
    path = tmp_path / "customers.xlsx"
    book.save(path)
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at != -1:  # every central directory entry: the version needed to extract
        data[at + 6 : at + 8] = struct.pack("<H", 168)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    assert invoke("init", tmp_path).exit_code == 0
    result = invoke("inspect", path)  # the workbook reader reads it: its rows, as any workbook's
    assert result.exit_code == 0 and "Acme" in result.stdout, result.stderr
