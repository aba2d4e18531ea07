"""One run's inputs and what is derived from them once, shared by every step (DESIGN.md §2: io → core).

A Session holds the config, the read options, the as-of month, the exports by table (from a command's arguments,
from the workspace's ``exports:`` in csctl.yaml, or both: arguments win) and the rule files. Tables are read once
and kept; the measured billing and the segmented customers are computed once. Commands, ``plan``, ``assess`` and
``report`` all run their steps through one Session, so a figure in the report is the figure the command prints.

No printing here: notes go to ``notify`` and long reads are wrapped in ``progress``, both given by the CLI.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import glob
import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csctl.config.models import EXPORT_TABLES, RULE_FILES, Export
from csctl.errors import ConfigError, InputError, UsageError
from csctl.io.inputs import MAX_INPUT_FILES

if TYPE_CHECKING:
    import polars as pl

    from csctl.config.load import Workspace
    from csctl.config.models import Config
    from csctl.core.mrr import BillingRules
    from csctl.core.numbers import Measured, NumbersSettings
    from csctl.io.parse import Canonical, ReadOptions


TABLE_OF = {"previous": "customers"}  # inputs read as another table's schema: an earlier health CSV


@dataclass(frozen=True)
class Source:
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
class Session:
    config: Config
    opts: ReadOptions
    month: int | None
    today: dt.date
    sources: dict[str, Source] = field(default_factory=dict)
    rule_paths: dict[str, Path] = field(default_factory=dict)
    rule_where: dict[str, str] = field(default_factory=dict)
    history_starts: int | None = None  # month index: --history-starts or billing.history_starts
    plan_to_assess: Path | None = None  # a workspace's plan.assess: an earlier plan.yaml for report's step 10
    derive: bool = False  # segment raw customers with the rules (a workspace run); commands take them as given
    partitions: int | None = None  # measure billing in this many customer partitions (csctl numbers --partitions)
    cluster: str | None = None  # … on a Dask cluster: a scheduler address, or "local" (csctl/distributed.py)
    notify: Callable[[str], None] = lambda message: None
    describe: Callable[[str], None] = lambda message: None  # how each file was read (-v)
    inputs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # the same facts, for JSON outputs
    progress: Callable[[str, int], AbstractContextManager[None]] = _no_progress
    _tables: dict[str, Canonical] = field(default_factory=dict, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # --- building ----------------------------------------------------------------------------------------------
    @classmethod
    def from_workspace(
        cls,
        workspace: Workspace,
        opts: ReadOptions,
        month: int | None,
        *,
        today: dt.date | None = None,
        derive: bool = True,
        allow_outside: bool = False,
    ) -> Session:
        """The exports and rule files a workspace's csctl.yaml names, each checked to exist (exit 3 at its line) and,
        unless ``allow_outside`` (--allow-outside) or the workspace's ``allow_outside: true`` says otherwise, to lie
        inside the workspace folder: a client's folder cannot make csctl read another's files."""
        cfg = workspace.config
        session = cls(cfg, opts, month, today or dt.date.today(), derive=derive)
        fence = None if allow_outside or cfg.allow_outside else workspace.folder
        for table in EXPORT_TABLES:
            entry = getattr(cfg.exports, table)
            if entry is None:
                continue
            export = entry if isinstance(entry, Export) else Export(path=entry)
            where = f"{workspace.where('exports', table)} (exports.{table})"
            specs = _expand(workspace.folder, export, where, fence)
            session.sources[table] = Source(specs, where, export.preset)
        for name in RULE_FILES:
            value = getattr(cfg.rules, name)
            if value is None:
                continue
            where = f"{workspace.where('rules', name)} (rules.{name})"
            path = workspace.folder / value
            _inside(fence, value, path, where)
            if not path.is_file():
                raise ConfigError(f"{where}: {value}: no such file{_nearby(path)}")
            session.rule_paths[name] = path
            session.rule_where[name] = where
        if cfg.plan.assess is not None:
            plan = workspace.folder / cfg.plan.assess
            where = f"{workspace.where('plan', 'assess')} (plan.assess)"
            _inside(fence, cfg.plan.assess, plan, where)
            if not plan.is_file():
                raise ConfigError(f"{where}: {plan}: no such file{_nearby(plan)}")
            session.plan_to_assess = plan
        return session

    def add(self, table: str, spec: str | Sequence[str] | None) -> None:
        """A command argument for a table (a path, a quoted glob or several paths): it replaces the workspace's
        export of that table."""
        from csctl.io.inputs import expand_inputs

        if spec is not None and (isinstance(spec, str) or len(spec) > 0):
            self.sources[table] = Source(expand_inputs(spec))

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

    def _opts(self, source: Source) -> ReadOptions:
        return dataclasses.replace(self.opts, preset=source.preset) if source.preset else self.opts

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
        self.inputs.setdefault(table, []).append(facts)
        self.describe(summary(facts))

    def canonical(self, table: str) -> Canonical:
        """The table read and validated (cached); KeyError when the session has no such export."""
        from csctl.io.load import load_table

        if table == "billing":
            return self.revenue()[1]
        schema = TABLE_OF.get(table, table)
        return self._read(table, lambda spec, opts: load_table(spec, schema, opts))

    def frame(self, table: str) -> pl.DataFrame:
        return self.canonical(table).frame.drop("__row", strict=False)

    def optional(self, table: str) -> pl.DataFrame | None:
        return self.frame(table) if self.has(table) else None

    def revenue(self, kind: str | None = None) -> tuple[str, Canonical]:
        """Billing lines or subscription periods (detected from the columns unless ``kind`` is given)."""
        from csctl.io.load import load_revenue

        if "revenue_kind" not in self._cache:
            kinds: list[str] = []

            def load(spec: str, opts: ReadOptions) -> Canonical:
                found, table = load_revenue(spec, kind, opts)
                kinds.append(found)
                return table

            table = self._read("billing", load)
            if len(set(kinds)) > 1:
                raise InputError(f"{self.spec('billing')}: mixes billing lines and subscription periods")
            self._cache["revenue_kind"] = kinds[0]
            return kinds[0], table
        return self._cache["revenue_kind"], self._tables["billing"]

    # --- derived once ------------------------------------------------------------------------------------------
    def measured(self) -> Measured:
        """The billing measured (MRR, movements, bridge) at the as-of month; customers give renewal dates."""
        if "measured" not in self._cache:
            from csctl.core.numbers import NumbersSettings, measure

            kind, revenue = self.revenue()
            accounts = self.frame("customers").lazy() if self.has("customers") else None
            settings = NumbersSettings(
                as_of=self.month, today=self.today, currency=self.opts.base_currency, billing=self.billing_rules()
            )
            if self.partitions is None and self.cluster is None:
                try:
                    self._cache["measured"] = measure(kind, revenue.frame.lazy(), accounts, settings)
                except InputError as exc:
                    if exc.message.startswith("row "):  # a row of the export: name the file it is in
                        exc.message = f"{self.spec('billing')}: {exc.message}"
                        exc.args = (exc.message,)
                    raise
            else:
                self._cache["measured"] = self._measure_partitioned(kind, revenue.frame, settings)
        measured: Measured = self._cache["measured"]
        return measured

    def _measure_partitioned(self, kind: str, frame: pl.DataFrame, settings: NumbersSettings) -> Measured:
        from csctl.core.partitioned import measure_partitioned, partition

        if kind != "billing":
            raise UsageError("--partitions and --cluster measure billing lines, not subscription periods")
        accounts = self.frame("customers") if self.has("customers") else None
        parts = partition(frame.drop("__row", strict=False), self.partitions or 2)
        if self.cluster is None:
            return measure_partitioned(parts, accounts, settings)
        from csctl.distributed import dask_engine

        with dask_engine(self.cluster) as engine:
            return measure_partitioned(parts, accounts, settings, engine)

    def billing_rules(self) -> BillingRules:
        """csctl.yaml's billing section (with --history-starts) as the core's rules."""
        from csctl.core.mrr import BillingRules

        cfg = self.config.billing
        lines = {product: line for line, products in cfg.product_lines.items() for product in products}
        history = self.history_starts
        if history is None and cfg.history_starts is not None:
            from csctl.core.months import parse_month

            history = parse_month(cfg.history_starts)
        return BillingRules(tuple(cfg.exclude_statuses), lines, history)

    def rules(self, name: str) -> Any:
        """A rule file loaded and validated (cached); the built-in default when none is given. A bad workspace rule
        file's error is prefixed with the workspace line that names it."""
        if name in self._cache.get("rules", {}):
            return self._cache["rules"][name]
        from csctl.config import rules as loaders

        path = self.rule_paths.get(name)
        load: Callable[[Path | None], Any]
        if name == "inventory":
            from csctl.config.inventory import load_inventory

            if path is None:
                return None
            load = load_inventory  # type: ignore[assignment]
        elif name in ("plays", "value_path"):
            from csctl.config import plays

            load = plays.load_plays if name == "plays" else plays.load_value_path
        else:
            load = getattr(loaders, f"load_{name}")
        try:
            loaded = load(path)
        except ConfigError as exc:
            where = self.rule_where.get(name)
            if where:
                exc.message = f"{where}: {exc.message}"
                exc.args = (exc.message,)
            raise
        self._cache.setdefault("rules", {})[name] = loaded
        return loaded

    def segmented(self) -> pl.DataFrame | None:
        """The customer table with a segment column: in a workspace run, segmented by the rules (with mrr and arr
        from billing); for a command, as given when it has one. None without a customer table (or, for a command,
        without a segment column)."""
        if "segmented" in self._cache:
            segmented: pl.DataFrame | None = self._cache["segmented"]
            return segmented
        frame = None
        if self.has("customers"):
            accounts = self.frame("customers")
            done = {"segment", "touch", "accounts_per_csm"} <= set(accounts.columns)  # csctl segment's CSV
            from csctl.steps import Missing

            try:
                if self.derive and not done:  # the segment rules decide (a CRM segment is kept as crm_segment)
                    frame = self.segment_result().primary_table.frame
            except Missing:  # the rules need billing this run lacks: the customers as they are
                frame = None
            if frame is None and "segment" in accounts.columns:
                frame = accounts
        self._cache["segmented"] = frame
        return frame

    def segment_result(self) -> Any:
        if "segment" not in self._cache:
            from csctl import steps

            self._cache["segment"] = steps.segment(self)
        return self._cache["segment"]

    def cached(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


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
