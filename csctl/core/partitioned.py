"""The numbers of a billing export measured part by part: customers split by a hash of their id.

Every figure of the bridge is a sum over customers (the movements and their counts, eligible MRR and its loss,
the windows' Σ c(a−1), Σ min(c(b), c(a−1)), Σ c(b) and customer counts), so each part is measured by the same
core as a whole export and the parts' sums are the export's. What is decided for the export as a whole comes from
small first passes over the parts: its latest date (the snapshot days), its number of customers and end-day pairs
(exclusive ends), its opening month and longest term (the first complete month). Ratios are recomputed from the
summed parts.

An engine runs the per-part functions: ``LocalEngine`` one after another in this process; csctl/distributed.py
the same functions on a Dask cluster. The functions are module-level, so they can be sent to another process.
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


def partition(lines: pl.DataFrame, parts: int, column: str = "customer_id") -> list[pl.DataFrame]:
    """The lines split into ``parts`` by a hash of the customer id (every line of a customer in one part)."""
    key = pl.col(column).cast(pl.String).hash(PARTITION_SEED) % parts
    return [p.drop("__part") for p in lines.with_columns(__part=key).partition_by("__part", maintain_order=True)]


@dataclass
class PartSummary:
    """What the export-wide decisions need from one part."""

    opening: int | None  # its first month with MRR (c > 0) up to the as-of month
    opening_balance: dict[int, tuple[int, int]]  # month -> (MRR cents, customers), for the opening month's error
    longest_term: int
    tally: mr.BillingTally | None


def part_scan(lines: pl.DataFrame, *, rules: mr.BillingRules) -> tuple[int, Any]:
    return mr.billing_scan(lines.lazy(), rules)


def part_end_pairs(lines: pl.DataFrame, *, rules: mr.BillingRules, customers: int) -> tuple[int, int]:
    return mr.billing_end_pairs(lines.lazy(), rules, customers)


def part_snapshot(lines: pl.DataFrame, *, rules: mr.BillingRules, latest: Any, end_pairs: tuple[int, int]) -> Any:
    return mr.billing_snapshot(lines.lazy(), rules, latest=latest, end_pairs=end_pairs)


def _customer_mrr(snapshot: mr.Snapshot, as_of: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    plans = snapshot.plans.filter(pl.col("month") <= as_of)
    credits = snapshot.credits.filter(pl.col("month") <= as_of)
    return plans, credits, br.customer_monthly(plans.lazy(), credits.lazy()).collect()


def part_summary(snapshot: mr.Snapshot | None, *, as_of: int) -> PartSummary | None:
    if snapshot is None:
        return None
    _, _, customer_mrr = _customer_mrr(snapshot, as_of)
    opening = None if customer_mrr.height == 0 else int(customer_mrr["month"].min())  # type: ignore[arg-type]
    balance = {} if opening is None else {opening: nb._opening_balance(customer_mrr, opening)}
    return PartSummary(opening, balance, snapshot.longest_term, snapshot.tally)


@dataclass
class PartBridge:
    totals: pl.DataFrame  # the bridge's monthly totals (cents and counts), first_month … as_of
    eligible: pl.DataFrame  # month, eligible_mrr, eligible_lost
    windows: dict[tuple[int, int], tuple[int, int, int, int, int]]  # (base, kept, later, customers, lost)


def part_bridge(
    snapshot: mr.Snapshot | None,
    *,
    renewals: pl.DataFrame | None,
    first_month: int,
    as_of: int,
    windows: list[tuple[int, int]],
) -> PartBridge | None:
    if snapshot is None:
        return None
    plans, credits, customer_mrr = _customer_mrr(snapshot, as_of)
    if customer_mrr.height == 0:
        return None
    if renewals is not None:  # the part's customers only (Categorical ids: compare as text)
        ids = customer_mrr.get_column("customer_id").cast(pl.String).unique()
        renewals = renewals.filter(pl.col("customer_id").cast(pl.String).is_in(ids.implode()))
    _, totals, eligible = nb._movements(
        snapshot, plans, credits, None if renewals is None else renewals.lazy(), first_month, as_of
    )
    return PartBridge(
        totals.collect(),
        eligible.collect(),
        {(a, b): window_sums(customer_mrr, a, b) for a, b in windows},
    )


def measure_partitioned(
    parts: Sequence[pl.DataFrame],
    customers: pl.DataFrame | None,
    settings: nb.NumbersSettings,
    engine: Engine | None = None,
) -> nb.Measured:
    """Measure billing lines split by customer (see ``partition``): the same figures as ``numbers.measure`` on
    the whole export, for the views built from the bridge and the windows (summary, bridge by month, quarters,
    forecast)."""
    engine = engine or LocalEngine()
    rules = settings.billing
    handles = engine.scatter(list(parts))
    scans = engine.gather(engine.map(part_scan, handles, rules=rules))
    dates = [latest for _, latest in scans if latest is not None]
    if not dates:
        raise InputError(f"no billing line counts: every line's status is one of {', '.join(rules.exclude_statuses)}")
    latest = max(dates)
    n_customers = sum(n for n, _ in scans)
    pairs = engine.gather(engine.map(part_end_pairs, handles, rules=rules, customers=n_customers))
    end_pairs = (sum(p[0] for p in pairs), sum(p[1] for p in pairs))
    snapshots = engine.map(part_snapshot, handles, rules=rules, latest=latest, end_pairs=end_pairs)

    shape = mr._empty_snapshot(latest, [], None)  # the export's latest date and month in progress, no rows
    info: list[str] = []
    as_of, progress_note = nb._as_of(shape, settings, info)
    summaries = [s for s in engine.gather(engine.map(part_summary, snapshots, as_of=as_of)) if s is not None]
    tally = mr.BillingTally()
    for s in summaries:
        if s.tally is not None:
            tally = tally + s.tally
    tally.shared, tally.adjacent = end_pairs  # the export's, which every part was given
    info[:0] = mr.billing_notes(tally, tuple(rules.exclude_statuses))
    openings = [s.opening for s in summaries if s.opening is not None]
    if not openings:
        raise InputError(f"no MRR in or before the as-of month {label_of(as_of)}")
    opening = min(openings)
    balance = [s.opening_balance.get(opening, (0, 0)) for s in summaries]
    longest = max(s.longest_term for s in summaries)
    first_month, complete_from = nb._months(
        "billing", rules, opening, longest, as_of, (sum(b[0] for b in balance), sum(b[1] for b in balance))
    )
    windows = [(as_of - 2, as_of), (as_of - 11, as_of)]
    found = nb._renewals(None if customers is None else customers.lazy())
    renewals = None if found is None else found.collect()
    parts_out = [
        p
        for p in engine.gather(
            engine.map(
                part_bridge,
                snapshots,
                renewals=renewals,
                first_month=first_month,
                as_of=as_of,
                windows=windows,
            )
        )
        if p is not None
    ]
    money = ["mrr_start", *br.MOVEMENTS, "mrr_end", "retained_mrr"]
    totals = (
        pl.concat([p.totals for p in parts_out], how="vertical")
        .group_by("month")
        .agg(pl.col([*money, *br.COUNTS]).sum())
        .sort("month")
    )
    eligible = pl.concat([p.eligible for p in parts_out], how="vertical").group_by("month").agg(pl.all().sum())
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


def check_view(view: str, period: str) -> None:
    """A partitioned run measures the bridge and its windows, not each customer's rows."""
    if view not in VIEWS or (view == "bridge" and period != "month"):
        raise UsageError(
            f"--partitions measures the views {', '.join(VIEWS)} (the bridge by month); not --view {view}"
            + (f" --period {period}" if view == "bridge" else ""),
            hint="run it without --partitions",
        )
