"""An Assessment (csctl report) as plain data for templates: strings, lists and dicts only (safe to hand to a
sandboxed user template).

Cells arrive formatted (money, percentages) exactly as the command's own Markdown shows them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from csctl.metrics import REGISTRY
from csctl.render.values import display_rows, numeric, table_parts
from csctl.units import format_unit

if TYPE_CHECKING:
    from collections.abc import Callable

    from csctl.result import Assessment


# a document (Markdown, HTML) shows a step's list of customers up to this many rows, in the step's order (the
# most urgent or behind first); the workbook's step sheet holds it whole. 11,765 renewals at risk at 50,000
# customers are a list to filter in a sheet, not pages of a document.
DOC_ROWS = 200


def view(
    report: Assessment, chart: Callable[..., str] | None = None, escape: Callable[[str], str] = str
) -> dict[str, Any]:
    """``chart(chart, frame, currency)`` draws a chart for the format (SVG for HTML); ``escape`` prepares cell text."""
    sections = []
    for section in report.sections:
        tables = []
        for block in section.blocks:
            if block.detail:
                continue
            table = block.result.tables[block.table]
            listed = "customer_id" in table.frame.columns  # a list of customers (a series of months stays whole)
            more = max(0, table.frame.height - DOC_ROWS) if listed else 0  # the rest on the step's sheet
            shown = replace(table, frame=table.frame.head(DOC_ROWS)) if more else table
            headers, rows = display_rows(shown, block.result.currency, labels=True)
            right = [numeric(table, h) for h in headers]
            tables.append(
                {
                    "name": block.table,
                    "title": table.title or block.table,
                    "headers": [escape(h) for h in headers],
                    "numeric": right,
                    "rows": [[escape(c) for c in row] for row in rows],
                    "parts": table_parts(
                        [escape(h) for h in headers], right, [[escape(c) for c in row] for row in rows]
                    ),
                    "more": f"{more:,}" if more else "",
                }
            )
        details = [
            {
                "name": b.table,
                "title": b.result.tables[b.table].title or b.table,
                "rows": f"{b.result.tables[b.table].frame.height:,}",
            }
            for b in section.blocks
            if b.detail
        ]
        sections.append(
            {
                "number": section.number,
                "title": escape(section.title),
                "question": escape(section.question),
                "commands": section.commands,
                "answer": escape(section.answer) if section.answer else None,
                "tables": tables,
                "details": details,
                "charts": [
                    {
                        "name": c.name,
                        "title": escape(c.title),
                        "caption": escape(c.caption),
                        "image": chart(c, c.frame, report.currency) if chart and c.frame is not None else "",
                    }
                    for c in section.charts
                ],
                "open_questions": [escape(q) for q in section.open_questions],
                "notes": [escape(n) for n in section.notes],
            }
        )
    summary = [
        {
            "step": section.number,
            "metric": name,
            "label": escape(REGISTRY[name].label),
            "value": escape(format_unit(value, REGISTRY[name].unit, report.currency)),
        }
        for section in report.sections
        for name, value in section.metrics
    ]
    return {
        "company": escape(report.company),
        "as_of": report.as_of,
        "currency": report.currency,
        "created": report.created,
        "sections": sections,
        "summary": summary,
        "open_questions": [{"step": n, "question": escape(q)} for n, q in report.open_questions],
        "pick": escape(str(report.plan["pick"]["option"])) if report.plan else None,
    }
