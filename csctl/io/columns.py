"""Column mapping: which column of an export stands for each canonical column (DESIGN.md §3)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from csctl.config.load import aliases, load_preset, preset_names
from csctl.config.models import Preset
from csctl.errors import InputError
from csctl.io.schema import TableSpec


def normalise(name: str) -> str:
    """Case-, space- and punctuation-insensitive key: 'Customer ID' == 'customer_id' == 'customer-id'."""
    return re.sub(r"[^0-9a-z]+", "", name.lower())


@dataclass(frozen=True)
class Mapped:
    canonical: str
    source: str  # the export's column name
    scale: float = 1.0


@dataclass
class Mapping:
    table: str
    columns: dict[str, Mapped]  # canonical name -> source column
    missing: list[str]  # required canonical columns with no source
    preset: str

    @property
    def complete(self) -> bool:
        return not self.missing


def map_columns(headers: list[str], spec: TableSpec, preset: Preset, fallback: Preset | None = None) -> Mapping:
    """Match headers to canonical columns: the canonical name, then the preset's aliases, then the fallback's."""
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(normalise(header), header)
    taken: set[str] = set()
    columns: dict[str, Mapped] = {}
    for column in spec.columns:
        candidates = [*aliases(preset, spec.name, column.name)]
        if fallback is not None:
            candidates += aliases(fallback, spec.name, column.name)
        names = [(column.name, 1.0)] + [(a.column, a.scale) for a in candidates]
        for name, scale in names:
            found = by_key.get(normalise(name))
            if found is not None and found not in taken:
                columns[column.name] = Mapped(column.name, found, scale)
                taken.add(found)
                break
    missing = [name for name in spec.required if name not in columns]
    for group in spec.one_of:
        if not any(name in columns for name in group):
            missing.append(" or ".join(group))
    return Mapping(spec.name, columns, missing, preset.name)


def resolve(headers: list[str], spec: TableSpec, preset_name: str | None, label: str) -> Mapping:
    """Map with the chosen preset; without one, generic first and then any preset that maps every required column."""
    generic = load_preset("generic")
    if preset_name:
        preset = load_preset(preset_name)
        mapping = map_columns(headers, spec, preset, None if preset.name == "generic" else generic)
    else:
        mapping = map_columns(headers, spec, generic)
        if not mapping.complete:
            for name in preset_names():
                if name == "generic":
                    continue
                candidate = map_columns(headers, spec, load_preset(name), generic)
                if candidate.complete:
                    return candidate
    if not mapping.complete:
        raise missing_columns_error(headers, spec, mapping, label)
    _refuse_duplicates(headers, mapping, label)
    return mapping


def _refuse_duplicates(headers: list[str], mapping: Mapping, label: str) -> None:
    """Two columns that stand for one canonical column (``customer_id`` twice, or ``CUSTOMER_ID`` beside
    ``customer_id``) are an error: which one holds the data is not csctl's guess (exit 3)."""
    present = set(headers)
    groups: dict[str, list[str]] = {}
    for header in headers:
        base = re.sub(r"_duplicated_\d+$", "", header)  # the CSV reader's name for a repeated header
        shown = base if base != header and base in present else header
        groups.setdefault(normalise(shown), []).append(shown)
    for mapped in mapping.columns.values():
        same = groups.get(normalise(re.sub(r"_duplicated_\d+$", "", mapped.source)), [])
        if len(same) > 1:
            raise InputError(
                f"{label}: columns {same[0]!r} and {same[1]!r} both stand for {mapping.table} column "
                f"{mapped.canonical!r}; keep one of them (rename or delete the other)"
            )


class MissingColumns(InputError):
    """Required canonical columns not found in an export."""


def missing_columns_error(headers: list[str], spec: TableSpec, mapping: Mapping, label: str) -> MissingColumns:
    """Which required columns are missing, with a did-you-mean and the file's columns. A file none of whose columns
    csctl knows may not be an export at all (a config names /etc/passwd, a key file): its first line is then never
    echoed, only counted."""
    lines = []
    known = bool(mapping.columns)
    unused = [h for h in headers if h not in {m.source for m in mapping.columns.values()}]
    for name in mapping.missing:
        close = difflib.get_close_matches(name, unused, n=1, cutoff=0.6) or difflib.get_close_matches(
            normalise(name), [normalise(h) for h in unused], n=1, cutoff=0.6
        )
        hint = ""
        if close and known:
            guess = next((h for h in unused if close[0] in (h, normalise(h))), close[0])
            hint = f"; did you mean {guess!r}?"
        lines.append(f"{label}: required {spec.name} column {name!r} not found{hint}")
    presets = f"choose a preset with --preset ({', '.join(preset_names())}) or a preset YAML file."
    if not known:
        count = f"{len(headers):,} column{'s' if len(headers) != 1 else ''}"
        return MissingColumns(
            "\n".join(lines),
            hint=f"none of the file's {count} is a {spec.name} column csctl knows (its first line is not shown: "
            f"is this the {spec.name} export?). Rename the columns, or {presets}",
        )
    shown = ", ".join(headers[:30]) + (" …" if len(headers) > 30 else "")
    return MissingColumns("\n".join(lines), hint=f"columns in the file: {shown}. Rename the column, or {presets}")
