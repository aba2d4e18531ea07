"""Each step of the strategy run over a Session: the one place a command's inputs become its Result.

The CLI commands, ``plan``, ``assess`` and ``report`` call these, so a figure is computed one way whichever
command shows it. A step raises ``Missing`` when the session lacks an export it needs (report lists those steps
as open questions for the client; a command never gets there, its arguments require the inputs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from csctl.errors import ConfigError, InputError

if TYPE_CHECKING:
    import polars as pl

    from csctl.result import Result
    from csctl.session import Session


class Missing(Exception):
    """A step cannot run: the exports it needs are not in the session."""

    def __init__(self, step: str, needs: list[str]) -> None:
        super().__init__(f"{step} needs {', '.join(needs)}")
        self.step = step
        self.needs = needs


def need(s: Session, step: str, *tables: str) -> None:
    missing = [t for t in tables if not s.has(t)]
    if missing:
        raise Missing(step, missing)


def as_of_day(s: Session, dated: Iterable[tuple[str, str]]) -> dt.date:
    """The as-of day: the end of --as-of's month, else the latest date in the dated tables (today at most)."""
    from csctl.core.months import as_of_day as day_of

    month = s.month
    if month is None and s.has("billing"):
        month = s.measured().as_of
    return day_of(month, [(s.optional(t), c) for t, c in dated], s.today)


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
    if s.has("customers"):
        frames["customers"] = s.segmented() if s.derive else s.frame("customers")
        if frames["customers"] is None:
            frames["customers"] = s.frame("customers")
    day = as_of_day(s, [("tickets", "created_at"), ("surveys", "date"), ("milestones", "date")])
    o = s.config.onboarding
    rules = OnboardingRules(o.start_milestone, o.live_milestone, o.failed_milestone, o.stall_days)
    return compute_asis(AsisInputs(inventory=inventory, as_of=day, **frames), rules, s.opts.base_currency)


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
    try:
        check_segments(rules, rule_schema(accounts.schema, with_billing=with_billing))
    except ConfigError as exc:
        if not with_billing and any(n in ("mrr", "arr") for c in rules.conditions for n in c.columns):
            exc.hint = "mrr and arr come from the billing export: add --billing BILLING"
        raise
    measured = s.measured() if with_billing else None
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
    from csctl.core.health import DATE_COLUMN, Inputs, compute_health

    need(s, "health", "customers")
    scorecards = s.rules("health")
    frame = health_customers(s)
    sources = {name: s.optional(name) for name in HEALTH_SOURCES}
    check_health(scorecards, frame.schema, {n: None if t is None else t.schema for n, t in sources.items()})
    day = as_of_day(s, [(name, DATE_COLUMN[name]) for name in HEALTH_SOURCES])
    previous = None
    if s.has("previous"):
        previous = s.frame("previous")
        missing = [c for c in ("health_score", "health_band") if c not in previous.columns]
        if missing:
            raise InputError(f"{s.spec('previous')}: not a csctl health output (no {', '.join(missing)} column)")
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
    day = as_of_day(s, [("contacts", "last_activity"), ("outcomes", "measured_at")])
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
    day = as_of_day(s, [("milestones", "date")])
    return compute_value_path(s.frame("milestones"), accounts, rules, day)


# --- step 8 ------------------------------------------------------------------------------------------------
def opportunity(s: Session, step: float | None = None, horizon: int | None = None) -> Result:
    from csctl.core.opportunity import OpportunitySettings, compute_opportunity
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
        step=step if step is not None else o.step,
        horizon_months=horizon if horizon is not None else o.horizon_months,
        gross_margin=cfg.gross_margin,
        multipliers=(o.multipliers.retention, o.multipliers.expansion, o.multipliers.upsell),
        crc=crc,
        crc_source=source,
        sensitivity=tuple(o.sensitivity),
        currency=s.opts.base_currency,
    )
    return compute_opportunity(measured, segmented(s, "opportunity"), settings)


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
