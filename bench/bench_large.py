"""`make bench-100m`: `csctl numbers --view bridge` on a billing export of 100M lines, made on the fly; run by hand.

    python bench/bench_large.py [--lines 100000000] [--keep DIR] [--skip-parse] [--limit-gib 8]

1. Makes the export with bench/gen_billing.py chunk by chunk (``write_chunked``: the memory of one chunk, not of the
   file) in a temporary folder removed afterwards (about 9 GB of CSV and 15 minutes for 100M lines); ``--keep DIR``
   keeps it there and reuses it.
2. Runs, each once in its own process with the same wrapper as bench/bench_numbers.py (wall, CPU = user + system,
   peak RSS): the parse-only Polars read of the seven columns (``--skip-parse`` leaves it out: it holds the whole
   file, about 12 GB at 100M lines) and `csctl numbers FILE --view bridge -f csv`.
3. Checks csctl's bridge: every month's mrr_end = mrr_start + movements, each month's start = the previous end, the
   customer counts add up (the 1M and 10M files of `make bench` are checked against DuckDB to the cent; DuckDB on
   100M lines would need about 60 GB).
4. Prints a table and writes bench/results-100m.md. Exit 1 when a check fails or the peak RSS is over --limit-gib.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from bench_numbers import (  # noqa: E402
    LINES_PER_CUSTOMER,
    MONTHS,
    PARSE_COLUMNS,
    PY,
    SEED,
    Command,
    consistency_problems,
    count_lines,
    csctl_argv,
    measure_rounds,
    read_csctl_csv,
    say,
    versions,
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=100_000_000, help="invoice lines of the export (about)")
    ap.add_argument("--keep", type=Path, help="make (or reuse) the export in this folder and keep it")
    ap.add_argument("--skip-parse", action="store_true", help="leave out the parse-only read")
    ap.add_argument("--limit-gib", type=float, default=8.0, help="csctl's peak RSS target")
    a = ap.parse_args()

    import gen_billing

    folder = a.keep.resolve() if a.keep else Path(tempfile.mkdtemp(prefix="csctl-bench-large-"))
    try:
        path = folder / "billing.csv"
        customers = max(1, round(a.lines / LINES_PER_CUSTOMER))
        if not path.exists():
            t = time.perf_counter()
            say(f"making {path} ({customers:,} customers, {MONTHS} months) …")
            gen_billing.write_chunked(customers, MONTHS, SEED, folder)
            say(f"  made in {time.perf_counter() - t:.0f} s")
        lines = count_lines(path)
        size = path.stat().st_size
        say(f"{lines:,} lines, {size / 1e9:.2f} GB")
        run_dir = folder / "run"  # an empty working directory: no ./csctl.yaml is picked up
        run_dir.mkdir(exist_ok=True)
        out = folder / "bridge.csv"
        read = f"pl.read_csv({str(path)!r}, columns={PARSE_COLUMNS!r}, try_parse_dates=True)"
        commands = [Command("csctl", "`csctl numbers FILE --view bridge -f csv`", csctl_argv(path), str(out))]
        if not a.skip_parse:
            commands.insert(
                0, Command("parse", "parse-only (Polars, 7 columns)", [PY, "-c", f"import polars as pl; {read}"])
            )
        measures = measure_rounds(commands, 1, run_dir)
        problems = [f"{m.command.name}: {m.error}" for m in measures.values() if m.error]
        rows, err = (None, "") if measures["csctl"].error else read_csctl_csv(out.read_text())
        if err:
            problems.append(err)
        if rows is not None:
            problems += consistency_problems(f"{lines:,} lines", rows)
        csctl = measures["csctl"]
        peak = csctl.rss_kib / (1 << 20)
        if peak > a.limit_gib:
            problems.append(f"csctl's peak RSS {peak:.2f} GiB is over {a.limit_gib:g} GiB")
        text = [
            "# csctl numbers on 100M lines (`make bench-100m`)",
            "",
            f"- {time.strftime('%Y-%m-%d')}: {versions()}; one run each, in its own process",
            f"- the export: {lines:,} invoice lines of {customers:,} customers over {MONTHS} months, "
            f"{size / 1e9:.2f} GB (bench/gen_billing.py, made on the fly{'' if a.keep else ' and removed'})",
            "",
            "| command | wall s | CPU s | peak RSS GiB | RSS × file size |",
            "|---|---:|---:|---:|---:|",
        ]
        for m in measures.values():
            gib = m.rss_kib / (1 << 20)
            text.append(
                f"| {m.command.shown} | {m.wall:.1f} | {m.cpu:.1f} | {gib:.2f} | {m.rss_kib * 1024 / size:.2f}× |"
            )
        text += [
            "",
            f"Target: csctl under {a.limit_gib:g} GiB of RSS: **{'met' if peak <= a.limit_gib else 'NOT met'}** "
            f"({peak:.2f} GiB).",
            "Bridge checks (mrr_end = mrr_start + movements, continuity, customer counts): "
            + (f"every month of {len(rows)} holds." if rows is not None and not problems else f"{problems}"),
            "",
        ]
        report = "\n".join(text)
        print(report)
        (BENCH_DIR / "results-100m.md").write_text(report, encoding="utf-8")
        return 1 if problems else 0
    finally:
        if not a.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
