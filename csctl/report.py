"""The ten-step assessment: every step run over one workspace Session, gathered into sections in the seed's order.

Nothing is recomputed here: each section holds the Results of the steps (csctl/steps.py), the same objects the
commands print; the charts are those Results' tables reshaped for drawing. A step whose exports are missing
becomes open questions for the client, never a silent gap. Renderers (render/report_*.py) turn a Report into
Markdown, HTML and Excel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from csctl import steps
from csctl.render import charts
from csctl.result import Chart, Result
from csctl.units import format_unit, percent

if TYPE_CHECKING:
    import polars as pl

    from csctl.session import Session

# what each export answers, asked of the client when it is missing
ASK = {
    "billing": "the billing export (invoice lines or subscriptions: customer, amount, period) — exports.billing",
    "customers": "the CRM accounts export (customer id, name, CSM, renewal date, size) — exports.customers",
    "usage": "product usage by account and date — exports.usage",
    "tickets": "support tickets by account — exports.tickets",
    "surveys": "NPS/CSAT survey answers — exports.surveys",
    "costs": "the cost ledger: monthly spend on acquisition, retention, expansion, upsell — exports.costs",
    "team": "the CS team roster (role, FTE, loaded cost, accounts) — exports.team",
    "milestones": "value-path milestones by account (kickoff … renewal) — exports.milestones",
    "contacts": "CRM contacts with titles and roles — exports.contacts",
    "outcomes": "the customers' success outcomes (KPI, target, actual, recognised) — exports.outcomes",
    "actions": "the actions/activity export (customer, play, date, status) — exports.actions",
}


@dataclass
class Block:
    """One table of a step's Result; ``detail`` tables (one row per customer or contact) go to the workbook only."""

    result: Result
    table: str
    detail: bool = False


@dataclass
class Section:
    number: int
    title: str
    question: str
    commands: str
    answer: str | None = None
    blocks: list[Block] = field(default_factory=list)
    charts: list[tuple[Chart, pl.DataFrame]] = field(default_factory=list)
    open_questions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    metrics: list[tuple[str, float | int | None]] = field(default_factory=list)


@dataclass
class Report:
    company: str
    as_of: str
    currency: str
    workspace: str
    sections: list[Section]
    plan: dict[str, Any] | None = None  # the plan document step 9 made (written as plan.yaml)
    created: str = field(default_factory=lambda: dt.date.today().isoformat())

    @property
    def open_questions(self) -> list[tuple[int, str]]:
        return [(s.number, q) for s in self.sections for q in s.open_questions]


STEPS: list[tuple[int, str, str, str]] = [
    (1, "Review the numbers today", "Where does recurring revenue stand, and where is it going?", "numbers"),
    (2, "Identify what is in place", "Which processes, metrics, people and tools are in place, and how well?", "asis"),
    (3, "Optimize valuation", "What does it cost to acquire, retain, expand and upsell $1 of ARR?", "valuation"),
    (
        4,
        "Create segmentation",
        "Which customers get which touch model, and how healthy is each segment?",
        "segment, health",
    ),
    (
        5,
        "The customer's definition of success",
        "How does each customer measure success, and is it achieved?",
        "personas",
    ),
    (6, "Customer personas", "Who is on the customer's renewal and expansion team, and is it covered?", "personas"),
    (7, "Your vision of success", "Where is each customer on the value path, and what is its next step?", "value-path"),
    (
        8,
        "Greatest opportunity to increase LTV",
        "Which lever in which segment adds the most LTV for its cost?",
        "opportunity",
    ),
    (9, "Execution", "What one thing do we do now, and how will we know it works?", "plan"),
    (
        10,
        "Assess effectiveness",
        "Is the plan working: are we doing what we said, and is it moving the numbers?",
        "assess",
    ),
]


def _m(result: Result, name: str) -> str:
    from csctl.metrics import REGISTRY

    return format_unit(result.metrics.get(name), REGISTRY[name].unit, result.currency)


def _missing(section: Section, exc: steps.Missing) -> None:
    for need in exc.needs:
        section.open_questions.append(f"csctl {exc.step} needs {ASK.get(need, need)}")


