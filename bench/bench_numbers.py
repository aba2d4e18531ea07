"""Benchmark `csctl numbers --view bridge` against a Polars parse, DuckDB and pandas; check its numbers.

    python bench/bench_numbers.py [--sizes 1000000,10000000] [--rounds 5] [--keep DIR] [--fresh]
                                  [--old-tree DIR] [--skip pandas,...]

1. Makes a billing export of about each size (invoice lines) with bench/gen_billing.py (numpy; seconds, not
   minutes), cached in --keep DIR (default: $TMPDIR/csctl-bench) and reused unless --fresh.
2. Runs every command in its own process, in rounds: each round runs each command once, in an order rotated by
   one from the round before (so slow and fast moments of a shared machine fall on every command alike). A tiny
   wrapper reports each run's wall time, CPU time (user + system, getrusage(RUSAGE_CHILDREN)) and peak RSS.
   Reported: the median over the rounds of wall and CPU seconds, the median of the per-round ratio to the
   parse-only run of the same round (paired), and the largest peak RSS.
   - parse-only: a Python process that reads the same seven columns with Polars (`pl.read_csv`);
   - csctl: `csctl numbers FILE --view bridge -f csv`;
   - csctl's floor: the same command with its measuring taken out (bench/floor.py: start-up, the read and its
     checks, the export-wide pass and the split of a large export), the part no faster measure can remove;
   - csctl (old): the same with the pre-revision core (a checkout given with --old-tree), when given;
   - DuckDB: bench/bridge_duckdb.py, docs/definitions.md's bridge in SQL;
   - pandas: bench/bridge_pandas.py, the same definition with pandas and numpy (vectorised), a second engine;
   - `csctl numbers --help` (start-up).
   With --old-tree, the measuring stage alone is also timed in process for both trees (bench/stage_measure.py:
   the file read beforehand, not timed; alternating rounds), so the snapshot's cost is compared without the
   reading and start-up around it.
3. Checks csctl's bridge CSV against DuckDB's and against pandas' to the cent, and the identities of each
   (mrr_end = mrr_start + movements, start = previous end, customer counts), on every benchmark file (an engine
   left out with --skip is not checked there) and on small files (edge cases, a small generated file,
   sample_data/billing.csv with and without its history_starts). Any mismatch is printed and makes the exit
   status 1.
4. Prints Markdown tables and the issue's targets, and writes them to bench/results.md. Targets not met still
   exit 0.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from bridge_duckdb import BRIDGE_COLUMNS, COUNT_COLUMNS, MONEY_COLUMNS  # noqa: E402

PY = sys.executable
# csctl next to this Python (the venv's bin); CSCTL_BENCH_BIN overrides it
CSCTL = os.environ.get("CSCTL_BENCH_BIN") or str(Path(sys.executable).parent / "csctl")
SEED = 7
MONTHS = 36
LINES_PER_CUSTOMER = 18.78  # gen_billing.py at 36 months (calibrated: 51,300 customers → 963,345 lines)
PARSE_COLUMNS = ["customer_id", "product", "quantity", "amount", "period_start", "period_end", "status"]
MOVEMENTS = [
    "new",
    "reactivation",
    "expansion",
    "price_uplift",
    "upsell",
    "contraction",
    "price_erosion",
    "churn",
]

# The wrapper: runs argv[2:] with stdout to /dev/null (or the file argv[1] unless it is "-"), reports JSON.
WRAPPER = r"""
import json, resource, subprocess, sys, time
out = sys.argv[1]
sink = subprocess.DEVNULL if out == "-" else open(out, "wb")
t = time.perf_counter()
r = subprocess.run(sys.argv[2:], stdout=sink, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": r.returncode, "wall": wall, "cpu": u.ru_utime + u.ru_stime, "maxrss_kib": u.ru_maxrss,
                  "stderr": r.stderr.decode("utf-8", "replace")[-3000:]}))
