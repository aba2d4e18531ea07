"""The charts people would rather look at than read, over the steps' own tables: each step that owns the figures
fills its Result's charts with these (csctl/run/steps.py).

Drawn by csctl report (Excel, HTML), by -f html, and by ``--chart`` on numbers and health (the terminal). Each
chart's frame is its Result's table selected or reshaped for drawing; no figure is computed here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from csctl.core.bridge import MOVEMENTS
from csctl.result import Chart

if TYPE_CHECKING:
    from csctl.result import Result

BRIDGE_MONTHS = 24  # the months the MRR charts show (the bridge table holds them all)


def bridge_charts(bridge: Result, months: int = BRIDGE_MONTHS) -> list[Chart]:
    frame = bridge.tables["bridge"].frame.tail(months)
    return [
        Chart(
            "mrr",
            f"MRR by month (last {frame.height} months)",
            "bridge",
            "month",
            ("mrr_end",),
            "line",
            "money",
            "Each point is the MRR at the month's end, as in the revenue bridge's last column.",
            frame,
        ),
        Chart(
            "mrr_bridge",
            f"MRR bridge by month (last {frame.height} months)",
            "bridge",
            "month",
            MOVEMENTS,  # the bridge's own movements, in its order
            "stacked",
            "money",
            "Above the axis what added MRR (new, reactivation, expansion, price uplift, upsell); below it what "
            "took MRR away (contraction, price erosion, churn).",
            frame,
        ),
    ]


def revenue_chart(quarters: Result, forecast: Result | None) -> Chart:
    """Revenue of the last 8 quarters beside the base case's projected years (shown as an average quarter; without
    a forecast, the quarters alone)."""
    past = quarters.tables["quarters"].frame.select(
        pl.col("quarter").alias("period"), pl.col("revenue"), pl.lit(None, pl.Float64).alias("forecast")
    )
    if forecast is None:
        return Chart(
            "revenue_quarters",
            "Revenue by quarter",
            "quarters",
            "period",
            ("revenue",),
            "column",
            "money",
            "The last 8 complete quarters' revenue (too little history for a forecast).",
            past.drop("forecast"),
        )
    base = forecast.tables["forecast"].frame.filter(pl.col("case") == "base")
    ahead = base.select(
        pl.concat_str(pl.lit("Year "), pl.col("year").cast(pl.String)).alias("period"),
        pl.lit(None, pl.Float64).alias("revenue"),
        pl.col("revenue_per_quarter").alias("forecast"),
    )
    return Chart(
        "revenue_quarters",
        "Revenue by quarter, and the forecast",
        "quarters",
        "period",
        ("revenue", "forecast"),
        "column",
        "money",
        "The last 8 complete quarters' revenue; Year 1 and Year 2 are the base case's average quarter in each "
        "of the next two years (a run-rate projection, not a prediction).",
        pl.concat([past, ahead]),
    )


def health_charts(health: Result) -> list[Chart]:
    bands = ("green", "yellow", "red")
    charts = []
    for table, by, title in (("by_segment", "segment", "by segment"), ("by_csm", "csm", "by CSM")):
        if table in health.tables:
            frame = health.tables[table].frame.select(by, *bands)
            caption = (
                "Customers in each band (green healthy, yellow at risk, red in trouble) from the health scorecards."
            )
            charts.append(
                Chart(f"health_{by}", f"Health bands {title}", table, by, bands, "stacked", "count", caption, frame)
            )
    return charts


def levers_chart(opportunity: Result) -> Chart:
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
        frame,
    )
