"""How csctl reads a file: the facts ``csctl inspect`` shows, ``-v`` prints and every command's JSON carries.

Nothing here is guessed afresh: the table and preset are the ones the commands pick (csctl.io.detect and
csctl.io.columns), and the column facts come from the read itself (Canonical.facts).
"""

from __future__ import annotations

from typing import Any, BinaryIO

from csctl.io.columns import Mapping, candidates
from csctl.io.detect import table_score
from csctl.io.parse import Canonical, ReadOptions, to_canonical
from csctl.io.read import ROW, Raw
from csctl.io.schema import TABLES

REVENUE_TABLES = ("billing", "subscriptions")


def read_facts(canonical: Canonical) -> dict[str, Any]:
    """The facts of one read: the file's, then the table, preset and each column's mapping and parsing."""
    facts = {k: v for k, v in canonical.facts.items() if k not in ("columns", "unmapped", "decimal_comma")}
    mapping = canonical.mapping
    facts.update(
        {
            "table": mapping.table,
            "preset": mapping.preset,
            "preset_runners_up": mapping.runners_up,
            "decimal_mark": "," if canonical.facts.get("decimal_comma") else ".",
            "columns": canonical.facts.get("columns", []),
            "unmapped": canonical.facts.get("unmapped", []),
            "rows": canonical.frame.height,
            "skipped_rows": canonical.skipped,
            "notes": list(canonical.notes),
        }
    )
    return facts


def summary(facts: dict[str, Any]) -> str:
    """One paragraph for -v: how a file was read and which column became which."""
    how = [facts["format"]]
    if facts.get("compression"):
        how.append(str(facts["compression"]))
    if "encoding" in facts:
        how += [str(facts["encoding"]), f"{facts['delimiter']}-delimited"]
    how.append(f"header row {facts['header_row']}")
    if facts.get("date_order"):
        how.append(f"dates {facts['date_order']}")
    if facts.get("decimal_mark") == ",":
        how.append("decimal comma")
    columns = ", ".join(
        f"{c['source']}→{c['canonical']}" + (f" ×{c['scale']:g}" if c["scale"] != 1 else "") for c in facts["columns"]
    )
    text = f"{facts['file']}: {facts['table']} (preset {facts['preset']}; {', '.join(how)}; {facts['rows']:,} rows): "
    text += columns
    if facts["unmapped"]:
        text += f"; unmapped: {', '.join(facts['unmapped'])}"
    return text


def table_candidates(raw: Raw, opts: ReadOptions) -> list[dict[str, Any]]:
    """Every table the export could be read as, best first (the order csctl init classes files by)."""
    found = []
    for order, (table, spec) in enumerate(TABLES.items()):
        ranked = candidates(raw.columns, spec, minor_units=opts.minor_units, overrides=opts.overrides)
        if ranked and ranked[0].complete:
            mapping: Mapping = ranked[0]
            found.append((table_score(mapping), -order, table, mapping.preset))
    found.sort(reverse=True)
    return [{"table": table, "preset": preset, "columns": score} for score, _, table, preset in found]


def inspect(spec: str, table: str | None, opts: ReadOptions, stdin: BinaryIO | None = None, rows: int = 5) -> dict:
    """Read ``spec`` as the commands would (as ``table``, or the table it looks like) and say how."""
    from csctl.errors import InputError
    from csctl.io.load import map_raw, open_raw, revenue_mapping

    raw = open_raw(spec, opts, stdin)
    looks = table_candidates(raw, opts)
    given = table
    if table is None:
        if not looks:
            columns = ", ".join(raw.columns[:12]) + (" …" if len(raw.columns) > 12 else "")
            raise InputError(
                f"{raw.source.label}: its columns match none of csctl's tables ({columns})",
                hint="give --as TABLE to see what is missing for one of them, or --map 'Column=canonical'",
            )
        table = looks[0]["table"]
    if given is None and table in REVENUE_TABLES:
        table, mapping = revenue_mapping(raw, None, opts)  # billing or subscriptions, as the commands decide
    else:
        mapping = map_raw(raw, table, opts)
    canonical = to_canonical(raw, TABLES[table], mapping, opts)
    facts = read_facts(canonical)
    facts["looks_like"] = looks
    shown = [c for c in canonical.frame.columns if c in mapping.columns]
    facts["first_rows"] = [
        {"row": record.pop(ROW), **record} for record in canonical.frame.select(ROW, *shown).head(rows).to_dicts()
    ]
    return facts
