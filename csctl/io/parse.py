"""Typing and validating an export into a canonical table (DESIGN.md §3 "Reading rules").

A value that does not parse is never dropped or coerced silently: the read stops with the file, row, column,
value and what was expected, or with ``skip_bad_rows`` skips and counts those rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from csctl.errors import InputError
from csctl.io.columns import Mapping
from csctl.io.read import ROW, Raw, head_bytes, reopen_cp1252, scan_csv
from csctl.io.schema import Column, TableSpec

SAMPLE_ROWS = 2000
TRUE_WORDS = ("true", "t", "yes", "y", "1", "x")
FALSE_WORDS = ("false", "f", "no", "n", "0", "")
ISO_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")
DMY_FORMATS = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y")
MDY_FORMATS = ("%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y")
NAMED_FORMATS = (  # month names: no day/month ambiguity ("15-Jan-2024", "Jan 15, 2024", "15 January 2024")
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%d-%B-%Y",
    "%d/%b/%Y",
)
SLASHED = r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[\sT]|$)"
TIME_PART = r"(?:[\sT,]+)(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?\s*([AaPp]\.?[Mm]\.?)?"
EXCEL_EPOCH = (1899, 12, 30)  # day 0 of Excel's serial dates (1900 system, after its leap-year bug)
INTERVALS = {  # words billing systems use for a billing interval -> (unit, multiple)
    "day": ("day", 1),
    "days": ("day", 1),
    "daily": ("day", 1),
    "d": ("day", 1),
    "week": ("week", 1),
    "weeks": ("week", 1),
    "weekly": ("week", 1),
    "w": ("week", 1),
    "month": ("month", 1),
    "months": ("month", 1),
    "monthly": ("month", 1),
    "m": ("month", 1),
    "mo": ("month", 1),
    "quarter": ("month", 3),
    "quarters": ("month", 3),
    "quarterly": ("month", 3),
    "year": ("year", 1),
    "years": ("year", 1),
    "yearly": ("year", 1),
    "annual": ("year", 1),
    "annually": ("year", 1),
    "y": ("year", 1),
    "yr": ("year", 1),
}
MONEY_SHAPE = r"^\(?[-+]?(?:[A-Za-z]{3} ?)?[$€£¥]?\s?[-+]?\d[\d,.' ]*(?: ?[A-Za-z]{3})?\)?$"


@dataclass
class ReadOptions:
    preset: str | None = None
    date_order: str | None = None  # ymd, dmy, mdy
    decimal_comma: bool | None = None  # None: detect from the values
    skip_bad_rows: bool = False
    base_currency: str = "USD"
    fx: dict[str, float] = field(default_factory=dict)
    minor_units: bool = False  # money in cents (scaled by 0.01) whatever the column's name
    overrides: dict[str, str] = field(default_factory=dict)  # --map: export column -> canonical column
    header_row: int | None = None  # the header's line (from 1); None: detected below any title rows


@dataclass
class Canonical:
    frame: pl.DataFrame
    mapping: Mapping
    label: str
    notes: list[str]
    skipped: int = 0
    facts: dict[str, Any] = field(default_factory=dict)  # how the file was read (csctl inspect, -v, JSON inputs)


def _bad_value_error(label: str, row: int, source: str, canonical: str, value: object, expected: str) -> InputError:
    column = f"column '{source}'" if source == canonical else f"column '{source}' ({canonical})"
    return InputError(f"{label}: row {row}, {column}: cannot read {str(value)!r} as {expected}")


# --- value parsers: each returns (parsed expression, description of what was expected) -------------------------
def _money_expr(src: pl.Expr, decimal_comma: bool, clean: bool) -> pl.Expr:
    if not clean:
        return src.cast(pl.Float64, strict=False)
    s = src.str.strip_chars()
    shaped = s.str.contains(MONEY_SHAPE)
    negative = (s.str.starts_with("(") & s.str.ends_with(")")) | s.str.contains("-", literal=True)
    digits = s.str.replace_all(r"[^\d,.]", "")
    if decimal_comma:
        digits = digits.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    else:
        digits = digits.str.replace_all(",", "", literal=True)
    value = digits.cast(pl.Float64, strict=False)
    return pl.when(shaped).then(pl.when(negative).then(-value).otherwise(value)).otherwise(None)


def _is_plain_number(values: pl.Series) -> bool:
    return bool(values.drop_nulls().cast(pl.Float64, strict=False).null_count() == 0)


def _detect_decimal_comma(values: pl.Series) -> bool:
    """Decimal comma when some value ends in ',d' or ',dd' (thousands separators are followed by 3 digits)."""
    text = values.drop_nulls().cast(pl.String)
    return bool(text.str.contains(r",\d{1,2}\)?$").any()) and not bool(text.str.contains(r"\.\d{1,2}\)?$").any())


def _date_text(src: pl.Expr) -> pl.Expr:
    """The date part of a date or date-time text: a trailing time ("10:32 AM", "T10:00:00Z") left out."""
    return src.str.strip_chars().str.replace(r"(?:[\sT,]+)\d{1,2}:\d{2}.*$", "")


def _date_expr(src: pl.Expr, fmt: str) -> pl.Expr:
    if fmt == "epoch_s":
        return pl.from_epoch(src.cast(pl.Int64, strict=False), time_unit="s").dt.date()
    if fmt == "epoch_ms":
        return pl.from_epoch(src.cast(pl.Int64, strict=False), time_unit="ms").dt.date()
    if fmt == "excel":
        import datetime as dt

        days = src.cast(pl.Float64, strict=False).floor().cast(pl.Int64)
        return pl.lit(dt.date(*EXCEL_EPOCH)) + pl.duration(days=days)
    if fmt == "%Y-%m-%d":  # ISO dates and timestamps ("2024-01-15 10:00:00", "2024-01-15T10:00:00Z")
        return src.str.slice(0, 10).str.to_date(fmt, strict=False)
    if fmt == "%Y%m%d":
        return src.str.to_date(fmt, strict=False)
    return _date_text(src).str.to_date(fmt, strict=False)


def _parses(values: pl.Series, fmt: str) -> bool:
    present = values.drop_nulls()
    if present.len() == 0:
        return True
    return bool(present.to_frame("v").select(_date_expr(pl.col("v"), fmt)).to_series().null_count() == 0)


def _is_excel_serial(values: pl.Series) -> bool:
    """Whole day numbers of Excel's calendar between 1954 and 2119 (a date cell saved as its number)."""
    if not values.str.contains(r"^\d{5}(?:\.\d+)?$").all():
        return False
    numbers = values.cast(pl.Float64, strict=False)
    return bool(numbers.min() >= 20000 and numbers.max() <= 80000)  # type: ignore[operator]


