"""What one run reads: each export's source (files, who named them, the preset), the rule files, and each table read
once. No step here (csctl/run/steps.py runs them).

A Run's exports come from a command's arguments, from the workspace's ``exports:`` in csctl.yaml, or both
(arguments win). ``workspace`` says which kind of run it is, the one place that difference is decided: a workspace
run (plan, assess, report, value-path) derives what it can (the customers segmented by the rules); a command takes
its inputs as given.

No printing here: notes go to ``notify`` and long reads are wrapped in ``progress``, both given by the CLI.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import glob
import inspect
import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, cast

from csctl.config.models import Export
from csctl.errors import ConfigError, InputError
from csctl.io.inputs import MAX_INPUT_FILES
from csctl.run.catalogue import EXPORTS, RULES, schema_of

if TYPE_CHECKING:
    import polars as pl

    from csctl.config.load import Workspace
    from csctl.config.models import Config
    from csctl.io.parse import Canonical, ReadOptions


@dataclass(frozen=True)
class ExportSource:
    """Where one table comes from: one or more files (a glob may match several) or stdin, and who said so."""

    specs: tuple[str, ...]
    where: str = ""  # "csctl.yaml:12 (exports.billing)" for a workspace entry; "" for a command argument
    preset: str | None = None

    @property
    def label(self) -> str:
        return ", ".join(self.specs)


def _no_progress(message: str, size: int) -> AbstractContextManager[None]:
    return contextlib.nullcontext()


@dataclass
class Run:
    config: Config
    opts: ReadOptions
    month: int | None  # --as-of (or the config's as_of) as a month index
    today: dt.date
    workspace: bool = False  # a workspace run derives what it can; a command takes its inputs as given
    sources: dict[str, ExportSource] = field(default_factory=dict)
    rule_paths: dict[str, Path] = field(default_factory=dict)
    rule_where: dict[str, str] = field(default_factory=dict)
    history_starts: int | None = None  # month index: --history-starts or billing.history_starts
    plan_to_assess: Path | None = None  # a workspace's plan.assess: an earlier plan.yaml for report's step 10
    partitions: int | None = None  # measure billing in this many customer partitions (csctl numbers --partitions)
    cluster: str | None = None  # … on a Dask cluster: a scheduler address, or "local" (csctl/distributed.py)
    kind: str | None = None  # billing or subscriptions as given (--kind); None: detected from the columns
    parts_over: int | None = None  # billing of more lines than this is measured in customer parts on this machine
    compact_billing: bool = False  # billing's repeating text read as Categorical (a run that only measures it)
    notify: Callable[[str], None] = lambda message: None
    describe: Callable[[str], None] = lambda message: None  # how each file was read (-v)
    facts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # the same facts, for JSON outputs
    progress: Callable[[str, int], AbstractContextManager[None]] = _no_progress
    _tables: dict[str, Canonical] = field(default_factory=dict, repr=False)
    _revenue_kind: str | None = field(default=None, repr=False)
    _rules: dict[str, Any] = field(default_factory=dict, repr=False)
    memo: dict[tuple[object, ...], object] = field(default_factory=dict, repr=False)  # what ``once`` keeps

    # --- building ----------------------------------------------------------------------------------------------
    @classmethod
    def from_workspace(
        cls,
        workspace: Workspace,
        opts: ReadOptions,
        month: int | None,
        *,
        today: dt.date | None = None,
        allow_outside: bool = False,
    ) -> Run:
        """The exports and rule files a workspace's csctl.yaml names, each checked to exist (exit 3 at its line) and,
        unless ``allow_outside`` (--allow-outside) or the workspace's ``allow_outside: true`` says otherwise, to lie
        inside the workspace folder: a client's folder cannot make csctl read another's files."""
        cfg = workspace.config
        run = cls(cfg, opts, month, today or dt.date.today(), workspace=True)
        fence = None if allow_outside or cfg.allow_outside else workspace.folder
        for table in EXPORTS:
            entry = getattr(cfg.exports, table)
            if entry is None:
                continue
            export = entry if isinstance(entry, Export) else Export(path=entry)
            where = f"{workspace.where('exports', table)} (exports.{table})"
            specs = _expand(workspace.folder, export, where, fence)
            run.sources[table] = ExportSource(specs, where, export.preset)
        for name in RULES:
            value = getattr(cfg.rules, name)
            if value is None:
                continue
            where = f"{workspace.where('rules', name)} (rules.{name})"
            path = workspace.folder / value
            _inside(fence, value, path, where)
            if not path.is_file():
                raise ConfigError(f"{where}: {value}: no such file{_nearby(path)}")
            run.rule_paths[name] = path
            run.rule_where[name] = where
        if cfg.plan.assess is not None:
            plan = workspace.folder / cfg.plan.assess
            where = f"{workspace.where('plan', 'assess')} (plan.assess)"
            _inside(fence, cfg.plan.assess, plan, where)
            if not plan.is_file():
                raise ConfigError(f"{where}: {plan}: no such file{_nearby(plan)}")
            run.plan_to_assess = plan
        return run

    def add(self, table: str, spec: str | Sequence[str] | None) -> None:
        """A command argument for a table (a path, a quoted glob or several paths): it replaces the workspace's
        export of that table."""
        from csctl.io.inputs import expand_inputs

        if spec is not None and (isinstance(spec, str) or len(spec) > 0):
            self.sources[table] = ExportSource(expand_inputs(spec))

    def add_rules(self, name: str, path: Path | None) -> None:
        if path is not None:
            self.rule_paths[name] = path
            self.rule_where.pop(name, None)

    # --- reading -----------------------------------------------------------------------------------------------
    def has(self, table: str) -> bool:
        return table in self.sources

    def spec(self, table: str) -> str:
        return self.sources[table].label

    def specs(self) -> list[str]:
        """Every file this run reads (exports and rule files): what no output may overwrite."""
        plan = [] if self.plan_to_assess is None else [str(self.plan_to_assess)]
        return [
            *(s for source in self.sources.values() for s in source.specs),
            *map(str, self.rule_paths.values()),
            *plan,
        ]

    def _opts(self, source: ExportSource) -> ReadOptions:
        return dataclasses.replace(self.opts, preset=source.preset) if source.preset else self.opts

    def read_options(self, table: str) -> ReadOptions:
        """How a table's files are read (the run's options, with its workspace preset)."""
        return self._opts(self.sources[table])

    def _read(self, table: str, load: Callable[[str, ReadOptions], Canonical]) -> Canonical:
        if table in self._tables:
            return self._tables[table]
        source = self.sources[table]
        parts = []
        for spec in source.specs:
            with self.progress(f"reading {spec}", _size(spec)):
                part = load(spec, self._opts(source))
            for note in part.notes:
                self.notify(note)
            self._record(table, part)
            parts.append(part)
        canonical = parts[0] if len(parts) == 1 else _concat(parts, source.label)
        self._tables[table] = canonical
        return canonical

    def _record(self, table: str, part: Canonical) -> None:
        from csctl.io.inspect import read_facts, summary

        facts = read_facts(part)
        self.facts.setdefault(table, []).append(facts)
        self.describe(summary(facts))

    def canonical(self, table: str) -> Canonical:
        """The table read and validated (once); KeyError when the run has no such export."""
        from csctl.io.load import load_table

        if table == "billing":
            return self.revenue()[1]
        return self._read(table, lambda spec, opts: load_table(spec, schema_of(table), opts))

    def frame(self, table: str) -> pl.DataFrame:
        return self.canonical(table).frame.drop("__row", strict=False)

    def optional(self, table: str) -> pl.DataFrame | None:
        return self.frame(table) if self.has(table) else None

    def revenue_kind(self) -> str:
        """Billing or subscriptions: the kind of the export once read, here or by a cluster's workers."""
        if self._revenue_kind is None:
            return self.revenue()[0]
        return self._revenue_kind

    def read_elsewhere(self, kind: str) -> None:
        """The billing export was read by a cluster's workers (csctl/run/cluster.py), as ``kind``."""
        self._revenue_kind = kind

    def revenue(self, kind: str | None = None) -> tuple[str, Canonical]:
        """Billing lines or subscription periods (detected from the columns unless ``kind`` is given)."""
        from csctl.io.load import load_revenue

        if self._revenue_kind is None:
            kinds: list[str] = []

            def load(spec: str, opts: ReadOptions) -> Canonical:
                found, table = load_revenue(spec, kind, opts, compact=self.compact_billing)
                kinds.append(found)
                return table

            self._read("billing", load)
            if len(set(kinds)) > 1:
                raise InputError(f"{self.spec('billing')}: mixes billing lines and subscription periods")
            self._revenue_kind = kinds[0]
        return self._revenue_kind, self._tables["billing"]

    def rules(self, name: str) -> Any:
        """A rule file loaded and validated (once); the built-in default when none is given (no inventory without
        one). A bad workspace rule file's error is prefixed with the workspace line that names it."""
        if name in self._rules:
            return self._rules[name]
        rule = RULES[name]
        path = self.rule_paths.get(name)
        if path is None and rule.default is None:
            return None
        try:
            loaded = rule.load(path)
        except ConfigError as exc:
            where = self.rule_where.get(name)
            if where:
                exc.message = f"{where}: {exc.message}"
                exc.args = (exc.message,)
            raise
        self._rules[name] = loaded
        return loaded


