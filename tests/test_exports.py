"""Each system's export, laid out as the system documents it (tests/fixtures/exports/<system>/), read with no flags:
the table it is, the preset that reads it, and its figures (rows, amounts after scaling, dates) worked by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from conftest import Invoke
from helpers import as_json

from csctl.errors import InputError
from csctl.io.detect import detect
from csctl.io.load import load_revenue, load_table, open_raw
from csctl.io.parse import Canonical, ReadOptions

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
D = dt.date
T = dt.datetime


def fixture(name: str) -> str:
    return str(EXPORTS / name)


def read(name: str, table: str | None = None) -> tuple[str, Canonical]:
    """Read as the commands do, no flags: revenue files as billing or subscriptions, others as ``table``."""
    raw = open_raw(fixture(name), ReadOptions())
    detected = detect(raw.columns, Path(name).name)
    assert detected is not None, f"{name}: not recognised"
    if detected.table in ("billing", "subscriptions"):
        kind, canonical = load_revenue(fixture(name), None, ReadOptions())
        assert kind == detected.table
    else:
        kind, canonical = detected.table, load_table(fixture(name), detected.table, ReadOptions())
    assert table is None or kind == table, f"{name}: read as {kind}, expected {table}"
    assert canonical.mapping.preset == detected.preset  # init names the preset the commands pick
    return canonical.mapping.preset, canonical


def column(canonical: Canonical, name: str) -> list[object]:
    return canonical.frame[name].to_list()


def source_of(canonical: Canonical, name: str) -> str:
    return canonical.mapping.columns[name].source


# --- Stripe -----------------------------------------------------------------------------------------------------
def test_stripe_invoices_take_the_line_item_periods_not_the_invoice_period() -> None:
    preset, table = read("stripe/invoices.csv", "billing")
    assert preset == "stripe"
    assert source_of(table, "period_start") == "Minimum Line Item Period Start (UTC)"
    assert source_of(table, "period_end") == "Maximum Line Item Period End (UTC)"
    assert column(table, "customer_id") == ["cus_PAcme01", "cus_PBeta02", "cus_PBeta02"]
    assert column(table, "amount") == [12000.0, 500.0, 500.0]  # "12,000.00" read as an amount
    # the annual invoice covers a year (its "Period Start/End (UTC)" would be one day: the previous period)
    assert column(table, "period_start") == [D(2024, 1, 1), D(2024, 2, 15), D(2024, 3, 15)]
    assert column(table, "period_end") == [D(2025, 1, 1), D(2024, 3, 15), D(2024, 4, 15)]


def test_stripe_invoices_mrr(invoke: Invoke) -> None:
    # March 2024: Acme's $12,000 a year is $1,000 a month; Beta's March invoice (15 Mar - 15 Apr) is $500
    result = invoke(
        "numbers", fixture("stripe/invoices.csv"), "--as-of", "2024-03", "--history-starts", "2024-01", "-f", "json"
    )
    metrics = as_json(result)["metrics"]
    assert metrics["mrr"] == pytest.approx(1500.0)
    assert metrics["customers"] == 2


def test_stripe_invoice_line_items() -> None:
    preset, table = read("stripe/invoice_line_items.csv", "billing")
    assert preset == "stripe"
    assert column(table, "amount") == [12000.0, 500.0, -50.0]  # the proration credit is a negative line
    assert column(table, "quantity") == [10.0, 5.0, 5.0]
    assert column(table, "plan") == ["price_ProYear", "price_TeamMonth", "price_TeamMonth"]
    assert column(table, "period_end") == [D(2025, 1, 1), D(2024, 3, 15), D(2024, 3, 15)]


def test_stripe_subscriptions_have_amount_quantity_and_interval(invoke: Invoke) -> None:
    preset, table = read("stripe/subscriptions.csv", "subscriptions")
    assert preset == "stripe"
    assert column(table, "amount") == [1200.0, 50.0, 99.0]
    assert column(table, "quantity") == [10.0, 3.0, 1.0]
    assert column(table, "interval") == ["year", "month", "month"]
    assert column(table, "interval_count") == [1, 1, 1]
    # ended when "Ended At (UTC)" says, not when the customer asked to cancel ("Canceled At (UTC)")
    assert column(table, "end_date") == [None, None, D(2024, 2, 10)]
    assert column(table, "start_date") == [D(2024, 1, 1), D(2024, 1, 15), D(2023, 11, 10)]
    # MRR in March 2024: 1,200 × 10 / 12 + 50 × 3 = 1,150 (Gamma ended in February)
    metrics = as_json(invoke("numbers", fixture("stripe/subscriptions.csv"), "--as-of", "2024-03", "-f", "json"))
    assert metrics["metrics"]["mrr"] == pytest.approx(1150.0)


def test_stripe_customers() -> None:
    preset, table = read("stripe/customers.csv", "customers")
    assert preset == "stripe"
    assert column(table, "customer_id") == ["cus_PAcme01", "cus_PBeta02"]
    assert column(table, "name") == ["Acme Corp", "Beta LLC"]


def test_stripe_sigma_amounts_in_cents_are_scaled_whatever_the_column_is_called() -> None:
    # "amount" is also the canonical name: the preset's scale applies all the same
    preset, table = read("stripe-sigma/invoice_line_items.csv", "billing")
    assert preset == "stripe-sigma"
    assert table.mapping.columns["amount"].scale == 0.01
    assert column(table, "amount") == pytest.approx([12000.0, 500.0, 19.99])


def test_minor_units_flag_scales_a_generic_file(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("customer_id,amount,period_start\nA,123456,2024-01-01\n", encoding="utf-8")
    table = load_table(str(path), "billing", ReadOptions(minor_units=True))
    assert column(table, "amount") == [1234.56]
    assert load_table(str(path), "billing", ReadOptions()).frame["amount"].to_list() == [123456.0]


# --- ChartMogul, Chargebee, Recurly, Paddle, Zuora, Maxio -------------------------------------------------------
def test_chartmogul_mrr_intervals(invoke: Invoke) -> None:
    preset, table = read("chartmogul/mrr_intervals.csv", "subscriptions")
    assert preset == "chartmogul"
    assert column(table, "mrr") == pytest.approx([0.0, 2500.0, 3000.0, 49.99])  # cents / 100
    assert column(table, "end_date") == [D(2024, 1, 15), D(2024, 7, 1), None, D(2024, 5, 1)]
    metrics = as_json(invoke("numbers", fixture("chartmogul/mrr_intervals.csv"), "--as-of", "2024-03", "-f", "json"))
    assert metrics["metrics"]["mrr"] == pytest.approx(2549.99)


def test_chartmogul_customers() -> None:
    preset, table = read("chartmogul/customers.csv", "customers")
    assert preset == "chartmogul"
    assert column(table, "customer_id") == ["cus_0001", "cus_0002"]
    assert column(table, "name") == ["Acme Corp", "Beta AB"]  # the company, not the contact's name


def test_chargebee_table_prefixed_headers_and_quarterly_billing() -> None:
    preset, table = read("chargebee/subscriptions.csv", "subscriptions")
    assert preset == "chargebee"
    assert source_of(table, "customer_id") == "subscriptions.customer_id"
    assert column(table, "customer_id") == ["cb_acme", "cb_beta"]
    assert column(table, "interval") == ["month", "year"]
    assert column(table, "interval_count") == [3, 1]
    assert column(table, "mrr") == [200.0, 200.0]
    assert column(table, "end_date") == [None, D(2024, 6, 1)]


def test_chargebee_zip_export(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "chargebee_export.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(EXPORTS / "chargebee/subscriptions.csv", "Subscriptions.csv")
        out.write(EXPORTS / "chargebee/customers.csv", "Customers.csv")
    kind, table = load_revenue(f"{archive}#Subscriptions.csv", None, ReadOptions())
    assert kind == "subscriptions" and table.frame.height == 2
    with pytest.raises(InputError, match=r"holds 2 export files") as error:
        load_table(str(archive), "customers", ReadOptions())
    assert "#Customers.csv" in (error.value.hint or "") or "#Subscriptions.csv" in (error.value.hint or "")


def test_chargebee_customers() -> None:
    preset, table = read("chargebee/customers.csv", "customers")
    assert preset == "chargebee"
    assert column(table, "name") == ["Acme Corp", "Beta AB"]
    assert column(table, "start_date") == [D(2023, 12, 20), D(2023, 5, 30)]


def test_recurly_subscriptions_and_accounts() -> None:
    preset, table = read("recurly/subscriptions.csv", "subscriptions")
    assert preset == "recurly"
    assert column(table, "customer_id") == ["acct-acme", "acct-beta"]
    assert column(table, "amount") == [25.0, 25.0]
    assert column(table, "quantity") == [4.0, 1.0]
    assert column(table, "start_date") == [D(2024, 1, 15), D(2023, 10, 1)]
    assert column(table, "end_date") == [None, D(2024, 2, 1)]  # expires_at, not canceled_at
    preset, accounts = read("recurly/accounts.csv", "customers")
    assert preset == "recurly" and column(accounts, "name") == ["Acme Corp", "Beta AB"]


def test_recurly_interval_for_one_run_with_map(tmp_path: Path) -> None:
    # the export does not name the plan's interval: --map gives it for this run
    frame = pl.read_csv(EXPORTS / "recurly/subscriptions.csv").with_columns(billing_every=pl.lit("months"))
    path = tmp_path / "subscriptions.csv"
    frame.write_csv(path)
    opts = ReadOptions(overrides={"billing_every": "interval"})
    kind, table = load_revenue(str(path), None, opts)
    assert kind == "subscriptions"
    assert column(table, "interval") == ["month", "month"] and column(table, "interval_count") == [1, 1]


def test_paddle_transaction_line_items() -> None:
    preset, table = read("paddle/transaction_line_items.csv", "billing")
    assert preset == "paddle"
    assert column(table, "amount") == [30.0, 30.0]  # the subtotal, before tax
    assert column(table, "period_start") == [D(2024, 1, 1), D(2024, 2, 1)]
    assert column(table, "period_end") == [D(2024, 2, 1), D(2024, 3, 1)]


def test_zuora_rate_plan_charges(invoke: Invoke) -> None:
    preset, table = read("zuora/rate_plan_charges.csv", "subscriptions")
    assert preset == "zuora"
    assert column(table, "customer_id") == ["A00000001", "A00000002"]
    assert column(table, "mrr") == [1000.0, 150.0]
    metrics = as_json(invoke("numbers", fixture("zuora/rate_plan_charges.csv"), "--as-of", "2024-03", "-f", "json"))
    assert metrics["metrics"]["mrr"] == pytest.approx(1150.0)


def test_maxio_customers_with_utc_offsets() -> None:
    preset, table = read("maxio/customers.csv", "customers")
    assert preset == "maxio"
    assert column(table, "customer_id") == ["acme-001", "beta-002"]  # the reference, the customer's own id
    assert column(table, "start_date") == [D(2023, 6, 3), D(2024, 1, 10)]


# --- CRM and support --------------------------------------------------------------------------------------------
def test_hubspot_companies_annual_revenue_is_not_arr_and_lifecycle_is_not_segment() -> None:
    preset, table = read("hubspot/companies.csv", "customers")
    assert preset == "hubspot"
    assert "arr" not in table.mapping.columns and "segment" not in table.mapping.columns
    assert column(table, "customer_id") == ["9001", "9002"]
    assert column(table, "employees") == [250.0, 40.0]
    assert column(table, "start_date") == [D(2023, 11, 2), D(2024, 1, 10)]


def test_hubspot_contacts_take_the_company_id_not_its_name() -> None:
    preset, table = read("hubspot/contacts.csv", "contacts")
    assert preset == "hubspot"
    assert source_of(table, "customer_id") == "Associated Company IDs"
    assert column(table, "customer_id") == ["9001", "9002", "9001"]
    assert column(table, "last_activity") == [D(2024, 3, 1), D(2024, 2, 20), None]


def test_crm_deals_and_opportunities_are_no_table() -> None:
    for name in ("hubspot/deals.csv", "salesforce/opportunities_report.csv"):
        raw = open_raw(fixture(name), ReadOptions())
        assert detect(raw.columns, Path(name).name) is None, name
    with pytest.raises(InputError, match="not a customers export"):
        load_table(fixture("hubspot/deals.csv"), "customers", ReadOptions())


def test_salesforce_report_with_its_footer_and_us_dates() -> None:
    preset, table = read("salesforce/accounts_report.csv", "customers")
    assert preset == "salesforce"
    assert table.frame.height == 3  # the footer's six lines are not rows
    assert "arr" not in table.mapping.columns and "segment" not in table.mapping.columns
    assert column(table, "start_date") == [D(2024, 1, 15), D(2023, 12, 3), D(2023, 11, 20)]
    assert column(table, "employees") == [250.0, 40.0, 1200.0]


def test_salesforce_formatted_report_xlsx_with_title_rows(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Customer Accounts"])
    sheet.append(["Account Type equals Customer"])
    sheet.append([])
    rows = pl.read_csv(EXPORTS / "salesforce/accounts_report.csv", n_rows=3, infer_schema=False)
    sheet.append(rows.columns)
    for row in rows.rows():
        cells: list[object] = list(row)
        cells[8] = dt.datetime.strptime(str(row[8]), "%m/%d/%Y")  # a real date cell
        sheet.append(cells)
    path = tmp_path / "accounts.xlsx"
    book.save(path)
    table = load_table(str(path), "customers", ReadOptions())
    assert table.frame.height == 3
    assert column(table, "start_date") == [D(2024, 1, 15), D(2023, 12, 3), D(2023, 11, 20)]
    assert table.frame["__row"].to_list() == [5, 6, 7]  # the rows a person sees in the sheet


def test_salesforce_data_loader_contacts() -> None:
    preset, table = read("salesforce/contacts_dataloader.csv", "contacts")
    assert preset == "salesforce"
    assert column(table, "customer_id") == ["0015g00000AcmeAAA", "0015g00000BetaAAA"]
    assert column(table, "last_activity") == [D(2024, 3, 1), None]  # a quoted empty value is no date


def test_salesforce_cases_with_am_pm_times() -> None:
    preset, table = read("salesforce/cases_report.csv", "tickets")
    assert preset == "salesforce"
    assert column(table, "created_at") == [T(2024, 1, 15, 10, 32), T(2024, 3, 1, 0, 10), T(2024, 2, 29, 12, 45)]
    assert column(table, "resolved_at") == [T(2024, 1, 16, 14, 5), None, T(2024, 3, 1, 9, 0)]
    assert column(table, "ticket_id") == ["00001026", "00001027", "00001028"]


def test_zendesk_satisfaction_words() -> None:
    preset, table = read("zendesk/tickets.csv", "tickets")
    assert preset == "zendesk"
    assert column(table, "csat") == [5.0, 1.0, None, None]  # Good, Bad, Offered, Unoffered
    assert column(table, "created_at")[0] == T(2024, 1, 15, 10, 32, 11)


def test_zendesk_unknown_satisfaction_word_names_the_row(tmp_path: Path) -> None:
    text = (EXPORTS / "zendesk/tickets.csv").read_text(encoding="utf-8").replace(",Bad\n", ",Meh\n")
    path = tmp_path / "tickets.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3, column 'Satisfaction Score' \(csat\): cannot read 'Meh'"):
        load_table(str(path), "tickets", ReadOptions())


def test_gainsight_date_order_from_another_column() -> None:
    preset, table = read("gainsight/companies.csv", "customers")
    assert preset == "gainsight"
    # "03/01/2026" alone is ambiguous; "03/15/2023" in Original Contract Date proves month-first for the file
    assert column(table, "renewal_date") == [D(2026, 3, 1), D(2026, 4, 5)]
    assert column(table, "start_date") == [D(2023, 3, 15), D(2024, 4, 5)]
    assert table.facts["date_order"] == "mdy" and table.facts["date_order_from"] == "Original Contract Date"


# --- Baremetrics, Freshdesk -------------------------------------------------------------------------------------
def test_baremetrics_subscriptions_in_cents(invoke: Invoke) -> None:
    preset, table = read("baremetrics/subscriptions.csv", "subscriptions")
    assert preset == "baremetrics"
    assert source_of(table, "amount") == "plan_amount"
    assert column(table, "amount") == [1200.0, 50.0, 297.0]  # 120000, 5000, 29700 cents
    assert column(table, "interval") == ["year", "month", "month"]
    assert column(table, "interval_count") == [1, 1, 3]
    assert column(table, "end_date") == [None, D(2024, 4, 15), None]
    # MRR by hand: $1,200 a year / 12 = 100; $50 a month; $297 every 3 months / 3 = 99
    metrics = as_json(invoke("numbers", fixture("baremetrics/subscriptions.csv"), "--as-of", "2024-03", "-f", "json"))
    assert metrics["metrics"]["mrr"] == pytest.approx(249.0)
    assert metrics["metrics"]["customers"] == 3


def test_freshdesk_tickets_by_company() -> None:
    preset, table = read("freshdesk/tickets.csv", "tickets")
    assert preset == "freshdesk"
    assert source_of(table, "customer_id") == "Company Name"
    assert column(table, "customer_id") == ["Acme Corp", "Beta LLC", "Acme Corp"]
    assert column(table, "ticket_id") == ["101", "102", "103"]
    assert column(table, "created_at") == [T(2024, 1, 15, 10, 32, 11), T(2024, 2, 1, 9), T(2024, 3, 4, 14, 20)]
    assert column(table, "resolved_at") == [T(2024, 1, 15, 16, 2, 11), T(2024, 2, 2, 11), None]
    assert column(table, "priority") == ["Urgent", "Low", "Medium"]
    assert "csat" not in table.frame.columns  # "Survey results" is the account's own scale, not a 1-5 CSAT


# --- Intercom ---------------------------------------------------------------------------------------------------
INTERCOM = "intercom/conversations.csv"


def intercom_copy(tmp_path: Path, old: str, new: str) -> Path:
    """The Intercom fixture with one value changed (the first occurrence of ``old``, which must be there)."""
    text = (EXPORTS / INTERCOM).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "conversations.csv"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_intercom_conversations_by_company() -> None:
    preset, table = read(INTERCOM, "tickets")
    assert preset == "intercom"
    assert source_of(table, "customer_id") == "Company ID"
    assert source_of(table, "created_at") == "Conversation started at (America/New_York)"
    assert source_of(table, "resolved_at") == "Conversation last closed at (America/New_York)"
    assert column(table, "ticket_id") == ["215468000001", "215468000002", "215468000003", "215468000004"]
    assert column(table, "customer_id") == ["9001", "9002", "9001", "9001"]
    # times as written, in the workspace's zone its headers name
    assert column(table, "created_at") == [
        T(2024, 1, 15, 10, 32, 11),
        T(2024, 2, 1, 9),
        T(2024, 3, 4, 14, 20),
        T(2024, 3, 10, 8, 5),
    ]
    # the second was closed, reopened and closed again: its last close, not its first (2024-02-01 18:00)
    assert column(table, "resolved_at") == [T(2024, 1, 15, 16, 2, 11), T(2024, 2, 2, 11), None, None]
    assert column(table, "status") == ["closed", "closed", "snoozed", "open"]
    assert column(table, "priority") == ["normal", "high", "normal", "high"]  # the priority flag
    assert column(table, "csat") == [5.0, 2.0, None, None]  # "Last teammate rating", 1-5


def test_intercom_times_to_close_agree_with_its_own_seconds() -> None:
    # Intercom's "Time to close (seconds)" (passed through, not read) against the start and close times csctl read
    _, table = read(INTERCOM, "tickets")
    closed = table.frame.filter(pl.col("resolved_at").is_not_null())
    seconds = (closed["resolved_at"] - closed["created_at"]).dt.total_seconds().to_list()
    assert seconds == [19800, 93600]  # 5.5 h and 26 h
    assert closed["Time to close (seconds)"].cast(pl.Int64).to_list() == seconds


def test_intercom_states_and_priority_in_any_case(tmp_path: Path) -> None:
    path = intercom_copy(tmp_path, ",closed,not_priority,", ",Closed,Not priority,")
    table = load_table(str(path), "tickets", ReadOptions())
    assert column(table, "status")[0] == "closed" and column(table, "priority")[0] == "normal"


def test_intercom_unknown_state_exits_3_naming_the_row(invoke: Invoke, tmp_path: Path) -> None:
    path = intercom_copy(tmp_path, ",snoozed,", ",Pospuesta,")  # a workspace in Spanish
    expected = (
        r"row 4, column 'Current conversation state' \(status\): cannot read 'Pospuesta' as a status the intercom "
        r"preset knows \(open, closed, snoozed\)"
    )
    with pytest.raises(InputError, match=expected):
        load_table(str(path), "tickets", ReadOptions())
    result = invoke("inspect", path)
    assert result.exit_code == 3, result.stderr
    assert "cannot read 'Pospuesta'" in result.stderr
    # --skip-bad-rows skips and counts the row rather than read a state that is not one
    table = load_table(str(path), "tickets", ReadOptions(skip_bad_rows=True))
    assert column(table, "ticket_id") == ["215468000001", "215468000002", "215468000004"]
    assert table.skipped == 1


INTERCOM_RULES = """
missing: exclude
scorecards:
  - name: Support
    groups:
      - name: support
        measures:
          - name: conversations_90d
            source: tickets
            aggregate: count
            window_days: 90
            direction: lower
            bands: [{below: 2, score: 100}, {score: 50}]
          - name: priority_open
            source: tickets
            aggregate: count
            filter: "priority = 'high' AND status IN ('open', 'snoozed')"
            window_days: 90
            direction: lower
            bands: [{below: 1, score: 100}, {score: 0}]
          - name: csat
            source: tickets
            aggregate: mean
            value: csat
            window_days: 365
            direction: higher
            bands: [{below: 4, score: 0}, {score: 100}]