def _choose_date_format(values: pl.Series, order: str | None, whole: pl.LazyFrame, source: str) -> str | None:
    """Pick the date format that reads every sampled value; None when none does (errors name the rows)."""
    present = values.drop_nulls().str.strip_chars()
    present = present.filter(present != "")
    if present.len() == 0:
        return "%Y-%m-%d"
    if present.str.contains(r"^\d{13}$").all():
        return "epoch_ms"
    if present.str.contains(r"^\d{9,10}$").all():
        return "epoch_s"
    if _is_excel_serial(present):
        return "excel"
    for fmt in ISO_FORMATS:
        if _parses(present, fmt):
            return fmt
    for fmt in NAMED_FORMATS:
        if _parses(present, fmt):
            return fmt
    if order == "dmy":
        return next((f for f in DMY_FORMATS if _parses(present, f)), None)
    if order == "mdy":
        return next((f for f in MDY_FORMATS if _parses(present, f)), None)
    dmy = [f for f in DMY_FORMATS if _parses(present, f)]
    mdy = [f for f in MDY_FORMATS if _parses(present, f)]
    if dmy and not mdy:
        return dmy[0]
    if mdy and not dmy:
        return mdy[0]
    if dmy and mdy:  # every sampled day is ≤ 12: look at the whole column before deciding
        column = whole.select(pl.col(source)).collect().to_series().cast(pl.String)
        d_ok = [f for f in dmy if _parses(column, f)]
        m_ok = [f for f in mdy if _parses(column, f)]
        if d_ok and not m_ok:
            return d_ok[0]
        if m_ok and not d_ok:
            return m_ok[0]
        raise InputError(
            f"column '{source}': dates like {present[0]!r} could be day/month or month/day, and no date column of "
            "the file tells",
            hint="pass --date-order dmy or --date-order mdy (or set read.date_order in csctl.yaml)",
        )
    return None


def _order_evidence(values: pl.Series) -> set[str]:
    """Which slashed-date orders a column's values prove: 'dmy' when a first number is above 12, 'mdy' when a
    second one is."""
    parts = values.drop_nulls().cast(pl.String).str.extract_groups(SLASHED)
    first = parts.struct.field("1").cast(pl.Int32, strict=False)
    second = parts.struct.field("2").cast(pl.Int32, strict=False)
    found = set()
    if bool((first > 12).any()):
        found.add("dmy")
    if bool((second > 12).any()):
        found.add("mdy")
    return found


def file_date_order(
    raw: Raw, sources: list[str], label: str, head: pl.DataFrame | None = None
) -> tuple[str | None, str | None]:
    """The order of slashed dates decided once per file, from every column that holds them: (order, the column
    that proves it). Two columns proving different orders stop the read. ``head``: the file's first rows (_sample)."""
    text = [c for c in raw.columns if c in sources or raw.text]
    if not text:
        return None, None
    head = _sample(raw) if head is None else head
    sample = head.select([pl.col(c).cast(pl.String) for c in text])
    slashed = [c for c in text if bool(sample[c].drop_nulls().str.contains(SLASHED).any())]
    proofs: dict[str, str] = {}
    for column in slashed:
        for order in _order_evidence(sample[column]):
            proofs.setdefault(order, column)
    wanted = [c for c in slashed if c in sources]
    if not proofs and wanted:  # the sample does not tell: the whole of the mapped date columns
        whole = _collect(raw, raw.frame.select([pl.col(c).cast(pl.String) for c in wanted]))
        for column in wanted:
            for order in _order_evidence(whole[column]):
                proofs.setdefault(order, column)
    if len(proofs) > 1:
        raise InputError(
            f"{label}: column '{proofs['dmy']}' has day/month dates and column '{proofs['mdy']}' month/day dates",
            hint="check the export; --date-order dmy or mdy reads every column one way",
        )
    if proofs:
        order, column = next(iter(proofs.items()))
        return order, column
    return None, None


def _number_extras(frame: pl.DataFrame, extras: list[str]) -> pl.DataFrame:
    """Extra CSV columns whose every value is a plain number become numbers (rules compare them as such):
    whole numbers as integers (10 stays 10), others as decimals. Values with a leading zero (codes like 01234)
    keep the column as text.
    """
    text = [c for c in extras if frame.schema.get(c) == pl.String]
    if not text:
        return frame

    def plain(c: str) -> pl.Expr:  # every value a finite number ('NaN' and 'inf' keep the column as text)
        number = pl.col(c).cast(pl.Float64, strict=False)
        return (number.null_count() == pl.col(c).null_count()) & number.is_finite().fill_null(True).all()

    probe = frame.select(*[plain(c).alias(c) for c in text]).row(0)
    numeric = [c for c, ok in zip(text, probe, strict=True) if ok and frame[c].null_count() < frame.height]
    if not numeric:
        return frame
    zeros = frame.select(*[pl.col(c).str.contains(r"^-?0\d").any().alias(c) for c in numeric]).row(0)
    numeric = [c for c, lead in zip(numeric, zeros, strict=True) if not lead]
    if not numeric:
        return frame
    # whole numbers that fit an integer (at most 18 digits) as integers; longer ones as decimals
    whole = frame.select(*[pl.col(c).str.contains(r"^\s*-?\d{1,18}\s*$").all().alias(c) for c in numeric]).row(0)
    return frame.with_columns(
        pl.col(c).str.strip_chars().cast(pl.Int64 if is_whole else pl.Float64)
        for c, is_whole in zip(numeric, whole, strict=True)
    )


@dataclass
class _Plan:
    column: Column
    source: str | None
    scale: float
    expr: pl.Expr
    expected: str
    check: bool  # whether a null result from a non-null value is a bad value
    native: pl.DataType | None = None  # the CSV reader can parse this column itself (plain numbers, ISO dates)
    parsing: str = ""  # how the values were read, for csctl inspect


