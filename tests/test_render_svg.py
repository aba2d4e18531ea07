"""Inline SVG charts: valid, self-contained XML whose marks sit where the values say."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import xml.etree.ElementTree as ET

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from csctl.render.svg import chart_svg, nice_ticks, tick_label
from csctl.result import Chart

NS = "{http://www.w3.org/2000/svg}"

MONTHS = [dt.date(2024, m, 1) for m in range(1, 7)]
FRAME = pl.DataFrame(
    {
        "month": MONTHS,
        "mrr": [1000.0, 1200.0, 1500.0, 1400.0, 1800.0, 2000.0],
        "new": [200.0, 300.0, 100.0, 250.0, 400.0, 300.0],
        "churn": [-100.0, -50.0, -80.0, -120.0, -60.0, -30.0],
    }
)


def chart(kind: str, series: tuple[str, ...], unit: str = "money", title: str = "MRR") -> Chart:
    return Chart(name=f"test-{kind}", title=title, table="t", x="month", series=series, kind=kind, unit=unit)  # type: ignore[arg-type]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{NS}rect") if r.get("class") == "bar"]


def zero_y(root: ET.Element) -> float:
    (zero,) = [line for line in root.iter(f"{NS}line") if line.get("class") == "zero"]
    assert zero.get("y1") == zero.get("y2")
    return float(zero.get("y1", "nan"))


def box(rect: ET.Element) -> tuple[float, float, float, float]:
    return tuple(float(rect.get(k, "nan")) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


@pytest.mark.parametrize("kind", ["line", "column", "bar", "stacked"])
def test_every_kind_is_valid_self_contained_svg(kind: str) -> None:
    svg = chart_svg(chart(kind, ("new", "churn"), title="New <&> churn"), FRAME)
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    title = root.find(f"{NS}title")
    assert title is not None and title.text == "New <&> churn"
    assert "<script" not in svg.lower()
    assert "&lt;&amp;&gt;" in svg  # the title is escaped, not raw markup
    assert svg.count("http") == 1 and 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert "url(" not in svg and "href" not in svg and "@import" not in svg
    legend = root.find(f"{NS}g[@class='legend']")
    assert legend is not None and {t.text for t in legend.iter(f"{NS}text")} == {"new", "churn"}


def test_deterministic() -> None:
    c = chart("stacked", ("new", "churn"))
    assert chart_svg(c, FRAME) == chart_svg(c, FRAME.clone())


def test_single_series_has_no_legend() -> None:
    root = parse(chart_svg(chart("line", ("mrr",)), FRAME))
    assert root.find(f"{NS}g[@class='legend']") is None


def test_line_one_polyline_per_series_with_points() -> None:
    root = parse(chart_svg(chart("line", ("mrr", "new")), FRAME))
    polylines = list(root.iter(f"{NS}polyline"))
    assert len(polylines) == 2
    for polyline in polylines:
        assert len(polyline.get("points", "").split()) == FRAME.height
    assert len([c for c in root.iter(f"{NS}circle") if c.get("class") == "point"]) == 2 * FRAME.height


def test_line_higher_value_is_drawn_higher() -> None:
    root = parse(chart_svg(chart("line", ("mrr",)), FRAME))
    (polyline,) = root.iter(f"{NS}polyline")
    ys = [float(p.split(",")[1]) for p in polyline.get("points", "").split()]
    order_by_value = sorted(range(6), key=lambda i: FRAME["mrr"][i])
    order_by_height = sorted(range(6), key=lambda i: -ys[i])  # SVG y grows downwards
    assert order_by_value == order_by_height


def test_null_is_a_gap_in_the_line() -> None:
    frame = FRAME.with_columns(pl.when(pl.col("month") == MONTHS[2]).then(None).otherwise(pl.col("mrr")).alias("mrr"))
    root = parse(chart_svg(chart("line", ("mrr",)), frame))
    runs = [len(p.get("points", "").split()) for p in root.iter(f"{NS}polyline")]
    assert runs == [2, 3]
    assert len(list(root.iter(f"{NS}circle"))) == 5


def test_column_bars_are_proportional_and_grouped() -> None:
    frame = pl.DataFrame({"quarter": ["Q1", "Q2", "Q3"], "revenue": [100.0, 300.0, 200.0]})
    c = Chart("rev", "Revenue", "t", "quarter", ("revenue",), "column", "money")
    root = parse(chart_svg(c, frame))
    rects = bars(root)
    assert len(rects) == 3
    heights = [box(r)[3] for r in rects]
    assert heights[1] / heights[0] == pytest.approx(3.0, rel=0.01)
    assert heights[2] / heights[0] == pytest.approx(2.0, rel=0.01)
    base = zero_y(root)
    for _, y, _, h in map(box, rects):
        assert y + h == pytest.approx(base, abs=0.02)  # all stand on the zero line
    xs = [box(r)[0] for r in rects]
    assert xs == sorted(xs)


def test_grouped_columns_one_rect_per_value() -> None:
    root = parse(chart_svg(chart("column", ("new", "churn")), FRAME))
    rects = bars(root)
    assert len(rects) == 2 * FRAME.height
    base = zero_y(root)
    churn = [r for r in rects if "churn" in (r.findtext(f"{NS}title") or "")]
    assert len(churn) == FRAME.height
    assert all(box(r)[1] == pytest.approx(base, abs=0.02) for r in churn)  # negative bars hang from zero


def test_bar_is_horizontal_with_labels_on_the_left() -> None:
    frame = pl.DataFrame({"lever": ["Retention", "Expansion", "Pricing"], "value": [50.0, 200.0, 100.0]})
    c = Chart("levers", "Levers", "t", "lever", ("value",), "bar", "money")
    root = parse(chart_svg(c, frame))
    rects = bars(root)
    assert len(rects) == 3
    widths = [box(r)[2] for r in rects]
    assert widths[1] / widths[0] == pytest.approx(4.0, rel=0.01)
    assert widths[2] / widths[0] == pytest.approx(2.0, rel=0.01)
    ys = [box(r)[1] for r in rects]
    assert ys == sorted(ys)  # first row on top, as in the table
    labels = {t.text: t for t in root.iter(f"{NS}text") if t.get("class") == "category"}
    assert set(labels) == {"Retention", "Expansion", "Pricing"}
    left_of_bars = min(box(r)[0] for r in rects)
    assert all(float(t.get("x", "nan")) < left_of_bars and t.get("text-anchor") == "end" for t in labels.values())


def test_stacked_positive_above_and_negative_below_zero() -> None:
    root = parse(chart_svg(chart("stacked", ("new", "churn")), FRAME))
    rects = bars(root)
    assert len(rects) == 2 * FRAME.height
    base = zero_y(root)
    new = [r for r in rects if (r.findtext(f"{NS}title") or "").split(" · ")[1].startswith("new")]
    churn = [r for r in rects if (r.findtext(f"{NS}title") or "").split(" · ")[1].startswith("churn")]
    for r in new:
        _, y, _, h = box(r)
        assert y + h == pytest.approx(base, abs=0.02) and y < base
    for r in churn:
        _, y, _, h = box(r)
        assert y == pytest.approx(base, abs=0.02) and y + h > base
    # the heights keep the values' proportions across the zero line: 400 up vs -120 down
    heights = {r.findtext(f"{NS}title"): box(r)[3] for r in rects}
    assert heights["2024-05-01 · new: $400"] / heights["2024-04-01 · churn: -$120"] == pytest.approx(
        400 / 120, rel=0.01
    )


def test_stacked_segments_stack_on_each_other() -> None:
    frame = pl.DataFrame({"m": ["a", "b"], "x": [100.0, 50.0], "y": [200.0, -25.0], "z": [-50.0, -25.0]})
    c = Chart("s", "S", "t", "m", ("x", "y", "z"), "stacked", "count")
    root = parse(chart_svg(c, frame))
    rects = {r.findtext(f"{NS}title"): box(r) for r in bars(root)}
    base = zero_y(root)
    ax, ay = rects["a · x: 100"], rects["a · y: 200"]
    assert ax[1] + ax[3] == pytest.approx(base, abs=0.02)
    assert ay[1] + ay[3] == pytest.approx(ax[1], abs=0.02)  # y sits on top of x
    by, bz = rects["b · y: -25"], rects["b · z: -25"]
    assert by[1] == pytest.approx(base, abs=0.02)
    assert bz[1] == pytest.approx(by[1] + by[3], abs=0.02)  # z hangs below y


def test_axis_ticks_are_nice_and_formatted_by_unit() -> None:
    root = parse(chart_svg(chart("column", ("mrr",)), FRAME))
    ticks = [t.text for t in root.iter(f"{NS}text") if t.get("class") == "tick"]
    assert 4 <= len(ticks) <= 6
    assert ticks[0] == "$0" and all(t is not None and t.startswith("$") for t in ticks)
    assert "$2,000" in ticks
    rates = pl.DataFrame({"m": ["a", "b", "c"], "churn": [0.02, 0.05, 0.031]})
    root = parse(chart_svg(Chart("r", "Churn", "t", "m", ("churn",), "line", "rate"), rates))
    rate_ticks = [t.text or "" for t in root.iter(f"{NS}text") if t.get("class") == "tick"]
    assert 4 <= len(rate_ticks) <= 6 and all(t.endswith("%") for t in rate_ticks)
    assert "2%" in rate_ticks


def test_tick_helpers() -> None:
    assert nice_ticks(0, 2000) == [0, 500, 1000, 1500, 2000]
    assert nice_ticks(0, 0.3) == [0.0, 0.1, 0.2, 0.3]
    assert nice_ticks(7, 7)[0] < 7 < nice_ticks(7, 7)[-1]
    assert nice_ticks(0, 3, integer=True) == [0, 1, 2, 3]
    assert tick_label(1500, "money", "EUR", 500) == "€1,500"
    assert tick_label(0.025, "rate", step=0.025) == "2.5%"
    assert tick_label(0.02, "rate", step=0.01) == "2%"
    assert tick_label(1_200_000, "count", step=200_000) == "1,200,000"
    assert tick_label(-0.5, "number", step=0.5) == "-0.5"


def test_many_categories_thin_the_labels() -> None:
    n = 60
    frame = pl.DataFrame({"day": [f"2024-01-{i:02d}x" for i in range(n)], "v": [float(i) for i in range(n)]})
    root = parse(chart_svg(Chart("d", "Daily", "t", "day", ("v",), "column", "count"), frame))
    shown = [t for t in root.iter(f"{NS}text") if t.get("class") == "category"]
    assert 2 <= len(shown) < n
    xs = [float(t.get("x", "nan")) for t in shown]
    assert all(b - a >= 11 * 6 for a, b in itertools.pairwise(xs))  # no overlapping labels
    assert len(bars(root)) == n  # the zero is a bar of no height, still there for its tooltip


def test_empty_frame_says_no_data() -> None:
    root = parse(chart_svg(chart("line", ("mrr",)), FRAME.head(0)))
    assert "no data" in [t.text for t in root.iter(f"{NS}text")]
    assert not list(root.iter(f"{NS}polyline")) and not bars(root)
    all_null = FRAME.with_columns(pl.lit(None, pl.Float64).alias("mrr"))
    assert "no data" in chart_svg(chart("column", ("mrr",)), all_null)
    assert "no data" in chart_svg(chart("column", ("missing",)), FRAME)


def test_awkward_values_stay_valid() -> None:
    frame = pl.DataFrame(
        {"k": ["a\x00b", "<tag>", None, "é & ü"], "v": [float("nan"), float("inf"), 5.0, 5.0], "w": [1, 2, 3, 4]}
    )
    for kind in ("line", "column", "bar", "stacked"):
        c = Chart("a b'c", "x\x07 & y", "t", "k", ("v", "w"), kind, "number")
        root = parse(chart_svg(c, frame, width=10, height=10))
        assert root.get("width") is not None
    single = pl.DataFrame({"k": ["only"], "v": [-3.0]})
    root = parse(chart_svg(Chart("s", "S", "t", "k", ("v",), "line", "count"), single))
    assert len(list(root.iter(f"{NS}circle"))) == 1


VALUE = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))


@settings(max_examples=100, deadline=None)
@example(rows=[("", None, 1.634266486238469e308)], kind="line", unit="money")  # one value near the float maximum
@example(rows=[("", 8.988465674311579e307, 8.98846567431158e307)], kind="stacked", unit="money")  # a stack overflows
@given(
    rows=st.lists(st.tuples(st.text(max_size=12), VALUE, VALUE), max_size=30),
    kind=st.sampled_from(["line", "column", "bar", "stacked"]),
    unit=st.sampled_from(["money", "rate", "count", "number"]),
)
def test_any_frame_gives_valid_svg(rows: list[tuple[str, float | None, float | None]], kind: str, unit: str) -> None:
    frame = pl.DataFrame(
        {"x": [r[0] for r in rows], "a": [r[1] for r in rows], "b": [r[2] for r in rows]},
        schema={"x": pl.String, "a": pl.Float64, "b": pl.Float64},
    )
    svg = chart_svg(Chart("p", "P", "t", "x", ("a", "b"), kind, unit), frame)  # type: ignore[arg-type]
    root = parse(svg)
    for element in root.iter():
        for name in ("x", "y", "width", "height", "cx", "cy"):
            if name in element.attrib:
                value = float(element.attrib[name])
                assert math.isfinite(value) and abs(value) < 1e6, (element.tag, name, value)  # finite, on the canvas
