"""The ten-step assessment as data: every step run over one workspace Run, gathered into sections in the seed's order.

Nothing is recomputed here: each section holds the Results of the steps (csctl/run/steps.py), the same objects the
commands print, with the charts those steps filled. A step whose exports are missing becomes open questions for the
client, never a silent gap. The whole assessment states one as-of month, ``steps.as_of_month``, the month every step
measured at. Renderers (render/report_*.py) draw the Assessment (csctl/result.py); nothing here imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from csctl.core.numbers import HistoryTooShort
from csctl.result import Assessment, Block, Result, Section
from csctl.run import steps
from csctl.run.catalogue import ask
from csctl.run.inputs import Run
from csctl.units import format_unit, percent


@dataclass(frozen=True)
class Step:
    """One of the ten steps: its number, title, the question it answers, the commands that answer it, and how its
    section is filled from the run."""

    number: int
    title: str
    question: str
    commands: str
    fill: Callable[[Run, Section, Assessment], None]


def _m(result: Result, name: str) -> str:
    from csctl.metrics import REGISTRY

    return format_unit(result.metrics.get(name), REGISTRY[name].unit, result.currency)


def _missing(section: Section, exc: steps.Missing) -> None:
    for need in exc.needs:
        section.open_questions.append(f"csctl {exc.step} needs {ask(need)}")


def _metrics(section: Section, result: Result) -> None:
    from csctl.metrics import REGISTRY

    seen = {name for name, _ in section.metrics}  # a step's views share their metrics: each figure once
    section.metrics.extend((k, v) for k, v in result.metrics.items() if k in REGISTRY and k not in seen)


def _add(
    section: Section,
    result: Result,
    tables: list[str],
    detail: tuple[str, ...] = (),
    charts: tuple[str, ...] | None = None,
) -> None:
    """The result's ``tables`` (those it has) and its charts (those named in ``charts``; None: all) in the section."""
    for name in tables:
        if name in result.tables:
            section.blocks.append(Block(result, name, detail=name in detail))
    section.charts.extend(c for c in result.charts if charts is None or c.name in charts)
    _metrics(section, result)
    section.notes.extend(n for n in [*result.warnings, *result.notes] if n != section.answer)


# --- the sections ------------------------------------------------------------------------------------------------
def _numbers(run: Run, section: Section, _: Assessment) -> None:
    summary = steps.numbers(run)
    # the numbers' own first sentence: MRR, net new MRR and MRR growth first, as a monthly review reads
    section.answer = summary.notes[0] if summary.notes else None
    _add(section, summary, ["summary", "winds"])
    _add(section, steps.numbers(run, "bridge"), ["bridge"])
    _add(section, steps.numbers(run, "quarters"), ["quarters"])
    _add(section, steps.numbers(run, "forecast"), ["forecast"])


def _asis(run: Run, section: Section, _: Assessment) -> None:
    result = steps.asis(run)
    section.answer = "; ".join(result.notes[:2]) or None
    _add(section, result, list(result.display_order()))
    checklist = result.tables["checklist"].frame if "checklist" in result.tables else None
    for row in (
        [] if checklist is None else checklist.filter(checklist["status"] == "open question").iter_rows(named=True)
    ):
        section.open_questions.append(f"{row['item']}: {row['evidence']}")


def _valuation(run: Run, section: Section, _: Assessment) -> None:
    result = steps.valuation(run)
    section.answer = "; ".join(result.notes[:2]) or None
    _add(section, result, list(result.display_order()))


def _segment(run: Run, section: Section, _: Assessment) -> None:
    seg = steps.segment(run)
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
        health = steps.health(run)
    except steps.Missing as exc:
        _missing(section, exc)
        return
    section.answer += (
        f". Health: {_m(health, 'unhealthy_share')} unhealthy ({_m(health, 'red_share')} red), "
        f"average score {_m(health, 'avg_health')}"
    )
    _add(
        section,
        health,
        ["portfolio", "by_segment", "by_csm", "quadrant", "customers"],
        detail=("customers",),
        charts=("health_segment",),
    )


def _success(run: Run, section: Section, _: Assessment) -> None:
    result = steps.personas(run)
    if "outcomes" not in result.tables:
        section.open_questions.append(f"how each customer measures success: {ask('outcomes')}")
        _add(section, result, ["success"])
        section.metrics = []
        return
    section.answer = (
        f"{_m(result, 'outcomes_achieved_share')} of the measured outcomes are achieved and "
        f"{_m(result, 'outcomes_recognised_share')} are recognised by the customer"
    )
    _add(section, result, ["by_segment", "by_persona", "success", "outcomes"], detail=("outcomes",))
    section.metrics = [m for m in section.metrics if m[0].startswith("outcomes_")]  # step 6 has the rest