P = ParamSpec("P")
T = TypeVar("T")


def once(compute: Callable[Concatenate[Run, P], T]) -> Callable[Concatenate[Run, P], T]:
    """Compute a step (or what steps share) once per run and arguments: the value is kept in ``run.memo`` under
    the function itself and its arguments (defaults filled in), so ``numbers(run)`` and ``numbers(run, "summary")``
    are one computation. An error is not kept: asked again, it is raised again."""
    signature = inspect.signature(compute)

    @functools.wraps(compute)
    def memoised(run: Run, *args: P.args, **kwargs: P.kwargs) -> T:
        bound = signature.bind(run, *args, **kwargs)
        bound.apply_defaults()
        key = (compute, *list(bound.arguments.values())[1:])
        if key not in run.memo:
            run.memo[key] = compute(run, *args, **kwargs)
        return cast(T, run.memo[key])

    return memoised


def _size(spec: str) -> int:
    """Bytes of an input file (0 for stdin or a missing file), for the progress display."""
    if spec == "-":
        return 0
    try:
        return Path(spec.split("#", maxsplit=1)[0]).stat().st_size
    except OSError:
        return 0


MAX_GLOB_FILES = MAX_INPUT_FILES  # files one workspace export's glob may match


def _inside(fence: Path | None, text: str, path: Path, where: str) -> None:
    """A file a workspace names must lie inside its folder (``fence``; None: anywhere): an absolute path, a ``../``
    or a link that leads out of it exits 3 at the csctl.yaml line, before anything is read or even looked for."""
    if fence is None:
        return
    root = fence.resolve()
    lexical = Path(os.path.normpath(root / text))  # root / an absolute path is that path
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):  # a link loop: not inside anything
        resolved = Path("/")
    if not (lexical.is_relative_to(root) and resolved.is_relative_to(root)):
        raise ConfigError(
            f"{where}: {text}: outside the workspace folder {root}; a workspace reads only files inside its folder",
            hint="if this workspace is yours and means it, give --allow-outside or set allow_outside: true in "
            "its csctl.yaml",
        )


