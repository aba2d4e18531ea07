"""The plays library (step 9's options) and the value path (step 7's milestones): pydantic models and loaders.

Every metric a play names must be in the registry and every trigger must compile, before any data is read:
an unknown metric or a bad trigger is a ConfigError naming file and line (exit 3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from csctl.config.models import Strict
from csctl.config.rules import Sql, _where, compile_sql
from csctl.config.yamlfile import YamlDoc, load_yaml, validate
from csctl.errors import ConfigError, did_you_mean
from csctl.metrics import REGISTRY
from csctl.resources import config_path

Lever = Literal["retention", "expansion", "upsell"]
Owner = Literal["CS", "Sales", "Marketing", "Product", "Support"]
Risk = Literal["low", "medium", "high"]
OptionKind = Literal["process", "play", "health score", "tool"]


class Due(Strict):
    """When a play's action is due for an account: ``days_before`` a date column (e.g. 90 before renewal_date)."""

    column: str
    days_before: int = 0


class Play(Strict):
    name: str = Field(min_length=1)
    kind: OptionKind = "play"
    lever: Lever
    trigger: str = Field(min_length=1, description="SQL condition over the enriched customer table")
    owner: Owner = "CS"
    effort_hours: float = Field(ge=0, description="hours per account each time the play runs")
    cost_per_account: float = Field(0, ge=0, description="money per account besides hours (a tool's licence)")
    risk: Risk = "medium"
    moves: str = Field(description="the registry metric this play moves")
    change: float = Field(description="the change of that metric the play aims for, in its unit (0.02 = 2 pts)")
    action: str = Field("", description="what the owner does for each account")
    due: Due | None = None


class PlaysFile(Strict):
    check_after_days: int = Field(
        90, gt=0, le=36_600, description="the plan's metrics are checked this many days after as-of"
    )
    action_within_days: int = Field(14, ge=0, le=36_600, description="an action without a due rule is due this soon")
    done_target: float = Field(0.8, gt=0, le=1, description="share of planned actions done: 'doing what we said'")
    plays: list[Play] = Field(min_length=1)


@dataclass
class Plays:
    path: str
    rules: PlaysFile
    triggers: dict[str, Sql]  # play name -> compiled trigger
    where: dict[str, str]  # play name -> file:line of the play
    due_where: dict[str, str]  # play name -> file:line of its due column


def check_metric(name: str, where: str) -> None:
    """A metric named in a plays file or a plan must be in the registry (exit 3 at its line)."""
    if name not in REGISTRY:
        raise ConfigError(f"{where}: unknown metric {name!r}.{did_you_mean(name, sorted(REGISTRY))}")


def load_plays(path: str | Path | None) -> Plays:
    doc = load_yaml(path or config_path("plays.yaml"))
    parsed = validate(doc, PlaysFile, what="plays file")
    triggers = {}
    where: dict[str, str] = {}
    due_where: dict[str, str] = {}
    for i, play in enumerate(parsed.plays):
        if play.name in where:
            raise ConfigError(f"{_where(doc, 'plays', i, 'name')}: play {play.name!r} is named twice")
        check_metric(play.moves, _where(doc, "plays", i, "moves"))
        metric = REGISTRY[play.moves]
        if metric.better is None:
            raise ConfigError(
                f"{_where(doc, 'plays', i, 'moves')}: {play.moves} has no better direction (it is a count or a "
                "budget); a play must move a metric that is better up or down"
            )
        triggers[play.name] = compile_sql(play.trigger, _where(doc, "plays", i, "trigger"), "trigger")
        where[play.name] = _where(doc, "plays", i)
        due_where[play.name] = _where(doc, "plays", i, "due", "column")
    return Plays(doc.path, parsed, triggers, where, due_where)


# --- the value path ---------------------------------------------------------------------------------------------
MAX_WEEK = 520  # ten years of a contract: a week past it is a typo (1e30 overflowed the week arithmetic)


class Milestone(Strict):
    name: str = Field(min_length=1)
    week: float = Field(ge=0, le=MAX_WEEK, description="the week of the contract it is expected in")
    by_week: float | None = Field(None, ge=0, le=MAX_WEEK, description="the latest week it is on time (default: week)")
    value: bool = Field(False, description="the first milestone where the customer gets value (time to value)")
    next_step: str = Field("", description="the step that takes a customer to this milestone")


class ValuePathFile(Strict):
    start: str = Field("kickoff", description="the milestone that starts the clock (week 0)")
    failed: str | None = Field("onboarding failed", description="the milestone that ends a failed onboarding")
    grace_weeks: float = Field(1, ge=0, le=MAX_WEEK, description="weeks late before a customer counts as behind")
    milestones: list[Milestone] = Field(min_length=1)


