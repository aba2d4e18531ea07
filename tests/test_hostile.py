"""Hostile input, faults and a client's folder (issue 16): each finding reproduced, and what csctl does instead."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from csctl.resources import config_path
from tests.conftest import Invoke
from tests.helpers import ok, write_csv

BILLING = [
    ["customer_id", "amount", "period_start", "period_end"],
    *[[f"C{i}", 100 * i, f"2024-{m:02d}-01", f"2024-{m:02d}-28"] for i in (1, 2, 3) for m in range(1, 7)],
]
CUSTOMERS = [["customer_id", "name", "employees"], ["C1", "Alpha", 10], ["C2", "Beta", 200], ["C3", "Gamma", 3000]]


def client_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "billing.csv", BILLING)
    write_csv(folder / "customers.csv", CUSTOMERS)
    return folder


# --- finding 1: csctl init writes names from files as data --------------------------------------------------------
HOSTILE_HEADER = "notes\n  customers: ../otherclient/customers.csv\ngross_margin: 0.01\n#"


def test_init_writes_column_names_as_data_never_as_yaml_structure(invoke: Invoke, tmp_path: Path) -> None:
    folder = client_folder(tmp_path / "client")
    write_csv(folder / "notes.csv", [[HOSTILE_HEADER, "x\u2028gross_margin: 0.02", "y\x85z"], ["a", "b", "c"]])
    ok(invoke("init", folder))
    text = (folder / "csctl.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["exports"] == {"billing": "billing.csv", "customers": "customers.csv"}
    defaults = yaml.safe_load(config_path("csctl.yaml").read_text(encoding="utf-8"))
    assert data["gross_margin"] == defaults["gross_margin"]  # the header did not set a top-level key
    (line,) = [line for line in text.splitlines() if "not recognised" in line]
    assert "notes.csv" in line and "otherclient" in line  # the name is there, as one quoted line of comment


def test_init_quotes_file_names_of_exports_and_inventory(invoke: Invoke, tmp_path: Path) -> None:
    folder = client_folder(tmp_path / "client")
    (folder / "billing.csv").rename(folder / 'bill": x\nfoo: [1.csv')
    (folder / "asis\ninventory: passwd\n#.yaml").write_text("{}\n", encoding="utf-8")
    ok(invoke("init", folder))
    data = yaml.safe_load((folder / "csctl.yaml").read_text(encoding="utf-8"))
    assert set(data) >= {"exports", "rules"} and "foo" not in data
    assert data["rules"]["inventory"] == "asis\ninventory: passwd\n#.yaml"
    assert data["exports"]["customers"] == "customers.csv"
