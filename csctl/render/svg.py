"""Charts as inline SVG for documents: line, column, bar and stacked.

Self-contained (no scripts, fonts, images or links; the only URL is the SVG namespace), valid XML with all text
escaped, and deterministic: the same chart and frame give the same bytes. Values are read as they are; nulls and
non-finite values are gaps. The value helpers here (categories, values, nice_ticks, tick_label, value_label) are
shared by the terminal charts.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
from collections.abc import Callable, Sequence
from html import escape

import polars as pl

from csctl.result import Chart
from csctl.units import money, multiple, percent

# Okabe–Ito, told apart with the common colour-vision deficiencies; the pale yellow is left out (too faint on white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#999999")
# a series named by a health band is drawn in the band's colour, everywhere (SVG, Excel, terminal)
BAND_COLOURS = {"green": "#2E7D32", "yellow": "#F0A202", "amber": "#F0A202", "red": "#C62828"}
TEXT = "#333333"
MUTED = "#666666"
GRID = "#e5e5e5"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"
CHAR_W = 6.5  # the width of one character at the axis font size, to lay labels out without measuring
PAD = 12.0
MAX_LABEL = 24

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")  # control, not XML


# ---------------------------------------------------------------------------------------------------------------
# values, shared with the terminal charts


def text(value: object) -> str:
    """A category or series label: dates in ISO form, whole floats without '.0', no control characters."""
    if value is None:
        out = ""
    elif isinstance(value, dt.datetime):
        out = value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ", timespec="minutes")
    elif isinstance(value, dt.date):
        out = value.isoformat()
    elif isinstance(value, float):
        out = str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:g}"
    else:
        out = str(value)
    return _UNSAFE.sub(" ", out)


def shorten(label: str, limit: int = MAX_LABEL) -> str:
    return label if len(label) <= limit else label[: max(0, limit - 1)] + "…"


def categories(frame: pl.DataFrame, x: str) -> list[str]:
    """The category labels: the x column as text, or 1..n when the frame has no such column."""
    if x not in frame.columns:
        return [str(i + 1) for i in range(frame.height)]
    return [text(v) for v in frame.get_column(x).to_list()]


def values(frame: pl.DataFrame, column: str) -> list[float | None]:
    """A series as floats; nulls, non-numbers and non-finite values are None (a gap)."""
    try:
        raw = frame.get_column(column).cast(pl.Float64, strict=False).to_list()
    except pl.exceptions.PolarsError:
        return [None] * frame.height
    return [v if v is not None and math.isfinite(v) else None for v in raw]


def chart_series(chart: Chart, frame: pl.DataFrame) -> list[tuple[str, list[float | None]]]:
    """The chart's series that are in the frame, each with its values; [] when there is nothing to draw."""
    present = [(name, values(frame, name)) for name in chart.series if name in frame.columns]
    if not any(v is not None for _, vs in present for v in vs):
        return []
    return present


def series_colour(name: str, index: int) -> str:
    """A series' colour: its band's colour when it is named by a health band, else the palette's ``index``-th."""
    return BAND_COLOURS.get(name.lower(), PALETTE[index % len(PALETTE)])


def _clean(value: float, step: float) -> float:
    """A tick value without float noise (0.30000000000000004 → 0.3) and without a negative zero."""
    return round(value, max(0, 3 - math.floor(math.log10(step)))) + 0.0


