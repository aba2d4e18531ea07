"""Rich tables for a terminal (or -f table): every table of the result.

On a terminal (a width is given) a table too wide is cut to the columns that fit, in the table's order, and the
columns left out are named with the flag that shows them (--columns); a long table is cut to --limit rows with a
count of the rest. Tables are never transposed. Without a width (a file or a pipe) nothing is left out.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from csctl.render.safe import terminal
from csctl.render.values import display_rows, label, numeric
from csctl.result import Result, Table

TIME_COLUMNS = ("month", "quarter", "year", "period", "date")
GAP = 3  # what a column takes besides its text: box.SIMPLE_HEAD pads one space each side, and a divider


def _block(title: str, headers: list[str], rows: list[list[str]], right: list[bool]) -> RichTable:
    rich = RichTable(
        title=Text(terminal(title)), box=box.SIMPLE_HEAD, title_justify="left", title_style="bold", show_edge=False
    )
    for header, align_right in zip(headers, right, strict=True):
        rich.add_column(
            Text(terminal(header)), justify="right" if align_right else "left", no_wrap=True, overflow="ellipsis"
        )
    for row in rows:
        rich.add_row(*(Text(terminal(cell)) for cell in row))  # data is never read as Rich markup
    return rich


def _widths(headers: list[str], rows: list[list[str]]) -> list[int]:
    return [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]


def choose(widths: list[int], width: int, order: list[int] | None = None) -> list[int]:
    """The columns that fit in ``width``, in table order: the first of ``order`` (default: the table's order)
    always, then the others in ``order`` while they fit."""
    order = order if order is not None else list(range(len(widths)))
    keep, used = [order[0]], widths[order[0]] + GAP
    for i in order[1:]:
        if used + widths[i] + GAP <= width:
            keep.append(i)
            used += widths[i] + GAP
    return sorted(keep)


def _priority(table: Table, headers: list[str]) -> list[int]:
    """Which columns to keep first: the row's name (a ``label`` column when there is one, else the first), then
    the values shown in each row's unit, then the rest in table order."""
    names = [next((c for c in table.frame.columns if label(c) == h), h) for h in headers]
    first = names.index("label") if "label" in names else 0
    values = [i for i, n in enumerate(names) if n in table.by_unit and "unit" in table.frame.columns and i != first]
    return [first, *values, *(i for i in range(len(names)) if i != first and i not in values)]


def _render_table(
    console: Console, table: Table, currency: str, width: int | None, limit: int | None, columns: list[str] | None
) -> None:
    if columns is not None and not any(c in table.frame.columns for c in columns):
        columns = None  # --columns names none of this table's columns: the table as it is
    headers, rows = display_rows(table, currency, labels=True, columns=columns)
    if not rows:
        console.print(Text(terminal(f"{table.title}: no rows"), style="dim"))
        return
    total = len(rows)
    if limit and total > limit:  # a series over time keeps its latest rows, any other table its first
        latest = table.frame.columns[0] in TIME_COLUMNS
        rows = rows[-limit:] if latest else rows[:limit]
    right = [numeric(table, h) for h in headers]
    left_out: list[str] = []
    if width is not None and columns is None:
        keep = choose(_widths(headers, rows), width, _priority(table, headers))
        names = [c for c in (table.show or table.frame.columns) if c in table.frame.columns]
        left_out = [h for i, h in enumerate(headers) if i not in keep]
        left_out = [next((n for n in names if label(n) == h), h) for h in left_out]
        headers = [headers[i] for i in keep]
        right = [right[i] for i in keep]
        rows = [[row[i] for i in keep] for row in rows]
    console.print(_block(table.title, headers, rows, right))
    if len(rows) < total:
        where = "earlier" if table.frame.columns[0] in TIME_COLUMNS else "more"
        console.print(Text(f"… {total - len(rows):,} {where} rows of {total:,} (--limit 0 shows all)", style="dim"))
    if left_out:
        console.print(
            Text(
                f"{len(left_out)} column{'' if len(left_out) == 1 else 's'} left out to fit {width} characters: "
                f"{terminal(', '.join(left_out))} "
                "(--columns NAME,… chooses them; -f csv has all)",
                style="dim",
            )
        )


def render(
    result: Result,
    *,
    width: int | None = None,
    color: bool = False,
    limit: int | None = None,
    columns: list[str] | None = None,
    **_: object,
) -> bytes:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or 10_000,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        soft_wrap=width is None,
    )
    console.print(Text(terminal(result.title), style="bold"))
    meta = ", ".join(f"{k.replace('_', '-')} {v}" for k, v in result.meta.items() if v is not None)
    if meta:
        console.print(Text(terminal(meta), style="dim"))
    console.print()
    order = result.display_order()
    for name in order:
        _render_table(console, result.tables[name], result.currency, width, limit, columns)
        console.print()
    for note in [*result.warnings, *result.notes]:
        console.print(Text(terminal(f"• {note}")))
    if result.explain and result.definitions:
        console.print()
        console.print(Text("How each figure is measured", style="bold"))
        for name, definition in result.definitions.items():
            console.print(Text.assemble((f"{terminal(name)}: ", "bold"), terminal(definition)))
    out = buffer.getvalue()
    if width is None:  # no terminal: no padding out to the console's width
        out = "\n".join(line.rstrip() for line in out.split("\n"))
    return out.encode("utf-8")
