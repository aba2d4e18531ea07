"""Each step of the strategy run over a Session: the one place a command's inputs become its Result.

The CLI commands, ``plan``, ``assess`` and ``report`` call these, so a figure is computed one way whichever
command shows it. A step raises ``Missing`` when the session lacks an export it needs (report lists those steps
as open questions for the client; a command never gets there, its arguments require the inputs).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from csctl.errors import ConfigError, CsctlError, InputError, UsageError

if TYPE_CHECKING:
    import polars as pl

    from csctl.config.rules import Sql
    from csctl.result import Result
    from csctl.session import Session


class Missing(UsageError):
    """A step cannot run: the exports it needs are not in the session (a usage error for a command)."""

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


def need(s: Session, step: str, *tables: str) -> None:
    missing = [t for t in tables if not s.has(t)]
    if missing:
        raise Missing(step, missing)


# the tables with dates, and their date column: without billing, the as-of day is the latest date among them
DATED = (
    ("usage", "date"),
    ("tickets", "created_at"),
    ("surveys", "date"),
    ("milestones", "date"),
    ("contacts", "last_activity"),
    ("outcomes", "measured_at"),
)


def as_of_day(s: Session) -> dt.date:
    """The one day a run measures at: the end of --as-of's month, else of the billing's latest month, else the
    latest date in the run's dated tables (today when there is none). Every step of a run uses the same day."""
    from csctl.core.months import as_of_day as day_of

    def make() -> dt.date:
        from csctl.core.months import index_of_date, label_of

        month = s.month
        if s.has("billing"):
            month = s.measured().as_of  # the session checks an --as-of against the billing
        elif month is not None and month > index_of_date(s.today):  # a month to come: no export holds it yet
            latest = day_of(None, [(s.optional(t), c) for t, c in DATED], s.today)
            raise UsageError(
                f"--as-of {label_of(month)} is after the data: it has not begun (the latest date in the exports is "
                f"{latest.isoformat()})",
                hint=f"give --as-of {label_of(index_of_date(latest))} or earlier (or leave it out)",
            )
        return day_of(month, [(s.optional(t), c) for t, c in DATED], s.today)

    day: dt.date = s.cached("as_of_day", make)
    return day


# --- step 1 ------------------------------------------------------------------------------------------------
def numbers(s: Session, view: str = "summary", period: str = "month", kind: str | None = None) -> Result:
    from csctl.core.numbers import NumbersSettings, numbers_result

    need(s, "numbers", "billing")
    found, _ = s.revenue(kind)
    cfg = s.config
    settings = NumbersSettings(
        view=view,
        period=period,
        as_of=s.month,
        today=s.today,
        gross_margin=cfg.gross_margin,
        churn_basis=cfg.clv.churn_basis,
        currency=s.opts.base_currency,
    )
    accounts = s.frame("customers").lazy() if s.has("customers") else None
    return numbers_result(s.measured(), found, settings, accounts)


# --- step 2 ------------------------------------------------------------------------------------------------
ASIS_TABLES = ("team", "customers", "tickets", "surveys", "milestones")


def asis(s: Session) -> Result:
    from csctl.core.asis import AsisInputs, OnboardingRules, compute_asis

    inventory = s.rules("inventory")
    if inventory is None and not any(s.has(t) for t in ASIS_TABLES):
        raise Missing("asis", ["the as-is inventory (rules.inventory)", *ASIS_TABLES])
    frames: dict[str, Any] = {t: s.frame(t) for t in ASIS_TABLES if s.has(t) and t != "customers"}
    figures: dict[str, float | int | None] = {}
    if s.has("customers"):
        segmented = s.segmented() if s.derive else None
        frames["customers"] = s.frame("customers") if segmented is None else segmented
    if s.derive:  # a workspace run: what the other steps measure answers more of the checklist
        for command in ("health", "numbers", "valuation"):
            try:
                result = run(s, command)
            except Missing:
                continue
            figures |= result.metrics
            if command == "health":  # touch and health bands per customer
                frames["customers"] = result.primary_table.frame
    day = as_of_day(s)
    o = s.config.onboarding
    rules = OnboardingRules(o.start_milestone, o.live_milestone, o.failed_milestone, o.stall_days)
    pooled = s.config.valuation.pooled_accounts_per_csm
    inputs = AsisInputs(inventory=inventory, as_of=day, figures=figures, pooled_accounts_per_csm=pooled, **frames)
    return compute_asis(inputs, rules, s.opts.base_currency)