"""

Rows = list[dict]


@dataclass
class Command:
    name: str
    shown: str
    argv: list[str]
    out: str = "-"  # where its stdout goes


@dataclass
class Measure:
    command: Command
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss_kib: int = 0
    error: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(self.walls) if self.walls else math.nan

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus) if self.cpus else math.nan


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_once(cmd: Command, cwd: Path) -> dict:
    r = subprocess.run(
        [PY, "-c", WRAPPER, cmd.out, *cmd.argv], cwd=cwd, capture_output=True, text=True, timeout=3600, check=False
    )
    if r.returncode != 0:
        return {"error": f"wrapper failed: {r.stderr[-2000:]}"}
    res = json.loads(r.stdout.strip().splitlines()[-1])
    if res["rc"] != 0:
        return {"error": f"exit {res['rc']}: {res['stderr'].strip()[-2000:]}"}
    return res


def measure_rounds(commands: list[Command], rounds: int, cwd: Path) -> dict[str, Measure]:
    """Each round runs every command once, the order rotated by one per round."""
    measures = {c.name: Measure(c) for c in commands}
    for r in range(rounds):
        k = r % len(commands)
        for cmd in commands[k:] + commands[:k]:
            m = measures[cmd.name]
            if m.error:
                continue
            res = run_once(cmd, cwd)
            if "error" in res:
                m.error = res["error"]
                say(f"  !! {cmd.name}: {m.error[:300]}")
                continue
            m.walls.append(res["wall"])
            m.cpus.append(res["cpu"])
            m.rss_kib = max(m.rss_kib, int(res["maxrss_kib"]))
            say(
                f"  round {r + 1} {cmd.name}: {res['wall']:.2f} s wall, {res['cpu']:.2f} s CPU, "
                f"{res['maxrss_kib'] / 1024:.0f} MiB"
            )
    return measures


def paired_ratio(m: Measure, base: Measure, attr: str) -> float:
    """The median over rounds of m's time / base's time in the same round."""
    xs, bs = getattr(m, attr), getattr(base, attr)
    ratios = [x / b for x, b in zip(xs, bs, strict=False) if b > 0]
    return statistics.median(ratios) if ratios else math.nan


# ----------------------------------------------------------------------------------------------------
# data


def count_lines(path: Path) -> int:
    n = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            n += chunk.count(b"\n")
    return max(0, n - 1)  # without the header


def benchmark_file(target: int, cache: Path, fresh: bool) -> tuple[Path, int]:
    """(billing.csv of about ``target`` lines made by gen_billing.py, customers), cached by size."""
    import gen_billing

    customers = max(1, round(target / LINES_PER_CUSTOMER))
    out = cache / f"gen-c{customers}-m{MONTHS}-s{SEED}"
    path = out / "billing.csv"
    meta = out / "meta.json"
    if path.exists() and meta.exists() and not fresh:
        info = json.loads(meta.read_text())
        if info.get("size") == path.stat().st_size:
            say(f"using cached {path} ({info['lines']:,} lines)")
            return path, customers
    if out.exists():
        shutil.rmtree(out)
    t = time.perf_counter()
    say(f"generating {path} (--customers {customers} --months {MONTHS} --seed {SEED}) …")
    gen_billing.write(customers, MONTHS, SEED, out)
    lines = count_lines(path)
    meta.write_text(json.dumps({"size": path.stat().st_size, "lines": lines}))
    say(f"  {lines:,} lines in {time.perf_counter() - t:.1f} s")
    return path, customers


EDGE_CASES = """\
invoice_id,customer_id,customer_name,product,quantity,unit_price,amount,currency,period_start,period_end,status
E1,A1,Seats Inc,core,10,10.00,100.00,USD,2024-01-01,2024-01-31,paid
E2,A1,Seats Inc,core,12,10.00,120.00,USD,2024-02-01,2024-02-29,paid
E3,A1,Seats Inc,core,12,11.00,132.00,USD,2024-03-01,2024-03-31,paid
E4,A1,Seats Inc,sso,12,2.00,24.00,USD,2024-03-01,2024-03-31,paid
E5,A1,Seats Inc,core,10,10.50,105.00,USD,2024-04-01,2024-04-30,paid
E6,A1,Seats Inc,sso,12,2.00,24.00,USD,2024-04-01,2024-04-30,open
E7,A1,Seats Inc,core,10,10.50,105.00,USD,2024-05-01,2024-05-31,paid
E8,A1,Seats Inc,core,10,10.50,105.00,USD,2024-06-01,2024-06-30,paid
E9,A1,Seats Inc,core,1,1.00,1.00,USD,2024-06-01,2024-06-30,VOID
E10,A2,Annual Ltd,core,5,240.00,1200.00,USD,2024-01-01,2024-12-31,paid
E11,A3,Quarterly Co,core,1,100.00,100.00,USD,2024-02-01,2024-04-30,paid
E12,A3,Quarterly Co,core,1,100.00,100.00,USD,2024-05-01,2024-07-31, Draft
E13,A4,Comeback,core,2,20.00,40.00,USD,2024-01-01,2024-01-31,paid
E14,A4,Comeback,core,2,20.00,40.00,USD,2024-04-01,2024-04-30,paid
E15,A4,Comeback,core,2,20.00,40.00,USD,2024-05-01,2024-05-31,paid
E16,A5,Credit Note,core,1,50.00,50.00,USD,2024-02-01,2024-02-29,paid
E17,A5,Credit Note,core,1,50.00,50.00,USD,2024-03-01,2024-03-31,paid
E18,A5,Credit Note,core,1,-80.00,-80.00,USD,2024-03-01,2024-03-31,credited
E19,A5,Credit Note,core,1,50.00,50.00,USD,2024-04-01,2024-04-30,paid
E20,A6,No Quantity,,,,70.00,USD,2024-01-01,2024-01-31,paid
E21,A6,No Quantity,,,,77.00,USD,2024-02-01,2024-02-29,paid
E22,A6,No Quantity,,,,60.00,USD,2024-03-01,2024-03-31,
E23,A6,No Quantity,,,,60.00,USD,2024-04-01,2024-04-30,Deleted
E24,A7,Half Cents,core,1,0.05,0.05,USD,2024-01-01,2024-02-29,paid
E25,A7,Half Cents,core,1,1.01,1.01,USD,2024-03-01,2024-04-30,paid
E26,A8,Price Tie,core,1,1.00,1.00,USD,2024-01-01,2024-01-31,paid
E27,A8,Price Tie,core,2,1.025,2.05,USD,2024-02-01,2024-02-29,paid
E28,A8,Price Tie,core,3,1.00,3.00,USD,2024-03-01,2024-03-31,paid
E29,A8,Price Tie,core,6,1.0116667,6.07,USD,2024-04-01,2024-04-30,paid
E30,007,Leading Zero,core,1,30.00,30.00,USD,2024-02-01,,paid
E31,7,No Leading Zero,core,1,31.00,31.00,USD,2024-02-15,2024-02-20,paid
E32,A9,Late Annual,core,1,600.00,600.00,USD,2024-06-15,2025-06-14,paid
E33,A10,One Off,onboarding,1,500.00,500.00,USD,2024-03-10,,paid
E34,A10,One Off,core,3,10.00,30.00,USD,2024-03-10,2024-04-09,paid
E35,A10,One Off,core,3,10.00,30.00,USD,2024-04-10,2024-05-09,paid
E36,A10,One Off,core,3,10.00,30.00,USD,2024-05-10,2024-06-09,paid
E37,A11,Future Void,core,1,10.00,10.00,USD,2024-09-01,2024-09-30,void
E38,A12,Credit Only,core,1,-10.00,-10.00,USD,2024-06-01,2024-06-30,paid
"""


def parse_bridge_csv(text: str) -> Rows:
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        row: dict = {"month": (r.get("month") or "").strip()}
        for col in MONEY_COLUMNS:
            row[col] = r.get(col)
        for col in COUNT_COLUMNS:
            row[col] = r.get(col)
        rows.append(row)
    return rows


def to_cents(v: object) -> int | str:
    """A money value → integer cents; text describing the problem when it is not a whole number of cents."""
    try:
        d = Decimal(str(v).strip()) * 100
    except (InvalidOperation, ValueError):
        return f"not a number: {v!r}"
    return int(d) if d == d.to_integral_value() else f"not whole cents: {v!r}"


def to_count(v: object) -> int | str:
    try:
        d = Decimal(str(v).strip())
    except (InvalidOperation, ValueError):
        return f"not a number: {v!r}"
    return int(d) if d == d.to_integral_value() else f"not an integer: {v!r}"


def normalise(rows: Rows) -> dict[str, dict[str, int | str]]:
    out: dict[str, dict[str, int | str]] = {}
    for r in rows:
        vals: dict[str, int | str] = {c: to_cents(r[c]) for c in MONEY_COLUMNS}
        vals.update({c: to_count(r[c]) for c in COUNT_COLUMNS})
        out[str(r["month"])] = vals
    return out


def consistency_problems(label: str, rows: Rows) -> list[str]:
    """mrr_end = mrr_start + movements, continuity from month to month, and the customer counts add up."""
    problems = []
    norm = normalise(rows)
    prev: dict[str, int | str] | None = None
    for month, v in norm.items():
        if any(isinstance(x, str) for x in v.values()):
            problems.append(f"{label} {month}: {[x for x in v.values() if isinstance(x, str)]}")
            continue
        iv = {k: int(x) for k, x in v.items()}
        if iv["mrr_start"] + sum(iv[k] for k in MOVEMENTS) != iv["mrr_end"]:
            problems.append(f"{label} {month}: mrr_start + movements != mrr_end")
        arrived = iv["customers_new"] + iv["customers_reactivated"]
        if iv["customers_start"] + arrived - iv["customers_churned"] != iv["customers_end"]:
            problems.append(f"{label} {month}: customer counts do not add up")
        if prev is not None and (prev["mrr_end"], prev["customers_end"]) != (
            v["mrr_start"],
            v["customers_start"],
        ):
            problems.append(f"{label} {month}: start differs from the previous month's end")
        prev = v
    return problems


def compare(label_a: str, a: Rows, label_b: str, b: Rows) -> list[str]:
    na, nb = normalise(a), normalise(b)
    problems = []
    if list(na) != list(nb):
        only_a = [m for m in na if m not in nb]
        only_b = [m for m in nb if m not in na]
        problems.append(
            f"months differ: {label_a} has {len(na)} ({next(iter(na), '-')}…{list(na)[-1] if na else '-'}), "
            f"{label_b} has {len(nb)}; only in {label_a}: {only_a[:6]}; only in {label_b}: {only_b[:6]}"
        )
    for month in na.keys() & nb.keys():
        for col in BRIDGE_COLUMNS[1:]:
            x, y = na[month][col], nb[month][col]
            if x != y:
                unit = "cents" if col in MONEY_COLUMNS else ""
                problems.append(f"{month} {col}: {label_a}={x} {label_b}={y} {unit}".rstrip())
    problems.sort()
    return [f"{label_a} vs {label_b}: {p}" for p in problems]


# ----------------------------------------------------------------------------------------------------
# correctness


def duckdb_json(path: Path, out_json: Path, history: str | None = None) -> list[str]:
    """argv of a Python process that computes DuckDB's bridge and writes it as JSON."""
    code = (
        f"import json, sys; sys.path.insert(0, {str(BENCH_DIR)!r}); "
        "from bridge_duckdb import bridge_duckdb as f; "
        f"json.dump(f({str(path)!r}, {history!r}), open({str(out_json)!r}, 'w'))"
    )
    return [PY, "-c", code]


