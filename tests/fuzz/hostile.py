"""Hostile-input generator: mutated inputs for every input of every csctl command, each run in its own process bounded
in time and memory, and classified.

The inputs are a small synthetic company (``csctl sample``, 30 accounts over 14 months) with every export, every
rule file (segments, health, personas, plays, value path, the as-is inventory), a plan for ``assess`` and the
workspace config. A case mutates one of the inputs of one command (bytes and encodings, ragged rows, quotes, NUL,
huge fields and headers, duplicate and case-colliding columns, NaN/inf/1e309, extreme and zero years, empty ids,
XLSX with the wrong sheet or a zip bomb, YAML attacks, a wrong type in one field of a YAML file) and runs the
command on it.

A run is fine when it is refused (exit 2 or 3 with a message on stderr) or accepted (exit 0) with its output
passing the invariants checked below: numbers finite, shares in [0, 1], health scores in [0, 100] and band counts
adding up, the bridge identity (mrr_end = mrr_start + movements), row counts, and for a mutation that does not
change the data's meaning (rows shuffled, columns reordered, CRLF and BOM, UTF-16, the same table as XLSX) the
same metrics as the unmutated input. Anything else is a finding: exit 4 or any other code, a crash (a signal), a
hang (over the time limit), a run over the memory limit, a traceback, temporary files left, or exit 0 with output
that breaks an invariant. ``python -m tests.fuzz.hostile --cases 10000`` (``make fuzz``) prints a table per
command and exits 1 on any finding; tests/test_fuzz.py runs a fast slice of it.

Each run is a child forked from a server that has imported csctl and its libraries (``--isolation fork``, the
default; tests/fuzz/forkserver.py): the same entry point, arguments, environment, limits (RLIMIT_AS, no core file,
its own session), stdin from /dev/null, working folder and exit code as a new interpreter (``--isolation
process``: ``python -c`` per run, as before), without paying Python's start, the imports and the teardown each
time. Measured on the shared 2-core machine, seed 16, ``--jobs 2``: ``python -m tests.fuzz.hostile --cases 300
--seed 16 --isolation process`` took 310 s of CPU (1.03 s a case) and 384 s wall (47 cases a minute, at a load of
about 8), ``--isolation fork`` 73 s of CPU (0.24 s a case) and 106 s wall (170 cases a minute, the same load); the
300 cases gave the same exit code, verdict, detail and stderr both ways. The runs that need a process of their
own (closed streams, stdout on /dev/full, a non-UTF-8 file name, ``kill -9``) are in tests/test_hostile_workspace.py
and tests/test_hostile.py, as real subprocesses.
"""

from __future__ import annotations

import argparse
import atexit
import csv
import datetime
import functools
import hashlib
import io
import json
import math
import os
import queue
import random
import re
import resource
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# a run of csctl: its entry point as the console script calls it, in a new interpreter (--isolation process) or in
# a child forked from a server that has imported it (--isolation fork, after the same set-up; tests/fuzz/forkserver.py)
SERVED = "import sys; from csctl.cli.app import main; sys.argv[0] = 'csctl'; main()"
CSCTL = [sys.executable, "-c", SERVED]
TIME_LIMIT = 60.0
MEMORY_LIMIT = 2 << 30  # bytes of address space

COMMANDS = (
    "numbers",
    "asis",
    "valuation",
    "segment",
    "health",
    "personas",
    "value-path",
    "opportunity",
    "plan",
    "assess",
    "report",
    "init",
    "sample",
)

Rows = list[list[str]]
Check = Callable[[str, Path], "str | None"]

HOSTILE_TEXT = [
    "[/]",
    "[bold]x[/bold]",
    "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07",
    "\x1b[2J\x1b[H",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "=1+1",
    "+cmd|' /C calc'!A0",
    "'=1+1",
    "a|b\r\nc",
    "![i](http://evil.example/x.png)",
    "\u202etxt.exe",
    "{{ 7*7 }}",
    "{% for x in range(10**9) %}{% endfor %}",
    "notes\n  customers: ../other/customers.csv\ngross_margin: 0.01\n#",
    "' OR 1=1 --",
    "\ufeffid",
    "\u2028",
]
NUMBERS = [
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "1e15",
    "-1e15",
    "9" * 40,
    "0x10",
    "1_000",
    "",
    " ",
    "-0",
    "0",
    "-1",
    "1e-320",
    "1,5",
    "$1,000.00",
    "(100)",
    "true",
]
DATES = [
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "9999-12-30",
    "1899-12-31",
    "1900-01-01",
    "2200-12-31",
    "2201-01-01",
    "2024-02-30",
    "2024-13-01",
    "31/12/2024",
    "12/31/2024",
    "2024-1-1",
    "",
    "20240101",
    "1e9",
    "NaN",
    "0",
    "-2024-01-01",
    "2024-01-01T25:00:00",
    "99999-01-01",
]
BAD_BYTES = [b"\x81", b"\x8d", b"\x90", b"\x9d", b"\xff\xfe", b"\x00", b"\xc3", b"\xed\xa0\x80", b"\xe9", b"\r"]


@dataclass
class Case:
    ident: str
    command: str
    mutation: str
    files: dict[str, bytes]
    args: list[str]
    check: Check | None = None  # the invariant of an exit 0 (None: fine)
    reference: tuple[dict[str, bytes], list[str]] | None = None  # files and args that must give the same metrics
    warns: str = ""  # what an exit 0 must say on stderr (a repeated billing line is counted, with a warning)


@dataclass
class Outcome:
    case: Case
    code: int
    seconds: float
    stderr: str
    stdout: str
    verdict: str = ""
    detail: str = ""
    tags: list[str] = field(default_factory=list)
    maxrss: int | None = None  # KiB (fork isolation: the forked child's, so at least the server's at the fork)


# --- the company the cases mutate ------------------------------------------------------------------------------------
EXPORTS = ("billing", "customers", "usage", "tickets", "surveys", "team", "costs", "milestones", "contacts", "outcomes")
RULES = {
    "segments": "segments.yaml",
    "health": "health.yaml",
    "personas": "personas.yaml",
    "plays": "plays.yaml",
    "value_path": "value_path.yaml",
    "inventory": "asis.yaml",
}


def _csctl(args: list[str], cwd: Path) -> bytes:
    env = {**os.environ, "NO_COLOR": "1", "CSCTL_CONFIG": ""}
    done = subprocess.run(CSCTL + args, cwd=cwd, capture_output=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"csctl {' '.join(args)} failed: {done.stderr.decode('utf-8', 'replace')}")
    return done.stdout


@functools.lru_cache(maxsize=1)
def company() -> dict[str, bytes]:
    """Every file a case may mutate, by name: the exports, the rule files, settings.yaml (the default config with
    every field), workspace.yaml (the same with exports and rules), segmented.csv (csctl segment's output),
    previous.csv (an earlier health run), opportunity.csv and plan.yaml."""
    import yaml

    from csctl.resources import config_path

    with tempfile.TemporaryDirectory(prefix="csctl-fuzz-base-") as folder:
        root = Path(folder)
        _csctl(["sample", "-o", "ws", "--customers", "30", "--months", "14", "--start", "2023-01", "-q"], root)
        ws = root / "ws"
        for name in RULES.values():
            if name != "asis.yaml":
                (ws / name).write_bytes(config_path(name).read_bytes())
        settings = yaml.safe_load(config_path("csctl.yaml").read_text(encoding="utf-8"))
        settings.update(company="Fuzz Co", billing={**settings["billing"], "history_starts": "2023-01"})
        settings["exports"], settings["rules"] = {}, {}
        (ws / "settings.yaml").write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
        workspace = {**settings, "exports": {e: f"{e}.csv" for e in EXPORTS}, "rules": dict(RULES)}
        workspace["exports"]["actions"] = "actions.csv"
        (ws / "csctl.yaml").write_text(yaml.safe_dump(workspace, sort_keys=False), encoding="utf-8")
        (ws / "workspace.yaml").write_bytes((ws / "csctl.yaml").read_bytes())
        q = ["-q", "-c", "settings.yaml"]
        segmented = _csctl(["segment", "customers.csv", "--billing", "billing.csv", "-f", "csv", *q], ws)
        (ws / "segmented.csv").write_bytes(segmented)
        health = ["health", "segmented.csv", "--usage", "usage.csv", "--tickets", "tickets.csv", "-f", "csv", *q]
        (ws / "previous.csv").write_bytes(_csctl(health, ws))
        opportunity = ["opportunity", "billing.csv", "--customers", "segmented.csv", "--costs", "costs.csv", "-f"]
        (ws / "opportunity.csv").write_bytes(_csctl([*opportunity, "csv", *q], ws))
        _csctl(["plan", "-c", "csctl.yaml", "--plan-file", "plan.yaml", "--force", "-q", "-f", "json"], ws)
        return {p.name: p.read_bytes() for p in sorted(ws.iterdir()) if p.is_file() and p.name != "csctl.yaml"}


