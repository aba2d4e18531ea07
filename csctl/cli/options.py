"""Shared options (DESIGN.md §6) as Annotated types, and what every command does with them."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from csctl.cli.console import info, state, warn
from csctl.errors import InputError, ThresholdBreached, UsageError

if TYPE_CHECKING:
    from csctl.config.load import Workspace
    from csctl.config.models import Config
    from csctl.io.parse import ReadOptions
    from csctl.metrics import Condition
    from csctl.result import Chart, Result
    from csctl.run.inputs import Run


AllowOutsideOpt = Annotated[
    bool,
    typer.Option(
        "--allow-outside",
        help="Read exports and rule files that csctl.yaml names outside its folder (default: refused).",
    ),
]
ConfigOpt = Annotated[
    str | None,
    typer.Option(
        "-c",
        "--config",
        help="Workspace config (default: $CSCTL_CONFIG, csctl.yaml here or in a parent folder, "
        "~/.config/csctl/csctl.yaml, built-in).",
        metavar="PATH",
        show_default=False,
    ),
]
PresetOpt = Annotated[
    str | None,
    typer.Option(
        "-p",
        "--preset",
        help="Column names preset (csctl presets lists them; default: the one the columns fit), or a YAML path.",
        metavar="NAME",
    ),
]
FormatName = Literal["auto", "table", "csv", "tsv", "json", "ndjson", "markdown", "xlsx", "html"]
FormatOpt = Annotated[
    FormatName,
    typer.Option(
        "-f",
        "--format",
        help="Output format; auto = table on a terminal, csv otherwise (or from -o's extension).",
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "-o",
        "--output",
        help="Write to this file (atomically) instead of stdout.",
        metavar="PATH",
        dir_okay=False,
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The month to report (default: the last complete month in the data; the month in progress only when "
        "asked for).",
        metavar="YYYY-MM",
    ),
]
HistoryStartsOpt = Annotated[
    str | None,
    typer.Option(
        "--history-starts",
        help="The month the business's billing began, when the billing export holds its whole history "
        "(default: the export's first month is an opening balance).",
        metavar="YYYY-MM",
    ),
]
FailOnOpt = Annotated[
    list[str] | None,
    typer.Option("--fail-on", help="Exit 1 when a metric breaches, e.g. 'grr_12m<0.9' (repeatable).", metavar="EXPR"),
]
LimitOpt = Annotated[
    int | None,
    typer.Option(
        "--limit",
        min=0,
        help="Rows per table in the terminal view (default 40 on a terminal, all otherwise; 0: all).",
        show_default=False,
    ),
]
ColumnsOpt = Annotated[
    str | None,
    typer.Option(
        "--columns",
        help="The columns the terminal view shows, comma-separated (default: those that fit its width).",
        show_default=False,
    ),
]
QuietOpt = Annotated[bool, typer.Option("-q", "--quiet", help="No messages on stderr, only errors.")]
VerboseOpt = Annotated[bool, typer.Option("-v", "--verbose", help="More messages on stderr.")]
ColorOpt = Annotated[Literal["auto", "always", "never"], typer.Option("--color", help="Colour (also NO_COLOR).")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the traceback of internal errors.")]
SkipBadOpt = Annotated[
    bool,
    typer.Option("--skip-bad-rows", help="Skip rows whose values do not parse, and count them on stderr."),
]
DateOrderOpt = Annotated[
    Literal["ymd", "dmy", "mdy"] | None,
    typer.Option("--date-order", help="Order of slashed dates like 03/04/2024 (default: detected, else an error)."),
]
DecimalCommaOpt = Annotated[
    bool | None,
    typer.Option(
        "--decimal-comma/--decimal-point",
        help="Amounts like 1.234,56 (default: detected from values).",
        show_default=False,
    ),
]

MinorUnitsOpt = Annotated[
    bool,
    typer.Option("--minor-units", help="Amounts are in cents (minor units): divide money columns by 100."),
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="Read an export column as a canonical column for this run, e.g. 'Amount (USD)=amount' (repeatable).",
        metavar="'COLUMN=canonical'",
    ),
]
HeaderRowOpt = Annotated[
    int | None,
    typer.Option(
        "--header-row",
        help="The line of the header (from 1; default: detected below any title rows).",
        min=1,
        metavar="N",
    ),
]


@dataclass
class Common:
    """The shared options of one run, and what follows from them."""

    config_path: str | None = None
    preset: str | None = None
    format: str = "auto"
    output: Path | None = None
    as_of: str | None = None
    history_starts: str | None = None
    fail_on: list[str] = field(default_factory=list)
    quiet: bool = False
    verbose: bool = False
    color: str = "auto"
    debug: bool = False
    skip_bad_rows: bool = False
    date_order: str | None = None
    decimal_comma: bool | None = None
    minor_units: bool = False
    map: list[str] = field(default_factory=list)
    header_row: int | None = None
    limit: int | None = None
    columns: str | None = None
    allow_outside: bool = False
    explain: bool = False
    _workspace: Workspace | None = field(default=None, repr=False)
    _run: Run | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        state.quiet, state.verbose, state.color = self.quiet, self.verbose, self.color
        state.json = self.format == "json"
        state.debug = state.debug or self.debug

    @staticmethod
    def one_stdin(*specs: str | None) -> None:
        """Only one input can come from stdin (-)."""
        if sum(1 for spec in specs if spec == "-") > 1:
            raise UsageError("only one input can be read from stdin (-)")

    def config(self) -> Config:
        return self.workspace().config

    def workspace(self) -> Workspace:
        from csctl.config.load import load_workspace

        if self._workspace is None:
            self._workspace = load_workspace(self.config_path)
            from csctl.config.load import ORIGINS

            if self._workspace.origin in ORIGINS:  # a config the command line did not name: say which
                info(f"using {self._workspace.path} (the workspace config {ORIGINS[self._workspace.origin]})")
        return self._workspace

    def run(self, *, workspace: bool = False) -> Run:
        """The command's Run: its inputs come from the command's arguments (``add``), and in a ``workspace`` run
        from the workspace's exports and rule files too (arguments win)."""
        import datetime as dt

        from csctl.cli.console import detail, progress, warn
        from csctl.run.inputs import Run

        ws = self.workspace()
        cfg = ws.config
        opts, month = self.read_options(cfg), self.month(cfg)
        if workspace:
            run = Run.from_workspace(ws, opts, month, allow_outside=self.allow_outside)
        else:
            run = Run(cfg, opts, month, dt.date.today())
        run.history_starts = self.history_month(cfg)
        run.notify = warn
        run.describe = detail
        run.progress = lambda message, size: progress(message, size=size)
        self._run = run
        return run

    def read_options(self, config: Config) -> ReadOptions:
        from csctl.io.columns import parse_overrides
        from csctl.io.parse import ReadOptions

        return ReadOptions(
            preset=self.preset or config.read.preset,
            date_order=self.date_order or config.read.date_order,
            decimal_comma=self.decimal_comma if self.decimal_comma is not None else config.read.decimal_comma,
            skip_bad_rows=self.skip_bad_rows,
            base_currency=config.currency,
            fx=dict(config.fx),
            minor_units=self.minor_units or config.read.minor_units,
            overrides=parse_overrides(self.map),
            header_row=self.header_row,
        )

    def month(self, config: Config) -> int | None:
        return _month_option("--as-of", self.as_of or config.as_of)

    def history_month(self, config: Config) -> int | None:
        return _month_option("--history-starts", self.history_starts or config.billing.history_starts)

    def conditions(self, command: str) -> list[Condition]:
        from csctl.metrics import parse_condition

        return [parse_condition(text, command) for text in self.fail_on]

    def resolve_format(self) -> str:
        from csctl.render import EXTENSIONS

        if self.format != "auto":
            return self.format
        if self.output is not None:
            fmt = EXTENSIONS.get(self.output.suffix.lower())
            if fmt is None:
                raise UsageError(
                    f"-o {self.output}: cannot tell the format from {self.output.suffix or 'no extension'!r}",
                    hint=f"give -f, or use one of {', '.join(sorted(EXTENSIONS))}",
                )
            return fmt
        return "table" if sys.stdout.isatty() else "csv"


