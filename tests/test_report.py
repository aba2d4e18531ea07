"""csctl init and csctl report (issue 7): a new engagement from a folder of exports, the ten-step assessment as
Markdown, Excel and HTML, its figures equal to the commands', and workspace errors that name the workspace line."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from csctl.config.tables import EXPORT_TABLES
from csctl.io.detect import detect
from tests.conftest import Invoke
from tests.helpers import assert_plain_workbook, ok, write_csv, write_text

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
EXPORTS = EXPORT_TABLES  # init must find every export the sample writes
OTHER_EXPORTS = r"^  (usage|tickets|surveys|costs|team|milestones|contacts|outcomes|actions):.*$"  # all but 2
SHEETS = [
    "Summary",
    "1 Numbers",
    "2 As-is",
    "3 Valuation",
    "4 Segments",
    "5 Success",
    "6 Personas",
    "7 Value path",
    "8 Opportunity",
    "9 Plan",
    "10 Assess",
]


def _line_of(path: Path, pattern: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if re.search(pattern, line):
            return number
    raise AssertionError(f"{pattern!r} not in {path}")


@pytest.fixture(scope="module")
def engagement(cli: Invoke, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new engagement as a user starts it: the sample exports in a folder, csctl init, csctl report."""
    folder = tmp_path_factory.mktemp("client")
    for path in SAMPLE.iterdir():
        if path.name != "csctl.yaml":  # the sample's own workspace: init writes the client's
            shutil.copy(path, folder / path.name)
    ok(cli("init", folder))
    ok(cli("report", "-c", folder / "csctl.yaml", "-o", folder / "report"))
    return folder


# --- init --------------------------------------------------------------------------------------------------------
def test_init_detects_every_sample_export_and_copies_the_rule_files(engagement: Path) -> None:
    text = (engagement / "csctl.yaml").read_text(encoding="utf-8")
    for table in EXPORTS:
        assert re.search(rf'^  {table}: "{table}\.csv"$', text, re.M), table
    assert re.search(r"^  inventory: \"asis\.yaml\"$", text, re.M)
    for rules in ("segments", "health", "personas", "plays", "value_path"):
        assert (engagement / f"{rules}.yaml").is_file()
    assert "# not recognised" not in text  # every sample export was recognised


def test_init_refuses_to_overwrite_a_workspace(invoke: Invoke, engagement: Path) -> None:
    result = invoke("init", engagement)
    assert result.exit_code == 2
    assert "--force" in result.stderr


def test_detect_by_columns_and_presets(cli: Invoke, tmp_path: Path) -> None:
    stripe = tmp_path / "stripe"
    ok(cli("sample", "-o", stripe, "--customers", 10, "--months", 3, "--style", "stripe"))
    from csctl.io.read import parse_spec, read_raw

    raw = read_raw(parse_spec(str(stripe / "billing.csv")))
    found = detect(raw.columns, "export-1.csv")  # the file name says nothing: the columns decide
    assert found is not None
    assert (found.table, found.preset) == ("billing", "stripe")
    assert detect(["customer_id", "milestone", "date"], "x.csv").table == "milestones"  # type: ignore[union-attr]
    assert detect(["customer_id", "date", "active_users"], "x.csv").table == "usage"  # type: ignore[union-attr]
    assert detect(["foo", "bar"], "billing.csv") is None


def test_init_then_report_from_inside_the_folder_with_no_other_edits(cli: Invoke, tmp_path: Path) -> None:
    for name in ("billing.csv", "customers.csv"):
        shutil.copy(SAMPLE / name, tmp_path / name)
    import os

    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        ok(cli("init"))
        result = ok(cli("report", "-o", "out"))
    finally:
        os.chdir(here)
    assert "open questions" in result.stderr
    text = (tmp_path / "out" / "assessment.md").read_text(encoding="utf-8")
    assert "## Step 1. Review the numbers today" in text
    # steps whose exports are missing are open questions, not silently skipped
    assert "csctl valuation needs the cost ledger" in text
    assert "csctl value-path needs value-path milestones" in text


