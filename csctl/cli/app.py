"""The root app: a lazy command registry, --version, and every error mapped to its exit code (DESIGN.md §6).

Command modules are imported only when their command runs (or its help is asked for), so ``csctl --help``
loads neither Polars nor any command's dependencies.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from typer import _click as click
from typer.core import TyperArgument, TyperGroup

from csctl import __version__
from csctl.cli.console import say, state
from csctl.errors import CsctlError, did_you_mean

# name -> (module, the one line `csctl --help` lists and the first paragraph of the command's --help)
COMMANDS: dict[str, tuple[str, str]] = {
    "numbers": (
        "csctl.cli.numbers",
        "Step 1: the numbers today: MRR, bridge, churn, GRR/NRR, CLV, forecast.",
    ),
    "asis": ("csctl.cli.asis", "Step 2: what is in place: processes, people, CSM load, support, onboarding, NPS."),
    "valuation": (
        "csctl.cli.valuation",
        "Step 3: CAC ratio, CRC, CEC, CUC; the budget and headcount a target CRC buys.",
    ),
    "personas": ("csctl.cli.personas", "Steps 5-6: personas, renewal team coverage, renewal risk, outcomes."),
    "segment": ("csctl.cli.segment", "Step 4: CS segments by YAML rules, touch model, CSMs needed vs assigned."),
    "value-path": ("csctl.cli.value_path", "Step 7: where each customer stands on the value path; its next step."),
    "opportunity": ("csctl.cli.opportunity", "Step 8: LTV per segment; retention/expansion/upsell levers ranked."),
    "plan": ("csctl.cli.plan", "Step 9: options from the plays library, one pick, metrics, per-account actions."),
    "assess": ("csctl.cli.assess", "Step 10: the plan's metrics now against baseline and target; the verdict."),
    "health": ("csctl.cli.health", "Health scores and bands from YAML scorecards; portfolio shares; trend."),
    "report": ("csctl.cli.report", "The ten-step assessment of a workspace: Markdown, Excel (charts) and HTML."),
    "inspect": ("csctl.cli.inspect", "How csctl reads a file: encoding, header, table, preset, each column's mapping."),
    "presets": ("csctl.cli.presets", "The column presets: the systems and exports each reads, and its column names."),
    "init": ("csctl.cli.init", "Start a workspace: csctl.yaml naming the exports found in a folder, rule files."),
    "sample": ("csctl.cli.sample", "Write a realistic synthetic company's exports (seeded, any size)."),
}


class LazyGroup(TyperGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[cmd_name][0])
        command = typer.main.get_command(module.app)
        command.name = cmd_name
        # the one line `csctl --help` lists is the first paragraph of the command's own help: written once, here
        short = COMMANDS[cmd_name][1]
        if not (command.help or "").startswith(short):
            command.help = f"{short}\n\n{command.help}" if command.help else short
        command.short_help = short
        for param in command.params:
            if isinstance(param, TyperArgument):
                param.metavar = param.metavar or (param.name or "").upper()  # BILLING in the usage and the list
                param.get_usage_pieces = _usage_pieces.__get__(param)  # type: ignore[method-assign]
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, short) in COMMANDS.items()])

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            raise click.exceptions.UsageError(f"No such command {name!r}.{did_you_mean(name, COMMANDS)}", ctx)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CsctlError as exc:
            say_error(exc)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            say("interrupted", "stopped by the user")
            ctx.exit(130)
        except click.exceptions.BadParameter as exc:
            exc.message = _with_suggestion(exc.message)
            raise
        except (typer.Exit, typer.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            ctx.exit(0)
        except Exception as exc:  # a bug: say so, traceback only with --debug
            if state.debug:
                raise
            say(
                "internal error",
                f"{type(exc).__name__}: {exc}\nThis is a bug in csctl; run again with --debug for the traceback.",
            )
            ctx.exit(4)


def _usage_pieces(self: TyperArgument, ctx: click.Context) -> list[str]:
    """An argument in the usage line as the conventions have it: BILLING when required, [DIR] when not."""
    name = (self.metavar or self.name or "").upper()
    name = name if self.required else f"[{name}]"
    return [name + ("..." if self.nargs != 1 else "")]


def _with_suggestion(message: str) -> str:
    """A choice not among the allowed ones: said plainly, with the closest allowed one (--view bridges → bridge)."""
    import re

    found = re.search(r"'([^']*)' is not one of (.*?)\.?$", message)
    if found is None:
        return message
    choices = re.findall(r"'([^']*)'", found.group(2))
    return f"{found.group(1)!r} is not one of {', '.join(choices)}.{did_you_mean(found.group(1), choices)}"


def say_error(exc: CsctlError) -> None:
    """An error on stderr with its hint (or, with -f json, as one JSON object); the exit code is the caller's."""
    label = {1: "failed", 2: "usage error", 3: "error"}.get(exc.exit_code, "error")
    if state.json:  # -f json: the error as one JSON object on stderr, for the program reading the output
        import json

        error = {"error": {"exit_code": exc.exit_code, "kind": label, "message": exc.message, "hint": exc.hint}}
        sys.stderr.write(json.dumps(error, ensure_ascii=False) + "\n")
        return
    say(label, exc.message)
    if exc.hint:
        say("hint", exc.hint, style="dim")


app = typer.Typer(
    cls=LazyGroup,
    name="csctl",
    help=(
        "csctl: a company's exports in, the numbers and plans of a ten-step Customer Success strategy out.\n\n"
        "Data goes to stdout, messages to stderr. Exit codes: 0 ok, 1 a --fail-on threshold breached, "
        "2 usage error, 3 input or config error, 4 internal error, 130 interrupted."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        import platform
        from importlib.metadata import PackageNotFoundError, version

        try:
            polars = version("polars")
        except PackageNotFoundError:  # pragma: no cover - polars is a dependency
            polars = "not installed"
        typer.echo(f"csctl {__version__} (Polars {polars}, Python {platform.python_version()}, {platform.system()})")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """The root: options that come before the command."""


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM and SIGHUP end the run as an exit does: temporary files are removed on the way out."""
    raise SystemExit(128 + signum)


def main() -> None:
    import os
    import signal

    # numpy's BLAS starts a thread per core at import, and they spin: 0.1 s of CPU on every command, for
    # matrix products csctl never makes. One thread, unless the user says otherwise.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    from csctl.cli.console import guard_stderr, open_closed_streams

    open_closed_streams()
    guard_stderr()
    state.debug = "--debug" in sys.argv[1:]
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _terminate)
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
