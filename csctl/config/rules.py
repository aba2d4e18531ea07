"""Rule files (segments.yaml, health.yaml): pydantic models, SQL compiled with Polars' own SQL expression parser,
and every error named by file and line. Rule files are validated before any data is read; their column names
are checked against the data's columns (with a did-you-mean) as soon as the header is known.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import Field, model_validator

from csctl.config.models import Strict
from csctl.config.yamlfile import YamlDoc, load_yaml, validate
from csctl.errors import ConfigError, did_you_mean
from csctl.resources import config_path

Touch = Literal["high", "mid", "tech"]
Policy = Literal["exclude", "zero", "neutral"]
MeasureTable = Literal["customers", "usage", "tickets", "surveys"]  # the table a health measure reads
Aggregate = Literal["mean", "sum", "min", "max", "count", "last", "median"]
NEUTRAL = 50.0


# --- segments ------------------------------------------------------------------------------------------------
class SegmentRule(Strict):
    name: str = Field(min_length=1)
    when: str = Field(min_length=1, description="SQL expression over the customer table")
    touch: Touch
    accounts_per_csm: int | None = Field(None, gt=0, description="target accounts per CSM; null: pooled, no named CSM")
    plays: list[str] = Field(default_factory=list)
    description: str = ""


class SegmentsFile(Strict):
    segments: list[SegmentRule] = Field(min_length=1)


# --- health --------------------------------------------------------------------------------------------------
MAX_WEIGHT = 1e6  # weights are relative (normalised to 1): a larger one only overflows the weighted sums
MAX_WINDOW_DAYS = 36_600  # a hundred years of rows: a window beyond any export (a larger one overflows the dates)


class Band(Strict):
    below: float | None = None
    score: float = Field(ge=0, le=100)


class Measure(Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    source: MeasureTable = "customers"
    value: str | None = Field(None, description="SQL over the source's rows (not needed for count)")
    aggregate: Aggregate | None = None
    window_days: int | None = Field(None, gt=0, le=MAX_WINDOW_DAYS)
    filter: str | None = None
    direction: Literal["higher", "lower"] = "higher"
    bands: list[Band] = Field(min_length=2)
    weight: float = Field(1.0, ge=0, le=MAX_WEIGHT)
    missing: Policy | None = None

    @model_validator(mode="after")
    def _shape(self) -> Measure:
        if self.source == "customers":
            if self.value is None:
                raise ValueError("a customers measure needs value: (a column or SQL expression)")
            if self.aggregate is not None or self.window_days is not None:
                raise ValueError("a customers measure has no aggregate or window_days (one row per customer)")
        else:
            if self.aggregate is None:
                raise ValueError(f"a {self.source} measure needs aggregate: mean, sum, min, max, median, count or last")
            if self.aggregate != "count" and self.value is None:
                raise ValueError(f"aggregate {self.aggregate} needs value: (a column or SQL expression)")
        return self

    def band_problem(self) -> str | None:
        """What is wrong with the bands, if anything (reported at the bands: line by load_health)."""
        cuts = [b.below for b in self.bands[:-1]]
        if any(c is None for c in cuts) or self.bands[-1].below is not None:
            return "every band but the last needs below:, and the last band none (it takes the rest)"
        ordered = [c for c in cuts if c is not None]
        if any(b <= a for a, b in itertools.pairwise(ordered)):
            return f"bands out of order: below values must rise, got {ordered}"
        scores = [b.score for b in self.bands]
        rising = all(b >= a for a, b in itertools.pairwise(scores))
        falling = all(b <= a for a, b in itertools.pairwise(scores))
        if self.direction == "higher" and not rising:
            return f"direction higher needs band scores that rise with the value, got {scores}"
        if self.direction == "lower" and not falling:
            return f"direction lower needs band scores that fall as the value rises, got {scores}"
        return None


class Group(Strict):
    name: str = Field(min_length=1)
    weight: float = Field(1.0, ge=0, le=MAX_WEIGHT)
    measures: list[Measure] = Field(min_length=1)


class Scorecard(Strict):
    name: str = Field(min_length=1)
    applies_to: str = "true"
    missing: Policy | None = None
    groups: list[Group] = Field(min_length=1)


class Thresholds(Strict):
    green: float = Field(70, ge=0, le=100)
    yellow: float = Field(40, ge=0, le=100)

    @model_validator(mode="after")
    def _order(self) -> Thresholds:
        if self.yellow >= self.green:
            raise ValueError(f"bands out of order: yellow ({self.yellow}) must be below green ({self.green})")
        return self


class Override(Strict):
    customer_id: str
    score: float | None = Field(None, ge=0, le=100)
    band: Literal["green", "yellow", "red"] | None = None
    reason: str = Field(min_length=1)
    expires: dt.date

    @model_validator(mode="after")
    def _something(self) -> Override:
        if self.score is None and self.band is None:
            raise ValueError("an override sets score:, band: or both")
        return self


class Activity(Strict):
    source: MeasureTable = "usage"
    value: str | None = None
    aggregate: Aggregate = "sum"
    window_days: int | None = Field(28, gt=0, le=MAX_WINDOW_DAYS)
    filter: str | None = None
    threshold: float | None = Field(None, description="active at or above; default: the median")


class HealthFile(Strict):
    bands: Thresholds = Field(default_factory=lambda: Thresholds(green=70, yellow=40))
    missing: Policy = "neutral"
    trend_flat: float = Field(5, ge=0, description="score changes smaller than this are flat")
    scorecards: list[Scorecard] = Field(min_length=1)
    overrides: list[Override] = Field(default_factory=list)
    activity: Activity | None = None


# --- SQL -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sql:
    text: str
    expr: pl.Expr
    columns: tuple[str, ...]
    where: str  # file:line


MAX_SQL_CHARS = 10_000  # a rule's SQL expression: characters,
MAX_SQL_DEPTH = 20  # nested parentheses,
MAX_SQL_OPERATORS = 200  # operators (AND, OR, NOT, comparisons, arithmetic, LIKE, IN, CASE branches ...)
MAX_PAD = 1_000  # the length LPAD/RPAD may pad to: an integer literal, never a column
PADDERS = {"LPAD", "RPAD", "REPEAT", "REPLICATE"}
WORD_OPERATORS = {"AND", "OR", "NOT", "LIKE", "ILIKE", "IN", "BETWEEN", "IS", "WHEN", "THEN", "ELSE", "XOR"}
RESERVED = WORD_OPERATORS | {"SELECT", "FROM", "WHERE", "CASE", "END", "NULL", "TRUE", "FALSE", "AS", "ON", "JOIN"}
_TOKEN = re.compile(
    r"""(?P<str>'(?:[^']|'')*'?)|(?P<ident>"(?:[^"]|"")*"?)|(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)"""
    r"""|(?P<word>[A-Za-z_][A-Za-z_0-9$]*)|(?P<op><>|!=|<=|>=|\|\||::|[-+*/%=<>!~^&|])"""
    r"""|(?P<open>\()|(?P<close>\))|(?P<comma>,)|(?P<space>\s+)|(?P<other>.)""",
    re.S,
)


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 200 else repr(text[:200]) + f" … ({len(text):,} characters)"


