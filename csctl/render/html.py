"""HTML: the whole result as one self-contained page (inline CSS, charts as inline SVG, nothing fetched)."""

from __future__ import annotations

import functools

import jinja2
from markupsafe import Markup

from csctl.render.svg import chart_svg
from csctl.render.values import display_rows
from csctl.resources import resource_dir
from csctl.result import Result


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(resource_dir("templates")),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
    )


def render(result: Result, **_: object) -> bytes:
    tables = []
    for name in result.display_order():
        table = result.tables[name]
        headers, rows = display_rows(table, result.currency)
        numeric = [
            table.kind(h) in ("money", "rate", "count", "multiple", "number") or h in table.by_unit for h in headers
        ]
        tables.append({"title": table.title or name, "headers": headers, "numeric": numeric, "rows": rows})
    charts = [
        {"title": c.title, "image": Markup(chart_svg(c, result.tables[c.table].frame, result.currency))}
        for c in result.charts
        if c.table in result.tables
    ]
    text = (
        _environment()
        .get_template("result.html.j2")
        .render(
            title=result.title,
            meta=", ".join(f"{k.replace('_', '-')}: {v}" for k, v in result.meta.items() if v is not None),
            notes=[*result.warnings, *result.notes],
            tables=tables,
            charts=charts,
            definitions=list(result.definitions.items()),
        )
    )
    return text.encode("utf-8")
