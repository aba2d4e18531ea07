"""Fallback generator of a canonical billing export, used by bench_numbers.py only when `csctl sample` fails.

Vectorised with numpy, written with Polars. Realistic variety: monthly, quarterly and annual terms,
anniversary days other than the 1st, a core plan plus add-ons bought later (upsell) or dropped
(contraction), seat counts that grow and shrink, a list-price uplift, per-customer discounts, credit notes
(a few larger than the charge), one-off services without period_end, void/draft/deleted lines in mixed
case, churn and reactivation.

    python bench/gen_billing.py --customers 2000 --months 36 --seed 7 -o DIR   # writes DIR/billing.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import polars as pl

FIRST_MONTH = np.datetime64("2023-01", "M")
# product, list price per unit per month (cents), probability a customer takes it, seat-based?
PRODUCTS: list[tuple[str, int, float, bool]] = [
    ("core", 4900, 1.0, True),
    ("analytics", 1500, 0.35, True),
    ("api", 9900, 0.20, False),
    ("support_plus", 29900, 0.12, False),
    ("sso", 800, 0.25, True),
]
ONE_OFF = ("onboarding", 75000)


def _group_arange(counts: np.ndarray) -> np.ndarray:
    """0..count-1 for each group, concatenated."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total) - starts


def _money(col: str) -> pl.Expr:
    """Integer cents → plain decimal text like 1200.00 or -12.50."""
    c = pl.col(col)
    sign = pl.when(c < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(
        [sign, (c.abs() // 100).cast(pl.String), pl.lit("."), (c.abs() % 100).cast(pl.String).str.zfill(2)]
    )


def generate(customers: int, months: int, seed: int, first_customer: int = 0, first_invoice: int = 0) -> pl.DataFrame:
    """Billing lines of ``customers`` customers numbered from ``first_customer`` (invoices from ``first_invoice``)."""
    rng = np.random.default_rng(seed)
    n = customers
    # --- customers: signup month, term, anniversary day, discount, lifetime, reactivation
    signup = np.where(rng.random(n) < 0.3, 0, rng.integers(0, months, n))
    term = rng.choice(np.array([1, 3, 12]), n, p=[0.65, 0.1, 0.25])
    day = np.where(rng.random(n) < 0.6, 1, rng.integers(1, 29, n))
    discount = rng.choice(np.array([1.0, 0.9, 0.8, 0.75]), n, p=[0.6, 0.2, 0.15, 0.05])
    # lifetime in months: geometric, a whole number of terms
    life = rng.geometric(0.035, n)
    life = np.maximum(term, np.ceil(life / term).astype(np.int64) * term)
    # a second spell for 12% of customers (reactivation after a gap of 2–9 months)
    again = rng.random(n) < 0.12
    gap = rng.integers(2, 10, n)
    life2 = np.maximum(term, np.ceil(rng.geometric(0.04, n) / term).astype(np.int64) * term)

    spell_cust = np.concatenate([np.arange(n), np.arange(n)[again]])
    spell_start = np.concatenate([signup, (signup + life + gap)[again]])
    spell_len = np.concatenate([life, life2[again]])
    spell_end = np.minimum(spell_start + spell_len, months + 24)  # exclusive; may run past the export
    keep = spell_start < months
    spell_cust, spell_start, spell_end = spell_cust[keep], spell_start[keep], spell_end[keep]

    # --- subscriptions: (spell, product) with add-ons starting later or dropped earlier
    rows = []
    for pi, (_, _, prob, _) in enumerate(PRODUCTS):
        take = rng.random(len(spell_cust)) < prob
        s = spell_start.copy()
        e = spell_end.copy()
        if pi > 0:
            t = term[spell_cust]
            late = rng.random(len(s)) < 0.4
            s = np.where(late, s + t * rng.integers(1, 6, len(s)), s)
            early = rng.random(len(s)) < 0.3
            e = np.where(early, s + t * rng.integers(1, 8, len(s)), e)
            e = np.minimum(e, spell_end)
        ok = take & (s < e) & (s < months)
        rows.append(
            np.stack([spell_cust[ok], np.full(ok.sum(), pi), s[ok], e[ok]], axis=1),
        )
    subs = np.concatenate(rows)
    sub_cust, sub_prod, sub_start, sub_end = subs.T
    sub_term = term[sub_cust]
    periods = np.ceil((np.minimum(sub_end, months) - sub_start) / sub_term).astype(np.int64)
    periods = np.maximum(periods, 1)

    # --- invoice lines: one per billing period of each subscription
    idx = np.repeat(np.arange(len(subs)), periods)
    k = _group_arange(periods)
    cust = sub_cust[idx]
    prod = sub_prod[idx]
    t = sub_term[idx]
    start_m = sub_start[idx] + k * t
    seat_based = np.array([p[3] for p in PRODUCTS])[prod]
    # seats: a lognormal base per subscription and a random walk across its periods
    base = np.maximum(1, np.round(rng.lognormal(1.8, 1.0, len(subs)))).astype(np.int64)
    step = rng.choice(np.array([-2, -1, 0, 0, 0, 0, 0, 1, 1, 3]), len(idx))
    step[k == 0] = 0
    walk = np.cumsum(step)
    walk = walk - np.repeat(walk[np.cumsum(periods) - periods], periods)
    qty = np.where(seat_based, np.maximum(1, base[idx] + walk), 1)
    # unit price per billing period: list × discount × uplift (8% from month 18 on, 15% on 1/3 of customers)
    list_price = np.array([p[1] for p in PRODUCTS])[prod]
    uplift = np.where(start_m >= 18, np.where(cust % 3 == 0, 1.15, 1.08), 1.0)
    monthly_unit = np.round(list_price * discount[cust] * uplift).astype(np.int64)
    unit_cents = monthly_unit * t
    amount = unit_cents * qty
    # a few price promotions that lower the price for one period (price erosion then uplift)
    promo = rng.random(len(idx)) < 0.01
    unit_cents = np.where(promo, np.round(unit_cents * 0.5).astype(np.int64), unit_cents)
    amount = np.where(promo, unit_cents * qty, amount)

    ps = (FIRST_MONTH + start_m).astype("datetime64[D]") + (day[cust] - 1)
    pe = (FIRST_MONTH + start_m + t).astype("datetime64[D]") + (day[cust] - 1) - 1
    has_end = np.ones(len(idx), dtype=bool)
    names = np.array([p[0] for p in PRODUCTS], dtype=object)[prod]

    # --- credit notes: 1.5% of lines; a quarter of them exceed the charge
    cred = rng.random(len(idx)) < 0.015
    cred_amt = -np.round(amount[cred] * np.where(rng.random(cred.sum()) < 0.25, 1.3, 0.2)).astype(np.int64)

    # --- one-off onboarding at signup for 15% of the customers (no period_end)
    ob = (rng.random(n) < 0.15) & (signup < months)
    ob_cust = np.arange(n)[ob]
    ob_ps = (FIRST_MONTH + signup[ob]).astype("datetime64[D]") + (day[ob] - 1)

    all_cust = np.concatenate([cust, cust[cred], ob_cust])
    all_prod = np.concatenate([names, names[cred], np.full(len(ob_cust), ONE_OFF[0], dtype=object)])
    all_qty = np.concatenate([qty, qty[cred], np.ones(len(ob_cust), dtype=np.int64)])
    all_unit = np.concatenate([unit_cents, unit_cents[cred], np.full(len(ob_cust), ONE_OFF[1])])
    all_amt = np.concatenate([amount, cred_amt, np.full(len(ob_cust), ONE_OFF[1])])
    all_ps = np.concatenate([ps, ps[cred], ob_ps])
    all_pe = np.concatenate([pe, pe[cred], ob_ps])
    all_has_end = np.concatenate([has_end, has_end[cred], np.zeros(len(ob_cust), dtype=bool)])
    m = len(all_cust)
    status = rng.choice(
        np.array(["paid", "open", "void", "Void", "draft", "DELETED", "uncollectible"], dtype=object),
        m,
        p=[0.9, 0.07, 0.006, 0.002, 0.008, 0.002, 0.012],
    )
    status[len(cust) : len(cust) + int(cred.sum())] = "credited"

    df = pl.DataFrame(
        {
            "cust": all_cust,
            "product": all_prod.astype(str),
            "quantity": all_qty,
            "unit_cents": all_unit,
            "amount_cents": all_amt,
            "period_start": all_ps,
            "period_end": all_pe,
            "has_end": all_has_end,
            "status": status.astype(str),
        }
    )
    df = df.filter(pl.col("period_start") < pl.lit(FIRST_MONTH + months).cast(pl.Date)).sort("period_start")
    return df.select(
        pl.format("INV-{}", (pl.int_range(pl.len()) + 1 + first_invoice).cast(pl.String).str.zfill(8)).alias(
            "invoice_id"
        ),
        pl.format("C{}", (pl.col("cust") + first_customer).cast(pl.String).str.zfill(6)).alias("customer_id"),
        pl.format("Customer {}", pl.col("cust") + first_customer).alias("customer_name"),
        "product",
        "quantity",
        _money("unit_cents").alias("unit_price"),
        _money("amount_cents").alias("amount"),
        pl.lit("USD").alias("currency"),
        pl.col("period_start").cast(pl.Date),
        pl.when(pl.col("has_end")).then(pl.col("period_end").cast(pl.Date)).alias("period_end"),
        "status",
    )


def write(customers: int, months: int, seed: int, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "billing.csv"
    generate(customers, months, seed).write_csv(path)
    return path


def write_chunked(customers: int, months: int, seed: int, out_dir: Path, chunk: int = 500_000) -> Path:
    """The same kind of export for a large number of customers, made and appended ``chunk`` customers at a time (each
    chunk its own seed), so that making 100M lines needs the memory of one chunk, not of the whole file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "billing.csv"
    invoices = 0
    with path.open("wb") as out:
        for k, first in enumerate(range(0, customers, chunk)):
            part = generate(min(chunk, customers - first), months, seed + k, first, invoices)
            part.write_csv(out, include_header=k == 0)
            invoices += part.height
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-o", "--output", type=Path, required=True, help="directory to write billing.csv into")
    a = ap.parse_args()
    print(write(a.customers, a.months, a.seed, a.output))


if __name__ == "__main__":
    main()