def _metrics(section: Section, result: Result) -> None:
    from csctl.metrics import REGISTRY

    seen = {name for name, _ in section.metrics}  # a step's views share their metrics: each figure once
    section.metrics.extend((k, v) for k, v in result.metrics.items() if k in REGISTRY and k not in seen)


def _add(section: Section, result: Result, tables: list[str], detail: tuple[str, ...] = ()) -> None:
    for name in tables:
        if name in result.tables:
            section.blocks.append(Block(result, name, detail=name in detail))
    _metrics(section, result)
    section.notes.extend(n for n in [*result.warnings, *result.notes] if n != section.answer)


# --- the sections ------------------------------------------------------------------------------------------------
def _numbers(s: Session, section: Section) -> None:

    summary = steps.run(s, "numbers")
    # the numbers' own first sentence: MRR, net new MRR and MRR growth first, as a monthly review reads
    section.answer = summary.notes[0] if summary.notes else None
    _add(section, summary, ["summary", "winds"])
    bridge = steps.numbers(s, "bridge")
    quarters = steps.numbers(s, "quarters")
    forecast = steps.numbers(s, "forecast")
    _add(section, bridge, ["bridge"])
    _add(section, quarters, ["quarters"])
    _add(section, forecast, ["forecast"])
    section.charts.extend(charts.bridge_charts(bridge))
    section.charts.append(charts.revenue_chart(quarters, forecast))


def _asis(s: Session, section: Section) -> None:
    result = steps.run(s, "asis")
    section.answer = "; ".join(result.notes[:2]) or None
    _add(section, result, list(result.display_order()))
    checklist = result.tables["checklist"].frame if "checklist" in result.tables else None
    for row in (
        [] if checklist is None else checklist.filter(checklist["status"] == "open question").iter_rows(named=True)
    ):
        section.open_questions.append(f"{row['item']}: {row['evidence']}")


def _valuation(s: Session, section: Section) -> None:
    result = steps.run(s, "valuation")
    section.answer = "; ".join(result.notes[:2]) or None
    _add(section, result, list(result.display_order()))


def _segment(s: Session, section: Section) -> None:
    seg = steps.run(s, "segment")
    table = seg.tables["segments"].frame
    parts = [
        f"{r['segment']}{'' if r['touch'] is None else ' (' + r['touch'] + ' touch)'}: {r['active']:,} active "
        f"customers, {percent(r['arr_share'], 0)} of ARR"
        for r in table.iter_rows(named=True)
        if "active" in table.columns and "arr_share" in table.columns
    ]
    section.answer = f"{table.height} segments: " + "; ".join(parts) if parts else f"{table.height} segments"
    _add(section, seg, ["segments", "customers"], detail=("customers",))
    try:
        health = steps.run(s, "health")
    except steps.Missing as exc:
        _missing(section, exc)
        return
    if not any(s.has(t) for t in steps.HEALTH_SOURCES):
        section.open_questions.append(
            "health scores need usage, tickets or surveys: " + "; ".join(ASK[t] for t in steps.HEALTH_SOURCES)
        )
        return
    section.answer += (
        f". Health: {_m(health, 'unhealthy_share')} unhealthy ({_m(health, 'red_share')} red), "
        f"average score {_m(health, 'avg_health')}"
    )
    _add(section, health, ["portfolio", "by_segment", "by_csm", "quadrant", "customers"], detail=("customers",))
    section.charts.extend(charts.health_charts(health)[:1])


def _success(s: Session, section: Section) -> None:
    result = steps.run(s, "personas")
    if "outcomes" not in result.tables:
        section.open_questions.append(f"how each customer measures success: {ASK['outcomes']}")
        _add(section, result, ["success"])
        section.metrics = []
        return
    section.answer = (
        f"{_m(result, 'outcomes_achieved_share')} of the measured outcomes are achieved and "
        f"{_m(result, 'outcomes_recognised_share')} are recognised by the customer"
    )
    _add(section, result, ["by_segment", "by_persona", "success", "outcomes"], detail=("outcomes",))
    section.metrics = [m for m in section.metrics if m[0].startswith("outcomes_")]  # step 6 has the rest


