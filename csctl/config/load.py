"""Config discovery (-c, $CSCTL_CONFIG, ./csctl.yaml, built-in defaults) and preset loading."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from csctl.config.models import Alias, Config, Preset
from csctl.config.yamlfile import load_yaml, validate
from csctl.errors import ConfigError
from csctl.metrics import suggest
from csctl.resources import config_path


def find_config(explicit: str | None) -> Path:
    """The config file in force: -c, then $CSCTL_CONFIG, then ./csctl.yaml, then the built-in defaults."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("CSCTL_CONFIG")
    if env:
        return Path(env)
    local = Path("csctl.yaml")
    if local.is_file():
        return local
    return config_path("csctl.yaml")


def load_config(explicit: str | None = None) -> tuple[Config, Path]:
    path = find_config(explicit)
    if not path.exists():
        origin = "-c" if explicit else "$CSCTL_CONFIG"
        raise ConfigError(f"{path}: config file not found (from {origin})")
    return validate(load_yaml(path), Config, what="config"), path


def preset_names() -> list[str]:
    return sorted(p.stem for p in config_path("presets").glob("*.yaml"))


@functools.cache
def load_preset(name_or_path: str) -> Preset:
    """A preset by name (configs/presets/NAME.yaml) or by path to a YAML file."""
    path = Path(name_or_path)
    if not (path.suffix in (".yaml", ".yml") and path.exists()):
        path = config_path("presets", f"{name_or_path}.yaml")
        if not path.exists():
            names = preset_names()
            raise ConfigError(
                f"unknown preset {name_or_path!r}.{suggest(name_or_path, names)} Presets: {', '.join(names)}; "
                "or give the path of a preset YAML file."
            )
    doc = load_yaml(path)
    preset = validate(doc, Preset, what="preset")
    from csctl.io.schema import TABLES

    for table, columns in preset.tables.items():
        if table not in TABLES:
            line = doc.line_of(("tables", table))
            raise ConfigError(
                f"{path}:{line}: unknown table {table!r}.{suggest(table, list(TABLES))} Tables: {', '.join(TABLES)}"
            )
        known = [c.name for c in TABLES[table].columns]
        for column in columns:
            if column not in known:
                line = doc.line_of(("tables", table, column))
                raise ConfigError(
                    f"{path}:{line}: unknown {table} column {column!r}.{suggest(column, known)} "
                    f"Columns: {', '.join(known)}"
                )
    return preset


def aliases(preset: Preset, table: str, column: str) -> list[Alias]:
    return [a if isinstance(a, Alias) else Alias(column=a) for a in preset.tables.get(table, {}).get(column, [])]