"""


def test_intercom_health_with_hubspot_companies(invoke: Invoke, tmp_path: Path) -> None:
    rules = tmp_path / "health.yaml"
    rules.write_text(INTERCOM_RULES, encoding="utf-8")
    args = ("--tickets", fixture(INTERCOM), "--rules", rules, "--as-of", "2024-03", "-f", "json")
    doc = as_json(invoke("health", fixture("hubspot/companies.csv"), *args))
    assert doc["inputs"]["tickets"][0]["preset"] == "intercom"
    rows = {r["customer_id"]: r for r in doc["tables"]["customers"]}
    # 90 days to 31 March 2024: Acme (9001) 15 Jan, 4 Mar, 10 Mar (3 → 50); Beta (9002) 1 Feb (1 → 100)
    assert (rows["9001"]["value_conversations_90d"], rows["9002"]["value_conversations_90d"]) == (3, 1)
    # a priority conversation still open or snoozed: Acme's of 10 Mar (1 → 0); Beta's is closed (0 → 100)
    assert (rows["9001"]["value_priority_open"], rows["9002"]["value_priority_open"]) == (1, 0)
    # mean rating: Acme 5 (→ 100), Beta 2 (→ 0)
    assert (rows["9001"]["value_csat"], rows["9002"]["value_csat"]) == (5, 2)
    # equal weights: Acme (50 + 0 + 100) / 3 = 50; Beta (100 + 100 + 0) / 3 = 66.67
    assert (rows["9001"]["health_score"], rows["9002"]["health_score"]) == (50.0, 66.67)


def test_intercom_api_export_documented_ids(invoke: Invoke, tmp_path: Path) -> None:
    # the Reporting Data Export API's qualified ids; the company's id is not documented, so it is mapped by hand
    path = tmp_path / "conversation.csv"
    path.write_text(
        "standard.conversation_id,timestamp.conversation_started_at,company.company_id\n"
        "215468000001,2024-01-15 10:32:11,9001\n",
        encoding="utf-8",
    )
    facts = as_json(invoke("inspect", path, "--map", "company.company_id=customer_id", "-f", "json"))
    assert facts["table"] == "tickets" and facts["preset"] == "intercom"
    sources = {c["canonical"]: c["source"] for c in facts["columns"]}
    assert sources == {
        "customer_id": "company.company_id",
        "created_at": "timestamp.conversation_started_at",
        "ticket_id": "standard.conversation_id",
    }


def test_a_time_zone_after_a_name_is_optional_only_when_it_is_an_iana_zone() -> None:
    from csctl.io.columns import map_columns
    from csctl.io.presets import load_preset
    from csctl.io.schema import TABLES

    headers = ["Company ID", "Conversation started at (America/Argentina/Buenos_Aires)", "Resolved (UTC)"]
    mapping = map_columns(headers, TABLES["tickets"], load_preset("intercom"), load_preset("generic"))
    assert mapping.columns["created_at"].source == headers[1]
    assert "resolved_at" not in mapping.columns  # "(UTC)" is part of that column's name, as Stripe's "(UTC)" are


# --- several files for one export -------------------------------------------------------------------------------
HEADER = "customer_id,amount,period_start,period_end\n"
JAN_FEB = "A,100.00,2024-01-01,2024-01-31\nB,50.00,2024-01-01,2024-01-31\nA,100.00,2024-02-01,2024-02-29\n"
MAR = "A,120.00,2024-03-01,2024-03-31\nB,50.00,2024-03-01,2024-03-31\nC,30.00,2024-03-01,2024-03-31\n"


def split_billing(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "invoices-2024-03.csv").write_text(HEADER + MAR, encoding="utf-8")
    (folder / "invoices-2024-01.csv").write_text(HEADER + JAN_FEB, encoding="utf-8")
    (folder / "all.csv").write_text(HEADER + JAN_FEB + MAR, encoding="utf-8")
    return folder


def numbers_json(invoke: Invoke, *args: object) -> dict:
    return as_json(invoke("numbers", *args, "--as-of", "2024-03", "--view", "bridge", "-f", "json"))


def test_a_quoted_glob_and_several_paths_read_as_one_export(invoke: Invoke, tmp_path: Path) -> None:
    folder = split_billing(tmp_path / "exports")
    whole = numbers_json(invoke, folder / "all.csv")
    by_glob = numbers_json(invoke, f"{folder}/invoices-*.csv")
    by_paths = numbers_json(invoke, folder / "invoices-2024-03.csv", folder / "invoices-2024-01.csv")
    assert whole["metrics"]["mrr"] == 200.0  # March: A 120 + B 50 + C 30
    for doc in (by_glob, by_paths):
        assert doc["metrics"] == whole["metrics"]
        assert doc["tables"] == whole["tables"]
    # the glob's files in name order, each in the inputs block
    files = [entry["file"] for entry in by_glob["inputs"]["billing"]]
    assert [Path(f).name for f in files] == ["invoices-2024-01.csv", "invoices-2024-03.csv"]


def test_files_of_one_export_with_other_columns_exit_3_naming_the_file(invoke: Invoke, tmp_path: Path) -> None:
    folder = split_billing(tmp_path / "exports")
    (folder / "invoices-2024-03.csv").write_text(
        "customer_id,amount,period_start\n" + "A,120.00,2024-03-01\n", encoding="utf-8"
    )
    result = invoke("numbers", f"{folder}/invoices-*.csv")
    assert result.exit_code == 3, result.stderr
    assert "invoices-2024-03.csv: its columns differ from those of" in result.stderr
    assert "invoices-2024-01.csv, the first file of this export: it has no period_end" in result.stderr


def test_a_glob_that_matches_nothing_or_too_many_files(invoke: Invoke, tmp_path: Path) -> None:
    from csctl.io import inputs

    result = invoke("numbers", f"{tmp_path}/nothing-*.csv")
    assert result.exit_code == 3 and "no file matches this pattern" in result.stderr, result.stderr
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(5):
        (folder / f"b{i}.csv").write_text(HEADER, encoding="utf-8")
    assert len(inputs.expand_inputs(f"{folder}/b*.csv")) == 5
    original = inputs.MAX_INPUT_FILES
    try:
        inputs.MAX_INPUT_FILES = 4
        with pytest.raises(InputError, match=r"5\+ files for one export; csctl reads at most 4"):
            inputs.expand_inputs(f"{folder}/b*.csv")
    finally:
        inputs.MAX_INPUT_FILES = original
    result = invoke("numbers", folder / "b0.csv", folder / "b0.csv")
    assert result.exit_code == 2 and "given twice for one export" in result.stderr
    result = invoke("numbers", "-", folder / "b0.csv")
    assert result.exit_code == 2 and "stdin (-) is one export on its own" in result.stderr


# --- decompression bombs ----------------------------------------------------------------------------------------
def bomb_bytes(size: int) -> bytes:
    """A CSV header and then ``size`` bytes of one repeated line: packs a thousandfold."""
    line = b"A,1.00,2024-01-01\n"
    return b"customer_id,amount,period_start\n" + line * (size // len(line))


def test_a_zip_bomb_is_refused_with_exit_3(invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile
    import zipfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    archive = tmp_path / "billing.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        out.writestr("billing.csv", bomb_bytes(70 << 20))  # 70 MiB that pack to well under 1 MiB
    assert archive.stat().st_size * 200 < 64 << 20
    result = invoke("numbers", archive)
    assert result.exit_code == 3, result.stderr
    assert "the zip data unpacks to more than 65 MiB from" in result.stderr
    assert "over 200 times its packed size (csctl's limit beyond 64 MiB)" in result.stderr
    assert "decompression bomb" in result.stderr
    assert "Traceback" not in result.output
    assert list(scratch.iterdir()) == []  # the part unpacked is removed


@pytest.mark.parametrize("kind", ["gzip", "bzip2"])
def test_gz_and_bz2_bombs_and_stdin_are_refused(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    import bz2
    import gzip

    from csctl.io import read

    monkeypatch.setattr(read, "UNPACKED_RATIO_FLOOR", 1 << 20)  # the same rule at a smaller scale: quick
    data = bomb_bytes(4 << 20)
    packed = gzip.compress(data) if kind == "gzip" else bz2.compress(data)
    path = tmp_path / ("billing.csv.gz" if kind == "gzip" else "billing.csv.bz2")
    path.write_bytes(packed)
    result = invoke("numbers", path)
    assert result.exit_code == 3 and f"the {kind} data unpacks to more than 2 MiB from" in result.stderr, result.stderr
    if kind == "gzip":
        result = invoke("numbers", "-", input=packed)
        assert result.exit_code == 3 and "decompression bomb" in result.stderr, result.stderr
    # a real export of the same size that packs like a CSV does is read
    monkeypatch.setattr(read, "MAX_UNPACKED_RATIO", 10_000)
    result = invoke("numbers", path, "--history-starts", "2024-01", "--as-of", "2024-01")
    assert result.exit_code == 0, result.stderr
