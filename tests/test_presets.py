"""The CRM, support and contact presets map their exports' own column names onto the canonical tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import write_csv

from csctl.errors import InputError
from csctl.io.load import load_table
from csctl.io.parse import ReadOptions

CASES = [
    (
        "salesforce",
        "customers",
        [
            ["Account ID", "Account Name", "Industry", "Employees", "Customer Success Manager", "Renewal Date", "ARR"],
            ["001A", "Acme", "Retail", "250", "Ann", "2026-12-01", "24000"],
        ],
        {
            "customer_id": "001A",
            "name": "Acme",
            "employees": 250.0,
            "csm": "Ann",
            "arr": 24000.0,
            "renewal_date": dt.date(2026, 12, 1),
        },
    ),
    (
        "hubspot",
        "customers",
        [
            ["Record ID", "Company name", "Number of Employees", "Company owner", "Annual Recurring Revenue"],
            ["9001", "Beta", "40", "Bob", "$6,000.00"],
        ],
        {"customer_id": "9001", "name": "Beta", "employees": 40.0, "csm": "Bob", "arr": 6000.0},
    ),
    (
        "gainsight",
        "customers",
        [["Gsid", "Name", "Segment", "CSM", "ARR", "MRR"], ["G-1", "Gamma", "Enterprise", "Cat", "36000", "3000"]],
        {"customer_id": "G-1", "name": "Gamma", "segment": "Enterprise", "csm": "Cat", "arr": 36000.0, "mrr": 3000.0},
    ),
    (
        "zendesk",
        "tickets",
        [
            [
                "Ticket ID",
                "Organization ID",
                "Ticket created - Timestamp",
                "Ticket solved - Timestamp",
                "Ticket priority",
                "Ticket status",
                "Satisfaction score",
            ],
            ["77", "G-1", "2026-10-01T09:30:00Z", "2026-10-01 15:00:00", "High", "solved", "4"],
        ],
        {
            "ticket_id": "77",
            "customer_id": "G-1",
            "created_at": dt.datetime(2026, 10, 1, 9, 30),
            "resolved_at": dt.datetime(2026, 10, 1, 15, 0),
            "priority": "High",
            "csat": 4.0,
        },
    ),
    (
        "hubspot",
        "contacts",
        [
            ["Associated Company ID", "Full Name", "Email", "Job Title", "Buying Role", "Last Activity Date"],
            ["9001", "Dana", "dana@beta.test", "VP Finance", "Decision Maker", "2026-10-20"],
        ],
        {
            "customer_id": "9001",
            "name": "Dana",
            "title": "VP Finance",
            "role": "Decision Maker",
            "last_activity": dt.date(2026, 10, 20),
        },
    ),
    (
        "salesforce",
        "contacts",
        [
            ["AccountId", "Contact Name", "Email", "Title", "Last Activity"],
            ["001A", "Eli", "eli@acme.test", "CTO", "2026-09-30"],
        ],
        {"customer_id": "001A", "name": "Eli", "title": "CTO", "last_activity": dt.date(2026, 9, 30)},
    ),
]


@pytest.mark.parametrize(("preset", "table", "rows", "expected"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_preset_maps_the_export(tmp_path: Path, preset: str, table: str, rows: list[list[str]], expected: dict) -> None:
    path = write_csv(tmp_path / f"{preset}.csv", rows)
    frame = load_table(str(path), table, ReadOptions(preset=preset)).frame
    record = frame.row(0, named=True)
    for column, value in expected.items():
        assert record[column] == value, column


def test_presets_are_found_without_naming_them(tmp_path: Path) -> None:
    # no --preset: generic first, then any preset that maps every required column (Zendesk's names here)
    path = write_csv(
        tmp_path / "tickets.csv",
        [["Organization ID", "Ticket created - Timestamp"], ["G-1", "2026-10-01 09:30:00"]],
    )
    frame = load_table(str(path), "tickets", ReadOptions()).frame
    assert frame.row(0, named=True)["customer_id"] == "G-1"


def test_a_short_row_is_ragged_not_an_empty_value(tmp_path: Path) -> None:
    # the missing field is a required column: the message names the row's field count, not an "empty" value
    path = tmp_path / "short.csv"
    path.write_text("customer_id,amount,period_start\nA,100,2024-01-01\nB,50\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3 has 2 fields; the header has 3 \(ragged rows\)"):
        load_table(str(path), "billing", ReadOptions())


def test_a_closed_column_needs_its_words(tmp_path: Path) -> None:
    from csctl.errors import ConfigError
    from csctl.io.presets import load_preset

    path = tmp_path / "mine.yaml"
    path.write_text(
        "name: mine\nclosed:\n  tickets: [status]\ntables:\n  tickets:\n    status: [State]\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"mine.yaml:3: closed tickets column 'status' has no words under values:"):
        load_preset(str(path))
