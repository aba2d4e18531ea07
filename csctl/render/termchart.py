"""Charts as plain text for a terminal: block plots for lines, horizontal bars for the rest.

Every line fits in ``width`` columns (wide characters count two); ANSI colour codes only when asked. Nulls are gaps,
negative values sit left of (or below) the axis, and an empty frame says so. Nothing is computed beyond placing values.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence

import polars as pl

from csctl.render.safe import terminal
from csctl.render.svg import categories, chart_series, shorten, text, value_label
from csctl.result import Chart

BLOCKS = " ▁▂▃▄▅▆▇█"
MARKERS = "●■▲◆○□△◇"
POSITIVE, NEGATIVE = "█", "░"
COLOURS = ("34", "33", "32", "35", "36", "31", "37", "90")  # ANSI foreground codes, in the SVG palette's order
BAND_COLOURS = {"green": "32", "yellow": "33", "amber": "33", "red": "31"}  # a band's series in its colour
MISSING = "—"

Segment = tuple[str, str | None]  # text and its ANSI style (None: plain)


def _cell_width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _fit(segments: Sequence[Segment], width: int, color: bool) -> str:
    """One line of segments cut to ``width`` columns, trailing spaces dropped, styled when ``color``."""
    kept: list[Segment] = []
    used = 0
    for raw, style in segments:
        chunk = terminal(raw)  # names from the data: no escape sequence reaches the terminal
        out = []
        for char in chunk:
            w = _cell_width(char)
            if used + w > width:
                break
            out.append(char)
            used += w
        kept.append(("".join(out), style))
        if len(out) < len(chunk):
            break
    while kept and not kept[-1][0].strip():
        kept.pop()
    if kept:
        kept[-1] = (kept[-1][0].rstrip(), kept[-1][1])
    return "".join(f"\x1b[{style}m{chunk}\x1b[0m" if color and style and chunk else chunk for chunk, style in kept)


def _colour(index: int, name: str = "") -> str:
    return BAND_COLOURS.get(name.lower(), COLOURS[index % len(COLOURS)])


def _pad(label: str, size: int, right: bool = False) -> str:
    label = shorten(label, size) if size > 0 else ""
    return label.rjust(size) if right else label.ljust(size)


def chart_lines(
    chart: Chart, frame: pl.DataFrame, currency: str = "USD", width: int = 80, height: int = 12, color: bool = False
) -> str:
    """The chart as lines of text no wider than ``width``: a title, a legend when there are several series, the plot."""
    width, height = max(int(width), 1), max(int(height), 2)
    lines: list[list[Segment]] = []
    if chart.title:
        lines.append([(text(chart.title), "1")])
    series = chart_series(chart, frame)
    if not series or frame.height == 0:
        lines.append([("no data", None)])
        return "\n".join(_fit(line, width, color) for line in lines)
    labels = categories(frame, chart.x)
    largest = max(abs(v) for _, vs in series for v in vs if v is not None)
    cents = largest < 100  # one way of writing money for the whole chart

    def fmt(value: float) -> str:
        return value_label(value, chart.unit, currency, cents)

    if chart.kind == "line":
        body = _line_plot(series, labels, fmt, width, height)
    elif chart.kind == "stacked":
        body = _stacked(series, labels, fmt, width)
    else:
        body = _bars(series, labels, fmt, width)
    if len(series) > 1:
        legend: list[Segment] = []
        for s, (name, _) in enumerate(series):
            mark = MARKERS[s % len(MARKERS)] if chart.kind == "line" else POSITIVE
            legend += [(mark, _colour(s, text(name))), (f" {text(name)}  ", None)]
        lines.append(legend)
    lines += body
    return "\n".join(_fit(line, width, color) for line in lines)


def _at(values: Sequence[float | None], column: int, columns: int) -> float | None:
    """The value under a plot column: interpolated between neighbours, the mean of a bucket when columns are few."""
    n = len(values)
    if n == 1:
        return values[0]
    if n > columns:
        start, end = column * n // columns, max((column + 1) * n // columns, column * n // columns + 1)
        present = [v for v in values[start:end] if v is not None]
        return math.fsum(v / len(present) for v in present) if present else None
    position = column * (n - 1) / max(1, columns - 1)
    i = min(int(position), n - 1)
    share = position - i
    if share < 1e-9 or i + 1 >= n:
        return values[i]
    left, right = values[i], values[i + 1]
    if left is not None and right is not None:
        return left * (1 - share) + right * share
    return values[round(position)]


def _frac(value: float, lo: float, hi: float) -> float:
    span = hi / 2 - lo / 2
    return 0.5 if span <= 0 else min(1.0, max(0.0, (value / 2 - lo / 2) / span))


def _line_plot(
    series: Sequence[tuple[str, list[float | None]]],
    labels: Sequence[str],
    fmt: Callable[[float], str],
    width: int,
    height: int,
) -> list[list[Segment]]:
    present = [v for _, vs in series for v in vs if v is not None]
    lo, hi = min(present), max(present)
    top_label, bottom_label = fmt(hi), fmt(lo)
    gutter = max(len(top_label), len(bottom_label))
    room = max(1, width - gutter - 2)
    n = len(labels)
    columns = 1 if n == 1 else room
    grid: list[list[Segment]] = [[(" ", None)] * columns for _ in range(height)]
    if len(series) == 1:
        vs = series[0][1]
        for c in range(columns):
            v = _at(vs, c, columns)
            if v is None:
                continue
            level = 1 + round(_frac(v, lo, hi) * (height * 8 - 1))
            for row in range(height):
                fill = min(8, max(0, level - 8 * (height - 1 - row)))
                if fill:
                    grid[row][c] = (BLOCKS[fill], _colour(0))
    else:
        for s, (_, vs) in enumerate(series):
            for c in range(columns):
                v = _at(vs, c, columns)
                if v is not None:
                    row = height - 1 - round(_frac(v, lo, hi) * (height - 1))
                    grid[row][c] = (MARKERS[s % len(MARKERS)], _colour(s, text(series[s][0])))
    label_rows = {0: top_label, height - 1: bottom_label} if hi > lo else {(height - 1) // 2: top_label}
    lines: list[list[Segment]] = []
    for row in range(height):
        label = label_rows.get(row)
        axis = f"{label.rjust(gutter)} ┤" if label is not None else f"{' ' * gutter} │"
        lines.append([(axis, None), *grid[row]])
    first, last = shorten(labels[0], room), shorten(labels[-1], room)
    footer = first
    if n > 1 and len(first) + 1 + len(last) <= room:
        footer = first + " " * (room - len(first) - len(last)) + last
    lines.append([(" " * (gutter + 2) + footer, None)])
    return lines


def _layout(
    labels: Sequence[str], values: Sequence[str], width: int, second: Sequence[str] = ()
) -> tuple[int, int, int]:
    """Widths of the label column, the optional second (series) column and the bar area."""
    label_w = min(max((len(x) for x in labels), default=0), 24, max(4, width // 3))
    series_w = min(max((len(x) for x in second), default=0), 12)
    value_w = max((len(x) for x in values), default=0)
    fixed = label_w + 1 + (series_w + 1 if second else 0) + 1 + value_w
    area = width - fixed
    if area < 10:
        label_w = max(1, label_w - (10 - area))
        area = width - (label_w + 1 + (series_w + 1 if second else 0) + 1 + value_w)
    return label_w, series_w, max(1, area)


def _normalised(series: Sequence[tuple[str, list[float | None]]]) -> list[list[float | None]]:
    """The values divided by the largest magnitude (so within ±1): sums and scales can neither overflow nor vanish."""
    largest = max((abs(v) for _, vs in series for v in vs if v is not None), default=0.0)
    if largest == 0:
        return [list(vs) for _, vs in series]
    return [[None if v is None else v / largest for v in vs] for _, vs in series]


def _scale(pos_max: float, neg_max: float, area: int) -> tuple[float, int, int]:
    """Cells per (normalised) unit and the widths left (negative) and right (positive) of the axis."""
    total = pos_max + neg_max
    if total <= 0:
        return 0.0, 0, area
    usable = area - 1 if neg_max > 0 and pos_max > 0 else area
    scale = usable / total
    neg_w = round(neg_max * scale)
    return scale, neg_w, usable - neg_w


def _length(value: float, scale: float, room: int) -> int:
    if value == 0 or scale == 0:
        return 0
    return min(room, max(1, round(abs(value) * scale)))


def _safe(fmt: Callable[[float], str], value: float | None) -> str:
    return MISSING if value is None or not math.isfinite(value) else fmt(value)


def _bars(
    series: Sequence[tuple[str, list[float | None]]],
    labels: Sequence[str],
    fmt: Callable[[float], str],
    width: int,
) -> list[list[Segment]]:
    many = len(series) > 1
    shown = [_safe(fmt, v) for _, vs in series for v in vs]
    names = [text(name) for name, _ in series] if many else []
    label_w, series_w, area = _layout(labels, shown, width, names)
    value_w = max(len(x) for x in shown)
    normal = _normalised(series)
    present = [v for vs in normal for v in vs if v is not None]
    pos_max = max((v for v in present if v > 0), default=0.0)
    neg_max = max((-v for v in present if v < 0), default=0.0)
    scale, neg_w, pos_w = _scale(pos_max, neg_max, area)
    axis = neg_max > 0 and pos_max > 0
    lines: list[list[Segment]] = []
    for i, label in enumerate(labels):
        for s, (name, vs) in enumerate(series):
            v = normal[s][i]
            line: list[Segment] = [(_pad(label if s == 0 else "", label_w) + " ", None)]
            if many:
                line.append((_pad(text(name), series_w) + " ", None))
            length = 0 if v is None else _length(v, scale, pos_w if v > 0 else neg_w)
            left = " " * neg_w
            right = " " * pos_w
            if v is not None and v < 0:
                left = " " * (neg_w - length) + POSITIVE * length
            elif v is not None:
                right = POSITIVE * length + " " * (pos_w - length)
            value = _safe(fmt, vs[i])
            colour = _colour(s, text(name))
            line += [(left, colour), ("│" if axis else "", None), (right, colour)]
            line.append((" " + value.rjust(value_w), None))
            lines.append(line)
    return lines


def _stacked(
    series: Sequence[tuple[str, list[float | None]]],
    labels: Sequence[str],
    fmt: Callable[[float], str],
    width: int,
) -> list[list[Segment]]:
    normal = _normalised(series)
    ups = [math.fsum(v for vs in normal if (v := vs[i]) is not None and v > 0) for i in range(len(labels))]
    downs = [math.fsum(-v for vs in normal if (v := vs[i]) is not None and v < 0) for i in range(len(labels))]
    nets: list[float | None] = []
    for i in range(len(labels)):
        column = [v for _, vs in series if (v := vs[i]) is not None]
        nets.append(sum(column) if column else None)  # may overflow to inf, shown as missing
    shown = [_safe(fmt, v) for v in nets]
    label_w, _, area = _layout(labels, shown, width)
    value_w = max(len(x) for x in shown)
    pos_max, neg_max = max(ups, default=0.0), max(downs, default=0.0)
    scale, neg_w, pos_w = _scale(pos_max, neg_max, area)
    axis = neg_max > 0 and pos_max > 0
    lines: list[list[Segment]] = []
    for i, label in enumerate(labels):
        right: list[Segment] = []
        left: list[Segment] = []
        up = down = 0.0
        for s, vs in enumerate(normal):
            name = text(series[s][0])
            v = vs[i]
            if v is None or v == 0:
                continue
            if v > 0:
                start, end = round(up * scale), min(pos_w, round((up + v) * scale))
                up += v
                right.append((POSITIVE * max(0, end - start), _colour(s, name)))
            else:
                start, end = round(down * scale), min(neg_w, round((down - v) * scale))
                down -= v
                left.insert(0, (NEGATIVE * max(0, end - start), _colour(s, name)))
        used_right = sum(len(chunk) for chunk, _ in right)
        used_left = sum(len(chunk) for chunk, _ in left)
        line: list[Segment] = [(_pad(label, label_w) + " ", None), (" " * (neg_w - used_left), None), *left]
        line += [("│" if axis else "", None), *right, (" " * (pos_w - used_right), None)]
        line.append((" " + shown[i].rjust(value_w), None))
        lines.append(line)
    return lines