def pandas_json(path: Path, out_json: Path, history: str | None = None) -> list[str]:
    """argv of a Python process that computes pandas' bridge and writes it as JSON."""
    code = (
        f"import json, sys; sys.path.insert(0, {str(BENCH_DIR)!r}); "
        "from bridge_pandas import bridge_pandas as f; "
        f"json.dump(f({str(path)!r}, {history!r}), open({str(out_json)!r}, 'w'))"
    )
    return [PY, "-c", code]


def csctl_argv(path: Path, history: str | None = None, tree: Path | None = None) -> list[str]:
    args = ["numbers", str(path), "--view", "bridge", "-f", "csv"]
    if history:
        args += ["--history-starts", history]
    return csctl_command(args, tree)


def csctl_command(args: list[str], tree: Path | None = None) -> list[str]:
    """``csctl ARGS``: the installed entry point, or the csctl of checkout ``tree`` (an earlier commit)."""
    if tree is None:
        return [CSCTL, *args]
    code = (
        f"import sys; sys.path.insert(0, {str(tree)!r}); from csctl.cli.app import main; "
        f"sys.argv = ['csctl', *{args!r}]; main()"
    )
    return [PY, "-c", code]


def read_csctl_csv(text: str) -> tuple[Rows | None, str]:
    header = next(csv.reader(io.StringIO(text)), [])
    missing = [c for c in BRIDGE_COLUMNS if c not in header]
    if missing:
        return None, f"csctl bridge CSV lacks columns {missing}; header: {header}"
    return parse_bridge_csv(text), ""