# --- step 3 ------------------------------------------------------------------------------------------------
def cost_ledger(s: Session) -> pl.DataFrame:
    from csctl.core.valuation import ledger

    def make() -> pl.DataFrame:
        book = s.canonical("costs")
        return ledger(book.frame, book.label)

    frame: pl.DataFrame = s.cached("ledger", make)
    return frame


def valuation(s: Session, target_crc: float | None = None) -> Result:
    from csctl.core.valuation import ValuationSettings, compute_valuation

    need(s, "valuation", "billing", "costs")
    v = s.config.valuation
    settings = ValuationSettings(
        target_crc=target_crc if target_crc is not None else s.config.targets.crc,
        hours_per_csm_year=v.hours_per_csm_year,
        face_time_share=v.face_time_share,
        csm_loaded_cost=v.csm_loaded_cost,
        tool_costs=tuple(v.tool_costs),
        currency=s.opts.base_currency,
    )
    roster = s.canonical("team").frame if s.has("team") else None
    return compute_valuation(s.measured(), cost_ledger(s), roster, segmented(s, "valuation"), settings)


def segmented(s: Session, step: str) -> pl.DataFrame | None:
    """The customers with a segment column, or None without customers; a command's customers without one: exit 3."""
    if not s.has("customers"):
        return None
    frame = s.segmented()
    if frame is None:
        raise InputError(f"{s.spec('customers')}: no segment column; run csctl segment first and pass its CSV")
    return frame


# --- step 4 ------------------------------------------------------------------------------------------------
def segment(s: Session) -> Result:
    from csctl.config.rules import check_segments
    from csctl.core.segments import rule_schema, segment_customers

    need(s, "segment", "customers")
    rules = s.rules("segments")
    accounts = s.frame("customers")
    with_billing = s.has("billing")
    revenue = {n for c in rules.conditions for n in c.columns if n in ("mrr", "arr") and n not in accounts.columns}
    if not with_billing and s.derive and revenue:
        raise Missing("segment", ["billing"])  # the rules segment by revenue: an open question, not a bad rule
    try:
        check_segments(rules, rule_schema(accounts.schema, with_billing=with_billing))
    except ConfigError as exc:
        if not with_billing and any(n in ("mrr", "arr") for c in rules.conditions for n in c.columns):
            exc.hint = "mrr and arr come from the billing export: add --billing BILLING"
        raise
    measured = s.measured() if with_billing else None
    from csctl.core.segments import with_revenue

    def table() -> pl.DataFrame:
        return accounts if measured is None else with_revenue(accounts, measured)

    with rules_on_data([(rules.conditions, table)]):
        return segment_customers(accounts, rules, measured, s.opts.base_currency)


# --- health ------------------------------------------------------------------------------------------------
HEALTH_SOURCES = ("usage", "tickets", "surveys")


def health_customers(s: Session) -> pl.DataFrame:
    """The customer table health scores: segmented (in a workspace run) and with mrr/arr when billing is given."""
    from csctl.core.segments import with_revenue

    frame = s.segmented() if s.derive else None
    if frame is None:
        frame = s.frame("customers")
    if s.has("billing") and "arr" not in frame.columns:
        frame = with_revenue(frame, s.measured())
    return frame


