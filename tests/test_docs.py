"""The generated docs equal what the code says now: docs/cli.md is every command's --help, and the figures of
docs/definitions.md are what each command's --explain prints (``make docs`` rewrites both)."""

from __future__ import annotations

import ast
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import Result

from csctl.cli.app import COMMANDS
from csctl.metrics import REGISTRY

ROOT = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("csctl_docs_script", ROOT / "scripts" / "docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


docs = _load()
FIGURE_COMMANDS = ("numbers", "asis", "valuation", "personas", "segment", "value-path", "opportunity", "plan")
FIGURE_COMMANDS += ("assess", "health")


def test_cli_reference_is_the_help_of_every_command() -> None:
    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert written == docs.cli_reference(), "docs/cli.md is out of date: run make docs"
    for name in COMMANDS:
        assert f"## csctl {name}\n" in written


def test_help_is_rendered_at_a_fixed_width_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("FORCE_COLOR", "1")
    text = docs.help_text("numbers")
    assert text == docs.help_text("numbers")
    assert max(len(line) for line in text.splitlines()) <= docs.WIDTH
    assert "\x1b[" not in text


def test_definitions_are_what_explain_prints() -> None:
    written = (ROOT / "docs" / "definitions.md").read_text(encoding="utf-8")
    runs = docs.explained()
    assert written == docs.definitions_doc(written, docs.figures_section(runs)), (
        "docs/definitions.md is out of date: run make docs"
    )
    titles = [title for title, _ in runs]
    assert {t.split()[1] for t in titles} == set(FIGURE_COMMANDS)  # every command that measures something
    assert all(definitions for _, definitions in runs)
    for _, definitions in runs:  # each definition, verbatim but for Markdown's escapes, in the document
        for name, text in definitions.items():
            assert f"- `{name}`: {docs._markdown(text)}\n" in written
    for metric in REGISTRY.values():
        assert f"- `{metric.name}` (" in written and docs._markdown(metric.definition) in written


def test_the_explain_text_is_the_tables_own(invoke: Callable[..., Result]) -> None:
    """--explain in a table prints the same definitions -f json carries (the ones the document holds)."""
    billing = ROOT / "sample_data" / "billing.csv"
    customers = ROOT / "sample_data" / "customers.csv"
    args = ("segment", customers, "--billing", billing, "--limit", 1, "--quiet")
    table = invoke(*args, "-f", "table", "--explain")
    as_json = invoke(*args, "-f", "json")
    assert table.exit_code == 0 and as_json.exit_code == 0, table.stderr
    definitions = json.loads(as_json.stdout)["definitions"]
    assert definitions
    shown = table.stdout.split("How each figure is measured", 1)[1]
    for name, text in definitions.items():
        assert f"{name}: {text}" in " ".join(shown.split())


@pytest.mark.parametrize("command", FIGURE_COMMANDS)
def test_every_command_with_figures_takes_explain(command: str) -> None:
    assert "--explain" in docs.help_text(command)


def test_the_generated_section_replaces_itself_and_nothing_else() -> None:
    section = docs.figures_section([("csctl x", {"a_b": "1 * 2 < 3 mrr_start _x_"})])
    assert "- `a_b`: 1 \\* 2 \\< 3 mrr_start \\_x\\_\n" in section
    first = docs.definitions_doc("# Title\n\nHand-written.\n", section)
    assert first == "# Title\n\nHand-written.\n\n" + section
    assert docs.definitions_doc(first, section) == first
    again = docs.definitions_doc(first + "\n## After\n", docs.figures_section([("csctl y", {"c": "d"})]))
    assert again.startswith("# Title\n\nHand-written.\n\n") and again.endswith("<!-- END figures -->\n\n## After\n")
    assert "csctl x" not in again and "### csctl y" in again


def _help_literals() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "csctl" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg in ("help", "short_help"):
                try:
                    text = ast.literal_eval(node.value)
                except ValueError:  # a name: a help defined once elsewhere
                    continue
                found.setdefault(text, []).append(f"{path.name}:{node.value.lineno}")
    return found


def test_each_help_is_written_once() -> None:
    """Options two commands share are defined once (csctl/cli/options.py, inputs.py), not copied."""
    twice = {text: where for text, where in _help_literals().items() if len(where) > 1}
    assert twice == {}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_commands_summary_is_its_helps_first_paragraph_and_said_once(command: str) -> None:
    text = docs.help_text(command)
    summary = COMMANDS[command][1]
    assert text.startswith(f"Usage: csctl {command} ")
    assert " ".join(text.split("\n\n")[1].split()) == summary  # the paragraph under the usage line
    assert " ".join(text.split()).count(summary) == 1
