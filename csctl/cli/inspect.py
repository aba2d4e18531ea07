"""csctl inspect: how csctl reads a file (encoding, delimiter, header, table, preset, each column's mapping)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import typer

from csctl.cli.options import (
    ColorOpt,
    Common,
    ConfigOpt,
    DateOrderOpt,
    DebugOpt,
    DecimalCommaOpt,
    HeaderRowOpt,
    InfoFormatOpt,
    MapOpt,
    MinorUnitsOpt,
    PresetOpt,
    QuietOpt,
    VerboseOpt,
)
from csctl.io.schema import TABLES

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)

TableName = Literal[
    "billing",
    "subscriptions",
    "customers",
    "usage",
    "tickets",
    "surveys",
    "costs",
    "team",
    "contacts",
    "outcomes",
    "milestones",
    "levers",
    "actions",
]
assert set(TableName.__args__) == set(TABLES)  # type: ignore[attr-defined]


@app.command(
    "inspect",
    help=(
        "Show how csctl reads FILE: its encoding, delimiter, header row, decimal mark and date order; the table it "
        "looks like (with the runners-up) and the preset that reads it; each column of the file and the canonical "
        "column it becomes, with its scale and parsing; the columns left unmapped; the row count and the first rows "
        "as read.\n\n"
        "Examples:\n\n"
        "  csctl inspect invoices.csv\n\n"
        "  csctl inspect export.xlsx#Accounts --as customers -f json\n\n"
        "  csctl inspect lines.csv --map 'Amount (USD)=amount' --minor-units"
    ),
)
def inspect(
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="An export: path, file.xlsx#Sheet, file.zip#member or -.")
    ],
    as_table: Annotated[
        TableName | None,
        typer.Option("--as", help="Read it as this table (default: the table it looks like).", show_default=False),
    ] = None,
    fmt: InfoFormatOpt = "table",
    rows: Annotated[int, typer.Option("--rows", min=0, help="How many rows to show.")] = 5,
    config: ConfigOpt = None,
    preset: PresetOpt = None,
    mapping: MapOpt = None,
    minor_units: MinorUnitsOpt = False,
    header_row: HeaderRowOpt = None,
    date_order: DateOrderOpt = None,
    decimal_comma: DecimalCommaOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    color: ColorOpt = "auto",
    debug: DebugOpt = False,
) -> None:
    import json
    import sys

    from csctl.io.inspect import inspect as inspect_file

    common = Common(
        config_path=config,
        preset=preset,
        format=fmt,
        quiet=quiet,
        verbose=verbose,
        color=color,
        debug=debug,
        date_order=date_order,
        decimal_comma=decimal_comma,
        minor_units=minor_units,
        map=mapping or [],
        header_row=header_row,
    )
    opts = common.read_options(common.config())
    facts = inspect_file(file, as_table, opts, rows=rows)
    if fmt == "json":
        sys.stdout.write(json.dumps(facts, indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        sys.stdout.write(describe(facts))


def describe(facts: dict[str, Any]) -> str:
    """The facts as text: a few lines about the file, the column mapping, then the first rows."""
    lines = [f"file         {facts['file']}"]
    how = [facts["format"]]
    if facts.get("compression"):
        how.append(f"in {facts['compression']}")
    if "encoding" in facts:
        how.append(f"{facts['encoding']}, {facts['delimiter']}-delimited")
    if facts.get("sheet"):
        how.append(f"sheet {facts['sheet']!r} of {len(facts.get('sheets', []))}")
    lines.append(f"read as      {'; '.join(how)}")
    header = f"row {facts['header_row']}"
    if facts.get("footer_lines"):
        header += f"; {facts['footer_lines']} footer lines left out"
    lines.append(f"header       {header}")
    lines.append(f"table        {facts['table']} (preset {facts['preset']})")
    others = [f"{c['table']} ({c['preset']}, {c['columns']})" for c in facts.get("looks_like", [])]
    if others:
        lines.append(f"looks like   {', '.join(others)}")
    if facts.get("preset_runners_up"):
        lines.append(f"also fits    presets {', '.join(facts['preset_runners_up'])}")
    order = facts.get("date_order") or "—"
    if facts.get("date_order_from"):
        order += f" (from column {facts['date_order_from']!r})"
    lines.append(f"dates        order {order}; decimal mark {facts['decimal_mark']!r}")
    lines.append(
        f"rows         {facts['rows']:,}" + (f" ({facts['skipped_rows']:,} skipped)" if facts["skipped_rows"] else "")
    )
    lines.append("")
    lines.append("columns (file → canonical, how read)")
    width = max((len(c["source"]) for c in facts["columns"]), default=0)
    cwidth = max((len(c["canonical"]) for c in facts["columns"]), default=0)
    for column in facts["columns"]:
        via = {"map": " [--map]", "preset": f" [{facts['preset']}]"}.get(column["via"], "")
        lines.append(f"  {column['source']:<{width}}  →  {column['canonical']:<{cwidth}}  {column['parsing']}{via}")
    if facts["unmapped"]:
        lines.append(f"unmapped     {', '.join(facts['unmapped'])}")
    for note in facts["notes"]:
        lines.append(f"note         {note}")
    if facts.get("first_rows"):
        lines.append("")
        lines.append("first rows as read")
        lines.extend(_rows(facts["first_rows"]))
    return "\n".join(lines) + "\n"


def _rows(records: list[dict[str, Any]]) -> list[str]:
    names = list(records[0])
    cells = [[_cell(r.get(n)) for n in names] for r in records]
    widths = [max(len(n), *(len(c[i]) for c in cells)) for i, n in enumerate(names)]
    out = ["  " + "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip()]
    for row in cells:
        out.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return out


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return str(value)
