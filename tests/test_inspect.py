"""csctl inspect on each system's fixture (golden files), csctl presets, --map and the inputs block of -f json.

``CSCTL_UPDATE_GOLDEN=1`` rewrites tests/golden/inspect/ instead of comparing; review the diff by eye.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import Invoke
from helpers import as_json, ok

ROOT = Path(__file__).parent
EXPORTS = ROOT / "fixtures" / "exports"
GOLDEN = ROOT / "golden" / "inspect"
UPDATE = os.environ.get("CSCTL_UPDATE_GOLDEN") == "1"
FIXTURES = sorted(str(p.relative_to(EXPORTS)) for p in EXPORTS.glob("*/*.csv") if p.parent.name != "files")
READABLE = [f for f in FIXTURES if "deals" not in f and "opportunities" not in f]


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"{path} missing: run with CSCTL_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", READABLE)
def test_inspect_golden(invoke: Invoke, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXPORTS)  # file names in the output relative to the fixtures
    text = ok(invoke("inspect", name)).stdout
    golden(name.replace("/", "__").removesuffix(".csv") + ".txt", text)


@pytest.mark.parametrize("name", READABLE)
def test_inspect_json_agrees_with_the_read(invoke: Invoke, name: str) -> None:
    facts = as_json(invoke("inspect", EXPORTS / name, "-f", "json"))
    assert facts["looks_like"][0]["table"] in (facts["table"], "billing", "subscriptions")
    sources = [c["source"] for c in facts["columns"]]
    header = (EXPORTS / name).read_text(encoding="utf-8").splitlines()[0]
    for source in sources + facts["unmapped"]:
        assert source in header
    assert len(sources) + len(facts["unmapped"]) == len(set(sources) | set(facts["unmapped"]))
    assert facts["rows"] == len(facts["first_rows"]) or len(facts["first_rows"]) == 5


def test_inspect_says_what_a_deals_export_lacks(invoke: Invoke) -> None:
    result = invoke("inspect", EXPORTS / "hubspot/deals.csv")
    assert result.exit_code == 3
    assert "match none of csctl's tables" in result.stderr
    result = invoke("inspect", EXPORTS / "hubspot/deals.csv", "--as", "customers")
    assert result.exit_code == 3
    assert "'Deal Stage' shows it is not a customers export" in result.stderr


def test_inspect_as_another_table_and_map(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("Client,Amount (USD),Billed\nA,1200,2024-01-01\n", encoding="utf-8")
    assert invoke("inspect", path).exit_code == 3
    facts = as_json(
        invoke(
            "inspect",
            path,
            "--map",
            "Client=customer_id",
            "--map",
            "Amount (USD)=amount",
            "--map",
            "Billed=period_start",
            "-f",
            "json",
        )
    )
    assert facts["table"] == "billing"
    assert {c["source"]: (c["canonical"], c["via"]) for c in facts["columns"]} == {
        "Client": ("customer_id", "map"),
        "Amount (USD)": ("amount", "map"),
        "Billed": ("period_start", "map"),
    }
    assert facts["first_rows"] == [{"row": 2, "customer_id": "A", "amount": 1200.0, "period_start": "2024-01-01"}]


def test_map_needs_a_column_and_a_name(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("inspect", EXPORTS / "stripe/invoices.csv", "--map", "Total")
    assert result.exit_code == 2 and "expected 'Export column=canonical_column'" in result.stderr


def test_presets_lists_every_preset_with_its_other_names(invoke: Invoke) -> None:
    text = ok(invoke("presets")).stdout
    for name in ("stripe", "stripe-sigma (also sigma, stripe-data-pipeline)", "maxio (also chargify)", "zendesk"):
        assert name in text
    listing = json.loads(ok(invoke("presets", "-f", "json")).stdout)
    sigma = next(p for p in listing if p["name"] == "stripe-sigma")
    assert sigma["tables"]["billing"]["amount"] == ["amount ×0.01"]
    assert "Annual Revenue" not in json.dumps(next(p for p in listing if p["name"] == "hubspot")["tables"])
    assert ok(invoke("presets", "chargify")).stdout.startswith("maxio")


def test_json_outputs_carry_the_inputs_block(invoke: Invoke) -> None:
    document = as_json(
        invoke("numbers", EXPORTS / "stripe-sigma/invoice_line_items.csv", "--as-of", "2024-02", "-f", "json", "-v")
    )
    (facts,) = document["inputs"]["billing"]
    assert facts["preset"] == "stripe-sigma" and facts["table"] == "billing"
    amount = next(c for c in facts["columns"] if c["canonical"] == "amount")
    assert amount == {
        "source": "amount",
        "canonical": "amount",
        "scale": 0.01,
        "via": "name",
        "parsing": "plain numbers × 0.01",
    }
    assert facts["encoding"] == "utf-8" and facts["delimiter"] == "comma" and facts["header_row"] == 1


def test_verbose_prints_how_each_file_was_read(invoke: Invoke) -> None:
    result = ok(invoke("numbers", EXPORTS / "stripe/subscriptions.csv", "--as-of", "2024-03", "-f", "csv", "-v"))
    assert (
        "subscriptions.csv: subscriptions (preset stripe; csv, utf-8, comma-delimited, header row 1; 3 rows)"
        in result.stderr
    )
    assert "Ended At (UTC)→end_date" in result.stderr
    quiet = ok(invoke("numbers", EXPORTS / "stripe/subscriptions.csv", "--as-of", "2024-03", "-f", "csv"))
    assert "Ended At (UTC)→end_date" not in quiet.stderr


# --- command-line conventions -----------------------------------------------------------------------------------
def test_errors_are_one_json_object_on_stderr_with_format_json(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("numbers", tmp_path / "nope.csv", "-f", "json")
    assert result.exit_code == 3 and result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert error["exit_code"] == 3 and error["message"].endswith("nope.csv: no such file")
    plain = invoke("numbers", tmp_path / "nope.csv", "-f", "csv")
    assert plain.stderr.startswith("error: ")


@pytest.mark.parametrize(
    ("command", "usage"),
    [("numbers", "Usage: csctl numbers [OPTIONS] BILLING..."), ("init", "Usage: csctl init [OPTIONS] [DIR]")],
)
def test_usage_line_names_arguments_plainly(invoke: Invoke, command: str, usage: str) -> None:
    assert ok(invoke(command, "--help")).stdout.splitlines()[0] == usage


def test_shell_completion_is_offered(invoke: Invoke) -> None:
    assert "--install-completion" in ok(invoke("--help")).stdout


COMMANDS = [
    "numbers", "asis", "valuation", "segment", "health", "personas", "value-path", "opportunity", "plan", "assess",
    "report", "inspect", "presets", "init", "sample",
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_s_help_has_examples_that_use_its_own_options(invoke: Invoke, command: str) -> None:
    import re

    text = ok(invoke(command, "--help")).stdout
    assert text.startswith(f"Usage: csctl {command} [OPTIONS]")
    assert "{" not in text.splitlines()[0]  # a readable usage line, no {billing}
    examples = [line.strip() for line in text.split("Examples:", 1)[1].splitlines() if line.strip()]
    runs = [part.strip() for line in examples for part in line.split("|") if part.strip().startswith("csctl ")]
    own = [r for r in runs if r.split()[1] == command]
    assert own, f"no example of csctl {command}: {examples}"
    for run in own:  # every option an example gives is one the command has
        for option in re.findall(r"(?<!\S)(--?[a-z][a-z-]*)", run):
            assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), f"{run}: {option} not in --help"
