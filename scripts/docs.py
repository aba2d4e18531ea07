"""The generated docs: docs/cli.md from every command's --help, and the figure definitions in docs/definitions.md
from what each command's --explain prints. ``make docs`` writes both; tests/test_docs.py fails when either differs
from what this script makes now, so neither can drift from the code.

One source each: a command's help is the one in csctl/cli (rendered here as ``csctl COMMAND --help`` shows it, at
80 columns, without colour); a figure's definition is the text its command puts in the result (csctl/metrics.py
and the commands' column definitions), taken from each command run on a small sample company.

    python scripts/docs.py            # write docs/cli.md and docs/definitions.md
    python scripts/docs.py --check    # exit 1 and name the files that are out of date
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from csctl.metrics import Metric

ROOT = Path(__file__).resolve().parent.parent
CLI_DOC = ROOT / "docs" / "cli.md"
DEFINITIONS_DOC = ROOT / "docs" / "definitions.md"
# a small sample company (csctl sample, seeded): the definitions are the same on any company, and it is quick
SAMPLE = ("--customers", "40", "--months", "14", "--seed", "3")
WIDTH = 80  # click wraps help at 80 columns on any wider terminal: what a reader sees
BEGIN = "<!-- BEGIN figures: written by `make docs` (scripts/docs.py) from each command's --explain; do not edit -->"
END = "<!-- END figures -->"
ENV: dict[str, str | None] = {"CSCTL_CONFIG": None, "NO_COLOR": "1", "FORCE_COLOR": None, "COLUMNS": str(WIDTH)}


# --- docs/cli.md ---------------------------------------------------------------------------------------------


def help_text(*command: str) -> str:
    """``csctl [COMMAND] --help`` as a user sees it on a terminal of 80 columns or more, without colour."""
    import typer

    from csctl.cli.app import app

    root = typer.main.get_command(app)
    ctx = root.make_context("csctl", [], resilient_parsing=True, terminal_width=WIDTH, max_content_width=WIDTH)
    if not command:
        return root.get_help(ctx)
    sub = root.get_command(ctx, command[0])  # type: ignore[attr-defined]
    assert sub is not None, command
    sub_ctx = sub.make_context(command[0], [], parent=ctx, resilient_parsing=True)
    return sub.get_help(sub_ctx)


def cli_reference() -> str:
    from csctl.cli.app import COMMANDS

    parts = [
        "# csctl command reference\n",
        "Every command's `--help`, as csctl prints it. Written by `make docs` (scripts/docs.py) from the help in the "
        "code; a test fails when this file is out of date. The figures each command reports are defined in "
        "[definitions.md](definitions.md).\n",
        "## csctl\n",
        _block(help_text()),
    ]
    for name in COMMANDS:
        parts += [f"## csctl {name}\n", _block(help_text(name))]
    return "\n".join(parts)


def _block(text: str) -> str:
    return "```text\n" + "\n".join(line.rstrip() for line in text.strip("\n").splitlines()) + "\n```\n"


# --- docs/definitions.md ---------------------------------------------------------------------------------------


def explained_runs(plan_file: Path) -> list[tuple[str, list[str]]]:
    """Each command (and each view of numbers) with the arguments that run it on the sample company: a title and
    csctl's arguments. Paths are relative to the company's folder."""
    views = [
        (f"csctl numbers --view {view}", ["numbers", "billing.csv", "--customers", "customers.csv", "--view", view])
        for view in ("summary", "bridge", "quarters", "forecast", "customers", "cohorts")
    ]
    workspace = ["-c", "csctl.yaml"]
    return [
        *views,
        (
            "csctl asis",
            [
                *("asis", "--inventory", "asis.yaml", "--team", "team.csv", "--customers", "customers.csv"),
                *("--tickets", "tickets.csv", "--surveys", "surveys.csv", "--milestones", "milestones.csv"),
            ],
        ),
        ("csctl valuation", ["valuation", "billing.csv", "--costs", "costs.csv", "--team", "team.csv"]),
        ("csctl segment", ["segment", "customers.csv", "--billing", "billing.csv"]),
        ("csctl personas", ["personas", "contacts.csv", "--customers", "customers.csv", "--outcomes", "outcomes.csv"]),
        ("csctl value-path", ["value-path", *workspace]),
        ("csctl opportunity", ["opportunity", "billing.csv", "--customers", "customers.csv", "--costs", "costs.csv"]),
        ("csctl plan", ["plan", *workspace, "--plan-file", str(plan_file)]),
        ("csctl assess", ["assess", *workspace, "--plan", str(plan_file)]),
        ("csctl health", ["health", "customers.csv", "--usage", "usage.csv", "--tickets", "tickets.csv"]),
    ]


@contextmanager
def _in(folder: Path) -> Iterator[None]:
    import os

    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def explained(run: Callable[[list[str]], str] | None = None) -> list[tuple[str, dict[str, str]]]:
    """What --explain prints for each command on the sample company: (title, {figure: definition})."""
    from typer.testing import CliRunner

    from csctl.cli.app import app
    from csctl.cli.console import state

    runner = CliRunner()

    def invoke(args: list[str]) -> str:
        state.debug = False
        result = runner.invoke(app, [*args, "-f", "json", "--explain", "--quiet"], env=ENV)
        if result.exit_code not in (0, 1):  # 1: assess says the plan is not working yet, still a result
            raise RuntimeError(f"csctl {' '.join(args)} failed ({result.exit_code}): {result.stderr}")
        return result.stdout

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        company = Path(tmp) / "company"
        made = runner.invoke(app, ["sample", "-o", str(company), *SAMPLE, "--quiet"], env=ENV)
        if made.exit_code != 0:
            raise RuntimeError(f"csctl sample failed ({made.exit_code}): {made.stderr}")
        with _in(company):
            for title, args in explained_runs(Path(tmp) / "plan.yaml"):
                out.append((title, json.loads((run or invoke)(args))["definitions"]))
    return out


def figures_section(runs: list[tuple[str, dict[str, str]]]) -> str:
    lines = [
        BEGIN,
        "",
        "## Every figure, as `--explain` prints it",
        "",
        "Each command's `--explain` (and the `definitions` of `-f json`) says how the figures it shows are measured. "
        "This section is that text, command by command, as `csctl sample`'s company with the built-in rule files "
        "gives it: a threshold a rule file sets (health bands, engaged days, the value path's milestones) is the "
        "default one.",
    ]
    for title, definitions in runs:
        lines += ["", f"### {title}", ""]
        lines += [f"- `{name}`: {_markdown(text)}" for name, text in definitions.items()]
    lines += [
        "",
        "### Every metric by name",
        "",
        "The metrics `--fail-on` tests, a plan's metrics and their assessment (csctl/metrics.py), with their unit and "
        "which way is better; the commands above print the same text for the ones they show.",
        "",
    ]
    from csctl.metrics import REGISTRY

    lines += [_metric_line(metric) for metric in sorted(REGISTRY.values(), key=lambda m: (m.command, m.name))]
    return "\n".join([*lines, "", END]) + "\n"


def _metric_line(metric: Metric) -> str:
    better = {"up": ", higher is better", "down": ", lower is better", None: ""}[metric.better]
    about = f"{metric.label}; csctl {metric.command}, {metric.unit}{better}"
    return f"- `{metric.name}` ({_markdown(about)}): {_markdown(metric.definition)}"


def _markdown(text: str) -> str:
    """The definition as Markdown shows it verbatim: characters Markdown would read as emphasis, code or HTML
    escaped (an underscore inside a word, as in mrr_start, is not emphasis and stays as it is)."""
    import re

    for char in ("\\", "*", "`", "<"):
        text = text.replace(char, "\\" + char)
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\_", text)


def definitions_doc(current: str, section: str) -> str:
    """docs/definitions.md with its generated section replaced (appended when it has none yet)."""
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        return head + section + (("\n" + tail) if tail else "")
    return current.rstrip("\n") + "\n\n" + section


# --- make docs -------------------------------------------------------------------------------------------------


def generated() -> dict[Path, str]:
    current = DEFINITIONS_DOC.read_text(encoding="utf-8")
    return {
        CLI_DOC: cli_reference(),
        DEFINITIONS_DOC: definitions_doc(current, figures_section(explained())),
    }


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))  # document this checkout's csctl, whichever one the interpreter has installed
    stale = []
    for path, text in generated().items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path.relative_to(ROOT))
        if "--check" not in argv:
            path.write_text(text, encoding="utf-8")
    if stale:
        verb = "out of date (run make docs)" if "--check" in argv else "written"
        print(f"{', '.join(map(str, stale))}: {verb}", file=sys.stderr)
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
