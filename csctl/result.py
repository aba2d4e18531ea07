"""The one result type every command returns: named tables, headline metrics, notes and definitions.

Renderers turn a Result (and csctl report's Assessment, the ten steps' Results gathered) into a format; they
never compute. The primary table is what ``-f csv`` writes,
so commands chain. Column kinds tell renderers how to show values (money with 2 decimals, rates as
fractions or percentages); a table with ``value`` and ``unit`` columns is shown row by row in its unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from csctl.units import Unit

if TYPE_CHECKING:
    import polars as pl

Kind = Literal[Unit, "text"]  # a column's kind: a unit (csctl.units), or text


@dataclass
class Table:
    frame: pl.DataFrame
    title: str = ""
    kinds: dict[str, Kind] = field(default_factory=dict)
    show: list[str] | None = None  # the columns documents (table, markdown) show; files carry all
    by_unit: tuple[str, ...] = ("value",)  # with a unit column: these columns are shown in each row's unit

    def kind(self, column: str) -> Kind:
        """The declared kind, else number for numeric columns and text for the rest."""
        if column in self.kinds:
            return self.kinds[column]
        return "number" if self.frame.schema[column].is_numeric() else "text"


ChartKind = Literal["line", "column", "bar", "stacked"]


@dataclass(frozen=True)
class Chart:
    """A chart of one of the result's tables: categories from ``x``, one series per column in ``series``.

    line: series over time (e.g. MRR by month); column: vertical bars per category (revenue by quarter);
    bar: horizontal bars (LTV levers by net value); stacked: stacked columns (the bridge's movements by month,
    positive above the axis and negative below). ``unit`` says how values are shown (money, rate, count, number).
    Renderers draw it natively (Excel chart, inline SVG in HTML, characters in the terminal); they never compute.
    The step that owns the figures fills a Result's charts (csctl/run/charts.py), each with the ``frame`` it draws:
    the table named by ``table``, selected or reshaped for drawing.
    """

    name: str
    title: str
    table: str
    x: str
    series: tuple[str, ...]
    kind: ChartKind = "line"
    unit: Kind = "number"
    caption: str = ""  # what the title does not say: how to read the chart, where its figures come from
    frame: pl.DataFrame | None = field(default=None, compare=False, repr=False)  # None: the result's ``table``


@dataclass
class Result:
    command: str
    title: str
    tables: dict[str, Table]
    primary: str
    metrics: dict[str, float | int | None] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # also said on stderr when the format does not carry them
    definitions: dict[str, str] = field(default_factory=dict)
    explain: bool = False
    order: list[str] | None = None  # the order documents show tables in (default: primary first)
    charts: list[Chart] = field(default_factory=list)

    def display_order(self) -> list[str]:
        if self.order:
            return [*self.order, *(n for n in self.tables if n not in self.order)]
        return [self.primary, *(n for n in self.tables if n != self.primary)]

    @property
    def primary_table(self) -> Table:
        return self.tables[self.primary]

    @property
    def currency(self) -> str:
        return str(self.meta.get("currency", "USD"))


@dataclass
class Block:
    """One table of a step's Result in the assessment; ``detail`` tables (one row per customer or contact) go to the
    workbook only."""

    result: Result
    table: str
    detail: bool = False


@dataclass
class Section:
    """One of the assessment's ten steps: its question, the answer in one sentence, the Results' tables and charts,
    the headline figures, and what to ask the client when an export is missing."""

    number: int
    title: str
    question: str
    commands: str
    answer: str | None = None
    blocks: list[Block] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    open_questions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    metrics: list[tuple[str, float | int | None]] = field(default_factory=list)


@dataclass
class Assessment:
    """csctl report's ten steps over one workspace run (built by csctl/run/assessment.py, drawn by
    render/report_*.py). ``as_of`` is the run's one as-of month."""

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
