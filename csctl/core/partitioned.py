"""The numbers of a billing export measured part by part: customers split by a hash of their id.

Every figure of the bridge is a sum over customers (the movements and their counts, eligible MRR and its loss,
the windows' Σ c(a−1), Σ min(c(b), c(a−1)), Σ c(b) and customer counts), so each part is measured by the same
core as a whole export and the parts' sums are the export's. What is decided for the export as a whole comes from
small first passes over the parts: its latest date (the snapshot days), its number of customers and end-day pairs
(exclusive ends), its opening month and longest term (the first complete month). Ratios are recomputed from the
summed parts.

An engine runs the per-part functions: ``LocalEngine`` one after another in this process; csctl/distributed.py's
engines a few at a time in threads of this process, or on a Dask cluster. The functions are module-level, so they
can be sent to another process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import polars as pl

from csctl.core import bridge as br
from csctl.core import mrr as mr
from csctl.core import numbers as nb
from csctl.core.months import label_of
from csctl.core.retention import window_from_sums, window_sums
from csctl.errors import InputError, UsageError

PARTITION_SEED = 20_261_206
VIEWS = ("summary", "bridge", "quarters", "forecast")  # the views built from the bridge and the windows alone


class Engine(Protocol):
    def scatter(self, items: Sequence[Any]) -> list[Any]: ...
    def map(self, fn: Callable[..., Any], items: Sequence[Any], **constants: Any) -> list[Any]: ...
    def gather(self, handles: Sequence[Any]) -> list[Any]: ...


class LocalEngine:
    """Each part in turn, in this process."""

    def scatter(self, items: Sequence[Any]) -> list[Any]:
        return list(items)

    def map(self, fn: Callable[..., Any], items: Sequence[Any], **constants: Any) -> list[Any]:
        return [fn(item, **constants) for item in items]

    def gather(self, handles: Sequence[Any]) -> list[Any]:
        return list(handles)


def part_keys(lines: pl.DataFrame, parts: int, column: str = "customer_id") -> pl.Series:
    """Each line's part: a hash of its customer id modulo ``parts`` (every line of a customer in one part)."""
    return lines.select((pl.col(column).cast(pl.String).hash(PARTITION_SEED) % parts).cast(pl.UInt32)).to_series()


def partition(lines: pl.DataFrame, parts: int, column: str = "customer_id") -> list[pl.DataFrame]:
    """The lines split into ``parts`` by a hash of the customer id (every line of a customer in one part)."""
    key = part_keys(lines, parts, column)
    return [p.drop("__part") for p in lines.with_columns(__part=key).partition_by("__part", maintain_order=True)]


@dataclass(frozen=True)
class PartOf:
    """One part of an export, taken from the whole when a pass needs it and let go after: on one machine the parts
    are measured one (or a few) at a time, so only those parts' lines and arrays are held beside the export's lines."""

    lines: pl.DataFrame
    rows: pl.Series  # the part's rows of ``lines``, in their order

    def load(self) -> pl.DataFrame:
        return self.lines[self.rows]


SPLIT_CHUNK = 8_000_000  # lines ordered by part at a time (a stable sort of each chunk, placed by part)


def split(lines: pl.DataFrame, parts: int) -> list[PartOf]:
    """The export's parts (the same as ``partition``'s), each taken from the lines when measured (see PartOf).

    The rows of each part, in their order, by a counting sort: each chunk of SPLIT_CHUNK lines sorted by part and
    its rows placed after the part's rows of the chunks before. Beside the lines, memory holds the parts' keys and
    the row numbers (2 + 4 bytes a line) and one chunk's sort, not a sort of every line at once."""
    import numpy as np

    keys = part_keys(lines, parts).cast(pl.UInt16 if parts <= 1 << 16 else pl.UInt32).to_numpy()
    counts = np.bincount(keys, minlength=parts)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    order = np.empty(lines.height, dtype=np.uint32 if lines.height < 1 << 32 else np.uint64)
    cursor = bounds[:-1].copy()
    for first in range(0, lines.height, SPLIT_CHUNK):
        chunk = keys[first : first + SPLIT_CHUNK]
        rows = np.argsort(chunk, kind="stable")
        sizes = np.bincount(chunk, minlength=parts)
        at = 0
        for k in np.flatnonzero(sizes):
            n = int(sizes[k])
            order[cursor[k] : cursor[k] + n] = rows[at : at + n] + first
            cursor[k] += n
            at += n
    del keys
    cut = bounds.tolist()
    return [PartOf(lines, pl.Series(order[cut[k] : cut[k + 1]])) for k in range(parts)]


