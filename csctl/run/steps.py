"""Each step of the strategy over one run's inputs: the one place a command's inputs become its Result.

The commands, ``plan``, ``assess`` and ``report`` call these, so a figure is computed one way whichever command
shows it. Each step is computed once per run (``once``). A step raises ``Missing`` when the run lacks an export it
needs (report lists those steps as open questions for the client; a command never gets there, its arguments
require the inputs). Every step measures at one day, ``as_of(run)``, and sees one customer table, ``customers(run)``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from csctl.errors import ConfigError, CsctlError, InputError, UsageError
from csctl.run.catalogue import dated
from csctl.run.inputs import Run, once

if TYPE_CHECKING:
    import polars as pl

    from csctl.config.rules import Sql
    from csctl.core.mrr import BillingRules
    from csctl.core.numbers import Measured, NumbersSettings
    from csctl.result import Result


class Missing(UsageError):
    """A step cannot run: the exports it needs are not in the run (a usage error for a command)."""

    def __init__(self, step: str, needs: list[str]) -> None:
        super().__init__(
            f"{step} needs {', '.join(needs)}",
            hint="give it as an option, or name it under exports: in the workspace's csctl.yaml",
        )
        self.step = step
        self.needs = needs


@contextlib.contextmanager
def rules_on_data(checks: Iterable[tuple[list[Sql], Callable[[], pl.DataFrame | None]]]) -> Iterator[None]:
    """Rules whose types passed on the table's schema can still fail on its values (``CAST(customer_id AS
    INTEGER)`` on ids like C1): when the step fails, each rule is run alone on its table, and the first that fails is
    a ConfigError at its file:line (exit 3) instead of an internal error."""
    from csctl.config.rules import failing_rule

    try:
        yield
    except CsctlError:
        raise
    except Exception:
        for items, frame in checks:
            table = frame()
            error = None if table is None else failing_rule(items, table)
            if error is not None:
                raise error from None
        raise


def need(run: Run, step: str, *tables: str) -> None:
    missing = [t for t in tables if not run.has(t)]
    if missing:
        raise Missing(step, missing)


# --- what every step shares: the measured billing, the as-of day, the customer table ---------------------------
def billing_rules(run: Run) -> BillingRules:
    """csctl.yaml's billing section (with --history-starts) as the core's rules."""
    from csctl.core.mrr import BillingRules

    cfg = run.config.billing
    lines = {product: line for line, products in cfg.product_lines.items() for product in products}
    history = run.history_starts
    if history is None and cfg.history_starts is not None:
        from csctl.core.months import parse_month

        history = parse_month(cfg.history_starts)
    return BillingRules(tuple(cfg.exclude_statuses), lines, history)


@once
def measured(run: Run) -> Measured:
    """The billing measured (MRR, movements, bridge) at the as-of month; customers give renewal dates."""
    from csctl.core.numbers import NumbersSettings, measure

    settings = NumbersSettings(
        as_of=run.month, today=run.today, currency=run.opts.base_currency, billing=billing_rules(run)
    )
    if read_on_cluster(run):
        return _measure_read_on_cluster(run, settings)
    kind, revenue = run.revenue()
    if run.partitions is not None or run.cluster is not None or _in_parts(run, kind, revenue.frame):
        return _measure_partitioned(run, kind, revenue.frame, settings)
    accounts = run.frame("customers").lazy() if run.has("customers") else None
    try:
        return measure(kind, revenue.frame.lazy(), accounts, settings)
    except InputError as exc:
        if exc.message.startswith("row "):  # a row of the export: name the file it is in
            exc.message = f"{run.spec('billing')}: {exc.message}"
            exc.args = (exc.message,)
        raise


PARTS_OVER = 2_000_000  # a billing export of more lines is measured in parts (views of the bridge's sums)
PART_LINES = 500_000  # lines of billing per part when a large export is measured in parts on this machine
PART_WORKERS = 2  # parts measured at once (threads; at most one per core)


def _in_parts(run: Run, kind: str, frame: pl.DataFrame) -> bool:
    """A billing export of more lines than ``run.parts_over`` (set by a command whose view is made of the bridge's
    sums): measured in parts of about PART_LINES lines, PART_WORKERS at a time, so that memory holds that many
    parts' arrays at once (csctl/core/partitioned.py), with the same figures."""
    if run.parts_over is None or kind != "billing" or frame.height <= run.parts_over:
        return False
    run.partitions = -(-frame.height // PART_LINES)
    run.describe(
        f"{run.spec('billing')}: {frame.height:,} lines, measured in {run.partitions} parts of its customers "
        f"(about {PART_LINES:,} lines each), {_at_once()} at a time"
    )
    return True


def _at_once() -> int:
    return min(PART_WORKERS, os.cpu_count() or 1)


def _measure_partitioned(run: Run, kind: str, frame: pl.DataFrame, settings: NumbersSettings) -> Measured:
    from csctl.core.partitioned import measure_partitioned, partition, split
    from csctl.distributed import ThreadEngine

    if kind != "billing":
        raise UsageError("--partitions and --cluster measure billing lines, not subscription periods")
    accounts = run.frame("customers") if run.has("customers") else None
    # what the parts are measured on: the currency was checked when the export was read, and a column the export
    # lacks (read as empty) is left to the measure's default; each part taken holds fewer columns
    lines = frame.drop("__row", "currency", strict=False)
    lines = lines.drop([c for c in ("plan", "quantity", "status") if c in lines.columns and lines[c].is_null().all()])
    if run.cluster is None:  # on this machine: each part taken from the lines when it is measured, PART_WORKERS at once
        threads = ThreadEngine(_at_once())
        return measure_partitioned(split(lines, run.partitions or 2), accounts, settings, threads)
    from csctl.distributed import dask_engine

    with dask_engine(run.cluster) as engine:
        return measure_partitioned(partition(lines, run.partitions or 2), accounts, settings, engine, whole=lines)


def read_on_cluster(run: Run) -> bool:
    """A billing export of several files (a Parquet dataset, a glob, several paths) measured with --cluster: its
    files are read by the cluster's workers, not here (csctl/run/cluster.py)."""
    source = run.sources.get("billing")
    return run.cluster is not None and source is not None and len(source.specs) > 1


def _measure_read_on_cluster(run: Run, settings: NumbersSettings) -> Measured:
    from csctl.core.partitioned import measure_partitioned
    from csctl.distributed import dask_engine
    from csctl.io.inputs import check_same_columns
    from csctl.io.inspect import summary
    from csctl.run.cluster import FileRead, read_on_workers

    source = run.sources["billing"]

    def told(read: FileRead) -> None:  # as a read here tells each file
        for note in read.notes:
            run.notify(note)
        run.facts.setdefault("billing", []).append(read.facts)
        run.describe(summary(read.facts))

    with dask_engine(run.cluster or "local") as engine:
        reads, parts = read_on_workers(
            engine.client, list(source.specs), run.kind, run.read_options("billing"), run.partitions or 2, told
        )
        check_same_columns([r.columns for r in reads], list(source.specs))
        kinds = {r.kind for r in reads}
        if len(kinds) > 1:
            raise InputError(f"{source.label}: mixes billing lines and subscription periods")
        run.read_elsewhere(reads[0].kind)
        if reads[0].kind != "billing":
            raise UsageError("--partitions and --cluster measure billing lines, not subscription periods")
        accounts = run.frame("customers") if run.has("customers") else None
        return measure_partitioned(parts, accounts, settings, engine)


@once
def as_of(run: Run) -> dt.date:
    """The one day a run measures at, used by every step and by the assessment: the end of --as-of's month, else of
    the billing's latest month, else the latest date in the run's dated tables (catalogue.dated), else today."""
    from csctl.core.months import as_of_day, index_of_date, label_of
    from csctl.core.numbers import HistoryTooShort

    month = run.month
    if run.has("billing"):
        try:
            month = measured(run).as_of  # measuring checks an --as-of against the billing
        except HistoryTooShort as exc:  # the as-of month is known; the steps that need movements say why not
            month = exc.as_of
    elif month is not None and month > index_of_date(run.today):  # a month to come: no export holds it yet
        latest = as_of_day(None, [(run.optional(t), c) for t, c in dated()], run.today)
        raise UsageError(
            f"--as-of {label_of(month)} is after the data: it has not begun (the latest date in the exports is "
            f"{latest.isoformat()})",
            hint=f"give --as-of {label_of(index_of_date(latest))} or earlier (or leave it out)",
        )
    return as_of_day(month, [(run.optional(t), c) for t, c in dated()], run.today)


def as_of_month(run: Run) -> str:
    """The as-of month (YYYY-MM) every output of the run states: the month of ``as_of(run)``."""
    return as_of(run).strftime("%Y-%m")


# --- a workspace run and a command run: the one difference -------------------------------------------------------
# A workspace run (report, plan, assess, value-path) derives what it can and turns what it lacks into open questions
# for the client; a command runs on exactly what it was given. These three functions are where that is decided.
def _open_question(run: Run, step: str, needs: list[str]) -> None:
    """In a workspace run, a step that would run on less than it should is an open question (Missing) instead."""
    if run.workspace:
        raise Missing(step, needs)


@once
def _customer_table(run: Run) -> pl.DataFrame | None:
    if not run.has("customers"):
        return None
    accounts = run.frame("customers")
    done = {"segment", "touch", "accounts_per_csm"} <= set(accounts.columns)  # csctl segment's CSV
    if run.workspace and not done:  # the segment rules decide (a CRM segment is kept as crm_segment)
        try:
            return segment(run).primary_table.frame
        except Missing:  # the rules need billing this run lacks: the customers as they are
            pass
    return accounts


def customers(run: Run, *, segments: bool = False, revenue: bool = False) -> pl.DataFrame | None:
    """The customer table a step sees, None without one: in a workspace run segmented by the rules (with mrr and
    arr from billing) when they can run; for a command, as given. ``segments``: a table without a segment column
    is an error (exit 3); ``revenue``: with mrr and arr from billing when the run has billing and the table no arr."""
    frame = _customer_table(run)
    if frame is None:
        return None
    if segments and "segment" not in frame.columns:
        raise InputError(f"{run.spec('customers')}: no segment column; run csctl segment first and pass its CSV")
    if revenue and run.has("billing") and "arr" not in frame.columns:
        from csctl.core.segments import with_revenue

        frame = with_revenue(frame, measured(run))
    return frame


def _figures_from_other_steps(run: Run) -> tuple[dict[str, float | int | None], pl.DataFrame | None]:
    """For step 2 in a workspace run: what health, numbers and valuation measure answers more of the checklist
    (and health's bands per customer); a command's asis uses its inputs only."""
    figures: dict[str, float | int | None] = {}
    scored = None
    if not run.workspace:
        return figures, scored
    for step in (health, numbers, valuation):
        try:
            result = step(run)
        except Missing:
            continue
        figures |= result.metrics
        if step is health:  # touch and health bands per customer
            scored = result.primary_table.frame
    return figures, scored


# --- step 1 ------------------------------------------------------------------------------------------------
@once
def numbers(run: Run, view: str = "summary", period: str = "month", kind: str | None = None) -> Result:
    from csctl.core.numbers import NumbersSettings, compute_view
    from csctl.run import charts

    need(run, "numbers", "billing")
    if read_on_cluster(run):  # the cluster's workers read the files: the kind is theirs
        run.kind = kind or run.kind
        measured(run)
        found = run.revenue_kind()
    else:
        found = run.revenue(kind)[0]
    cfg = run.config
    settings = NumbersSettings(
        view=view,
        period=period,
        as_of=run.month,
        today=run.today,
        gross_margin=cfg.gross_margin,
        churn_basis=cfg.clv.churn_basis,
        currency=run.opts.base_currency,
    )
    accounts = run.frame("customers").lazy() if run.has("customers") else None
    result = compute_view(measured(run), found, settings, accounts)
    if view == "bridge" and period == "month":
        result.charts = charts.bridge_charts(result)
    elif view == "quarters":
        try:
            ahead: Result | None = numbers(run, "forecast")
        except InputError:  # too little history to project: the quarters alone
            ahead = None
        result.charts = [charts.revenue_chart(result, ahead)]
    return result


# --- step 2 ------------------------------------------------------------------------------------------------
ASIS_TABLES = ("team", "customers", "tickets", "surveys", "milestones")


@once
def asis(run: Run) -> Result:
    from csctl.core.asis import AsisInputs, OnboardingRules, compute_asis

    inventory = run.rules("inventory")
    if inventory is None and not any(run.has(t) for t in ASIS_TABLES):
        raise Missing("asis", ["the as-is inventory (rules.inventory)", *ASIS_TABLES])
    frames: dict[str, Any] = {t: run.frame(t) for t in ASIS_TABLES if run.has(t) and t != "customers"}
    if run.has("customers"):
        frames["customers"] = customers(run)
    figures, scored = _figures_from_other_steps(run)
    if scored is not None:
        frames["customers"] = scored
    o = run.config.onboarding
    rules = OnboardingRules(o.start_milestone, o.live_milestone, o.failed_milestone, o.stall_days)
    pooled = run.config.valuation.pooled_accounts_per_csm
    inputs = AsisInputs(
        inventory=inventory, as_of=as_of(run), figures=figures, pooled_accounts_per_csm=pooled, **frames
    )
    return compute_asis(inputs, rules, run.opts.base_currency)


# --- step 3 ------------------------------------------------------------------------------------------------
@once
def cost_ledger(run: Run) -> pl.DataFrame:
    from csctl.core.valuation import ledger

    book = run.canonical("costs")
    return ledger(book.frame, book.label)


@once
def valuation(run: Run, target_crc: float | None = None) -> Result:
    from csctl.core.valuation import ValuationSettings, compute_valuation

    need(run, "valuation", "billing", "costs")
    v = run.config.valuation
    settings = ValuationSettings(
        target_crc=target_crc if target_crc is not None else run.config.targets.crc,
        hours_per_csm_year=v.hours_per_csm_year,
        face_time_share=v.face_time_share,
        csm_loaded_cost=v.csm_loaded_cost,
        tool_costs=tuple(v.tool_costs),
        currency=run.opts.base_currency,
    )
    roster = run.canonical("team").frame if run.has("team") else None
    return compute_valuation(measured(run), cost_ledger(run), roster, customers(run, segments=True), settings)


# --- step 4 ------------------------------------------------------------------------------------------------
@once
def segment(run: Run) -> Result:
    from csctl.config.rules import check_segments
    from csctl.core.segments import rule_schema, segment_customers, with_revenue

    need(run, "segment", "customers")
    rules = run.rules("segments")
    accounts = run.frame("customers")
    with_billing = run.has("billing")
    revenue = {n for c in rules.conditions for n in c.columns if n in ("mrr", "arr") and n not in accounts.columns}
    if not with_billing and revenue:
        _open_question(run, "segment", ["billing"])  # the rules segment by revenue: not a bad rule
    try:
        check_segments(rules, rule_schema(accounts.schema, with_billing=with_billing))
    except ConfigError as exc:
        if not with_billing and any(n in ("mrr", "arr") for c in rules.conditions for n in c.columns):
            exc.hint = "mrr and arr come from the billing export: add --billing BILLING"
        raise
    billing = measured(run) if with_billing else None

    def table() -> pl.DataFrame:
        return accounts if billing is None else with_revenue(accounts, billing)

    with rules_on_data([(rules.conditions, table)]):
        return segment_customers(accounts, rules, billing, run.opts.base_currency)


# --- health ------------------------------------------------------------------------------------------------
HEALTH_SOURCES = ("usage", "tickets", "surveys")


@once
def health(run: Run) -> Result:
    from csctl.config.rules import check_health
    from csctl.core.health import Inputs, compute_health
    from csctl.run import charts

    need(run, "health", "customers")
    scorecards = run.rules("health")
    if not any(run.has(t) for t in HEALTH_SOURCES):
        _open_question(run, "health", ["usage, tickets or surveys"])
    frame = customers(run, revenue=True)
    assert frame is not None  # need() above
    if "segment" not in frame.columns and any("segment" in a.columns for a in scorecards.applies_to):
        _open_question(run, "health", ["billing (the segment rules need it)"])
    sources = {name: run.optional(name) for name in HEALTH_SOURCES}
    schemas = {n: None if t is None else t.schema for n, t in sources.items()}
    scorecards = check_health(scorecards, frame.schema, schemas)  # measures the exports cannot feed: unmeasured
    day = as_of(run)
    previous = None
    if run.has("previous"):
        previous = run.frame("previous")
        missing = [c for c in ("health_score", "health_band") if c not in previous.columns]
        if missing:
            raise InputError(f"{run.spec('previous')}: not a csctl health output (no {', '.join(missing)} column)")
        previous = _previous_scores(previous, run.spec("previous"))
    by_table: dict[str, list[Sql]] = {"customers": list(scorecards.applies_to)}
    for i, cm in enumerate(scorecards.measures):
        if i not in scorecards.unmeasured:
            by_table.setdefault(cm.measure.source, []).extend(x for x in (cm.value, cm.filter) if x is not None)
    activity = scorecards.rules.activity
    if activity is not None and scorecards.activity_unmeasured is None:
        found = [x for x in (scorecards.activity_value, scorecards.activity_filter) if x is not None]
        by_table.setdefault(activity.source, []).extend(found)
    tables: dict[str, pl.DataFrame | None] = {"customers": frame, **sources}
    with rules_on_data((items, functools.partial(tables.get, name)) for name, items in by_table.items()):
        result = compute_health(scorecards, Inputs(frame, sources, day, previous), day.isoformat())
    result.charts = charts.health_charts(result)
    return result


# --- steps 5 and 6 -----------------------------------------------------------------------------------------
@once
def personas(run: Run, renewal_window: int = 90) -> Result:
    from csctl.core.personas import PersonaInputs, compute_personas

    need(run, "personas", "contacts")
    rules = run.rules("personas")
    inputs = PersonaInputs(run.frame("contacts"), customers(run), run.optional("outcomes"), as_of(run), renewal_window)
    return compute_personas(inputs, rules)


# --- step 7 ------------------------------------------------------------------------------------------------
@once
def value_path(run: Run) -> Result:
    from csctl.core.value_path import compute_value_path

    need(run, "value-path", "milestones")
    rules = run.rules("value_path")
    return compute_value_path(run.frame("milestones"), customers(run, revenue=True), rules, as_of(run))


# --- step 8 ------------------------------------------------------------------------------------------------
@once
def opportunity(run: Run, share: float | None = None, horizon: int | None = None) -> Result:
    from csctl.core.opportunity import OpportunityInputs, OpportunitySettings, compute_opportunity
    from csctl.core.valuation import ratio_rows
    from csctl.run import charts

    need(run, "opportunity", "billing")
    cfg = run.config
    billing = measured(run)
    crc, source = cfg.targets.crc, "targets.crc in the config"
    if run.has("costs"):
        trailing = ratio_rows(billing, cost_ledger(run), run.opts.base_currency).row(-1, named=True)
        if trailing["crc"] is not None:
            crc, source = trailing["crc"], f"measured over {trailing['window']}"
        else:
            source = f"targets.crc: the CRC over {trailing['window']} is undefined (no ARR retained)"
    o = cfg.opportunity
    settings = OpportunitySettings(
        share=share if share is not None else o.share,
        horizon_months=horizon if horizon is not None else o.horizon_months,
        gross_margin=cfg.gross_margin,
        multipliers=(o.multipliers.retention, o.multipliers.expansion, o.multipliers.upsell),
        crc=crc,
        crc_source=source,
        sensitivity=tuple(o.sensitivity),
        renewal_days=o.renewal_days,
        seat_utilisation=o.seat_utilisation,
        target_churn=o.target_churn,
        currency=run.opts.base_currency,
    )
    # the customers with what the levers are measured on: segment, health band, renewal coverage, value path
    accounts = customers(run, segments=True)
    if accounts is not None:
        accounts = enriched(run)[0]
    inputs = OpportunityInputs(billing, accounts, run.optional("usage"), as_of(run))
    result = compute_opportunity(inputs, settings)
    if "levers" in result.tables:
        result.charts = [charts.levers_chart(result)]
    return result


# --- step 9 ------------------------------------------------------------------------------------------------
@once
def enriched(run: Run) -> tuple[pl.DataFrame, dict[str, str]]:
    """The customer table plays trigger on: customers with segment and revenue, health, days to renewal, value
    path and persona coverage, as far as this run's exports allow; and the enrichment columns it lacks."""
    from csctl.core.plan import enrich

    need(run, "plan", "customers")
    scored = any(run.has(t) for t in HEALTH_SOURCES)
    base = health(run).primary_table.frame if scored else customers(run, revenue=True)
    assert base is not None  # need() above
    path = value_path(run).tables["customers"].frame if run.has("milestones") else None
    coverage = personas(run).tables["accounts"].frame if run.has("contacts") else None
    from csctl.io.schema import TABLES

    layout = tuple(c.name for c in TABLES["customers"].columns)
    return enrich(base, as_of(run), path, coverage, layout)


def _check_triggers(plays: Any, frame: pl.DataFrame, unavailable: dict[str, str]) -> None:
    """A trigger's unknown column is a ConfigError at its line (did-you-mean); a column another export would
    provide is not: that option is 'cannot tell yet'. Evaluable triggers must be conditions on this table."""
    import polars as pl

    from csctl.config.rules import check_columns, check_types, failing_rule
    from csctl.errors import did_you_mean

    known = [*frame.columns, *unavailable]
    check_columns(list(plays.triggers.values()), known, "enriched customer")
    evaluable = [t for t in plays.triggers.values() if not any(c in unavailable for c in t.columns)]
    if not evaluable:
        needs = sorted({unavailable[c] for t in plays.triggers.values() for c in t.columns if c in unavailable})
        raise Missing("plan", needs)
    check_types(evaluable, frame.schema, "condition")
    failing = failing_rule(evaluable, frame)  # the enriched table is at hand: each trigger run on it before the plan
    if failing is not None:
        raise failing
    for play in plays.rules.plays:
        if play.due is None or play.due.column in unavailable:
            continue
        column = play.due.column
        where = plays.due_where[play.name]
        if column not in frame.columns:
            raise ConfigError(
                f"{where}: due column {column!r} is not in the enriched customer table.{did_you_mean(column, known)}"
            )
        if frame.schema[column] not in (pl.Date, pl.Datetime) and not isinstance(frame.schema[column], pl.Datetime):
            raise ConfigError(f"{where}: due column {column!r} is {frame.schema[column]}, not a date")


def opportunity_gains(run: Run, path: str | None) -> pl.DataFrame | None:
    """The levers' gains by segment: from csctl opportunity's CSV when given, else computed (None without billing)."""
    import polars as pl

    if path is not None:  # read like any export: stdin, encodings, separators, formula escapes
        from csctl.io.load import load_table

        table = load_table(path, "levers", run.opts)
        for note in table.notes:
            run.notify(note)
        if "gain" not in table.frame.columns:  # an unmeasured lever's gain is empty, but the column is there
            raise InputError(f"--opportunity {path}: no gain column; give csctl opportunity's CSV (-f csv)")
        gains = table.frame.select(pl.col("segment").cast(pl.String), "lever", pl.col("gain").cast(pl.Float64))
        ours = customers(run)
        if ours is not None and "segment" in ours.columns:
            shared = set(ours["segment"].cast(pl.String).unique().to_list()) & set(gains["segment"].to_list())
            if not shared:
                raise InputError(
                    f"--opportunity {path}: none of its segments ({', '.join(sorted(set(gains['segment'])))}) "
                    "is a segment of the customers; run csctl opportunity with the same segmented customers"
                )
        return gains
    if not run.has("billing"):
        return None
    return opportunity(run).tables["levers"].frame.select("segment", "lever", "gain")


@once
def planned(run: Run, opportunity_csv: str | None = None) -> tuple[Result, dict[str, Any]]:
    """Step 9's Result and its plan document (plan.yaml, which csctl assess measures)."""
    import polars as pl

    from csctl.core.plan import PlanInputs, compute_plan, team_hours
    from csctl.core.valuation import ValuationSettings, csm_cost

    plays = run.rules("plays")
    frame, unavailable = enriched(run)
    _check_triggers(plays, frame, unavailable)
    gains = opportunity_gains(run, opportunity_csv)
    # an option's value is its lever's gain on the ARR in scope: without either, no option can be valued or picked
    missing = [] if gains is not None else ["billing (or --opportunity: csctl opportunity's CSV) for each lever's gain"]
    if "arr" not in frame.columns:
        missing.append("billing (or an arr column in the customers) for the ARR each option reaches")
    if missing:
        raise Missing("plan", missing)
    v = run.config.valuation
    cost, source = csm_cost(
        run.optional("team"),
        ValuationSettings(hours_per_csm_year=v.hours_per_csm_year, csm_loaded_cost=v.csm_loaded_cost),
    )
    names = sorted({p.moves for p in plays.rules.plays})
    baselines, why = metric_values(run, names)
    imbalance = asis(run).metrics if run.has("team") and run.has("customers") else None
    inputs = PlanInputs(
        customers=frame,
        unavailable=unavailable,
        gains=gains,
        as_of=as_of(run),
        as_of_month=as_of_month(run),
        hourly_cost=None if cost is None else cost / v.hours_per_csm_year,
        cost_source=source,
        team_hours_year=team_hours(run.frame("team"), v.hours_per_csm_year) if run.has("team") else {},
        baselines=baselines,
        baseline_why=why,
        imbalance=imbalance,
        max_capacity_share=run.config.plan.max_capacity_share,
        currency=run.opts.base_currency,
    )
    value_steps = None
    if run.has("milestones"):
        path = value_path(run).tables["customers"].frame
        value_steps = path.with_columns(pl.col("customer_id").cast(pl.String))
    result, doc = compute_plan(plays, inputs, value_steps)
    doc["inputs"] = {name: export.label for name, export in run.sources.items()}
    doc["plays"] = plays.path
    return result, doc


def plan(run: Run, opportunity_csv: str | None = None) -> Result:
    return planned(run, opportunity_csv)[0]


# --- step 10 -----------------------------------------------------------------------------------------------
@once
def assess(run: Run, plan_path: str | None = None) -> Result:
    """The plan at ``plan_path`` (default: the workspace's plan.assess) measured on this run's exports."""
    from csctl.config.plays import load_plan
    from csctl.core.assess import AssessInputs, compute_assess
    from csctl.units import money

    if plan_path is None:
        if run.plan_to_assess is None:
            raise Missing("assess", ["an earlier plan.yaml (plan: assess: in csctl.yaml)"])
        plan_path = str(run.plan_to_assess)
    plan_file = load_plan(plan_path)
    day = as_of(run)
    if day < plan_file.plan.baseline_day:
        raise UsageError(
            f"{plan_path}: the plan's baseline is {plan_file.plan.baseline_day.isoformat()}, after this run's as-of "
            f"day {day.isoformat()}; assess measures the plan on data from its baseline on",
            hint="drop --as-of, or give the exports of a later month",
        )
    outcome = [m.name for m in plan_file.plan.metrics if m.role == "outcome"]
    current, why = metric_values(run, outcome)
    monetise = None
    if run.has("billing"):
        levers = opportunity(run).tables["levers"].frame
        top = levers.filter(levers["lever"].is_in(["expansion", "upsell"]) & (levers["status"] == "measured"))
        if top.height:
            row = top.row(0, named=True)
            monetise = (
                f"{row['lever']} in {row['segment']} (net value "
                f"{money(row['net_value'], run.opts.base_currency, 0)}, step 8)"
            )
    inputs = AssessInputs(
        plan=plan_file,
        current=current,
        why=why,
        as_of=day,
        as_of_month=as_of_month(run),
        actions=run.optional("actions"),
        monetise=monetise,
    )
    return compute_assess(inputs)


# --- the registry: every step by its command's name ------------------------------------------------------------
STEPS: dict[str, Callable[[Run], Result]] = {
    "numbers": numbers,
    "asis": asis,
    "valuation": valuation,
    "segment": segment,
    "health": health,
    "personas": personas,
    "value-path": value_path,
    "opportunity": opportunity,
    "plan": plan,
    "assess": assess,
}
JUDGING = ("plan", "assess")  # steps that judge the others' figures: their metrics are not measured from exports


def metric_values(run: Run, names: Iterable[str]) -> tuple[dict[str, float | int | None], dict[str, str]]:
    """The current value of each named registry metric, running only the steps that measure them. A metric whose
    step cannot run (an export missing) is None, with the reason in the second mapping."""
    from csctl.metrics import REGISTRY

    values: dict[str, float | int | None] = {}
    why: dict[str, str] = {}
    for name in names:
        command = REGISTRY[name].command
        if command in JUDGING or command not in STEPS:
            values[name] = None
            why[name] = f"measured by csctl {command}"
            continue
        try:
            result = STEPS[command](run)
        except Missing as exc:
            values[name] = None
            why[name] = f"csctl {command} needs {', '.join(exc.needs)}"
            continue
        values[name] = result.metrics.get(name)
    return values, why


def _previous_scores(previous: pl.DataFrame, label: object) -> pl.DataFrame:
    """An earlier run's health_score as numbers: empty is no score; anything but a score from 0 to 100 exits 3 (a
    workbook's text cells once exited 4 in the cast)."""
    import polars as pl

    score = pl.col("health_score").cast(pl.String).str.strip_chars()
    number = score.cast(pl.Float64, strict=False)
    given = score.is_not_null() & (score != "")
    bad = previous.filter(given & ~(number.is_finite() & number.is_between(0, 100)).fill_null(False))
    if bad.height:
        who = bad["customer_id"][0] if "customer_id" in bad.columns else "?"
        raise InputError(
            f"{label}: customer {who}: health_score {bad['health_score'][0]!r} is not a score from 0 to 100"
        )
    return previous.with_columns(health_score=pl.when(given).then(number).otherwise(None))