def _expand(folder: Path, export: Export, where: str, fence: Path | None = None) -> tuple[str, ...]:
    """A workspace export's files: a path or a glob (at most MAX_GLOB_FILES files), relative to the workspace
    folder and, with a ``fence``, inside it; none found exits 3."""
    path = export.path
    if path == "-":
        raise ConfigError(f"{where}: a workspace export cannot be stdin (-); give a path")
    full = Path(path) if Path(path).is_absolute() else folder / path
    if any(ch in path for ch in "*?["):
        _inside(fence, path, folder, where)  # the pattern itself (lexically), before it is expanded
        matches: list[str] = []
        for match in glob.iglob(str(full)):
            if len(matches) == MAX_GLOB_FILES:
                raise ConfigError(
                    f"{where}: {path}: this pattern matches more than {MAX_GLOB_FILES:,} files; csctl reads at "
                    f"most {MAX_GLOB_FILES:,} files for one export",
                    hint="narrow the pattern, or combine the files into fewer exports",
                )
            matches.append(match)
        if not matches:
            raise ConfigError(f"{where}: {path}: no file matches this pattern{_nearby(full)}")
        matches.sort()
        for match in matches:  # a link among the matches may lead out
            _inside(fence, os.path.relpath(match, folder), Path(match), where)
        files = matches
    elif full.is_dir():  # a Parquet dataset written in parts
        _inside(fence, path, full, where)
        from csctl.io.inputs import dataset_files

        files = dataset_files(full)
        for match in files:  # a link among the parts may lead out
            _inside(fence, os.path.relpath(match, folder), Path(match), where)
    else:
        _inside(fence, path, full, where)
        if not full.is_file():
            raise ConfigError(f"{where}: {path}: no such file{_nearby(full)}")
        files = [str(full)]
    if export.sheet is not None:
        files = [f"{f}#{export.sheet}" for f in files]
    return tuple(files)


def _nearby(path: Path) -> str:
    """A did-you-mean among the files next to where a missing file was expected."""
    from csctl.errors import did_you_mean

    folder = path.parent
    if not folder.is_dir():
        return f" (the folder {folder} does not exist)"
    hint = did_you_mean(path.name, sorted(p.name for p in folder.iterdir() if p.is_file()))
    return f".{hint}" if hint else ""


def _concat(parts: list[Canonical], label: str) -> Canonical:
    """Several files of one table (a glob, several paths): one table; every file needs the first's columns."""
    import polars as pl

    from csctl.io.inputs import check_same_columns, read_columns
    from csctl.io.parse import Canonical

    check_same_columns([read_columns(p) for p in parts], [p.label for p in parts])
    frames = [p.frame for p in parts]
    try:
        frame = pl.concat(frames, how="diagonal_relaxed")
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"{label}: the files of this export do not stack into one table: {exc}") from None
    notes = [n for p in parts for n in p.notes]
    return Canonical(frame, parts[0].mapping, label, notes, sum(p.skipped for p in parts))
