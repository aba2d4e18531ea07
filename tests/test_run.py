"""The run floor (csctl/run) driven directly, without the CLI: one as-of day for every step and every file of the
report, each step computed once and each table read once, one customer table, charts filled by the step that owns
the figures, and the catalogue saying every export and rule file once."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
import yaml

from csctl.config.models import Config, Exports, RuleFiles
from csctl.config.tables import EXPORT_TABLES, RULE_FILES
from csctl.core.months import last_day, parse_month
from csctl.errors import InputError, UsageError
from csctl.io.parse import ReadOptions
from csctl.io.schema import TABLES
from csctl.metrics import REGISTRY
from csctl.run import assessment, steps
from csctl.run.catalogue import EXPORTS, RULES, ask, dated
from csctl.run.inputs import Run
from tests.conftest import Invoke
from tests.helpers import ok, write_csv

TODAY = dt.date(2026, 12, 6)  # any day after the data: the as-of day must come from the data, never from today
LATEST_USAGE = dt.date(2025, 6, 20)


def _customers_and_usage(folder: Path) -> Path:
    """A company that gave its CRM accounts (with ARR, so the segment rules run) and product usage only."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(
        folder / "customers.csv",
        [
            ["customer_id", "name", "segment", "csm", "arr", "renewal_date"],
            ["A", "Alpha", "Enterprise", "Ann", 60000, "2025-09-30"],
            ["B", "Beta", "SMB", "Bob", 3000, "2026-01-15"],
            ["C", "Gamma", "SMB", "Bob", 2400, "2025-07-01"],
        ],
    )
    write_csv(
        folder / "usage.csv",
        [
            ["customer_id", "date", "active_users", "seats", "logins", "reports_created", "api_calls"],
            ["A", "2025-05-02", 40, 50, 300, 20, 1000],
            ["B", LATEST_USAGE.isoformat(), 1, 10, 3, 0, 0],
            ["C", "2025-04-11", 2, 5, 4, 1, 0],
        ],
    )
    return folder


def _run(*, workspace: bool = False, month: int | None = None, **tables: Path) -> Run:
    run = Run(Config(), ReadOptions(), month, TODAY, workspace=workspace)
    for table, path in tables.items():
        run.add(table, str(path))
    return run


# --- one as-of ---------------------------------------------------------------------------------------------------
def test_one_as_of_in_every_file_of_the_report(cli: Invoke, tmp_path: Path) -> None:
    """Customers and usage only (no billing): the report and the plan of the same workspace state one as-of month,
    the month of the latest usage date, not today's."""
    folder = _customers_and_usage(tmp_path / "acme")
    write_csv(folder / "levers.csv", [["segment", "lever", "gain"], ["Strategic", "retention", 1200]])
    ok(cli("init", folder, "-q"))
    out = folder / "report"
    ok(cli("report", "-c", folder / "csctl.yaml", "-o", out, "-q"))
    ok(
        cli(
            "plan",
            "-c",
            folder / "csctl.yaml",
            "--opportunity",
            folder / "levers.csv",
            "--plan-file",
            folder / "plan.yaml",
            "-f",
            "csv",
            "-q",
        )
    )
    with zipfile.ZipFile(out / "assessment.xlsx") as book:
        sheets = "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.startswith("xl/"))
    stated = {
        "assessment.md": re.findall(r"As of (\d{4}-\d{2})", (out / "assessment.md").read_text(encoding="utf-8")),
        "assessment.html": re.findall(r"As of (\d{4}-\d{2})", (out / "assessment.html").read_text(encoding="utf-8")),
        "assessment.xlsx": re.findall(r"As of (\d{4}-\d{2})", sheets),
        "plan.yaml": [yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))["as_of"]],
    }
    assert all(stated.values()), stated  # every file states it
    assert {month for months in stated.values() for month in months} == {"2025-06"}, stated


