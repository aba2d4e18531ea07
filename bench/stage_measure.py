"""Time the measuring stage alone (the month-end snapshot, movements and bridge of `numbers.measure`), in process.

    python bench/stage_measure.py TREE FILE [--repeat 3]

Reads FILE with TREE's csctl (not timed), then runs TREE's ``numbers.measure`` ``--repeat`` times and prints one
JSON line: the median CPU seconds (process time, all threads) and wall seconds of a measure. TREE is a checkout of
csctl (this one, or an earlier commit for a paired comparison).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree")
    ap.add_argument("file")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    sys.path.insert(0, a.tree)
    from csctl.core import numbers
    from csctl.io.load import load_revenue
    from csctl.io.parse import ReadOptions

    kind, table = load_revenue(a.file, None, ReadOptions())
    fields = {"as_of": None, "today": dt.date.today(), "currency": "USD"}
    try:  # the revised core takes csctl.yaml's billing rules; the pre-revision core has none
        from csctl.core.mrr import BillingRules

        settings = numbers.NumbersSettings(billing=BillingRules(), **fields)  # type: ignore[call-arg]
    except (ImportError, TypeError):
        settings = numbers.NumbersSettings(**fields)
    cpu, wall = [], []
    for _ in range(a.repeat):
        c, w = time.process_time(), time.perf_counter()
        numbers.measure(kind, table.frame.lazy(), None, settings)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    print(json.dumps({"cpu": statistics.median(cpu), "wall": statistics.median(wall)}))


if __name__ == "__main__":
    main()
