"""Round-trip properties of the reading and writing machinery (hypothesis)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csctl.io.load import load_table
from csctl.io.parse import ReadOptions
from csctl.render import render
from csctl.result import Result, Table

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# text a CRM field may hold, including the characters formula injection uses at the start
TEXT = st.text(alphabet=st.sampled_from(list("abcXYZ 019=+-@'\t,;\"éü")), min_size=1, max_size=12).filter(
    lambda s: s.strip() == s and s != ""
)


@FAST
@given(names=st.lists(TEXT, min_size=1, max_size=8))
def test_csv_written_with_o_reads_back_unchanged(tmp_path: Path, names: list[str]) -> None:
    """-o escapes formula-like text with a leading '; csctl's reader keeps a leading ' (it cannot tell csctl's from
    a client's, and an inert value must not come back live): the values read back as written, escaped ones with
    their '."""
    ids = [f"C{i:03d}" for i in range(len(names))]
    frame = pl.DataFrame({"customer_id": ids, "name": names})
    result = Result("test", "t", {"t": Table(frame)}, "t")
    data = render(result, "csv", to_file=True)
    written = [row[1] for row in list(csv.reader(io.StringIO(data.decode(), newline="")))[1:]]
    for cell in written:  # no written cell starts with a formula character
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell
    path = tmp_path / "out.csv"
    path.write_bytes(data)
    back = load_table(str(path), "customers", ReadOptions()).frame
    assert back["customer_id"].to_list() == ids
    assert back["name"].to_list() == ["'" + n if n[:1] in ("=", "+", "-", "@", "\t", "\r") else n for n in names]


def _money(cents: int, style: str) -> str:
    sign, value = ("-" if cents < 0 else ""), abs(cents)
    whole, frac = divmod(value, 100)
    if style == "dollar":
        return f"{sign}${whole:,}.{frac:02d}"
    if style == "paren":
        return f"({whole:,}.{frac:02d})" if sign else f"{whole:,}.{frac:02d}"
    if style == "comma":  # 1.234,56
        return sign + f"{whole:,}".replace(",", ".") + f",{frac:02d}"
    return f"{sign}{whole}.{frac:02d}"


@FAST
@given(
    cents=st.lists(st.integers(-10_000_000, 10_000_000), min_size=1, max_size=20),
    style=st.sampled_from(["plain", "dollar", "paren", "comma"]),
)
def test_money_in_any_supported_format_reads_to_the_cent(tmp_path: Path, cents: list[int], style: str) -> None:
    if style == "comma":
        cents = [c for c in cents if c % 100] or [1234]  # ',dd' endings let the reader detect the decimal comma
    rows = ["customer_id;amount;period_start"] + [f"C{i};{_money(c, style)};2024-01-01" for i, c in enumerate(cents)]
    path = tmp_path / "billing.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    frame = load_table(str(path), "billing", ReadOptions()).frame
    got = [round(v * 100) for v in frame["amount"].to_list()]
    expected = [(-abs(c) if style == "paren" and c < 0 else c) for c in cents]
    assert got == expected