def health(s: Session) -> Result:
    from csctl.config.rules import check_health
    from csctl.core.health import Inputs, compute_health

    need(s, "health", "customers")
    scorecards = s.rules("health")
    if s.derive and not any(s.has(t) for t in HEALTH_SOURCES):
        raise Missing("health", ["usage, tickets or surveys"])
    frame = health_customers(s)
    if s.derive and "segment" not in frame.columns and any("segment" in a.columns for a in scorecards.applies_to):
        raise Missing("health", ["billing (the segment rules need it)"])
    sources = {name: s.optional(name) for name in HEALTH_SOURCES}
    schemas = {n: None if t is None else t.schema for n, t in sources.items()}
    scorecards = check_health(scorecards, frame.schema, schemas)  # measures the exports cannot feed: unmeasured
    day = as_of_day(s)
    previous = None
    if s.has("previous"):
        previous = s.frame("previous")
        missing = [c for c in ("health_score", "health_band") if c not in previous.columns]
        if missing:
            raise InputError(f"{s.spec('previous')}: not a csctl health output (no {', '.join(missing)} column)")
        previous = _previous_scores(previous, s.spec("previous"))
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
        return compute_health(scorecards, Inputs(frame, sources, day, previous), day.isoformat())


# --- steps 5 and 6 -----------------------------------------------------------------------------------------
def personas(s: Session, renewal_window: int = 90) -> Result:
    from csctl.core.personas import PersonaInputs, compute_personas

    need(s, "personas", "contacts")
    rules = s.rules("personas")
    accounts = None
    if s.has("customers"):
        accounts = s.segmented() if s.derive else None
        if accounts is None:
            accounts = s.frame("customers")
    outcomes = s.optional("outcomes")
    day = as_of_day(s)
    inputs = PersonaInputs(s.frame("contacts"), accounts, outcomes, day, renewal_window)
    return compute_personas(inputs, rules)


# --- step 7 ------------------------------------------------------------------------------------------------
def value_path(s: Session) -> Result:
    from csctl.core.value_path import compute_value_path

    need(s, "value-path", "milestones")
    rules = s.rules("value_path")
    accounts = None
    if s.has("customers"):
        accounts = health_customers(s)
    day = as_of_day(s)
    return compute_value_path(s.frame("milestones"), accounts, rules, day)


# --- step 8 ------------------------------------------------------------------------------------------------
def opportunity(s: Session, share: float | None = None, horizon: int | None = None) -> Result:
    from csctl.core.opportunity import OpportunityInputs, OpportunitySettings, compute_opportunity
    from csctl.core.valuation import ratio_rows

    need(s, "opportunity", "billing")
    cfg = s.config
    measured = s.measured()
    crc, source = cfg.targets.crc, "targets.crc in the config"
    if s.has("costs"):
        trailing = ratio_rows(measured, cost_ledger(s), s.opts.base_currency).row(-1, named=True)
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
        currency=s.opts.base_currency,
    )
    # the customers with what the levers are measured on: segment, health band, renewal coverage, value path
    customers = segmented(s, "opportunity")
    if customers is not None:
        customers = enriched(s)[0]
    inputs = OpportunityInputs(measured, customers, s.optional("usage"), as_of_day(s))
    return compute_opportunity(inputs, settings)


# --- the registry over a session ------------------------------------------------------------------------------
RUNNERS: dict[str, Callable[[Session], Result]] = {
    "numbers": numbers,
    "asis": asis,
    "valuation": valuation,
    "segment": segment,
    "health": health,
    "personas": personas,
    "value-path": value_path,
    "opportunity": opportunity,
}


def run(s: Session, command: str) -> Result:
    """A step's Result, computed once per session."""
    result: Result = s.cached(f"result:{command}", lambda: RUNNERS[command](s))
    return result


