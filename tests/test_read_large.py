"""Reading an export longer than the sample: every check still holds past the sampled rows, row numbers are the
file's, and the sample parsed from the file's first lines is the file's first rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

import polars as pl
import pytest

from csctl.errors import InputError
from csctl.io.load import REVENUE_COLUMNS, load_revenue
from csctl.io.parse import SAMPLE_ROWS, ReadOptions, _sample
from csctl.io.read import ROW, head_bytes, parse_spec, read_raw

HEADER = [
    "invoice_id",
    "customer_id",
    "customer_name",
    "product",
    "quantity",
    "unit_price",
    "amount",
    "currency",
    "period_start",
    "period_end",
    "status",
]
ROWS = SAMPLE_ROWS + 1500  # past the sample, so the checks below are of rows the sample did not see


def _rows(n: int = ROWS) -> list[list[str]]:
    rng = random.Random(15)
    rows = []
    for i in range(n):
        start = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(700))
        quantity = rng.randrange(1, 30)
        price = rng.randrange(100, 99_999)
        rows.append(
            [
                f"INV-{i:06d}",
                f"C{rng.randrange(400):04d}",
                f"Customer {i % 400}",
                rng.choice(["core", "api", "sso"]),
                str(quantity),
                f"{price / 100:.2f}",
                f"{quantity * price / 100:.2f}",
                "USD",
                start.isoformat(),
                (start + dt.timedelta(days=30)).isoformat(),
                rng.choice(["paid", "open"]),
            ]
        )
    return rows


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _read(path: Path) -> pl.DataFrame:
    _kind, canonical = load_revenue(str(path), "billing", ReadOptions())
    return canonical.frame


def test_a_clean_export_reads_as_a_plain_csv_reading_of_it(tmp_path: Path) -> None:
    rows = _rows()
    frame = _read(_write(tmp_path / "billing.csv", rows))
    assert frame[ROW].to_list() == list(range(2, len(rows) + 2))  # the file's row numbers (the header is row 1)
    assert frame["amount"].to_list() == [float(r[6]) for r in rows]
    assert frame["quantity"].to_list() == [float(r[4]) for r in rows]
    assert frame["period_start"].to_list() == [dt.date.fromisoformat(r[8]) for r in rows]
    assert frame["period_end"].to_list() == [dt.date.fromisoformat(r[9]) for r in rows]
    assert frame["customer_id"].to_list() == [r[1] for r in rows]
    assert set(frame.columns) == {ROW, *REVENUE_COLUMNS["billing"]}  # columns not asked for are not kept


@pytest.mark.parametrize("extra", [True, False])
def test_a_ragged_row_past_the_sample_exits_3_naming_it(tmp_path: Path, extra: bool) -> None:
    rows = _rows()
    row = SAMPLE_ROWS + 700  # the file's row number (data starts on row 2)
    rows[row - 2] = [*rows[row - 2], "surplus"] if extra else rows[row - 2][:-1]
    fields = len(HEADER) + (1 if extra else -1)
    with pytest.raises(InputError, match=rf"row {row} has {fields} fields; the header has {len(HEADER)} \(ragged"):
        _read(_write(tmp_path / "billing.csv", rows))


def test_a_longer_row_with_a_quoted_separator_is_not_ragged(tmp_path: Path) -> None:
    rows = _rows()
    rows[SAMPLE_ROWS + 100][2] = 'Acme, "Inc"\nSecond line'  # quoted by the writer: one field
    frame = _read(_write(tmp_path / "billing.csv", rows))
    assert frame.height == len(rows)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("amount", "1e16", "finite and below 1e+15"),
        ("amount", "12.x", "an amount"),
        ("quantity", "inf", "a number"),
        ("period_start", "2024-13-45", "a date"),
        ("period_start", "1850-01-01", "years 1900-2200"),
    ],
)
def test_a_bad_value_past_the_sample_names_file_row_column_value(
    tmp_path: Path, column: str, value: str, expected: str
) -> None:
    rows = _rows()
    row = SAMPLE_ROWS + 900
    rows[row - 2][HEADER.index(column)] = value
    path = _write(tmp_path / "billing.csv", rows)
    with pytest.raises(InputError) as caught:
        _read(path)
    message = caught.value.message
    assert message.startswith(f"{path}: row {row}, column '{column}': cannot read {value!r} as ")
    assert expected in message


def test_bad_rows_past_the_sample_are_skipped_and_counted(tmp_path: Path) -> None:
    rows = _rows()
    bad = [SAMPLE_ROWS + 10, SAMPLE_ROWS + 1200]
    rows[bad[0] - 2][6] = "lots"
    rows[bad[1] - 2][9] = "2020-01-01"  # before its start: the order rule
    path = _write(tmp_path / "billing.csv", rows)
    with pytest.raises(InputError, match=rf"row {bad[0]}, column 'amount'.*\(1 more bad row;"):
        _read(path)
    _kind, canonical = load_revenue(str(path), "billing", ReadOptions(skip_bad_rows=True))
    assert canonical.skipped == 2
    assert canonical.frame.height == len(rows) - 2
    assert not set(bad) & set(canonical.frame[ROW].to_list())
    assert any("skipped 2 bad rows" in note for note in canonical.notes)


def test_an_end_before_start_past_the_sample_names_both(tmp_path: Path) -> None:
    rows = _rows()
    row = SAMPLE_ROWS + 333
    rows[row - 2][8:10] = ["2024-05-01", "2024-04-30"]
    with pytest.raises(InputError, match=rf"row {row}: period_end 2024-04-30 is before period_start 2024-05-01"):
        _read(_write(tmp_path / "billing.csv", rows))


def test_far_future_ends_past_the_sample_read_as_ongoing_with_a_note(tmp_path: Path) -> None:
    rows = _rows()
    for row in (SAMPLE_ROWS + 5, SAMPLE_ROWS + 6):
        rows[row - 2][9] = "9999-12-31"
    _kind, canonical = load_revenue(str(_write(tmp_path / "billing.csv", rows)), "billing", ReadOptions())
    assert canonical.frame["period_end"].null_count() == 2
    assert any("2 rows with a far-future period_end" in note for note in canonical.notes)
    assert not [c for c in canonical.frame.columns if c.startswith("__") and c != ROW]


def test_an_oversized_value_in_a_column_not_read_exits_3_without_echoing_it(tmp_path: Path) -> None:
    rows = _rows()
    row = SAMPLE_ROWS + 50
    rows[row - 2][2] = "x" * ((10 << 20) + 1)  # customer_name: not a billing column, read only for its size
    path = _write(tmp_path / "billing.csv", rows)
    with pytest.raises(InputError) as caught:
        _read(path)
    assert caught.value.message == (
        f"{path}: row {row}, column 'customer_name': a value of 10,485,761 bytes; csctl reads values of at most "
        "10 MiB (is a quote left open?)"
    )


def test_head_bytes_is_the_header_and_whole_lines(tmp_path: Path) -> None:
    data = b"".join(f"{i},{'x' * (i % 7)}\n".encode() for i in range(5000))
    path = tmp_path / "lines.csv"
    path.write_bytes(b"\xef\xbb\xbf" + data)  # a UTF-8 byte-order mark is left out
    for target in (path, data):
        head = head_bytes(target, 2001)
        assert head is not None
        assert head == b"".join(data.splitlines(keepends=True)[:2002])
    assert head_bytes(data[:3000], 2001) is None  # fewer lines: the file is read whole
    assert head_bytes(data, 2001, limit=1000) is None  # lines too wide for the limit


def test_the_sample_is_the_files_first_rows_even_with_multiline_values(tmp_path: Path) -> None:
    rows = _rows(SAMPLE_ROWS * 2)
    rng = random.Random(3)
    for row in rng.sample(range(len(rows)), 400):  # quoted values across lines, with separators and quotes
        rows[row][2] = rng.choice(["a\nb", 'say "hi", then\n\nleave', "x,y", '"'])
    raw = read_raw(parse_spec(str(_write(tmp_path / "billing.csv", rows))))
    expected = raw.frame.head(SAMPLE_ROWS).collect()
    assert _sample(raw).equals(expected)
    assert _sample(raw)["customer_name"].to_list() == [r[2] for r in rows[:SAMPLE_ROWS]]


def test_an_export_read_from_bytes_samples_as_from_a_file(tmp_path: Path) -> None:
    rows = _rows()
    data = io.BytesIO(_write(tmp_path / "billing.csv", rows).read_bytes())
    _kind, canonical = load_revenue("-", "billing", ReadOptions(), stdin=data)
    assert canonical.frame["amount"].to_list() == [float(r[6]) for r in rows]


def test_the_quote_scan_reads_the_file_in_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether a CSV holds a double quote (else no value runs over several lines) is read piece by piece, so its
    memory is one piece, not the file; a quote in any piece, the last one too, is found."""
    from csctl.io import parse

    monkeypatch.setattr(parse, "QUOTE_SCAN_BYTES", 4)
    for data, quoted in ((b"a,b\n1,2\n3,4\n", False), (b'a,b\n1,2\n3,"4"', True), (b'"a",b\n', True), (b"", False)):
        path = tmp_path / "export.csv"
        path.write_bytes(data)
        assert parse._has_quote(path) is quoted, data
        assert parse._has_quote(data) is quoted, data


