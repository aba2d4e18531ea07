"""Markdown: the whole result as a document, from the Jinja2 template templates/result.md.j2."""

from __future__ import annotations

import functools

import jinja2

from csctl.render.safe import markdown
from csctl.render.values import display_rows, numeric
from csctl.resources import resource_dir
from csctl.result import Result, Table


def _escape(cell: str) -> str:
    """Every text from the data or a message, as Markdown that shows the text (csctl.render.safe)."""
    return markdown(cell)


@functools.cache
def environment(html: bool) -> jinja2.Environment:
    """The shipped templates (templates/), StrictUndefined; autoescaped for HTML. Markdown cells are escaped for
    tables by _escape instead."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(resource_dir("templates")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=html,
    )


def _table(table: Table, name: str, currency: str) -> tuple[str, list[str], list[str], list[list[str]]]:
    headers, rows = display_rows(table, currency, labels=True)
    right = [numeric(table, h) for h in headers]
    return (
        _escape(table.title or name),
        [_escape(h) for h in headers],
        ["---:" if n else "---" for n in right],
        [[_escape(c) for c in row] for row in rows],
    )


def render(result: Result, **_: object) -> bytes:
    order = result.display_order()
    text = (
        environment(html=False)
        .get_template("result.md.j2")
        .render(
            result=result,
            title=_escape(result.title),
            meta=_escape(", ".join(f"{k.replace('_', '-')}: {v}" for k, v in result.meta.items() if v is not None)),
            notes=[_escape(n) for n in [*result.warnings, *result.notes]],
            tables=[_table(result.tables[name], name, result.currency) for name in order],
            definitions=[(name, _escape(text)) for name, text in result.definitions.items()],
        )
    )
    return text.encode("utf-8")