def _lines(part: pl.DataFrame | PartOf) -> pl.DataFrame:
    return part.load() if isinstance(part, PartOf) else part


@dataclass
class PartSummary:
    """What the export-wide decisions need from one part."""

    opening: int | None  # its first month with MRR (c > 0) up to the as-of month
    opening_balance: dict[int, tuple[int, int]]  # month -> (MRR cents, customers), for the opening month's error
    longest_term: int
    tally: mr.BillingTally | None


def part_scan(lines: pl.DataFrame | PartOf, *, rules: mr.BillingRules) -> tuple[int, Any]:
    return mr.billing_scan(_lines(lines).lazy(), rules)


def part_end_pairs(lines: pl.DataFrame | PartOf, *, rules: mr.BillingRules, customers: int) -> tuple[int, int]:
    return mr.billing_end_pairs(_lines(lines).lazy(), rules, customers)


@dataclass
class PartBridge:
    totals: pl.DataFrame  # the bridge's monthly totals (cents and counts), from the part's opening month to as_of
    eligible: pl.DataFrame  # month, eligible_mrr, eligible_lost
    windows: dict[tuple[int, int], tuple[int, int, int, int, int]]  # (base, kept, later, customers, lost)


def part_measure(
    lines: pl.DataFrame | PartOf,
    *,
    rules: mr.BillingRules,
    latest: Any,
    end_pairs: tuple[int, int],
    as_of: int,
    renewals: pl.DataFrame | None,
    windows: list[tuple[int, int]],
) -> tuple[PartSummary, PartBridge | None] | None:
    """One part measured in one pass: its snapshot, what the export-wide decisions need, and its bridge from its
    own opening month (the export's first month is decided after every part is measured; each month's totals
    depend on that month and the one before only, so the months before it are dropped from the sums then)."""
    snapshot = mr.billing_snapshot(_lines(lines).lazy(), rules, latest=latest, end_pairs=end_pairs)
    if snapshot is None:
        return None
    held = snapshot.held.upto(as_of)  # codes throughout, as numbers.measure: no frame of plans is made
    grid = br.Grid.of(held, as_of)
    customer_mrr = grid.customer_mrr()
    if customer_mrr.height == 0:
        return PartSummary(None, {}, snapshot.longest_term, snapshot.tally), None
    opening = int(customer_mrr["month"].min())  # type: ignore[arg-type]
    summary = PartSummary(
        opening, {opening: nb._opening_balance(customer_mrr, opening)}, snapshot.longest_term, snapshot.tally
    )
    if renewals is not None:  # the part's customers only (Categorical ids: compare as text)
        ids = customer_mrr.get_column("customer_id").cast(pl.String).unique()
        renewals = renewals.filter(pl.col("customer_id").cast(pl.String).is_in(ids.implode()))
    _, totals, eligible = nb._movements(
        snapshot, None, None, None if renewals is None else renewals.lazy(), opening, as_of, grid, held
    )
    return summary, PartBridge(
        totals.collect(), eligible.collect(), {(a, b): window_sums(customer_mrr, a, b) for a, b in windows}
    )