def bound_sql(text: str, where: str, what: str) -> None:
    """A rule's SQL within bounds before Polars parses it: its length, nesting and number of operators (a huge or
    deep expression takes minutes or overflows the stack), and LPAD/RPAD only to a literal length of at most
    MAX_PAD (a padded string can take all memory). Outside them: a ConfigError at file:line (exit 3)."""
    if len(text) > MAX_SQL_CHARS:
        raise ConfigError(
            f"{where}: {what} is {len(text):,} characters long; a rule's SQL expression may have at most "
            f"{MAX_SQL_CHARS:,}"
        )
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text) if m.lastgroup != "space"]
    depth = deepest = operators = 0
    for kind, value in tokens:
        if kind == "open":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "close":
            depth -= 1
        elif kind == "op" or (kind == "word" and value.upper() in WORD_OPERATORS):
            operators += 1
    if deepest > MAX_SQL_DEPTH:
        raise ConfigError(
            f"{where}: {what} nests parentheses {deepest} deep; a rule's SQL expression may nest at most "
            f"{MAX_SQL_DEPTH}: {_shown(text)}"
        )
    if operators > MAX_SQL_OPERATORS:
        raise ConfigError(
            f"{where}: {what} has {operators:,} operators; a rule's SQL expression may have at most "
            f"{MAX_SQL_OPERATORS}: {_shown(text)}",
            hint="split it into several rules, or use IN (...) for a list of values",
        )
    for i, (kind, value) in enumerate(tokens):
        if kind == "word" and value.upper() in PADDERS and i + 1 < len(tokens) and tokens[i + 1][0] == "open":
            length = _argument(tokens, i + 1, 1)
            if not (
                len(length) == 1 and length[0][0] == "num" and length[0][1].isdigit() and int(length[0][1]) <= MAX_PAD
            ):
                raise ConfigError(
                    f"{where}: {what}: {value.upper()}'s length must be a whole number of at most {MAX_PAD:,} "
                    f"written in the rule (not a column): {_shown(text)}"
                )


