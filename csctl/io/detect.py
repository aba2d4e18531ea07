"""Which canonical table an export looks like, from its column names (and, to break ties, its file name).

For each table and each preset, the export's headers are mapped as the reader would map them; a table whose
required columns are all found is a candidate, scored by how many of its columns were found. The highest score
wins; ties go to the table the file name mentions, then to the order of TABLES. Used by csctl init.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from csctl.config.tables import EXPORTS
from csctl.errors import InputError
from csctl.io.columns import Mapping, candidates, normalise
from csctl.io.schema import TABLES

# words in a file's name that point at a table: each export's (config/tables.py), and subscriptions', read as billing
NAME_HINTS = {e.name: e.hints for e in EXPORTS} | {"subscriptions": ("subscription", "mrr")}
EXPORT_OF = {"subscriptions": "billing"}  # the workspace key a table's export goes under


@dataclass(frozen=True)
class Detected:
    table: str
    preset: str
    found: int  # canonical columns found that tell this table from the others
    named: bool  # the file name points at this table


def table_score(mapping: Mapping) -> int:
    """How much of a table an export's mapping shows: its columns found, less the ones every table has
    (customer_id) and any found by a bare ``id`` (every export has one)."""
    return sum(1 for m in mapping.columns.values() if m.canonical != "customer_id" and normalise(m.source) != "id")


def detect(headers: list[str], filename: str) -> Detected | None:
    """The table an export looks like and the preset the commands would read it with."""
    stem = filename.lower()
    best: tuple[tuple[int, bool, int], Detected] | None = None
    for order, (table, spec) in enumerate(TABLES.items()):
        ranked = candidates(headers, spec)
        if not ranked or not ranked[0].complete:
            continue
        mapping = ranked[0]
        named = any(word in stem for word in NAME_HINTS.get(table, ()))
        candidate = Detected(table, mapping.preset, table_score(mapping), named)
        key = (candidate.found, candidate.named, -order)
        if best is None or key > best[0]:
            best = (key, candidate)
    return best[1] if best else None


EXPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet", ".ndjson", ".jsonl", ".gz", ".bz2", ".zip")


@dataclass(frozen=True)
class Found:
    path: str  # the file's name in the folder
    preset: str
    sheet: str | None = None

    @property
    def label(self) -> str:
        return self.path if self.sheet is None else f"{self.path}#{self.sheet}"


@dataclass
class Scan:
    """What a folder of exports holds: the export found for each workspace key, and what was not used, why."""

    found: dict[str, Found] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)  # "name (reason)", for comments in csctl.yaml
    warnings: list[str] = field(default_factory=list)


def scan_folder(folder: Path) -> Scan:
    """Every export file in ``folder`` (every sheet of a workbook) read by its header and matched to a table; the
    first file of a table wins and a second one is warned about (nothing is dropped silently)."""
    from csctl.io.read import archive_members, excel_sheets, parse_spec, read_raw

    scan = Scan()
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES):
        sheets: list[str | None] = [None]
        if path.suffix.lower() in (".xlsx", ".xlsm", ".zip"):
            try:
                names = excel_sheets(path) if path.suffix.lower() != ".zip" else archive_members(path)
            except InputError as exc:
                scan.warnings.append(f"{path.name}: not read ({exc.message})")
                scan.unknown.append(f"{path.name} (not read)")
                continue
            sheets = [*names] if len(names) > 1 else [None]
        for sheet in sheets:
            candidate = Found(path.name, "generic", sheet)
            try:
                raw = read_raw(parse_spec(str(path) if sheet is None else f"{path}#{sheet}"))
            except InputError as exc:
                scan.warnings.append(f"{candidate.label}: not read ({exc.message})")
                scan.unknown.append(f"{candidate.label} (not read)")
                continue
            detected = detect(raw.columns, path.name if sheet is None else f"{path.stem} {sheet}")
            if detected is None:
                scan.unknown.append(f"{candidate.label} (columns: {', '.join(raw.columns[:8])})")
                continue
            key = EXPORT_OF.get(detected.table, detected.table)
            if key in scan.found:
                taken = scan.found[key].label
                scan.unknown.append(f"{candidate.label} (also looks like {key}; {taken} was taken)")
                scan.warnings.append(
                    f"{candidate.label} also looks like the {key} export; csctl.yaml names {taken} only. For several "
                    f'files of one table give a glob (exports: {key}: "{key}_*.csv") or merge them'
                )
                continue
            scan.found[key] = Found(path.name, detected.preset, sheet)
    return scan
