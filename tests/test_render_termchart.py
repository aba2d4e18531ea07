"""Terminal charts: within the width, bars as long as the values say, labels where people look for them."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csctl.render.termchart import chart_lines
from csctl.result import Chart

ANSI = re.compile(r"\x1b\[[0-9;]*m")

FRAME = pl.DataFrame(
    {
        "month": ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"],
        "mrr": [1000.0, 1200.0, 1500.0, 1400.0, 1800.0, 2000.0],
        "new": [200.0, 300.0, 100.0, 250.0, 400.0, 300.0],
        "churn": [-100.0, -50.0, -80.0, -120.0, -60.0, -30.0],
    }
)


def chart(kind: str, series: tuple[str, ...], unit: str = "money", x: str = "month") -> Chart:
    return Chart(name="t", title="MRR", table="t", x=x, series=series, kind=kind, unit=unit)  # type: ignore[arg-type]


def visible(text: str) -> list[str]:
    return ANSI.sub("", text).splitlines()


def assert_fits(text: str, width: int) -> None:
    for line in visible(text):
        assert len(line) <= width, (len(line), line)


@pytest.mark.parametrize("kind", ["line", "column", "bar", "stacked"])
@pytest.mark.parametrize("width", [20, 40, 80, 132])
def test_every_kind_fits_the_width(kind: str, width: int) -> None:
    for color in (False, True):
        out = chart_lines(chart(kind, ("new", "churn")), FRAME, width=width, color=color)
        assert_fits(out, width)
        assert visible(out)[0] == "MRR"


def test_no_colour_codes_unless_asked() -> None:
    plain = chart_lines(chart("stacked", ("new", "churn")), FRAME)
    assert "\x1b[" not in plain
    coloured = chart_lines(chart("stacked", ("new", "churn")), FRAME, color=True)
    assert "\x1b[" in coloured
    assert visible(coloured) == [line.rstrip() for line in plain.splitlines()]


def test_bar_longest_for_the_largest_value_with_labels_and_values() -> None:
    frame = pl.DataFrame({"lever": ["Retention", "Expansion", "Pricing"], "value": [50_000.0, 200_000.0, 100_000.0]})
    out = chart_lines(Chart("l", "Levers", "t", "lever", ("value",), "bar", "money"), frame, currency="EUR", width=60)
    lines = visible(out)[1:]
    assert len(lines) == 3
    lengths = {line.split()[0]: line.count("█") for line in lines}
    assert max(lengths, key=lambda k: lengths[k]) == "Expansion"
    assert lengths["Expansion"] == pytest.approx(2 * lengths["Pricing"], abs=1)
    assert lengths["Expansion"] == pytest.approx(4 * lengths["Retention"], abs=1)
    assert lines[0].startswith("Retention") and lines[0].endswith("€50,000")
    assert lines[1].endswith("€200,000")
    assert_fits(out, 60)


def test_column_negative_values_left_of_the_axis() -> None:
    out = chart_lines(chart("column", ("new", "churn")), FRAME, width=80)
    lines = visible(out)
    assert lines[1].split() == ["█", "new", "█", "churn"]  # a legend for two series
    rows = lines[2:]
    assert len(rows) == 2 * FRAME.height
    axis = rows[0].index("│")
    assert all(row.index("│") == axis for row in rows)
    for row in rows:
        if row.rstrip().endswith(tuple(f"-${v}" for v in range(10, 1000))):
            assert "█" in row[:axis] and "█" not in row[axis:]
        else:
            assert "█" not in row[:axis] and "█" in row[axis:]
    assert rows[0].startswith("2024-01 new") and rows[1].lstrip().startswith("churn")
    longest = max(rows, key=lambda r: r.count("█"))
    assert longest.rstrip().endswith("$400")


def test_stacked_one_line_per_category_with_both_parts() -> None:
    out = chart_lines(chart("stacked", ("new", "churn")), FRAME, width=80)
    rows = visible(out)[2:]
    assert len(rows) == FRAME.height
    for row, month in zip(rows, FRAME["month"], strict=True):
        assert row.startswith(month)
        axis = row.index("│")
        assert set(row[:axis].split()[-1]) == {"░"}  # negatives left of the axis
        assert set(row[axis + 1 :].split()[0]) == {"█"}  # positives right of it
    assert rows[0].endswith("$100")  # the net of 200 and -100
    positive = {row[:7]: row.count("█") for row in rows}
    assert max(positive, key=lambda k: positive[k]) == "2024-05"


def test_line_plot_labels_and_shape() -> None:
    out = chart_lines(chart("line", ("mrr",)), FRAME, width=60, height=8)
    lines = visible(out)
    assert lines[0] == "MRR"
    plot = lines[1:9]
    assert len(plot) == 8
    assert plot[0].lstrip().startswith("$2,000 ┤") and plot[-1].lstrip().startswith("$1,000 ┤")
    assert lines[9].strip().startswith("2024-01") and lines[9].endswith("2024-06")
    # the last column (the maximum) is full height, the first (the minimum) only at the bottom
    axis = plot[0].index("┤")
    assert plot[0].rstrip().endswith("█")
    assert plot[0][axis + 1] == " " and plot[-1][axis + 1] != " "
    assert_fits(out, 60)


def test_line_with_several_series_uses_markers_and_a_legend() -> None:
    out = chart_lines(chart("line", ("mrr", "new")), FRAME, width=70, height=10)
    lines = visible(out)
    assert "● mrr" in lines[1] and "■ new" in lines[1]
    body = "\n".join(lines[2:])
    assert "●" in body and "■" in body
    assert lines[2].lstrip().startswith("$2,000") and lines[11].lstrip().startswith("$100")


def test_rates_and_counts_are_formatted() -> None:
    rates = pl.DataFrame({"m": ["a", "b"], "churn": [0.021, 0.05]})
    out = chart_lines(Chart("r", "Churn", "t", "m", ("churn",), "line", "rate"), rates)
    assert "5.0% ┤" in out and "2.1% ┤" in out
    counts = pl.DataFrame({"m": ["a", "b"], "n": [1234, 56]})
    out = chart_lines(Chart("c", "Customers", "t", "m", ("n",), "bar", "count"), counts)
    assert visible(out)[1].endswith("1,234") and visible(out)[2].endswith("56")


def test_nulls_equal_values_single_point_and_empty() -> None:
    with_null = FRAME.with_columns(
        pl.when(pl.col("month") == "2024-03").then(None).otherwise(pl.col("new")).alias("new")
    )
    bar = visible(chart_lines(chart("bar", ("new",)), with_null))
    assert bar[3].startswith("2024-03") and "█" not in bar[3] and bar[3].endswith("—")
    line = chart_lines(chart("line", ("new",)), with_null, width=40)
    assert_fits(line, 40)
    equal = FRAME.with_columns(pl.lit(7.0).alias("mrr"))
    out = visible(chart_lines(chart("line", ("mrr",), unit="count"), equal, height=6))
    assert sum("7 ┤" in line for line in out) == 1
    bars = visible(chart_lines(chart("bar", ("mrr",), unit="count"), equal))
    assert len({line.count("█") for line in bars[1:]}) == 1
    single = visible(chart_lines(chart("line", ("mrr",)), FRAME.head(1)))
    assert any("$1,000" in line for line in single) and single[-1].strip() == "2024-01"
    assert visible(chart_lines(chart("line", ("mrr",)), FRAME.head(0))) == ["MRR", "no data"]
    assert visible(chart_lines(chart("bar", ("nope",)), FRAME)) == ["MRR", "no data"]
    zeros = FRAME.with_columns(pl.lit(0.0).alias("mrr"))
    assert "█" not in chart_lines(chart("bar", ("mrr",)), zeros)


def test_wide_characters_count_double() -> None:
    frame = pl.DataFrame({"k": ["顧客数の推移", "b"], "v": [3.0, 1.0]})
    out = chart_lines(Chart("w", "顧客" * 30, "t", "k", ("v",), "bar", "count"), frame, width=30)
    for line in visible(out):
        assert sum(2 if "\u3000" <= c <= "\u9fff" else 1 for c in line) <= 30


LABEL = st.text(alphabet=st.sampled_from(list("abcXYZ 019-_/éü€")), max_size=30)
VALUE = st.one_of(
    st.none(),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.sampled_from([0.0, -0.0, float("nan"), float("inf"), 1e300, -1e300]),
)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.tuples(LABEL, VALUE, VALUE), max_size=40),
    kind=st.sampled_from(["line", "column", "bar", "stacked"]),
    unit=st.sampled_from(["money", "rate", "count", "number", "multiple"]),
    width=st.integers(min_value=8, max_value=160),
    height=st.integers(min_value=1, max_value=20),
    color=st.booleans(),
)
def test_never_wider_than_width_and_never_raises(
    rows: list[tuple[str, float | None, float | None]], kind: str, unit: str, width: int, height: int, color: bool
) -> None:
    frame = pl.DataFrame(
        {"x": [r[0] for r in rows], "a": [r[1] for r in rows], "b": [r[2] for r in rows]},
        schema={"x": pl.String, "a": pl.Float64, "b": pl.Float64},
    )
    c = Chart("p", "A property", "t", "x", ("a", "b"), kind, unit)  # type: ignore[arg-type]
    out = chart_lines(c, frame, currency="EUR", width=width, height=height, color=color)
    assert_fits(out, width)
    assert out.strip()
