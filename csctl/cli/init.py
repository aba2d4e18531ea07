"""csctl init: a workspace for a new engagement: csctl.yaml naming the exports found in DIR, and the rule files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csctl.cli.options import ColorOpt, DebugOpt, QuietOpt, VerboseOpt

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)

RULES = {
    "segments": "segments.yaml",
    "health": "health.yaml",
    "personas": "personas.yaml",
    "plays": "plays.yaml",
    "value_path": "value_path.yaml",
}
EXPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet", ".ndjson", ".jsonl")


@app.command(
    "init",
    help=(
        "Start a workspace in DIR (default: the current folder): detect which files in it look like which export "
        "(billing, customers, usage, tickets, surveys, costs, team, milestones, contacts, outcomes) by their "
        "columns, and write csctl.yaml naming them, with the default rule files (segments, health, personas, plays, "
        "value path) beside it, commented, to edit. Then: csctl report -o report/. Existing files are kept unless "
        "--force."
    ),
)
def init(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="The folder of exports.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite csctl.yaml and rule files that exist.")] = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    color: ColorOpt = "auto",
    debug: DebugOpt = False,
) -> None:
    from csctl.cli.console import info, state, warn
    from csctl.cli.options import write_output
    from csctl.errors import InputError, UsageError
    from csctl.io.detect import EXPORT_OF, detect
    from csctl.io.read import excel_sheets, parse_source, read_raw
    from csctl.resources import config_path

    state.quiet, state.verbose, state.color = quiet, verbose, color
    state.debug = state.debug or debug
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder")
    target = folder / "csctl.yaml"
    if target.exists() and not force:
        raise UsageError(f"{target} exists; csctl init does not overwrite it (use --force)")
    found: dict[str, tuple[str, str, str | None]] = {}
    unknown: list[str] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES):
        sheets: list[str | None] = [None]
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            try:
                names = excel_sheets(path)
            except InputError as exc:
                warn(f"{path.name}: not read ({exc.message})")
                unknown.append(f"{path.name} (not read)")
                continue
            sheets = [*names] if len(names) > 1 else [None]  # every sheet of a workbook is looked at
        for sheet in sheets:
            label = path.name if sheet is None else f"{path.name}#{sheet}"
            try:
                raw = read_raw(parse_source(str(path) if sheet is None else f"{path}#{sheet}"))
            except InputError as exc:
                warn(f"{label}: not read ({exc.message})")
                unknown.append(f"{label} (not read)")
                continue
            detected = detect(raw.columns, path.name if sheet is None else f"{path.stem} {sheet}")
            if detected is None:
                unknown.append(f"{label} (columns: {', '.join(raw.columns[:8])})")
                continue
            key = EXPORT_OF.get(detected.table, detected.table)
            if key in found:
                taken = found[key][0] + (f"#{found[key][2]}" if found[key][2] else "")
                unknown.append(f"{label} (also looks like {key}; {taken} was taken)")
                warn(
                    f"{label} also looks like the {key} export; csctl.yaml names {taken} only. For several "
                    f'files of one table give a glob (exports: {key}: "{key}_*.csv") or merge them'
                )
                continue
            found[key] = (path.name, detected.preset, sheet)
            info(f"{label}: {key}" + (f" (preset {detected.preset})" if detected.preset != "generic" else ""))
    inventory = next((p.name for p in sorted(folder.glob("asis*.y*ml"))), None)
    for name in RULES.values():
        dest = folder / name
        if dest.exists() and not force:
            info(f"{name}: kept (exists)")
            continue
        write_output(dest, config_path(name).read_bytes())
    text = _workspace_text(folder, found, unknown, inventory, config_path("csctl.yaml").read_text(encoding="utf-8"))
    write_output(target, text.encode("utf-8"))
    missing = [t for t in ("billing", "customers") if t not in found]
    info(f"wrote {target} ({len(found)} exports found)" + (f"; not found: {', '.join(missing)}" if missing else ""))
    info(f"next: csctl report -c {target} -o {folder / 'report'}")


def _workspace_text(
    folder: Path,
    found: dict[str, tuple[str, str, str | None]],
    unknown: list[str],
    inventory: str | None,
    defaults: str,
) -> str:
    from csctl.config.models import EXPORT_TABLES

    name = folder.resolve().name.replace("-", " ").replace("_", " ").strip() or "the company"
    body = defaults.split("\n# The workspace (csctl init writes these)", maxsplit=1)[0]
    body = body.replace(
        "# csctl workspace config: the built-in defaults, used when there is no -c, no $CSCTL_CONFIG and no "
        "./csctl.yaml.\n# Copy it next to your exports as csctl.yaml and edit what differs.\n",
        "# csctl workspace, written by csctl init. Paths are relative to this file. Edit what differs, then run\n"
        "#   csctl report -o report/     (or any command with -c csctl.yaml)\n",
    )
    body = body.replace("# company: Acme Analytics", f"company: {_quote(name)}", 1)
    lines = [
        body.rstrip("\n"),
        "",
        "# The exports, by table: a path or glob, or {path: ..., sheet: ..., preset: ...}",
        "exports:",
    ]
    for table in EXPORT_TABLES:
        if table in found:
            path, preset, sheet = found[table]
            extra = ([f"sheet: {_quote(sheet)}"] if sheet else []) + (
                [f"preset: {preset}"] if preset != "generic" else []
            )
            value = f"{{path: {_quote(path)}, {', '.join(extra)}}}" if extra else _quote(path)
            lines.append(f"  {table}: {value}")
        else:
            lines.append(f"  # {table}:               (not found in this folder)")
    for item in unknown:
        lines.append(f"  # not recognised: {item}")
    lines += ["", "# The rule files (csctl init copied the defaults here; edit them for this client)", "rules:"]
    lines += [f"  {key}: {file}" for key, file in RULES.items()]
    lines.append(f"  inventory: {inventory}" if inventory else "  # inventory: asis.yaml     (the as-is inventory)")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)
