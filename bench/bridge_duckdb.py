"""DESIGN.md §4's monthly revenue bridge in DuckDB SQL: an independent check of csctl's numbers.

Written from the definitions only, in integer cents:
- lines with status void/draft/deleted (any case, surrounding blanks ignored) are dropped;
- a line covers n = max(1, round((period_end − period_start + 1 day) / 30.4375)) months from the month of
  period_start (n = 1 without period_end) and adds amount/n to each;
- per (customer, product, month): cents = round(round(Σ amount·100/n, 6)), half away from zero, negative → 0;
  quantity = Σ quantity of the lines with amount > 0;
- c(m) = Σ over products; the bridge of m against m−1 as in §4 (new/reactivation/churn per customer, then
  upsell/contraction/price/volume per product of continuing customers). The price effect is computed
  as (p1·q0 − p0·q1)/q1, which is (p1/q1 − p0/q0)·q0 without the intermediate float error, then rounded
  to the cent the same way as the MRR (6 decimals first, then half away from zero).
"""

from __future__ import annotations

import sys
from typing import Any

BRIDGE_COLUMNS = [
    "month",
    "mrr_start",
    "new",
    "reactivation",
    "expansion",
    "price_uplift",
    "upsell",
    "contraction",
    "price_erosion",
    "churn",
    "mrr_end",
    "customers_start",
    "customers_new",
    "customers_reactivated",
    "customers_churned",
    "customers_end",
]
MONEY_COLUMNS = BRIDGE_COLUMNS[1:11]
COUNT_COLUMNS = BRIDGE_COLUMNS[11:]