def _check_path(doc: YamlDoc, parsed: ValuePathFile) -> None:
    """The milestones' order, names and value flag; each error at the line of the milestone at fault."""
    seen: set[str] = set()
    value: str | None = None
    previous: Milestone | None = None
    for i, m in enumerate(parsed.milestones):
        if m.name in seen:
            raise ConfigError(f"{_where(doc, 'milestones', i, 'name')}: milestone {m.name!r} is named twice")
        if m.name == parsed.start:
            raise ConfigError(
                f"{_where(doc, 'milestones', i, 'name')}: start {m.name!r} is also a milestone; the start is week 0, "
                "before them"
            )
        if previous is not None and m.week < previous.week:
            raise ConfigError(
                f"{_where(doc, 'milestones', i, 'week')}: {m.name} (week {m.week:g}) is listed after {previous.name} "
                f"(week {previous.week:g}); milestones must be listed in the order of their weeks"
            )
        if m.by_week is not None and m.by_week < m.week:
            raise ConfigError(
                f"{_where(doc, 'milestones', i, 'by_week')}: {m.name}: by_week {m.by_week:g} is before week {m.week:g}"
            )
        if m.value and value is not None:
            raise ConfigError(
                f"{_where(doc, 'milestones', i, 'value')}: {m.name} and {value} are both value: true; only one "
                "milestone can be the value milestone"
            )
        value = m.name if m.value else value
        seen.add(m.name)
        previous = m
    if parsed.failed is not None and (parsed.failed in seen or parsed.failed == parsed.start):
        raise ConfigError(
            f"{_where(doc, 'failed')}: failed {parsed.failed!r} is on the path; it must name the milestone that "
            "marks a failed onboarding, not a step of the path"
        )


@dataclass
class ValuePath:
    path: str
    rules: ValuePathFile

    @property
    def value_milestone(self) -> str | None:
        return next((m.name for m in self.rules.milestones if m.value), None)


def load_value_path(path: str | Path | None) -> ValuePath:
    doc: YamlDoc = load_yaml(path or config_path("value_path.yaml"))
    parsed = validate(doc, ValuePathFile, what="value path file")
    _check_path(doc, parsed)
    return ValuePath(doc.path, parsed)


# --- plan.yaml (written by csctl plan, read by csctl assess) ------------------------------------------------------
class PlanMetric(Strict):
    name: str
    role: Literal["outcome", "doing"]
    question: str = ""
    baseline: float | None = None
    target: float | None = None
    better: Literal["up", "down"] | None = None


class PlanPick(Strict):
    option: str
    lever: Lever
    owner: str = "CS"
    trigger: str = ""
    accounts: int = 0
    arr: float | None = None
    hours: float | None = None
    cost: float | None = None
    risk: Risk = "medium"
    reason: str = ""


class PlanOption(Strict):
    rank: int
    option: str
    lever: str
    owner: str = "CS"
    accounts: int | None = None
    score: float | None = None
    feasible: bool = False


class PlanAction(Strict):
    customer_id: str
    play: str
    due: dt.date
    owner: str = "CS"


class PlanFile(Strict):
    csctl_plan: Literal[1]
    as_of: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    baseline_day: dt.date
    check_date: dt.date
    currency: str = "USD"
    pick: PlanPick
    next_best: str | None = None
    done_target: float = Field(0.8, gt=0, le=1)
    metrics: list[PlanMetric] = Field(min_length=1)
    options: list[PlanOption] = Field(default_factory=list)
    actions: list[PlanAction] = Field(default_factory=list)
    inputs: dict[str, str] = Field(default_factory=dict)
    plays: str | None = None


@dataclass
class Plan:
    path: str
    plan: PlanFile


def load_plan(path: str | Path) -> Plan:
    """plan.yaml: validated; every metric it names must be in the registry (exit 3 at its line)."""
    doc = load_yaml(path)
    plan = validate(doc, PlanFile, what="plan file")
    for i, metric in enumerate(plan.metrics):
        check_metric(metric.name, _where(doc, "metrics", i, "name"))
    return Plan(doc.path, plan)


def dump_plan(doc: dict[str, object]) -> bytes:
    """plan.yaml's text: a header saying what reads it, then the plan in YAML (keys in the order written)."""
    import yaml

    header = (
        "# csctl plan: read by csctl assess --plan (or plan: assess: in csctl.yaml). Edit targets or dates if you\n"
    )
    header += "# must; keep the metric names (they must be in the registry).\n"
    return (header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)).encode("utf-8")
