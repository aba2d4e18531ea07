"""Column mapping: which column of an export stands for each canonical column (DESIGN.md §3)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from csctl.errors import InputError, UsageError, did_you_mean
from csctl.io.presets import Preset, VocabularyValue, aliases, load_preset, preset_names
from csctl.io.schema import Column, TableSpec


def normalise(name: str) -> str:
    """Case-, space- and punctuation-insensitive key: 'Customer ID' == 'customer_id' == 'customer-id'."""
    return re.sub(r"[^0-9a-z]+", "", name.lower())


@dataclass(frozen=True)
class Mapped:
    canonical: str
    source: str  # the export's column name
    scale: float = 1.0
    via: str = "name"  # name (the canonical name), preset (the preset's own name), generic, map (--map)


@dataclass
class Mapping:
    table: str
    columns: dict[str, Mapped]  # canonical name -> source column
    missing: list[str]  # required canonical columns with no source
    preset: str
    values: dict[str, dict[str, VocabularyValue]] = field(default_factory=dict)  # the preset's value words
    closed: tuple[str, ...] = ()  # columns whose value words are all the export writes (another is a bad value)
    signature: int = 0  # the preset's signature columns found in the export
    distinctive: int = 0  # columns found by names of the preset's own (not canonical, not generic)
    runners_up: list[str] = field(default_factory=list)  # other presets that map every required column

    @property
    def complete(self) -> bool:
        return not self.missing

    def unmapped(self, headers: list[str]) -> list[str]:
        used = {m.source for m in self.columns.values()}
        return [h for h in headers if h not in used]


def parse_overrides(items: list[str] | None) -> dict[str, str]:
    """--map 'Amount (USD)=amount' (repeatable): an export column -> a canonical column, for one run."""
    out: dict[str, str] = {}
    for item in items or []:
        source, sep, canonical = item.rpartition("=")
        if not sep or not source.strip() or not canonical.strip():
            raise UsageError(f"--map {item!r}: expected 'Export column=canonical_column', e.g. 'Amount (USD)=amount'")
        out[source.strip()] = canonical.strip()
    return out


# a time zone named after a time column, as Intercom's report exports write it: 'Conversation started at
# (America/New_York)'. Only IANA Area/Location names, so 'Period Start (UTC)' keeps its own name.
ZONE_SUFFIX = re.compile(r"\s*\((?:[A-Za-z]+/)+[A-Za-z0-9_+\-]+\)\s*$")


class _Headers:
    """An export's headers looked up by normalised name; a table prefix ('subscriptions.customer_id') and a time
    zone after the name ('Conversation started at (America/New_York)') are optional."""

    def __init__(self, headers: list[str]) -> None:
        self.primary: dict[str, str] = {}
        self.secondary: dict[str, str] = {}
        for header in headers:
            self.primary.setdefault(normalise(header), header)
            prefix, dot, rest = header.partition(".")
            if dot and prefix.strip() and normalise(rest):
                self.secondary.setdefault(normalise(rest), header)
            zoneless = ZONE_SUFFIX.sub("", header)
            if zoneless != header and normalise(zoneless):
                self.secondary.setdefault(normalise(zoneless), header)

    def find(self, name: str) -> str | None:
        key = normalise(name)
        return self.primary.get(key) or self.secondary.get(key)


def map_columns(
    headers: list[str],
    spec: TableSpec,
    preset: Preset,
    fallback: Preset | None = None,
    *,
    minor_units: bool = False,
    overrides: dict[str, str] | None = None,
) -> Mapping:
    """Match headers to canonical columns: --map first, then the preset's own names (a preset's name for a column
    wins over the canonical name, so its scale applies), the canonical name, then the fallback's (generic) names.

    Money columns of a table the preset says is in minor units (or with ``minor_units``) are scaled by 0.01 whatever
    name matched them, unless the preset's name gives its own scale.
    """
    found = _Headers(headers)
    minor = minor_units or preset.units.get(spec.name) == "minor"
    taken: set[str] = set()
    columns: dict[str, Mapped] = {}

    def scale_for(column: Column, given: float | None) -> float:
        if given is not None:
            return given
        return 0.01 if minor and column.type == "money" else 1.0

    for source, canonical in (overrides or {}).items():
        header = source if source in headers else found.find(source)
        if header is None or canonical not in {c.name for c in spec.columns} or header in taken:
            continue
        columns[canonical] = Mapped(canonical, header, scale_for(spec.column(canonical), None), "map")
        taken.add(header)
    generic = preset.name == "generic"
    for column in spec.columns:
        if column.name in columns:
            continue
        own: list[tuple[str, float | None, str]] = [
            (a.column, a.scale, "generic" if generic else "preset") for a in aliases(preset, spec.name, column.name)
        ]
        by_name: list[tuple[str, float | None, str]] = [(column.name, None, "name")]
        names = by_name + own if generic else own + by_name
        if fallback is not None:
            names += [(a.column, a.scale, "generic") for a in aliases(fallback, spec.name, column.name)]
        for name, scale, source in names:
            header = found.find(name)
            if header is not None and header not in taken:
                canonical_name = source == "preset" and scale is None and normalise(name) == normalise(column.name)
                via = "name" if canonical_name else source
                columns[column.name] = Mapped(column.name, header, scale_for(column, scale), via)
                taken.add(header)
                break
    missing = [name for name in spec.required if name not in columns]
    for group in spec.one_of:
        if not any(name in columns for name in group):
            missing.append(" or ".join(group))
    rejects = [*preset.reject.get(spec.name, []), *(fallback.reject.get(spec.name, []) if fallback else [])]
    rejected = next((found.find(name) for name in rejects if found.find(name) is not None), None)
    if rejected is not None and not overrides:
        missing.append(f"(none: its column {rejected!r} shows it is not a {spec.name} export)")
    mapping = Mapping(spec.name, columns, missing, preset.name, dict(preset.values.get(spec.name, {})))
    mapping.closed = tuple(preset.closed.get(spec.name, []))
    if not generic:
        exact = {h.strip().lower() for h in headers}  # a signature column is matched as written
        mapping.signature = sum(1 for name in preset.signature.get(spec.name, []) if name.strip().lower() in exact)
        common = fallback if fallback is not None else None
        for m in columns.values():
            if m.via != "preset":
                continue
            shared = {normalise(a.column) for a in aliases(common, spec.name, m.canonical)} if common else set()
            if normalise(m.source) not in shared and normalise(m.source) != normalise(m.canonical):
                mapping.distinctive += 1
    return mapping


def _rank(mapping: Mapping, order: int) -> tuple[int, int, int, int]:
    return (-mapping.signature, -mapping.distinctive, -len(mapping.columns), order)


def candidates(
    headers: list[str], spec: TableSpec, *, minor_units: bool = False, overrides: dict[str, str] | None = None
) -> list[Mapping]:
    """Every preset's mapping of the headers, best first: complete ones ranked by the preset's signature columns,
    then by the columns only its own names found, then by how many columns were found (generic wins ties)."""
    generic = load_preset("generic")
    names = ["generic", *(p for p in preset_names() if p != "generic")]
    mappings = []
    for order, name in enumerate(names):
        preset = load_preset(name)
        mapping = map_columns(
            headers, spec, preset, None if name == "generic" else generic, minor_units=minor_units, overrides=overrides
        )
        if name != "generic" and mapping.signature == 0 and mapping.distinctive == 0:
            continue  # nothing of this system's own in the export: generic reads it as well
        mappings.append((order, mapping))
    complete = sorted((m for m in mappings if m[1].complete), key=lambda m: _rank(m[1], m[0]))
    rest = [m for m in mappings if not m[1].complete]
    return [m for _, m in complete] + [m for _, m in rest]


def resolve(
    headers: list[str],
    spec: TableSpec,
    preset_name: str | None,
    label: str,
    *,
    minor_units: bool = False,
    overrides: dict[str, str] | None = None,
) -> Mapping:
    """Map with the chosen preset; without one, the best preset for these headers (see ``candidates``)."""
    generic = load_preset("generic")
    if preset_name:
        preset = load_preset(preset_name)
        mapping = map_columns(
            headers,
            spec,
            preset,
            None if preset.name == "generic" else generic,
            minor_units=minor_units,
            overrides=overrides,
        )
    else:
        ranked = candidates(headers, spec, minor_units=minor_units, overrides=overrides)
        mapping = ranked[0] if ranked and ranked[0].complete else next(m for m in ranked if m.preset == "generic")
        mapping.runners_up = [m.preset for m in ranked if m.complete and m is not mapping]
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
        if name.startswith("(none: "):
            lines.append(f"{label}: {name[len('(none: ') : -1]}")
            continue
        hint = (did_you_mean(name, unused) or did_you_mean(name, unused, key=normalise)) if known else ""
        lines.append(f"{label}: required {spec.name} column {name!r} not found" + (f".{hint}" if hint else ""))
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