def _plan_column(
    column: Column,
    source: str | None,
    scale: float,
    raw: Raw,
    schema: pl.Schema,
    sample: pl.DataFrame,
    opts: ReadOptions,
    notes: list[str],
    clean: bool,
) -> _Plan:
    name = column.name
    if source is None:
        empty: dict[str, pl.DataType] = {
            "money": pl.Float64(),
            "number": pl.Float64(),
            "integer": pl.Float64(),
            "date": pl.Date(),
            "month": pl.Date(),
            "datetime": pl.Datetime("us"),
            "bool": pl.Boolean(),
        }
        return _Plan(column, None, 1.0, pl.lit(None, empty.get(column.type, pl.String())).alias(name), "", False)
    src = pl.col(source)
    dtype = schema[source]
    text = dtype == pl.String
    if column.type in ("money", "number", "integer"):
        if dtype.is_numeric() or dtype == pl.Boolean:
            expr = src.cast(pl.Float64)
        else:
            values = sample[source].cast(pl.String) if source in sample.columns else pl.Series([], dtype=pl.String)
            decimal_comma = opts.decimal_comma
            if decimal_comma is None and column.type == "money":
                decimal_comma = _detect_decimal_comma(values)
                if decimal_comma:
                    notes.append(f"{raw.source.label}: column '{source}' read with a decimal comma (1.234,56)")
            plain = not decimal_comma and not clean and _is_plain_number(values)
            expr = _money_expr(src.cast(pl.String), bool(decimal_comma), clean=not plain)
        native = (
            pl.Float64()
            if text and not clean and expr.meta.eq(src.cast(pl.String).cast(pl.Float64, strict=False))
            else None
        )
        if scale != 1.0:
            expr = expr * scale
        expected = "an amount (e.g. 1200.00, $1,200.00, (12.00))" if column.type == "money" else "a number"
        if dtype.is_numeric() or dtype == pl.Boolean:
            parsing = "number cells"
        else:
            parsing = "decimal comma" if decimal_comma else ("plain numbers" if plain else "amounts ($1,200.00)")
        if scale != 1.0:
            parsing += f" × {scale:g}"
        return _Plan(column, source, scale, expr.alias(name), expected, True, native, parsing)
    if column.type == "datetime":
        return _plan_datetime(column, source, src, dtype, sample, raw, opts)
    if column.type == "bool":
        if dtype == pl.Boolean:
            return _Plan(column, source, 1.0, src.alias(name), "", False)
        lowered = src.cast(pl.String).str.strip_chars().str.to_lowercase()
        expr = pl.when(lowered.is_in(TRUE_WORDS)).then(True).when(lowered.is_in(FALSE_WORDS)).then(False)
        return _Plan(column, source, 1.0, expr.alias(name), "true or false (yes/no, 1/0)", True)
    if column.type == "month":  # YYYY-MM, or any date (its month counts)
        if dtype == pl.Date:
            return _Plan(column, source, 1.0, src.alias(name), "", False)
        if isinstance(dtype, pl.Datetime):
            return _Plan(column, source, 1.0, src.dt.date().alias(name), "", False)
        text_value = src.cast(pl.String).str.strip_chars()
        expr = pl.coalesce(
            pl.when(text_value.str.contains(r"^\d{4}-\d{1,2}$")).then(
                (text_value + "-01").str.to_date("%Y-%m-%d", strict=False)
            ),
            text_value.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
        )
        return _Plan(column, source, 1.0, expr.alias(name), "a month (YYYY-MM) or a date (YYYY-MM-DD)", True)
    if column.type == "date":
        if dtype == pl.Date:
            return _Plan(column, source, 1.0, src.alias(name), "", False)
        if isinstance(dtype, pl.Datetime):
            return _Plan(column, source, 1.0, src.dt.date().alias(name), "", False)
        values = sample[source].cast(pl.String) if source in sample.columns else pl.Series([], dtype=pl.String)
        fmt = _choose_date_format(values, opts.date_order, raw.frame, source)
        fmt = fmt or "%Y-%m-%d"
        shown = _shown(fmt)
        expected = f"a date ({shown}{'; see --date-order' if fmt == '%Y-%m-%d' else ''})"
        iso = fmt == "%Y-%m-%d" and bool(values.drop_nulls().str.len_chars().eq(10).all())
        native_date = pl.Date() if iso else None
        expr = _date_expr(src.cast(pl.String), fmt).alias(name)
        return _Plan(column, source, 1.0, expr, expected, True, native_date, f"dates {shown}")
    # id and text
    if text:  # a required id is trimmed after the read, when one of its distinct values needs it (_missing_ids)
        expr = src.str.strip_chars() if column.type == "id" and not column.required else src
    elif dtype.is_float():
        expr = pl.when(src == src.round(0)).then(src.cast(pl.Int64).cast(pl.String)).otherwise(src.cast(pl.String))
    else:
        expr = src.cast(pl.String)
    return _Plan(column, source, 1.0, expr.alias(name), "", False)


def _shown(fmt: str) -> str:
    return {"epoch_s": "Unix seconds", "epoch_ms": "Unix milliseconds", "excel": "Excel serial numbers"}.get(fmt, fmt)


def _plan_datetime(
    column: Column,
    source: str,
    src: pl.Expr,
    dtype: pl.DataType,
    sample: pl.DataFrame,
    raw: Raw | None = None,
    opts: ReadOptions | None = None,
) -> _Plan:
    """Timestamps: ISO date-times (a T or a space; seconds; fractions and zones ignored) or plain dates; else any
    date format csctl reads with an optional time ("1/15/2024 10:32 AM", "15-Jan-2024 14:05")."""
    name = column.name
    if isinstance(dtype, pl.Datetime):
        return _Plan(column, source, 1.0, src.dt.replace_time_zone(None).cast(pl.Datetime("us")).alias(name), "", False)
    if dtype == pl.Date:
        return _Plan(column, source, 1.0, src.cast(pl.Datetime("us")).alias(name), "", False)
    if raw is not None and opts is not None and source in sample.columns:
        values = sample[source].cast(pl.String).drop_nulls().str.strip_chars()
        values = values.filter(values != "")
        iso = values.str.contains(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}|$)").all() if values.len() else True
        if not iso:
            dates = values.to_frame("v").select(_date_text(pl.col("v"))).to_series()
            fmt = _choose_date_format(dates, opts.date_order, raw.frame.select(_date_text(src).alias(source)), source)
            if fmt is not None:
                return _plan_stamp(column, source, src, fmt)
    text = src.cast(pl.String).str.strip_chars()
    values = sample[source].cast(pl.String).drop_nulls() if source in sample.columns else pl.Series([], dtype=pl.String)
    if values.len() and bool(values.str.len_chars().eq(10).all()):
        expr = text.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us"))
        return _Plan(column, source, 1.0, expr.alias(name), "a date (YYYY-MM-DD)", True)
    stamp = text.str.replace("T", " ", literal=True)
    expr = pl.coalesce(
        stamp.str.slice(0, 19).str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us"),
        stamp.str.slice(0, 16).str.to_datetime("%Y-%m-%d %H:%M", strict=False, time_unit="us"),
        stamp.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
    )
    return _Plan(
        column, source, 1.0, expr.alias(name), "a timestamp (YYYY-MM-DD HH:MM:SS)", True, None, "ISO timestamps"
    )


