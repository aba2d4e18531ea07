"""The ways an export arrives: compressed, in UTF-16/32, with bytes of no known encoding, with title rows above its
header, with dates in month names, Excel serials or real date cells, on another sheet of a workbook."""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import Invoke

from csctl.errors import InputError
from csctl.io.load import load_revenue, load_table, open_raw
from csctl.io.parse import ReadOptions

FILES = Path(__file__).parent / "fixtures" / "exports" / "files"
D = dt.date
PLAIN = b"customer_id,amount,period_start\nA,100,2024-01-01\nB,50,2024-02-01\n"


def billing(path: Path | str, **opts: object) -> list[tuple[object, ...]]:
    table = load_table(str(path), "billing", ReadOptions(**opts))  # type: ignore[arg-type]
    return list(table.frame.select("customer_id", "amount", "period_start").iter_rows())


EXPECTED = [("A", 100.0, D(2024, 1, 1)), ("B", 50.0, D(2024, 2, 1))]


@pytest.mark.parametrize("suffix", [".csv.gz", ".csv.bz2", ".zip"])
def test_compressed_inputs(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"billing{suffix}"
    if suffix.endswith(".gz"):
        path.write_bytes(gzip.compress(PLAIN))
    elif suffix.endswith(".bz2"):
        path.write_bytes(bz2.compress(PLAIN))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("billing.csv", PLAIN)
    assert billing(path) == EXPECTED
    assert (
        open_raw(str(path), ReadOptions()).compression == {".gz": "gzip", ".bz2": "bzip2", ".zip": "zip"}[path.suffix]
    )


def test_a_corrupt_archive_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "billing.csv.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match=r"billing.csv.gz: cannot read as gzip"):
        billing(path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_with_a_byte_order_mark(tmp_path: Path, encoding: str) -> None:
    text = PLAIN.decode().replace("A,", "Å,")
    data = text.encode(encoding)
    if encoding.endswith("-be"):  # the codec writes no mark for an explicit byte order: add it
        data = ("\ufeff" + text).encode(encoding)
    path = tmp_path / "billing.csv"
    path.write_bytes(data)
    rows = billing(path)
    assert rows[0][0] == "Å" and rows[1] == EXPECTED[1]
    assert open_raw(str(path), ReadOptions()).encoding == encoding.removesuffix("-be")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_utf16_or_utf32_file_cut_in_a_character_exits_3(invoke: Invoke, tmp_path: Path, encoding: str) -> None:
    """Was exit 4 (a UnicodeDecodeError at the end of the file): a file whose last character is cut short."""
    path = tmp_path / "billing.csv"
    path.write_bytes(PLAIN.decode().encode(encoding) + b"\n")  # one byte past the last whole character
    result = invoke("numbers", path)
    assert result.exit_code == 3
    assert "ends in the middle of a character" in result.stderr and "Traceback" not in result.stderr


def test_undecodable_bytes_exit_3_naming_the_offset(invoke: Invoke) -> None:
    path = FILES / "undecodable.csv"
    offset = path.read_bytes().index(b"\x81")
    with pytest.raises(InputError, match=rf"byte 0x81 at offset {offset} is neither UTF-8 nor Windows-1252"):
        billing(path)
    result = invoke("numbers", path)
    assert result.exit_code == 3, result.stderr
    assert f"offset {offset}" in result.stderr and "Traceback" not in result.stderr


def test_undecodable_bytes_after_the_sniffed_head(tmp_path: Path) -> None:
    body = b"".join(b"A,%d,2024-01-01\n" % i for i in range(8000))  # > the 64 KiB the encoding is sniffed from
    path = tmp_path / "billing.csv"
    path.write_bytes(b"customer_id,amount,period_start\n" + body + b"B\x9d,1,2024-01-01\n")
    with pytest.raises(InputError, match=r"byte 0x9D at offset [\d,]+ is neither UTF-8 nor Windows-1252"):
        billing(path)


def test_title_rows_above_the_header_are_found() -> None:
    path = FILES / "title_rows.csv"
    assert billing(path) == EXPECTED
    table = load_table(str(path), "billing", ReadOptions())
    assert table.frame["__row"].to_list() == [5, 6]  # the lines a person sees in the file
    assert any("header is on line 4" in note for note in table.notes)


def test_header_row_option(tmp_path: Path) -> None:
    # two header-like lines: the detected one is the first; --header-row picks the second
    path = tmp_path / "billing.csv"
    path.write_text("a,b,c\ncustomer_id,amount,period_start\nA,100,2024-01-01\n", encoding="utf-8")
    with pytest.raises(InputError, match="required billing column"):
        billing(path)
    assert billing(path, header_row=2) == [("A", 100.0, D(2024, 1, 1))]


def test_month_names() -> None:
    table = load_table(str(FILES / "month_names.csv"), "billing", ReadOptions())
    assert table.frame["period_start"].to_list() == [D(2024, 1, 15), D(2024, 2, 1)]
    assert table.frame["period_end"].to_list() == [D(2024, 2, 14), D(2024, 2, 29)]


def test_excel_serial_numbers_in_a_csv() -> None:
    table = load_table(str(FILES / "excel_serials.csv"), "billing", ReadOptions())
    # 45292 is 2024-01-01 in Excel's calendar (day 0 = 1899-12-30)
    assert table.frame["period_start"].to_list() == [D(2024, 1, 1), D(2024, 2, 1)]
    assert table.frame["period_end"].to_list() == [D(2024, 2, 1), D(2024, 3, 1)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jan 15, 2024", D(2024, 1, 15)),
        ("15 January 2024", D(2024, 1, 15)),
        ("1/15/2024 10:32 AM", D(2024, 1, 15)),
        ("15.01.2024", D(2024, 1, 15)),
        ("2024-01-15T10:32:11.000Z", D(2024, 1, 15)),
    ],
)
def test_date_shapes(tmp_path: Path, value: str, expected: dt.date) -> None:
    path = tmp_path / "billing.csv"
    path.write_text(f'customer_id,amount,period_start\nA,1,"{value}"\n', encoding="utf-8")
    assert billing(path)[0][2] == expected


def test_conflicting_date_orders_name_both_columns(tmp_path: Path) -> None:
    path = tmp_path / "billing.csv"
    path.write_text("customer_id,amount,period_start,period_end\nA,1,13/01/2024,01/13/2024\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"'period_start' has day/month dates and column 'period_end' month/day"):
        billing(path)


def test_ambiguous_dates_without_proof_still_ask_for_the_order(tmp_path: Path) -> None:
    path = tmp_path / "billing.csv"
    path.write_text("customer_id,amount,period_start\nA,1,03/01/2024\n", encoding="utf-8")
    with pytest.raises(InputError, match="could be day/month or month/day") as error:
        billing(path)
    assert "--date-order" in (error.value.hint or "")
    assert billing(path, date_order="dmy")[0][2] == D(2024, 1, 3)


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_xlsx_with_real_date_cells(tmp_path: Path, invoke: Invoke) -> None:
    rows: list[list[object]] = [
        ["customer_id", "amount", "period_start"],
        ["A", 100, dt.datetime(2024, 1, 1)],
        ["B", 50, dt.date(2024, 2, 1)],
    ]
    path = _workbook(tmp_path / "billing.xlsx", {"Invoices": rows})
    assert billing(path) == EXPECTED
    kind, table = load_revenue(str(path), None, ReadOptions())
    assert kind == "billing" and table.frame.height == 2
    result = invoke("numbers", path, "--as-of", "2024-02", "-f", "json")
    assert result.exit_code == 0, result.stderr


def test_data_on_another_sheet_is_suggested(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "export.xlsx",
        {"Summary": [["Total", "150"]], "Lines": [["customer_id", "amount", "period_start"], ["A", 100, "2024-01-01"]]},
    )
    with pytest.raises(InputError) as error:
        billing(path)
    assert f"'{path}#Lines'" in (error.value.hint or "")
    assert billing(f"{path}#Lines") == [("A", 100.0, D(2024, 1, 1))]


def test_a_trailing_empty_line_is_no_footer(tmp_path: Path) -> None:
    path = tmp_path / "billing.csv"
    path.write_bytes(PLAIN + b"\n")
    table = load_table(str(path), "billing", ReadOptions())
    assert table.frame.height == 2 and not any("footer" in note for note in table.notes)
