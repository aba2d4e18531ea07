"""`make bench-report`: `csctl report` on the sample company at 50,000 customers; run by hand.

    python bench/bench_report.py [--customers 50000] [--rounds 3] [--keep DIR] [--old-tree DIR] [--limit-s 60]

1. Makes the workspace with `csctl sample -o DIR --customers N` (its exports and csctl.yaml; about 2 minutes and
   1.1M billing lines, 3.3M usage rows at 50,000 customers) in a temporary folder removed afterwards; ``--keep DIR``
   keeps it there and reuses it.
2. Runs `csctl report -c DIR/csctl.yaml -o OUT` ``--rounds`` times, each in its own process with the wrapper of
   bench/bench_numbers.py (wall, CPU = user + system, peak RSS); with ``--old-tree``, an earlier checkout's report
   in the same rounds, the order rotated by one each round (paired).
3. Checks that every round wrote the same four files byte for byte, the workbook's creation time aside (the
   determinism the issue asks for).
4. Prints a table and writes bench/results-report.md. Exit 1 when a check fails or the median wall time of this
   checkout's report is over --limit-s.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from bench_numbers import CSCTL, Command, Measure, csctl_command, measure_rounds, say  # noqa: E402

FILES = ("assessment.md", "assessment.xlsx", "assessment.html", "plan.yaml")


def report_argv(workspace: Path, out: Path, tree: Path | None) -> list[str]:
    return csctl_command(["report", "-c", str(workspace / "csctl.yaml"), "-o", str(out)], tree)


CORE_TIMES = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")  # the workbook's own clock


def digest(folder: Path) -> dict[str, str]:
    """Each file's SHA-256; a workbook's over its members, its creation time left out."""
    found = {}
    for name in FILES:
        if name.endswith(".xlsx"):
            with zipfile.ZipFile(folder / name) as book:
                data = b"".join(CORE_TIMES.sub(b"", book.read(member)) for member in sorted(book.namelist()))
        else:
            data = (folder / name).read_bytes()
        found[name] = hashlib.sha256(data).hexdigest()
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="make (or reuse) the workspace in this folder and keep it")
    ap.add_argument("--old-tree", type=Path, help="an earlier checkout of csctl, measured in the same rounds")
    ap.add_argument("--limit-s", type=float, default=60.0, help="the target for this checkout's median wall time")
    a = ap.parse_args()

    folder = a.keep.resolve() if a.keep else Path(tempfile.mkdtemp(prefix="csctl-bench-report-"))
    try:
        workspace = folder / f"sample-{a.customers}"
        if not (workspace / "csctl.yaml").exists():
            t = time.perf_counter()
            say(f"making {workspace} ({a.customers:,} customers) …")
            subprocess.run([CSCTL, "sample", "-o", str(workspace), "--customers", str(a.customers)], check=True)
            say(f"  made in {time.perf_counter() - t:.0f} s")
        commands = [Command("csctl", "`csctl report` (this checkout)", report_argv(workspace, folder / "out", None))]
        if a.old_tree:
            old = report_argv(workspace, folder / "out-old", a.old_tree.resolve())
            commands.append(Command("old", f"`csctl report` ({a.old_tree})", old))
        digests: list[dict[str, str]] = []
        measures: dict[str, Measure] = {}
        for r in range(a.rounds):  # one round at a time, to compare each round's files
            k = r % len(commands)
            for name, m in measure_rounds(commands[k:] + commands[:k], 1, folder).items():
                if name in measures:
                    measures[name].walls += m.walls
                    measures[name].cpus += m.cpus
                    measures[name].rss_kib = max(measures[name].rss_kib, m.rss_kib)
                    measures[name].error = measures[name].error or m.error
                else:
                    measures[name] = m
            if not measures["csctl"].error:
                digests.append(digest(folder / "out"))
        problems = [f"{m.command.name}: {m.error}" for m in measures.values() if m.error]
        if any(d != digests[0] for d in digests[1:]):
            problems.append("the report's files differ between rounds")
        lines = [
            "# csctl report benchmark",
            "",
            f"- `make bench-report`: `csctl sample --customers {a.customers}` (the sample company), then `csctl report`"
            f" {a.rounds} times, each in its own process; wall and CPU (user + system) are medians, peak RSS the"
            " largest",
            "",
            "| command | wall s | CPU s | peak RSS MiB |",
            "|---|---:|---:|---:|",
        ]
        for m in measures.values():
            lines.append(f"| {m.command.shown} | {m.wall:.1f} | {m.cpu:.1f} | {m.rss_kib / 1024:,.0f} |")
        own = measures["csctl"]
        met = not own.error and own.wall < a.limit_s
        lines += [
            "",
            f"Target: under {a.limit_s:.0f} s wall: {'met' if met else '**not met**'} ({own.wall:.1f} s).",
            f"Determinism: the four files of the {len(digests)} rounds are "
            + ("identical byte for byte." if len(set(map(str, digests))) == 1 else "**not** identical."),
        ]
        text = "\n".join(lines) + "\n"
        print(text)
        (BENCH_DIR / "results-report.md").write_text(text, encoding="utf-8")
        for problem in problems:
            say(f"!! {problem}")
        return 0 if met and not problems else 1
    finally:
        if not a.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
