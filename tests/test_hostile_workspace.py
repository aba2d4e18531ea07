"""Hostile workspaces, streams and rule SQL (issue 16, findings 8, 10 and 11): each reproduced, and what csctl does
instead. A client's folder is untrusted: its csctl.yaml reads only files inside it."""

from __future__ import annotations

import calendar
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from csctl.config.yamlfile import yaml_quote
from csctl.resources import config_path
from tests.conftest import Invoke
from tests.helpers import ok, write_csv

BILLING = [
    ["customer_id", "amount", "period_start", "period_end"],
    *[
        [f"C{i}", 100 * i, f"2024-{m:02d}-01", f"2024-{m:02d}-{calendar.monthrange(2024, m)[1]}"]
        for i in (1, 2, 3)
        for m in range(1, 7)
    ],
]
CUSTOMERS = [
    ["customer_id", "name", "employees", "renewal_date"],
    ["C1", "Alpha", 10, "2024-09-01"],
    ["C2", "Beta", 200, "2024-12-01"],
    ["C3", "Gamma", 3000, "2025-03-01"],
]
MILESTONES = [["customer_id", "milestone", "date"], ["C1", "kickoff", "2024-02-01"], ["C2", "kickoff", "2024-03-01"]]
SECRET = "root:x:0:0:s3cr3t-first-line:/root:/bin/bash"