# --- the document ------------------------------------------------------------------------------------------------
def test_markdown_has_the_ten_steps_in_the_seed_order_each_with_question_and_answer(engagement: Path) -> None:
    text = (engagement / "report" / "assessment.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## Step (\d+)\. (.+)$", text, re.M)
    assert [int(n) for n, _ in headings] == list(range(1, 11))
    for number in range(1, 10):
        block = text.split(f"## Step {number}.")[1].split("## Step")[0]
        question, answer = [line for line in block.splitlines()[1:] if line.strip()][:2]
        assert question.startswith("**") and question.endswith("?**"), question
        assert answer.endswith(".") and not answer.startswith("_"), answer
    assert "## Open questions for the client" in text
    assert "Step 10: no earlier plan to assess yet" in text


def test_a_long_table_shows_its_first_rows_in_the_documents_and_all_of_them_in_the_workbook(
    cli: Invoke, engagement: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from csctl.render import report_view

    monkeypatch.setattr(report_view, "DOC_ROWS", 5)
    ok(cli("report", "-c", engagement / "csctl.yaml", "-o", tmp_path / "out"))
    whole = (engagement / "report" / "assessment.md").read_text(encoding="utf-8")
    short = (tmp_path / "out" / "assessment.md").read_text(encoding="utf-8")

    def table(text: str, title: str) -> list[str]:
        lines = text.split(f"### {title}\n", 1)[1].lstrip("\n").splitlines()
        return [line for line in lines[: next(i for i, x in enumerate(lines) if not x.startswith("|"))]]

    title = "Renewals within 90 days at risk"
    all_rows = table(whole, title)[2:]
    assert len(all_rows) > 5 and "more rows" not in whole.split(f"### {title}", 1)[1].split("###", 1)[0]
    assert table(short, title)[2:] == all_rows[:5]  # the first rows, in the step's order
    left = len(all_rows) - 5
    note = f"_… and {left:,} more rows: the whole table is on the step's sheet of assessment.xlsx._"
    assert note in short.split(f"### {title}", 1)[1].split("###", 1)[0]
    html = (tmp_path / "out" / "assessment.html").read_text(encoding="utf-8")
    assert f"… and {left:,} more rows: the whole table is on the step's sheet of assessment.xlsx." in html
    sheet = openpyxl.load_workbook(tmp_path / "out" / "assessment.xlsx", read_only=True)["6 Personas"]
    ids = {row[0] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], str)}
    assert {row.split("|")[1].strip() for row in all_rows} <= ids  # the workbook keeps every row


def test_workbook_has_the_sheets_and_charts_and_no_formulas(engagement: Path) -> None:
    book = assert_plain_workbook(engagement / "report" / "assessment.xlsx", SHEETS)
    charts = {sheet.title: len(sheet._charts) for sheet in book.worksheets}
    assert charts["1 Numbers"] == 3  # MRR line, MRR bridge, revenue by quarter with the forecast
    assert charts["4 Segments"] == 1  # health distribution
    assert charts["8 Opportunity"] == 1  # LTV levers
    kinds = {type(c).__name__ for c in book["1 Numbers"]._charts}
    assert kinds == {"LineChart", "BarChart"}
    for detail in ("4 segment customers", "4 health customers", "9 plan actions", "7 value-path customers"):
        assert detail in book.sheetnames, book.sheetnames
    bands = book["4 health customers"]
    column = next(c.column_letter for c in bands[1] if c.value == "health_band")
    rules = {str(r.sqref): [x.formula for x in r.rules] for r in bands.conditional_formatting}
    assert rules[f"{column}2:{column}{bands.max_row}"][:3] == [['"green"'], ['"yellow"'], ['"red"']]
    summary = book["Summary"]
    assert summary["A1"].value.startswith("Customer Success assessment")
    assert book["1 Numbers"].freeze_panes is not None