# --- the commands: each input (the file it is read from) and the arguments of a run --------------------------------
@dataclass(frozen=True)
class Spec:
    command: str
    inputs: dict[str, str]  # the input -> the company's file
    args: Callable[[random.Random, dict[str, str]], list[str]]  # names: input -> the file name in this case
    check: Check | None
    workspace: bool = False  # the run reads workspace.yaml as csctl.yaml (every export and rule file)


def _settings(names: dict[str, str]) -> list[str]:
    return ["-c", names["config"], "-f", "json"]


def _numbers_args(rng: random.Random, n: dict[str, str]) -> list[str]:
    view = rng.choice(["summary", "summary", "bridge", "customers", "quarters", "forecast", "cohorts"])
    period = ["--period", rng.choice(["month", "quarter", "year"])] if view in ("bridge", "cohorts") else []
    return ["numbers", n["billing"], "--customers", n["customers"], "--view", view, *period, *_settings(n)]


SPECS: dict[str, Spec] = {}


def _spec(command: str, inputs: dict[str, str], args: Callable[..., list[str]], check: Check | None, ws=False) -> None:
    SPECS[command] = Spec(command, inputs, args, check, ws)


# --- mutations of CSV exports: (rng, rows) -> bytes, or (bytes, new suffix) ---------------------------------------
Mutated = bytes | tuple[bytes, str]


