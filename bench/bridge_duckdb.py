"""docs/definitions.md's monthly revenue bridge in DuckDB SQL: an independent check of csctl's numbers.

Written from the definition only (MRR as a month-end snapshot of service periods), in one SQL statement:
- lines whose status (trimmed, any case) is void, voided, draft, deleted, canceled or cancelled are dropped;
- exclusive ends are detected over consecutive positive lines of a customer and product (every line, not a sample);
- one-off lines (a period of one day at most) and negative lines without period_end are not MRR;
- a line without period_end covers one calendar month; whole lines (a week, or k months with k in 1, 3, 6, 12 or a
  multiple of 12, filling the cycle) are rated amount / interval; partial lines take the interval of the nearest
  whole line in time of the same customer and product (two ASOF joins, ties to the earlier line), else the
  shortest standard cycle ending on their last day that holds them, and are scaled to a whole cycle; cent
  snapping to the nearest whole line of the same plan within the rounding of the amount;
- each month is measured at its snapshot day (the last day; the latest start date in the month in progress);
- per (customer, product, plan, month): net rounded to cents, held when net > 0 and net >= 1% of the positive
  rates (compared before rounding), seats = positive lines' less negative lines' ($0.00 lines neither), credits
  where a plan has negative lines only; c(m) = max(0, Σ held + Σ credits);
- the opening month F, the longest term T, the bridge from F + T (from F with history_starts) to the last
  complete month, and the movements of §"The revenue bridge" (price effect (p1/q1 − p0/q0) × q0 with the same
  plan set, rounded half away from zero after 6 decimals, as csctl rounds).
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
EXCLUDED = ("void", "voided", "draft", "deleted", "canceled", "cancelled")

_SQL = """
WITH raw AS (
    SELECT {cid} AS cid, coalesce({prod}, '') AS prod, coalesce({plan}, '') AS plan,
           TRY_CAST({quantity} AS DOUBLE) AS q, CAST(amount AS DOUBLE) AS amt,
           CAST(period_start AS DATE) AS ps, CAST({period_end} AS DATE) AS pe0
    FROM read_csv($path, header = true, all_varchar = true)
    WHERE {status} IS NULL OR lower(trim({status})) NOT IN ({excluded})
),
latest AS (SELECT max(ps) AS l, year(max(ps)) * 12 + month(max(ps)) - 1 AS lm FROM raw),
pairs AS (
    SELECT pe0, lead(ps) OVER (PARTITION BY cid, prod ORDER BY ps) AS nps
    FROM raw WHERE amt > 0 AND pe0 IS NOT NULL
),
conv AS (
    SELECT count(*) FILTER (WHERE nps = pe0) > count(*) FILTER (WHERE nps = pe0 + 1) AS exclusive FROM pairs
),
lines AS (
    SELECT cid, prod, plan, q, amt, ps,
           CASE WHEN pe0 IS NULL THEN NULL
                WHEN (SELECT exclusive FROM conv) THEN pe0 - 1 ELSE pe0 END AS pe1
    FROM raw
),
kept AS (
    SELECT row_number() OVER () AS line, cid, prod, plan, q, amt, ps,
           pe1 IS NULL AS whole_monthly,
           coalesce(pe1, CAST(ps + INTERVAL 1 MONTH AS DATE) - 1) AS pe
    FROM lines
    WHERE NOT (pe1 IS NOT NULL AND pe1 <= ps) AND NOT (pe1 IS NULL AND amt < 0)
),
sized AS (
    SELECT *, date_diff('day', ps, pe) + 1 AS d, pe + 1 AS aft,
           CAST(round((date_diff('day', ps, pe) + 1) / 30.4375) AS INTEGER) AS guess
    FROM kept
),
typed AS (
    SELECT *,
           CASE WHEN whole_monthly THEN 1
                WHEN d = 7 THEN 0
                WHEN (guess IN (1, 3, 6, 12) OR (guess % 12 = 0 AND guess > 0))
                     AND (year(aft) * 12 + month(aft)) - (year(ps) * 12 + month(ps)) = guess
                     AND (day(aft) = least(day(ps), day(last_day(aft)))
                          OR day(ps) = least(day(aft), day(last_day(ps))))
                THEN guess
           END AS iv
    FROM sized
),
whole AS (
    SELECT *, amt / CASE WHEN iv = 0 THEN 12.0 / 52 ELSE iv END AS rate FROM typed WHERE iv IS NOT NULL
),
part AS (SELECT * FROM typed WHERE iv IS NULL),
near_iv AS (
    SELECT p.line,
           CASE WHEN b.iv IS NULL THEN a.iv WHEN a.iv IS NULL THEN b.iv
                WHEN date_diff('day', b.ps, p.ps) <= date_diff('day', p.ps, a.ps) THEN b.iv ELSE a.iv END AS iv
    FROM part p
    ASOF LEFT JOIN whole b ON p.cid = b.cid AND p.prod = b.prod AND p.ps >= b.ps
    ASOF LEFT JOIN whole a ON p.cid = a.cid AND p.prod = a.prod AND p.ps < a.ps
),
part_iv AS (
    SELECT p.* EXCLUDE (iv),
           coalesce(n.iv,
             CASE WHEN p.d <= 7 THEN 0
                  WHEN p.d <= date_diff('day', CAST(p.aft - INTERVAL 1 MONTH AS DATE), p.aft) THEN 1
                  WHEN p.d <= date_diff('day', CAST(p.aft - INTERVAL 3 MONTH AS DATE), p.aft) THEN 3
                  WHEN p.d <= date_diff('day', CAST(p.aft - INTERVAL 6 MONTH AS DATE), p.aft) THEN 6
                  WHEN p.d <= date_diff('day', CAST(p.aft - to_months(12 * CAST(ceil(p.d / 366) AS INTEGER))
                                                AS DATE), p.aft)
                  THEN 12 * CAST(ceil(p.d / 366) AS INTEGER)
                  ELSE 12 * (CAST(ceil(p.d / 366) AS INTEGER) + 1) END) AS iv
    FROM part p LEFT JOIN near_iv n USING (line)
),
part_rated AS (
    SELECT *, amt / scale AS raw_rate FROM (
        SELECT *, (CASE WHEN iv = 0 THEN 12.0 / 52 ELSE iv END) * d
                  / (CASE WHEN iv = 0 THEN 7 ELSE date_diff('day', CAST(aft - to_months(iv) AS DATE), aft) END)
                  AS scale
        FROM part_iv)
),
near_rate AS (
    SELECT p.line,
           CASE WHEN b.line IS NULL THEN abs(a.rate) WHEN a.line IS NULL THEN abs(b.rate)
                WHEN date_diff('day', b.ps, p.ps) <= date_diff('day', p.ps, a.ps) THEN abs(b.rate)
                ELSE abs(a.rate) END AS wr,
           CASE WHEN b.line IS NULL THEN a.q WHEN a.line IS NULL THEN b.q
                WHEN date_diff('day', b.ps, p.ps) <= date_diff('day', p.ps, a.ps) THEN b.q ELSE a.q END AS wq
    FROM part p
    ASOF LEFT JOIN whole b ON p.cid = b.cid AND p.prod = b.prod AND p.plan = b.plan AND p.ps >= b.ps
    ASOF LEFT JOIN whole a ON p.cid = a.cid AND p.prod = a.prod AND p.plan = a.plan AND p.ps < a.ps
),
part_final AS (
    SELECT r.cid, r.prod, r.plan, r.q, r.ps, r.pe,
           CASE WHEN abs(r.q) > 0 AND n.wq > 0
                     AND abs(abs(r.raw_rate) / abs(r.q) - n.wr / n.wq) <= (0.005 / r.scale + 1e-9) / abs(r.q)
                THEN sign(r.amt) * n.wr / n.wq * abs(r.q)
                WHEN NOT coalesce(abs(r.q) > 0 AND n.wq > 0, false)
                     AND abs(abs(r.raw_rate) - n.wr) <= 0.005 / r.scale + 1e-9
                THEN sign(r.amt) * n.wr
                ELSE r.raw_rate END AS rate
    FROM part_rated r LEFT JOIN near_rate n USING (line)
),
covered AS (
    SELECT cid, prod, plan, q, ps, pe, rate FROM whole
    UNION ALL SELECT cid, prod, plan, q, ps, pe, rate FROM part_final
),
spans AS (
    SELECT *, year(ps) * 12 + month(ps) - 1 AS first_m,
           CASE WHEN em > lm THEN lm
                WHEN pe >= CASE WHEN em = lm THEN l ELSE last_day(pe) END THEN em
                ELSE em - 1 END AS stop_m
    FROM (SELECT *, year(pe) * 12 + month(pe) - 1 AS em FROM covered, latest)
),
spread AS (
    SELECT cid, prod, plan, q, rate, unnest(range(first_m, stop_m + 1)) AS m FROM spans WHERE stop_m >= first_m
),
plan_sums AS (
    SELECT cid, prod, plan, m,
           sum(rate) AS net, sum(CASE WHEN rate > 0 THEN rate ELSE 0 END) AS gross,
           count(*) FILTER (WHERE rate > 0) AS positives,
           sum(CASE WHEN rate > 0 AND q IS NOT NULL THEN q ELSE 0 END) AS q_in,
           sum(CASE WHEN rate < 0 AND q IS NOT NULL THEN abs(q) ELSE 0 END) AS q_out,
           count(*) FILTER (WHERE rate > 0 AND q IS NOT NULL) AS counted
    FROM spread GROUP BY ALL
),
plan_cents AS (
    SELECT *, CAST(round(round(net * 100, 6)) AS BIGINT) AS cents FROM plan_sums
),
held AS (
    SELECT cid, prod, plan, m, cents AS v, CASE WHEN counted > 0 THEN q_in - q_out END AS qty
    FROM plan_cents WHERE positives > 0 AND cents > 0 AND net >= 0.01 * gross - 1e-9
),
credit AS (
    SELECT cid, m, sum(cents) AS cr FROM plan_cents WHERE positives = 0 AND cents < 0 GROUP BY ALL
),
longest AS (SELECT greatest(1, coalesce(max(iv), 1)) AS t FROM whole),
bounds AS (
    SELECT CASE WHEN l = last_day(l) THEN lm ELSE lm - 1 END AS as_of FROM latest
),
opening AS (SELECT min(m) AS f FROM held WHERE m <= (SELECT as_of FROM bounds)),
frame AS (
    SELECT CASE WHEN {history} THEN f ELSE f + t END AS first_m, as_of FROM opening, longest, bounds
),
prod_m AS (
    SELECT cid, prod, m, sum(v) AS v, coalesce(sum(qty), 0) AS qty, string_agg(plan, '|' ORDER BY plan) AS plans
    FROM held WHERE m <= (SELECT as_of FROM frame) GROUP BY ALL
),
cust_m AS (
    SELECT cid, m, sum(x) AS c FROM (
        SELECT cid, m, v AS x FROM held WHERE m <= (SELECT as_of FROM frame)
        UNION ALL SELECT cid, m, cr FROM credit WHERE m <= (SELECT as_of FROM frame))
    GROUP BY ALL HAVING sum(x) > 0
),
firsts AS (SELECT cid, min(m) AS fm FROM cust_m GROUP BY cid),
cr_m AS (SELECT cid, m, cr FROM credit WHERE m <= (SELECT as_of FROM frame)),
cust AS (
    SELECT coalesce(cur.cid, prev.cid) AS cid, coalesce(cur.m, prev.m + 1) AS m,
           coalesce(prev.c, 0) AS c0, coalesce(cur.c, 0) AS c1
    FROM cust_m AS cur FULL OUTER JOIN cust_m AS prev ON prev.cid = cur.cid AND prev.m + 1 = cur.m
),
cust_in AS (
    SELECT cust.*, f.fm FROM cust JOIN firsts f USING (cid), frame
    WHERE cust.m BETWEEN frame.first_m AND frame.as_of
),
cust_moves AS (
    SELECT m, sum(c0) AS mrr_start, sum(c1) AS mrr_end,
           sum(CASE WHEN c0 = 0 AND c1 > 0 AND m = fm THEN c1 ELSE 0 END) AS new,
           sum(CASE WHEN c0 = 0 AND c1 > 0 AND m > fm THEN c1 ELSE 0 END) AS reactivation,
           -sum(CASE WHEN c0 > 0 AND c1 = 0 THEN c0 ELSE 0 END) AS churn,
           count(*) FILTER (WHERE c0 > 0) AS customers_start,
           count(*) FILTER (WHERE c0 = 0 AND c1 > 0 AND m = fm) AS customers_new,
           count(*) FILTER (WHERE c0 = 0 AND c1 > 0 AND m > fm) AS customers_reactivated,
           count(*) FILTER (WHERE c0 > 0 AND c1 = 0) AS customers_churned,
           count(*) FILTER (WHERE c1 > 0) AS customers_end
    FROM cust_in GROUP BY m
),
cont AS (SELECT cid, m FROM cust_in WHERE c0 > 0 AND c1 > 0),
p1 AS (SELECT p.* FROM prod_m p SEMI JOIN cont ON cont.cid = p.cid AND cont.m = p.m),
p0 AS (SELECT p.cid, p.prod, p.m + 1 AS m, p.v, p.qty, p.plans FROM prod_m p
       SEMI JOIN cont ON cont.cid = p.cid AND cont.m = p.m + 1),