def _argument(tokens: list[tuple[str | None, str]], start: int, index: int) -> list[tuple[str | None, str]]:
    """The tokens of argument ``index`` of the call whose opening parenthesis is ``tokens[start]``."""
    depth, current, found = 0, 0, []
    for kind, value in tokens[start:]:
        if kind == "open":
            depth += 1
            if depth == 1:
                continue
        elif kind == "close":
            depth -= 1
            if depth == 0:
                break
        elif kind == "comma" and depth == 1:
            current += 1
            continue
        if current == index:
            found.append((kind, value))
    return found


def compile_sql(text: str, where: str, what: str) -> Sql:
    """Compile a rule's SQL expression with Polars' SQL parser, within bounds; a ConfigError names file and line."""
    bound_sql(text, where, what)
    try:
        expr = pl.sql_expr(text)
    except Exception as exc:  # polars raises SQLInterfaceError / SQLSyntaxError / others
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{where}: {what} is not a valid SQL expression: {_shown(text)} ({message})") from None
    columns = tuple(dict.fromkeys(expr.meta.root_names()))
    for name in columns:  # Polars reads a dangling keyword ("x >= AND") as a column named AND
        if name.upper() in RESERVED and f'"{name}"' not in text:
            raise ConfigError(
                f"{where}: {what} is not a valid SQL expression: {_shown(text)} ({name} is a keyword, not a value; "
                f'a column of that name is written "{name}")'
            )
    return Sql(text, expr, columns, where)


def check_columns(items: list[Sql], available: list[str], table: str) -> None:
    """Every column a rule names must exist in its table; the error names file, line and a close match."""
    known = set(available)
    for sql in items:
        for name in sql.columns:
            if name not in known:
                raise ConfigError(
                    f"{sql.where}: unknown column {name!r} in {sql.text!r}.{did_you_mean(name, sorted(known))}",
                    hint=f"{table} columns: {', '.join(available[:40])}",
                )