def to_csv(rows: Rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def parse_csv(data: bytes) -> Rows:
    return [list(r) for r in csv.reader(io.StringIO(data.decode("utf-8")))]


def _copy(rows: Rows) -> Rows:
    return [list(r) for r in rows]


def _kind_columns(rows: Rows, pattern: str) -> list[int]:
    found = []
    for i in range(len(rows[0])):
        values = [r[i] for r in rows[1:] if i < len(r) and r[i] != ""]
        if values and all(re.fullmatch(pattern, v) for v in values):
            found.append(i)
    return found


NUMBER = r"-?\d+(\.\d+)?"
DATE = r"\d{4}-\d{2}(-\d{2})?( \d{2}:\d{2}:\d{2})?"


def _row(rng: random.Random, rows: Rows) -> int:
    return rng.randrange(1, len(rows)) if len(rows) > 1 else 0


def m_number(rng: random.Random, rows: Rows) -> Mutated:
    rows = _copy(rows)
    cols = _kind_columns(rows, NUMBER) or [1]
    col = rng.choice(cols)
    for _ in range(rng.choice([1, 1, 2, len(rows)])):
        row = rows[_row(rng, rows)]
        if col < len(row):
            row[col] = rng.choice(NUMBERS)
    return to_csv(rows)


def m_date(rng: random.Random, rows: Rows) -> Mutated:
    rows = _copy(rows)
    cols = _kind_columns(rows, DATE) or [1]
    col = rng.choice(cols)
    value = rng.choice(DATES)
    for _ in range(rng.choice([1, 1, 3, len(rows)])):
        row = rows[_row(rng, rows)]
        if col < len(row):
            row[col] = value if rng.random() < 0.7 else rng.choice(DATES)
    return to_csv(rows)


def m_text(rng: random.Random, rows: Rows) -> Mutated:
    rows = _copy(rows)
    row = rows[_row(rng, rows)]
    row[rng.randrange(len(row))] = rng.choice(HOSTILE_TEXT)
    return to_csv(rows)


def m_header_text(rng: random.Random, rows: Rows) -> Mutated:
    rows = _copy(rows)
    if rng.random() < 0.5:
        rows[0].append(rng.choice(HOSTILE_TEXT))
        for row in rows[1:]:
            row.append("x")
    else:
        rows[0][rng.randrange(len(rows[0]))] = rng.choice(HOSTILE_TEXT)
    return to_csv(rows)


def m_empty_id(rng: random.Random, rows: Rows) -> Mutated:
    rows = _copy(rows)
    ids = [i for i, h in enumerate(rows[0]) if h.endswith("_id") or h in ("name", "id")] or [0]
    col = rng.choice(ids)
    for _ in range(rng.choice([1, 1, len(rows)])):
        rows[_row(rng, rows)][col] = rng.choice(["", " ", "\t", "NULL", "null", "None", "\x00"])
    return to_csv(rows)


def m_duplicate_column(rng: random.Random, rows: Rows) -> Mutated:
    rows = _copy(rows)
    col = rng.randrange(len(rows[0]))
    name = rows[0][col]
    rows[0].append(rng.choice([name, name.upper(), name.replace("_", " ").title(), f" {name} ", name + "\u200b"]))
    for row in rows[1:]:
        row.append(row[col] if rng.random() < 0.8 else "other")
    return to_csv(rows)


def m_drop_column(rng: random.Random, rows: Rows) -> Mutated:
    col = rng.randrange(len(rows[0]))
    return to_csv([[c for i, c in enumerate(r) if i != col] for r in rows])


def m_rename_column(rng: random.Random, rows: Rows) -> Mutated:
    rows = _copy(rows)
    col = rng.randrange(len(rows[0]))
    rows[0][col] = rng.choice(["", " ", "Unnamed: 0", "customer_id", "amount", "date", "x" * 300, "1"])
    return to_csv(rows)


def m_ragged(rng: random.Random, rows: Rows) -> Mutated:
    rows = _copy(rows)
    for _ in range(rng.choice([1, 1, 3, len(rows)])):
        row = rows[_row(rng, rows)]
        if rng.random() < 0.5:
            row.extend(["extra"] * rng.choice([1, 2, 50]))
        elif row:
            del row[rng.randrange(len(row)) :]
    return to_csv(rows)


def m_bytes(rng: random.Random, rows: Rows) -> Mutated:
    data = bytearray(to_csv(rows))
    for _ in range(rng.choice([1, 2, 5])):
        at = rng.randrange(len(data))
        data[at:at] = rng.choice(BAD_BYTES)
    return bytes(data)


def m_encoding(rng: random.Random, rows: Rows) -> Mutated:
    text = to_csv(rows).decode("utf-8")
    choice = rng.randrange(6)
    if choice == 0:
        return text.encode("utf-16")  # with its BOM: the same table (checked against the original)
    if choice == 1:
        return text.encode("utf-16-le")  # no BOM
    if choice == 2:  # Windows-1252 text with a byte it leaves undefined
        rows = _copy(rows)
        rows[_row(rng, rows)][-1] = "Caf\u00e9 \u20ac"
        data = bytearray(to_csv(rows).decode("utf-8").encode("cp1252", errors="replace"))  # names: any script
        at = rng.randrange(len(data))
        return bytes(data[:at]) + rng.choice([b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"]) + bytes(data[at:])
    if choice == 3:
        rows = _copy(rows)
        rows[_row(rng, rows)][-1] = "Z\u00fcrich M\u00fcller"
        return to_csv(rows).decode("utf-8").encode("latin-1", errors="replace")  # a name in another script: ?
    if choice == 4:
        return text.encode("utf-32")
    return b"\xef\xbb\xbf" + b"\xef\xbb\xbf" + text.encode("utf-8")  # two BOMs


def m_quote(rng: random.Random, rows: Rows) -> Mutated:
    data = to_csv(rows)
    at = rng.randrange(len(data))
    return data[:at] + rng.choice([b'"', b'"""', b"'", b'\\"']) + data[at:]


def m_open_quote(rng: random.Random, rows: Rows) -> Mutated:
    """A quote opened at the start of a value and closed a few rows further on: the rows between are swallowed."""
    if len(rows) < 4:
        return m_quote(rng, rows)
    lines = to_csv(rows).decode("utf-8").split("\n")
    start = rng.randrange(1, len(lines) - 3)
    end = start + rng.choice([1, 2, 3])
    first, last = lines[start].split(","), lines[end].split(",")
    col = rng.randrange(1, min(len(first), len(last))) if min(len(first), len(last)) > 1 else 0
    first[col] = '"' + first[col]
    last[col] = last[col] + '"'
    lines[start], lines[end] = ",".join(first), ",".join(last)
    return "\n".join(lines).encode("utf-8")


def m_nul(rng: random.Random, rows: Rows) -> Mutated:
    rows = _copy(rows)
    row = rows[_row(rng, rows)]
    col = rng.randrange(len(row))
    row[col] = rng.choice(["\x00", row[col] + "\x00", "\x00" * 100, "a\x00b"])
    return to_csv(rows)


def m_huge_field(rng: random.Random, rows: Rows) -> Mutated:
    rows = _copy(rows)
    row = rows[_row(rng, rows)]
    row[rng.randrange(len(row))] = rng.choice(["x", "9", "\u00e9"]) * rng.choice([10_000, 1_000_000, 12_000_000])
    return to_csv(rows)


def m_wide_header(rng: random.Random, rows: Rows) -> Mutated:
    extra = rng.choice([100, 6_000, 200_000])
    header = rows[0] + [f"c{i}" for i in range(extra)]
    return to_csv([header, *[r + [""] * extra for r in rows[1:3]]])


def m_huge_header(rng: random.Random, rows: Rows) -> Mutated:
    rows = _copy(rows)
    rows[0][rng.randrange(len(rows[0]))] = "h" * rng.choice([100_000, 9_000_000])
    return to_csv(rows)


def m_many_rows(rng: random.Random, rows: Rows) -> Mutated:
    """The same rows many times over (duplicates of every line)."""
    return to_csv([rows[0], *(rows[1:] * rng.choice([2, 50, 400]))])


def m_structure(rng: random.Random, rows: Rows) -> Mutated:
    choice = rng.randrange(9)
    data = to_csv(rows)
    if choice == 0:
        return b""
    if choice == 1:
        return to_csv(rows[:1])
    if choice == 2:
        return data.replace(b",", b";")
    if choice == 3:
        return b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(200))
    if choice == 4:
        return bytes(rng.randrange(256) for _ in range(500))
    if choice == 5:
        return b"\n\n\n" + data
    if choice == 6:
        return data.replace(b"\n", b"\r")
    if choice == 7:
        return b"title of the export\n,,,\n" + data
    return data + b"\n,,,,\n" + b"total," * len(rows[0]) + b"\n"


def m_years(rng: random.Random, rows: Rows) -> Mutated:
    """Every date of one column in an extreme or zero year."""
    rows = _copy(rows)
    cols = _kind_columns(rows, DATE) or [1]
    col = rng.choice(cols)
    year = rng.choice(["0000", "0001", "1000", "1899", "2201", "3000", "9999"])
    for row in rows[1:]:
        if col < len(row) and len(row[col]) >= 4:
            row[col] = year + row[col][4:]
    return to_csv(rows)


# meaning-preserving: the run must give the same metrics as on the original
def p_shuffle_rows(rng: random.Random, rows: Rows) -> Mutated:
    return to_csv([rows[0], *rng.sample(rows[1:], len(rows) - 1)])


def p_reorder_columns(rng: random.Random, rows: Rows) -> Mutated:
    order = rng.sample(range(len(rows[0])), len(rows[0]))
    return to_csv([[r[i] if i < len(r) else "" for i in order] for r in rows])


def p_crlf_bom(rng: random.Random, rows: Rows) -> Mutated:
    data = to_csv(rows)
    return (b"\xef\xbb\xbf" if rng.random() < 0.7 else b"") + data.replace(b"\n", b"\r\n")


def p_quote_all(rng: random.Random, rows: Rows) -> Mutated:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def p_utf16(rng: random.Random, rows: Rows) -> Mutated:
    return to_csv(rows).decode("utf-8").encode("utf-16")


def p_xlsx(rng: random.Random, rows: Rows) -> Mutated:
    return xlsx(rows, cover=False), ".xlsx"


def xlsx(rows: Rows, cover: bool, sheet: str = "Export") -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    book.set_properties({"created": datetime.datetime(2024, 1, 1)})  # the same bytes for the same seed
    if cover:
        book.add_worksheet("Cover").write(0, 0, "Exported by the billing system")
    data = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            data.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


@functools.lru_cache(maxsize=2)
def zip_bomb(mebibytes: int) -> bytes:
    """An XLSX whose one sheet inflates to mebibytes MiB of NUL bytes (the same bytes every time: made once, as
    compressing 600 MiB takes seconds)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        when = (2024, 1, 1, 0, 0, 0)
        types = zipfile.ZipInfo("[Content_Types].xml", when)
        types.compress_type = zipfile.ZIP_DEFLATED
        book.writestr(types, "<Types/>")
        sheet1 = zipfile.ZipInfo("xl/worksheets/sheet1.xml", when)
        sheet1.compress_type = zipfile.ZIP_DEFLATED
        with book.open(sheet1, "w") as sheet:
            block = b"\0" * (1 << 20)
            for _ in range(mebibytes):
                sheet.write(block)
    return buffer.getvalue()


def m_xlsx(rng: random.Random, rows: Rows) -> Mutated:
    """XLSX: the table on a second sheet behind a cover, an empty book, a zip bomb, CSV bytes named .xlsx, a
    corrupt zip, a sheet name that looks like markup."""
    choice = rng.randrange(6)
    if choice == 0:
        return xlsx(rows, cover=True), ".xlsx"
    if choice == 1:
        return xlsx([], cover=False), ".xlsx"
    if choice == 2:
        return zip_bomb(rng.choice([80, 600])), ".xlsx"
    if choice == 3:
        return to_csv(rows), ".xlsx"
    if choice == 4:
        data = bytearray(xlsx(rows, cover=False))
        for _ in range(20):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data), ".xlsx"
    return xlsx(rows, cover=False, sheet="=1+1 <x> 'q"), ".xlsx"


CSV_MUTATIONS: dict[str, Callable[[random.Random, Rows], Mutated]] = {
    "number": m_number,
    "date": m_date,
    "years": m_years,
    "text": m_text,
    "header_text": m_header_text,
    "empty_id": m_empty_id,
    "duplicate_column": m_duplicate_column,
    "drop_column": m_drop_column,
    "rename_column": m_rename_column,
    "ragged": m_ragged,
    "bytes": m_bytes,
    "encoding": m_encoding,
    "quote": m_quote,
    "open_quote": m_open_quote,
    "nul": m_nul,
    "huge_field": m_huge_field,
    "wide_header": m_wide_header,
    "huge_header": m_huge_header,
    "many_rows": m_many_rows,
    "structure": m_structure,
    "xlsx": m_xlsx,
}
PRESERVING: dict[str, Callable[[random.Random, Rows], Mutated]] = {
    "same:shuffle_rows": p_shuffle_rows,
    "same:reorder_columns": p_reorder_columns,
    "same:crlf_bom": p_crlf_bom,
    "same:quote_all": p_quote_all,
    "same:utf16": p_utf16,
    "same:xlsx": p_xlsx,
}


# --- mutations of YAML files (rule files, the inventory, the plan, csctl.yaml) ---------------------------------------
WRONG_VALUES: list[Any] = [
    [1, 2],
    {"a": 1},
    float("nan"),
    float("inf"),
    -float("inf"),
    1e308,
    -1,
    0,
    10**30,
    True,
    None,
    "",
    "x",
    "[/]",
    "9999-12",
    "0000-01",
    "1e309",
    "NaN",
    "a" * 100_000,
    [[[[[[[[]]]]]]]],
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


def _set(value: Any, path: tuple[Any, ...], new: Any) -> None:
    for key in path[:-1]:
        value = value[key]
    value[path[-1]] = new


def _dump(value: Any) -> bytes:
    import yaml

    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=10_000).encode("utf-8")


def y_wrong_type(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """One field (any depth: a leaf, a list, a mapping) given a value of another type or out of range."""
    import yaml

    value = yaml.safe_load(data)
    paths = _paths(value)
    if not paths:
        return _dump(rng.choice(WRONG_VALUES)), "root"
    path = rng.choice(paths)
    _set(value, path, rng.choice(WRONG_VALUES))
    return _dump(value), ".".join(map(str, path))


def y_delete(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    import yaml

    value = yaml.safe_load(data)
    paths = _paths(value)
    if not paths:
        return b"", "root"
    path = rng.choice(paths)
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return _dump(value), "-" + ".".join(map(str, path))


def y_unknown_key(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    import yaml

    value = yaml.safe_load(data)
    maps = [p for p in _paths(value) if isinstance(_get(value, p), dict)]
    target = _get(value, rng.choice(maps)) if maps and rng.random() < 0.7 else value
    if isinstance(target, dict):
        target[rng.choice(["unknown", "Name", "when ", "__class__", "<<"])] = rng.choice(["x", 1, [1]])
    return _dump(value), "unknown key"


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def y_lines(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """A line broken: SQL appended, a colon dropped, a line deleted, a term repeated thousands of times."""
    lines = data.decode("utf-8").splitlines() or [""]
    at = rng.randrange(len(lines))
    line = lines[at]
    choice = rng.randrange(5)
    if choice == 0:
        lines[at] = line + rng.choice(
            [" )", " AND", " ((((", " OR 1=1", "; DROP", " lpad(x, 200000000, 'x')", " || '", " \\", " #"]
        )
    elif choice == 1:
        del lines[at]
    elif choice == 2:
        lines[at] = line.replace(":", "", 1)
    elif choice == 3:
        lines[at] = "\t" + line
    elif ":" in line:
        terms = " AND ".join(f"employees > {i}" for i in range(rng.choice([10, 300, 3000])))
        lines[at] = line.split(":", 1)[0] + f': "{terms}"'
    return ("\n".join(lines) + "\n").encode("utf-8"), f"line {at + 1}"


YAML_ATTACKS = [
    b'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
    b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    b"g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n",
    b"x: !!python/object/apply:os.system ['touch pwned']\n",
    b"x: !!python/name:os.system\n",
    b"a: &a [*a]\n",
    b"[" * 5000 + b"\n",
    b"{" * 500 + b"}" * 500 + b"\n",
    b"- a\n- b\n",
    b"just a string\n",
    b"42\n",
    b"~\n",
    b"",
    b"\x00\n",
    b"\xff\xfe\x00\x00",
    b"a: 1\na: 2\n",
    b"<<: *missing\n",
    b"%YAML 9.9\n---\na: 1\n",
    b"---\na: 1\n---\nb: 2\n",
    b"a: !!binary AAAA\n",
    b"a: !custom 1\n",
    b"key: 'unterminated\n",
    b"\tkey: 1\n",
    b"k: " + b"x" * 20_000_000 + b"\n",
]


def y_attack(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    index = rng.randrange(len(YAML_ATTACKS))
    attack = YAML_ATTACKS[index]
    if rng.random() < 0.3 and attack.endswith(b"\n") and attack[:1].isalpha():
        return data + b"\n" + attack, f"attack {index} appended"
    return attack, f"attack {index}"


def y_bytes(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    out = bytearray(data)
    for _ in range(rng.choice([1, 3])):
        at = rng.randrange(len(out) or 1)
        out[at:at] = rng.choice(BAD_BYTES)
    choice = rng.random()
    if choice < 0.2:
        return data.decode("utf-8").encode("utf-16"), "utf-16"
    return bytes(out), "bytes"


YAML_MUTATIONS: dict[str, Callable[[random.Random, bytes], tuple[bytes, str]]] = {
    "wrong_type": y_wrong_type,
    "wrong_type2": y_wrong_type,  # twice the weight: every field of every file
    "delete": y_delete,
    "unknown_key": y_unknown_key,
    "lines": y_lines,
    "attack": y_attack,
    "bytes": y_bytes,
}


# --- invariants of an accepted run ----------------------------------------------------------------------------------
def _finite(value: object, where: str = "") -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where}: {value}"
    if isinstance(value, dict):
        for key, item in value.items():
            found = _finite(item, f"{where}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _finite(item, f"{where}[{i}]")
            if found:
                return found
    return None


SCORES = ("health_score", "avg_health", "score_previous")


def _walk(value: object) -> str | None:
    if isinstance(value, dict):
        for key, item in value.items():
            number = isinstance(item, int | float) and not isinstance(item, bool)
            share = (key.endswith("_share") or key == "share") and not key.startswith("score_")
            if share and number and not -1e-9 <= item <= 1 + 1e-9:
                return f"{key} = {item} outside [0, 1]"
            if (
                (key in SCORES or (key.startswith("score_") and key != "score_change"))
                and number
                and not -1e-9 <= item <= 100 + 1e-9
            ):
                return f"{key} = {item} outside [0, 100]"
            found = _walk(item)
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _walk(item)
            if found:
                return found
    return None


def check_json(stdout: str, root: Path | None = None) -> str | None:
    """Any command's JSON: every number finite, every share in [0, 1], every health score in [0, 100]."""
    data = json.loads(stdout)
    if not isinstance(data, dict) or "metrics" not in data:
        return "no metrics in the JSON"
    problem = _finite(data, "json")
    if problem:
        return "non-finite number " + problem
    return _walk(data)


MOVES = ("new", "reactivation", "expansion", "price_uplift", "upsell", "contraction", "price_erosion", "churn")


def check_numbers(stdout: str, root: Path | None = None) -> str | None:
    problem = check_json(stdout)
    if problem:
        return problem
    data = json.loads(stdout)
    metrics = data.get("metrics", {})
    mrr, arr = metrics.get("mrr"), metrics.get("arr")
    if mrr is not None and arr is not None and abs(mrr * 12 - arr) > 0.01 + 1e-9 * abs(arr):
        return f"arr {arr} != 12 x mrr {mrr}"
    if (metrics.get("customers") or 0) < 0:
        return "negative customers"
    if all(metrics.get(f"{m}_mrr") is not None for m in MOVES) and metrics.get("net_new_mrr") is not None:
        total = sum(metrics[f"{m}_mrr"] for m in MOVES)
        if abs(total - metrics["net_new_mrr"]) > 0.02:
            return f"net_new_mrr {metrics['net_new_mrr']} != sum of movements {total}"
    for name, table in data.get("tables", {}).items():
        previous_end = None
        for row in table if isinstance(table, list) else []:
            if isinstance(row, dict) and {"mrr_start", "mrr_end"} <= row.keys():
                total = row["mrr_start"] + sum(row.get(k) or 0 for k in MOVES)
                if abs(total - row["mrr_end"]) > 0.02:
                    return f"bridge identity broken in {row.get('month')}: {total} != {row['mrr_end']}"
                if name != "customers" and previous_end is not None and abs(previous_end - row["mrr_start"]) > 0.02:
                    return f"mrr_start of {row.get('month')} is not the previous mrr_end"
                previous_end = row["mrr_end"]
                starts, ends = row.get("customers_start"), row.get("customers_end")
                if starts is not None and ends is not None:
                    moved = starts + row.get("customers_new", 0) + row.get("customers_reactivated", 0)
                    if moved - row.get("customers_churned", 0) != ends:
                        return f"customer bridge broken in {row.get('month')}"
    return None


def _rows_of(data: dict[str, Any], table: str, source: str) -> str | None:
    rows = data.get("tables", {}).get(table)
    given = data.get("inputs", {}).get(source)
    if isinstance(rows, list) and given and isinstance(given[0].get("rows"), int):
        read = given[0]["rows"] - (given[0].get("skipped_rows") or 0)
        if len(rows) > read:
            return f"{len(rows)} rows in {table} from {read} rows of {source}"
    return None


def _customer_rows(stdout: str) -> tuple[str | None, dict[str, Any]]:
    """(a problem of the JSON or of its customer rows against those read, the document)."""
    problem = check_json(stdout)
    if problem:
        return problem, {}
    data = json.loads(stdout)
    return _rows_of(data, "customers", "customers"), data


def check_segment(stdout: str, root: Path | None = None) -> str | None:
    problem, data = _customer_rows(stdout)
    if problem:
        return problem
    segments = data["tables"].get("segments") or []
    # billed customers missing from the customer file are a segment of their own, 'not in CRM' (with a warning)
    counted = sum(s.get("customers") or 0 for s in segments if s.get("segment") != "not in CRM")
    if counted != len(data["tables"].get("customers") or []):
        return f"segments count {counted} customers of {len(data['tables']['customers'])}"
    shares = [s["arr_share"] for s in segments if s.get("arr_share") is not None]
    if shares and abs(sum(shares) - 1) > 1e-6:
        return f"arr shares add to {sum(shares)}"
    return None


def check_health(stdout: str, root: Path | None = None) -> str | None:
    problem, data = _customer_rows(stdout)
    if problem:
        return problem
    for table in ("portfolio", "by_segment", "by_csm"):
        for row in data["tables"].get(table) or []:
            bands = sum(row.get(b) or 0 for b in ("green", "yellow", "red"))
            if bands != row.get("scored") or bands + (row.get("no_data") or 0) != row.get("customers"):
                return f"{table} {row}: bands do not add up"
    for row in data["tables"].get("customers") or []:
        score, band = row.get("health_score"), row.get("health_band")
        if (score is None) != (band in (None, "no_data", "unknown", "churned")):
            return f"customer {row.get('customer_id')}: score {score} with band {band}"
    return None


def check_personas(stdout: str, root: Path | None = None) -> str | None:
    problem = check_json(stdout)
    if problem:
        return problem
    return _rows_of(json.loads(stdout), "contacts", "contacts")


def check_report(stdout: str, root: Path | None = None) -> str | None:
    import yaml

    assert root is not None
    out = root / "out"
    names = {p.name for p in out.iterdir()} if out.is_dir() else set()
    missing = {"assessment.md", "assessment.xlsx", "assessment.html", "plan.yaml"} - names
    if missing:
        return f"exit 0 without {sorted(missing)}"
    plan = yaml.safe_load((out / "plan.yaml").read_text(encoding="utf-8"))
    if not isinstance(plan, dict) or "metrics" not in plan:
        return "plan.yaml without metrics"
    if "<script" in (out / "assessment.md").read_text(encoding="utf-8").lower():
        return "a live <script> in assessment.md"
    return None


def check_plan(stdout: str, root: Path | None = None) -> str | None:
    import yaml

    problem = check_json(stdout)
    if problem:
        return problem
    assert root is not None
    plan = yaml.safe_load((root / "new-plan.yaml").read_text(encoding="utf-8"))
    if not isinstance(plan, dict) or not isinstance(plan.get("metrics"), list):
        return "plan.yaml without metrics"
    return None


def check_init(stdout: str, root: Path | None = None) -> str | None:
    import yaml

    assert root is not None
    ws = root / "ws"
    config = yaml.safe_load((ws / "csctl.yaml").read_text(encoding="utf-8"))
    if not isinstance(config, dict):
        return "csctl.yaml is not a mapping"
    if config.get("gross_margin") != 0.75:
        return f"gross_margin {config.get('gross_margin')!r}: a file's name or header set a key"
    for key, name in {**(config.get("exports") or {}), **(config.get("rules") or {})}.items():
        for entry in name if isinstance(name, list) else [name]:
            one = entry.get("path") if isinstance(entry, dict) else entry  # {path:, preset:} when init chose one
            path = (ws / str(one)).resolve()
            if not path.is_file() or ws.resolve() not in path.parents:
                return f"{key}: {one!r} is not a file in the folder"
    return None


def check_sample(stdout: str, root: Path | None = None, folder: str = "out") -> str | None:
    """The company written where -o said (its folder made), every export a table with the header csctl reads."""
    assert root is not None
    out = root / folder
    if not (out / "csctl.yaml").is_file() or not (out / "billing.csv").is_file():
        return f"exit 0 without csctl.yaml and billing.csv in {folder}"
    header = (out / "billing.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    if "customer" not in header.lower() or "amount" not in header.lower():  # csctl's names or Stripe's (--style)
        return f"billing.csv in {folder} has no customer and amount columns: {header[:80]!r}"
    return None


# --- the commands' specs ---------------------------------------------------------------------------------------------
_spec(
    "numbers",
    {"billing": "billing.csv", "customers": "customers.csv", "config": "settings.yaml"},
    _numbers_args,
    check_numbers,
)
_spec(
    "asis",
    {
        "inventory": "asis.yaml",
        "team": "team.csv",
        "customers": "segmented.csv",
        "tickets": "tickets.csv",
        "surveys": "surveys.csv",
        "milestones": "milestones.csv",
        "config": "settings.yaml",
    },
    lambda rng, n: [
        "asis",
        *("--inventory", n["inventory"], "--team", n["team"], "--customers", n["customers"]),
        *("--tickets", n["tickets"], "--surveys", n["surveys"], "--milestones", n["milestones"]),
        *_settings(n),
    ],
    check_json,
)
_spec(
    "valuation",
    {
        "billing": "billing.csv",
        "costs": "costs.csv",
        "team": "team.csv",
        "customers": "segmented.csv",
        "config": "settings.yaml",
    },
    lambda rng, n: [
        *("valuation", n["billing"], "--costs", n["costs"], "--team", n["team"], "--customers", n["customers"]),
        *(["--target-crc", rng.choice(["0.0001", "0.12", "1e300", "5"])] if rng.random() < 0.3 else []),
        *_settings(n),
    ],
    check_json,
)
_spec(
    "segment",
    {"customers": "customers.csv", "billing": "billing.csv", "segments": "segments.yaml", "config": "settings.yaml"},
    lambda rng, n: ["segment", n["customers"], "--billing", n["billing"], "--rules", n["segments"], *_settings(n)],
    check_segment,
)
_spec(
    "health",
    {
        "customers": "segmented.csv",
        "usage": "usage.csv",
        "tickets": "tickets.csv",
        "surveys": "surveys.csv",
        "billing": "billing.csv",
        "health": "health.yaml",
        "previous": "previous.csv",
        "config": "settings.yaml",
    },
    lambda rng, n: [
        *("health", n["customers"], "--usage", n["usage"], "--tickets", n["tickets"], "--surveys", n["surveys"]),
        *("--billing", n["billing"], "--rules", n["health"], "--previous", n["previous"]),
        *_settings(n),
    ],
    check_health,
)
_spec(
    "personas",
    {
        "contacts": "contacts.csv",
        "customers": "segmented.csv",
        "outcomes": "outcomes.csv",
        "personas": "personas.yaml",
        "config": "settings.yaml",
    },
    lambda rng, n: [
        *("personas", n["contacts"], "--customers", n["customers"], "--outcomes", n["outcomes"]),
        *("--rules", n["personas"], "--renewal-window", rng.choice(["0", "90", "36500", "999999999"])),
        *_settings(n),
    ],
    check_personas,
)
_spec(
    "value-path",
    {
        "milestones": "milestones.csv",
        "customers": "customers.csv",
        "billing": "billing.csv",
        "value_path": "value_path.yaml",
        "segments": "segments.yaml",
        "config": "settings.yaml",
    },
    lambda rng, n: [
        *("value-path", n["milestones"], "--customers", n["customers"], "--billing", n["billing"]),
        *("--value-path", n["value_path"], "--segments-rules", n["segments"]),
        *_settings(n),
    ],
    check_json,
)
_spec(
    "opportunity",
    {"billing": "billing.csv", "customers": "segmented.csv", "costs": "costs.csv", "config": "settings.yaml"},
    lambda rng, n: [
        *("opportunity", n["billing"], "--customers", n["customers"], "--costs", n["costs"]),
        *(["--horizon", rng.choice(["1", "600"])] if rng.random() < 0.3 else []),
        *_settings(n),
    ],
    check_json,
)
WORKSPACE_INPUTS = {
    **{e: f"{e}.csv" for e in (*EXPORTS, "actions")},
    **{r: f for r, f in RULES.items()},
    "config": "workspace.yaml",
}
_spec(
    "plan",
    {**WORKSPACE_INPUTS, "opportunity": "opportunity.csv"},
    lambda rng, n: [
        *("plan", "-c", "csctl.yaml", "--plan-file", "new-plan.yaml", "--force", "-f", "json"),
        *(["--opportunity", n["opportunity"]] if rng.random() < 0.5 or n["opportunity"] != "opportunity.csv" else []),
    ],
    check_plan,
    True,
)
_spec(
    "assess",
    {**WORKSPACE_INPUTS, "plan": "plan.yaml"},
    lambda rng, n: ["assess", "-c", "csctl.yaml", "--plan", n["plan"], "-f", "json"],
    check_json,
    True,
)
_spec("report", dict(WORKSPACE_INPUTS), lambda rng, n: ["report", "-c", "csctl.yaml", "-o", "out"], check_report, True)


def _workspace_config(base: bytes, names: dict[str, str]) -> bytes:
    """workspace.yaml with the file names of this case (a mutation may have renamed an export to .xlsx)."""
    text = base.decode("utf-8", "surrogateescape")
    for name, now in names.items():
        default = WORKSPACE_INPUTS.get(name) or ""
        if default and now != default and default.endswith(".csv"):
            text = text.replace(f": {default}\n", f": {now}\n")
    return text.encode("utf-8", "surrogateescape")


def mutate_file(rng: random.Random, name: str, data: bytes, preserving: bool = False) -> tuple[bytes, str, str]:
    """(new bytes, new file name, mutation label)."""
    if name.endswith(".yaml"):
        kind = rng.choice(list(YAML_MUTATIONS))
        new, where = YAML_MUTATIONS[kind](rng, data)
        return new, name, f"{kind.rstrip('2')}:{where[:60]}"
    rows = parse_csv(data)
    table = PRESERVING if preserving else CSV_MUTATIONS
    kind = rng.choice(list(table))
    result = table[kind](rng, rows)
    new, suffix = result if isinstance(result, tuple) else (result, "")
    return new, (name.rsplit(".", 1)[0] + suffix) if suffix else name, kind


def _case_for(spec: Spec, rng: random.Random, ident: str, input_name: str | None) -> Case:
    base = company()
    names = dict(spec.inputs)
    files = {f: base[f] for f in set(spec.inputs.values())}
    mutation = "none"
    reference: dict[str, bytes] | None = None
    renamed: tuple[str, str] | None = None
    if input_name is not None:
        source = spec.inputs[input_name]
        preserving = source.endswith(".csv") and rng.random() < 0.15 and spec.command not in ("report", "plan")
        data, new_name, kind = mutate_file(rng, source, base[source], preserving)
        if preserving:
            reference = dict(files)
        if new_name != source:
            renamed = (new_name, source)
            del files[source]
            names = {k: (new_name if v == source else v) for k, v in names.items()}
        files[new_name] = data
        mutation = f"{input_name}:{kind}"
    if spec.workspace:
        files["csctl.yaml"] = _workspace_config(files.pop(names["config"]), names)
        if reference is not None:
            reference["csctl.yaml"] = reference.pop(spec.inputs["config"])
    args = spec.args(rng, names)
    warns = "repeat an earlier line" if mutation == "billing:many_rows" else ""
    if reference is None:
        return Case(ident, spec.command, mutation, files, args, spec.check, warns=warns)
    original = [renamed[1] if renamed and a == renamed[0] else a for a in args]
    return Case(ident, spec.command, mutation, files, args, spec.check, (reference, original), warns)


def _init_case(rng: random.Random, ident: str) -> Case:
    base = company()
    exports = rng.sample(list(EXPORTS), rng.randrange(1, len(EXPORTS) + 1))
    files = {f"ws/{e}.csv": base[f"{e}.csv"] for e in exports}
    if rng.random() < 0.3:
        files["ws/asis.yaml"] = base["asis.yaml"]
    target = rng.choice(exports)
    roll = rng.random()
    if roll < 0.6:
        data, name, kind = mutate_file(rng, f"{target}.csv", base[f"{target}.csv"])
        del files[f"ws/{target}.csv"]
        files[f"ws/{name}"] = data
        mutation = f"{target}:{kind}"
    elif roll < 0.8:
        header = rng.choice(HOSTILE_TEXT)
        files["ws/notes.csv"] = to_csv([[header, "b"], ["1", "2"]])
        mutation = "unrecognised file with a hostile header"
    else:
        odd = rng.choice(['a": x\nfoo: [1', "[/]", "=1+1", "\u202e", "a\tb", " lead", "x" * 200, "../up"])
        name = f"ws/{odd.replace('/', '_')}.csv"
        files[name] = base[f"{target}.csv"] if rng.random() < 0.5 else b"a,b\n1,2\n"
        mutation = "hostile file name"
    if rng.random() < 0.1 and "ws/asis.yaml" in files:
        files["ws/asis.yaml"], _, kind = mutate_file(rng, "asis.yaml", files["ws/asis.yaml"])
        mutation = f"inventory:{kind}"
    return Case(ident, "init", mutation, files, ["init", "ws"], check_init)


SAMPLE_OPTIONS: list[list[str]] = [
    ["--start", "9999-12"],
    ["--start", "0001-01"],
    ["--start", "0000-01"],
    ["--start", "1900-01"],
    ["--start", "2200-01"],
    ["--start", "2199-06", "--months", "24"],
    ["--start", "2024-13"],
    ["--start", "x"],
    ["--start", ""],
    ["--months", "600", "--customers", "3"],
    ["--months", "1"],
    ["--months", "0"],
    ["--customers", "1"],
    ["--customers", "0"],
    ["--customers", "-5"],
    ["--customers", "1e3"],
    ["--seed", "-1"],
    ["--seed", str(2**70)],
    ["--style", "stripe"],
    ["--style", "x"],
    ["-o", "billing.csv"],
    ["-o", "[/]"],
    ["-o", "/dev/null"],
    ["-o", "a/b/c"],
]


def _sample_case(rng: random.Random, ident: str) -> Case:
    options = [o for o in rng.sample(SAMPLE_OPTIONS, rng.choice([1, 1, 2, 3]))]
    args = ["sample", "--customers", "20", "--months", "6", "-q"]
    flat = [x for o in options for x in o]
    if "-o" not in flat:
        args += ["-o", "out"]
    files = {"billing.csv": b"a,b\n"}
    argv = [*args, *flat]
    folder = argv[len(argv) - 1 - argv[::-1].index("-o") + 1]  # the last -o wins
    return Case(ident, "sample", " ".join(flat)[:60], files, argv, functools.partial(check_sample, folder=folder))


def cases(count: int, seed: int, commands: tuple[str, ...] = COMMANDS) -> Iterator[Case]:
    """count cases, made one at a time: the commands in turn; a command's inputs in turn (each input of each
    command is mutated), a mutation drawn for each; one case in 20 unmutated (the baseline must be accepted)."""
    rng = random.Random(seed)
    turns: Counter[str] = Counter()
    for i in range(count):
        command = commands[i % len(commands)]
        ident = f"{i:05d}-{command}"
        turn = turns[command]
        turns[command] += 1
        if command == "init":
            yield _init_case(rng, ident)
        elif command == "sample":
            yield _sample_case(rng, ident)
        else:
            spec = SPECS[command]
            inputs = list(spec.inputs)
            input_name = None if turn % 20 == 19 else inputs[turn % len(inputs)]
            yield _case_for(spec, rng, ident, input_name)


def generate(count: int, seed: int, commands: tuple[str, ...] = COMMANDS) -> list[Case]:
    return list(cases(count, seed, commands))


# --- running and classifying -----------------------------------------------------------------------------------------
def _limits(memory: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.setsid()

    return apply


def _env() -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", "CSCTL_CONFIG": "", "POLARS_MAX_THREADS": "1", "COLUMNS": "120"}
    env.pop("FORCE_COLOR", None)
    return env


@dataclass
class Done:
    """What a run gave: its exit code (negative: the signal that ended it), its output, its peak RSS in KiB (None
    where it was not measured)."""

    returncode: int
    stdout: bytes
    stderr: bytes
    maxrss: int | None = None


def _execute(
    args: list[str], files: dict[str, bytes], time_limit: float, memory: int, root: Path, isolation: str = ""
) -> Done:
    """Run csctl on the files in root; subprocess.TimeoutExpired when it is not done within time_limit."""
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if (isolation or ISOLATION) == "fork":
        return _forked(args, root, time_limit, memory)
    done = subprocess.run(
        CSCTL + args,
        cwd=root,
        capture_output=True,
        timeout=time_limit,
        env=_env(),
        preexec_fn=_limits(memory),
        check=False,
        stdin=subprocess.DEVNULL,
    )
    return Done(done.returncode, done.stdout, done.stderr)


# --- the fork server (tests/fuzz/forkserver.py): one per job, a child of it per run -------------------------------
ISOLATION = "fork"  # or "process": a new interpreter per run (python -c, as csctl's console script runs)
REPOSITORY = Path(__file__).resolve().parents[2]


class Server:
    """A fork server and its channel; one run at a time. Each child runs program (python -c program's text, after
    the server's set-up), csctl's entry point unless told; preload: the server imports csctl and its libraries."""

    def __init__(self, program: str = SERVED, preload: bool = True) -> None:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - the server's own stderr, shown if it fails
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"from tests.fuzz.forkserver import serve, finish; serve({preload}); finish({program!r})",
            ],
            cwd=REPOSITORY,
            env=_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
        )
        self.buffer = b""
        self.running: int | None = None  # the pid of the run under way
        self.ready = self._reply(None)

    def _reply(self, deadline: float | None) -> dict[str, Any] | None:
        """The server's next line, or None when deadline (time.monotonic()) passes first."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            if deadline is not None:
                ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    return None
            chunk = os.read(fd, 65536)
            if not chunk:
                self.log.seek(0)
                said = self.log.read().decode("utf-8", "replace")[-2000:]
                raise RuntimeError(f"the fork server ended (exit {self.process.wait()}): {said}")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        reply: dict[str, Any] = json.loads(line)
        return reply

    def run(self, args: list[str], cwd: Path, streams: Path, memory: int, time_limit: float) -> tuple[int, int] | None:
        """(wait status, peak RSS in KiB) of one run, or None when it was killed at the time limit."""
        assert self.process.stdin is not None
        request = {"args": args, "cwd": str(cwd), "memory": memory}
        request |= {"stdout": str(streams / "stdout"), "stderr": str(streams / "stderr")}
        started = time.monotonic()
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()
        self.running = (self._reply(None) or {})["pid"]
        result = self._reply(started + time_limit)
        if result is None:
            self._kill()
            self._reply(None)
        self.running = None
        return None if result is None else (result["status"], result["maxrss"])

    def _kill(self) -> None:
        pid = self.running
        if not isinstance(pid, int) or pid <= 0:  # never 0 or -1: this process's group, every process
            return
        for kill in (os.killpg, os.kill):  # the child leads its own session; before its setsid(), the child alone
            try:
                kill(pid, signal.SIGKILL)
                break
            except ProcessLookupError:
                continue

    def close(self) -> None:
        """End the server (and a run still under way: the suite interrupted)."""
        if self.running is not None:
            self._kill()
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()
        self.log.close()


_SERVERS: queue.SimpleQueue[Server] = queue.SimpleQueue()
_ALL_SERVERS: list[Server] = []


def _forked(args: list[str], root: Path, time_limit: float, memory: int) -> Done:
    try:
        server = _SERVERS.get_nowait()
    except queue.Empty:
        server = Server()
        _ALL_SERVERS.append(server)
    with tempfile.TemporaryDirectory(prefix="csctl-fuzz-streams-") as folder:
        streams = Path(folder)
        try:
            result = server.run(args, root, streams, memory, time_limit)
        except BaseException:
            server.close()
            raise
        _SERVERS.put(server)
        if result is None:
            raise subprocess.TimeoutExpired(args, time_limit)
        status, maxrss = result
        out, err = (streams / "stdout").read_bytes(), (streams / "stderr").read_bytes()
    return Done(os.waitstatus_to_exitcode(status), out, err, maxrss)


@atexit.register
def _close_servers() -> None:
    while _ALL_SERVERS:
        _ALL_SERVERS.pop().close()


_REFERENCES: dict[str, dict[str, Any] | str] = {}
_REFERENCES_LOCK = threading.Lock()


def _reference(case: Case, time_limit: float, memory: int, isolation: str = "") -> dict[str, Any] | str:
    """The metrics of the same command on the unmutated files (cached)."""
    assert case.reference is not None
    files, args = case.reference
    digest = hashlib.sha256(json.dumps(args).encode())
    for name in sorted(files):
        digest.update(name.encode() + hashlib.sha256(files[name]).digest())
    key = digest.hexdigest()
    with _REFERENCES_LOCK:
        if key in _REFERENCES:
            return _REFERENCES[key]
    with tempfile.TemporaryDirectory(prefix="csctl-fuzz-ref-") as folder:
        done = _execute(args, files, time_limit, memory, Path(folder), isolation)
    value: dict[str, Any] | str
    if done.returncode != 0:
        value = f"the unmutated run exits {done.returncode}"
    else:
        value = json.loads(done.stdout).get("metrics") or {}
    with _REFERENCES_LOCK:
        _REFERENCES[key] = value
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return (
            isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
        )
    return bool(a == b)


def run(case: Case, time_limit: float = TIME_LIMIT, memory: int = MEMORY_LIMIT, isolation: str = "") -> Outcome:
    """Run a case in a temporary folder and classify it; isolation "fork" or "process" (default: ISOLATION)."""
    with tempfile.TemporaryDirectory(prefix="csctl-fuzz-") as folder:
        root = Path(folder)
        started = time.monotonic()
        try:
            done = _execute(case.args, case.files, time_limit, memory, root, isolation)
        except subprocess.TimeoutExpired:
            return Outcome(case, -1, time.monotonic() - started, "", "", "hang", f"over {time_limit:.0f} s")
        seconds = time.monotonic() - started
        outcome = Outcome(
            case,
            done.returncode,
            seconds,
            done.stderr.decode("utf-8", "replace"),
            done.stdout.decode("utf-8", "replace"),
            maxrss=done.maxrss,
        )
        leftovers = [p.name for p in root.rglob("*.tmp")]
        classify(outcome, leftovers, root)
        if outcome.verdict == "accepted" and case.reference is not None:
            # a meaning-preserving mutation: the same metrics as the original, or a refusal (checked above)
            expected = _reference(case, time_limit, memory, isolation)
            got = json.loads(outcome.stdout).get("metrics") or {}
            if isinstance(expected, str):
                outcome.verdict, outcome.detail = "wrong output", expected
            else:
                differ = [k for k in expected if not _same(expected.get(k), got.get(k))]
                if differ:
                    k = differ[0]
                    outcome.verdict = "wrong output"
                    outcome.detail = f"{k} = {got.get(k)!r}, {expected[k]!r} on the same data unmutated"
        return outcome


def classify(outcome: Outcome, leftovers: list[str], root: Path | None = None) -> None:
    code, stderr = outcome.code, outcome.stderr
    if "Traceback (most recent call last)" in stderr:
        outcome.verdict, outcome.detail = "traceback", stderr.strip().splitlines()[-1][:200]
    elif code < 0:
        outcome.verdict, outcome.detail = "crash", f"signal {-code}"
    elif code in (2, 3):
        outcome.verdict = "refused" if stderr.strip() else "silent refusal"
        if not stderr.strip():
            outcome.detail = f"exit {code} and nothing on stderr"
        elif "MemoryError" in stderr or "memory allocation" in stderr.lower():
            outcome.verdict, outcome.detail = "memory", stderr.strip().splitlines()[-1][:200]
    elif code == 0:
        outcome.verdict = "accepted"
        if outcome.case.check is not None:
            try:
                problem = outcome.case.check(outcome.stdout, root or Path("."))
            except (ValueError, KeyError, TypeError, AttributeError, OSError, IndexError) as exc:
                problem = f"output not readable: {type(exc).__name__}: {exc}"[:300]
            except Exception as exc:  # a YAML error in a file csctl wrote, and the like
                problem = f"output not readable: {type(exc).__name__}: {exc}"[:300]
            if problem:
                outcome.verdict, outcome.detail = "wrong output", problem
        if outcome.verdict == "accepted" and outcome.case.warns and outcome.case.warns not in stderr:
            outcome.verdict, outcome.detail = "silent acceptance", f"no warning '{outcome.case.warns}' on stderr"
    elif code == 1 and outcome.case.command == "assess" and "not working" in stderr:
        outcome.verdict = "breached"  # assess exits 1 when the plan is not working (its --fail-on), output written
        if outcome.case.check is not None and outcome.stdout.strip():
            problem = outcome.case.check(outcome.stdout, root or Path("."))
            if problem:
                outcome.verdict, outcome.detail = "wrong output", problem
    elif code in {4, 1}:
        outcome.verdict = "exit 4" if code == 4 else "exit 1"
        outcome.detail = (stderr.strip().splitlines() or [""])[0][:200]
    else:
        outcome.verdict, outcome.detail = f"exit {code}", (stderr.strip().splitlines() or [""])[-1][:200]
        if "MemoryError" in stderr or code in (137, -9):
            outcome.verdict = "memory"
    if leftovers and outcome.verdict in ("refused", "accepted"):
        outcome.verdict, outcome.detail = "temporary files left", ", ".join(leftovers)


FINE = {"refused", "accepted", "breached"}


def record(outcome: Outcome) -> dict[str, Any]:
    """An outcome as one JSON object (the --log lines, read back by --summary)."""
    return {
        "case": outcome.case.ident,
        "command": outcome.case.command,
        "mutation": outcome.case.mutation,
        "args": outcome.case.args,
        "code": outcome.code,
        "seconds": round(outcome.seconds, 2),
        "verdict": outcome.verdict,
        "detail": outcome.detail,
        "checked": outcome.code == 0 and outcome.case.check is not None,
        "rss_mib": None if outcome.maxrss is None else round(outcome.maxrss / 1024),
        "stderr": outcome.stderr[-500:],
    }


def campaign(
    count: int,
    seed: int,
    jobs: int,
    time_limit: float,
    memory: int,
    commands: tuple[str, ...] = COMMANDS,
    log: Path | None = None,
    isolation: str = "",
) -> list[Outcome]:
    """Run count cases, jobs at a time; a case's files are made just before it runs and dropped after it (kept for
    a finding)."""
    done: list[Outcome] = []
    lock = threading.Lock()

    def one(case: Case) -> Outcome:
        outcome = run(case, time_limit, memory, isolation)
        with lock:
            done.append(outcome)
            if log is not None:
                with log.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(record(outcome)) + "\n")
            if outcome.verdict not in FINE:
                print(f"FINDING {case.ident} [{case.mutation}] {outcome.verdict}: {outcome.detail}", file=sys.stderr)
            else:
                case.files, case.reference = {}, None
            if len(done) % 100 == 0:
                print(f"... {len(done):,} of {count:,}", file=sys.stderr, flush=True)
        return outcome

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        pending: set[Future[Outcome]] = set()
        for case in cases(count, seed, commands):
            if len(pending) >= 2 * jobs:
                _, pending = wait(pending, return_when=FIRST_COMPLETED)
            pending.add(pool.submit(one, case))
        wait(pending)
    return sorted(done, key=lambda o: o.case.ident)


def table(outcomes: list[Outcome] | list[dict[str, Any]]) -> str:
    """One row per command: cases, exit-code counts (hang: over the time limit; negative: a signal), accepted runs
    whose output was checked, findings, slowest run."""
    rows = [o if isinstance(o, dict) else record(o) for o in outcomes]
    codes = sorted({r["code"] for r in rows})
    heads = ["command", "cases", *[("hang" if c == -1 else f"exit {c}") for c in codes], "checked", "findings", "max s"]
    lines = ["| " + " | ".join(heads) + " |", "|" + "|".join(["---"] + ["---:"] * (len(heads) - 1)) + "|"]
    commands = [c for c in COMMANDS if any(r["command"] == c for r in rows)]
    for command in [*commands, "all"]:
        mine = [r for r in rows if command in ("all", r["command"])]
        cells = [command, f"{len(mine):,}"]
        cells += [f"{sum(r['code'] == c for r in mine):,}" for c in codes]
        cells.append(f"{sum(bool(r['checked']) for r in mine):,}")
        cells.append(f"{sum(r['verdict'] not in FINE for r in mine):,}")
        cells.append(f"{max(r['seconds'] for r in mine):.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def keep(outcome: Outcome, folder: Path) -> None:
    """A finding's files, its command line (run.sh, from that folder) and what it gave."""
    for name, data in outcome.case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    line = " ".join("'" + a.replace("'", "'\\''") + "'" for a in outcome.case.args)
    (folder / "run.sh").write_text(f"csctl {line}\n", encoding="utf-8")
    (folder / "outcome.txt").write_text(
        f"{outcome.case.mutation}\n{outcome.verdict}: {outcome.detail}\nexit {outcome.code}\n"
        f"{outcome.stderr[-3000:]}\n",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT)
    parser.add_argument("--memory", type=int, default=MEMORY_LIMIT, help="bytes of address space per run")
    parser.add_argument("--commands", default=",".join(COMMANDS), help="comma-separated (default: all 13)")
    parser.add_argument("--json", type=Path, help="also write every outcome to this file")
    parser.add_argument("--log", type=Path, help="write each outcome to this file as it ends (one JSON a line)")
    parser.add_argument("--summary", type=Path, help="print the table of a --log file and exit")
    parser.add_argument("--keep", type=Path, help="write each finding's files and command line into this folder")
    parser.add_argument(
        "--isolation",
        choices=("fork", "process"),
        default="fork",
        help="fork: each run a child forked from a server that has imported csctl (default); process: each run a "
        "new Python process",
    )
    args = parser.parse_args(argv)
    if args.summary:
        rows = [json.loads(line) for line in args.summary.read_text(encoding="utf-8").splitlines() if line]
        print(table(rows))
        print("verdicts: " + ", ".join(f"{v} {n:,}" for v, n in sorted(Counter(r["verdict"] for r in rows).items())))
        bad = [r for r in rows if r["verdict"] not in FINE]
        for r in bad:
            print(f"FINDING {r['case']} [{r['mutation']}] {r['verdict']}: {r['detail']}")
        return 1 if bad else 0
    commands = tuple(c for c in args.commands.split(",") if c)
    unknown = set(commands) - set(COMMANDS)
    if unknown:
        parser.error(f"unknown commands: {sorted(unknown)}")
    started = time.monotonic()
    if args.log:
        args.log.write_text("", encoding="utf-8")
    outcomes = campaign(
        args.cases, args.seed, args.jobs, args.time_limit, args.memory, commands, args.log, args.isolation
    )
    print(table(outcomes))
    verdicts = Counter(o.verdict for o in outcomes)
    print("verdicts: " + ", ".join(f"{v} {n:,}" for v, n in sorted(verdicts.items())))
    bad = [o for o in outcomes if o.verdict not in FINE]
    for o in bad[:100]:
        print(f"FINDING {o.case.ident} [{o.case.mutation}] {o.verdict}: {o.detail}")
    slowest = max(outcomes, key=lambda o: o.seconds)
    print(
        f"{len(outcomes):,} cases (seed {args.seed}) in {time.monotonic() - started:,.0f} s; {len(bad):,} findings; "
        f"slowest {slowest.seconds:.1f} s ({slowest.case.ident} [{slowest.case.mutation}])"
    )
    if args.keep:
        for o in bad:
            keep(o, args.keep / o.case.ident)
    if args.json:
        args.json.write_text(json.dumps([record(o) for o in outcomes], indent=1), encoding="utf-8")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