def check_engines(
    label: str, csctl_rows: Rows | None, csctl_err: str, engines: dict[str, tuple[Rows | None, str]]
) -> list[str]:
    """csctl's bridge against each engine's ({name: (rows or None, why not)}) to the cent, and the identities of
    every bridge."""
    if csctl_rows is None:
        return [f"[{label}] csctl: {csctl_err or 'no bridge'}"]
    problems = consistency_problems(f"[{label}] csctl", csctl_rows)
    for name, (rows, err) in engines.items():
        if rows is None:
            problems.append(f"[{label}] {name}: {err or 'no bridge'}")
            continue
        problems += consistency_problems(f"[{label}] {name}", rows)
        problems += [f"[{label}] {p}" for p in compare("csctl", csctl_rows, name, rows)]
    say(
        f"checked {label} (csctl against {', '.join(engines)}): {len(csctl_rows)} months: "
        f"{'OK' if not problems else f'{len(problems)} problem(s)'}"
    )
    return problems


def check_small(label: str, path: Path, cwd: Path, history: str | None) -> list[str]:
    from bridge_duckdb import bridge_duckdb
    from bridge_pandas import bridge_pandas

    r = subprocess.run(csctl_argv(path, history), capture_output=True, text=True, cwd=cwd, timeout=600, check=False)
    if r.returncode != 0:
        return [f"[{label}] csctl exit {r.returncode}: {r.stderr.strip()[-1500:]}"]
    rows, err = read_csctl_csv(r.stdout)
    engines: dict[str, tuple[Rows | None, str]] = {
        "duckdb": (bridge_duckdb(str(path), history), ""),
        "pandas": (bridge_pandas(str(path), history), ""),
    }
    return check_engines(label, rows, err, engines)


