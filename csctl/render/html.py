"""HTML: the whole result as one self-contained page (inline CSS, charts as inline SVG, nothing fetched)."""

from __future__ import annotations

from markupsafe import Markup

from csctl.render.markdown import environment
from csctl.render.svg import chart_svg
from csctl.render.values import display_rows, numeric, table_parts
from csctl.result import Result


def render(result: Result, **_: object) -> bytes:
    tables = []
    for name in result.display_order():
        table = result.tables[name]
        headers, rows = display_rows(table, result.currency, labels=True)
        right = [numeric(table, h) for h in headers]
        tables.append(
            {
                "title": table.title or name,
                "headers": headers,
                "numeric": right,
                "rows": rows,
                "parts": table_parts(headers, right, rows),
            }
        )
    charts = [
        {
            "title": c.title,
            "caption": c.caption,
            "image": Markup(
                chart_svg(c, c.frame if c.frame is not None else result.tables[c.table].frame, result.currency)
            ),
        }
        for c in result.charts
        if c.frame is not None or c.table in result.tables
    ]
    text = (
        environment(html=True)
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
