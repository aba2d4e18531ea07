"""csctl init on folders of real systems' exports: every file classed as the table it is, with the preset the
commands themselves pick for it; the workspace it writes runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from conftest import Invoke
from helpers import ok

from csctl.io.detect import scan_folder

EXPORTS = Path(__file__).parent / "fixtures" / "exports"

# every fixture: (workspace key, preset), or None for a file that is no csctl table
EXPECTED: dict[str, tuple[str, str] | None] = {
    "stripe/invoices.csv": ("billing", "stripe"),
    "stripe/invoice_line_items.csv": ("billing", "stripe"),
    "stripe/subscriptions.csv": ("billing", "stripe"),
    "stripe/customers.csv": ("customers", "stripe"),
    "stripe-sigma/invoice_line_items.csv": ("billing", "stripe-sigma"),
    "chartmogul/mrr_intervals.csv": ("billing", "chartmogul"),
    "chartmogul/customers.csv": ("customers", "chartmogul"),
    "chargebee/subscriptions.csv": ("billing", "chargebee"),
    "chargebee/customers.csv": ("customers", "chargebee"),
    "recurly/subscriptions.csv": ("billing", "recurly"),
    "recurly/accounts.csv": ("customers", "recurly"),
    "paddle/transaction_line_items.csv": ("billing", "paddle"),
    "zuora/rate_plan_charges.csv": ("billing", "zuora"),
    "maxio/customers.csv": ("customers", "maxio"),
    "hubspot/companies.csv": ("customers", "hubspot"),
    "hubspot/contacts.csv": ("contacts", "hubspot"),
    "hubspot/deals.csv": None,
    "salesforce/accounts_report.csv": ("customers", "salesforce"),
    "salesforce/contacts_dataloader.csv": ("contacts", "salesforce"),
    "salesforce/cases_report.csv": ("tickets", "salesforce"),
    "salesforce/opportunities_report.csv": None,
    "zendesk/tickets.csv": ("tickets", "zendesk"),
    "gainsight/companies.csv": ("customers", "gainsight"),
}


def test_every_fixture_is_listed() -> None:
    found = {str(p.relative_to(EXPORTS)) for p in EXPORTS.glob("*/*.csv") if p.parent.name != "files"}
    assert found == set(EXPECTED)


def test_each_export_alone_is_classed_right(tmp_path: Path) -> None:
    for name, expected in EXPECTED.items():
        folder = tmp_path / name.replace("/", "_").removesuffix(".csv")
        folder.mkdir()
        shutil.copy(EXPORTS / name, folder / Path(name).name)
        scan = scan_folder(folder)
        if expected is None:
            assert scan.found == {}, f"{name}: classed as {scan.found}"
            assert any(Path(name).name in item for item in scan.unknown)
            continue
        key, preset = expected
        assert set(scan.found) == {key}, f"{name}: {scan.found} {scan.unknown}"
        assert scan.found[key].preset == preset, name


def test_init_on_a_folder_of_one_company_s_exports_then_report_runs(tmp_path: Path, invoke: Invoke) -> None:
    folder = tmp_path / "acme"
    folder.mkdir()
    files = {
        "stripe/subscriptions.csv": "stripe_subscriptions.csv",
        "hubspot/companies.csv": "hubspot_companies.csv",
        "hubspot/contacts.csv": "hubspot_contacts.csv",
        "hubspot/deals.csv": "hubspot_deals.csv",
        "zendesk/tickets.csv": "zendesk_tickets.csv",
    }
    for source, target in files.items():
        shutil.copy(EXPORTS / source, folder / target)
    ok(invoke("init", folder))
    config = yaml.safe_load((folder / "csctl.yaml").read_text(encoding="utf-8"))
    exports = config["exports"]
    assert exports["billing"] == {"path": "stripe_subscriptions.csv", "preset": "stripe"}
    assert exports["customers"] == {"path": "hubspot_companies.csv", "preset": "hubspot"}
    assert exports["contacts"] == {"path": "hubspot_contacts.csv", "preset": "hubspot"}
    assert exports["tickets"] == {"path": "zendesk_tickets.csv", "preset": "zendesk"}
    assert "hubspot_deals.csv" not in str(exports)
    assert '# not recognised: "hubspot_deals.csv (columns: Record ID' in (folder / "csctl.yaml").read_text(
        encoding="utf-8"
    )
    # the exports read as they are; where the report stops, it is at a rule file that needs a column these
    # exports lack (the default health rules use tickets.escalated), named with its line
    result = invoke("report", "-c", folder / "csctl.yaml", "-o", tmp_path / "report", "--as-of", "2024-03")
    assert result.exit_code == 0 or (result.exit_code == 3 and ".yaml:" in result.stderr), result.stderr
