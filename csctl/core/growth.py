"""Net new MRR and MRR growth: the first lines of a monthly review, from the as-of month's bridge figures.

net_new_mrr = new + reactivation + expansion + price uplift + upsell + contraction + price erosion + churn (the
bridge's movements, signed), which is MRR now − MRR last month; mrr_growth = net_new_mrr / MRR last month (null
when last month had no MRR). ``lead`` puts them at the head of the numbers summary table, after MRR.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import polars as pl

MOVEMENTS = (
    "new_mrr",
    "reactivation_mrr",
    "expansion_mrr",
    "price_uplift_mrr",
    "upsell_mrr",
    "contraction_mrr",
    "price_erosion_mrr",
    "churn_mrr",
)
LEAD = ("mrr", "net_new_mrr", "mrr_growth")


def growth(metrics: Mapping[str, float | int | None]) -> dict[str, float | None]:
    """{net_new_mrr, mrr_growth} from the bridge metrics; both null when a movement or MRR is missing."""
    parts = [metrics.get(name) for name in MOVEMENTS]
    mrr = metrics.get("mrr")
    if mrr is None or any(p is None for p in parts):
        return {"net_new_mrr": None, "mrr_growth": None}
    net = round(math.fsum(float(p) for p in parts if p is not None), 2) + 0.0
    start = round(float(mrr) - net, 2)
    return {"net_new_mrr": net, "mrr_growth": None if start <= 0 else net / start}


def lead(summary: pl.DataFrame, rows: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    """The summary table with ``rows`` (section, metric, label, value, unit) right after its MRR row."""
    extra = pl.DataFrame(rows, schema=summary.schema)
    known = summary.filter(~pl.col("metric").is_in(extra["metric"].to_list()))
    position = known["metric"].to_list().index("mrr") + 1 if "mrr" in known["metric"].to_list() else 0
    return pl.concat([known.head(position), extra, known.slice(position)])