def _plan_stamp(column: Column, source: str, src: pl.Expr, fmt: str) -> _Plan:
    """A date in ``fmt`` and an optional time of day (24-hour, or 12-hour with AM/PM)."""
    text = src.cast(pl.String).str.strip_chars()
    day = _date_expr(text, fmt)
    time = text.str.extract_groups(TIME_PART + r"\s*$")
    hour = time.struct.field("1").cast(pl.Int64, strict=False)
    minute = time.struct.field("2").cast(pl.Int64, strict=False).fill_null(0)
    second = time.struct.field("3").cast(pl.Int64, strict=False).fill_null(0)
    half = time.struct.field("4").str.to_lowercase().str.replace_all(".", "", literal=True)
    hour = (
        pl.when(half == "pm")
        .then(pl.when(hour < 12).then(hour + 12).otherwise(hour))
        .when(half == "am")
        .then(pl.when(hour == 12).then(0).otherwise(hour))
        .otherwise(hour)
        .fill_null(0)
    )
    valid = hour.is_between(0, 23) & minute.is_between(0, 59) & second.is_between(0, 59)
    stamp = day.cast(pl.Datetime("us")) + pl.duration(hours=hour, minutes=minute, seconds=second)
    expr = pl.when(valid).then(stamp).otherwise(None)
    shown = _shown(fmt)
    return _Plan(
        column,
        source,
        1.0,
        expr.alias(column.name),
        f"a date-time ({shown}, optional time)",
        True,
        None,
        shown + " + time",
    )


def replace_native(plan: _Plan, native: pl.DataType | None) -> _Plan:
    return replace(plan, native=native)


def _apply_vocabulary(raw: Raw, spec: TableSpec, mapping: Mapping) -> tuple[Raw, dict[str, str], list[pl.Expr]]:
    """A preset's words for values (Zendesk's satisfaction "Good"/"Bad"/"Offered") replaced by what csctl reads
    (5, 1, empty) before typing; words it does not list are typed as they are (and an error names them)."""
    words: dict[str, str] = {}
    exprs = []
    for canonical, vocabulary in mapping.values.items():
        m = mapping.columns.get(canonical)
        if m is None or not vocabulary:
            continue
        lowered = {k.strip().lower(): v for k, v in vocabulary.items()}
        key = pl.col(m.source).cast(pl.String).str.strip_chars().str.to_lowercase()
        expr: Any = pl.col(m.source).cast(pl.String)
        for word, value in lowered.items():
            expr = pl.when(key == word).then(pl.lit(None if value is None else _word(value), pl.String)).otherwise(expr)
        exprs.append(expr.alias(m.source))
        words[m.source] = ", ".join(f"{k}={'empty' if v is None else _word(v)}" for k, v in vocabulary.items())
    if not exprs:
        return raw, words, exprs
    return replace(raw, frame=raw.frame.with_columns(exprs)), words, exprs


def _closed(plans: list[_Plan], mapping: Mapping) -> list[_Plan]:
    """A preset's closed vocabulary (``closed:``, e.g. Intercom's conversation states): a word it does not list is a
    bad value, named with the words it knows (exit 3, or skipped and counted with --skip-bad-rows), not text."""
    out = []
    for p in plans:
        vocabulary = mapping.values.get(p.column.name, {})
        if p.source is None or p.column.name not in mapping.closed or p.column.type not in ("id", "text"):
            out.append(p)
            continue
        known = sorted({_word(v) for v in vocabulary.values() if v is not None})
        value = pl.col(p.source).cast(pl.String).str.strip_chars()
        words = ", ".join(dict.fromkeys(k.strip().lower() for k in vocabulary))
        expected = f"a {p.column.name} the {mapping.preset} preset knows ({words})"
        expr = pl.when(value.is_in(known)).then(value).alias(p.column.name)
        out.append(replace(p, expr=expr, expected=expected, check=True, native=None, parsing="words listed only"))
    return out


