"""Hostile-input generator: mutated inputs for csctl's commands, each run in a subprocess bounded in time and
memory, and classified.

A run is fine when it is refused (exit 2 or 3 with a message on stderr) or accepted (exit 0) with its output
passing the invariants checked below. Anything else is a finding: exit 4 or any other code, a crash (a signal),
a hang (over the time limit), a run over the memory limit, a traceback, or exit 0 with output that breaks an
invariant. ``python -m tests.fuzz.hostile --cases 10000`` (``make fuzz``) prints the counts and exits 1 on any
finding; tests/test_fuzz.py runs a fast slice of it.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import io
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

CSCTL = [sys.executable, "-c", "import sys; from csctl.cli.app import main; sys.argv[0] = 'csctl'; main()"]
TIME_LIMIT = 60.0
MEMORY_LIMIT = 2 << 30  # bytes of address space

Rows = list[list[str]]

BILLING: Rows = [
    ["customer_id", "amount", "period_start", "period_end", "product", "quantity"],
    *[
        [
            f"C{c}",
            f"{50 * c + 10 * (m % 3)}.00",
            f"2024-{m:02d}-01",
            f"2024-{m:02d}-{calendar.monthrange(2024, m)[1]}",
            "Core",
            str(c),
        ]
        for c in range(1, 7)
        for m in range(1, 10)
        if not (c == 6 and m > 5)
    ],
]
CUSTOMERS: Rows = [
    ["customer_id", "name", "employees", "renewal_date", "segment", "start_date"],
    *[
        [f"C{c}", f"Customer {c}", str(10**c), f"2025-0{c}-01", "SMB" if c < 4 else "Enterprise", "2023-06-01"]
        for c in range(1, 7)
    ],
]
CONTACTS: Rows = [
    ["customer_id", "name", "title", "email"],
    *[[f"C{c}", f"Person {c}", t, f"p{c}@example.com"] for c, t in enumerate(["CEO", "Admin", "User", "VP"], 1)],
]

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
    "notes\n  customers: ../other/customers.csv\ngross_margin: 0.01\n#",
]
NUMBERS = ["NaN", "nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e15", "9" * 40, "0x10", "1_000", "", " ", "-0"]
DATES = [
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "9999-12-30",
    "1899-12-31",
    "2201-01-01",
    "2024-02-30",
    "2024-13-01",
    "31/12/2024",
    "2024-1-1",
    "",
    "20240101",
    "1e9",
    "NaN",
]
BAD_BYTES = [b"\x81", b"\x8d", b"\x90", b"\x9d", b"\xff\xfe", b"\x00", b"\xc3", b"\xed\xa0\x80"]


@dataclass
class Case:
    ident: str
    command: str
    mutation: str
    files: dict[str, bytes]
    args: list[str]
    check: Callable[[str], str | None] | None = None  # the invariant of an exit 0 (None: fine)


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


def to_csv(rows: Rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _columns(rows: Rows, names: tuple[str, ...]) -> list[int]:
    return [i for i, h in enumerate(rows[0]) if h in names]


# --- mutations: (name, function(rng, rows) -> bytes) -----------------------------------------------------------------
def _copy(rows: Rows) -> Rows:
    return [list(r) for r in rows]


def m_number(rng: random.Random, rows: Rows) -> bytes:
    rows = _copy(rows)
    cols = _columns(rows, ("amount", "employees", "quantity", "mrr")) or [1]
    rows[rng.randrange(1, len(rows))][rng.choice(cols)] = rng.choice(NUMBERS)
    return to_csv(rows)


def m_date(rng: random.Random, rows: Rows) -> bytes:
    rows = _copy(rows)
    cols = _columns(rows, ("period_start", "period_end", "renewal_date", "start_date")) or [1]
    col = rng.choice(cols)
    for _ in range(rng.choice([1, 1, 3, len(rows)])):
        rows[rng.randrange(1, len(rows))][col] = rng.choice(DATES)
    return to_csv(rows)


def m_text(rng: random.Random, rows: Rows) -> bytes:
    rows = _copy(rows)
    row = rows[rng.randrange(1, len(rows))]
    row[rng.randrange(len(row))] = rng.choice(HOSTILE_TEXT)
    return to_csv(rows)


def m_header_text(rng: random.Random, rows: Rows) -> bytes:
    rows = _copy(rows)
    rows[0].append(rng.choice(HOSTILE_TEXT))
    for row in rows[1:]:
        row.append("x")
    return to_csv(rows)


def m_empty_id(rng: random.Random, rows: Rows) -> bytes:
    rows = _copy(rows)
    rows[rng.randrange(1, len(rows))][0] = rng.choice(["", " ", "\t"])
    return to_csv(rows)


def m_duplicate_column(rng: random.Random, rows: Rows) -> bytes:
    rows = _copy(rows)
    col = rng.randrange(len(rows[0]))
    name = rows[0][col]
    rows[0].append(rng.choice([name, name.upper(), name.replace("_", " ").title()]))
    for row in rows[1:]:
        row.append(row[col])
    return to_csv(rows)


def m_drop_column(rng: random.Random, rows: Rows) -> bytes:
    col = rng.randrange(len(rows[0]))
    return to_csv([[c for i, c in enumerate(r) if i != col] for r in rows])


def m_ragged(rng: random.Random, rows: Rows) -> bytes:
    rows = _copy(rows)
    row = rows[rng.randrange(1, len(rows))]
    if rng.random() < 0.5:
        row.append("extra")
    else:
        row.pop()
    return to_csv(rows)


def m_bytes(rng: random.Random, rows: Rows) -> bytes:
    data = bytearray(to_csv(rows))
    for _ in range(rng.choice([1, 2, 5])):
        at = rng.randrange(len(data))
        data[at:at] = rng.choice(BAD_BYTES)
    return bytes(data)


def m_quote(rng: random.Random, rows: Rows) -> bytes:
    data = to_csv(rows)
    at = rng.randrange(len(data))
    return data[:at] + b'"' + data[at:]


def m_huge_field(rng: random.Random, rows: Rows) -> bytes:
    rows = _copy(rows)
    rows[rng.randrange(1, len(rows))][rng.randrange(len(rows[0]))] = "x" * rng.choice([10_000, 1_000_000])
    return to_csv(rows)


def m_wide_header(rng: random.Random, rows: Rows) -> bytes:
    extra = rng.choice([100, 6_000, 200_000])
    header = rows[0] + [f"c{i}" for i in range(extra)]
    return to_csv([header, *[r + [""] * extra for r in rows[1:3]]])


def m_structure(rng: random.Random, rows: Rows) -> bytes:
    choice = rng.randrange(7)
    data = to_csv(rows)
    if choice == 0:
        return b""
    if choice == 1:
        return to_csv(rows[:1])
    if choice == 2:
        return b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    if choice == 3:
        return data.replace(b",", b";")
    if choice == 4:
        return b"PK\x03\x04" + os.urandom(200)
    if choice == 5:
        return bytes(rng.randrange(256) for _ in range(500))
    return to_csv([rows[0], *rng.sample(rows[1:], len(rows) - 1), *rows[1:3]])  # shuffled, duplicated rows


MUTATIONS: dict[str, Callable[[random.Random, Rows], bytes]] = {
    "number": m_number,
    "date": m_date,
    "text": m_text,
    "header_text": m_header_text,
    "empty_id": m_empty_id,
    "duplicate_column": m_duplicate_column,
    "drop_column": m_drop_column,
    "ragged": m_ragged,
    "bytes": m_bytes,
    "quote": m_quote,
    "huge_field": m_huge_field,
    "wide_header": m_wide_header,
    "structure": m_structure,
}

CONFIG_MUTATIONS = [
    "gross_margin: .nan\n",
    "gross_margin: '0.7'\n",
    "gross_margin: [1, 2]\n",
    "currency: 12\n",
    "as_of: 9999-12\n",
    "fx: {EUR: .inf}\n",
    "exports: {billing: /etc/passwd}\n",
    "exports: {billing: ../../../../etc/hostname}\n",
    "exports: {billing: '*'}\n",
    "a: &a [*a]\n",
    "x: !!python/object/apply:os.system ['true']\n",
    "- a\n- b\n",
    "read: {date_order: zz}\n",
    "unknown_key: 1\n",
    "\x00\n",
    "a: [" * 2000 + "\n",
]


# --- invariants of an accepted run -----------------------------------------------------------------------------------
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


def check_numbers(stdout: str) -> str | None:
    data = json.loads(stdout)
    problem = _finite(data, "json")
    if problem:
        return "non-finite number " + problem
    metrics = data.get("metrics", {})
    mrr, arr = metrics.get("mrr"), metrics.get("arr")
    if mrr is not None and arr is not None and abs(mrr * 12 - arr) > 0.01 + 1e-9 * abs(arr):
        return f"arr {arr} != 12 x mrr {mrr}"
    if (metrics.get("customers") or 0) < 0:
        return "negative customers"
    for table in data.get("tables", {}).values():
        for row in table if isinstance(table, list) else []:
            if isinstance(row, dict) and {"mrr_start", "mrr_end"} <= row.keys():
                moves = ("new", "reactivation", "expansion", "price_uplift", "upsell", "contraction", "price_erosion")
                total = row["mrr_start"] + sum(row.get(k) or 0 for k in (*moves, "churn"))
                if abs(total - row["mrr_end"]) > 0.02:
                    return f"bridge identity broken in {row.get('month')}: {total} != {row['mrr_end']}"
    return None


def check_shares(stdout: str) -> str | None:
    data = json.loads(stdout)
    problem = _finite(data, "json")
    if problem:
        return "non-finite number " + problem

    def walk(value: object) -> str | None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key.endswith("_share") and isinstance(item, int | float) and not -1e-9 <= item <= 1 + 1e-9:
                    return f"{key} = {item} outside [0, 1]"
                found = walk(item)
                if found:
                    return found
        if isinstance(value, list):
            for item in value:
                found = walk(item)
                if found:
                    return found
        return None

    return walk(data)


# --- cases -----------------------------------------------------------------------------------------------------------
WORKSPACE = (
    "exports:\n  billing: billing.csv\n  customers: customers.csv\n"
    "rules:\n  segments: segments.yaml\n  health: health.yaml\n  personas: personas.yaml\n  plays: plays.yaml\n"
    "  value_path: value_path.yaml\n"
)


def _rules() -> dict[str, bytes]:
    from csctl.resources import config_path

    names = ("segments.yaml", "health.yaml", "personas.yaml", "plays.yaml", "value_path.yaml")
    return {name: config_path(name).read_bytes() for name in names}


def generate(count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    rules = _rules()
    cases: list[Case] = []
    kinds = ["numbers", "segment", "personas", "init", "report", "report_config", "report_rules"]
    for i in range(count):
        kind = kinds[i % len(kinds)]
        name = rng.choice(list(MUTATIONS))
        mutate = MUTATIONS[name]
        ident = f"{i:05d}-{kind}-{name}"
        if kind == "numbers":
            view = rng.choice(["summary", "bridge", "customers", "quarters", "forecast"])
            cases.append(
                Case(
                    ident,
                    kind,
                    name,
                    {"billing.csv": mutate(rng, BILLING)},
                    ["numbers", "billing.csv", "--view", view, "-f", "json"],
                    check_numbers,
                )
            )
        elif kind == "segment":
            target = rng.choice(["customers", "billing"])
            files = {
                "customers.csv": mutate(rng, CUSTOMERS) if target == "customers" else to_csv(CUSTOMERS),
                "billing.csv": mutate(rng, BILLING) if target == "billing" else to_csv(BILLING),
            }
            args = ["segment", "customers.csv", "--billing", "billing.csv", "-f", "json"]
            cases.append(Case(ident, kind, f"{target}:{name}", files, args, check_shares))
        elif kind == "personas":
            cases.append(
                Case(
                    ident,
                    kind,
                    name,
                    {"contacts.csv": mutate(rng, CONTACTS)},
                    ["personas", "contacts.csv", "-f", "json"],
                    check_shares,
                )
            )
        elif kind == "init":
            table, rows = rng.choice([("billing", BILLING), ("customers", CUSTOMERS), ("contacts", CONTACTS)])
            files = {f"{table}.csv": mutate(rng, rows), "notes.csv": m_header_text(rng, [["a"], ["b"]])}
            cases.append(
                Case(ident, kind, f"{table}:{name}", {"ws/" + k: v for k, v in files.items()}, ["init", "ws"], None)
            )
        else:
            target = rng.choice(["billing", "customers"])
            files = {
                "billing.csv": to_csv(BILLING),
                "customers.csv": to_csv(CUSTOMERS),
                "csctl.yaml": WORKSPACE.encode(),
                **rules,
            }
            mutation = name
            if kind == "report":
                files[f"{target}.csv"] = mutate(rng, BILLING if target == "billing" else CUSTOMERS)
                mutation = f"{target}:{name}"
            elif kind == "report_config":
                extra = rng.choice(CONFIG_MUTATIONS)
                files["csctl.yaml"] = (WORKSPACE + extra).encode() if rng.random() < 0.5 else extra.encode()
                mutation = f"config:{extra[:20]!r}"
            else:
                rule = rng.choice(sorted(rules))
                files[rule] = _mutate_yaml(rng, rules[rule])
                mutation = f"rules:{rule}"
            cases.append(
                Case(
                    ident,
                    "report",
                    mutation,
                    {"ws/" + k: v for k, v in files.items()},
                    ["report", "-c", "ws/csctl.yaml", "-o", "out"],
                    None,
                )
            )
    return cases


def _mutate_yaml(rng: random.Random, data: bytes) -> bytes:
    lines = data.decode("utf-8").splitlines()
    at = rng.randrange(len(lines))
    line = lines[at]
    choice = rng.randrange(6)
    if choice == 0 and ":" in line:  # a value of the wrong type
        key = line.split(":", 1)[0]
        wrong = rng.choice(["[1, 2]", "{a: 1}", ".nan", "yes", "-1", "1e309", "~", '"x"'])
        lines[at] = f"{key}: {wrong}"
    elif choice == 1:
        lines[at] = line + rng.choice([" )", " AND", " ((((", " OR 1=1", "; DROP", " lpad(x, 200000000, 'x')"])
    elif choice == 2:
        del lines[at]
    elif choice == 3:
        lines.insert(at, "  " * rng.randrange(4) + "unknown: 1")
    elif choice == 4:
        lines[at] = line.replace(":", "", 1)
    else:
        terms = " AND ".join(f"employees > {i}" for i in range(rng.choice([10, 300, 3000])))
        lines[at] = line.split(":", 1)[0] + f': "{terms}"' if ":" in line else line
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- running and classifying -----------------------------------------------------------------------------------------
def _limits(memory: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def run(case: Case, time_limit: float = TIME_LIMIT, memory: int = MEMORY_LIMIT) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="csctl-fuzz-") as folder:
        root = Path(folder)
        for name, data in case.files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        env = {**os.environ, "NO_COLOR": "1", "CSCTL_CONFIG": "", "POLARS_MAX_THREADS": "1"}
        env.pop("FORCE_COLOR", None)
        started = time.monotonic()
        try:
            done = subprocess.run(
                CSCTL + case.args,
                cwd=root,
                capture_output=True,
                timeout=time_limit,
                env=env,
                preexec_fn=_limits(memory),
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Outcome(case, -1, time.monotonic() - started, "", "", "hang", f"over {time_limit:.0f} s")
        seconds = time.monotonic() - started
        outcome = Outcome(
            case,
            done.returncode,
            seconds,
            done.stderr.decode("utf-8", "replace"),
            done.stdout.decode("utf-8", "replace"),
        )
        leftovers = [p.name for p in root.rglob("*.tmp")]
        classify(outcome, leftovers)
        return outcome


def classify(outcome: Outcome, leftovers: list[str]) -> None:
    code, stderr = outcome.code, outcome.stderr
    if "Traceback (most recent call last)" in stderr:
        outcome.verdict, outcome.detail = "traceback", stderr.strip().splitlines()[-1][:200]
    elif code < 0:
        outcome.verdict, outcome.detail = "crash", f"signal {-code}"
    elif code in (2, 3):
        outcome.verdict = "refused" if stderr.strip() else "silent refusal"
        if not stderr.strip():
            outcome.detail = f"exit {code} and nothing on stderr"
    elif code == 0:
        outcome.verdict = "accepted"
        if outcome.case.check is not None:
            try:
                problem = outcome.case.check(outcome.stdout)
            except (ValueError, KeyError, TypeError) as exc:
                problem = f"output not readable: {exc}"
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


FINE = {"refused", "accepted"}


def campaign(count: int, seed: int, jobs: int, time_limit: float, memory: int) -> list[Outcome]:
    cases = generate(count, seed)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda c: run(c, time_limit, memory), cases))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT)
    parser.add_argument("--memory", type=int, default=MEMORY_LIMIT, help="bytes of address space per run")
    args = parser.parse_args(argv)
    started = time.monotonic()
    outcomes = campaign(args.cases, args.seed, args.jobs, args.time_limit, args.memory)
    by_command: Counter[tuple[str, str]] = Counter((o.case.command, o.verdict) for o in outcomes)
    for (command, verdict), n in sorted(by_command.items()):
        print(f"{command:10} {verdict:22} {n:7,}")
    bad = [o for o in outcomes if o.verdict not in FINE]
    for o in bad[:50]:
        print(f"FINDING {o.case.ident} [{o.case.mutation}] {o.verdict}: {o.detail}", file=sys.stderr)
    slowest = max(outcomes, key=lambda o: o.seconds)
    print(
        f"{len(outcomes):,} cases in {time.monotonic() - started:,.0f} s; {len(bad):,} findings; "
        f"slowest {slowest.seconds:.1f} s ({slowest.case.ident})"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