prod AS (
    SELECT coalesce(p1.m, p0.m) AS m, coalesce(p0.v, 0) AS v0, coalesce(p1.v, 0) AS v1,
           coalesce(p0.qty, 0) AS q0, coalesce(p1.qty, 0) AS q1, p0.plans IS NOT DISTINCT FROM p1.plans AS same
    FROM p1 FULL OUTER JOIN p0 ON p0.cid = p1.cid AND p0.prod = p1.prod AND p0.m = p1.m
),
prod_fx AS (
    SELECT m, v0, v1,
           CASE WHEN v0 > 0 AND v1 > 0 AND same AND q0 > 0 AND q1 > 0
                THEN CAST(round(round((CAST(v1 AS DOUBLE) / q1 - CAST(v0 AS DOUBLE) / q0) * q0, 6)) AS BIGINT)
                ELSE 0 END AS price
    FROM prod
),
prod_moves AS (
    SELECT m,
           sum(CASE WHEN v0 = 0 THEN v1 ELSE 0 END) AS upsell,
           sum(CASE WHEN v0 > 0 AND v1 > 0 AND v1 - v0 - price > 0 THEN v1 - v0 - price ELSE 0 END) AS expansion,
           sum(CASE WHEN v1 = 0 THEN -v0 ELSE 0 END)
             + sum(CASE WHEN v0 > 0 AND v1 > 0 AND v1 - v0 - price < 0 THEN v1 - v0 - price ELSE 0 END)
               AS contraction,
           sum(CASE WHEN price > 0 THEN price ELSE 0 END) AS price_uplift,
           sum(CASE WHEN price < 0 THEN price ELSE 0 END) AS price_erosion
    FROM prod_fx GROUP BY m
),
cr_moves AS (
    SELECT cont.m,
           sum(greatest(coalesce(c1.cr, 0) - coalesce(c0.cr, 0), 0)) AS uplift,
           sum(least(coalesce(c1.cr, 0) - coalesce(c0.cr, 0), 0)) AS erosion
    FROM cont LEFT JOIN cr_m c1 ON c1.cid = cont.cid AND c1.m = cont.m
              LEFT JOIN cr_m c0 ON c0.cid = cont.cid AND c0.m + 1 = cont.m
    GROUP BY cont.m
),
months AS (SELECT unnest(range(first_m, as_of + 1)) AS m FROM frame)
SELECT months.m,
       coalesce(c.mrr_start, 0), coalesce(c.new, 0), coalesce(c.reactivation, 0),
       coalesce(p.expansion, 0), coalesce(p.price_uplift, 0) + coalesce(r.uplift, 0), coalesce(p.upsell, 0),
       coalesce(p.contraction, 0), coalesce(p.price_erosion, 0) + coalesce(r.erosion, 0), coalesce(c.churn, 0),
       coalesce(c.mrr_end, 0),
       coalesce(c.customers_start, 0), coalesce(c.customers_new, 0), coalesce(c.customers_reactivated, 0),
       coalesce(c.customers_churned, 0), coalesce(c.customers_end, 0)
