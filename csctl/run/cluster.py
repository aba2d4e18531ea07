"""A billing export of several files measured on a Dask cluster whose workers read the files themselves.

A Parquet dataset (a folder of parts), a glob or several paths: each file is read by one worker, with the same
reader and checks as on this machine (``load_revenue``, compact), and split there by the hash of its customer ids
into the run's parts; part k is then the k-th split of every file, in file order, put together on a worker. So the
export is never read whole where csctl runs: this machine reads the first file's columns (to tell billing from
subscriptions) and receives each file's notes and facts and the parts' monthly sums. The parts are the lines
``partition`` would cut from the whole export, in the same order, so the figures are those of one run.

What is decided for the export as a whole (its latest date, customers and end-day pairs) comes from passes over
the parts where they are (csctl/core/partitioned.py). A bad value on a worker stops the run as it would here: the
worker's InputError, naming the file, row and column, is raised on this machine (exit 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from csctl.io.parse import ReadOptions


@dataclass
class FileRead:
    """What a worker's read of one file tells the run: as a local read of it would (notes, facts, columns)."""

    kind: str
    columns: dict[str, str]
    notes: list[str]
    skipped: int
    facts: dict[str, Any]
    lines: int


def read_file(
    spec: str, *, kind: str | None, opts: ReadOptions, parts: int, base: str
) -> tuple[FileRead, list[pl.DataFrame]]:
    """On a worker: one file of the export read and checked, and its lines split into ``parts`` by customer (the
    same hash as ``partitioned.partition``), each split in the file's order; an empty split for a part it has no
    customer of. ``base``: the working folder of the run, which a relative ``spec`` is relative to (messages and
    a hive dataset's folder keys take the path as given)."""
    from csctl.core.partitioned import part_keys
    from csctl.io.inputs import read_columns
    from csctl.io.inspect import read_facts
    from csctl.io.load import load_revenue

    found, canonical = load_revenue(spec, kind, opts, compact=True, base=Path(base))
    read = FileRead(
        found,
        read_columns(canonical),
        list(canonical.notes),
        canonical.skipped,
        read_facts(canonical),
        canonical.frame.height,
    )
    lines = canonical.frame.drop("__row", "currency", strict=False)
    keyed = lines.with_columns(__part=part_keys(lines, parts))
    splits = {key[0]: frame.drop("__part") for key, frame in keyed.partition_by("__part", as_dict=True).items()}
    empty = lines.clear()
    return read, [splits.get(k, empty) for k in range(parts)]


def file_read(read: tuple[FileRead, list[pl.DataFrame]]) -> FileRead:
    return read[0]


def file_split(read: tuple[FileRead, list[pl.DataFrame]], *, part: int) -> pl.DataFrame:
    return read[1][part]


def put_together(*splits: pl.DataFrame) -> pl.DataFrame:
    """A part: its split of every file, in file order."""
    import polars as pl

    return pl.concat(list(splits), how="diagonal_relaxed")


def with_preset_path(opts: ReadOptions) -> ReadOptions:
    """A preset given as a YAML file named as the workers can find it (its absolute path)."""
    from dataclasses import replace

    if opts.preset is None:
        return opts
    path = Path(opts.preset)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return replace(opts, preset=str(path.resolve()))
    return opts


def read_on_workers(
    client: Any, specs: list[str], kind: str | None, opts: ReadOptions, parts: int, on_read: Any = None
) -> tuple[list[FileRead], list[Any]]:
    """Each file read by a worker; the files' reads and the parts (Dask futures, left on the workers). The reads
    are taken in file order, ``on_read`` called with each (its notes, as a read here tells them file by file); the
    first file that cannot be read raises its error here, as a read here would."""
    base = str(Path.cwd())
    reads = client.map(read_file, specs, kind=kind, opts=with_preset_path(opts), parts=parts, base=base, pure=False)
    found = []
    for future in client.map(file_read, reads, pure=False):
        found.append(future.result())
        if on_read is not None:
            on_read(found[-1])
    pieces = [client.map(file_split, reads, part=k, pure=False) for k in range(parts)]
    assembled = [client.submit(put_together, *pieces[k], pure=False) for k in range(parts)]
    client.gather(client.map(_height, assembled, pure=False))  # the parts made, the files' reads let go
    del reads, pieces
    return found, assembled


def _height(frame: pl.DataFrame) -> int:
    return frame.height
