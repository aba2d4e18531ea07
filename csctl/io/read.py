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
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO, Protocol

import polars as pl

from csctl.errors import InputError, UsageError, closest, did_you_mean

ROW = "__row"
SNIFF_BYTES = 1 << 16
SEPARATORS = ",;\t|"
EXCEL = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
PARQUET = (".parquet", ".pq")
NDJSON = (".ndjson", ".jsonl")


SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
COMPRESSED = {".gz": "gzip", ".bz2": "bzip2", ".zip": "zip"}
TITLE_ROWS = 30  # rows above the header searched for it (a report's title, filters, a blank line)


@dataclass(frozen=True)
class InputFile:
    """One file to read, as its spec names it: a path (None: stdin), and a workbook's sheet or an archive's member
    (``path#sheet``)."""

    spec: str
    path: Path | None  # None: stdin
    sheet: str | None = None  # a workbook's sheet, or a .zip archive's member
    base: Path | None = None  # the folder a relative path is relative to (not this process's: a cluster's worker)

    @property
    def file(self) -> Path | None:
        """Where the file is opened: the path, under ``base`` when it is relative. Messages name the path as given."""
        if self.base is None or self.path is None or self.path.is_absolute():
            return self.path
        return self.base / self.path

    @property
    def label(self) -> str:
        if self.path is None:
            return "<stdin>"
        return f"{self.path}#{self.sheet}" if self.sheet else str(self.path)


@dataclass
class Raw:
    frame: pl.LazyFrame
    columns: list[str]
    source: InputFile
    format: str
    notes: list[str] = field(default_factory=list)
    text: bool = True  # every column is text (CSV); else typed (Excel, Parquet, NDJSON)
    keep: list[object] = field(default_factory=list)  # temporary files that must outlive the LazyFrame
    separator: str | None = None
    target: Path | bytes | None = None  # what the CSV reader reads (a UTF-8 file or bytes)
    encoding: str = "utf-8"
    header_row: int = 1  # the line (CSV) or row (workbook) of the header, from 1
    compression: str | None = None
    footer: int = 0  # lines of a report's footer left out (CSV)
    sheets: list[str] = field(default_factory=list)  # a workbook's sheets

    def facts(self) -> dict[str, object]:
        """How the file itself was read (before any column was typed)."""
        facts: dict[str, object] = {"file": self.source.label, "format": self.format}
        if self.compression:
            facts["compression"] = self.compression
        if self.format == "csv":
            facts["encoding"] = self.encoding
            facts["delimiter"] = SEPARATOR_NAMES.get(self.separator or ",", self.separator)
        if self.format == "excel":
            facts["sheet"] = self.source.sheet or (self.sheets[0] if self.sheets else None)
            facts["sheets"] = self.sheets
        facts["header_row"] = self.header_row
        if self.footer:
            facts["footer_lines"] = self.footer
        return facts

    @property
    def first_row(self) -> int:
        """The number a person sees for the first data row (the header's row + 1)."""
        return self.header_row + 1


def parse_spec(spec: str, base: Path | None = None) -> InputFile:
    """INPUT is a path, ``path.xlsx#Sheet`` or ``-`` for stdin. A name that is not UTF-8 (its bytes came through
    as surrogates) exits 3: the readers take UTF-8 paths only. ``base``: the folder a relative path is relative to,
    when it is not this process's working folder."""
    if spec == "-":
        return InputFile(spec, None)
    try:
        spec.encode("utf-8")
    except UnicodeEncodeError:
        shown = spec.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise InputError(f"{shown}: the file name is not UTF-8; rename the file (csctl reads UTF-8 names)") from None
    if "#" in spec:
        name, _, sheet = spec.rpartition("#")
        if Path(name).suffix.lower() in (*EXCEL, ".zip") and sheet:
            return InputFile(spec, Path(name), sheet, base)
    return InputFile(spec, Path(spec), None, base)