def test_as_of_is_the_latest_dated_row_without_billing(tmp_path: Path) -> None:
    folder = _customers_and_usage(tmp_path)
    run = _run(customers=folder / "customers.csv", usage=folder / "usage.csv")
    assert steps.as_of(run) == LATEST_USAGE
    assert steps.as_of_month(run) == "2025-06"
    assert steps.health(run).meta["as_of"] == LATEST_USAGE.isoformat()  # the step measured at that day
    assert (
        assessment.build(_run(workspace=True, customers=folder / "customers.csv", usage=folder / "usage.csv")).as_of
        == "2025-06"
    )


def test_as_of_month_given_is_its_last_day_and_a_month_to_come_is_refused(tmp_path: Path) -> None:
    folder = _customers_and_usage(tmp_path)
    given = _run(month=parse_month("2025-03"), customers=folder / "customers.csv", usage=folder / "usage.csv")
    assert steps.as_of(given) == dt.date(2025, 3, 31)
    ahead = _run(month=parse_month("2027-02"), customers=folder / "customers.csv", usage=folder / "usage.csv")
    with pytest.raises(UsageError, match="after the data"):
        steps.as_of(ahead)


def test_as_of_with_billing_is_the_billings_month(billing_csv: Path) -> None:
    run = _run(billing=billing_csv)
    month = steps.measured(run).as_of
    assert steps.as_of(run) == last_day(month)
    assert steps.numbers(run).meta["as_of"] == steps.as_of_month(run)


# --- once --------------------------------------------------------------------------------------------------------
def test_each_step_once_each_table_read_once(billing_csv: Path) -> None:
    run = _run(billing=billing_csv)
    summary = steps.numbers(run)
    assert steps.numbers(run, "summary") is summary  # defaults filled in: one computation
    assert steps.numbers(run, view="summary", period="month") is summary
    bridge = steps.numbers(run, "bridge")
    assert bridge is not summary and steps.numbers(run, "bridge") is bridge
    steps.numbers(run, "quarters")
    steps.numbers(run, "forecast")
    assert len(run.facts["billing"]) == 1  # four views, one read of the billing


def test_a_missing_export_is_raised_each_time_never_kept(tmp_path: Path) -> None:
    folder = _customers_and_usage(tmp_path)
    run = _run(workspace=True, customers=folder / "customers.csv")
    for _ in range(2):
        with pytest.raises(steps.Missing) as exc:
            steps.health(run)
        assert exc.value.needs == ["usage, tickets or surveys"]


# --- one customer table; the workspace/command difference ---------------------------------------------------------
def test_customers_a_workspace_segments_a_command_takes_as_given(tmp_path: Path) -> None:
    folder = _customers_and_usage(tmp_path)
    command = _run(customers=folder / "customers.csv")
    given = steps.customers(command)
    assert given is not None and given.equals(command.frame("customers"))
    workspace = _run(workspace=True, customers=folder / "customers.csv")
    segmented = steps.customers(workspace)
    assert segmented is not None
    by_id = dict(zip(segmented["customer_id"], segmented["segment"], strict=True))
    assert by_id == {"A": "Strategic", "B": "Scale", "C": "Scale"}  # configs/segments.yaml: arr >= 24000, >= 6000
    assert segmented.equals(steps.segment(workspace).primary_table.frame)  # the segment step's own table


def test_customers_without_a_segment_column_where_one_is_needed(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["customer_id", "name"], ["A", "Alpha"]])
    run = _run(customers=path)
    assert steps.customers(run) is not None
    with pytest.raises(InputError, match="no segment column"):
        steps.customers(run, segments=True)
    assert steps.customers(_run()) is None


# --- charts ------------------------------------------------------------------------------------------------------
def test_charts_are_filled_by_the_step_that_owns_the_figures(billing_csv: Path, tmp_path: Path) -> None:
    run = _run(billing=billing_csv)
    bridge = steps.numbers(run, "bridge")
    assert [c.name for c in bridge.charts] == ["mrr", "mrr_bridge"]
    table = bridge.tables["bridge"].frame
    for chart in bridge.charts:
        assert chart.frame is not None and chart.frame.equals(table.tail(24))
    (revenue,) = steps.numbers(run, "quarters").charts
    assert revenue.frame is not None
    quarters = steps.numbers(run, "quarters").tables["quarters"].frame
    assert revenue.frame["revenue"].head(quarters.height).to_list() == quarters["revenue"].to_list()
    assert steps.numbers(run).charts == []  # the summary has none
    folder = _customers_and_usage(tmp_path)
    health = steps.health(_run(customers=folder / "customers.csv", usage=folder / "usage.csv"))
    by_segment = next(c for c in health.charts if c.name == "health_segment")
    assert by_segment.frame is not None
    assert by_segment.frame.equals(health.tables["by_segment"].frame.select("segment", "green", "yellow", "red"))


