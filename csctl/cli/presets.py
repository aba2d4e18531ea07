"""csctl presets: the column presets, the system and exports each reads, and the names it knows for each column."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from csctl.cli.options import InfoFormatOpt

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(
    "presets",
    help=(
        "List the column presets: for each, the system and the exports to pull from it, its other names, and (with "
        "NAME) the export's column names it reads as each canonical column, with their scale.\n\n"
        "Examples:\n\n"
        "  csctl presets\n\n"
        "  csctl presets stripe\n\n"
        "  csctl presets -f json"
    ),
)
def presets(
    name: Annotated[str | None, typer.Argument(metavar="NAME", help="One preset's column names.")] = None,
    fmt: InfoFormatOpt = "table",
) -> None:
    import json
    import sys

    from csctl.io.presets import aliases, load_preset, preset_names

    chosen = [load_preset(name)] if name else [load_preset(n) for n in preset_names()]
    listing: list[dict[str, Any]] = []
    for preset in chosen:
        tables = {
            table: {
                column: [_shown(a.column, a.scale, table, column, preset.units) for a in aliases(preset, table, column)]
                for column in columns
            }
            for table, columns in preset.tables.items()
        }
        listing.append(
            {
                "name": preset.name,
                "also": preset.also,
                "system": preset.system,
                "exports": preset.exports,
                "description": preset.description,
                "units": preset.units,
                "source": preset.source,
                "tables": tables,
            }
        )
    if fmt == "json":
        sys.stdout.write(json.dumps(listing, indent=2, ensure_ascii=False) + "\n")
        return
    lines: list[str] = []
    for item in listing:
        also = f" (also {', '.join(item['also'])})" if item["also"] else ""
        lines.append(f"{item['name']}{also}: {item['description']}")
        if item["exports"]:
            lines.append(f"  pull: {item['exports']}")
        lines.append(
            f"  tables: {', '.join(item['tables'])}"
            + (f"; minor units: {', '.join(item['units'])}" if item["units"] else "")
        )
        if name:
            for table, columns in item["tables"].items():
                lines.append(f"  {table}:")
                for column, names in columns.items():
                    lines.append(f"    {column:<15} {', '.join(names)}")
            for source in item["source"]:
                lines.append(f"  source: {source}")
    sys.stdout.write("\n".join(lines) + "\n")


def _shown(name: str, scale: float | None, table: str, column: str, units: Mapping[str, str]) -> str:
    """A column name, with the scale it is read at when that is not 1 (given, or a table in minor units)."""
    from csctl.io.schema import TABLES

    if scale is None and units.get(table) == "minor" and TABLES[table].column(column).type == "money":
        scale = 0.01
    return name if scale in (None, 1.0) else f"{name} ×{scale:g}"
