"""DESIGN.md §4's monthly revenue bridge with pandas/numpy (vectorised): a second independent check.

Same definitions as bridge_duckdb.py (see its docstring), reached by a different route: customer, product and
month are packed into one integer key, joins are index look-ups on that key, per-month totals are bincounts.
Rounding is half away from zero, as in SQL's round(), not numpy's half to even.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd
from bridge_duckdb import BRIDGE_COLUMNS, MONEY_COLUMNS, bridge_rows

IGNORED_STATUS = ("void", "draft", "deleted")
USECOLS = ["customer_id", "product", "quantity", "amount", "period_start", "period_end", "status"]


def _round_half_away(x: np.ndarray, decimals: int = 0) -> np.ndarray:
    f = 10.0**decimals
    return np.sign(x) * np.floor(np.abs(x) * f + 0.5) / f


def _cents(x: np.ndarray) -> np.ndarray:
    """round(round(x, 6)) half away from zero, as integers."""
    return _round_half_away(_round_half_away(x, 6)).astype(np.int64)


def _read(path: str) -> pd.DataFrame:
    df = pd.read_csv(
        path,
        usecols=USECOLS,
        dtype={c: "string" for c in USECOLS},
        keep_default_na=False,
        na_values=[""],
        engine="pyarrow",
    )
    status = df["status"].str.strip().str.lower()
    return df[~status.isin(IGNORED_STATUS).fillna(False).to_numpy(dtype=bool)]


def bridge_cents(path: str) -> list[tuple[Any, ...]]:
    df = _read(path)
    amt = pd.to_numeric(df["amount"]).to_numpy(dtype=np.float64)
    qty = pd.to_numeric(df["quantity"], errors="coerce").fillna(0).to_numpy(dtype=np.float64)
    ps = pd.to_datetime(df["period_start"], format="%Y-%m-%d")
    pe = pd.to_datetime(df["period_end"], format="%Y-%m-%d")
    m0 = (ps.dt.year * 12 + ps.dt.month - 1).to_numpy(dtype=np.int64)
    days = ((pe - ps).dt.days + 1).to_numpy(dtype=np.float64, na_value=np.nan)
    has_end = ~np.isnan(days)
    n = np.ones(len(df), dtype=np.int64)
    n[has_end] = np.maximum(1, np.round(days[has_end] / 30.4375)).astype(np.int64)  # never a tie
    asof = int(m0.max())

    cid, _ = pd.factorize(df["customer_id"].to_numpy())
    prod, _ = pd.factorize(df["product"].fillna("").to_numpy())
    n_prod = int(prod.max()) + 1
    mmin = int(m0.min())
    span = asof - mmin + 3  # month slots 1..asof-mmin+1; slot 0 and the last one stay empty
    last_slot = asof - mmin + 1

    # spread every line over its n months
    rep = np.repeat(np.arange(len(df)), n)
    k = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
    slot = m0[rep] - mmin + 1 + k
    keep = slot <= last_slot
    rep, slot = rep[keep], slot[keep]
    key = (cid[rep] * n_prod + prod[rep]) * span + slot
    share = (amt * 100 / n)[rep]
    qpos = np.where(amt > 0, qty, 0.0)[rep]
    g = pd.DataFrame({"key": key, "share": share, "q": qpos}).groupby("key", sort=True).sum()
    v = np.maximum(0, _cents(g["share"].to_numpy()))
    pos = v > 0
    pkey = g.index.to_numpy()[pos]
    pv = v[pos]
    pq = g["q"].to_numpy()[pos]

    # customer level
    p_slot = pkey % span
    p_cid = pkey // span // n_prod
    ckey_of_p = p_cid * span + p_slot
    cm = pd.Series(pv).groupby(ckey_of_p, sort=True).sum()
    ckey = cm.index.to_numpy()
    c = cm.to_numpy()
    c_slot = ckey % span
    c_cid = ckey // span
    cidx = pd.Index(ckey)
    has_prev = cidx.get_indexer(ckey - 1) >= 0
    has_next = cidx.get_indexer(ckey + 1) >= 0
    first = pd.Series(c_slot).groupby(c_cid).transform("min").to_numpy()

    def per_month(slots: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(slots, weights=weights, minlength=span + 1)[: span + 1]

    is_new = ~has_prev & (c_slot == first)
    is_react = ~has_prev & (c_slot > first)
    churned = ~has_next & (c_slot < last_slot)
    mrr_end = per_month(c_slot, c)
    cust_end = per_month(c_slot)
    new = per_month(c_slot[is_new], c[is_new])
    react = per_month(c_slot[is_react], c[is_react])
    churn = -per_month(c_slot[churned] + 1, c[churned])
    n_new = per_month(c_slot[is_new])
    n_react = per_month(c_slot[is_react])
    n_churn = per_month(c_slot[churned] + 1)

    # product level for continuing customers (MRR last month and this month)
    cont = cidx[has_prev]
    cont_idx = pd.Index(cont)
    side1 = cont_idx.get_indexer(ckey_of_p) >= 0  # product row in month m of a continuing customer
    side0 = cont_idx.get_indexer(ckey_of_p + 1) >= 0  # product row in month m−1 of one continuing in m
    both = pd.concat(
        [
            pd.DataFrame({"key": pkey[side1], "v1": pv[side1], "q1": pq[side1]}),
            pd.DataFrame({"key": pkey[side0] + 1, "v0": pv[side0], "q0": pq[side0]}),
        ]
    )
    j = both.groupby("key", sort=False).sum(min_count=0)
    v0 = j["v0"].fillna(0).to_numpy(dtype=np.float64)
    v1 = j["v1"].fillna(0).to_numpy(dtype=np.float64)
    q0 = j["q0"].fillna(0).to_numpy(dtype=np.float64)
    q1 = j["q1"].fillna(0).to_numpy(dtype=np.float64)
    j_slot = j.index.to_numpy() % span
    kept = (v0 > 0) & (v1 > 0)
    priced = kept & (q0 > 0) & (q1 > 0)
    price = np.zeros(len(j), dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        price[priced] = _cents((v1[priced] * q0[priced] - v0[priced] * q1[priced]) / q1[priced])
    volume = np.where(kept, v1 - v0 - price, 0.0)
    upsell = per_month(j_slot, np.where(v0 == 0, v1, 0.0))
    dropped = per_month(j_slot, np.where(v1 == 0, -v0, 0.0))
    expansion = per_month(j_slot, np.where(volume > 0, volume, 0.0))
    contraction = dropped + per_month(j_slot, np.where(volume < 0, volume, 0.0))
    uplift = per_month(j_slot, np.where(price > 0, price, 0.0))
    erosion = per_month(j_slot, np.where(price < 0, price, 0.0))

    first_slot = int(c_slot.min())
    rows: list[tuple[Any, ...]] = []
    for s in range(first_slot, last_slot + 1):
        rows.append(
            (
                s - 1 + mmin,
                mrr_end[s - 1],
                new[s],
                react[s],
                expansion[s],
                uplift[s],
                upsell[s],
                contraction[s],
                erosion[s],
                churn[s],
                mrr_end[s],
                cust_end[s - 1],
                n_new[s],
                n_react[s],
                n_churn[s],
                cust_end[s],
            )
        )
    return rows


def bridge_pandas(path: str) -> list[dict]:
    return bridge_rows(bridge_cents(path))


if __name__ == "__main__":
    import csv

    w = csv.DictWriter(sys.stdout, fieldnames=BRIDGE_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in bridge_pandas(sys.argv[1]):
        w.writerow({k: (f"{v:.2f}" if k in MONEY_COLUMNS else v) for k, v in r.items()})