_SQL = """
WITH raw AS (
    SELECT customer_id AS cid,
           coalesce(product, '') AS prod,
           coalesce(TRY_CAST(quantity AS DOUBLE), 0) AS q,
           CAST(amount AS DOUBLE) AS amt,
           CAST(period_start AS DATE) AS ps,
           CAST(period_end AS DATE) AS pe
    FROM read_csv($path, header = true, all_varchar = true)
    WHERE status IS NULL OR lower(trim(status)) NOT IN ('void', 'draft', 'deleted')
),
lines AS (
    SELECT cid, prod, q, amt,
           year(ps) * 12 + month(ps) - 1 AS m0,
           CASE WHEN pe IS NULL THEN 1
                ELSE greatest(1, CAST(round((date_diff('day', ps, pe) + 1) / 30.4375) AS BIGINT))
           END AS n
    FROM raw
),
lim AS (SELECT max(m0) AS asof_m FROM lines),
-- spread each line over its months; per (customer, product, month) in cents
cpm AS (
    SELECT cid, prod, m,
           greatest(0, round(round(sum(amt * 100 / n), 6))) AS v,
           sum(CASE WHEN amt > 0 THEN q ELSE 0 END) AS qty
    FROM (SELECT cid, prod, q, amt, n, m0 + unnest(range(n)) AS m FROM lines)
    WHERE m <= (SELECT asof_m FROM lim)
    GROUP BY cid, prod, m
),
pm AS (SELECT cid, prod, m, v, qty FROM cpm WHERE v > 0),
cm AS (SELECT cid, m, sum(v) AS c FROM pm GROUP BY cid, m),
firsts AS (SELECT cid, min(m) AS fm FROM cm GROUP BY cid),
months AS (
    SELECT unnest(range((SELECT min(m) FROM cm), (SELECT asof_m FROM lim) + 1)) AS m
),
-- customer level: one row per (customer, month) where it has MRR now or had last month
cust AS (
    SELECT coalesce(cur.cid, prev.cid) AS cid,
           coalesce(cur.m, prev.m + 1) AS m,
           coalesce(prev.c, 0) AS c0,
           coalesce(cur.c, 0) AS c1
    FROM cm AS cur
    FULL OUTER JOIN cm AS prev ON prev.cid = cur.cid AND prev.m + 1 = cur.m
    WHERE coalesce(cur.m, prev.m + 1) <= (SELECT asof_m FROM lim)
),
cust_moves AS (
    SELECT cust.m,
           sum(c0) AS mrr_start,
           sum(c1) AS mrr_end,
           sum(CASE WHEN c0 = 0 AND c1 > 0 AND cust.m = f.fm THEN c1 ELSE 0 END) AS new,
           sum(CASE WHEN c0 = 0 AND c1 > 0 AND cust.m > f.fm THEN c1 ELSE 0 END) AS reactivation,
           -sum(CASE WHEN c0 > 0 AND c1 = 0 THEN c0 ELSE 0 END) AS churn,
           count(*) FILTER (WHERE c0 > 0) AS customers_start,
           count(*) FILTER (WHERE c0 = 0 AND c1 > 0 AND cust.m = f.fm) AS customers_new,
           count(*) FILTER (WHERE c0 = 0 AND c1 > 0 AND cust.m > f.fm) AS customers_reactivated,
           count(*) FILTER (WHERE c0 > 0 AND c1 = 0) AS customers_churned,
           count(*) FILTER (WHERE c1 > 0) AS customers_end
    FROM cust JOIN firsts AS f USING (cid)
    GROUP BY cust.m
),
cont AS (SELECT cid, m FROM cust WHERE c0 > 0 AND c1 > 0),
p1 AS (SELECT pm.* FROM pm SEMI JOIN cont ON cont.cid = pm.cid AND cont.m = pm.m),
p0 AS (SELECT pm.cid, pm.prod, pm.m + 1 AS m, pm.v, pm.qty FROM pm
       SEMI JOIN cont ON cont.cid = pm.cid AND cont.m = pm.m + 1),
prod AS (
    SELECT coalesce(p1.m, p0.m) AS m,
           coalesce(p0.v, 0) AS v0, coalesce(p1.v, 0) AS v1,
           coalesce(p0.qty, 0) AS q0, coalesce(p1.qty, 0) AS q1
    FROM p1 FULL OUTER JOIN p0 ON p0.cid = p1.cid AND p0.prod = p1.prod AND p0.m = p1.m
),
prod_fx AS (
    SELECT m, v0, v1,
           CASE WHEN v0 > 0 AND v1 > 0 AND q0 > 0 AND q1 > 0
                THEN round(round((v1 * q0 - v0 * q1) / q1, 6)) ELSE 0 END AS price
    FROM prod
),
prod_moves AS (
    SELECT m,
           sum(CASE WHEN v0 = 0 THEN v1 ELSE 0 END) AS upsell,
           sum(CASE WHEN v0 > 0 AND v1 > 0 AND v1 - v0 - price > 0 THEN v1 - v0 - price ELSE 0 END)
               AS expansion,
           sum(CASE WHEN v1 = 0 THEN -v0 ELSE 0 END)
             + sum(CASE WHEN v0 > 0 AND v1 > 0 AND v1 - v0 - price < 0 THEN v1 - v0 - price ELSE 0 END)
               AS contraction,
           sum(CASE WHEN price > 0 THEN price ELSE 0 END) AS price_uplift,
           sum(CASE WHEN price < 0 THEN price ELSE 0 END) AS price_erosion
    FROM prod_fx GROUP BY m
)
SELECT months.m,
       coalesce(c.mrr_start, 0), coalesce(c.new, 0), coalesce(c.reactivation, 0),
       coalesce(p.expansion, 0), coalesce(p.price_uplift, 0), coalesce(p.upsell, 0),
       coalesce(p.contraction, 0), coalesce(p.price_erosion, 0), coalesce(c.churn, 0),
       coalesce(c.mrr_end, 0),
       coalesce(c.customers_start, 0), coalesce(c.customers_new, 0), coalesce(c.customers_reactivated, 0),
       coalesce(c.customers_churned, 0), coalesce(c.customers_end, 0)
FROM months
LEFT JOIN cust_moves AS c USING (m)
LEFT JOIN prod_moves AS p USING (m)
ORDER BY months.m
"""


def bridge_rows(cents_rows: list[tuple[Any, ...]]) -> list[dict]:
    """(month index, 10 money values in cents, 5 counts) → output rows with money in currency units."""
    out = []
    for r in cents_rows:
        mi = int(r[0])
        row: dict = {"month": f"{mi // 12:04d}-{mi % 12 + 1:02d}"}
        for name, val in zip(MONEY_COLUMNS, r[1:11], strict=True):
            row[name] = round(float(val)) / 100
        for name, val in zip(COUNT_COLUMNS, r[11:], strict=True):
            row[name] = int(val)
        out.append(row)
    return out


def bridge_duckdb(path: str) -> list[dict]:
    import duckdb

    con = duckdb.connect()
    try:
        rows = con.execute(_SQL, {"path": str(path)}).fetchall()
    finally:
        con.close()
    return bridge_rows(rows)


if __name__ == "__main__":
    import csv

    w = csv.DictWriter(sys.stdout, fieldnames=BRIDGE_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in bridge_duckdb(sys.argv[1]):
        w.writerow({k: (f"{v:.2f}" if k in MONEY_COLUMNS else v) for k, v in r.items()})