def _personas(s: Session, section: Section) -> None:
    result = steps.run(s, "personas")
    section.answer = (
        f"{_m(result, 'single_threaded_share')} of accounts are single-threaded, a decision maker is known at "
        f"{_m(result, 'decision_maker_coverage')}, and {_m(result, 'renewals_at_risk')} renewals are at risk"
    )
    _add(section, result, ["by_persona", "renewal_risk", "accounts", "contacts"], detail=("accounts", "contacts"))
    section.metrics = [m for m in section.metrics if not m[0].startswith("outcomes_")]


def _value_path(s: Session, section: Section) -> None:
    result = steps.run(s, "value-path")
    section.answer = (
        f"{_m(result, 'value_path_behind_share')} of the customers on the value path are behind; median time to "
        f"value {_m(result, 'median_weeks_to_value')} weeks; {_m(result, 'reached_value_share')} reached value"
    )
    _add(section, result, ["summary", "stages", "behind", "customers"], detail=("customers",))


def _opportunity(s: Session, section: Section) -> None:

    result = steps.run(s, "opportunity")
    section.answer = result.notes[0] if result.notes else None
    _add(section, result, ["levers", "headroom", "whitespace", "ltv", "sensitivity"])
    section.charts.append(charts.levers_chart(result))


def _plan(s: Session, section: Section, report: Report) -> None:
    from csctl.core.plan import NothingToPick

    try:
        result, doc = steps.plan(s)
    except NothingToPick as exc:  # the exports ran; the plays library has nothing to say about them yet
        section.open_questions.append(f"{exc.message} ({exc.hint})" if exc.hint else exc.message)
        return
    report.plan = doc
    section.answer = result.notes[0].removeprefix("Pick: ").rstrip(".") if result.notes else None
    _add(section, result, ["pick", "options", "metrics", "lens", "actions"], detail=("actions",))


def _assess(s: Session, section: Section, plan_path: str | None) -> None:
    if plan_path is None:
        section.open_questions.append(
            "no earlier plan to assess yet: this report wrote plan.yaml; copy it next to csctl.yaml, name it under "
            "plan: assess: there, and run the report again on next month's exports"
        )
        return
    result = steps.assess(s, plan_path)
    section.answer = result.notes[0] if result.notes else None
    _add(section, result, ["verdict", "metrics"])


def build(s: Session, *, plan_path: str | None = None, on_step: Callable[[str], None] | None = None) -> Report:
    """Run every step the workspace's exports allow; the rest become open questions."""
    from csctl.core.months import label_of

    cfg = s.config
    report = Report(
        company=cfg.company or "the company",
        as_of="",
        currency=s.opts.base_currency,
        workspace="",
        sections=[],
    )
    runners: dict[int, Callable[[Section], None]] = {
        1: lambda sec: _numbers(s, sec),
        2: lambda sec: _asis(s, sec),
        3: lambda sec: _valuation(s, sec),
        4: lambda sec: _segment(s, sec),
        5: lambda sec: _success(s, sec),
        6: lambda sec: _personas(s, sec),
        7: lambda sec: _value_path(s, sec),
        8: lambda sec: _opportunity(s, sec),
        9: lambda sec: _plan(s, sec, report),
        10: lambda sec: _assess(s, sec, plan_path),
    }
    for number, title, question, commands in STEPS:
        section = Section(number, title, question, commands)
        if on_step is not None:
            on_step(f"step {number}: {title}")
        try:
            runners[number](section)
        except steps.Missing as exc:
            _missing(section, exc)
        if section.answer:  # one sentence: a capital first, the full stop is the template's
            answer = section.answer.rstrip(". ")
            section.answer = answer[:1].upper() + answer[1:]
        report.sections.append(section)
    if s.has("billing"):
        report.as_of = label_of(s.measured().as_of)
    elif s.month is not None:
        report.as_of = label_of(s.month)
    else:
        report.as_of = s.today.strftime("%Y-%m")
    return report