def metric_values(s: Session, names: Iterable[str]) -> tuple[dict[str, float | int | None], dict[str, str]]:
    """The current value of each named registry metric, running only the steps that measure them. A metric whose
    step cannot run (an export missing) is None, with the reason in the second mapping."""
    from csctl.metrics import REGISTRY

    values: dict[str, float | int | None] = {}
    why: dict[str, str] = {}
    for name in names:
        command = REGISTRY[name].command
        if command not in RUNNERS:
            values[name] = None
            why[name] = f"measured by csctl {command}"
            continue
        try:
            result = run(s, command)
        except Missing as exc:
            values[name] = None
            why[name] = f"csctl {command} needs {', '.join(exc.needs)}"
            continue
        values[name] = result.metrics.get(name)
    return values, why


# --- step 9 ------------------------------------------------------------------------------------------------


def enriched(s: Session) -> tuple[pl.DataFrame, dict[str, str]]:
    """The customer table plays trigger on: customers with segment and revenue, health, days to renewal, value
    path and persona coverage, as far as this run's exports allow; and the enrichment columns it lacks."""

    def make() -> tuple[pl.DataFrame, dict[str, str]]:
        need(s, "plan", "customers")
        from csctl.core.plan import enrich

        scored = any(s.has(t) for t in HEALTH_SOURCES)
        base = run(s, "health").primary_table.frame if scored else health_customers(s)
        value_path = run(s, "value-path").tables["customers"].frame if s.has("milestones") else None
        coverage = run(s, "personas").tables["accounts"].frame if s.has("contacts") else None
        return enrich(base, as_of_day(s), value_path, coverage)

    found: tuple[pl.DataFrame, dict[str, str]] = s.cached("enriched", make)
    return found


def _check_triggers(plays: Any, frame: pl.DataFrame, unavailable: dict[str, str]) -> None:
    """A trigger's unknown column is a ConfigError at its line (did-you-mean); a column another export would
    provide is not: that option is 'cannot tell yet'. Evaluable triggers must be conditions on this table."""
    import polars as pl

    from csctl.config.rules import check_columns, check_types
    from csctl.errors import did_you_mean

    known = [*frame.columns, *unavailable]
    check_columns(list(plays.triggers.values()), known, "enriched customer")
    evaluable = [t for t in plays.triggers.values() if not any(c in unavailable for c in t.columns)]
    if not evaluable:
        needs = sorted({unavailable[c] for t in plays.triggers.values() for c in t.columns if c in unavailable})
        raise Missing("plan", needs)
    check_types(evaluable, frame.schema, "condition")
    from csctl.config.rules import failing_rule

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


def opportunity_gains(s: Session, path: str | None) -> pl.DataFrame | None:
    """The levers' gains by segment: from csctl opportunity's CSV when given, else computed (None without billing)."""
    import polars as pl

    if path is not None:  # read like any export: stdin, encodings, separators, formula escapes
        from csctl.io.load import load_table

        table = load_table(path, "levers", s.opts)
        for note in table.notes:
            s.notify(note)
        if "gain" not in table.frame.columns:  # an unmeasured lever's gain is empty, but the column is there
            raise InputError(f"--opportunity {path}: no gain column; give csctl opportunity's CSV (-f csv)")
        gains = table.frame.select(pl.col("segment").cast(pl.String), "lever", pl.col("gain").cast(pl.Float64))
        if s.has("customers"):
            ours = s.segmented()
            if ours is not None and "segment" in ours.columns:
                shared = set(ours["segment"].cast(pl.String).unique().to_list()) & set(gains["segment"].to_list())
                if not shared:
                    raise InputError(
                        f"--opportunity {path}: none of its segments ({', '.join(sorted(set(gains['segment'])))}) "
                        "is a segment of the customers; run csctl opportunity with the same segmented customers"
                    )
        return gains
    if not s.has("billing"):
        return None
    return run(s, "opportunity").tables["levers"].frame.select("segment", "lever", "gain")