def measure_partitioned(
    parts: Sequence[pl.DataFrame | PartOf],
    customers: pl.DataFrame | None,
    settings: nb.NumbersSettings,
    engine: Engine | None = None,
    whole: pl.DataFrame | None = None,
) -> nb.Measured:
    """Measure billing lines split by customer (see ``partition`` and ``split``): the same figures as
    ``numbers.measure`` on the whole export, for the views built from the bridge and the windows (summary, bridge
    by month, quarters, forecast). What is decided for the export as a whole (its latest date, its customers and
    end-day pairs) comes from ``whole``, the lines the parts are of, in one pass (the parts' lines when they are
    PartOf them); without it, from two passes over the parts. Then each part is measured whole (``part_measure``);
    only the parts' sums are kept."""
    engine = engine or LocalEngine()
    rules = settings.billing
    first = parts[0] if parts else None
    if (
        whole is None
        and isinstance(first, PartOf)
        and all(isinstance(p, PartOf) and p.lines is first.lines for p in parts)
    ):
        whole = first.lines
    handles = engine.scatter(list(parts))
    end_pairs: tuple[int, int] | None = None
    if whole is not None:
        n_customers, last_start, end_pairs = mr.billing_facts(whole, rules)
        dates = [] if last_start is None else [last_start]
    else:
        scans = engine.gather(engine.map(part_scan, handles, rules=rules))
        dates = [latest for _, latest in scans if latest is not None]
        n_customers = sum(n for n, _ in scans)
    if not dates:
        raise InputError(f"no billing line counts: every line's status is one of {', '.join(rules.exclude_statuses)}")
    latest = max(dates)
    if end_pairs is None:
        pairs = engine.gather(engine.map(part_end_pairs, handles, rules=rules, customers=n_customers))
        end_pairs = (sum(p[0] for p in pairs), sum(p[1] for p in pairs))

    shape = mr._empty_snapshot(latest, [], None)  # the export's latest date and month in progress, no rows
    info: list[str] = []
    as_of, progress_note = nb._as_of(shape, settings, info)
    windows = [(as_of - 2, as_of), (as_of - 11, as_of)]
    found = nb._renewals(None if customers is None else customers.lazy())
    renewals = None if found is None else found.collect()
    measured = [
        m
        for m in engine.gather(
            engine.map(
                part_measure,
                handles,
                rules=rules,
                latest=latest,
                end_pairs=end_pairs,
                as_of=as_of,
                renewals=renewals,
                windows=windows,
            )
        )
        if m is not None
    ]
    summaries = [s for s, _ in measured]
    tally = mr.BillingTally()
    for s in summaries:
        if s.tally is not None:
            tally = tally + s.tally
    tally.shared, tally.adjacent = end_pairs  # the export's, which every part was given
    info[:0] = mr.billing_notes(tally, tuple(rules.exclude_statuses))
    openings = [s.opening for s in summaries if s.opening is not None]
    if not openings:
        raise InputError(
            f"no MRR in or before the as-of month {label_of(as_of)}",
            hint=None
            if shape.in_progress is None
            else f"the export's latest date is {latest.isoformat()}: --as-of {label_of(shape.in_progress)} measures "
            "the month in progress",
        )
    opening = min(openings)
    balance = [s.opening_balance.get(opening, (0, 0)) for s in summaries]
    longest = max(s.longest_term for s in summaries)
    first_month, complete_from = nb._months(
        "billing", rules, opening, longest, as_of, (sum(b[0] for b in balance), sum(b[1] for b in balance))
    )
    parts_out = [b for _, b in measured if b is not None]
    money = ["mrr_start", *br.MOVEMENTS, "mrr_end", "retained_mrr"]
    totals = (
        pl.concat([p.totals for p in parts_out], how="vertical")
        .filter(pl.col("month") >= first_month)
        .group_by("month")
        .agg(pl.col([*money, *br.COUNTS]).sum())
        .sort("month")
    )
    eligible = (
        pl.concat([p.eligible for p in parts_out], how="vertical")
        .filter(pl.col("month") >= first_month)
        .group_by("month")
        .agg(pl.all().sum())
    )
    sums = {w: tuple(sum(p.windows[w][i] for p in parts_out) for i in range(5)) for w in windows}
    empty_plans = pl.DataFrame(schema=mr.PLAN_SCHEMA)
    customer_mrr = pl.DataFrame(schema={"customer_id": pl.Categorical, "month": pl.Int32, "mrr": pl.Int64})
    return nb.Measured(
        as_of,
        first_month,
        empty_plans,
        customer_mrr,
        None,
        nb._with_eligible(totals.lazy(), eligible.lazy()),
        [],
        opening_month=opening if complete_from is not None else None,
        complete_from=complete_from,
        info=info,
        progress_note=progress_note,
        windows={w: window_from_sums(*w, s) for w, s in sums.items()},
    )


def in_parts(view: str, period: str) -> bool:
    """Whether a view is made of the bridge's sums and windows alone, so that it can be measured in parts."""
    return view in VIEWS and (view != "bridge" or period == "month")


def check_view(view: str, period: str) -> None:
    """A partitioned run measures the bridge and its windows, not each customer's rows."""
    if not in_parts(view, period):
        raise UsageError(
            f"--partitions measures the views {', '.join(VIEWS)} (the bridge by month); not --view {view}"
            + (f" --period {period}" if view == "bridge" else ""),
            hint="run it without --partitions",
        )
