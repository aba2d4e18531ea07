"""csctl init: a workspace for a new engagement: csctl.yaml naming the exports found in DIR, and the rule files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csctl.cli.options import ColorOpt, Common, DebugOpt, QuietOpt, VerboseOpt, examples
from csctl.run.catalogue import EXPORTS
from csctl.run.catalogue import RULES as CATALOGUE_RULES

if TYPE_CHECKING:
    from csctl.io.detect import Found

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)

# the rule files init copies into the workspace: each with a built-in default (the catalogue's)
RULES = {r.name: r.default for r in CATALOGUE_RULES.values() if r.default is not None}


@app.command(
    "init",
    epilog=examples("csctl init client/", "csctl init --force && csctl report -o report/"),
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
    from csctl.cli.console import info, warn
    from csctl.cli.options import write_output
    from csctl.errors import UsageError
    from csctl.io.detect import scan_folder
    from csctl.resources import config_path

    Common(quiet=quiet, verbose=verbose, color=color, debug=debug)  # the console's state, as every command
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder")
    target = folder / "csctl.yaml"
    if target.exists() and not force:
        raise UsageError(f"{target} exists; csctl init does not overwrite it (use --force)")
    scan = scan_folder(folder)
    for message in scan.warnings:
        warn(message)
    for key, export in scan.found.items():
        info(f"{export.label}: {key}" + (f" (preset {export.preset})" if export.preset != "generic" else ""))
    found = scan.found
    inventory = next((p.name for p in sorted(folder.glob("asis*.y*ml"))), None)
    for name in RULES.values():
        dest = folder / name
        if dest.exists() and not force:
            info(f"{name}: kept (exists)")
            continue
        write_output(dest, config_path(name).read_bytes())
    text = _workspace_text(
        folder, found, scan.unknown, inventory, config_path("csctl.yaml").read_text(encoding="utf-8")
    )
    write_output(target, text.encode("utf-8"))
    missing = [t for t in ("billing", "customers") if t not in found]
    info(f"wrote {target} ({len(found)} exports found)" + (f"; not found: {', '.join(missing)}" if missing else ""))
    info(f"next: csctl report -c {target} -o {folder / 'report'}")


def _workspace_text(
    folder: Path,
    found: dict[str, Found],
    unknown: list[str],
    inventory: str | None,
    defaults: str,
) -> str:
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
    for table in EXPORTS:
        if table in found:
            export = found[table]
            extra = [f"sheet: {_quote(export.sheet)}"] if export.sheet else []
            extra += [f"preset: {_quote(export.preset)}"] if export.preset != "generic" else []
            value = f"{{path: {_quote(export.path)}, {', '.join(extra)}}}" if extra else _quote(export.path)
            lines.append(f"  {table}: {value}")
        else:
            lines.append(f"  # {table}:               (not found in this folder)")
    for item in unknown:
        lines.append(f"  # not recognised: {_quote(item)}")
    lines += ["", "# The rule files (csctl init copied the defaults here; edit them for this client)", "rules:"]
    lines += [f"  {key}: {file}" for key, file in RULES.items()]
    default = "  # inventory: asis.yaml     (the as-is inventory)"
    lines.append(f"  inventory: {_quote(inventory)}" if inventory else default)
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    """A name from the folder (a file, a sheet, a column) as a quoted YAML scalar: data, never structure."""
    from csctl.config.yamlfile import yaml_quote

    return yaml_quote(text)
