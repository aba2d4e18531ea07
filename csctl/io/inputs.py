"""Several files for one export: a glob or a list of paths on the command line, in a stable order, within a cap;
and the check that the files of one export have the same columns before they are stacked into one table."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from csctl.errors import InputError, UsageError

if TYPE_CHECKING:
    from csctl.io.parse import Canonical

MAX_INPUT_FILES = 1000  # files one export may be made of (a command line's glob or paths, a workspace's glob)
GLOB_CHARS = "*?["


def is_pattern(path: str) -> bool:
    return any(ch in path for ch in GLOB_CHARS)


def expand_inputs(specs: str | Sequence[str]) -> tuple[str, ...]:
    """The files of one export given on the command line: each spec a path (``file.xlsx#Sheet`` and
    ``archive.zip#member`` too), ``-`` for stdin, or a quoted glob (``'exports/invoices-*.csv'``) expanded in sorted
    order. A path that exists is taken as it is, whatever characters its name has (``billing [2024].csv``). At most
    MAX_INPUT_FILES files in all; a glob that matches nothing, or too many files, exits 3 before anything is read."""
    items = [specs] if isinstance(specs, str) else list(specs)
    if "-" in items and len(items) > 1:
        raise UsageError("stdin (-) is one export on its own; it cannot be read with other files for the same export")
    files: list[str] = []
    for spec in items:
        path, hash_, member = spec.partition("#")
        if not hash_ and Path(path).is_dir():
            files.extend(dataset_files(Path(path)))
        elif spec == "-" or not is_pattern(path) or Path(path).exists():
            files.append(spec)
        else:
            matches = sorted(m for m in glob.iglob(path) if Path(m).is_file())
            if not matches:
                raise InputError(f"{path}: no file matches this pattern", hint=_hint(path))
            files.extend(f"{m}{hash_}{member}" for m in matches)
        if len(files) > MAX_INPUT_FILES:
            raise InputError(
                f"{spec}: {len(files):,}+ files for one export; csctl reads at most {MAX_INPUT_FILES:,} files for one "
                "export",
                hint="narrow the pattern, or combine the files into fewer exports",
            )
    duplicate = next((f for i, f in enumerate(files) if f in files[:i]), None)
    if duplicate is not None:
        raise UsageError(f"{duplicate}: given twice for one export (its rows would count twice)")
    return tuple(files)


def dataset_files(folder: Path) -> list[str]:
    """A folder given for an export is a Parquet dataset (a Spark, Polars or DuckDB export written in parts, often in
    hive folders such as ``month=2024-01/part-0.parquet``): its ``.parquet`` files, in every subfolder, in sorted
    order, leaving out any under a name starting with ``.`` or ``_``. A hive folder's key is read as a column of
    the files below it (io/read.py)."""
    files = sorted(
        str(p)
        for p in folder.rglob("*.parquet")
        if p.is_file() and not any(s.startswith((".", "_")) for s in p.relative_to(folder).parts)
    )  # not a writer's hidden or unfinished parts (_temporary/, .spark-staging/, _delta_log/, _SUCCESS)
    if not files:
        raise InputError(
            f"{folder}: is a folder with no .parquet file; a folder is read as a Parquet dataset (its parts)",
            hint="give a file (CSV, TSV, XLSX, Parquet or NDJSON), a quoted glob, or a folder of Parquet parts",
        )
    if len(files) > MAX_INPUT_FILES:
        raise InputError(
            f"{folder}: {len(files):,} Parquet parts; csctl reads at most {MAX_INPUT_FILES:,} files for one export",
            hint="write the dataset in fewer, larger parts",
        )
    return files


def _hint(pattern: str) -> str:
    folder = Path(pattern).parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist"
    return "quote the pattern so that csctl expands it, and check the folder and the file names"


def read_columns(part: Canonical) -> dict[str, str]:
    """The columns a file of an export was read into, each with its name in the file: the canonical columns found
    in it, and the columns it carries through under their own names (not the ones every file of the table is
    given)."""
    from csctl.io.schema import TABLES

    canonical = {c.name for c in TABLES[part.mapping.table].columns}
    found = {name: mapped.source for name, mapped in part.mapping.columns.items()}
    kept = {c: c for c in part.frame.columns if c not in canonical and c != "__row"}
    return found | kept


def _shown(columns: dict[str, str], names: list[str]) -> str:
    return ", ".join(columns[n] if columns[n] == n else f"{columns[n]} (read as {n})" for n in names)


def check_same_columns(columns: Sequence[dict[str, str]], specs: Sequence[str]) -> None:
    """The files of one export must read into the same columns: the first file that differs from the first exits 3,
    named with what it lacks and what it has besides (its rows cannot stand under the first file's header)."""
    first = columns[0]
    for spec, cols in zip(specs[1:], columns[1:], strict=True):
        if set(cols) == set(first):
            continue
        lacks = [c for c in first if c not in cols]
        extra = [c for c in cols if c not in first]
        parts = []
        if lacks:
            parts.append(f"it has no {_shown(first, lacks)}")
        if extra:
            parts.append(f"it has {_shown(cols, extra)} besides")
        raise InputError(
            f"{spec}: its columns differ from those of {specs[0]}, the first file of this export: {'; '.join(parts)}",
            hint="the files of one export need the same columns; read the odd one as an export of its own, or "
            "give each file the same columns",
        )
