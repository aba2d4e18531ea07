"""Rich tables for a terminal (or -f table): every table of the result, nothing truncated.

A table too wide for the width is shown transposed (one column per record), in as many blocks as it takes.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from csctl.render.safe import terminal
from csctl.render.values import display_rows, numeric
from csctl.result import Result, Table


def _block(title: str, headers: list[str], rows: list[list[str]], right: list[bool]) -> RichTable:
    rich = RichTable(
        title=Text(terminal(title)), box=box.SIMPLE_HEAD, title_justify="left", title_style="bold", show_edge=False
    )
    for header, align_right in zip(headers, right, strict=True):
        rich.add_column(Text(terminal(header)), justify="right" if align_right else "left", overflow="fold")
    for row in rows:
        rich.add_row(*(Text(terminal(cell)) for cell in row))  # data is never read as Rich markup
    return rich


def _fits(headers: list[str], rows: list[list[str]], width: int) -> bool:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    return sum(widths) + 3 * len(widths) <= width


def _render_table(console: Console, table: Table, currency: str, width: int) -> None:
    headers, rows = display_rows(table, currency)
    if not rows:
        console.print(Text(terminal(f"{table.title}: no rows"), style="dim"))
        return
    if _fits(headers, rows, width) or len(headers) <= 6:
        right = [numeric(table, h) for h in headers]
        console.print(_block(table.title, headers, rows, right))
        return
    # transposed: field names down the side, one column per record, in blocks that fit the width
    label_width = max(len(h) for h in headers[1:])
    cell_width = max(max(len(c) for c in row) for row in rows)
    per_block = max(1, (width - label_width - 3) // (cell_width + 3))
    for start in range(0, len(rows), per_block):
        chunk = rows[start : start + per_block]
        t_headers = [headers[0], *(row[0] for row in chunk)]
        t_rows = [[headers[i], *(row[i] for row in chunk)] for i in range(1, len(headers))]
        title = table.title if start == 0 else f"{table.title} (continued)"
        console.print(_block(title, t_headers, t_rows, [False, *([True] * len(chunk))]))


def render(result: Result, *, width: int | None = None, color: bool = False, **_: object) -> bytes:
    buffer = io.StringIO()
    width = width or 120
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False)
    console.print(Text(terminal(result.title), style="bold"))
    meta = ", ".join(f"{k.replace('_', '-')} {v}" for k, v in result.meta.items() if v is not None)
    if meta:
        console.print(Text(terminal(meta), style="dim"))
    console.print()
    order = result.display_order()
    for name in order:
        _render_table(console, result.tables[name], result.currency, width)
        console.print()
    for note in [*result.warnings, *result.notes]:
        console.print(Text(terminal(f"• {note}")))
    if result.explain and result.definitions:
        console.print()
        console.print(Text("How each figure is measured", style="bold"))
        for name, definition in result.definitions.items():
            console.print(Text.assemble((f"{terminal(name)}: ", "bold"), terminal(definition)))
    return buffer.getvalue().encode("utf-8")