def _personas(run: Run, section: Section, _: Assessment) -> None:
    result = steps.personas(run)
    section.answer = (
        f"{_m(result, 'single_threaded_share')} of accounts are single-threaded, a decision maker is known at "
        f"{_m(result, 'decision_maker_coverage')}, and {_m(result, 'renewals_at_risk')} renewals are at risk"
    )
    _add(section, result, ["by_persona", "renewal_risk", "accounts", "contacts"], detail=("accounts", "contacts"))
    section.metrics = [m for m in section.metrics if not m[0].startswith("outcomes_")]


def _value_path(run: Run, section: Section, _: Assessment) -> None:
    result = steps.value_path(run)
    section.answer = (
        f"{_m(result, 'value_path_behind_share')} of the customers on the value path are behind; median time to "
        f"value {_m(result, 'median_weeks_to_value')} weeks; {_m(result, 'reached_value_share')} reached value"
    )
    _add(section, result, ["summary", "stages", "behind", "customers"], detail=("customers",))


def _opportunity(run: Run, section: Section, _: Assessment) -> None:
    result = steps.opportunity(run)
    section.answer = result.notes[0] if result.notes else None
    _add(section, result, ["levers", "headroom", "whitespace", "ltv", "sensitivity"])


def _plan(run: Run, section: Section, assessment: Assessment) -> None:
    from csctl.core.plan import NothingToPick

    try:
        result, doc = steps.planned(run)
    except NothingToPick as exc:  # the exports ran; the plays library has nothing to say about them yet
        section.open_questions.append(f"{exc.message} ({exc.hint})" if exc.hint else exc.message)
        return
    assessment.plan = doc
    section.answer = result.notes[0].removeprefix("Pick: ").rstrip(".") if result.notes else None
    _add(section, result, ["pick", "options", "metrics", "lens", "actions"], detail=("actions",))


def _assess(run: Run, section: Section, _: Assessment) -> None:
    if run.plan_to_assess is None:
        section.open_questions.append(
            "no earlier plan to assess yet: this report wrote plan.yaml; copy it next to csctl.yaml, name it under "
            "plan: assess: there, and run the report again on next month's exports"
        )
        return
    result = steps.assess(run)
    section.answer = result.notes[0] if result.notes else None
    _add(section, result, ["verdict", "metrics"])


STEPS: tuple[Step, ...] = (
    Step(
        1, "Review the numbers today", "Where does recurring revenue stand, and where is it going?", "numbers", _numbers
    ),
    Step(
        2,
        "Identify what is in place",
        "Which processes, metrics, people and tools are in place, and how well?",
        "asis",
        _asis,
    ),
    Step(
        3,
        "Optimize valuation",
        "What does it cost to acquire, retain, expand and upsell $1 of ARR?",
        "valuation",
        _valuation,
    ),
    Step(
        4,
        "Create segmentation",
        "Which customers get which touch model, and how healthy is each segment?",
        "segment, health",
        _segment,
    ),
    Step(
        5,
        "The customer's definition of success",
        "How does each customer measure success, and is it achieved?",
        "personas",
        _success,
    ),
    Step(
        6,
        "Customer personas",
        "Who is on the customer's renewal and expansion team, and is it covered?",
        "personas",
        _personas,
    ),
    Step(
        7,
        "Your vision of success",
        "Where is each customer on the value path, and what is its next step?",
        "value-path",
        _value_path,
    ),
    Step(
        8,
        "Greatest opportunity to increase LTV",
        "Which lever in which segment adds the most LTV for its cost?",
        "opportunity",
        _opportunity,
    ),
    Step(9, "Execution", "What one thing do we do now, and how will we know it works?", "plan", _plan),
    Step(
        10,
        "Assess effectiveness",
        "Is the plan working: are we doing what we said, and is it moving the numbers?",
        "assess",
        _assess,
    ),
)


def build(run: Run, *, workspace: str = "", on_step: Callable[[str], None] | None = None) -> Assessment:
    """Run every step the workspace's exports allow; the rest become open questions. The as-of month is the run's
    one as-of day (``steps.as_of``), the day every step measured at."""
    assessment = Assessment(
        company=run.config.company or "the company",
        as_of="",
        currency=run.opts.base_currency,
        workspace=workspace,
        sections=[],
    )
    too_short = 0  # the first step that found the billing history too short to measure movements
    for step in STEPS:
        section = Section(step.number, step.title, step.question, step.commands)
        if on_step is not None:
            on_step(f"step {step.number}: {step.title}")
        try:
            step.fill(run, section, assessment)
        except steps.Missing as exc:
            _missing(section, exc)
        except HistoryTooShort as exc:  # a young billing export: the figures resting on movements cannot be told yet
            section.open_questions.append(
                f"not measured yet: the billing export has no month of movements (see step {too_short})"
                if too_short
                else f"not measured yet: {exc.message} ({exc.hint})"
            )
            too_short = too_short or step.number
        if section.answer:  # one sentence: a capital first, the full stop is the template's
            answer = section.answer.rstrip(". ")
            section.answer = answer[:1].upper() + answer[1:]
        assessment.sections.append(section)
    assessment.as_of = steps.as_of_month(run)
    return assessment
