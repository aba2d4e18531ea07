"""Benchmark `csctl numbers --view bridge` against a Polars parse, DuckDB and pandas; check its numbers.

    python bench/bench_numbers.py [--lines 1000000] [--keep DIR] [--runs 3] [--fresh]

1. Makes a ~--lines canonical billing export with `csctl sample --customers N --months M --seed 7 -o DIR`
   (N calibrated on a small run), falling back to bench/gen_billing.py only when `csctl sample` fails.
   The file is cached in --keep DIR (default: $TMPDIR/csctl-bench) and reused unless --fresh.
2. Times each command in its own subprocess, best of --runs wall-clock runs (csctl --help: best of 5),
   through a tiny wrapper process that reports getrusage(RUSAGE_CHILDREN).ru_maxrss, i.e. the peak RSS of
   that command alone.
3. Checks csctl's bridge CSV against the DuckDB and pandas bridges (and, on small files, the exact
   plain-Python reference) to the cent; any mismatch is printed loudly and makes the exit status 1.
4. Prints a Markdown table and the targets, and writes them to bench/results.md. Targets not met still exit 0.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from bridge_duckdb import BRIDGE_COLUMNS, COUNT_COLUMNS, MONEY_COLUMNS  # noqa: E402

PY = sys.executable
# csctl next to this Python (the venv's bin); CSCTL_BENCH_BIN overrides it (e.g. to try the bench itself)
CSCTL = os.environ.get("CSCTL_BENCH_BIN") or str(Path(sys.executable).parent / "csctl")
SEED = 7
MONTHS = 36
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
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": r.returncode, "wall": wall, "maxrss_kib": rss,
                  "stderr": r.stderr.decode("utf-8", "replace")[-3000:]}))
"""

Rows = list[dict]


@dataclass
class Measure:
    name: str
    command: str
    walls: list[float] = field(default_factory=list)
    rss_kib: int = 0
    error: str = ""

    @property
    def best(self) -> float:
        return min(self.walls) if self.walls else math.nan


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def measure(name: str, argv: list[str], runs: int, cwd: Path, shown: str) -> Measure:
    m = Measure(name, shown)
    for i in range(runs):
        r = subprocess.run(
            [PY, "-c", WRAPPER, "-", *argv], cwd=cwd, capture_output=True, text=True, timeout=900, check=False
        )
        if r.returncode != 0:
            m.error = f"wrapper failed: {r.stderr[-2000:]}"
            break
        res = json.loads(r.stdout.strip().splitlines()[-1])
        if res["rc"] != 0:
            m.error = f"exit {res['rc']}: {res['stderr'].strip()[-2000:]}"
            break
        m.walls.append(res["wall"])
        m.rss_kib = max(m.rss_kib, int(res["maxrss_kib"]))
        say(f"  {name} run {i + 1}: {res['wall']:.3f} s, {res['maxrss_kib'] / 1024:.0f} MiB")
    return m


# ----------------------------------------------------------------------------------------------------
# data


def count_lines(path: Path) -> int:
    n = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            n += chunk.count(b"\n")
    return max(0, n - 1)  # without the header


