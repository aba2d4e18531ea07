"""A plain-Python reading of DESIGN.md §4's bridge, exact with Fractions: the judge for small files.

Written for clarity, not speed: one dict per level, a loop per rule. bench_numbers.py runs it on the
small files only, next to DuckDB, pandas and csctl.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from datetime import date
from fractions import Fraction

from bridge_duckdb import BRIDGE_COLUMNS, MONEY_COLUMNS, bridge_rows


def _round_half_away(x: Fraction) -> int:
    r = int(abs(x) + Fraction(1, 2))  # floor for non-negative values
    return r if x >= 0 else -r


def bridge_reference(path: str) -> list[dict]:
    value: dict[tuple[str, str, int], Fraction] = defaultdict(Fraction)
    qty: dict[tuple[str, str, int], Fraction] = defaultdict(Fraction)
    starts: list[int] = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for line in csv.DictReader(fh):
            if (line.get("status") or "").strip().lower() in ("void", "draft", "deleted"):
                continue
            ps = date.fromisoformat(line["period_start"])
            pe_text = (line.get("period_end") or "").strip()
            if pe_text:
                days = (date.fromisoformat(pe_text) - ps).days + 1
                n = max(1, round(days / 30.4375))  # x.5 cannot occur: 30.4375 = 487/16
            else:
                n = 1
            m0 = ps.year * 12 + ps.month - 1
            starts.append(m0)
            amount = Fraction(line["amount"])
            q = Fraction(line["quantity"]) if (line.get("quantity") or "").strip() else Fraction(0)
            product = line.get("product") or ""
            for k in range(n):
                key = (line["customer_id"], product, m0 + k)
                value[key] += amount * 100 / n
                if amount > 0:
                    qty[key] += q
    asof = max(starts)
    # per (customer, product, month) in cents, negative → 0; keep only positive values
    p: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    pq: dict[tuple[str, str, int], Fraction] = {}
    for (cust, prod, m), v in value.items():
        cents = max(0, _round_half_away(v))
        if m <= asof and cents > 0:
            p[(cust, m)][prod] = cents
            pq[(cust, prod, m)] = qty[(cust, prod, m)]
    c = {key: sum(prods.values()) for key, prods in p.items()}
    first_month: dict[str, int] = {}
    for cust, m in sorted(c, key=lambda k: k[1]):
        first_month.setdefault(cust, m)
    customers = sorted(first_month)
    rows: list[tuple[int, ...]] = []
    for m in range(min(first_month.values()), asof + 1):
        t = dict.fromkeys(BRIDGE_COLUMNS[1:], 0)
        for cust in customers:
            c0, c1 = c.get((cust, m - 1), 0), c.get((cust, m), 0)
            t["mrr_start"] += c0
            t["mrr_end"] += c1
            t["customers_start"] += c0 > 0
            t["customers_end"] += c1 > 0
            if c0 == 0 and c1 > 0:
                kind = "new" if first_month[cust] == m else "reactivation"
                t[kind] += c1
                t["customers_new" if kind == "new" else "customers_reactivated"] += 1
            elif c0 > 0 and c1 == 0:
                t["churn"] -= c0
                t["customers_churned"] += 1
            elif c0 > 0 and c1 > 0:
                prods0, prods1 = p[(cust, m - 1)], p[(cust, m)]
                for prod in set(prods0) | set(prods1):
                    p0, p1 = prods0.get(prod, 0), prods1.get(prod, 0)
                    if p0 == 0:
                        t["upsell"] += p1
                    elif p1 == 0:
                        t["contraction"] -= p0
                    else:
                        q0, q1 = pq[(cust, prod, m - 1)], pq[(cust, prod, m)]
                        price = 0
                        if q0 > 0 and q1 > 0:
                            price = _round_half_away((Fraction(p1) / q1 - Fraction(p0) / q0) * q0)
                        volume = (p1 - p0) - price
                        t["expansion" if volume > 0 else "contraction"] += volume
                        t["price_uplift" if price > 0 else "price_erosion"] += price
        rows.append((m, *(int(t[col]) for col in BRIDGE_COLUMNS[1:])))
    return bridge_rows(rows)


if __name__ == "__main__":
    w = csv.DictWriter(sys.stdout, fieldnames=BRIDGE_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in bridge_reference(sys.argv[1]):
        w.writerow({k: (f"{v:.2f}" if k in MONEY_COLUMNS else v) for k, v in r.items()})
