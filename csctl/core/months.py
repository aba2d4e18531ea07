"""Month arithmetic on integer month indexes (year * 12 + month - 1), the key every table joins on."""

from __future__ import annotations

import datetime as dt

import polars as pl


def month_index(date: pl.Expr) -> pl.Expr:
    """The month index of a Date expression."""
    return (date.dt.year().cast(pl.Int32) * 12 + date.dt.month().cast(pl.Int32) - 1).cast(pl.Int32)


def month_label(index: pl.Expr) -> pl.Expr:
    """'YYYY-MM' for a month-index expression."""
    year = (index // 12).cast(pl.String)
    month = (index % 12 + 1).cast(pl.String).str.zfill(2)
    return pl.concat_str([year, pl.lit("-"), month])


def quarter_label(index: pl.Expr) -> pl.Expr:
    """'YYYY-Qn' for a month-index expression."""
    return pl.concat_str([(index // 12).cast(pl.String), pl.lit("-Q"), ((index % 12) // 3 + 1).cast(pl.String)])


def index_of(year: int, month: int) -> int:
    return year * 12 + month - 1


def index_of_date(value: dt.date) -> int:
    return index_of(value.year, value.month)


def label_of(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_month(text: str) -> int:
    """Parse 'YYYY-MM' into a month index; ValueError when it is not one."""
    try:
        year_s, month_s = text.strip().split("-")
        year, month = int(year_s), int(month_s)
    except ValueError:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}") from None
    if not 1 <= month <= 12 or not 1900 <= year <= 9999:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return index_of(year, month)


def period_expr(index: pl.Expr, period: str) -> pl.Expr:
    if period == "month":
        return index
    if period == "quarter":
        return index // 3
    if period == "year":
        return index // 12
    raise ValueError(f"unknown period {period!r}")


def period_end_month(period_index: pl.Expr, period: str) -> pl.Expr:
    """The month index of the last month of a period-number expression."""
    if period == "month":
        return period_index
    if period == "quarter":
        return period_index * 3 + 2
    return period_index * 12 + 11


def period_label_expr(period_index: pl.Expr, period: str) -> pl.Expr:
    """Label a period number made by period_expr: 'YYYY-MM', 'YYYY-Qn' or 'YYYY'."""
    if period == "month":
        return month_label(period_index)
    if period == "quarter":
        return pl.concat_str(
            [(period_index // 4).cast(pl.String), pl.lit("-Q"), (period_index % 4 + 1).cast(pl.String)]
        )
    return period_index.cast(pl.String)


def last_day(index: int) -> dt.date:
    """The last day of a month index."""
    year, month = divmod(index + 1, 12)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def as_of_day(month: int | None, dated: list[tuple[pl.DataFrame | None, str]], today: dt.date) -> dt.date:
    """The day event-based commands measure at: the last day of ``month`` (--as-of) when given; else the latest
    date in the given (frame, column) pairs; else today."""
    if month is not None:
        return last_day(month)
    found: list[dt.date] = []
    for frame, column in dated:
        if frame is None or column not in frame.columns or frame.height == 0:
            continue
        value = frame[column].max()
        if isinstance(value, dt.datetime):
            found.append(value.date())
        elif isinstance(value, dt.date):
            found.append(value)
    return max(found) if found else today