def check_types(items: list[Sql], schema: pl.Schema, want: Literal["condition", "number"]) -> None:
    """Evaluate each rule on an empty frame of the table's schema: a condition must give true/false, a value a
    number. A rule of the wrong type is a ConfigError at its line, not a failure halfway through the data."""
    empty = pl.DataFrame(schema=schema)
    for sql in items:
        try:
            dtype = empty.select(sql.expr.alias("__rule")).schema["__rule"]
        except Exception as exc:  # polars raises several error types for type mismatches
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"{sql.where}: {sql.text!r} cannot be evaluated on this table: {message}") from None
        if want == "condition" and dtype not in (pl.Boolean, pl.Null):
            raise ConfigError(f"{sql.where}: {sql.text!r} is not a condition (it gives {dtype}, not true/false)")
        if want == "number" and not (dtype.is_numeric() or dtype in (pl.Boolean, pl.Null)):
            raise ConfigError(f"{sql.where}: {sql.text!r} is not a number (it gives {dtype})")


def failing_rule(items: list[Sql], frame: pl.DataFrame) -> ConfigError | None:
    """After rules failed on the data (a strict CAST of a value that does not convert, an overflow): the first of
    ``items`` that fails alone on ``frame``, as a ConfigError at its file:line (exit 3); None when none does."""
    for sql in items:
        if not set(sql.columns) <= set(frame.columns):
            continue
        try:
            frame.select(sql.expr.alias("__rule"))
        except Exception as exc:  # polars raises several error types for values it cannot compute
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return ConfigError(
                f"{sql.where}: {_shown(sql.text)} fails on the data: {message}",
                hint="TRY_CAST(x AS type) gives null where a value does not convert",
            )
    return None


def _where(doc: YamlDoc, *loc: str | int) -> str:
    line = doc.line_of(loc)
    return f"{doc.path}:{line}" if line else doc.path


@dataclass
class Segments:
    path: str
    rules: list[SegmentRule]
    conditions: list[Sql]


def load_segments(path: str | Path | None) -> Segments:
    """segments.yaml: validated, compiled, and a final catch-all checked; no data read yet."""
    doc = load_yaml(path or config_path("segments.yaml"))
    parsed = validate(doc, SegmentsFile, what="segments file")
    names: set[str] = set()
    conditions = []
    for i, rule in enumerate(parsed.segments):
        if rule.name in names:
            raise ConfigError(f"{_where(doc, 'segments', i, 'name')}: segment {rule.name!r} is named twice")
        names.add(rule.name)
        conditions.append(compile_sql(rule.when, _where(doc, "segments", i, "when"), "when"))
    last = parsed.segments[-1]
    if last.when.strip().lower() != "true":
        raise ConfigError(
            f"{_where(doc, 'segments', len(parsed.segments) - 1, 'when')}: the last segment must be a catch-all "
            f"(when: true) so every customer gets a segment; {last.name!r} has when: {last.when!r}"
        )
    return Segments(doc.path, parsed.segments, conditions)


@dataclass
class CompiledMeasure:
    scorecard: str
    group: str
    measure: Measure
    value: Sql | None
    filter: Sql | None
    where: str


@dataclass
class Health:
    path: str
    rules: HealthFile
    applies_to: list[Sql]
    measures: list[CompiledMeasure]
    activity_value: Sql | None
    activity_filter: Sql | None
    notes: list[str]
    activity_where: str = ""  # file:line of activity:
    # measures (index into measures) whose input columns the exports lack, with the note that says which
    unmeasured: dict[int, str] = field(default_factory=dict)
    activity_unmeasured: str | None = None


