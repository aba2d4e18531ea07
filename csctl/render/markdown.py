"""Markdown: the whole result as a document (title, headline notes, every table, definitions)."""

from __future__ import annotations

from csctl.render.values import display_rows
from csctl.result import Result, Table


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|").replace("\n", " ")


def _table(table: Table, currency: str) -> list[str]:
    headers, rows = display_rows(table, currency)
    numeric = [table.kind(h) in ("money", "rate", "count", "multiple", "number") or h == "value" for h in headers]
    lines = [
        "| " + " | ".join(_escape(h) for h in headers) + " |",
        "| " + " | ".join("---:" if n else "---" for n in numeric) + " |",
    ]
    lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in rows]
    return lines


def render(result: Result, **_: object) -> bytes:
    out = [f"# {result.title}", ""]
    meta = ", ".join(f"{k.replace('_', '-')}: {v}" for k, v in result.meta.items() if v is not None)
    if meta:
        out += [f"_{meta}_", ""]
    if result.notes:
        out += [f"- {_escape(note)}" for note in result.notes] + [""]
    order = [result.primary, *(n for n in result.tables if n != result.primary)]
    for name in order:
        table = result.tables[name]
        out += [f"## {table.title or name}", ""]
        out += (_table(table, result.currency) if table.frame.height else ["_no rows_"]) + [""]
    if result.definitions:
        out += ["## Definitions", ""]
        out += [f"- **{name}**: {_escape(text)}" for name, text in result.definitions.items()] + [""]
    return "\n".join(out).encode("utf-8")
