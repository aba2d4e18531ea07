"""One call from an INPUT argument to a validated canonical table."""

from __future__ import annotations

from typing import BinaryIO

from csctl.io.columns import MissingColumns, map_columns, missing_columns_error, resolve
from csctl.io.parse import Canonical, ReadOptions, to_canonical
from csctl.io.read import parse_source, read_raw
from csctl.io.schema import TABLES


def load_table(spec: str, table: str, opts: ReadOptions, stdin: BinaryIO | None = None) -> Canonical:
    """Read INPUT (path, path.xlsx#Sheet or -) as the canonical ``table``."""
    raw = read_raw(parse_source(spec), stdin)
    mapping = resolve(raw.columns, TABLES[table], opts.preset, raw.source.label)
    return to_canonical(raw, TABLES[table], mapping, opts)


REVENUE_COLUMNS = {
    "billing": (
        "customer_id",
        "amount",
        "period_start",
        "period_end",
        "product",
        "plan",
        "quantity",
        "status",
        "currency",
    ),
    "subscriptions": (
        "customer_id",
        "start_date",
        "end_date",
        "mrr",
        "amount",
        "interval",
        "interval_count",
        "product",
        "plan",
        "quantity",
        "currency",
    ),
}


def load_revenue(
    spec: str, kind: str | None, opts: ReadOptions, stdin: BinaryIO | None = None
) -> tuple[str, Canonical]:
    """Billing lines or subscription periods: ``kind`` when given, else detected from the columns."""
    raw = read_raw(parse_source(spec), stdin)
    if kind is not None:
        mapping = resolve(raw.columns, TABLES[kind], opts.preset, raw.source.label)
        return kind, to_canonical(raw, TABLES[kind], mapping, opts, REVENUE_COLUMNS[kind])
    from csctl.config.load import load_preset

    generic = load_preset("generic")
    found = []
    for candidate in ("billing", "subscriptions"):
        try:
            mapping = resolve(raw.columns, TABLES[candidate], opts.preset, raw.source.label)
        except MissingColumns:
            continue
        found.append((candidate, mapping))
    if not found:
        billing = map_columns(raw.columns, TABLES["billing"], generic)
        error = missing_columns_error(raw.columns, TABLES["billing"], billing, raw.source.label)
        error.message += (
            "\n(nor does it have the subscriptions columns customer_id, start_date and mrr or amount; --kind picks one)"
        )
        error.args = (error.message,)
        raise error
    # both fit (a subscription export's dates read as billing periods, say): the one that maps more columns
    kind, mapping = max(found, key=lambda pair: len(pair[1].columns))  # ties: billing, the first
    return kind, to_canonical(raw, TABLES[kind], mapping, opts, REVENUE_COLUMNS[kind])