def nice_ticks(lo: float, hi: float, integer: bool = False) -> list[float]:
    """Four to six evenly spaced round values (steps of 1, 2, 2.5 or 5 × 10ⁿ) from at or below lo to at or above hi."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    lo, hi = float(min(lo, hi)), float(max(lo, hi))
    if hi - lo <= max(abs(lo), abs(hi)) * 1e-9:
        pad = abs(lo) * 0.1 or 1.0
        if not math.isfinite(hi + pad):  # near the float maximum: pad downwards only
            return [lo - pad, hi]
        if not math.isfinite(lo - pad):
            return [lo, hi + pad]
        lo, hi = lo - pad, hi + pad
    span = hi - lo
    if not math.isfinite(span) or span < 1e-300:
        return [lo, hi]
    magnitude = 10.0 ** math.floor(math.log10(span / 5))
    if integer:
        magnitude = max(magnitude, 1.0)
    step, first, last = magnitude, 0, 0
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0):
        if integer and factor == 2.5:
            continue
        step = factor * magnitude
        first, last = math.floor(lo / step), math.ceil(hi / step)
        if last - first + 1 <= 6:
            break
    ticks = [_clean(k * step, step) for k in range(first, last + 1)]
    return ticks if all(math.isfinite(t) for t in ticks) else [lo, hi]


def _decimals(step: float, most: int) -> int:
    """The decimals needed to write multiples of ``step`` exactly, at most ``most``."""
    for d in range(most + 1):
        if abs(round(step, d) - step) <= abs(step) * 1e-9:
            return d
    return most


def tick_label(value: float, unit: str, currency: str = "USD", step: float = 1.0) -> str:
    """An axis label: money in whole units, rates as percentages, counts and numbers with thousands separators."""
    if unit == "money":
        return money(value, currency, 0 if step >= 1 else _decimals(step, 2))
    if unit == "rate":
        return percent(value, _decimals(step * 100, 2))
    decimals = _decimals(step, 6)
    if unit == "multiple":
        return f"{value:,.{decimals}f}×"
    return f"{value:,.{decimals}f}"


def value_label(value: float, unit: str, currency: str = "USD", cents: bool | None = None) -> str:
    """One value for people: money whole from 100 up (or as ``cents`` says), rates to 0.1 of a percent, counts whole."""
    if unit == "money":
        return money(value, currency, 2 if (abs(value) < 100 if cents is None else cents) else 0)
    if unit == "rate":
        return percent(value, 1)
    if unit == "count":
        return f"{round(value):,}"
    if unit == "multiple":
        return multiple(value)
    if value.is_integer() and abs(value) < 1e15:
        return f"{value:,.0f}"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3g}"


# ---------------------------------------------------------------------------------------------------------------
# drawing


def _n(value: float) -> str:
    out = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if out == "-0" else out


def _e(value: str) -> str:
    return escape(value, quote=True)


def _frac(value: float, lo: float, hi: float) -> float:
    """Where value sits between lo (0) and hi (1); halved first so extreme ranges do not overflow."""
    span = hi / 2 - lo / 2
    return 0.5 if span <= 0 else (value / 2 - lo / 2) / span


def _width(label: str) -> float:
    return len(label) * CHAR_W


class _Canvas:
    def __init__(self, chart: Chart, width: int, height: int) -> None:
        self.width, self.height = width, height
        ident = re.sub(r"[^A-Za-z0-9_-]", "-", chart.name) or "chart"
        kind = {"line": "Line", "column": "Column", "bar": "Bar", "stacked": "Stacked column"}.get(chart.kind, "")
        desc = f"{kind} chart of {', '.join(chart.series)} by {chart.x}"
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
            f'font-family="{FONT}" font-size="11" fill="{TEXT}">',
            f'<title id="{ident}-title">{_e(text(chart.title))}</title>',
            f'<desc id="{ident}-desc">{_e(text(desc))}</desc>',
        ]
        if chart.title:
            self.add(
                f'<text class="title" x="{_n(PAD)}" y="20" font-size="14" font-weight="600">'
                f"{_e(shorten(text(chart.title), int((width - 2 * PAD) / 8)))}</text>"
            )

    def add(self, part: str) -> None:
        self.parts.append(part)

    def label(self, x: float, y: float, label: str, anchor: str = "middle", cls: str = "label") -> None:
        self.add(
            f'<text class="{cls}" x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" dy="0.32em" fill="{MUTED}">'
            f"{_e(label)}</text>"
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, cls: str, colour: str) -> None:
        self.add(
            f'<line class="{cls}" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
            f'stroke="{colour}" stroke-width="1" shape-rendering="crispEdges"/>'
        )

    def rect(self, x: float, y: float, w: float, h: float, colour: str, tip: str) -> None:
        self.add(
            f'<rect class="bar" x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0.0))}" height="{_n(max(h, 0.0))}" '
            f'fill="{colour}"><title>{_e(tip)}</title></rect>'
        )

    def legend(self, names: Sequence[str], y: float) -> float:
        """Swatches and names in rows from ``y``; returns the y below the legend."""
        x = PAD
        self.add('<g class="legend">')
        for i, name in enumerate(names):
            label = shorten(name)
            item = 14 + _width(label) + 14
            if x > PAD and x + item > self.width - PAD:
                x, y = PAD, y + 16
            colour = series_colour(name, i)
            self.add(f'<rect class="swatch" x="{_n(x)}" y="{_n(y - 5)}" width="10" height="10" fill="{colour}"/>')
            self.add(f'<text x="{_n(x + 14)}" y="{_n(y)}" dy="0.32em">{_e(label)}</text>')
            x += item
        self.add("</g>")
        return y + 12

    def close(self) -> str:
        return "\n".join([*self.parts, "</svg>"]) + "\n"


def _tip(category: str, series: str, shown: str, many: bool) -> str:
    return f"{category} · {series}: {shown}" if many else f"{category}: {shown}"


def _stride(labels: Sequence[str], room: float, space: float) -> int:
    """Show every n-th label so that labels of ``space`` px each fit in ``room`` px per category."""
    if room <= 0:
        return max(1, len(labels))
    return max(1, math.ceil(space / room))


def chart_svg(chart: Chart, frame: pl.DataFrame, currency: str = "USD", width: int = 720, height: int = 320) -> str:
    """The chart as a self-contained inline SVG document (a string); an empty frame gives one that says no data."""
    width, height = max(int(width), 200), max(int(height), 140)
    canvas = _Canvas(chart, width, height)
    series = chart_series(chart, frame)
    if not series or frame.height == 0:
        canvas.label(width / 2, height / 2, "no data", cls="empty")
        return canvas.close()
    labels = categories(frame, chart.x)
    top = 34.0 if chart.title else PAD
    if len(series) > 1:
        top = canvas.legend([text(name) for name, _ in series], top + 2) + 8
    unit = chart.unit
    cents = max(abs(v) for _, vs in series for v in vs if v is not None) < 100  # money written one way per chart

    def fmt(value: float) -> str:
        return value_label(value, unit, currency, cents)

    if chart.kind == "bar":
        _bars(canvas, series, labels, unit, currency, top, fmt)
    elif chart.kind == "stacked":
        _columns(canvas, series, labels, unit, currency, top, fmt, stacked=True)
    elif chart.kind == "column":
        _columns(canvas, series, labels, unit, currency, top, fmt, stacked=False)
    else:
        _lines(canvas, series, labels, unit, currency, top, fmt)
    return canvas.close()


def _range(series: Sequence[tuple[str, list[float | None]]], zero: bool) -> tuple[float, float]:
    present = [v for _, vs in series for v in vs if v is not None]
    lo, hi = min(present), max(present)
    return (min(lo, 0.0), max(hi, 0.0)) if zero else (lo, hi)


def _stack_range(series: Sequence[tuple[str, list[float | None]]], n: int) -> tuple[float, float]:
    lo = hi = 0.0
    for i in range(n):
        column = [vs[i] for _, vs in series]
        lo = min(lo, sum(v for v in column if v is not None and v < 0))
        hi = max(hi, sum(v for v in column if v is not None and v > 0))
    biggest = sys.float_info.max  # a stack near the float maximum overflows: draw it to the top of the axis
    return max(lo, -biggest), min(hi, biggest)


class _Axis:
    """A vertical value axis with gridlines, and category bands across the plot."""

    def __init__(
        self, canvas: _Canvas, lo: float, hi: float, unit: str, currency: str, top: float, labels: Sequence[str]
    ) -> None:
        ticks = nice_ticks(lo, hi, integer=unit == "count")
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
        texts = [tick_label(t, unit, currency, step) for t in ticks]
        self.lo, self.hi = ticks[0], ticks[-1]
        self.left = PAD + max(_width(t) for t in texts) + 6
        self.right = canvas.width - PAD
        self.top, self.bottom = top + 6, canvas.height - 28.0
        self.band = (self.right - self.left) / max(1, len(labels))
        for tick, label in zip(ticks, texts, strict=True):
            y = self.y(tick)
            canvas.line(self.left, y, self.right, y, "grid", GRID)
            canvas.label(self.left - 6, y, label, anchor="end", cls="tick")
        shown = [shorten(label, 18) for label in labels]
        stride = _stride(shown, self.band, max(_width(s) for s in shown) + 8)
        for i, label in enumerate(shown):
            if i % stride == 0:
                canvas.label(self.center(i), self.bottom + 14, label, cls="category")
        if self.lo <= 0 <= self.hi:
            canvas.line(self.left, self.y(0.0), self.right, self.y(0.0), "zero", MUTED)
        else:
            canvas.line(self.left, self.bottom, self.right, self.bottom, "axis", MUTED)

    def y(self, value: float) -> float:
        return self.bottom - _frac(value, self.lo, self.hi) * (self.bottom - self.top)

    def center(self, i: int) -> float:
        return self.left + self.band * (i + 0.5)


def _lines(
    canvas: _Canvas,
    series: Sequence[tuple[str, list[float | None]]],
    labels: Sequence[str],
    unit: str,
    currency: str,
    top: float,
    fmt: Callable[[float], str],
) -> None:
    lo, hi = _range(series, zero=False)
    axis = _Axis(canvas, lo, hi, unit, currency, top, labels)
    radius = 3 if len(labels) <= 60 else 2
    many = len(series) > 1
    for s, (name, vs) in enumerate(series):
        colour = series_colour(name, s)
        canvas.add(f'<g class="series" data-series="{_e(text(name))}">')
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(vs):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((axis.center(i), axis.y(v)))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
                canvas.add(
                    f'<polyline class="line" points="{points}" fill="none" stroke="{colour}" stroke-width="2" '
                    'stroke-linejoin="round" stroke-linecap="round"/>'
                )
        for i, v in enumerate(vs):
            if v is not None:
                tip = _tip(labels[i], text(name), fmt(v), many)
                canvas.add(
                    f'<circle class="point" cx="{_n(axis.center(i))}" cy="{_n(axis.y(v))}" r="{radius}" '
                    f'fill="{colour}"><title>{_e(tip)}</title></circle>'
                )
        canvas.add("</g>")


def _columns(
    canvas: _Canvas,
    series: Sequence[tuple[str, list[float | None]]],
    labels: Sequence[str],
    unit: str,
    currency: str,
    top: float,
    fmt: Callable[[float], str],
    stacked: bool,
) -> None:
    lo, hi = _stack_range(series, len(labels)) if stacked else _range(series, zero=True)
    axis = _Axis(canvas, lo, hi, unit, currency, top, labels)
    many = len(series) > 1
    group = axis.band * (0.6 if stacked else 0.8)
    bar = group if stacked else group / len(series)
    up = [0.0] * len(labels)
    down = [0.0] * len(labels)
    for s, (name, vs) in enumerate(series):
        colour = series_colour(name, s)
        canvas.add(f'<g class="series" data-series="{_e(text(name))}">')
        for i, v in enumerate(vs):
            if v is None:
                continue
            x = axis.center(i) - group / 2 + (0 if stacked else s * bar)
            if stacked and v >= 0:
                low, high = up[i], up[i] + v
                up[i] = high
            elif stacked:
                low, high = down[i] + v, down[i]
                down[i] = low
            else:
                low, high = min(v, 0.0), max(v, 0.0)
            low, high = max(low, axis.lo), min(high, axis.hi)  # an overflowing stack stops at the axis' ends
            y_top, y_bottom = axis.y(high), axis.y(low)
            canvas.rect(x, y_top, bar, y_bottom - y_top, colour, _tip(labels[i], text(name), fmt(v), many))
        canvas.add("</g>")


def _bars(
    canvas: _Canvas,
    series: Sequence[tuple[str, list[float | None]]],
    labels: Sequence[str],
    unit: str,
    currency: str,
    top: float,
    fmt: Callable[[float], str],
) -> None:
    lo, hi = _range(series, zero=True)
    ticks = nice_ticks(lo, hi, integer=unit == "count")
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    texts = [tick_label(t, unit, currency, step) for t in ticks]
    lo, hi = ticks[0], ticks[-1]
    shown = [shorten(label) for label in labels]
    left = PAD + max(_width(s) for s in shown) + 8
    right = canvas.width - PAD - _width(texts[-1]) / 2
    top, bottom = top + 6, canvas.height - 28.0
    band = (bottom - top) / len(labels)

    def x_of(value: float) -> float:
        return left + _frac(value, lo, hi) * (right - left)

    for tick, label in zip(ticks, texts, strict=True):
        canvas.line(x_of(tick), top, x_of(tick), bottom, "grid", GRID)
        canvas.label(x_of(tick), bottom + 14, label, cls="tick")
    stride = _stride(shown, band, 13.0)
    for i, label in enumerate(shown):
        if i % stride == 0:
            canvas.label(left - 6, top + band * (i + 0.5), label, anchor="end", cls="category")
    many = len(series) > 1
    group = band * 0.8
    bar = group / len(series)
    for s, (name, vs) in enumerate(series):
        colour = series_colour(name, s)
        canvas.add(f'<g class="series" data-series="{_e(text(name))}">')
        for i, v in enumerate(vs):
            if v is None:
                continue
            y = top + band * (i + 0.5) - group / 2 + s * bar
            x_left, x_right = x_of(min(v, 0.0)), x_of(max(v, 0.0))
            canvas.rect(x_left, y, x_right - x_left, bar, colour, _tip(labels[i], text(name), fmt(v), many))
        canvas.add("</g>")
    canvas.line(x_of(0.0), top, x_of(0.0), bottom, "zero", MUTED)