def _month_option(flag: str, text: str | None) -> int | None:
    """A YYYY-MM option (or its csctl.yaml key) as a month index; a usage error naming the flag when it is not one."""
    from csctl.core.months import parse_month

    if text is None:
        return None
    try:
        return parse_month(text)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None


ExplainOpt = Annotated[
    bool,
    typer.Option(
        "--explain",
        help="Show how each figure is measured (docs/definitions.md lists them all; on stderr for csv, "
        "tsv and ndjson).",
    ),
]
TERMINAL_ROWS = 40  # rows per table shown on a terminal unless --limit says otherwise


def emit(result: Result, common: Common, inputs: list[str] | None = None) -> None:
    """Render and write the result, then apply --fail-on (exit 1 when a threshold is breached)."""
    from csctl.cli.console import use_color
    from csctl.render import BINARY, render

    conditions = common.conditions(result.command)
    fmt = common.resolve_format()
    result.explain = result.explain or common.explain
    if common.output is None and fmt in BINARY and sys.stdout.isatty():
        raise UsageError(f"{fmt} is a binary format; write it to a file with -o report.{fmt}")
    if common.output is not None:
        refuse_overwriting_inputs(common.output, inputs or [])
        check_folder(common.output, "-o ")
    width = limit = None
    if common.output is None and sys.stdout.isatty():
        import shutil

        width, limit = shutil.get_terminal_size().columns, TERMINAL_ROWS
    if common.limit is not None:
        limit = common.limit or None
    columns = [c.strip() for c in common.columns.split(",") if c.strip()] if common.columns else None
    color = common.output is None and fmt == "table" and use_color(sys.stdout.isatty())
    data = render(
        result, fmt, to_file=common.output is not None, width=width, color=color, limit=limit, columns=columns
    )
    if fmt == "json" and common._run is not None and common._run.facts:
        data = _with_inputs(data, common._run.facts)
    if common.output is not None:
        write_output(common.output, data, "-o ")
        info(f"wrote {common.output}")
    else:
        write_stdout(data)
    if fmt not in ("table", "markdown", "json", "html"):  # formats that do not carry the warnings: say them on stderr
        for message in result.warnings:
            warn(message)
    if result.explain and fmt in ("csv", "tsv", "ndjson"):
        for name, definition in result.definitions.items():
            info(f"{name}: {definition}")
    if conditions:
        from csctl.metrics import breaches

        breached, undefined = breaches(conditions, result.metrics)
        for message in undefined:
            warn(f"--fail-on {message}; not counted as a breach")
        if breached:
            raise ThresholdBreached("threshold breached: " + "; ".join(breached))