def load_health(path: str | Path | None) -> Health:
    """health.yaml: validated and compiled; weights that do not sum to 1 are normalised (and said so)."""
    doc = load_yaml(path or config_path("health.yaml"))
    rules = validate(doc, HealthFile, what="health rules file")
    applies = []
    measures: list[CompiledMeasure] = []
    notes: list[str] = []
    seen: set[str] = set()
    for s, card in enumerate(rules.scorecards):
        if card.name in seen:
            raise ConfigError(f"{_where(doc, 'scorecards', s, 'name')}: scorecard {card.name!r} is named twice")
        seen.add(card.name)
        applies.append(compile_sql(card.applies_to, _where(doc, "scorecards", s, "applies_to"), "applies_to"))
        group_total = sum(g.weight for g in card.groups)
        if group_total <= 0:
            raise ConfigError(f"{_where(doc, 'scorecards', s, 'groups')}: the group weights of {card.name!r} sum to 0")
        if abs(group_total - 1) > 1e-9:
            notes.append(f"scorecard {card.name}: group weights sum to {group_total:g}; normalised to 1")
        names: set[str] = set()
        for g, group in enumerate(card.groups):
            total = sum(m.weight for m in group.measures)
            if total <= 0:
                raise ConfigError(
                    f"{_where(doc, 'scorecards', s, 'groups', g, 'measures')}: the measure weights of group "
                    f"{group.name!r} sum to 0"
                )
            if abs(total - 1) > 1e-9 and len(group.measures) > 1:
                notes.append(f"scorecard {card.name}, group {group.name}: measure weights sum to {total:g}; normalised")
            for i, measure in enumerate(group.measures):
                loc = ("scorecards", s, "groups", g, "measures", i)
                problem = measure.band_problem()
                if problem:
                    raise ConfigError(f"{_where(doc, *loc, 'bands')}: {problem}")
                if measure.name in names:
                    raise ConfigError(f"{_where(doc, *loc, 'name')}: measure {measure.name!r} twice in {card.name!r}")
                names.add(measure.name)
                value = (
                    None if measure.value is None else compile_sql(measure.value, _where(doc, *loc, "value"), "value")
                )
                flt = (
                    None
                    if measure.filter is None
                    else compile_sql(measure.filter, _where(doc, *loc, "filter"), "filter")
                )
                measures.append(CompiledMeasure(card.name, group.name, measure, value, flt, _where(doc, *loc)))
    act_value = act_filter = None
    if rules.activity is not None:
        if rules.activity.aggregate != "count" and rules.activity.value is None:
            raise ConfigError(f"{_where(doc, 'activity')}: activity needs value: unless aggregate is count")
        if rules.activity.value is not None:
            act_value = compile_sql(rules.activity.value, _where(doc, "activity", "value"), "value")
        if rules.activity.filter is not None:
            act_filter = compile_sql(rules.activity.filter, _where(doc, "activity", "filter"), "filter")
    activity_where = _where(doc, "activity") if rules.activity is not None else doc.path
    return Health(doc.path, rules, applies, measures, act_value, act_filter, notes, activity_where=activity_where)


def check_segments(segments: Segments, schema: pl.Schema) -> None:
    """Columns and types of every when: against the customer table (mrr and arr included when computed)."""
    check_columns(segments.conditions, list(schema), "customer table")
    check_types(segments.conditions, schema, "condition")


def absent_columns(items: list[Sql], available: list[str]) -> list[str]:
    """The columns ``items`` name that the table lacks, in order of first use."""
    known = set(available)
    return list(dict.fromkeys(n for sql in items for n in sql.columns if n not in known))


def _absent_note(what: str, where: str, source: str, absent: list[str], available: list[str]) -> str:
    names = " and ".join(repr(n) for n in absent)
    column = "column" if len(absent) == 1 else "columns"
    close = "".join(did_you_mean(n, available) for n in absent)
    return f"{what} ({where}) not measured: the {source} export has no {names} {column}.{close}".rstrip(".")


