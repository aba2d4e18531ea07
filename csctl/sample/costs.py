"""The CS/GTM cost ledger (costs.csv), calibrated to the seed deck's ratios against the company's own revenue
bridge (revenue.bridge)."""

from __future__ import annotations

import random

import polars as pl

from csctl.sample.company import DEFAULT_CUSTOMERS, DEFAULT_MONTHS, DEFAULT_SEED, DEFAULT_START, parse_start
from csctl.sample.revenue import bridge

COST_COLUMNS = ("period", "category", "amount", "note")
COST_CATEGORIES = ("acquisition", "retention", "expansion", "upsell")
# the seed deck's ratios: $1.00 of acquisition spend gets $1.15 of new ARR; $0.12 of retention spend keeps $1.00
# of ARR; expansion costs 2x and upsell 4x that per $1.00 of ARR they bring
CAC_RATIO = 1 / 1.15
CRC = 0.12
COST_MULTIPLIERS = {"retention": 1.0, "expansion": 2.0, "upsell": 4.0}
_COST_NOISE = 0.15  # each ledger line varies +-15% around its calibrated level
# ledger lines per category: (note, share of the category's level, whether it follows the month's own bookings
# (commissions) rather than the smoothed level (budgets, salaries))
_COST_LINES: dict[str, tuple[tuple[str, float, bool], ...]] = {
    "acquisition": (
        ("Marketing programs and events", 0.40, False),
        ("Sales and SDR salaries (allocated)", 0.35, False),
        ("Sales commissions on new bookings", 0.25, True),
    ),
    "retention": (
        ("CSM and support time on renewals (allocated)", 0.70, False),
        ("CS tooling and health monitoring", 0.20, False),
        ("Customer training and community", 0.10, False),
    ),
    "expansion": (
        ("CSM time on seat growth (allocated)", 0.50, False),
        ("Account management commissions", 0.50, True),
    ),
    "upsell": (
        ("Add-on campaigns and solutions engineering", 0.50, False),
        ("Add-on sales commissions", 0.50, True),
    ),
}


def _month_text(start: str, m: int) -> str:
    y0, mo0 = parse_start(start)
    y, mo = divmod(y0 * 12 + mo0 - 1 + m, 12)
    return f"{y:04d}-{mo + 1:02d}"


def generate_costs(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
) -> pl.DataFrame:
    """The CS/GTM cost ledger of the same company (COST_COLUMNS): a few lines per category and month.

    Calibrated to the seed deck (CAC_RATIO, CRC, COST_MULTIPLIERS) against the company's own revenue bridge
    (revenue.bridge: its billing lines measured by csctl's snapshot and bridge): per month m, in ARR (12 x MRR
    movements),

    - acquisition = (new + reactivation ARR) / 1.15, so the CAC ratio is about 0.87 ("$1.00 to get $1.15");
    - retention = 0.12 x the MRR kept in m (the book at its start, MRR(m - 1), less the MRR lost in m to churn,
      contraction and price erosion, smoothed over nine months): summed over a window, 0.12 x the ARR kept month
      by month × months / 12, so CRC is about 0.12 for any window;
    - expansion = 2 x 0.12 x (expansion + price uplift ARR); upsell = 4 x 0.12 x upsell ARR.

    Budget lines (marketing, salaries, tooling) follow the movements smoothed over three months (1/4, 1/2, 1/4);
    commission lines follow the month's own bookings. Each line varies +-15% around its level (uniform, from the
    stream ``f"{seed}:costs:{m}"``), amounts are whole cents and positive (a line with nothing to pay is left
    out). The first month's MRR is the opening book, not new business: months before the second count as the
    second. Every month of the history has lines; rows are sorted by period and category. Month m only looks
    at the bridge up to m + 4 (within the _LOOKAHEAD months simulated past the history), so the ledger is
    prefix-stable: a longer history restricted to the first N months equals the N-month ledger.
    """
    measured = bridge(customers, months, seed, start)
    moves, mrr = measured.moves, measured.mrr
    last = len(mrr) - 1

    def at(series: list[float], t: int) -> float:
        return series[min(max(t, 1), last)]

    def smooth(series: list[float], m: int, half: int = 1) -> float:
        """A centred triangular moving average over m - half .. m + half."""
        weights = [half + 1 - abs(k) for k in range(-half, half + 1)]
        return sum(w * at(series, m + k) for w, k in zip(weights, range(-half, half + 1), strict=True)) / sum(weights)

    span = range(len(mrr))
    bookings = {
        "acquisition": [12 * (moves["new"][t] + moves["reactivation"][t]) * CAC_RATIO for t in span],
        "expansion": [
            12 * (moves["expansion"][t] + moves["price_uplift"][t]) * CRC * COST_MULTIPLIERS["expansion"] for t in span
        ],
        "upsell": [12 * moves["upsell"][t] * CRC * COST_MULTIPLIERS["upsell"] for t in span],
    }
    lost = [12 * (moves["churn"][t] + moves["contraction"][t] + moves["price_erosion"][t]) for t in span]  # < 0
    periods: list[str] = []
    categories: list[str] = []
    amounts: list[float] = []
    notes: list[str] = []
    rng = random.Random()
    for m in range(months):
        rng.seed(f"{seed}:costs:{m}")
        # the MRR kept this month (the book at its start less what it lost): CRC's basis, month by month
        kept = at(mrr, m - 1) + smooth(lost, m, 4) / 12
        level = {"retention": CRC * COST_MULTIPLIERS["retention"] * max(0.0, kept)}
        for category, series in bookings.items():
            level[category] = smooth(series, m)
        month = _month_text(start, m)
        for category in COST_CATEGORIES:
            for note, share, own_month in _COST_LINES[category]:
                base = share * (at(bookings[category], m) if own_month else level[category])
                cents = round(base * (1 + _COST_NOISE * (2 * rng.random() - 1)) * 100)
                if cents > 0:
                    periods.append(month)
                    categories.append(category)
                    amounts.append(cents / 100)
                    notes.append(note)
    return pl.DataFrame(
        {"period": periods, "category": categories, "amount": amounts, "note": notes},
        schema={"period": pl.String, "category": pl.String, "amount": pl.Float64, "note": pl.String},
    )