def _word(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _normalise_interval(frame: pl.DataFrame, label: str) -> pl.DataFrame:
    """A billing interval as day, week, month or year, and interval_count a whole number (default 1):
    "months" -> month, "quarterly" -> month × 3, "3 months" -> month × 3."""
    if "interval" not in frame.columns:
        if "interval_count" in frame.columns:
            return frame.with_columns(pl.col("interval_count").cast(pl.Float64).round(0).cast(pl.Int64))
        return frame
    text = pl.col("interval").cast(pl.String).str.strip_chars().str.to_lowercase()
    parts = text.str.extract_groups(r"^(?:every\s+)?(\d+)?\s*-?\s*([a-z]+)$")
    unit = parts.struct.field("2").replace_strict(
        {k: v[0] for k, v in INTERVALS.items()}, default=None, return_dtype=pl.String
    )
    multiple = parts.struct.field("2").replace_strict(
        {k: v[1] for k, v in INTERVALS.items()}, default=None, return_dtype=pl.Int64
    ) * parts.struct.field("1").cast(pl.Int64, strict=False).fill_null(1)
    count = (
        pl.col("interval_count").cast(pl.Float64).round(0).cast(pl.Int64)
        if "interval_count" in frame.columns
        else pl.lit(None, pl.Int64)
    )
    checked = frame.with_columns(__unit=unit, __multiple=multiple)
    bad = checked.filter(pl.col("interval").is_not_null() & (text != "") & pl.col("__unit").is_null())
    if bad.height:
        row = bad.row(0, named=True)
        where = f"row {row[ROW]}, " if ROW in row else ""
        raise InputError(
            f"{label}: {where}column interval: cannot read {row['interval']!r} as a billing interval "
            "(day, week, month, year; e.g. 'months', 'yearly', '3 months')"
        )
    return checked.with_columns(
        interval=pl.col("__unit"),
        interval_count=pl.when(pl.col("__unit").is_not_null())
        .then(count.fill_null(1) * pl.col("__multiple"))
        .otherwise(count),
    ).drop("__unit", "__multiple")


class NotUtf8(Exception):
    """The CSV is not UTF-8 past the bytes its encoding was detected from."""


def to_canonical(
    raw: Raw,
    spec: TableSpec,
    mapping: Mapping,
    opts: ReadOptions,
    only: tuple[str, ...] | None = None,
    compact: tuple[str, ...] = (),
) -> Canonical:
    """Type and validate; a file that turns out not to be UTF-8 after its first bytes is read again as cp1252.

    ``compact``: text columns kept as Categorical (a code per row and each distinct value once), for a large export
    whose text repeats (ids, products, plans, statuses): about a third of the memory of the same table as text."""
    try:
        return _to_canonical(raw, spec, mapping, opts, only, compact)
    except NotUtf8:
        if raw.format != "csv" or not raw.text:
            raise InputError(f"{raw.source.label}: invalid UTF-8") from None
        return _to_canonical(reopen_cp1252(raw), spec, mapping, opts, only, compact)


def _to_canonical(
    raw: Raw,
    spec: TableSpec,
    mapping: Mapping,
    opts: ReadOptions,
    only: tuple[str, ...] | None = None,
    compact: tuple[str, ...] = (),
) -> Canonical:
    """Type and validate the mapped columns; extra columns pass through untouched.

    ``only``: read just these canonical columns (plus the required ones) and no extras: a command that needs
    a few columns of a wide export parses only those.
    """
    notes = list(raw.notes)
    schema = raw.frame.collect_schema()
    used = {m.source for m in mapping.columns.values()}
    extras = [c for c in raw.columns if c not in used and c not in {col.name for col in spec.columns}]
    if only is not None:
        keep = set(only) | set(spec.required)
        spec = TableSpec(spec.name, tuple(c for c in spec.columns if c.name in keep), spec.one_of)
        mapping = Mapping(
            mapping.table,
            {k: v for k, v in mapping.columns.items() if k in keep},
            mapping.missing,
            mapping.preset,
            mapping.values,
            closed=mapping.closed,
        )
        extras = []
    sources = [m.source for m in mapping.columns.values()]
    raw, words, vocabulary = _apply_vocabulary(raw, spec, mapping)
    head = _sample(raw, vocabulary)
    sample = head.select(sources)
    if sample.height == 0:
        raise InputError(f"{raw.source.label}: has a header but no data rows")
    date_sources = [m.source for m in mapping.columns.values() if spec.column(m.canonical).type in ("date", "datetime")]
    order, proof = opts.date_order, None
    if order is None and date_sources:
        order, proof = file_date_order(raw, date_sources, raw.source.label, head)
        if order is not None:
            from dataclasses import replace as _replace

            opts = _replace(opts, date_order=order)

    def plans(clean: bool) -> list[_Plan]:
        out = []
        for column in spec.columns:
            m = mapping.columns.get(column.name)
            if m is None and only is None:
                continue  # an optional column the export lacks: absent, not a column of nulls
            out.append(
                _plan_column(
                    column,
                    m.source if m else None,
                    m.scale if m else 1.0,
                    raw,
                    schema,
                    sample,
                    opts,
                    notes,
                    clean,
                )
            )
        return out

    current = _closed(plans(clean=False), mapping)
    current = [replace_native(p, None) if p.source in words else p for p in current]
    compact = tuple(p.column.name for p in current if p.column.name in compact and p.column.type in ("id", "text"))
    fast = None if words else _evaluate_fast(raw, current, extras, spec, compact)  # it reads the file again
    frame, bad = fast if fast is not None else _evaluate(raw, current, extras, spec, compact)
    if bad.height and any(p.check and p.column.type in ("money", "number") for p in current):
        current = _closed(plans(clean=True), mapping)  # a value the sample did not show ("$1,200.00" after 12.00)
        frame, bad = _evaluate(raw, current, extras, spec, compact)
    frame = _no_end_notes(frame, raw.source.label, notes)
    if "__short" in frame.columns:  # a short row reads as empty trailing values: say ragged, not "empty" or "bad"
        if frame.get_column("__short").any():
            _check_ragged(raw)
        frame = frame.drop("__short")
        bad = bad.drop("__short", strict=False)
    skipped = 0
    if bad.height:
        if not opts.skip_bad_rows:
            raise _describe(raw, bad.row(0, named=True), current, spec, bad.height)
        skipped = bad.height
        frame = frame.join(bad.select(ROW), on=ROW, how="anti")
        first = _describe(raw, bad.row(0, named=True), current, spec, bad.height)
        notes.append(
            f"skipped {skipped:,} bad row{'s' if skipped != 1 else ''} (--skip-bad-rows); first: {first.message}"
        )
        if frame.height == 0:
            raise InputError(f"{raw.source.label}: every row is bad; nothing left to read")
    if raw.format == "csv":
        frame = _number_extras(frame, extras)
    frame = _normalise_interval(frame, raw.source.label)
    frame = _convert_currency(frame, raw.source.label, opts, notes)
    _duplicate_notes(frame, spec, raw.source.label, notes)
    _refuse_repeated_keys(frame, spec, raw.source.label)
    facts = {
        **raw.facts(),
        "unmapped": mapping.unmapped(raw.columns),
        "date_order": order,
        "date_order_from": proof,
        "decimal_comma": any(p.parsing.startswith("decimal comma") for p in current),
        "columns": [
            {
                "source": p.source,
                "canonical": p.column.name,
                "scale": p.scale,
                "via": mapping.columns[p.column.name].via,
                "parsing": ("values " + words[p.source] + "; " if p.source in words else "") + (p.parsing or "text"),
            }
            for p in current
            if p.source is not None and p.column.name in mapping.columns
        ],
    }
    return Canonical(frame, mapping, raw.source.label, notes, skipped, facts)


def _sample(raw: Raw, vocabulary: list[pl.Expr] | None = None) -> pl.DataFrame:
    """The first SAMPLE_ROWS rows, every column (formats and orders are chosen from them). A CSV's are parsed from
    its first lines (head_bytes), not from the whole file; when those do not give the rows, from the file."""
    if raw.format == "csv" and raw.target is not None and raw.separator is not None:
        prefix = head_bytes(raw.target, SAMPLE_ROWS + 2)
        if prefix is not None:
            names = raw.frame.collect_schema().names()
            try:
                head = (
                    scan_csv(prefix, raw.separator, first_row=raw.first_row)
                    .with_columns(vocabulary or [])
                    .head(SAMPLE_ROWS + 1)
                    .collect()
                )
            except pl.exceptions.PolarsError:
                head = None  # a ragged or undecodable line: the whole file's read names it
            if head is not None and head.height > SAMPLE_ROWS and head.columns == names:
                return head.head(SAMPLE_ROWS)
    return _collect(raw, raw.frame.head(SAMPLE_ROWS))


def _collect(raw: Raw, frame: pl.LazyFrame) -> pl.DataFrame:
    try:
        return frame.collect()
    except pl.exceptions.ComputeError as exc:
        message = str(exc)
        if "more fields" in message or "ragged" in message:
            row = _ragged_row(raw)
            where = f"row {row[0]} has {row[1]} fields" if row else "a row has more fields than the header"
            raise InputError(f"{raw.source.label}: {where}; the header has {len(raw.columns)} (ragged rows)") from None
        if "utf-8" in message.lower() or "utf8" in message.lower():
            raise NotUtf8(raw.source.label) from None
        raise InputError(f"{raw.source.label}: cannot read: {message.strip().splitlines()[0]}") from None


def _evaluate_fast(
    raw: Raw, plans: list[_Plan], extras: list[str], spec: TableSpec, compact: tuple[str, ...] = ()
) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """Let the CSV reader parse plain numbers and ISO dates itself (the common case, and the fast one).

    Any value it cannot parse makes the read fail, and the caller falls back to the text path, which names
    the row, column and value.
    """
    native = {p.source: p.native for p in plans if p.native is not None and p.source is not None}
    if raw.format != "csv" or not native or raw.target is None or raw.separator is None:
        return None
    typed = replace(raw, frame=scan_csv(raw.target, raw.separator, native, first_row=raw.first_row))
    fast = [
        replace(p, expr=(pl.col(p.source) * p.scale if p.scale != 1.0 else pl.col(p.source)).alias(p.column.name))
        if p.native is not None and p.source is not None
        else p
        for p in plans
    ]
    try:
        return _evaluate(typed, fast, extras, spec, compact)
    except (pl.exceptions.ComputeError, pl.exceptions.InvalidOperationError, InputError):
        return None


# Sane ranges (issue 16): a number is finite and below 1e15 in size; a date's year is in 1900-2200. In an end-date
# column a far-future date (9999-12-31, 2999-12-31: the "no end" conventions) means ongoing: read as empty.
MAX_NUMBER = 1e15
YEARS = (1900, 2200)
NO_END = {"billing": "period_end", "subscriptions": "end_date"}
RANGE_NOTE = {
    "money": f"; finite and below {MAX_NUMBER:.0e} in size",
    "number": f"; finite and below {MAX_NUMBER:.0e} in size",
    "integer": f"; finite and below {MAX_NUMBER:.0e} in size",
    "date": f"; years {YEARS[0]}-{YEARS[1]}",
    "month": f"; years {YEARS[0]}-{YEARS[1]}",
    "datetime": f"; years {YEARS[0]}-{YEARS[1]}",
}


def _guarded(p: _Plan, spec: TableSpec) -> tuple[pl.Expr, pl.Expr | None]:
    """The plan's value within its sane range (else null: a bad value), and for an end-date column the flag of a
    far-future date read as empty (ongoing). Dates are compared with the range's first and last days (no year is
    computed per row)."""
    name, kind = p.column.name, p.column.type
    if p.source is None:
        return p.expr, None
    value = p.expr
    if kind in ("money", "number", "integer"):
        return pl.when(value.is_finite() & (value.abs() < MAX_NUMBER)).then(value).alias(name), None
    if kind in ("date", "month", "datetime"):
        import datetime as dt

        first: dt.date = dt.date(YEARS[0], 1, 1)
        after: dt.date = dt.date(YEARS[1] + 1, 1, 1)
        if kind == "datetime":
            first, after = dt.datetime(YEARS[0], 1, 1), dt.datetime(YEARS[1] + 1, 1, 1)
        inside = pl.when((value >= first) & (value < after)).then(value).alias(name)
        if NO_END.get(spec.name) == name:
            future = value >= after
            return pl.when(future).then(None).otherwise(inside).alias(name), future.fill_null(False)
        return inside, None
    return value, None


def _evaluate(
    raw: Raw, plans: list[_Plan], extras: list[str], spec: TableSpec, compact: tuple[str, ...] = ()
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Collect the typed table in one pass over the file, with one flag (a bit per row) per check. The flags are
    summed; only when one is set are the bad rows picked out (their rows, for _describe to name).

    A CSV's every column is read, unneeded ones only into the field-size check: then the CSV reader refuses a row
    with more fields than the header (it does not when it reads some columns only). The flag ``__short`` marks
    rows whose last field is empty (a short row reads so; _to_canonical checks for ragged rows).
    """
    schema = raw.frame.collect_schema()
    flags = []  # of the export's values, beside the typed ones
    values = []
    checks = []  # of the typed values, by their names
    for p in plans:
        value, no_end = _guarded(p, spec)
        values.append(value)
        if p.source is None:
            continue
        name = p.column.name
        if p.check or p.column.type in RANGE_NOTE:
            src = pl.col(p.source)
            given = src.is_not_null()
            if schema.get(p.source) == pl.String:  # a quoted empty value ("") is no value, as an empty one
                given = given & (src.str.strip_chars() != "")
            flags.append(given.alias(f"__given_{name}"))
            unread = pl.col(f"__given_{name}") & pl.col(name).is_null()  # a native value is tested for range only
            if no_end is not None:
                flags.append(no_end.alias(f"__noend_{name}"))
                unread = unread & ~pl.col(f"__noend_{name}")
            checks.append(unread.alias(f"__bad_{name}"))
        if p.column.required:
            textual = not p.check and p.column.type in ("id", "text")
            missing = pl.col(name).is_null() | (pl.col(name) == "") if textual else pl.col(name).is_null()
            checks.append(missing.alias(f"__missing_{name}"))
    read = dict.fromkeys(
        [*(p.source for p in plans if p.source is not None), *extras, *(raw.columns if raw.format == "csv" else [])]
    )
    texts = [source for source in read if schema.get(source) == pl.String]
    if texts:
        flags.append(pl.any_horizontal([pl.col(c).str.len_bytes() > MAX_FIELD_BYTES for c in texts]).alias("__big"))
        if raw.format == "csv" and _has_quote(raw.target):  # values over several lines (quoted): checked below
            lines = [pl.col(c).str.contains("\n", literal=True) for c in texts]
            flags.append(pl.any_horizontal(lines).alias("__lines"))
    if raw.format == "csv" and raw.columns:
        flags.append(pl.col(raw.columns[-1]).is_null().alias("__short"))
    order = _order_rule(spec, {p.column.name for p in plans})
    if order is not None:
        checks.append(order.alias("__order"))
    frame = (
        raw.frame.select(ROW, *values, *[pl.col(c) for c in extras], *flags)
        .with_columns(checks)
        .drop(pl.selectors.starts_with("__given_"))
        .with_columns(pl.col(c).cast(pl.Categorical) for c in compact)  # after the checks, in the same pass
    )
    full = _collect(raw, frame)
    for p in plans:
        if p.source is not None and p.column.required and not p.check and p.column.type == "id":
            full = _missing_ids(full, p.column.name)
    if "__big" in full.columns:
        _check_field_sizes(raw, full, texts)
        full = full.drop("__big")
    if "__lines" in full.columns:
        _check_open_quotes(raw, full, texts)
        full = full.drop("__lines")
    # the __noend_ flags stay in the frame for _no_end_notes, __short for _to_canonical
    names = [c for c in full.columns if c.startswith(("__bad_", "__missing_")) or c == "__order"]
    if names and any(full.select(pl.col(names).any()).row(0)):
        failed = full.filter(pl.any_horizontal([pl.col(c).fill_null(False) for c in names]))
        return full.drop(names), failed
    return full.drop(names), full.clear().select(ROW)


def _has_quote(target: Path | bytes | None) -> bool:
    """Whether a CSV holds a double quote: without one, no value runs over several lines (a line break ends the
    row). A search of the bytes (memchr speed), instead of a test of every value."""
    if target is None:
        return True
    if isinstance(target, bytes):
        return b'"' in target
    buffer = bytearray(QUOTE_SCAN_BYTES)  # read in pieces into one buffer: memory stays one piece, not the file
    with open(target, "rb") as handle:
        while size := handle.readinto(buffer):
            if buffer.find(b'"', 0, size) >= 0:
                return True
    return False


QUOTE_SCAN_BYTES = 16 << 20


def _missing_ids(full: pl.DataFrame, name: str) -> pl.DataFrame:
    """A required id column's values trimmed, and 'NULL', 'None' (a database's or a script's missing value, any
    case) or a blank value flagged missing beside the empty ones (``__missing_<name>``). Tested on the column's
    distinct values; the column is changed only when one of them is untrimmed or such a word."""
    values = full.get_column(name).unique().cast(pl.String).drop_nulls()
    trimmed = values.str.strip_chars()
    untrimmed = bool((trimmed != values).any())
    nullish = bool(trimmed.str.to_lowercase().is_in(NULL_WORDS).any())
    if not untrimmed and not nullish:
        return full
    compact = full.schema[name] == pl.Categorical
    text = pl.col(name).cast(pl.String).str.strip_chars()
    flag = f"__missing_{name}"
    full = full.with_columns(text.alias(name)).with_columns(
        (pl.col(flag) | (pl.col(name) == "") | pl.col(name).str.to_lowercase().is_in(NULL_WORDS)).alias(flag)
    )
    return full.with_columns(pl.col(name).cast(pl.Categorical)) if compact else full


MAX_FIELD_BYTES = 10 << 20  # one value of a CSV field
# an id that is one of these (any case) is missing: SQL NULL, Python None, JavaScript null/undefined, Excel #N/A
NULL_WORDS = ("null", "none", "nil", "undefined", "nan", "#n/a", "n/a")


def _check_open_quotes(raw: Raw, full: pl.DataFrame, texts: list[str]) -> None:
    """A quoted value over several lines is fine (a note with line breaks), unless one of its lines holds exactly
    the separators of a row of the file (of 3 columns or more): then a quote was left open and swallowed whole rows
    (exit 3 naming its row and column; those rows would be missing without a word). ``full["__lines"]`` flags the
    rows with a value over several lines; only those rows' values are read again."""
    flagged = full.get_column("__lines")
    separator, width = raw.separator or ",", len(raw.columns)
    if width <= 2 or not flagged.any():
        return
    rows = full.get_column(ROW).filter(flagged)
    found = _collect(raw, raw.frame.filter(pl.col(ROW).is_in(rows.implode())).select(ROW, *texts))
    for source in texts:
        for row, value in found.select(ROW, source).iter_rows():
            if value is None or "\n" not in value:
                continue
            lines = str(value).split("\n")
            rowlike = sum(1 for line in lines[1:] if line.count(separator) == width - 1)
            if rowlike:
                raise InputError(
                    f"{raw.source.label}: row {row}, column '{source}': a quoted value runs over {len(lines):,} "
                    f"lines, {rowlike:,} of them with the separators of a whole row (is a quote left open?)",
                    hint='close the quote (a quote inside a value is written twice: "")',
                )


def _check_field_sizes(raw: Raw, full: pl.DataFrame, texts: list[str]) -> None:
    """No value csctl reads is over MAX_FIELD_BYTES: exit 3 naming the first such value's row and column, never
    echoing it. ``full["__big"]`` flags the rows; the sizes of the first one's values are read again."""
    flagged = full.get_column("__big")
    if not flagged.any():
        return
    row = int(full.get_column(ROW).filter(flagged)[0])
    sizes = _collect(
        raw, raw.frame.filter(pl.col(ROW) == row).select([pl.col(c).str.len_bytes().alias(c) for c in texts])
    ).row(0, named=True)
    source, size = next(((c, n) for c, n in sizes.items() if n is not None and n > MAX_FIELD_BYTES), (texts[0], 0))
    raise InputError(
        f"{raw.source.label}: row {row}, column '{source}': a value of {size:,} bytes; csctl reads values "
        f"of at most {MAX_FIELD_BYTES >> 20} MiB (is a quote left open?)"
    )


def _no_end_notes(frame: pl.DataFrame, label: str, notes: list[str]) -> pl.DataFrame:
    """Count the far-future end dates read as empty (ongoing) in a note, and drop their flags."""
    flags = [c for c in frame.columns if c.startswith("__noend_")]
    for name in flags:
        ongoing = int(frame[name].sum())
        if ongoing:
            column = name.removeprefix("__noend_")
            notes.append(
                f"{label}: {ongoing:,} row{'s' if ongoing != 1 else ''} with a far-future {column} (after "
                f"{YEARS[1]}, e.g. 9999-12-31) read as empty: no end, ongoing"
            )
    return frame.drop(flags)


ORDERED = {"billing": ("period_start", "period_end"), "subscriptions": ("start_date", "end_date")}


KEYS = {"customers": "customer_id"}  # tables of one row per key: a CRM's accounts


def _refuse_repeated_keys(frame: pl.DataFrame, spec: TableSpec, label: str) -> None:
    """A customers export has one row per customer: a customer on two rows would be counted twice (and every
    join on it multiplied), so the second row exits 3 naming both."""
    key = KEYS.get(spec.name)
    if key is None or key not in frame.columns or frame.height < 2:
        return
    lines = frame.select(ROW, key).sort(ROW)
    repeated = lines[key].is_duplicated() & ~lines[key].is_first_distinct()
    if repeated.any():
        at = int(repeated.arg_max() or 0)
        value = lines[key][at]
        first = lines.filter(pl.col(key) == value)[ROW][0]
        count = int(repeated.sum())
        raise InputError(
            f"{label}: row {lines[ROW][at]}: {key} {value!r} is also on row {first}; a {spec.name} export "
            f"has one row per customer ({count:,} repeated row{'s' if count != 1 else ''})",
            hint="remove the repeated rows, or export the accounts again",
        )


def _duplicate_notes(frame: pl.DataFrame, spec: TableSpec, label: str, notes: list[str]) -> None:
    """Billing lines that repeat an earlier line in every column read are counted each time (two equal seat lines
    can be real), so a warning says how many and where the first is: an export pulled twice doubles the MRR."""
    if spec.name not in ORDERED or frame.height < 2:
        return
    import numpy as np

    hashes = frame.drop(ROW).hash_rows()  # a line's hash; counted by a sort (no hash table), placed only if any
    ordered = np.sort(hashes.to_numpy())
    if not np.count_nonzero(ordered[1:] == ordered[:-1]):
        return
    lines = frame.select(ROW).with_columns(hash=hashes).sort(ROW)
    repeated = ~lines["hash"].is_first_distinct()
    repeats = int(repeated.sum())
    if repeats:
        at = int(repeated.arg_max() or 0)
        earlier = lines.filter(pl.col("hash") == lines["hash"][at])[ROW][0]
        notes.append(
            f"{label}: {repeats:,} line{'s' if repeats != 1 else ''} repeat an earlier line in every column (first: "
            f"row {lines[ROW][at]} = row {earlier}); each is counted: remove them if the export repeated lines"
        )


def _order_rule(spec: TableSpec, present: set[str]) -> pl.Expr | None:
    """An end before its start is a bad row (when the table has both columns)."""
    if spec.name not in ORDERED or not set(ORDERED[spec.name]) <= present:
        return None
    start, end = ORDERED[spec.name]
    return pl.col(end).is_not_null() & (pl.col(end) < pl.col(start))


def _describe(raw: Raw, row: dict[str, object], plans: list[_Plan], spec: TableSpec, count: int) -> InputError:
    label = raw.source.label
    more = (
        f" ({count - 1:,} more bad row{'s' if count != 2 else ''}; --skip-bad-rows skips and counts them)"
        if count > 1
        else ""
    )
    for p in plans:
        if row.get(f"__bad_{p.column.name}"):
            assert p.source is not None
            original = _original_value(raw, int(row[ROW]), p.source)  # type: ignore[call-overload]
            expected = (p.expected or f"a {p.column.type}") + RANGE_NOTE.get(p.column.type, "")
            err = _bad_value_error(label, int(row[ROW]), p.source, p.column.name, original, expected)  # type: ignore[call-overload]
            err.message += more
            err.args = (err.message,)
            return err
    for p in plans:
        if row.get(f"__missing_{p.column.name}"):
            assert p.source is not None
            original = _original_value(raw, int(row[ROW]), p.source)  # type: ignore[call-overload]
            if isinstance(original, str) and original.strip().lower() in NULL_WORDS:
                return InputError(
                    f"{label}: row {row[ROW]}, column '{p.source}': {p.column.name} is {original.strip()!r}, the "
                    f"word a database or a script writes for a missing value{more}"
                )
            return InputError(f"{label}: row {row[ROW]}, column '{p.source}': {p.column.name} is empty{more}")
    if row.get("__order"):
        start, end = ("period_start", "period_end") if spec.name == "billing" else ("start_date", "end_date")
        return InputError(f"{label}: row {row[ROW]}: {end} {row[end]} is before {start} {row[start]}{more}")
    return InputError(f"{label}: row {row[ROW]} is not valid{more}")


def _original_value(raw: Raw, row: int, source: str) -> object:
    found = raw.frame.filter(pl.col(ROW) == row).select(source).collect()
    return found.item(0, 0) if found.height else None


FIELD_LIMIT = 64 << 20  # characters; above the readers' 10 MiB bound on a field


def _ragged_row(raw: Raw) -> tuple[int, int] | None:
    """The first record whose field count differs from the header's, by a csv-module pass over the file."""
    if raw.target is None or raw.separator is None:
        return None
    if isinstance(raw.target, Path):
        handle: io.TextIOBase = raw.target.open("r", encoding="utf-8-sig", newline="")
    else:
        handle = io.StringIO(raw.target.decode("utf-8-sig", errors="replace"), newline="")
    limit = csv.field_size_limit()
    csv.field_size_limit(FIELD_LIMIT)  # the reader's own bound on a field (10 MiB) is checked elsewhere
    number = raw.first_row - 1
    try:
        with handle:
            reader = csv.reader(handle, delimiter=raw.separator)
            width = len(next(reader, []))
            for number, record in enumerate(reader, start=raw.first_row):
                if record and len(record) != width:
                    return number, len(record)
    except csv.Error as exc:
        raise InputError(f"{raw.source.label}: row {number + 1} cannot be read as CSV: {exc}") from None
    finally:
        csv.field_size_limit(limit)
    return None


def _check_ragged(raw: Raw) -> None:
    """Refuse rows with more or fewer fields than the header (Polars reads short rows as empty values).

    One fast pass counts separators per physical line; only when a suspect line holds a quote (a quoted
    separator or a multi-line field) does the csv module confirm it.
    """
    if raw.target is None or raw.separator is None or not raw.columns:
        return
    source = io.BytesIO(raw.target) if isinstance(raw.target, bytes) else raw.target
    lines = pl.scan_csv(
        source, has_header=False, separator="\x1f", quote_char=None, schema={"line": pl.String}, skip_rows=1
    )
    expected = len(raw.columns) - 1
    line = pl.col("line")
    suspects = (
        lines.with_row_index("number", offset=raw.first_row)
        .filter(line.is_not_null() & (line.str.strip_chars() != ""))
        .filter(line.str.count_matches(raw.separator, literal=True) != expected)
        .select(
            "number",
            fields=line.str.count_matches(raw.separator, literal=True) + 1,
            quoted=line.str.contains('"', literal=True),
        )
        .head(1000)
        .collect()
    )
    if suspects.height == 0:
        return
    if not suspects["quoted"].any():
        number, fields, _ = suspects.row(0)
        found: tuple[int, int] | None = (int(number), int(fields))
    else:
        found = _ragged_row(raw)
    if found is not None:
        raise InputError(
            f"{raw.source.label}: row {found[0]} has {found[1]} fields; the header has {len(raw.columns)} (ragged rows)"
        )


def _convert_currency(frame: pl.DataFrame, label: str, opts: ReadOptions, notes: list[str]) -> pl.DataFrame:
    """One currency per run: convert with the fx table, or stop when an export mixes currencies without one."""
    if "currency" not in frame.columns:
        return frame
    codes = sorted({code.upper() for code in frame["currency"].drop_nulls().unique().to_list()})
    base = opts.base_currency.upper()
    foreign = [c for c in codes if c != base]
    if not foreign:
        return frame
    if len(codes) == 1 and not opts.fx:
        notes.append(f"{label}: amounts are in {codes[0]}")
        opts.base_currency = codes[0]
        return frame
    missing = [c for c in foreign if c not in opts.fx]
    if missing:
        raise InputError(
            f"{label}: amounts in {', '.join(codes)} but no fx rate for {', '.join(missing)}",
            hint=f"add an fx table to csctl.yaml converting each currency into {base}, e.g. fx: {{{missing[0]}: 1.08}}",
        )
    rates = (
        pl.col("currency")
        .cast(pl.String)  # a compact read's Categorical
        .str.to_uppercase()
        .replace_strict({**opts.fx, base: 1.0}, default=1.0, return_dtype=pl.Float64)
    )
    money = [c for c in ("amount", "unit_price", "mrr", "arr") if c in frame.columns]
    notes.append(f"{label}: converted {', '.join(foreign)} into {base} with the fx table")
    return frame.with_columns([(pl.col(c) * rates).alias(c) for c in money])