def _with_inputs(data: bytes, inputs: dict[str, list[dict[str, object]]]) -> bytes:
    """The JSON document with an ``inputs`` block: how each export was read (file, encoding, header row, table,
    preset, each column's source and scale), as csctl inspect shows it."""
    import json

    document = json.loads(data)
    document["inputs"] = inputs
    return (json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def write_stdout(data: bytes) -> None:
    """Data to stdout. A reader that went away (a broken pipe) is no error; a closed stdout or a full disk is
    (exit 3): the data did not arrive. Whatever stays buffered is dropped, so the exit adds no second error."""
    if state.stdout_closed:
        raise InputError("stdout is closed, so the output cannot be written there", hint="give -o FILE")
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        _drop_stdout()
    except OSError as exc:
        _drop_stdout()
        raise InputError(f"stdout: cannot write the output: {exc.strerror or exc}", hint="give -o FILE") from None


def _drop_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush of what is left in its buffer succeeds."""
    import os

    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass


def check_folder(path: Path, option: str = "") -> None:
    """An output's folder must exist (exit 2): checked before the work, and again when writing."""
    if not path.parent.is_dir():
        raise UsageError(f"{option}{path}: the folder {path.parent} does not exist")


def write_output(path: Path, data: bytes, option: str = "") -> None:
    """Write a file atomically; a folder that is missing or unwritable is a clear error (exit 3)."""
    from csctl.io.write import write_atomic

    check_folder(path, option)
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise InputError(f"{option}{path}: cannot write: {exc.strerror or exc}") from None


def refuse_overwriting_inputs(output: Path, inputs: list[str]) -> None:
    for spec in inputs:
        if spec == "-":
            continue
        path = Path(spec.split("#")[0])
        try:
            same = path.exists() and output.exists() and output.resolve() == path.resolve()
        except OSError:
            same = False
        if same:
            raise UsageError(f"{output} is an input of this run; csctl never overwrites its inputs")


# The shared options every data command takes, in the order --help lists them after the command's own.
SHARED_OPTIONS: dict[str, tuple[object, object]] = {
    "config": (ConfigOpt, None),
    "preset": (PresetOpt, None),
    "fmt": (FormatOpt, "auto"),
    "output": (OutputOpt, None),
    "as_of": (AsOfOpt, None),
    "history_starts": (HistoryStartsOpt, None),
    "fail_on": (FailOnOpt, None),
    "skip_bad_rows": (SkipBadOpt, False),
    "date_order": (DateOrderOpt, None),
    "decimal_comma": (DecimalCommaOpt, None),
    "minor_units": (MinorUnitsOpt, False),
    "map": (MapOpt, None),
    "header_row": (HeaderRowOpt, None),
    "limit": (LimitOpt, None),
    "columns": (ColumnsOpt, None),
    "explain": (ExplainOpt, False),
    "quiet": (QuietOpt, False),
    "verbose": (VerboseOpt, False),
    "color": (ColorOpt, "auto"),
    "debug": (DebugOpt, False),
}


def shared_options(func: Callable[..., None]) -> Callable[..., None]:
    """Give a command the shared options (DESIGN.md §6) and hand them to it as one ``common: Common``.

    The command declares only its own parameters plus ``common``; Typer reads the combined signature.
    """
    signature = inspect.signature(func, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "common"]
    shared = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        for name, (annotation, default) in SHARED_OPTIONS.items()
    ]

    @functools.wraps(func)
    def command(**kwargs: object) -> None:
        values = {name: kwargs.pop(name) for name in SHARED_OPTIONS}
        values["format"] = values.pop("fmt")
        values["config_path"] = values.pop("config")
        values["fail_on"] = values["fail_on"] or []
        values["map"] = values["map"] or []
        func(common=Common(**values), **kwargs)  # type: ignore[arg-type]

    command.__signature__ = signature.replace(parameters=[*own, *shared])  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in [*own, *shared]} | {"return": None}
    return command