def small_files(cache: Path) -> list[tuple[str, Path, str | None]]:
    import gen_billing

    small = cache / "small"
    small.mkdir(parents=True, exist_ok=True)
    edge = small / "edge_cases.csv"
    edge.write_text(EDGE_CASES, encoding="utf-8")
    files: list[tuple[str, Path, str | None]] = [("edge cases, history from 2024-01", edge, "2024-01")]
    files.append(("generated, 600 customers", gen_billing.write(600, 30, SEED, small / "gen600"), None))
    committed = BENCH_DIR.parent / "sample_data" / "billing.csv"
    if committed.exists():
        files.append(("sample_data/billing.csv", committed, None))
        config = committed.parent / "csctl.yaml"
        found = re.search(r'history_starts:\s*"?(\d{4}-\d{2})', config.read_text()) if config.exists() else None
        if found:
            files.append((f"sample_data/billing.csv, history from {found.group(1)}", committed, found.group(1)))
    return files


# ----------------------------------------------------------------------------------------------------
# report


def fmt(x: float | None, spec: str) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def size_report(path: Path, lines: int, customers: int, rounds: int, measures: dict[str, Measure]) -> list[str]:
    size = path.stat().st_size
    base = measures["parse"]
    out = [
        f"### {lines:,} lines ({size / 2**20:.0f} MiB; gen_billing.py --customers {customers} --months {MONTHS} "
        f"--seed {SEED}), {rounds} rounds",
        "",
        "| command | wall s | CPU s | × parse-only, wall | × parse-only, CPU | peak RSS MiB | RSS × file size |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in measures.values():
        if m.error and not m.walls:
            out.append(f"| {m.command.shown} | failed | | | | | |")
            continue
        rss = m.rss_kib * 1024
        out.append(
            f"| {m.command.shown} | {fmt(m.wall, '.2f')} | {fmt(m.cpu, '.2f')} | "
            f"{fmt(paired_ratio(m, base, 'walls'), '.2f')} | {fmt(paired_ratio(m, base, 'cpus'), '.2f')} | "
            f"{rss / 2**20:.0f} | {rss / size:.2f} |"
        )
    for m in measures.values():
        if m.error:
            out.append(f"\n{m.command.name} failed: `{m.error[:500]}`")
    c, d = measures.get("csctl"), measures.get("duckdb")
    out += ["", "| target | measured | met |", "|---|---|---|"]
    if c is None or not c.walls:
        out.append("| csctl targets | csctl did not run | n/a |")
        return [*out, ""]
    limit = 2.5 if lines < 5_000_000 else 3.0
    for attr, what in (("walls", "wall"), ("cpus", "CPU")):
        r = paired_ratio(c, base, attr)
        out.append(f"| csctl ≤ {limit}× parse-only ({what}) | {r:.2f}× | {met(r <= limit)} |")
    if d is not None and d.walls:
        for attr, what in (("walls", "wall"), ("cpus", "CPU")):
            r = paired_ratio(d, c, attr)
            out.append(f"| csctl ≥ 2× faster than DuckDB ({what}) | {r:.2f}× faster | {met(r >= 2)} |")
    rss = c.rss_kib * 1024
    if lines >= 5_000_000:
        out.append(
            f"| peak RSS ≤ 1.5× file size | {rss / size:.2f}× ({rss / 2**20:.0f} MiB) | {met(rss <= 1.5 * size)} |"
        )
    f = measures.get("floor")
    if f is not None and f.walls and not f.error:
        floor = {attr: paired_ratio(f, base, attr) for attr in ("walls", "cpus")}
        out += [
            "",
            f"csctl without its measure (floor.py) is {floor['cpus']:.2f}× the parse-only run in CPU and "
            f"{floor['walls']:.2f}× in wall time: under the {limit}× target the measure has "
            + " and ".join(
                f"{limit - floor[attr]:.2f}× ({what})" if floor[attr] < limit else f"no room ({what})"
                for attr, what in (("cpus", "CPU"), ("walls", "wall"))
            )
            + f", where it takes {paired_ratio(c, base, 'cpus') - floor['cpus']:.2f}× (CPU).",
        ]
    return [*out, ""]


def stage_report(path: Path, trees: list[Path], rounds: int) -> list[str]:
    """The measuring stage alone (snapshot, movements, bridge; the file read beforehand, not timed), this tree
    against the old one, in rounds whose order alternates: medians and the median of the per-round ratio."""
    script = str(BENCH_DIR / "stage_measure.py")
    runs: dict[int, list[dict[str, float]]] = {0: [], 1: []}
    for r in range(rounds):
        for i in (0, 1) if r % 2 == 0 else (1, 0):
            out = subprocess.run([PY, script, str(trees[i]), str(path)], capture_output=True, text=True, check=True)
            runs[i].append(json.loads(out.stdout.strip().splitlines()[-1]))
            say(f"  round {r + 1} stage ({'this tree' if i == 0 else 'old tree'}): {runs[i][-1]['cpu']:.2f} s CPU")
    ratio = statistics.median(n["cpu"] / o["cpu"] for n, o in zip(runs[0], runs[1], strict=True))
    new_cpu = statistics.median(x["cpu"] for x in runs[0])
    old_cpu = statistics.median(x["cpu"] for x in runs[1])
    return [
        "The measuring stage alone (`numbers.measure` in process, the file read beforehand; medians of "
        f"{rounds} alternating rounds of 3 runs each):",
        "",
        "| core | CPU s | × the old core (paired) |",
        "|---|---:|---:|",
        f"| this tree (month-end snapshot) | {new_cpu:.2f} | {ratio:.2f} |",
        f"| pre-revision core (the previous spread) | {old_cpu:.2f} | 1.00 |",
        "",
    ]


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for pkg in ["csctl", "polars", "duckdb", "pandas", "pyarrow", "numpy"]:
        try:
            parts.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            parts.append(f"{pkg} not installed")
    return ", ".join(parts)


# ----------------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000000,10000000", help="invoice lines of each benchmark file")
    ap.add_argument("--rounds", type=int, default=5, help="rounds at sizes under 5M lines (3 at larger ones)")
    ap.add_argument("--keep", type=Path, help="where to generate and keep the data (default: a temp dir)")
    ap.add_argument("--fresh", action="store_true", help="regenerate the data even if cached")
    ap.add_argument("--old-tree", type=Path, help="a checkout of an earlier csctl to time beside this one")
    ap.add_argument("--skip", default="", help="commands to leave out: parse,csctl,floor,old,duckdb,pandas,help,stages")
    ap.add_argument("--no-small", action="store_true", help="skip the small correctness files")
    a = ap.parse_args()
    skip = {s.strip() for s in a.skip.split(",") if s.strip()}

    cache = (a.keep or Path(tempfile.gettempdir()) / "csctl-bench").resolve()
    cache.mkdir(parents=True, exist_ok=True)
    run_dir = cache / "run"  # an empty working directory: no ./csctl.yaml is picked up
    run_dir.mkdir(exist_ok=True)
    os.environ.pop("CSCTL_CONFIG", None)

    started = time.strftime("%Y-%m-%d")
    text = [
        "# csctl numbers benchmark",
        "",
        f"- `make bench` ({started}): machine {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; {versions()}",
        "- each round runs every command once in its own process, the order rotated by one per round; wall and "
        "CPU (user + system) are medians over the rounds, the ratios are medians of the per-round ratios (paired); "
        "peak RSS is the largest over the rounds",
        "- parse-only: `pl.read_csv(FILE, columns=[7 columns], try_parse_dates=True)` in a Python process",
        "- DuckDB (bench/bridge_duckdb.py, SQL) and pandas (bench/bridge_pandas.py, pandas and numpy, vectorised) "
        "each implement docs/definitions.md independently of csctl; both are checked against csctl to the cent",
        "",
    ]
    problems: list[str] = []
    checked_on: set[str] = set()  # the engines checked on a benchmark file
    for target in [int(s) for s in a.sizes.split(",") if s.strip()]:
        path, customers = benchmark_file(target, cache, a.fresh)
        lines = count_lines(path)
        rounds = a.rounds if target < 5_000_000 else min(a.rounds, 3)
        outs = {k: cache / f"out-{target}-{k}" for k in ("csctl", "old", "duckdb", "pandas")}
        read = f"pl.read_csv({str(path)!r}, columns={PARSE_COLUMNS!r}, try_parse_dates=True)"
        commands = [
            Command("parse", "parse-only (Polars, 7 columns)", [PY, "-c", f"import polars as pl; {read}"]),
            Command("csctl", "`csctl numbers FILE --view bridge -f csv`", csctl_argv(path), str(outs["csctl"])),
            Command(
                "floor",
                "csctl without its measure (floor.py: start-up, read, checks, whole-export passes)",
                [PY, str(BENCH_DIR / "floor.py"), str(path)],
            ),
        ]
        if a.old_tree:
            commands.append(
                Command(
                    "old",
                    "the same, pre-revision core (00e3079, the previous definition)",
                    csctl_argv(path, tree=a.old_tree.resolve()),
                )
            )
        commands += [
            Command("duckdb", "DuckDB (bridge_duckdb.py)", duckdb_json(path, outs["duckdb"])),
            Command("pandas", "pandas (bridge_pandas.py)", pandas_json(path, outs["pandas"])),
            Command("help", "`csctl numbers --help`", [CSCTL, "numbers", "--help"]),
        ]
        commands = [c for c in commands if c.name not in skip or c.name == "parse"]
        say(f"measuring {lines:,} lines, {rounds} rounds …")
        t0 = time.perf_counter()
        measures = measure_rounds(commands, rounds, run_dir)
        say(f"measured in {time.perf_counter() - t0:.0f} s")
        text += size_report(path, lines, customers, rounds, measures)
        if a.old_tree and "stages" not in skip:
            text += stage_report(path, [ROOT, a.old_tree.resolve()], rounds)
        checked = [e for e in ("duckdb", "pandas") if e in measures]
        if "csctl" in measures and checked:
            c_rows, err = (
                (None, measures["csctl"].error)
                if measures["csctl"].error
                else read_csctl_csv(outs["csctl"].read_text())
            )
            engines: dict[str, tuple[Rows | None, str]] = {
                e: (None, measures[e].error) if measures[e].error else (json.loads(outs[e].read_text()), "")
                for e in checked
            }
            problems += check_engines(f"{lines:,} lines", c_rows, err, engines)
            checked_on.update(checked)
    if not a.no_small:
        for label, p, history in small_files(cache):
            problems += check_small(label, p, run_dir, history)
    big = " and ".join(shown for e, shown in (("duckdb", "DuckDB"), ("pandas", "pandas")) if e in checked_on)
    small = "csctl against DuckDB and pandas on the small files: edge cases, a small generated file, sample_data"
    text.append(
        "Correctness ("
        + "; ".join(
            [f"csctl against {big} on every file above" if big else "no benchmark file checked"]
            + ([] if a.no_small else [small])
        )
        + "): "
        + ("every bridge column agrees to the cent.\n" if not problems else f"**{len(problems)} MISMATCH(ES)**.\n")
    )
    report = "\n".join(text)
    print(report)
    (BENCH_DIR / "results.md").write_text(report, encoding="utf-8")
    if problems:
        say("\n" + "!" * 100 + "\nCORRECTNESS MISMATCH:")
        for p in problems[:60]:
            say(f"  {p}")
        if len(problems) > 60:
            say(f"  … and {len(problems) - 60} more")
        say("!" * 100)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