FROM months
LEFT JOIN cust_moves AS c USING (m)
LEFT JOIN prod_moves AS p USING (m)
LEFT JOIN cr_moves AS r USING (m)
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


def _sql(columns: list[str], history_starts: str | None) -> str:
    def col(name: str) -> str:
        return name if name in columns else "CAST(NULL AS VARCHAR)"

    return _SQL.format(
        cid="customer_id",
        prod=col("product"),
        plan=col("plan"),
        quantity=col("quantity"),
        period_end=col("period_end"),
        status=col("status"),
        excluded=", ".join(f"'{s}'" for s in EXCLUDED),
        history="true" if history_starts else "false",
    )


def bridge_duckdb(path: str, history_starts: str | None = None) -> list[dict]:
    """The bridge of a canonical billing CSV; ``history_starts`` (YYYY-MM) as billing.history_starts."""
    import duckdb

    con = duckdb.connect()
    try:
        columns = [
            r[0] for r in con.execute("DESCRIBE SELECT * FROM read_csv($p, header = true)", {"p": path}).fetchall()
        ]
        rows = con.execute(_sql(columns, history_starts), {"path": str(path)}).fetchall()
    finally:
        con.close()
    return bridge_rows(rows)


if __name__ == "__main__":
    import csv

    w = csv.DictWriter(sys.stdout, fieldnames=BRIDGE_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in bridge_duckdb(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None):
        w.writerow({k: (f"{v:.2f}" if k in MONEY_COLUMNS else v) for k, v in r.items()})
