"""One call from an INPUT argument to a validated canonical table."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from csctl.io.columns import Mapping, MissingColumns, candidates, map_columns, missing_columns_error, resolve
from csctl.io.parse import Canonical, ReadOptions, to_canonical
from csctl.io.read import Raw, parse_spec, read_raw
from csctl.io.schema import TABLES


def open_raw(spec: str, opts: ReadOptions, stdin: BinaryIO | None = None, base: Path | None = None) -> Raw:
    return read_raw(parse_spec(spec, base), stdin, opts.header_row)


def map_raw(raw: Raw, table: str, opts: ReadOptions) -> Mapping:
    """The mapping of an opened export onto ``table``; a workbook whose other sheet has the columns says so."""
    try:
        return resolve(
            raw.columns,
            TABLES[table],
            opts.preset,
            raw.source.label,
            minor_units=opts.minor_units,
            overrides=opts.overrides,
        )
    except MissingColumns as exc:
        _suggest_sheet(raw, table, opts, exc)
        raise


def _suggest_sheet(raw: Raw, table: str, opts: ReadOptions, exc: MissingColumns) -> None:
    if raw.format != "excel" or raw.source.path is None or len(raw.sheets) < 2:
        return
    from csctl.errors import InputError

    current = raw.source.sheet or raw.sheets[0]
    for sheet in raw.sheets:
        if sheet == current:
            continue
        try:
            other = read_raw(parse_spec(f"{raw.source.path}#{sheet}", raw.source.base))
        except InputError:
            continue
        ranked = candidates(other.columns, TABLES[table], minor_units=opts.minor_units, overrides=opts.overrides)
        if ranked and ranked[0].complete:
            exc.hint = f"the sheet {sheet!r} has the {table} columns: give '{raw.source.path}#{sheet}'"
            return


def load_table(spec: str, table: str, opts: ReadOptions, stdin: BinaryIO | None = None) -> Canonical:
    """Read INPUT (path, path.xlsx#Sheet, archive.zip#member or -) as the canonical ``table``."""
    raw = open_raw(spec, opts, stdin)
    return to_canonical(raw, TABLES[table], map_raw(raw, table, opts), opts)


# billing's repeating text, as Categorical in a compact read
COMPACT = ("customer_id", "product", "plan", "status", "currency")
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
    spec: str,
    kind: str | None,
    opts: ReadOptions,
    stdin: BinaryIO | None = None,
    *,
    compact: bool = False,
    base: Path | None = None,
) -> tuple[str, Canonical]:
    """Billing lines or subscription periods: ``kind`` when given, else detected from the columns. ``compact``:
    billing's repeating text (COMPACT) as Categorical (for a run that only measures it). ``base``: the folder a
    relative ``spec`` is relative to (a cluster's worker reading the file csctl was given)."""
    raw = open_raw(spec, opts, stdin, base)
    kind, mapping = revenue_mapping(raw, kind, opts)
    keep = COMPACT if compact and kind == "billing" else ()
    return kind, to_canonical(raw, TABLES[kind], mapping, opts, REVENUE_COLUMNS[kind], keep)


def revenue_mapping(raw: Raw, kind: str | None, opts: ReadOptions) -> tuple[str, Mapping]:
    """Which of billing and subscriptions an export is (the one whose mapping tells more), and its mapping."""
    if kind is not None:
        return kind, map_raw(raw, kind, opts)
    from csctl.io.presets import load_preset

    found = []
    for candidate in ("billing", "subscriptions"):
        try:
            mapping = map_raw(raw, candidate, opts)
        except MissingColumns:
            continue
        found.append((candidate, mapping))
    if not found:
        billing = map_columns(raw.columns, TABLES["billing"], load_preset("generic"))
        error = missing_columns_error(raw.columns, TABLES["billing"], billing, raw.source.label)
        error.message += (
            "\n(nor does it have the subscriptions columns customer_id, start_date and mrr or amount; --kind picks one)"
        )
        error.args = (error.message,)
        raise error
    if len(found) > 1:
        from csctl.io.detect import table_score

        found.sort(key=lambda item: -table_score(item[1]))
    return found[0]