def csctl_works(*args: str) -> bool:
    if not Path(CSCTL).exists():
        return False
    try:
        r = subprocess.run([CSCTL, *args], capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def make_billing(source: str, customers: int, months: int, out_dir: Path) -> Path:
    """Write out_dir/billing.csv with `csctl sample` or the fallback generator; raise on failure."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    if source == "csctl sample":
        argv = [CSCTL, "sample", "--customers", str(customers), "--months", str(months), "--seed", str(SEED)]
        cmd = [*argv, "-o", str(out_dir)]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
        if r.returncode != 0 or not (out_dir / "billing.csv").exists():
            raise RuntimeError(f"csctl sample failed (exit {r.returncode}): {r.stderr.strip()[-1500:]}")
    else:
        import gen_billing

        gen_billing.write(customers, months, SEED, out_dir)
    return out_dir / "billing.csv"


def get_benchmark_file(target: int, cache: Path, fresh: bool) -> tuple[Path, str, int]:
    """(billing.csv with ~target lines, source, customers); cached under cache/ by source and size."""
    sources = ["csctl sample", "fallback generator"] if csctl_works("sample", "--help") else []
    sources = sources or ["fallback generator"]
    for source in sources:
        tag = "csctl" if source == "csctl sample" else "fallback"
        meta_path = cache / f"{tag}-{target}.json"
        if meta_path.exists() and not fresh:
            meta = json.loads(meta_path.read_text())
            path = Path(meta["path"])
            if path.exists() and path.stat().st_size == meta["size"]:
                say(f"using cached {path} ({meta['lines']:,} lines, {source})")
                return path, source, meta["customers"]
        try:
            # calibrate lines per customer on a small run, then scale (one correction if still off by >10%)
            calib_n = 400
            small = make_billing(source, calib_n, MONTHS, cache / f"{tag}-calibrate")
            per_customer = max(count_lines(small) / calib_n, 1e-9)
            customers = max(1, round(target / per_customer))
            for _ in range(2):
                say(f"generating with {source}: --customers {customers} --months {MONTHS} --seed {SEED} …")
                out = cache / f"{tag}-c{customers}-m{MONTHS}-s{SEED}"
                path = make_billing(source, customers, MONTHS, out)
                lines = count_lines(path)
                if abs(lines - target) <= 0.1 * target:
                    break
                customers = max(1, round(customers * target / max(lines, 1)))
        except Exception as e:  # a failing `csctl sample` → the fallback generator
            say(f"!! {source} did not work: {e}")
            continue
        meta = {"path": str(path), "size": path.stat().st_size, "lines": lines, "customers": customers}
        meta_path.write_text(json.dumps(meta))
        say(f"wrote {path} ({lines:,} lines)")
        return path, source, customers
    raise SystemExit("could not generate a billing file")


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


# ----------------------------------------------------------------------------------------------------
# correctness


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


def run_bridge(impl: str, path: Path, out_json: Path) -> list[str]:
    """argv of a Python process that computes one bench bridge and writes it as JSON."""
    code = (
        f"import json, sys; sys.path.insert(0, {str(BENCH_DIR)!r}); "
        f"from bridge_{impl} import bridge_{impl} as f; "
        f"json.dump(f({str(path)!r}), open({str(out_json)!r}, 'w'))"
    )
    return [PY, "-c", code]


def csctl_bridge(path: Path, cwd: Path) -> tuple[Rows | None, str]:
    r = subprocess.run(
        [CSCTL, "numbers", str(path), "--view", "bridge", "-f", "csv"],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=900,
        check=False,
    )
    if r.returncode != 0:
        return None, f"csctl numbers exit {r.returncode}: {r.stderr.strip()[-1500:]}"
    header = next(csv.reader(io.StringIO(r.stdout)), [])
    missing = [c for c in BRIDGE_COLUMNS if c not in header]
    if missing:
        return None, f"csctl bridge CSV lacks columns {missing}; header: {header}"
    return parse_bridge_csv(r.stdout), ""


def currencies_in(path: Path) -> list[str]:
    import duckdb

    sql = "SELECT DISTINCT currency FROM read_csv($p, header = true, all_varchar = true) WHERE currency <> ''"
    try:
        return sorted(str(r[0]) for r in duckdb.execute(sql, {"p": str(path)}).fetchall())
    except duckdb.Error:  # no currency column
        return []


def check_file(
    *,
    label: str,
    path: Path,
    cwd: Path,
    with_csctl: bool,
    small: bool,
    bench_out: dict,
) -> list[str]:
    """All implementations on one file; bench_out holds results already computed by the timed runs."""
    from bridge_duckdb import bridge_duckdb
    from bridge_pandas import bridge_pandas

    results: dict[str, Rows] = {}
    problems: list[str] = []
    currencies = currencies_in(path)
    if len(currencies) > 1:
        say(f"!! {label} has several currencies {currencies}: the bench bridges add them up unconverted")
    results["duckdb"] = bench_out.get("duckdb") or bridge_duckdb(str(path))
    results["pandas"] = bench_out.get("pandas") or bridge_pandas(str(path))
    if small:
        from bridge_reference import bridge_reference

        results["reference"] = bridge_reference(str(path))
    if with_csctl:
        rows, err = csctl_bridge(path, cwd)
        if rows is None:
            problems.append(f"csctl on {label}: {err}")
        else:
            results["csctl"] = rows
    for name, rows in results.items():
        problems += consistency_problems(f"{name} on {label}:", rows)
    names = list(results)
    base = "csctl" if "csctl" in results else names[0]
    for other in names:
        if other != base:
            problems += [f"[{label}] {p}" for p in compare(base, results[base], other, results[other])]
    say(f"checked {label}: {', '.join(names)}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
    return problems


# ----------------------------------------------------------------------------------------------------
# report


def fmt(x: float, spec: str) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def report(
    *, measures: dict[str, Measure], path: Path, lines: int, source: str, customers: int, csctl_ready: bool
) -> str:
    size = path.stat().st_size
    base = measures["baseline"].best
    out = [
        "# csctl numbers benchmark",
        "",
        f"- file: {lines:,} invoice lines, {size / 2**20:.1f} MiB, made by {source} "
        f"(`--customers {customers} --months {MONTHS} --seed {SEED}`)",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"- versions: {versions()}",
        "- load average (1 min) when done: "
        f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (other work on the machine skews the timings)",
        f"- best of {len(measures['baseline'].walls) or '?'} wall-clock runs (`csctl --help`: best of 5); "
        "peak RSS of the command's own process (largest over the runs)",
        "",
        "| command | best wall s | × baseline | peak RSS MiB | RSS × file size |",
        "|---|---:|---:|---:|---:|",
    ]
    for m in measures.values():
        rss = m.rss_kib * 1024
        ok = bool(m.walls)
        out.append(
            f"| {m.command} | {fmt(m.best, '.3f') if ok else 'failed'} | "
            f"{fmt(m.best / base, '.2f') if ok else 'n/a'} | {fmt(rss / 2**20, '.0f') if ok else 'n/a'} | "
            f"{fmt(rss / size, '.2f') if ok else 'n/a'} |"
        )
    for m in measures.values():
        if m.error:
            out.append(f"\n{m.name} failed: `{m.error[:500]}`")
    out += ["", "| target | measured | met |", "|---|---|---|"]
    c = measures.get("csctl")
    h = measures.get("help")
    d, p = measures["duckdb"].best, measures["pandas"].best
    if not csctl_ready or c is None or not c.walls:
        why = "csctl not ready" if not csctl_ready else "csctl numbers failed"
        for t in ["csctl ≤ 1.5× baseline", "csctl faster than DuckDB and pandas", "peak RSS < 2× file size"]:
            out.append(f"| {t} | n/a | n/a ({why}) |")
    else:
        rss = c.rss_kib * 1024
        out += [
            f"| csctl ≤ 1.5× baseline | {c.best / base:.2f}× ({c.best:.3f} s vs {base:.3f} s) | "
            f"{met(c.best <= 1.5 * base)} |",
            f"| csctl faster than DuckDB and pandas | {c.best:.3f} s vs {d:.3f} s, {p:.3f} s | "
            f"{met(c.best < d and c.best < p)} |",
            f"| peak RSS < 2× file size | {rss / size:.2f}× "
            f"({rss / 2**20:.0f} MiB vs {size / 2**20:.0f} MiB) | {met(rss < 2 * size)} |",
        ]
    if h is not None and h.walls:
        out.append(f"| `csctl --help` < 0.2 s | {h.best:.3f} s | {met(h.best < 0.2)} |")
    else:
        out.append("| `csctl --help` < 0.2 s | n/a | n/a (csctl not ready) |")
    return "\n".join(out) + "\n"


def met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for pkg in ["csctl", "polars", "duckdb", "pandas"]:
        try:
            parts.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            parts.append(f"{pkg} not installed")
    return ", ".join(parts)


# ----------------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000, help="target number of invoice lines")
    ap.add_argument("--keep", type=Path, help="where to generate and keep the data (default: a temp dir)")
    ap.add_argument("--runs", type=int, default=3, help="wall-clock runs per command (best is reported)")
    ap.add_argument("--fresh", action="store_true", help="regenerate the data even if cached")
    a = ap.parse_args()

    cache = (a.keep or Path(tempfile.gettempdir()) / "csctl-bench").resolve()
    cache.mkdir(parents=True, exist_ok=True)
    run_dir = cache / "run"  # an empty working directory: no ./csctl.yaml is picked up
    run_dir.mkdir(exist_ok=True)
    os.environ.pop("CSCTL_CONFIG", None)

    csctl_ready = csctl_works("numbers", "--help")
    if not csctl_ready:
        say(f"!! `{CSCTL} numbers --help` does not work: csctl is not ready; measuring the others only")
    path, source, customers = get_benchmark_file(a.lines, cache, a.fresh)
    lines = count_lines(path)

    f = str(path)
    read = f"pl.read_csv({f!r}, columns={PARSE_COLUMNS!r}, try_parse_dates=True)"
    baseline_code = f"import polars as pl; {read}"
    outs = {impl: cache / f"bridge_{impl}.json" for impl in ("duckdb", "pandas")}
    plan: list[tuple[str, list[str], int, str]] = []
    if csctl_ready:
        csctl_argv = [CSCTL, "numbers", f, "--view", "bridge", "-f", "csv"]
        plan.append(("csctl", csctl_argv, a.runs, "`csctl numbers FILE --view bridge -f csv`"))
    plan += [
        (
            "baseline",
            [PY, "-c", baseline_code],
            a.runs,
            "baseline: `pl.read_csv(FILE, columns=…, try_parse_dates)`",
        ),
        ("duckdb", run_bridge("duckdb", path, outs["duckdb"]), a.runs, "`bridge_duckdb(FILE)` (DuckDB SQL)"),
        ("pandas", run_bridge("pandas", path, outs["pandas"]), a.runs, "`bridge_pandas(FILE)` (pandas)"),
    ]
    if csctl_ready:
        plan.append(("help", [CSCTL, "--help"], 5, "`csctl --help`"))
    measures: dict[str, Measure] = {}
    t0 = time.perf_counter()
    for name, argv, runs, shown in plan:
        say(f"measuring {name} …")
        measures[name] = measure(name, argv, runs, run_dir, shown)
    say(f"measured in {time.perf_counter() - t0:.0f} s")

    # correctness: the benchmark file (reusing the timed DuckDB/pandas results) and the small files
    problems: list[str] = []
    for name in ("duckdb", "pandas"):
        if measures[name].error:
            problems.append(f"{name} bridge failed on the benchmark file: {measures[name].error}")
    if not problems:
        bench_out = {impl: json.loads(outs[impl].read_text()) for impl in outs}
        problems += check_file(
            label="benchmark file",
            path=path,
            cwd=run_dir,
            with_csctl=csctl_ready,
            small=False,
            bench_out=bench_out,
        )
    small_dir = cache / "small"
    small_dir.mkdir(exist_ok=True)
    edge = small_dir / "edge_cases.csv"
    edge.write_text(EDGE_CASES, encoding="utf-8")
    small_files = [("edge cases", edge)]
    try:
        small_files.append(("small sample", make_billing(source, 300, 24, small_dir / "sample")))
    except RuntimeError as e:
        problems.append(f"could not make the small sample: {e}")
    committed = BENCH_DIR.parent / "sample_data" / "billing.csv"
    if committed.exists():
        small_files.append(("sample_data/billing.csv", committed))
    for label, p in small_files:
        problems += check_file(
            label=label,
            path=p,
            cwd=run_dir,
            with_csctl=csctl_ready,
            small=True,
            bench_out={},
        )

    text = report(
        measures=measures, path=path, lines=lines, source=source, customers=customers, csctl_ready=csctl_ready
    )
    if not csctl_ready:
        text += "\ncsctl was not ready (`csctl numbers --help` failed): only baseline, DuckDB, pandas ran.\n"
    checked = "csctl, DuckDB, pandas" if csctl_ready else "DuckDB, pandas"
    text += f"\nCorrectness ({checked}; plus the exact reference on small files): " + (
        "all agree to the cent.\n" if not problems else f"**{len(problems)} MISMATCH(ES)**.\n"
    )
    print(text)
    (BENCH_DIR / "results.md").write_text(text, encoding="utf-8")
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