def _check_path(source: InputFile) -> Path:
    """The file to open (exit 3 when there is none, or it is a folder or empty); messages name it as given."""
    shown, path = source.path, source.file
    assert shown is not None and path is not None
    if not path.exists():
        hint = None
        parent = path.parent if str(path.parent) else Path(".")
        if parent.is_dir():
            close = closest(path.name, [p.name for p in parent.iterdir()])
            if close is not None:
                hint = f"did you mean {str(shown.parent / close)!r}?"
        raise InputError(f"{shown}: no such file", hint=hint)
    if path.is_dir():
        raise InputError(f"{shown}: is a directory, expected a file (CSV, TSV, XLSX, Parquet or NDJSON)")
    if path.stat().st_size == 0:
        raise InputError(f"{shown}: the file is empty")
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


def _format_of(source: InputFile, head: bytes, name: str | None = None) -> str:
    suffix = Path(name).suffix.lower() if name else (source.path.suffix.lower() if source.path else "")
    if suffix in EXCEL or head.startswith(b"PK\x03\x04"):
        return "excel"
    if suffix in PARQUET or head.startswith(b"PAR1"):
        return "parquet"
    if suffix in NDJSON or (suffix == ".json" and head.lstrip().startswith(b"{")):
        return "ndjson"
    if suffix == ".json":
        raise InputError(f"{source.label}: JSON arrays are not read; export newline-delimited JSON (.ndjson)")
    return "csv"


BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode_head(head: bytes) -> tuple[str, str]:
    """Decode the first bytes: ('utf-8', text), ('utf-16' or 'utf-32', text) by a byte-order mark, or ('cp1252',
    text) when they are not UTF-8."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            usable = len(head) - (len(head) - len(bom)) % (4 if encoding == "utf-32" else 2)
            return encoding, head[:usable].decode(encoding, errors="replace")
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


class Undecodable(InputError):
    """Bytes that are neither UTF-8 nor the encoding the file was read as."""


def _transcode(data: bytes | Path, encoding: str, label: str = "") -> Path:
    """Write a UTF-8 copy of a non-UTF-8 file to a temporary file (streamed for files on disk). A byte the
    encoding does not define stops the read (exit 3) naming its offset."""
    handle = tempfile.NamedTemporaryFile(prefix="csctl-", suffix=".csv", delete=False)  # noqa: SIM115
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    done = 0
    try:
        with handle:
            source = data.open("rb") if isinstance(data, Path) else io.BytesIO(data)
            with source:
                while chunk := source.read(1 << 20):
                    try:
                        handle.write(decoder.decode(chunk).encode("utf-8"))
                    except UnicodeDecodeError as exc:
                        offset = done + exc.start
                        byte = chunk[exc.start : exc.start + 1].hex().upper()
                        raise Undecodable(
                            f"{label}: byte 0x{byte} at offset {offset:,} is neither UTF-8 nor "
                            f"{'Windows-1252' if encoding == 'cp1252' else encoding.upper()}; cannot tell the "
                            "file's encoding",
                            hint="save the export as UTF-8 (CSV UTF-8 in Excel) and read it again",
                        ) from None
                    done += len(chunk)
                try:
                    handle.write(decoder.decode(b"", final=True).encode("utf-8"))
                except UnicodeDecodeError:  # an odd byte (UTF-16) or 1-3 bytes (UTF-32) at the end: a cut file
                    raise Undecodable(
                        f"{label}: the file ends in the middle of a character ({done:,} bytes are not whole "
                        f"{encoding.upper()} characters); it may have been cut short",
                        hint="export the file again, or save it as UTF-8 (CSV UTF-8 in Excel)",
                    ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise
    return Path(handle.name)


MAX_UNPACKED_BYTES = 16 << 30  # what a .gz/.bz2/.zip input may unpack to: 16 GiB,
MAX_UNPACKED_RATIO = 200  # and beyond UNPACKED_RATIO_FLOOR, at most 200 times its packed size (a CSV packs 5-20x)
UNPACKED_RATIO_FLOOR = 64 << 20
_CHUNK = 1 << 20


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _bounded_copy(src: _Readable, dst: IO[bytes], packed: int, label: str, kind: str) -> None:
    """Unpack ``src`` into ``dst`` a chunk at a time, within the caps: a decompression bomb (a few KB that unpack to
    terabytes) exits 3 as soon as it passes them, before the disk or memory fills."""
    unpacked = 0
    while chunk := src.read(_CHUNK):
        unpacked += len(chunk)
        too_big = unpacked > MAX_UNPACKED_BYTES
        if too_big or (unpacked > UNPACKED_RATIO_FLOOR and unpacked > packed * MAX_UNPACKED_RATIO):
            limit = (
                f"more than {MAX_UNPACKED_BYTES >> 20:,} MiB, csctl's limit"
                if too_big
                else f"more than {unpacked >> 20:,} MiB from {packed:,} bytes, over {MAX_UNPACKED_RATIO} times its "
                f"packed size (csctl's limit beyond {UNPACKED_RATIO_FLOOR >> 20:,} MiB)"
            )
            raise InputError(
                f"{label}: the {kind} data unpacks to {limit}; refused as a decompression bomb",
                hint="if the export is real, unpack it yourself and give the file",
            )
        dst.write(chunk)


def _decompress(source: InputFile, path: Path | None, data: bytes | None) -> tuple[Path | None, bytes | None, str, str]:
    """A .gz, .bz2 or .zip input as the file it holds: (path, data, the inner file's name, compression), unpacked
    within MAX_UNPACKED_BYTES and MAX_UNPACKED_RATIO (_bounded_copy)."""
    import bz2
    import gzip
    import zipfile

    name = path.name if path is not None else ""
    suffix = Path(name).suffix.lower()
    if data is not None:  # stdin: by its magic bytes
        if data.startswith(b"\x1f\x8b"):
            out = io.BytesIO()
            try:
                with gzip.GzipFile(fileobj=io.BytesIO(data)) as src:
                    _bounded_copy(src, out, len(data), source.label, "gzip")
            except (OSError, EOFError) as exc:
                raise InputError(f"{source.label}: cannot read as gzip: {_first_line(exc)}") from None
            return None, out.getvalue(), "stdin.csv", "gzip"
        return None, data, "", ""
    assert path is not None
    kind = COMPRESSED.get(suffix)
    if kind is None:
        return path, None, name, ""
    inner = Path(name).stem
    handle = tempfile.NamedTemporaryFile(prefix="csctl-", suffix=Path(inner).suffix or ".csv", delete=False)  # noqa: SIM115
    try:
        with handle:
            if kind == "zip":
                with zipfile.ZipFile(path) as archive:
                    members = [
                        m.filename
                        for m in archive.infolist()
                        if not m.is_dir() and not m.filename.startswith("__MACOSX") and not m.filename.endswith("/")
                    ]
                    wanted = source.sheet
                    if wanted is None:
                        exports = [m for m in members if Path(m).suffix.lower() in (".csv", ".tsv", ".txt", *EXCEL)]
                        if len(exports) != 1:
                            shown = ", ".join(members[:20]) or "nothing"
                            raise InputError(
                                f"{source.label}: the archive holds {len(exports)} export files ({shown})",
                                hint=f"name one: '{path}#{exports[0] if exports else 'file.csv'}'",
                            )
                        wanted = exports[0]
                    elif wanted not in members:
                        raise InputError(
                            f"{source.label}: no {wanted!r} in the archive.{did_you_mean(wanted, members)}"
                            f" It holds: {', '.join(members[:20])}"
                        )
                    inner = Path(wanted).name
                    packed = archive.getinfo(wanted).compress_size
                    with archive.open(wanted) as src:
                        _bounded_copy(src, handle, packed, source.label, kind)
            else:
                opener = gzip.open if kind == "gzip" else bz2.open
                with opener(path, "rb") as src:
                    _bounded_copy(src, handle, path.stat().st_size, source.label, kind)
    except InputError:
        os.unlink(handle.name)
        raise
    except (OSError, EOFError, zipfile.BadZipFile, NotImplementedError) as exc:  # NotImplemented: a zip version
        os.unlink(handle.name)
        raise InputError(f"{source.label}: cannot read as {kind}: {_first_line(exc)}") from None
    return Path(handle.name), None, inner, kind


def find_header(rows: list[list[str]]) -> int:
    """The index of the header among a file's first rows: the first row whose cells are (nearly) all filled and as
    wide as the data, below any title rows (a report's name, its filters, a blank line)."""
    filled = [sum(1 for cell in row if str(cell).strip()) for row in rows]
    width = max(filled, default=0)
    if width < 2:
        return 0
    for index, count in enumerate(filled):
        if count >= max(2, int(width * 0.8)):
            return index
    return 0


def _header_index(text: str) -> int:
    """The header's line below any title rows: for each candidate separator, the first full-width row; the
    separator whose rows below it keep that width decides."""
    best: tuple[int, int, int] = (0, 0, 0)
    for separator in SEPARATORS:
        rows = _csv_rows(text, separator, TITLE_ROWS)
        if not rows:
            continue
        index = find_header(rows)
        width = len(rows[index])
        consistent = sum(1 for row in rows[index + 1 : index + 6] if len(row) == width)
        if width > 1 and (consistent, width) > best[:2]:
            best = (consistent, width, index)
    return best[2]


def _csv_rows(text: str, separator: str, limit: int) -> list[list[str]]:
    rows = []
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator):
        rows.append(row)
        if len(rows) >= limit:
            break
    return rows


def _footer_start(target: Path | bytes, separator: str, width: int) -> tuple[int, int]:
    """A report's footer (a blank line, then lines of one field: the report's name, copyright, 'Generated By'):
    (its byte offset, its count of lines with text), or (-1, 0) when there is none. Blank lines at the end of a
    file are left out as a footer of no text (a reader would take them for rows of empty values)."""
    if width < 2:
        return -1, 0
    if isinstance(target, Path):
        size = target.stat().st_size
        with target.open("rb") as handle:
            handle.seek(max(0, size - 4096))
            tail = handle.read()
        base = max(0, size - 4096)
    else:
        tail, base = target[-4096:], max(0, len(target) - 4096)
    lines = tail.split(b"\n")
    if lines and not lines[-1].strip():
        lines.pop()
    count, blank, text = 0, False, False
    while lines:
        line = lines[-1].decode("utf-8", errors="replace").strip("\r")
        try:
            fields = next(csv.reader([line], delimiter=separator), [])
        except csv.Error:  # a lone CR in a line, or a field over the csv module's limit: not a footer
            break
        if len(fields) > 1:
            break
        empty = not "".join(fields).strip()
        blank, text = blank or empty, text or not empty
        count += 1
        lines.pop()
    if not blank or not lines:  # a footer is a blank line (and some text, or nothing more), below the rows
        return -1, 0
    return base + len(b"\n".join(lines)) + 1, count if text else 0


def _slice(target: Path | bytes, start: int, end: int) -> Path:
    """The bytes [start, end) of a file as a temporary file (the table between title rows and a footer)."""
    handle = tempfile.NamedTemporaryFile(prefix="csctl-", suffix=".csv", delete=False)  # noqa: SIM115
    with handle:
        if isinstance(target, bytes):
            handle.write(target[start : end if end >= 0 else None])
        else:
            with target.open("rb") as src:
                src.seek(start)
                left = (end - start) if end >= 0 else -1
                while left != 0:
                    chunk = src.read(1 << 20 if left < 0 else min(left, 1 << 20))
                    if not chunk:
                        break
                    handle.write(chunk)
                    left -= len(chunk) if left > 0 else 0
    return Path(handle.name)


def scan_csv(
    target: Path | bytes, separator: str, native: dict[str, pl.DataType] | None = None, first_row: int = 2
) -> pl.LazyFrame:
    """Every column as text, except ``native`` ones the reader parses itself (it fails on a value it can't)."""
    source: Path | io.BytesIO = io.BytesIO(target) if isinstance(target, bytes) else target
    return pl.scan_csv(
        source,
        separator=separator,
        infer_schema=False,
        schema_overrides=native,
        raise_if_empty=False,
        row_index_name=ROW,
        row_index_offset=first_row,
        truncate_ragged_lines=False,
        encoding="utf8",
        glob=False,  # a path is a file name: 'billing [2024].csv' is not a pattern
    )


def head_bytes(target: Path | bytes, lines: int, limit: int = 8 << 20) -> bytes | None:
    """The first whole lines of a CSV, at least ``lines`` of them, so a sample of its rows is parsed without reading
    the whole file; None when the file is not much longer (read it whole) or its first ``limit`` bytes hold fewer
    lines."""
    if isinstance(target, bytes):
        head = target[:limit]
        whole = len(target) <= limit
    else:
        parts: list[bytes] = []
        found, size, whole = 0, 0, False
        with target.open("rb") as handle:
            while found <= lines and size < limit:
                chunk = handle.read(1 << 18)
                if not chunk:
                    whole = True
                    break
                parts.append(chunk)
                found += chunk.count(b"\n")
                size += len(chunk)
        head = b"".join(parts)
    if head.count(b"\n") <= lines:
        return None
    end = 0
    for _ in range(lines + 1):  # the end of line lines + 1 (a header and ``lines`` rows)
        end = head.index(b"\n", end) + 1
    if whole and end >= len(head) - 1:
        return None
    return head[len(codecs.BOM_UTF8) : end] if head.startswith(codecs.BOM_UTF8) else head[:end]


def read_raw(source: InputFile, stdin: BinaryIO | None = None, header_row: int | None = None) -> Raw:
    """Open an export lazily. A .gz/.bz2/.zip is read as the file it holds; CSV details (encoding, separator, the
    header's row below any title rows, a report's footer) are detected from its bytes. ``header_row`` (from 1)
    overrides the header's detected row."""
    data: bytes | None = None
    path: Path | None = None
    if source.path is None:
        data = read_stdin(stdin)
        if not data.strip():
            raise InputError("<stdin>: the input is empty")
    else:
        path = _check_path(source)
    keep: list[object] = []
    path, data, inner, compression = _decompress(source, path, data)
    if compression and path is not None:
        keep.append(_Cleanup(path))
    if path is not None:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    else:
        assert data is not None
        head = data[:SNIFF_BYTES]
    fmt = _format_of(source, head, inner or None)
    if fmt != "csv":
        raw = _read_typed(source, fmt, data if path is None else None, path, header_row)
        raw.compression, raw.keep = compression or None, [*raw.keep, *keep]
        return raw
    _check_header(source, data, path)
    encoding, text = _decode_head(head)
    notes: list[str] = []
    target: Path | bytes = data if data is not None else path  # type: ignore[assignment]
    if encoding != "utf-8":
        if encoding == "cp1252":
            notes.append(f"{source.label}: not UTF-8; read as Windows-1252")
        target = _transcode(target, encoding, source.label)
        keep.append(_Cleanup(target))
    elif isinstance(target, bytes) and target.startswith(codecs.BOM_UTF8):
        target = target[len(codecs.BOM_UTF8) :]
    if text.startswith("\ufeff"):  # a second mark: the reader would take it for part of the first column's name
        raise InputError(
            f"{source.label}: the file starts with two byte-order marks",
            hint="save the export again as CSV (CSV UTF-8 in Excel)",
        )
    if "\r" in text and "\n" not in text:
        raise InputError(
            f"{source.label}: lines end in CR only (classic Mac OS line endings); csctl reads LF or CRLF",
            hint="save the export again as CSV (CSV UTF-8 in Excel)",
        )
    lines = text.splitlines()
    if header_row and header_row > len(lines):
        raise UsageError(f"--header-row {header_row}: {source.label} has only {len(lines)} lines in its first bytes")
    index = header_row - 1 if header_row else _header_index(text)
    separator = sniff_separator("\n".join(lines[index:]))
    width = max((len(r) for r in _csv_rows("\n".join(lines[index : index + 6]), separator, 6)), default=0)
    footer_at, footer = _footer_start(target, separator, width)
    if index or footer_at >= 0:
        start = 0
        if index:  # the byte offset of the header's line (title rows are plain lines)
            prefix = "".join(text.splitlines(keepends=True)[:index])
            start = len(prefix.encode("utf-8"))
            if isinstance(target, Path) and target == path and head.startswith(codecs.BOM_UTF8):
                start += len(codecs.BOM_UTF8)
        target = _slice(target, start, footer_at)
        keep.append(_Cleanup(target))
        if index:
            notes.append(f"{source.label}: the header is on line {index + 1} (the lines above it are a title)")
        if footer:
            notes.append(f"{source.label}: left out the report footer ({footer} lines at the end)")
    frame = scan_csv(target, separator, first_row=index + 2)
    try:
        columns = [c for c in frame.collect_schema().names() if c != ROW]
    except pl.exceptions.ComputeError as exc:
        raise InputError(f"{source.label}: cannot read as CSV: {_first_line(exc)}") from None
    if columns and columns[0].startswith("\ufeff"):
        first = columns[0]
        frame = frame.rename({first: first.lstrip("\ufeff")})
        columns[0] = first.lstrip("\ufeff")
    return Raw(
        frame,
        columns,
        source,
        "csv",
        notes,
        True,
        keep,
        separator,
        target,
        encoding=encoding,
        header_row=index + 1,
        compression=compression or None,
        footer=footer,
    )


def reopen_cp1252(raw: Raw) -> Raw:
    """The same CSV read as Windows-1252 (its first bytes looked like UTF-8, later ones do not)."""
    assert raw.target is not None and raw.separator is not None
    target = _transcode(raw.target, "cp1252", raw.source.label)
    frame = scan_csv(target, raw.separator, first_row=raw.first_row)
    notes = [*raw.notes, f"{raw.source.label}: not UTF-8; read as Windows-1252"]
    return Raw(
        frame,
        raw.columns,
        raw.source,
        "csv",
        notes,
        True,
        [*raw.keep, _Cleanup(target)],
        raw.separator,
        target,
        encoding="cp1252",
        header_row=raw.header_row,
        compression=raw.compression,
        footer=raw.footer,
    )


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


def _check_header(source: InputFile, data: bytes | None, path: Path | None = None) -> None:
    """The header (first line) of a CSV: at most MAX_HEADER_BYTES long and MAX_COLUMNS columns. ``path``: the file
    read (a decompressed copy of a .gz, say), when it is not the source's."""
    if data is not None:
        first = data[: MAX_HEADER_BYTES + 1]
    else:
        with (path or source.path).open("rb") as handle:  # type: ignore[union-attr]
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


def _check_zip(source: InputFile, target: Path | io.BytesIO) -> None:
    """An XLSX is a zip: its uncompressed size is bounded (absolute and against its size), before it is opened."""
    import zipfile

    try:
        with zipfile.ZipFile(target) as book:
            infos = book.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
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


def _with_hive_keys(frame: pl.DataFrame, path: Path | None) -> pl.DataFrame:
    """A Parquet part in hive folders (``status=paid/part-0.parquet``, as Spark, Polars and DuckDB write a dataset
    partitioned by a column) holds that column in its folder's name, not in the file: it is added as text, as the
    writers read it back. A column the file has itself is kept as it is."""
    if path is None:
        return frame
    keys: dict[str, str] = {}
    for part in path.parent.parts:
        name, eq, value = part.partition("=")
        if eq and name and not name.startswith((".", "_")):
            keys[name] = urllib.parse.unquote(value)
    added = {k: v for k, v in keys.items() if k not in frame.columns}
    return frame.with_columns(
        pl.lit(None if v == "__HIVE_DEFAULT_PARTITION__" else v, pl.String).alias(k) for k, v in added.items()
    )


def _read_typed(
    source: InputFile, fmt: str, data: bytes | None, path: Path | None = None, header_row: int | None = None
) -> Raw:
    file = path if path is not None else source.path
    target: Path | io.BytesIO = io.BytesIO(data) if data is not None else file  # type: ignore[assignment]
    index, sheets = 0, list[str]()
    try:
        if fmt == "excel":
            _check_zip(source, target)
            frame, index, sheets = _read_excel(source, target, header_row)
        elif fmt == "parquet":
            frame = _with_hive_keys(pl.read_parquet(target, glob=False), source.path)
        else:
            frame = pl.read_ndjson(target, infer_schema_length=None)
    except InputError:
        raise
    except Exception as exc:  # the readers raise many types for a corrupt file
        raise InputError(f"{source.label}: cannot read as {fmt}: {_first_line(exc)}") from None
    offset = index + 2 if fmt == "excel" else 1
    frame = frame.with_row_index(ROW, offset=offset).with_columns(pl.col(ROW).cast(pl.UInt32))
    columns = [c for c in frame.columns if c != ROW]
    notes = [f"{source.label}: the header is on row {index + 1} (the rows above it are a title)"] if index else []
    return Raw(frame.lazy(), columns, source, fmt, notes, False, header_row=index + 1, sheets=sheets)


def archive_members(path: Path) -> list[str]:
    """The export files a .zip holds (exit 3 when it cannot be opened)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return [
                m.filename
                for m in archive.infolist()
                if not m.is_dir()
                and not m.filename.startswith("__MACOSX")
                and Path(m.filename).suffix.lower() in (".csv", ".tsv", ".txt", *EXCEL)
            ]
    except (OSError, zipfile.BadZipFile, NotImplementedError) as exc:
        raise InputError(f"{path}: cannot read as zip: {_first_line(exc)}") from None


def excel_sheets(path: Path) -> list[str]:
    """The sheet names of a workbook (exit 3 when it cannot be opened)."""
    import fastexcel

    _check_zip(InputFile(str(path), path), path)
    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as exc:  # fastexcel raises several types for a corrupt file
        raise InputError(f"{path}: cannot read as excel: {_first_line(exc)}") from None


def _read_excel(
    source: InputFile, target: Path | io.BytesIO, header_row: int | None = None
) -> tuple[pl.DataFrame, int, list[str]]:
    """The sheet as a frame, its header's row index (below any title rows) and the workbook's sheets."""
    import fastexcel

    reader = fastexcel.read_excel(target.read() if isinstance(target, io.BytesIO) else str(target))
    names = reader.sheet_names
    sheet: str | int = 0
    if source.sheet is not None:
        if source.sheet not in names:
            raise InputError(
                f"{source.label}: no sheet {source.sheet!r}.{did_you_mean(source.sheet, names)} Sheets: "
                f"{', '.join(names)}"
            )
        sheet = source.sheet
    if header_row is not None:
        index = header_row - 1
    else:
        top = reader.load_sheet(sheet, header_row=None, n_rows=TITLE_ROWS, dtype_coercion="coerce").to_polars()
        rows = [["" if v is None else str(v) for v in row] for row in top.cast(pl.String).rows()]
        index = find_header(rows)
    table = reader.load_sheet(sheet, header_row=index)
    frame = table.to_polars()
    if frame.width == 0:
        raise InputError(f"{source.label}: the sheet is empty")
    return frame, index, list(names)