def test_html_is_self_contained_with_inline_charts(engagement: Path) -> None:
    html = (engagement / "report" / "assessment.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 5
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    stripped = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in stripped and "https://" not in stripped
    assert html.count('<section id="step-') == 10


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is not installed (README has a screenshot)")
def test_html_renders_headless_in_chromium(engagement: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    subprocess.run(
        ["chromium", *flags, f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
         "--window-size=1280,900", (engagement / "report" / "assessment.html").as_uri()],
        check=True, capture_output=True, timeout=120,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")},  # not the tests' empty config folder
    )  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a page with charts, not a blank one


# --- the report's figures are the commands' figures ---------------------------------------------------------------
def _figures(book: openpyxl.Workbook) -> dict[tuple[int, str], float | None]:
    sheet = book["Summary"]
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Key figures") + 2
    figures: dict[tuple[int, str], float | None] = {}
    for row in rows[start:]:
        if row[0] is None or row[5] is None:
            break
        # step, label, value (a number, or — when there is none), and the metric's name in hidden column F
        figures[(int(row[0]), str(row[5]))] = None if row[2] == "—" else row[2]
    return figures


def _metrics(cli: Invoke, *args: object, as_of: str | None = None) -> dict[str, float | None]:
    result = ok(cli(*args, *(("--as-of", as_of) if as_of else ()), "-f", "json", "-q"))
    return json.loads(result.stdout)["metrics"]  # type: ignore[no-any-return]


def test_report_figures_equal_the_commands_figures(cli: Invoke, engagement: Path, tmp_path: Path) -> None:
    d = engagement
    book = openpyxl.load_workbook(d / "report" / "assessment.xlsx")
    figures = _figures(book)
    seg = tmp_path / "segmented.csv"
    ok(cli("segment", d / "customers.csv", "--billing", d / "billing.csv", "-o", seg, "-q"))
    # the report measures every step at one as-of month, the billing's last complete one: so do the commands
    month = json.loads(ok(cli("numbers", d / "billing.csv", "-f", "json", "-q")).stdout)["as_of"]

    def _metrics_at(cli: Invoke, *args: object) -> dict[str, float | None]:
        return _metrics(cli, *args, as_of=month)

    expected: dict[int, dict[str, float | None]] = {
        1: _metrics(cli, "numbers", d / "billing.csv", "--customers", d / "customers.csv"),
        2: _metrics_at(
            cli, "asis", "--inventory", d / "asis.yaml", "--team", d / "team.csv", "--customers", seg,
            "--tickets", d / "tickets.csv", "--surveys", d / "surveys.csv", "--milestones", d / "milestones.csv",
        ),
        3: _metrics(cli, "valuation", d / "billing.csv", "--costs", d / "costs.csv", "--team", d / "team.csv",
                    "--customers", seg),
        4: {
            **_metrics(cli, "segment", d / "customers.csv", "--billing", d / "billing.csv"),
            **_metrics_at(cli, "health", seg, "--usage", d / "usage.csv", "--tickets", d / "tickets.csv",
                       "--surveys", d / "surveys.csv"),
        },
        6: _metrics_at(cli, "personas", d / "contacts.csv", "--customers", seg, "--outcomes", d / "outcomes.csv"),
        7: _metrics_at(cli, "value-path", d / "milestones.csv", "--customers", seg, "-c", d / "csctl.yaml"),
        8: _metrics(cli, "opportunity", d / "billing.csv", "--customers", seg, "--costs", d / "costs.csv",
                    "--usage", d / "usage.csv", "--tickets", d / "tickets.csv", "--surveys", d / "surveys.csv",
                    "--contacts", d / "contacts.csv", "--milestones", d / "milestones.csv", "-c", d / "csctl.yaml"),
    }  # fmt: skip
    expected[5] = {k: v for k, v in expected[6].items() if k.startswith("outcomes_")}
    expected[6] = {k: v for k, v in expected[6].items() if not k.startswith("outcomes_")}
    compared = 0
    for step, metrics in expected.items():
        for name, value in metrics.items():
            if (step, name) not in figures:
                continue
            got = figures[(step, name)]
            if value is None:
                assert got is None, (step, name)
            else:
                assert got == pytest.approx(value, rel=1e-9, abs=1e-9), (step, name, got, value)
            compared += 1
    assert compared >= 60, compared
    assert {s for s, _ in figures} >= {1, 2, 3, 4, 5, 6, 7, 8, 9}


def test_report_plan_yaml_is_what_plan_writes(cli: Invoke, engagement: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    import os

    here = Path.cwd()
    os.chdir(engagement)
    try:
        ok(cli("plan", "--plan-file", plan, "-f", "json", "-q"))
    finally:
        os.chdir(here)
    import yaml

    mine = yaml.safe_load((engagement / "report" / "plan.yaml").read_text(encoding="utf-8"))
    theirs = yaml.safe_load(plan.read_text(encoding="utf-8"))
    for doc in (mine, theirs):  # where the inputs are differs: -c given as a full path vs found in the folder
        doc.pop("inputs")
        doc.pop("plays")
    assert mine == theirs


def test_report_assesses_an_earlier_plan_named_in_the_workspace(cli: Invoke, engagement: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    shutil.copytree(engagement, folder)
    shutil.copy(folder / "report" / "plan.yaml", folder / "plan.yaml")
    config = folder / "csctl.yaml"
    text = config.read_text(encoding="utf-8").replace("  # assess: plan.yaml", "  assess: plan.yaml")
    write_text(config, text)
    ok(cli("report", "-c", config, "-o", folder / "next"))
    md = (folder / "next" / "assessment.md").read_text(encoding="utf-8")
    step10 = md.split("## Step 10.")[1]
    assert "Verdict: no change yet" in step10  # the same exports: nothing has moved
    # the verdicts' colours on the Verdict column (they fell one column right when the metric names moved to
    # hidden columns at the right of the sheet)
    import openpyxl

    sheet = openpyxl.load_workbook(folder / "next" / "assessment.xlsx")["10 Assess"]
    coloured = [str(rule.sqref) for rule in sheet.conditional_formatting]
    assert coloured
    for ranges in coloured:
        first = ranges.split(":")[0]
        column = "".join(ch for ch in first if ch.isalpha())
        header_row = int("".join(ch for ch in first if ch.isdigit())) - 1
        assert sheet[f"{column}{header_row}"].value in ("Verdict", "Band", "Health band", "Status"), ranges


# --- errors ----------------------------------------------------------------------------------------------------------
@pytest.fixture
def workspace(engagement: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    for name in ("billing.csv", "customers.csv", "csctl.yaml", "health.yaml", "segments.yaml"):
        shutil.copy(engagement / name, folder / name)
    return folder


def test_a_missing_export_exits_3_naming_the_workspace_line(invoke: Invoke, workspace: Path) -> None:
    config = workspace / "csctl.yaml"
    line = _line_of(config, r"^  usage:")  # usage.csv is named but not in this folder
    result = invoke("report", "-c", config, "-o", workspace / "out")
    assert result.exit_code == 3, result.stderr
    assert f"csctl.yaml:{line} (exports.usage): usage.csv: no such file" in result.stderr
    assert not (workspace / "out").exists()  # nothing written


def test_a_misspelt_path_gets_a_did_you_mean(invoke: Invoke, workspace: Path) -> None:
    config = workspace / "csctl.yaml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r'^  billing: "billing.csv"$', '  billing: "biling.csv"', text, flags=re.M)
    text = re.sub(OTHER_EXPORTS, "", text, flags=re.M)
    text = re.sub(r"^  (personas|plays|value_path|inventory):.*$", "", text, flags=re.M)
    write_text(config, text)
    line = _line_of(config, r"^  billing:")
    result = invoke("report", "-c", config, "-o", workspace / "out")
    assert result.exit_code == 3, result.stderr
    assert (
        f"csctl.yaml:{line} (exports.billing): biling.csv: no such file. Did you mean 'billing.csv'?" in result.stderr
    )


def test_a_misspelt_key_exits_3_with_its_line(invoke: Invoke, workspace: Path) -> None:
    config = workspace / "csctl.yaml"
    write_text(
        config, config.read_text(encoding="utf-8").replace('  billing: "billing.csv"', '  biling: "billing.csv"')
    )
    line = _line_of(config, r"^  biling:")
    result = invoke("report", "-c", config, "-o", workspace / "out")
    assert result.exit_code == 3
    assert f"csctl.yaml:{line}: exports.biling: unknown key 'biling'. Did you mean 'billing'?" in result.stderr


def test_a_bad_rule_file_exits_3_naming_the_workspace_line_and_the_rule_line(invoke: Invoke, workspace: Path) -> None:
    config = workspace / "csctl.yaml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(OTHER_EXPORTS, "", text, flags=re.M)
    text = re.sub(r"^  (personas|plays|value_path|inventory):.*$", "", text, flags=re.M)
    write_text(config, text)
    health = workspace / "health.yaml"
    write_text(health, health.read_text(encoding="utf-8").replace("scorecards:", "scorecard:", 1))
    line = _line_of(config, r"^  health:")
    bad = _line_of(health, r"^scorecard:")
    result = invoke("report", "-c", config, "-o", workspace / "out")
    assert result.exit_code == 3, result.stderr
    assert f"csctl.yaml:{line} (rules.health): " in result.stderr
    assert re.search(rf"health.yaml:{bad}: .*unknown key 'scorecard'", result.stderr), result.stderr


def test_report_without_a_workspace_is_a_usage_error(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("report", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "csctl init" in result.stderr


# --- templates -------------------------------------------------------------------------------------------------------
def test_templates_override_renders_in_the_sandbox(invoke: Invoke, engagement: Path, tmp_path: Path) -> None:
    mine = tmp_path / "tpl"
    mine.mkdir()
    write_text(
        mine / "assessment.md.j2",
        "# {{ company }}\n{% for s in sections %}{{ s.number }} {{ s.answer or 'open' }}\n{% endfor %}",
    )
    out = tmp_path / "out"
    ok(invoke("report", "-c", engagement / "csctl.yaml", "-o", out, "--templates", mine, "-q"))
    lines = (out / "assessment.md").read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"# {engagement.name}"
    mrr = json.loads(ok(invoke("numbers", engagement / "billing.csv", "-f", "json", "-q")).stdout)["metrics"]["mrr"]
    assert lines[1].startswith(f"1 MRR ${mrr:,.2f}")
    assert lines[1].count("net new MRR") == 1  # step 1's answer is the numbers' own sentence, not a second copy
    assert "<svg" in (out / "assessment.html").read_text(encoding="utf-8")  # the HTML template was not overridden


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("line one\n{{ no_such_variable }}\n", r"assessment\.md\.j2:2: 'no_such_variable' is undefined"),
        ("{{ company.__class__.__mro__ }}\n", r"not allowed in a template|unsafe"),
        ("{% for x in sections %}\n", r"assessment\.md\.j2:\d+: template syntax error"),
    ],
)
def test_a_bad_template_exits_3(invoke: Invoke, engagement: Path, tmp_path: Path, template: str, message: str) -> None:
    mine = tmp_path / "tpl"
    mine.mkdir()
    write_text(mine / "assessment.md.j2", template)
    result = invoke("report", "-c", engagement / "csctl.yaml", "-o", tmp_path / "out", "--templates", mine)
    assert result.exit_code == 3, result.stderr
    assert re.search(message, result.stderr), result.stderr
    assert not (tmp_path / "out" / "assessment.md").exists()


def test_no_progress_display_off_a_terminal(engagement: Path, cli: Invoke, tmp_path: Path) -> None:
    result = ok(cli("report", "-c", engagement / "csctl.yaml", "-o", tmp_path / "o"))
    assert "step 1" not in result.stderr and "━" not in result.stderr
    assert result.stdout == ""


# --- --chart --------------------------------------------------------------------------------------------------------
def test_numbers_chart_goes_to_stderr_and_leaves_the_csv_alone(cli: Invoke, billing_csv: Path) -> None:
    plain = ok(cli("numbers", billing_csv, "-f", "csv"))
    charted = ok(cli("numbers", billing_csv, "-f", "csv", "--chart"))
    assert charted.stdout == plain.stdout
    # the sample (30 months from 2023-11, annual terms, no --history-starts): the bridge runs 2024-11 … 2026-03
    assert "MRR by month (last 17 months)" in charted.stderr
    assert "MRR bridge by month" in charted.stderr


def test_health_chart_after_the_table(cli: Invoke, tmp_path: Path) -> None:
    customers = write_csv(
        tmp_path / "c.csv",
        [["customer_id", "segment", "csm"], ["A", "Scale", "x"], ["B", "Scale", "y"], ["C", "Growth", "x"]],
    )
    usage = write_csv(
        tmp_path / "u.csv",
        [
            ["customer_id", "date", "active_users", "seats", "logins", "reports_created", "api_calls"],
            ["A", "2026-10-01", 9, 10, 40, 5, 100],
            ["B", "2026-10-01", 1, 10, 2, 0, 0],
        ],
    )
    result = ok(cli("health", customers, "--usage", usage, "-f", "table", "--chart"))
    assert "Health bands by segment" in result.stdout
    assert result.stdout.index("Health bands by segment") > result.stdout.index("Customer health")


def _on_a_terminal(args: list[str], cwd: Path) -> tuple[int, bytes]:
    """Run the installed csctl with stderr on a pseudo-terminal; (exit code, what the terminal showed)."""
    import os
    import pty
    import sys

    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100", "NO_COLOR": "", "CSCTL_CONFIG": ""}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "csctl"), *args], stdout=subprocess.PIPE, stderr=slave, cwd=cwd,
        env=env, timeout=300, check=False,
    )  # fmt: skip
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return done.returncode, shown


def test_progress_display_on_a_terminal(engagement: Path, tmp_path: Path) -> None:
    code, shown = _on_a_terminal(["report", "-c", str(engagement / "csctl.yaml"), "-o", str(tmp_path / "o")], tmp_path)
    assert code == 0, shown
    assert b"13/13" in shown  # ten steps and three files, on the terminal's stderr
    quiet_code, quiet = _on_a_terminal(
        ["report", "-c", str(engagement / "csctl.yaml"), "-o", str(tmp_path / "q"), "-q"], tmp_path
    )
    assert quiet_code == 0 and b"13/13" not in quiet


# --- found in review -------------------------------------------------------------------------------------------------
def test_customers_without_billing_make_segmentation_an_open_question(cli: Invoke, tmp_path: Path) -> None:
    customers = write_csv(
        tmp_path / "customers.csv",
        [["customer_id", "name", "renewal_date"], ["A", "Alpha", "2026-12-01"], ["B", "Beta", "2027-03-01"]],
    )
    assert customers.is_file()
    ok(cli("init", tmp_path, "-q"))
    ok(cli("report", "-c", tmp_path / "csctl.yaml", "-o", tmp_path / "out", "-q"))
    text = (tmp_path / "out" / "assessment.md").read_text(encoding="utf-8")
    assert "Step 4: csctl segment needs the billing export" in text  # the rules segment by ARR


def test_a_template_error_writes_none_of_the_files(cli: Invoke, engagement: Path, tmp_path: Path) -> None:
    mine = tmp_path / "tpl"
    mine.mkdir()
    write_text(mine / "assessment.html.j2", "<p>{{ company }}</p>\n{{ nope }}\n")
    out = tmp_path / "out"
    result = cli("report", "-c", engagement / "csctl.yaml", "-o", out, "--templates", mine)
    assert result.exit_code == 3, result.stderr
    assert "assessment.html.j2:2: 'nope' is undefined" in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_init_says_when_two_files_look_like_one_export(cli: Invoke, tmp_path: Path) -> None:
    shutil.copy(SAMPLE / "billing.csv", tmp_path / "billing_a.csv")
    shutil.copy(SAMPLE / "billing.csv", tmp_path / "billing_b.csv")
    result = ok(cli("init", tmp_path))
    assert "billing_b.csv also looks like the billing export" in result.stderr
    assert 'billing: "billing_*.csv"' in result.stderr


def test_a_file_name_with_brackets_is_a_file_not_a_pattern(cli: Invoke, tmp_path: Path) -> None:
    odd = tmp_path / "billing [2024].csv"
    shutil.copy(SAMPLE / "billing.csv", odd)
    plain = ok(cli("numbers", SAMPLE / "billing.csv", "-f", "csv"))
    assert ok(cli("numbers", odd, "-f", "csv")).stdout == plain.stdout


def test_init_looks_at_every_sheet_of_a_workbook(cli: Invoke, tmp_path: Path) -> None:
    import polars as pl
    import xlsxwriter

    customers = pl.read_csv(SAMPLE / "customers.csv", infer_schema=False)
    book = xlsxwriter.Workbook(tmp_path / "crm.xlsx")
    book.add_worksheet("Readme").write_string(0, 0, "Exported from the CRM on Monday")
    sheet = book.add_worksheet("Accounts")
    for col, name in enumerate(customers.columns):
        sheet.write_string(0, col, name)
    for row, record in enumerate(customers.iter_rows(), start=1):
        for col, value in enumerate(record):
            if value is not None:  # an empty cell stays blank, as a CRM writes it
                sheet.write_string(row, col, value)
    book.close()
    shutil.copy(SAMPLE / "billing.csv", tmp_path / "billing.csv")
    ok(cli("init", tmp_path, "-q"))
    text = (tmp_path / "csctl.yaml").read_text(encoding="utf-8")
    assert 'customers: {path: "crm.xlsx", sheet: "Accounts"}' in text
    ok(cli("segment", f"{tmp_path / 'crm.xlsx'}#Accounts", "--billing", tmp_path / "billing.csv", "-f", "csv", "-q"))


def test_a_missing_plan_to_assess_exits_3_naming_the_workspace_line(invoke: Invoke, workspace: Path) -> None:
    config = workspace / "csctl.yaml"
    text = re.sub(OTHER_EXPORTS, "", config.read_text(encoding="utf-8"), flags=re.M)
    text = re.sub(r"^  (personas|plays|value_path|inventory):.*$", "", text, flags=re.M)
    write_text(config, text.replace("  # assess: plan.yaml", "  assess: plan.yml"))
    line = _line_of(config, r"^  assess:")
    result = invoke("report", "-c", config, "-o", workspace / "out")
    assert result.exit_code == 3, result.stderr
    assert f"csctl.yaml:{line} (plan.assess): " in result.stderr
    assert "plan.yml: no such file" in result.stderr


def test_the_as_is_checklist_is_answered_by_the_other_steps(cli: Invoke, engagement: Path) -> None:
    text = (engagement / "report" / "assessment.md").read_text(encoding="utf-8")
    numbers = _metrics(cli, "numbers", engagement / "billing.csv", "--customers", engagement / "customers.csv")
    grr, nrr = f"{numbers['grr_12m'] * 100:.2f}%", f"{numbers['nrr_12m'] * 100:.2f}%"
    assert (
        f"| gross vs revenue retention | answered by data | GRR {grr}, NRR {nrr} (12 months; csctl numbers) |" in text
    )
    assert "| churn rate and CRC | answered by data | gross revenue churn " in text
    assert "| customer health | answered by data | health bands " in text
    step2 = text.split("## Step 2.")[1].split("## Step 3.")[0]
    assert "Open questions for the client" not in step2
