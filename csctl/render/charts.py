"""The charts people would rather look at than read, as (Chart, frame) pairs over the steps' own tables.

Shared by csctl report (Excel, HTML) and ``--chart`` on numbers and health (the terminal). The frames are the
Results' tables selected or reshaped for drawing; no figure is computed here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from csctl.result import Chart

if TYPE_CHECKING:
    from csctl.result import Result

MOVES = ("new", "reactivation", "expansion", "price_uplift", "upsell", "contraction", "price_erosion", "churn")


def bridge_charts(bridge: Result, months: int = 12) -> list[tuple[Chart, pl.DataFrame]]:
    frame = bridge.tables["bridge"].frame.tail(months)
    return [
        (
            Chart(
                "mrr",
                f"MRR by month (last {frame.height} months)",
                "bridge",
                "month",
                ("mrr_end",),
                "line",
                "money",
                "Each point is the MRR at the month's end, as in the revenue bridge's last column.",
            ),
            frame,
        ),
        (
            Chart(
                "mrr_bridge",
                f"MRR bridge by month (last {frame.height} months)",
                "bridge",
                "month",
                MOVES,
                "stacked",
                "money",
                "Above the axis what added MRR (new, reactivation, expansion, price uplift, upsell); below it what "
                "took MRR away (contraction, price erosion, churn).",
            ),
            frame,
        ),
    ]


def revenue_chart(quarters: Result, forecast: Result) -> tuple[Chart, pl.DataFrame]:
    """Revenue of the last 8 quarters beside the base case's projected years (shown as an average quarter)."""
    past = quarters.tables["quarters"].frame.select(
        pl.col("quarter").alias("period"), pl.col("revenue"), pl.lit(None, pl.Float64).alias("forecast")
    )
    base = forecast.tables["forecast"].frame.filter(pl.col("case") == "base")
    ahead = base.select(
        pl.concat_str(pl.lit("Year "), pl.col("year").cast(pl.String)).alias("period"),
        pl.lit(None, pl.Float64).alias("revenue"),
        pl.col("revenue_per_quarter").alias("forecast"),
    )
    chart = Chart(
        "revenue_quarters",
        "Revenue by quarter, and the forecast",
        "quarters",
        "period",
        ("revenue", "forecast"),
        "column",
        "money",
        "The last 8 complete quarters' revenue; Year 1 and Year 2 are the base case's average quarter in each "
        "of the next two years (a run-rate projection, not a prediction).",
    )
    return chart, pl.concat([past, ahead])


def health_charts(health: Result) -> list[tuple[Chart, pl.DataFrame]]:
    bands = ("green", "yellow", "red")
    pairs = []
    for table, by, title in (("by_segment", "segment", "by segment"), ("by_csm", "csm", "by CSM")):
        if table in health.tables:
            frame = health.tables[table].frame.select(by, *bands)
            caption = (
                "Customers in each band (green healthy, yellow at risk, red in trouble) from the health scorecards."
            )
            chart = Chart(f"health_{by}", f"Health bands {title}", table, by, bands, "stacked", "count", caption)
            pairs.append((chart, frame))
    return pairs


def levers_chart(opportunity: Result) -> tuple[Chart, pl.DataFrame]:
    levers = opportunity.tables["levers"].frame
    if "status" in levers.columns:  # an unmeasured lever has no value to draw
        levers = levers.filter(pl.col("status") == "measured")
    frame = levers.select(pl.concat_str(pl.col("segment"), pl.lit(" · "), pl.col("lever")).alias("option"), "net_value")
    return Chart(
        "ltv_levers",
        "LTV levers: net value by segment and lever",
        "levers",
        "option",
        ("net_value",),
        "bar",
        "money",
        "Net value is the LTV gained less what the lever costs; unmeasured levers are not drawn.",
    ), frame