def plan(s: Session, opportunity_csv: str | None = None) -> tuple[Result, dict[str, Any]]:
    import polars as pl

    from csctl.core.months import label_of
    from csctl.core.plan import PlanInputs, compute_plan, team_hours
    from csctl.core.valuation import ValuationSettings, csm_cost

    plays = s.rules("plays")
    frame, unavailable = enriched(s)
    _check_triggers(plays, frame, unavailable)
    gains = opportunity_gains(s, opportunity_csv)
    # an option's value is its lever's gain on the ARR in scope: without either, no option can be valued or picked
    missing = [] if gains is not None else ["billing (or --opportunity: csctl opportunity's CSV) for each lever's gain"]
    if "arr" not in frame.columns:
        missing.append("billing (or an arr column in the customers) for the ARR each option reaches")
    if missing:
        raise Missing("plan", missing)
    day = as_of_day(s)
    month = s.month if s.month is not None else (s.measured().as_of if s.has("billing") else None)
    v = s.config.valuation
    cost, source = csm_cost(
        s.frame("team") if s.has("team") else None,
        ValuationSettings(hours_per_csm_year=v.hours_per_csm_year, csm_loaded_cost=v.csm_loaded_cost),
    )
    names = sorted({p.moves for p in plays.rules.plays})
    baselines, why = metric_values(s, names)
    imbalance = run(s, "asis").metrics if s.has("team") and s.has("customers") else None
    inputs = PlanInputs(
        customers=frame,
        unavailable=unavailable,
        gains=gains,
        as_of=day,
        as_of_month=label_of(month) if month is not None else day.strftime("%Y-%m"),
        hourly_cost=None if cost is None else cost / v.hours_per_csm_year,
        cost_source=source,
        team_hours_year=team_hours(s.frame("team"), v.hours_per_csm_year) if s.has("team") else {},
        baselines=baselines,
        baseline_why=why,
        imbalance=imbalance,
        max_capacity_share=s.config.plan.max_capacity_share,
        currency=s.opts.base_currency,
    )
    value_steps = None
    if s.has("milestones"):
        value_steps = run(s, "value-path").tables["customers"].frame.with_columns(pl.col("customer_id").cast(pl.String))
    result, doc = compute_plan(plays, inputs, value_steps)
    doc["inputs"] = {name: source.label for name, source in s.sources.items()}
    doc["plays"] = plays.path
    return result, doc


# --- step 10 -----------------------------------------------------------------------------------------------
def assess(s: Session, plan_path: str) -> Result:
    from csctl.config.plays import load_plan
    from csctl.core.assess import AssessInputs, compute_assess
    from csctl.core.months import label_of
    from csctl.units import money

    plan_file = load_plan(plan_path)
    day = as_of_day(s)
    month = s.month if s.month is not None else (s.measured().as_of if s.has("billing") else None)
    if day < plan_file.plan.baseline_day:
        raise UsageError(
            f"{plan_path}: the plan's baseline is {plan_file.plan.baseline_day.isoformat()}, after this run's as-of "
            f"day {day.isoformat()}; assess measures the plan on data from its baseline on",
            hint="drop --as-of, or give the exports of a later month",
        )
    outcome = [m.name for m in plan_file.plan.metrics if m.role == "outcome"]
    current, why = metric_values(s, outcome)
    monetise = None
    if s.has("billing"):
        levers = run(s, "opportunity").tables["levers"].frame
        top = levers.filter(levers["lever"].is_in(["expansion", "upsell"]) & (levers["status"] == "measured"))
        if top.height:
            row = top.row(0, named=True)
            monetise = (
                f"{row['lever']} in {row['segment']} (net value {money(row['net_value'], s.opts.base_currency, 0)}, "
                "csctl opportunity)"
            )
    actions = s.frame("actions") if s.has("actions") else None
    inputs = AssessInputs(
        plan=plan_file,
        current=current,
        why=why,
        as_of=day,
        as_of_month=label_of(month) if month is not None else day.strftime("%Y-%m"),
        actions=actions,
        monetise=monetise,
    )
    return compute_assess(inputs)


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
