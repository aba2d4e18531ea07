"""Reading an export as it is: CSV/TSV (encoding and delimiter detected), XLSX, Parquet, NDJSON, or stdin.

The result is a LazyFrame of the export's own columns plus ``__row``, the row number a person sees in the
file (the header is row 1). CSV columns are all text here; typing happens in csctl.io.parse.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import polars as pl

from csctl.errors import InputError, UsageError

ROW = "__row"
SNIFF_BYTES = 1 << 16
SEPARATORS = ",;\t|"
EXCEL = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
PARQUET = (".parquet", ".pq")
NDJSON = (".ndjson", ".jsonl")


@dataclass(frozen=True)
class Source:
    spec: str
    path: Path | None  # None: stdin
    sheet: str | None = None

    @property
    def label(self) -> str:
        if self.path is None:
            return "<stdin>"
        return f"{self.path}#{self.sheet}" if self.sheet else str(self.path)


@dataclass
class Raw:
    frame: pl.LazyFrame
    columns: list[str]
    source: Source
    format: str
    notes: list[str] = field(default_factory=list)
    text: bool = True  # every column is text (CSV); else typed (Excel, Parquet, NDJSON)
    keep: list[object] = field(default_factory=list)  # temporary files that must outlive the LazyFrame
    separator: str | None = None
    target: Path | bytes | None = None  # what the CSV reader reads (a UTF-8 file or bytes)


def parse_source(spec: str) -> Source:
    """INPUT is a path, ``path.xlsx#Sheet`` or ``-`` for stdin. A name that is not UTF-8 (its bytes came through
    as surrogates) exits 3: the readers take UTF-8 paths only."""
    if spec == "-":
        return Source(spec, None)
    try:
        spec.encode("utf-8")
    except UnicodeEncodeError:
        shown = spec.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise InputError(f"{shown}: the file name is not UTF-8; rename the file (csctl reads UTF-8 names)") from None
    if "#" in spec:
        base, _, sheet = spec.rpartition("#")
        if Path(base).suffix.lower() in EXCEL and sheet:
            return Source(spec, Path(base), sheet)
    return Source(spec, Path(spec))


def _check_path(source: Source) -> Path:
    path = source.path
    assert path is not None
    if not path.exists():
        hint = None
        parent = path.parent if str(path.parent) else Path(".")
        if parent.is_dir():
            import difflib

            close = difflib.get_close_matches(path.name, [p.name for p in parent.iterdir()], n=1)
            if close:
                hint = f"did you mean {str(parent / close[0])!r}?"
        raise InputError(f"{path}: no such file", hint=hint)
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a file (CSV, TSV, XLSX, Parquet or NDJSON)")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    return path


def read_stdin(stream: BinaryIO | None = None) -> bytes:
    if stream is None and sys.stdin is None:  # the caller closed it (<&-)
        raise InputError("'-' reads the input from stdin, but stdin is closed", hint="pipe a file in or give a path")
    stream = stream or sys.stdin.buffer
    if stream.isatty():
        raise UsageError(
            "'-' reads the input from stdin, but stdin is a terminal",
            hint="pipe a file in (csctl … - < export.csv, or another command's -f csv output) or give a path",
        )
    return stream.read()


def _format_of(source: Source, head: bytes) -> str:
    suffix = source.path.suffix.lower() if source.path else ""
    if suffix in EXCEL or head.startswith(b"PK\x03\x04"):
        return "excel"
    if suffix in PARQUET or head.startswith(b"PAR1"):
        return "parquet"
    if suffix in NDJSON or (suffix == ".json" and head.lstrip().startswith(b"{")):
        return "ndjson"
    if suffix == ".json":
        raise InputError(f"{source.label}: JSON arrays are not read; export newline-delimited JSON (.ndjson)")
    return "csv"


def _decode_head(head: bytes) -> tuple[str, str]:
    """Decode the first bytes: ('utf-8', text) or ('cp1252', text) when they are not UTF-8."""
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        return "utf-8", decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252", head.decode("cp1252", errors="replace")


def sniff_separator(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    # the header decides when only one candidate occurs in it (values may hold tabs, semicolons and quotes)
    header = lines[0]
    present = [sep for sep in SEPARATORS if sep in header]
    if len(present) == 1:
        return present[0]
    if not present:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(present)).delimiter
    except csv.Error:
        return max(present, key=header.count)


def _transcode(data: bytes | Path, encoding: str) -> Path:
    """Write a UTF-8 copy of a non-UTF-8 file to a temporary file (streamed for files on disk)."""
    handle = tempfile.NamedTemporaryFile(prefix="csctl-", suffix=".csv", delete=False)  # noqa: SIM115
    with handle:
        if isinstance(data, Path):
            with data.open("r", encoding=encoding, errors="strict", newline="") as src:
                while chunk := src.read(1 << 20):
                    handle.write(chunk.encode("utf-8"))
        else:
            handle.write(data.decode(encoding).encode("utf-8"))
    return Path(handle.name)


def scan_csv(target: Path | bytes, separator: str, native: dict[str, pl.DataType] | None = None) -> pl.LazyFrame:
    """Every column as text, except ``native`` ones the reader parses itself (it fails on a value it can't)."""
    source: Path | io.BytesIO = io.BytesIO(target) if isinstance(target, bytes) else target
    return pl.scan_csv(
        source,
        separator=separator,
        infer_schema=False,
        schema_overrides=native,
        raise_if_empty=False,
        row_index_name=ROW,
        row_index_offset=2,
        truncate_ragged_lines=False,
        encoding="utf8",
        glob=False,  # a path is a file name: 'billing [2024].csv' is not a pattern
    )


def read_raw(source: Source, stdin: BinaryIO | None = None) -> Raw:
    """Open an export lazily; CSV details (encoding, separator) are detected from its first bytes."""
    data: bytes | None = None
    if source.path is None:
        data = read_stdin(stdin)
        if not data.strip():
            raise InputError("<stdin>: the input is empty")
        head = data[:SNIFF_BYTES]
    else:
        path = _check_path(source)
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    fmt = _format_of(source, head)
    if fmt != "csv":
        return _read_typed(source, fmt, data)
    _check_header(source, data)
    encoding, text = _decode_head(head)
    notes: list[str] = []
    keep: list[object] = []
    separator = sniff_separator(text)
    target: Path | bytes = data if data is not None else source.path  # type: ignore[assignment]
    if encoding != "utf-8":
        notes.append(f"{source.label}: not UTF-8; read as Windows-1252")
        target = _transcode(target, "cp1252")
        keep.append(_Cleanup(target))
    elif isinstance(target, bytes) and target.startswith(codecs.BOM_UTF8):
        target = target[len(codecs.BOM_UTF8) :]
    frame = scan_csv(target, separator)
    try:
        columns = [c for c in frame.collect_schema().names() if c != ROW]
    except pl.exceptions.ComputeError as exc:
        raise InputError(f"{source.label}: cannot read as CSV: {_first_line(exc)}") from None
    if columns and columns[0].startswith("\ufeff"):
        first = columns[0]
        frame = frame.rename({first: first.lstrip("\ufeff")})
        columns[0] = first.lstrip("\ufeff")
    return Raw(frame, columns, source, "csv", notes, True, keep, separator, target)


def reopen_cp1252(raw: Raw) -> Raw:
    """The same CSV read as Windows-1252 (its first bytes looked like UTF-8, later ones do not)."""
    assert raw.target is not None and raw.separator is not None
    target = _transcode(raw.target, "cp1252")
    frame = scan_csv(target, raw.separator)
    notes = [*raw.notes, f"{raw.source.label}: not UTF-8; read as Windows-1252"]
    return Raw(frame, raw.columns, raw.source, "csv", notes, True, [*raw.keep, _Cleanup(target)], raw.separator, target)


class _Cleanup:
    """Removes a temporary file when the Raw that needs it is gone."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __del__(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# Bounds on what one export may ask of memory (issue 16): a header of a million columns or a zip bomb is refused
# (exit 3) before any reader sizes its buffers by it.
MAX_HEADER_BYTES = 1 << 20
MAX_COLUMNS = 5_000
MAX_XLSX_BYTES = 1 << 30  # uncompressed
MAX_XLSX_RATIO = 200


def _check_header(source: Source, data: bytes | None) -> None:
    """The header (first line) of a CSV: at most MAX_HEADER_BYTES long and MAX_COLUMNS columns."""
    if data is not None:
        first = data[: MAX_HEADER_BYTES + 1]
    else:
        with source.path.open("rb") as handle:  # type: ignore[union-attr]
            first = handle.read(MAX_HEADER_BYTES + 1)
    end = first.find(b"\n")
    if end < 0 and len(first) > MAX_HEADER_BYTES:
        raise InputError(f"{source.label}: the header (first line) is longer than {MAX_HEADER_BYTES >> 20} MiB")
    line = first if end < 0 else first[:end]
    columns = max(line.count(sep.encode()) for sep in SEPARATORS) + 1
    if columns > MAX_COLUMNS:
        raise InputError(
            f"{source.label}: the header has about {columns:,} columns; csctl reads at most {MAX_COLUMNS:,}"
        )


def _check_zip(source: Source, target: Path | io.BytesIO) -> None:
    """An XLSX is a zip: its uncompressed size is bounded (absolute and against its size), before it is opened."""
    import zipfile

    try:
        with zipfile.ZipFile(target) as book:
            infos = book.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: the Excel reader says what is wrong with it
    finally:
        if isinstance(target, io.BytesIO):
            target.seek(0)
    unpacked = sum(info.file_size for info in infos)
    packed = max(1, sum(info.compress_size for info in infos))
    if unpacked > MAX_XLSX_BYTES or (unpacked > (64 << 20) and unpacked / packed > MAX_XLSX_RATIO):
        raise InputError(
            f"{source.label}: the workbook unpacks to {unpacked / (1 << 20):,.0f} MiB from {packed / (1 << 20):,.1f} "
            f"MiB; csctl reads workbooks up to {MAX_XLSX_BYTES >> 20:,} MiB unpacked (save it as CSV)"
        )


def _read_typed(source: Source, fmt: str, data: bytes | None) -> Raw:
    target: Path | io.BytesIO = io.BytesIO(data) if data is not None else source.path  # type: ignore[assignment]
    try:
        if fmt == "excel":
            _check_zip(source, target)
            frame = _read_excel(source, target)
        elif fmt == "parquet":
            frame = pl.read_parquet(target, glob=False)
        else:
            frame = pl.read_ndjson(target, infer_schema_length=None)
    except InputError:
        raise
    except Exception as exc:  # the readers raise many types for a corrupt file
        raise InputError(f"{source.label}: cannot read as {fmt}: {_first_line(exc)}") from None
    frame = frame.with_row_index(ROW, offset=2 if fmt == "excel" else 1).with_columns(pl.col(ROW).cast(pl.UInt32))
    columns = [c for c in frame.columns if c != ROW]
    return Raw(frame.lazy(), columns, source, fmt, [], False)


def excel_sheets(path: Path) -> list[str]:
    """The sheet names of a workbook (exit 3 when it cannot be opened)."""
    import fastexcel

    _check_zip(Source(str(path), path), path)
    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as exc:  # fastexcel raises several types for a corrupt file
        raise InputError(f"{path}: cannot read as excel: {_first_line(exc)}") from None


def _read_excel(source: Source, target: Path | io.BytesIO) -> pl.DataFrame:
    import fastexcel

    reader = fastexcel.read_excel(target.read() if isinstance(target, io.BytesIO) else str(target))
    names = reader.sheet_names
    sheet: str | int = 0
    if source.sheet is not None:
        if source.sheet not in names:
            import difflib

            close = difflib.get_close_matches(source.sheet, names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise InputError(f"{source.label}: no sheet {source.sheet!r}.{hint} Sheets: {', '.join(names)}")
        sheet = source.sheet
    table = reader.load_sheet(sheet)
    frame = table.to_polars()
    if frame.width == 0:
        raise InputError(f"{source.label}: the sheet is empty")
    return frame
