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
                "mrr", f"MRR by month (last {frame.height} months)", "bridge", "month", ("mrr_end",), "line", "money"
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
        pl.concat_str(pl.lit("year "), pl.col("year").cast(pl.String), pl.lit(" /4")).alias("period"),
        pl.lit(None, pl.Float64).alias("revenue"),
        pl.col("revenue_per_quarter").alias("forecast"),
    )
    chart = Chart(
        "revenue_quarters",
        "Revenue by quarter, and the base-case forecast (a projected year's average quarter)",
        "quarters",
        "period",
        ("revenue", "forecast"),
        "column",
        "money",
    )
    return chart, pl.concat([past, ahead])


def health_charts(health: Result) -> list[tuple[Chart, pl.DataFrame]]:
    bands = ("green", "yellow", "red")
    pairs = []
    for table, by, title in (("by_segment", "segment", "by segment"), ("by_csm", "csm", "by CSM")):
        if table in health.tables:
            frame = health.tables[table].frame.select(by, *bands)
            pairs.append((Chart(f"health_{by}", f"Health bands {title}", table, by, bands, "stacked", "count"), frame))
    return pairs


def levers_chart(opportunity: Result) -> tuple[Chart, pl.DataFrame]:
    levers = opportunity.tables["levers"].frame
    frame = levers.select(pl.concat_str(pl.col("segment"), pl.lit(" · "), pl.col("lever")).alias("option"), "net_value")
    return Chart(
        "ltv_levers", "LTV levers: net value by segment and lever", "levers", "option", ("net_value",), "bar", "money"
    ), frame
