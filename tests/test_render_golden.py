"""Golden files for every renderer on a small fixed Result (3 customers, 4 months), summary and bridge views.

``CSCTL_UPDATE_GOLDEN=1`` (``make golden``) rewrites tests/golden/ instead of comparing; review the diff by eye.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import polars as pl
import pytest

from csctl.core.mrr import BillingRules
from csctl.core.numbers import NumbersSettings, compute_numbers
from csctl.render import render
from csctl.result import Result

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CSCTL_UPDATE_GOLDEN") == "1"
D = dt.date
EXTENSIONS = {
    "table": "txt",
    "csv": "csv",
    "tsv": "tsv",
    "json": "json",
    "ndjson": "ndjson",
    "markdown": "md",
    "html": "html",
}

# (customer, product, quantity, amount, period_start, period_end, status): every month of 2024-01 … 2024-04.
#   A: grows seats in Feb (expansion +20.02), raises the price in Mar (price uplift +12.01), adds an add-on in Apr
#      (upsell +30.00); a void line in Jan is ignored.
#   B: churns in Mar (−50.00) and comes back in Apr (reactivation +60.00).
#   C: new in Feb (+200.00), price cut in Mar (price erosion −20.00), drops a seat in Apr (contraction −90.00).
LINES = [
    ("A", "plan", 10, 100.10, D(2024, 1, 1), D(2024, 1, 31), "paid"),
    ("A", "plan", 10, 999.99, D(2024, 1, 1), D(2024, 1, 31), "void"),
    ("A", "plan", 12, 120.12, D(2024, 2, 1), D(2024, 2, 29), "paid"),
    ("A", "plan", 12, 132.13, D(2024, 3, 1), D(2024, 3, 31), "paid"),
    ("A", "plan", 12, 132.13, D(2024, 4, 1), D(2024, 4, 30), "paid"),
    ("A", "addon", 1, 30.00, D(2024, 4, 1), D(2024, 4, 30), "paid"),
    ("B", "plan", 1, 50.00, D(2024, 1, 1), D(2024, 1, 31), "paid"),
    ("B", "plan", 1, 50.00, D(2024, 2, 1), D(2024, 2, 29), "paid"),
    ("B", "plan", 1, 60.00, D(2024, 4, 1), D(2024, 4, 30), "paid"),
    ("C", "plan", 2, 200.00, D(2024, 2, 1), D(2024, 2, 29), "paid"),
    ("C", "plan", 2, 180.00, D(2024, 3, 1), D(2024, 3, 31), "paid"),
    ("C", "plan", 1, 90.00, D(2024, 4, 1), D(2024, 4, 30), "paid"),
]
SCHEMA = {
    "customer_id": pl.String,
    "product": pl.String,
    "quantity": pl.Float64,
    "amount": pl.Float64,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "status": pl.String,
}


def result_for(view: str) -> Result:
    frame = pl.LazyFrame(LINES, schema=SCHEMA, orient="row")
    # the export holds the whole history from 2024-01 and is measured at its last month, April
    whole = BillingRules(history_starts=2024 * 12)
    settings = NumbersSettings(view=view, today=D(2024, 12, 31), currency="USD", as_of=2024 * 12 + 3, billing=whole)
    return compute_numbers("billing", frame, None, settings)


@pytest.mark.parametrize("fmt", list(EXTENSIONS))
@pytest.mark.parametrize("view", ["summary", "bridge"])
def test_golden(view: str, fmt: str) -> None:
    data = render(result_for(view), fmt, to_file=False, width=120, color=False)
    path = GOLDEN / f"numbers-{view}.{EXTENSIONS[fmt]}"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(data)
        return
    assert path.is_file(), f"{path} is missing: run `make golden` and review it"
    assert data.decode("utf-8") == path.read_text(encoding="utf-8"), f"{path} differs: `make golden` to accept"


def test_bridge_by_hand() -> None:
    """The golden bridge is also checked against the movements worked out in LINES' comment."""
    bridge = result_for("bridge").primary_table.frame
    rows = {r["month"]: r for r in bridge.iter_rows(named=True)}
    assert list(rows) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    feb, mar, apr = rows["2024-02"], rows["2024-03"], rows["2024-04"]
    assert rows["2024-01"]["new"] == pytest.approx(150.10)
    assert (feb["new"], feb["expansion"]) == pytest.approx((200.00, 20.02))
    assert (mar["price_uplift"], mar["price_erosion"], mar["churn"]) == pytest.approx((12.01, -20.00, -50.00))
    assert (apr["upsell"], apr["reactivation"], apr["contraction"]) == pytest.approx((30.00, 60.00, -90.00))
    assert apr["mrr_end"] == pytest.approx(132.13 + 30.00 + 60.00 + 90.00)


def test_xlsx_sheets_formats_and_no_formulas() -> None:
    import openpyxl

    for view, sheets, money_column in (
        ("summary", ["summary", "winds", "bridge", "about"], None),
        ("bridge", ["bridge", "metrics", "about"], "mrr_start"),
    ):
        data = render(result_for(view), "xlsx", to_file=True)
        book = openpyxl.load_workbook(io.BytesIO(data))
        assert book.sheetnames == sheets
        sheet = book[view]
        assert sheet.freeze_panes == "A2"
        header = [c.value for c in sheet[1]]
        if money_column is None:  # summary: the value column is formatted row by row in its unit
            row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("metric")].value == "mrr")
            cell = row[header.index("value")]
        else:
            cell = sheet.cell(row=3, column=header.index(money_column) + 1)
        assert isinstance(cell.value, float | int)
        assert cell.number_format == '"$"#,##0.00;-"$"#,##0.00'  # money in its currency, cents, a minus sign
        formulas = [
            f"{s.title}!{c.coordinate}" for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"
        ]
        assert formulas == []