def test_a_file_is_read_under_a_base_folder_and_named_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cluster's worker reads the files csctl was given relative to the run's working folder (``base``), not its
    own: a plain path, a .zip's member; every message names the file as given."""
    import zipfile

    folder = tmp_path / "run"
    folder.mkdir()
    lines = "customer_id,amount,period_start,period_end\nC1,100,2024-01-01,2024-01-31\nC2,1O0,2024-01-01,2024-01-31\n"
    (folder / "lines.csv").write_text(lines)
    with zipfile.ZipFile(folder / "lines.zip", "w") as archive:
        archive.writestr("p0.csv", lines)
    elsewhere = tmp_path / "worker"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for spec in ("lines.csv", "lines.zip#p0.csv"):
        with pytest.raises(InputError) as found:
            load_revenue(spec, None, ReadOptions(), base=folder)
        assert found.value.message.startswith(f"{spec}: row 3, column 'amount'"), found.value.message
        skipped = load_revenue(spec, None, ReadOptions(skip_bad_rows=True), base=folder)[1]
        assert skipped.frame.height == 1 and skipped.label == spec
        with pytest.raises(InputError, match=f"^{spec.split('#')[0]}: no such file"):
            load_revenue(spec, None, ReadOptions())  # without the base: this process's folder has no such file
