"""csctl init on folders of real systems' exports: every file classed as the table it is, with the preset the
commands themselves pick for it; the workspace it writes runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
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
    "baremetrics/subscriptions.csv": ("billing", "baremetrics"),
    "freshdesk/tickets.csv": ("tickets", "freshdesk"),
    "intercom/conversations.csv": ("tickets", "intercom"),
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
    # the exports read as they are, and the report runs with no edits: what the default rules need and these
    # exports lack is named in the report (Zendesk's tickets have no escalated column), never a default value
    result = invoke("report", "-c", folder / "csctl.yaml", "-o", tmp_path / "report", "--as-of", "2024-03")
    ok(result)
    report = (tmp_path / "report" / "assessment.md").read_text(encoding="utf-8")
    assert "measure urgent_tickets_90d of High touch (" in report
    assert "not measured: the tickets export has no 'escalated' column" in report
    assert "no usage input" in report


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            [
                "chargebee/subscriptions.csv",
                "salesforce/accounts_report.csv",
                "salesforce/contacts_dataloader.csv",
                "salesforce/cases_report.csv",
            ],
            id="chargebee-salesforce",
        ),
        pytest.param(
            ["chartmogul/mrr_intervals.csv", "gainsight/companies.csv", "hubspot/contacts.csv", "zendesk/tickets.csv"],
            id="chartmogul-gainsight-hubspot-zendesk",
        ),
        pytest.param(["zuora/rate_plan_charges.csv", "hubspot/companies.csv"], id="zuora-hubspot"),
        pytest.param(
            ["baremetrics/subscriptions.csv", "hubspot/companies.csv", "freshdesk/tickets.csv"],
            id="baremetrics-hubspot-freshdesk",
        ),
    ],
)
def test_init_then_report_runs_with_no_edits(tmp_path: Path, invoke: Invoke, files: list[str]) -> None:
    folder = tmp_path / "client"
    folder.mkdir()
    for name in files:
        shutil.copy(EXPORTS / name, folder / name.replace("/", "_"))
    ok(invoke("init", folder))
    result = ok(invoke("report", "-c", folder / "csctl.yaml", "-o", tmp_path / "report"))
    report = (tmp_path / "report" / "assessment.md").read_text(encoding="utf-8")
    assert "## Step 10." in report
    has_tickets = any("tickets" in n or "cases" in n for n in files)
    if has_tickets:  # neither Zendesk's nor Salesforce's cases export has an escalated column
        assert "not measured: the tickets export has no 'escalated' column" in report
    else:  # no usage, tickets or surveys: health is an open question, not a score of 50
        assert "health needs usage, tickets or surveys" in report
    assert "Traceback" not in result.output


def test_a_billing_export_too_young_for_movements_still_gives_the_report(tmp_path: Path, invoke: Invoke) -> None:
    """Stripe's invoice line items of one month: the report runs, step 1 says why the movements cannot be measured
    yet (once, in full; later steps point back to it), and the steps that need no billing still answer."""
    folder = tmp_path / "client"
    folder.mkdir()
    for name in ("stripe/invoice_line_items.csv", "stripe/customers.csv", "zendesk/tickets.csv"):
        shutil.copy(EXPORTS / name, folder / name.replace("/", "_"))
    ok(invoke("init", folder))
    ok(invoke("report", "-c", folder / "csctl.yaml", "-o", tmp_path / "report"))
    report = (tmp_path / "report" / "assessment.md").read_text(encoding="utf-8")
    step1 = report.split("## Step 1.")[1].split("## Step 2.")[0]
    assert "not measured yet: no month with movements to measure: the billing export starts in 2024-01" in step1
    assert "--history-starts" in step1
    assert report.count("no month with movements to measure") == 2  # step 1 and the open questions' list
    assert "the billing export has no month of movements (see step 1)" in report
    assert "## Step 10." in report


# --- which csctl.yaml applies -----------------------------------------------------------------------------------
BILLING = "customer_id,amount,period_start,period_end\nA,100.00,2024-01-01,2024-01-31\nA,100.00,2024-02-01,2024-02-29\n"


def test_config_found_in_a_parent_folder_then_in_the_user_config_folder(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    workspace = tmp_path / "client"
    deeper = workspace / "exports" / "2024"
    deeper.mkdir(parents=True)
    (deeper / "billing.csv").write_text(BILLING, encoding="utf-8")
    (workspace / "csctl.yaml").write_text("currency: EUR\n", encoding="utf-8")
    xdg = tmp_path / "xdg"
    (xdg / "csctl").mkdir(parents=True)
    (xdg / "csctl" / "csctl.yaml").write_text("currency: GBP\n", encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(xdg)}
    monkeypatch.chdir(deeper)  # two folders below the workspace's csctl.yaml: it applies, and is named
    result = ok(invoke("numbers", "billing.csv", "--history-starts", "2024-01", "-f", "json", env=env))
    assert json.loads(result.stdout)["currency"] == "EUR"
    assert f"using {workspace / 'csctl.yaml'} (the workspace config in a parent folder)" in result.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "billing.csv").write_text(BILLING, encoding="utf-8")
    monkeypatch.chdir(elsewhere)  # no csctl.yaml here or above: the user's own
    result = ok(invoke("numbers", "billing.csv", "--history-starts", "2024-01", "-f", "json", env=env))
    assert json.loads(result.stdout)["currency"] == "GBP"
    assert f"using {xdg / 'csctl' / 'csctl.yaml'} (the workspace config in your config folder)" in result.stderr
    result = ok(
        invoke(
            "numbers",
            "billing.csv",
            "--history-starts",
            "2024-01",
            "-f",
            "json",
            env={"XDG_CONFIG_HOME": str(tmp_path / "none")},
        )
    )
    assert json.loads(result.stdout)["currency"] == "USD" and "using " not in result.stderr  # the built-in one
    (elsewhere / "csctl.yaml").write_text("currency: SEK\n", encoding="utf-8")  # this folder's wins over the user's
    result = ok(invoke("numbers", "billing.csv", "--history-starts", "2024-01", "-f", "json", env=env))
    assert json.loads(result.stdout)["currency"] == "SEK" and "(the workspace config in this folder)" in result.stderr


def test_a_workspace_glob_over_files_with_other_columns_exits_3_naming_the_file(invoke: Invoke, tmp_path: Path) -> None:
    folder = tmp_path / "client"
    folder.mkdir()
    (folder / "billing_2024-01.csv").write_text(BILLING, encoding="utf-8")
    (folder / "billing_2024-02.csv").write_text(
        "customer_id,amount,period_start,plan\nA,100.00,2024-02-01,Pro\n", encoding="utf-8"
    )
    (folder / "csctl.yaml").write_text('exports:\n  billing: "billing_*.csv"\n', encoding="utf-8")
    result = invoke("report", "-c", folder / "csctl.yaml", "-o", tmp_path / "out")
    assert result.exit_code == 3, result.stderr
    assert "billing_2024-02.csv: its columns differ from those of" in result.stderr
    assert "it has no period_end; it has plan (read as product) besides" in result.stderr
    assert not (tmp_path / "out").exists()