def check_health(health: Health, customers: pl.Schema, sources: dict[str, pl.Schema | None]) -> Health:
    """Columns and types of every rule against its table; rules over a source that was not given are skipped.
    A measure (or the activity) whose input columns the export lacks is not measured: the Health returned names
    it in ``unmeasured`` with a note naming the columns (and a close match, for a misspelt one), and the score is
    made of the other measures. The rule files are written for exports that may not have every column (the
    default rules count escalated tickets; Zendesk's export has no such column): a refusal of the whole run
    would be wrong, a default value for the measure too."""
    schemas: dict[str, pl.Schema | None] = {"customers": customers, **sources}
    check_columns(health.applies_to, list(customers), "customer table")
    check_types(health.applies_to, customers, "condition")
    unmeasured: dict[int, str] = {}
    rules: list[tuple[int | None, str, Sql | None, Sql | None]] = [
        (i, cm.measure.source, cm.value, cm.filter) for i, cm in enumerate(health.measures)
    ]
    if health.rules.activity is not None:
        rules.append((None, health.rules.activity.source, health.activity_value, health.activity_filter))
    activity_unmeasured = None
    for index, source, value, flt in rules:
        schema = schemas.get(source)
        if schema is None:
            continue
        used = [s for s in (value, flt) if s is not None]
        absent = absent_columns(used, list(schema))
        if absent:
            if index is None:
                where = health.activity_where
                what = "the activity of the health vs activity quadrant"
                activity_unmeasured = _absent_note(what, where, source, absent, list(schema))
            else:
                cm = health.measures[index]
                what = f"measure {cm.measure.name} of {cm.scorecard}"
                unmeasured[index] = _absent_note(what, cm.where, source, absent, list(schema))
            continue
        if value is not None:
            check_types([value], schema, "number")
        if flt is not None:
            check_types([flt], schema, "condition")
    return replace(health, unmeasured=unmeasured, activity_unmeasured=activity_unmeasured)


# --- personas ------------------------------------------------------------------------------------------------
class PersonaRule(Strict):
    name: str = Field(min_length=1)
    match: list[str] = Field(default_factory=list, description="patterns (regular expressions) on title and role")
    decides: bool = False
    success: dict[str, str] = Field(
        default_factory=dict, description="how this persona measures success, by segment ('default' for any)"
    )


class PersonasFile(Strict):
    default: str = Field("user", description="the persona of a contact no pattern matches")
    champion: str | None = Field("champion", description="the persona whose engagement a renewal needs")
    engaged_days: int = Field(90, gt=0, le=MAX_WINDOW_DAYS, description="last activity within this many days: engaged")
    personas: list[PersonaRule] = Field(min_length=1)


@dataclass
class Personas:
    path: str
    rules: PersonasFile
    patterns: dict[str, str]  # persona -> one combined, case-insensitive regular expression


def load_personas(path: str | Path | None) -> Personas:
    """personas.yaml: validated; patterns compiled (as Polars will run them) before any data is read."""
    import re
    import unicodedata

    doc = load_yaml(path or config_path("personas.yaml"))
    rules = validate(doc, PersonasFile, what="personas file")
    names = [p.name for p in rules.personas]
    for i, persona in enumerate(rules.personas):
        if names.count(persona.name) > 1:
            raise ConfigError(f"{_where(doc, 'personas', i, 'name')}: persona {persona.name!r} is named twice")
    for key in ("default", "champion"):
        value = getattr(rules, key)
        if value is not None and value not in names:
            raise ConfigError(
                f"{_where(doc, key)}: {key} persona {value!r} is not one of the personas.{did_you_mean(value, names)}"
            )
    patterns = {}
    for i, persona in enumerate(rules.personas):
        for j, pattern in enumerate(persona.match):
            try:
                re.compile(pattern)
                pl.select(pl.lit("x").str.contains(pattern))
            except Exception as exc:
                message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ConfigError(
                    f"{_where(doc, 'personas', i, 'match', j)}: {pattern!r} is not a valid pattern ({message})"
                ) from None
        if persona.match:  # accents and case stripped, as from the titles they are matched against
            plain = [unicodedata.normalize("NFKD", p) for p in persona.match]
            plain = ["".join(ch for ch in p if not unicodedata.combining(ch)).lower() for p in plain]
            patterns[persona.name] = "(?:" + "|".join(f"(?:{p})" for p in plain) + ")"
    return Personas(doc.path, rules, patterns)