def test_the_assessment_holds_the_steps_own_results_and_charts(billing_csv: Path) -> None:
    run = _run(workspace=True, billing=billing_csv)
    built = assessment.build(run)
    numbers = built.sections[0]
    summary = steps.numbers(run)
    assert next(b.result for b in numbers.blocks) is summary  # the very Result the command prints
    shown = dict(numbers.metrics)
    assert {k: shown[k] for k in summary.metrics if k in REGISTRY} == {
        k: v for k, v in summary.metrics.items() if k in REGISTRY
    }  # every headline figure of the command, the same value
    assert [c.name for c in numbers.charts] == ["mrr", "mrr_bridge", "revenue_quarters"]
    assert numbers.charts[0] is steps.numbers(run, "bridge").charts[0]
    assert built.as_of == steps.as_of_month(run)
    assert [s.number for s in built.sections] == list(range(1, 11))


def test_metric_values_come_from_the_measuring_step_or_say_why_not(billing_csv: Path) -> None:
    run = _run(billing=billing_csv)
    values, why = steps.metric_values(run, ["grr_12m", "plan_actions_done_share", "red_share"])
    assert values["grr_12m"] == steps.numbers(run).metrics["grr_12m"]
    assert values["plan_actions_done_share"] is None and why["plan_actions_done_share"] == "measured by csctl assess"
    assert values["red_share"] is None and why["red_share"] == "csctl health needs customers"


# --- the catalogue -----------------------------------------------------------------------------------------------
def test_the_catalogue_says_every_export_once_and_the_floors_agree() -> None:
    assert tuple(EXPORTS) == EXPORT_TABLES
    assert tuple(Exports.model_fields) == EXPORT_TABLES  # csctl.yaml's exports: built from the same list
    for export in EXPORTS.values():
        assert export.schemas and all(s in TABLES for s in export.schemas), export.name
        if export.date is not None:  # the date column is a date column of the table it is read as
            assert TABLES[export.schemas[0]].column(export.date).type in ("date", "datetime"), export.name
        assert ask(export.name).endswith(f"exports.{export.name}")
    assert {t for t, _ in dated()} == {e.name for e in EXPORTS.values() if e.date}


def test_the_catalogue_says_every_rule_file_once_and_each_default_loads() -> None:
    assert tuple(RULES) == RULE_FILES == tuple(RuleFiles.model_fields)
    assert len({r.flag for r in RULES.values()}) == len(RULES)
    for rule in RULES.values():
        if rule.default is not None:
            assert rule.load(None) is not None, rule.name
    run = _run()
    assert run.rules("inventory") is None  # no default inventory: step 2 asks for one
    assert run.rules("segments") is run.rules("segments")  # loaded once


def test_quarters_without_history_for_a_forecast_chart_the_quarters_alone(tmp_path: Path) -> None:
    billing = write_csv(
        tmp_path / "b.csv",
        [["customer_id", "amount", "period_start", "period_end"], ["A", 100, "2025-03-01", "2025-03-31"]],
    )
    run = _run(month=parse_month("2025-03"), billing=billing)
    run.history_starts = parse_month("2025-03")  # the whole history: one month, nothing before it to project from
    with pytest.raises(InputError, match="a forecast needs"):
        steps.numbers(run, "forecast")
    quarters = steps.numbers(run, "quarters")
    (chart,) = quarters.charts
    assert chart.series == ("revenue",) and chart.frame is not None
    assert chart.frame["revenue"].to_list() == quarters.tables["quarters"].frame["revenue"].to_list()