BillingArg = Annotated[str, typer.Argument(help="Billing or subscriptions export, or - for stdin.")]
InfoFormatOpt = Annotated[Literal["table", "json"], typer.Option("-f", "--format", help="Output format.")]
ChartOpt = Annotated[
    bool, typer.Option("--chart", help="Also draw the trend in the terminal (stderr unless -f table).")
]


def show_charts(charts: list[Chart], common: Common, currency: str) -> None:
    """Draw charts as text: after the table on stdout when the output is a table there, else on stderr (stdout
    carries data only)."""
    import shutil

    from csctl.cli.console import use_color
    from csctl.render.termchart import chart_lines

    to_stdout = common.output is None and common.resolve_format() == "table"
    stream = sys.stdout if to_stdout else sys.stderr
    if common.quiet and not to_stdout:
        return
    width = min(shutil.get_terminal_size().columns, 120) if stream.isatty() else 100
    color = use_color(stream.isatty())
    for chart in charts:
        assert chart.frame is not None  # the steps fill each chart with its frame
        stream.write("\n" + chart_lines(chart, chart.frame, currency, width=width, color=color) + "\n")
    stream.flush()


def examples(*lines: str) -> str:
    """A command's --help epilog: its examples, one a line, kept as written (click does not rewrap them)."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)