def workspace(folder: Path, exports: dict[str, str], extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["company: Client", "exports:", *(f"  {table}: {path!r}" for table, path in exports.items())]
    (folder / "csctl.yaml").write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return folder / "csctl.yaml"


def other_client(tmp_path: Path) -> Path:
    other = tmp_path / "otherclient"
    other.mkdir()
    write_csv(other / "billing.csv", BILLING)
    write_csv(other / "customers.csv", CUSTOMERS)
    (other / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    return other


# --- finding 8: a csctl.yaml names files outside its folder ----------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    ["../otherclient/customers.csv", "{other}/customers.csv", "sub/../../otherclient/customers.csv", "link.csv"],
)
def test_an_export_outside_the_workspace_folder_exits_3_at_its_line(invoke: Invoke, tmp_path: Path, name: str) -> None:
    other = other_client(tmp_path)
    folder = tmp_path / "client"
    folder.mkdir()
    write_csv(folder / "billing.csv", BILLING)
    (folder / "link.csv").symlink_to(other / "customers.csv")  # a link out is outside too
    config = workspace(folder, {"billing": "billing.csv", "customers": name.format(other=other)})
    result = invoke("plan", "-c", config, "--plan-file", tmp_path / "plan.yaml")
    assert result.exit_code == 3, result.stderr
    assert f"{config}:4 (exports.customers)" in result.stderr
    assert "outside the workspace folder" in result.stderr and "--allow-outside" in result.stderr
    assert not (tmp_path / "plan.yaml").exists()


def test_allow_outside_on_the_command_line_or_in_the_workspace_reads_it(invoke: Invoke, tmp_path: Path) -> None:
    other_client(tmp_path)
    folder = tmp_path / "client"
    folder.mkdir()
    write_csv(folder / "billing.csv", BILLING)
    write_csv(folder / "milestones.csv", MILESTONES)
    exports = {"billing": "billing.csv", "milestones": "milestones.csv", "customers": "../otherclient/customers.csv"}
    config = workspace(folder, exports)
    args = ("-f", "json", "-q")
    ok(invoke("value-path", "-c", config, "--allow-outside", *args))
    assert invoke("value-path", "-c", config, *args).exit_code == 3
    workspace(folder, exports, "allow_outside: true\n")
    ok(invoke("value-path", "-c", config, *args))


def test_rule_files_and_the_plan_to_assess_outside_the_folder_exit_3(invoke: Invoke, tmp_path: Path) -> None:
    other = other_client(tmp_path)
    (other / "segments.yaml").write_text("segments: []\n", encoding="utf-8")
    folder = tmp_path / "client"
    folder.mkdir()
    write_csv(folder / "billing.csv", BILLING)
    write_csv(folder / "customers.csv", CUSTOMERS)
    exports = {"billing": "billing.csv", "customers": "customers.csv"}
    config = workspace(folder, exports, f"rules:\n  segments: {other / 'segments.yaml'}\n")
    result = invoke("report", "-c", config, "-o", tmp_path / "out")
    assert result.exit_code == 3, result.stderr
    assert f"{config}:6 (rules.segments)" in result.stderr and "outside the workspace folder" in result.stderr
    config = workspace(folder, exports, "plan:\n  assess: ../otherclient/plan.yaml\n")
    result = invoke("report", "-c", config, "-o", tmp_path / "out")
    assert result.exit_code == 3, result.stderr
    assert f"{config}:6 (plan.assess)" in result.stderr and "outside the workspace folder" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_glob_reaching_out_of_the_folder_exits_3(invoke: Invoke, tmp_path: Path) -> None:
    other_client(tmp_path)
    folder = tmp_path / "client"
    folder.mkdir()
    write_csv(folder / "billing.csv", BILLING)
    config = workspace(folder, {"billing": "billing.csv", "customers": "../other*/customers.csv"})
    result = invoke("value-path", "-c", config, "-f", "json")
    assert result.exit_code == 3 and "outside the workspace folder" in result.stderr, result.stderr


def test_errors_never_echo_the_first_line_of_a_file_that_is_not_an_export(invoke: Invoke, tmp_path: Path) -> None:
    other = other_client(tmp_path)
    folder = tmp_path / "client"
    folder.mkdir()
    write_csv(folder / "billing.csv", BILLING)
    write_csv(folder / "milestones.csv", MILESTONES)
    exports = {"billing": "billing.csv", "milestones": "milestones.csv", "customers": str(other / "secret.txt")}
    config = workspace(folder, exports)
    result = invoke("value-path", "-c", config, "--allow-outside", "-f", "json")  # read, as the user allowed
    assert result.exit_code == 3, result.stderr
    assert "required customers column 'customer_id' not found" in result.stderr
    assert "s3cr3t" not in result.stderr and "root:x" not in result.stderr
    assert "none of the file's 1 column is a customers column csctl knows" in result.stderr
    # an export with a known column still lists its columns, the help a user needs to map the rest
    write_csv(tmp_path / "partial.csv", [["customer_id", "Seats"], ["C1", "3"]])
    result = invoke("numbers", tmp_path / "partial.csv")
    assert result.exit_code == 3 and "columns in the file: customer_id, Seats" in result.stderr, result.stderr


def test_a_glob_over_too_many_files_exits_3_before_reading(invoke: Invoke, tmp_path: Path) -> None:
    folder = tmp_path / "client"
    parts = folder / "parts"
    parts.mkdir(parents=True)
    for i in range(1001):
        (parts / f"b{i:04d}.csv").write_text("customer_id,amount,period_start\n", encoding="utf-8")
    config = workspace(folder, {"billing": "parts/*.csv"})
    result = invoke("report", "-c", config, "-o", tmp_path / "out")
    assert result.exit_code == 3, result.stderr
    assert f"{config}:3 (exports.billing)" in result.stderr
    assert "matches more than 1,000 files" in result.stderr
    (parts / "b1000.csv").unlink()  # exactly the cap: read (each file is then refused for its own reason)
    result = invoke("report", "-c", config, "-o", tmp_path / "out")
    assert "matches more than" not in result.stderr and result.exit_code == 3


def test_the_workspace_config_in_force_is_named_on_stderr(invoke: Invoke, tmp_path: Path) -> None:
    folder = tmp_path / "client"
    folder.mkdir()
    write_csv(folder / "billing.csv", BILLING)
    workspace(folder, {"billing": "billing.csv"})
    cwd = Path.cwd()
    try:
        os.chdir(folder)
        result = ok(invoke("numbers", "billing.csv", "-f", "json"))
        assert result.stderr.count("using csctl.yaml (the workspace config in this folder)") == 1
        assert "workspace config" not in ok(invoke("numbers", "billing.csv", "-f", "json", "-q")).stderr
        assert "workspace config" not in ok(invoke("numbers", "billing.csv", "-f", "json", "-c", "csctl.yaml")).stderr
    finally:
        os.chdir(cwd)
    result = ok(invoke("numbers", folder / "billing.csv", "-f", "json", env={"CSCTL_CONFIG": str(folder)}))
    assert "(the workspace config from $CSCTL_CONFIG)" in result.stderr


# --- finding 11: exit codes and streams, through the installed entry point -------------------------------------------
ENTRY = str(Path(sys.executable).parent / "csctl")
ENV = {k: v for k, v in os.environ.items() if k not in ("CSCTL_CONFIG", "FORCE_COLOR")} | {"NO_COLOR": "1"}


def shell(line: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """``csctl ARGS`` and redirections, run by sh in ``cwd`` (``$C`` is the entry point)."""
    return subprocess.run(
        ["sh", "-c", line], check=False, cwd=cwd, env=ENV | {"C": ENTRY}, capture_output=True, timeout=120
    )


@pytest.fixture
def billing_folder(tmp_path: Path) -> Path:
    write_csv(tmp_path / "billing.csv", BILLING)
    return tmp_path


def test_a_closed_stderr_never_turns_into_exit_1_and_the_output_is_written(billing_folder: Path) -> None:
    done = shell('"$C" numbers billing.csv -o out.csv 2>&-', billing_folder)
    assert done.returncode == 0, done
    assert (billing_folder / "out.csv").read_text(encoding="utf-8").startswith("section,metric,")
    done = shell("\"$C\" numbers billing.csv -o breach.csv --fail-on 'mrr<1000000' 2>&-", billing_folder)
    assert done.returncode == 1  # the breach, and only the breach, is exit 1
    assert (billing_folder / "breach.csv").is_file()
    done = shell('"$C" numbers nosuch.csv 2>&-', billing_folder)
    assert done.returncode == 3


def gone_reader(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """``csctl ARGS`` whose stderr is a pipe with no reader left (``csctl … 2>&1 >out | head -c0`` once head has
    exited): every write to it fails with EPIPE, which a closed stderr (``2>&-``, /dev/null) never does."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [ENTRY, *args], check=False, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=write, timeout=120
        )
    finally:
        os.close(write)


def test_a_stderr_whose_reader_has_gone_drops_the_messages_not_the_outputs_nor_the_exit_code(
    billing_folder: Path,
) -> None:
    # several files, a message after each: every file is written (the first message found the reader gone)
    done = gone_reader(["sample", "-o", "company", "--customers", "20", "--months", "4"], billing_folder)
    assert done.returncode == 0
    assert len(list((billing_folder / "company").glob("*.csv"))) >= 10
    done = gone_reader(["numbers", "billing.csv", "-f", "csv"], billing_folder)
    assert done.returncode == 0 and done.stdout.startswith(b"section,metric,")  # data still on stdout
    assert gone_reader(["numbers", "nosuch.csv"], billing_folder).returncode == 3  # the error's code, not 1
    assert gone_reader(["numbers", "nosuch.csv", "-f", "json"], billing_folder).returncode == 3
    assert gone_reader(["numbers", "billing.csv", "--bogus"], billing_folder).returncode == 2  # Click's usage error
    assert gone_reader(["numbers", "billing.csv", "--fail-on", "mrr<1000000"], billing_folder).returncode == 1


@pytest.mark.parametrize(
    ("redirect", "message"),
    [
        (">&-", "stdout is closed, so the output cannot be written there"),
        (">/dev/full", "stdout: cannot write the output: No space left on device"),
    ],
)
def test_a_closed_or_full_stdout_exits_3_with_a_message(billing_folder: Path, redirect: str, message: str) -> None:
    if redirect == ">/dev/full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    done = shell(f'"$C" numbers billing.csv -f csv {redirect}', billing_folder)
    assert done.returncode == 3, done
    stderr = done.stderr.decode()
    assert message in stderr and "Traceback" not in stderr and "Exception ignored" not in stderr
    assert shell(f'"$C" numbers billing.csv -f csv {redirect} 2>&-', billing_folder).returncode == 3
    assert shell(f'"$C" numbers billing.csv -o out.csv {redirect}', billing_folder).returncode == 0  # not needed


def test_a_closed_stdin_read_as_input_exits_3(billing_folder: Path) -> None:
    done = shell('"$C" numbers - -f json <&-', billing_folder)
    assert done.returncode == 3 and b"stdin is closed" in done.stderr, done
    assert shell('"$C" numbers billing.csv -f json <&- >/dev/null', billing_folder).returncode == 0  # not needed


def test_a_file_name_that_is_not_utf8_exits_3(billing_folder: Path) -> None:
    name = os.fsdecode(b"billing-\xff.csv")
    try:
        (billing_folder / name).write_bytes((billing_folder / "billing.csv").read_bytes())
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system takes UTF-8 names only")
    done = subprocess.run(
        [ENTRY.encode(), b"numbers", b"billing-\xff.csv"],
        check=False,
        cwd=billing_folder,
        env=ENV,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 3, done
    assert b"billing-\\xff.csv: the file name is not UTF-8" in done.stderr


@pytest.mark.parametrize(
    ("start", "months"), [("9999-12", "12"), ("2189-12", "2"), ("1899-12", "12"), ("0000-01", "1")]
)
def test_sample_start_outside_the_readable_years_is_a_usage_error(
    invoke: Invoke, tmp_path: Path, start: str, months: str
) -> None:
    result = invoke("sample", "--start", start, "--months", months, "--customers", 3, "-o", tmp_path / "s")
    assert result.exit_code == 2, result.stderr
    assert "--start" in result.stderr and not (tmp_path / "s").exists()


# --- finding 10: rule SQL bounded and checked against the data ------------------------------------------------------
def segments_file(path: Path, when: str) -> Path:
    path.write_text(
        "segments:\n"
        f"  - name: Picked\n    when: {yaml_quote(when)}\n    touch: high\n    accounts_per_csm: 10\n"
        "  - name: Rest\n    when: 'true'\n    touch: tech\n    accounts_per_csm: 100\n",
        encoding="utf-8",
    )
    return path


def segment_run(invoke: Invoke, tmp_path: Path, when: str) -> tuple[int, str, str]:
    customers = write_csv(tmp_path / "customers.csv", CUSTOMERS)
    rules = segments_file(tmp_path / "segments.yaml", when)
    result = invoke("segment", customers, "--rules", rules, "-f", "json")
    return result.exit_code, result.stderr, result.stdout


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (
            "employees > 0 AND " * 700 + "true",
            "is 12,604 characters long; a rule's SQL expression may have at most 10,000",
        ),
        (
            " AND ".join(f"employees <> {i}" for i in range(300)),
            "has 599 operators; a rule's SQL expression may have at most 200",
        ),
        (
            "(" * 30 + "employees > 1" + ")" * 30,
            "nests parentheses 30 deep; a rule's SQL expression may nest at most 20",
        ),
        ("length(lpad(customer_id, 200000000, 'x')) > 0", "LPAD's length must be a whole number of at most 1,000"),
        ("length(rpad(name, employees, 'x')) > 5", "RPAD's length must be a whole number of at most 1,000"),
        ("length(LPAD(name, 10 * 1000)) > 5", "LPAD's length must be a whole number of at most 1,000"),
    ],
)
def test_rule_sql_over_its_bounds_exits_3_at_its_line(invoke: Invoke, tmp_path: Path, when: str, expected: str) -> None:
    code, stderr, _ = segment_run(invoke, tmp_path, when)
    assert code == 3, stderr
    assert f"{tmp_path / 'segments.yaml'}:3: when" in stderr and expected in stderr
    assert len(stderr) < 2_000  # a long rule is not echoed whole


def test_rule_sql_within_its_bounds_runs(invoke: Invoke, tmp_path: Path) -> None:
    # at the limits: 200 operators, 20 parentheses deep, LPAD to 1,000; each picks Beta and Gamma (employees >= 200)
    for when in (
        " AND ".join(["employees >= 200"] * 100),
        "(" * 20 + "employees >= 200" + ")" * 20,
        "length(lpad(name, 1000, 'x')) = 1000 AND employees >= 200",
    ):
        code, stderr, stdout = segment_run(invoke, tmp_path, when)
        assert code == 0, stderr
        picked = sorted(
            row["customer_id"] for row in json.loads(stdout)["tables"]["customers"] if row["segment"] == "Picked"
        )
        assert picked == ["C2", "C3"], when


def test_a_rule_that_fails_on_the_values_exits_3_at_its_line(invoke: Invoke, tmp_path: Path) -> None:
    code, stderr, _ = segment_run(invoke, tmp_path, "CAST(customer_id AS INTEGER) > 0")
    assert code == 3, stderr
    assert f"{tmp_path / 'segments.yaml'}:3: 'CAST(customer_id AS INTEGER) > 0' fails on the data" in stderr
    assert "TRY_CAST" in stderr
    code, stderr, stdout = segment_run(invoke, tmp_path, "TRY_CAST(customer_id AS INTEGER) > 0")  # null: no match
    assert code == 0 and {r["segment"] for r in json.loads(stdout)["tables"]["customers"]} == {"Rest"}


def test_a_health_value_that_fails_on_the_usage_values_exits_3_at_its_line(invoke: Invoke, tmp_path: Path) -> None:
    customers = write_csv(tmp_path / "customers.csv", CUSTOMERS)
    usage = write_csv(
        tmp_path / "usage.csv",
        [["customer_id", "date", "plan_code"], ["C1", "2024-06-10", "P-1"], ["C2", "2024-06-12", "P-2"]],
    )
    rules = tmp_path / "health.yaml"
    rules.write_text(
        "scorecards:\n"
        "  - name: All\n"
        "    applies_to: 'true'\n"
        "    groups:\n"
        "      - name: use\n"
        "        weight: 1\n"
        "        measures:\n"
        "          - name: code\n"
        "            source: usage\n"
        "            value: CAST(plan_code AS INTEGER)\n"
        "            aggregate: mean\n"
        "            window_days: 28\n"
        "            direction: higher\n"
        "            bands: [{below: 1, score: 0}, {score: 100}]\n",
        encoding="utf-8",
    )
    result = invoke("health", customers, "--usage", usage, "--rules", rules, "-f", "json")
    assert result.exit_code == 3, result.stderr
    assert f"{rules}:10: 'CAST(plan_code AS INTEGER)' fails on the data" in result.stderr


def test_a_play_trigger_that_fails_on_the_values_exits_3_at_its_line(
    invoke: Invoke, tmp_path: Path, sample_dir: Path
) -> None:
    plays = config_path("plays.yaml").read_text(encoding="utf-8")
    default = 'trigger: "days_to_renewal BETWEEN 0 AND 120"'
    assert default in plays
    plays_file = tmp_path / "plays.yaml"
    plays_file.write_text(plays.replace(default, 'trigger: "CAST(customer_id AS INTEGER) > 0"'), encoding="utf-8")
    line = (
        plays_file.read_text(encoding="utf-8").splitlines().index('    trigger: "CAST(customer_id AS INTEGER) > 0"') + 1
    )
    result = invoke(
        "plan",
        "--billing",
        sample_dir / "billing.csv",
        "--customers",
        sample_dir / "customers.csv",
        "--plays",
        plays_file,
        "--plan-file",
        tmp_path / "plan.yaml",
        "-f",
        "json",
    )
    assert result.exit_code == 3, result.stderr
    assert f"{plays_file}:{line}: 'CAST(customer_id AS INTEGER) > 0' fails on the data" in result.stderr
    assert not (tmp_path / "plan.yaml").exists()


# --- item 5 of the issue: a field's size bounded ---------------------------------------------------------------------
@pytest.mark.parametrize("column", ["name", "employees"])
def test_a_field_over_10_mib_exits_3_naming_row_and_column_without_echoing_it(
    invoke: Invoke, tmp_path: Path, column: str
) -> None:
    huge = "7" * ((10 << 20) + 1)
    rows = [list(row) for row in CUSTOMERS]
    rows[2][rows[0].index(column)] = huge
    customers = write_csv(tmp_path / "customers.csv", rows)
    rules = segments_file(tmp_path / "segments.yaml", "employees >= 200")
    result = invoke("segment", customers, "--rules", rules, "-f", "json")
    assert result.exit_code == 3, result.stderr[:500]
    assert (
        f"row 3, column '{column}': a value of 10,485,761 bytes; csctl reads values of at most 10 MiB" in result.stderr
    )
    assert len(result.stderr) < 2_000
    rows = [list(row) for row in CUSTOMERS]
    rows[2][1] = "B" * 100_000  # a long name within the bound is read
    write_csv(customers, rows)
    result = ok(invoke("segment", customers, "--rules", rules, "-f", "json"))
    assert [len(r["name"]) for r in json.loads(result.stdout)["tables"]["customers"]] == [5, 100_000, 5]
