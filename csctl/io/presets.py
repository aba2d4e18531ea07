"""Column presets: for each system's exports, the names its columns go by (configs/presets/NAME.yaml).

A preset is how io reads an export, so it lives here; config (below io) only provides the YAML reading and the
strict pydantic base.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import Field

from csctl.config.models import Strict
from csctl.config.yamlfile import load_yaml, validate
from csctl.errors import ConfigError, did_you_mean
from csctl.io.schema import TABLES
from csctl.resources import config_path


class Alias(Strict):
    column: str
    scale: float | None = None  # None: 1, or 0.01 for money when the preset's table is in minor units


VocabularyValue = float | str | None


class Preset(Strict):
    """A column preset: for each canonical table, the export's names for each canonical column.

    ``units``: tables whose money columns are in minor units (cents), scaled by 0.01 whatever the column's name.
    ``signature``: per table, column names only this system's export has (they make the preset win over generic).
    ``reject``: per table, column names that show an export is something else (a deals export is not accounts).
    ``values``: per table and column, the export's words for values (e.g. Zendesk's "Good" satisfaction is 5).
    ``closed``: per table, columns whose ``values`` list every word the export writes: another word is a bad value
    (exit 3 naming the row), not passed through (Intercom's conversation states: a localised workspace's word).
    ``also``: other names the preset answers to (chargify for maxio).
    """

    name: str
    description: str = ""
    system: str = ""
    exports: str = ""  # where in the system the exports it reads are pulled from
    source: list[str] = Field(default_factory=list)  # the documentation the layout was taken from
    also: list[str] = Field(default_factory=list)
    units: dict[str, Literal["major", "minor"]] = Field(default_factory=dict)
    signature: dict[str, list[str]] = Field(default_factory=dict)
    reject: dict[str, list[str]] = Field(default_factory=dict)  # per table: columns that say "not this table"
    values: dict[str, dict[str, dict[str, VocabularyValue]]] = Field(default_factory=dict)
    closed: dict[str, list[str]] = Field(default_factory=dict)  # per table: columns whose values list every word
    tables: dict[str, dict[str, list[str | Alias]]]


def preset_names() -> list[str]:
    return sorted(p.stem for p in config_path("presets").glob("*.yaml"))


@functools.cache
def load_preset(name_or_path: str) -> Preset:
    """A preset by name (configs/presets/NAME.yaml) or by path to a YAML file."""
    path = Path(name_or_path)
    if not (path.suffix in (".yaml", ".yml") and path.exists()):
        path = config_path("presets", f"{name_or_path}.yaml")
        if not path.exists() and name_or_path in preset_aliases():
            path = config_path("presets", f"{preset_aliases()[name_or_path]}.yaml")
        if not path.exists():
            names = preset_names()
            raise ConfigError(
                f"unknown preset {name_or_path!r}.{did_you_mean(name_or_path, names)} Presets: {', '.join(names)}; "
                "or give the path of a preset YAML file."
            )
    doc = load_yaml(path)
    preset = validate(doc, Preset, what="preset")
    for key in ("units", "signature", "values", "reject", "closed"):
        for table in getattr(preset, key):
            if table not in TABLES:
                line = doc.line_of((key, table))
                raise ConfigError(
                    f"{path}:{line}: unknown table {table!r}.{did_you_mean(table, TABLES)} Tables: {', '.join(TABLES)}"
                )
    for table, closed in preset.closed.items():
        for column in closed:
            if not preset.values.get(table, {}).get(column):
                line = doc.line_of(("closed", table))
                raise ConfigError(f"{path}:{line}: closed {table} column {column!r} has no words under values:")
    for table, columns in preset.tables.items():
        if table not in TABLES:
            line = doc.line_of(("tables", table))
            raise ConfigError(
                f"{path}:{line}: unknown table {table!r}.{did_you_mean(table, TABLES)} Tables: {', '.join(TABLES)}"
            )
        known = [c.name for c in TABLES[table].columns]
        for column in columns:
            if column not in known:
                line = doc.line_of(("tables", table, column))
                raise ConfigError(
                    f"{path}:{line}: unknown {table} column {column!r}.{did_you_mean(column, known)} "
                    f"Columns: {', '.join(known)}"
                )
    for names_of in preset.tables.values():  # every name as an Alias once, not once per lookup
        for column, given in names_of.items():
            names_of[column] = [a if isinstance(a, Alias) else Alias(column=a) for a in given]
    return preset


@functools.cache
def preset_aliases() -> dict[str, str]:
    """Other names of the built-in presets (``also:``), e.g. chargify -> maxio."""
    found: dict[str, str] = {}
    for name in preset_names():
        for other in load_preset(name).also:
            found[other] = name
    return found


def aliases(preset: Preset, table: str, column: str) -> list[Alias]:
    return [a if isinstance(a, Alias) else Alias(column=a) for a in preset.tables.get(table, {}).get(column, [])]
