"""The revenue bridge (DESIGN.md §4): every customer's movement from month m-1 to month m.

All money here is Int64 cents. Signs follow the bridge: gains positive, losses negative, so that for every
customer and month ``c1 == c0 + sum(MOVEMENTS)`` exactly, and the same for every month's totals.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from csctl.core import dense

MOVEMENTS = (
    "new",
    "reactivation",
    "expansion",
    "price_uplift",
    "upsell",
    "contraction",
    "price_erosion",
    "churn",
)
HEADWIND = ("churn", "contraction", "price_erosion")
TAILWIND = ("expansion", "price_uplift", "upsell")
COUNTS = ("customers_start", "customers_new", "customers_reactivated", "customers_churned", "customers_end")


def product_monthly(plans: pl.LazyFrame) -> pl.LazyFrame:
    """Held plans summed per (customer, product, month): mrr (cents), quantity, and ``plans``, a key of the
    product's set of held plans (a sum of the plans' hashes: equal sets give equal keys)."""
    return plans.group_by("customer_id", "product", "month").agg(
        pl.col("mrr").sum(),
        pl.col("quantity").sum().cast(pl.Float64),
        plans=pl.col("plan").cast(pl.String).hash(7).sum(),
    )


class Grid:
    """Held MRR and credits per customer and month as dense arrays (customers × months ``low`` … ``high``), and
    the held plans' customer codes, for the bridge's sums without hash group-bys (csctl/core/dense.py)."""

    def __init__(self, plans: pl.DataFrame, credits: pl.DataFrame, high: int | None = None) -> None:
        n = plans.height
        self.customer = dense.code(pl.concat([plans.get_column("customer_id"), credits.get_column("customer_id")]))
        self.plan_customers = self.customer.codes[:n]
        self.plan_months = dense.ints(plans.get_column("month"))
        credit_customers, credit_months = self.customer.codes[n:], dense.ints(credits.get_column("month"))
        months = np.concatenate([self.plan_months, credit_months])
        self.low = int(months.min()) if months.size else 0
        self.high = int(months.max()) if high is None and months.size else (high if high is not None else 0)
        self.span = self.high - self.low + 1
        customers = self.customer.n
        held = dense.int_sums(
            self.plan_customers * self.span + (self.plan_months - self.low),
            customers * self.span,
            dense.ints(plans.get_column("mrr")),
        ).reshape(customers, self.span)
        self.credit = dense.int_sums(
            credit_customers * self.span + (credit_months - self.low),
            customers * self.span,
            dense.ints(credits.get_column("credit")),
        ).reshape(customers, self.span)
        self.mrr = np.maximum(held + self.credit, 0)  # c(m)

    def window(self, values: np.ndarray, low: int, high: int) -> np.ndarray:
        """Columns for months low … high of a (rows × months low … high of the grid) array, 0 outside it: a view of
        ``values`` when the months are inside the grid's (not to be written to)."""
        if low >= self.low and high <= self.high:
            return values[:, low - self.low : high - self.low + 1]
        out = np.zeros((values.shape[0], high - low + 1), dtype=values.dtype)
        lo, hi = max(low, self.low), min(high, self.high)
        if lo <= hi:
            out[:, lo - low : hi - low + 1] = values[:, lo - self.low : hi - self.low + 1]
        return out

    def customer_mrr(self) -> pl.DataFrame:
        rows, cols = np.nonzero(self.mrr > 0)
        return pl.DataFrame(
            {
                "customer_id": self.customer.decode(rows),
                "month": pl.Series(cols + self.low, dtype=pl.Int32),
                "mrr": pl.Series(self.mrr[rows, cols], dtype=pl.Int64),
            }
        )


def customer_monthly(plans: pl.LazyFrame, credits: pl.LazyFrame) -> pl.LazyFrame:
    """c(m) = max(0, Σ held + Σ credits) per (customer_id, month), only where it is > 0."""
    return Grid(plans.collect(), credits.collect()).customer_mrr().lazy()


def _plan_sets(plan: dense.Coded, rows: np.ndarray, cell: np.ndarray, cells: int) -> np.ndarray:
    """A key of each (customer, product, month)'s set of held plans (``rows``: the plan rows of ``cell``): equal sets
    give equal keys. With at most 52 plans a bit per plan (exact in a float sum); with more, a sum of the plans'
    hashes."""
    codes = plan.codes[rows]
    if plan.n <= 52:
        return np.rint(dense.sums(cell, cells, np.ldexp(1.0, codes))).astype(np.uint64)
    hashes = plan.values.cast(pl.String).hash(7).to_numpy()
    keys = np.zeros(cells, dtype=np.uint64)
    np.add.at(keys, cell, hashes[codes])
    return keys


BLOCK_CELLS = 1_000_000  # (customer, product) × month cells per block: the arrays' memory stays bounded


@dataclass
class Block:
    """The movements of customers ``low`` … ``high`` − 1 (codes) as customers × months ``first`` … ``as_of``."""

    low: int
    start: np.ndarray  # c(m−1)
    end: np.ndarray  # c(m)
    moves: dict[str, np.ndarray]  # MOVEMENTS, signed cents (customer rows; only new, reactivation, churn without
    # per_customer: the others are then in ``totals``)
    retained: np.ndarray  # c(m−1) > 0 and c(m) > 0
    totals: dict[str, np.ndarray]  # without per_customer: the product and credit movements summed per month


class Moves:
    """Every customer's movements per month ``first`` … ``as_of``, computed block by block of customers when asked
    for (the monthly totals, eligible MRR, or rows), so memory holds one block's arrays at a time.

    ``has_plans=False`` says every plan is the same (no plan column): products are then taken as they are.
    Per (customer, product): v = Σ held MRR, q = Σ quantity, and the set of held plans, in month m−1 (v0, q0) and
    m (v1, q1). Both held on the same plans with quantities: price = (v1/q1 − v0/q0) × q0 (cents), volume =
    v1 − v0 − price; else the whole change is volume. A product's arrival is upsell, its departure contraction.
    Credits' change is a price effect. A customer arriving (c(m−1) = 0) is new in its first month with MRR, else
    reactivated; leaving, churn; only retained customers (c > 0 both months) carry the other movements."""

    def __init__(
        self,
        plans: pl.DataFrame,
        credits: pl.DataFrame,
        first: int,
        as_of: int,
        *,
        has_plans: bool = True,
        grid: Grid | None = None,
        block_cells: int | None = None,
    ) -> None:
        self.grid = grid if grid is not None and grid.high == as_of else Grid(plans, credits, as_of)
        self.first, self.as_of = first, as_of
        grid = self.grid
        product = dense.code(plans.get_column("product"))
        self.pair, pairs = dense.densify(grid.plan_customers * product.n + product.codes)
        self.owner = pairs // product.n  # each pair's customer: pairs sort with their customer
        self.has_credits = bool(credits.height)
        self.mrr = dense.ints(plans.get_column("mrr"))
        self.quantity = np.nan_to_num(dense.floats(plans.get_column("quantity")))
        self.plan = dense.code(plans.get_column("plan")) if has_plans else None
        # blocks of whole customers, about block_cells pair-months each
        per_block = max(1, (block_cells or BLOCK_CELLS) // grid.span)
        bounds = [0]
        while bounds[-1] < pairs.size:
            cut = min(bounds[-1] + per_block, pairs.size)
            if cut < pairs.size:  # move the cut to the next customer's first pair
                cut = int(np.searchsorted(self.owner, self.owner[cut - 1], side="right"))
            bounds.append(cut)
        self.pair_bounds = bounds
        self.order: np.ndarray | None = None
        self.row_bounds = np.array([0, self.pair.size])
        if len(bounds) > 2:  # the plan rows of each block, by a stable sort on the block number
            block_of = np.searchsorted(np.asarray(bounds[1:-1]), self.pair, side="right").astype(np.uint16)
            self.order = np.argsort(block_of, kind="stable")
            self.row_bounds = np.searchsorted(block_of[self.order], np.arange(len(bounds)), side="left")

    def blocks(self, *, per_customer: bool = True) -> Iterator[Block]:
        """The blocks' movements. Per (customer, product) only the cells whose value or quantity changes from month
        m−1 to m can move (equal values and quantities give no upsell, contraction, volume or price effect), so the
        product movements are computed on those cells alone and summed into their customers' retained months:
        into customers × months arrays (``per_customer``), or only into the block's monthly totals (``totals``)."""
        grid, first, as_of = self.grid, self.first, self.as_of
        customers = grid.customer.n
        width = as_of - first + 1
        zero = np.int64(0)
        edges = [int(self.owner[b]) if b < self.owner.size else customers for b in self.pair_bounds[:-1]] + [customers]
        edges[0] = 0
        month = np.arange(first, as_of + 1, dtype=np.int64)[None, :]
        for index in range(len(self.pair_bounds) - 1):
            p_lo, p_hi = self.pair_bounds[index], self.pair_bounds[index + 1]
            c_lo, c_hi = edges[index], edges[index + 1]
            rows = slice(self.row_bounds[index], self.row_bounds[index + 1])
            picked = self.order[rows] if self.order is not None else slice(None)
            count = p_hi - p_lo
            cells = count * grid.span
            cell = (self.pair[picked] - p_lo) * grid.span + (grid.plan_months[picked] - grid.low)
            # months first − 1 … as_of: column j is month first − 1 + j, so m−1 is [:, :-1] and m is [:, 1:]
            value = grid.window(
                dense.int_sums(cell, cells, self.mrr[picked]).reshape(count, grid.span), first - 1, as_of
            )
            quantity = grid.window(
                dense.sums(cell, cells, self.quantity[picked]).reshape(count, grid.span), first - 1, as_of
            )
            pair, col = np.nonzero((value[:, :-1] != value[:, 1:]) | (quantity[:, :-1] != quantity[:, 1:]))
            v0, v1 = value[pair, col], value[pair, col + 1]
            q0, q1 = quantity[pair, col], quantity[pair, col + 1]
            both = (v0 > 0) & (v1 > 0)
            if self.plan is not None:
                keys = grid.window(
                    _plan_sets(self.plan, picked, cell, cells).reshape(count, grid.span), first - 1, as_of
                )
                same_plan = both & (keys[pair, col] == keys[pair, col + 1])
            else:
                same_plan = both
            del value, quantity
            priced = same_plan & (q0 > 0) & (q1 > 0)
            price = np.zeros(v0.shape, dtype=np.int64)
            with np.errstate(divide="ignore", invalid="ignore"):
                price[priced] = dense.cents((v1[priced] / q1[priced] - v0[priced] / q0[priced]) * q0[priced])
            volume = np.where(both, v1 - v0 - price, 0)

            mrr = grid.mrr[c_lo:c_hi]
            c0, c1 = grid.window(mrr, first - 1, as_of - 1), grid.window(mrr, first, as_of)
            retained = (c0 > 0) & (c1 > 0)
            owner = self.owner[p_lo + pair] - c_lo
            kept = retained[owner, col]
            owner, col = owner[kept], col[kept]
            per_product = {
                "upsell": np.where((v0 == 0) & (v1 > 0), v1, zero)[kept],
                "contraction": (np.where((v0 > 0) & (v1 == 0), -v0, zero) + np.minimum(volume, zero))[kept],
                "expansion": np.maximum(volume, zero)[kept],
                "price_uplift": np.maximum(price, zero)[kept],
                "price_erosion": np.minimum(price, zero)[kept],
            }
            shape = (c_hi - c_lo, width)
            if self.has_credits:
                credit = grid.window(grid.credit[c_lo:c_hi], first - 1, as_of)
                change = np.where(retained, credit[:, 1:] - credit[:, :-1], zero)
            else:
                change = None
            moves: dict[str, np.ndarray] = {}
            totals: dict[str, np.ndarray] = {}
            if per_customer:
                at = owner * width + col
                for name, values in per_product.items():
                    moves[name] = dense.int_sums(at, shape[0] * width, values).reshape(shape)
                if change is not None:
                    moves["price_uplift"] += np.maximum(change, zero)
                    moves["price_erosion"] += np.minimum(change, zero)
            else:
                for name, values in per_product.items():
                    totals[name] = dense.int_sums(col, width, values)
                if change is not None:
                    totals["price_uplift"] += np.maximum(change, zero).sum(axis=0)
                    totals["price_erosion"] += np.minimum(change, zero).sum(axis=0)

            active = mrr > 0
            first_month = np.where(active.any(axis=1), active.argmax(axis=1) + grid.low, np.iinfo(np.int64).max)
            arriving = (c0 == 0) & (c1 > 0)
            moves["new"] = np.where(arriving & (first_month[:, None] == month), c1, zero)
            moves["reactivation"] = np.where(arriving & (first_month[:, None] < month), c1, zero)
            moves["churn"] = np.where((c0 > 0) & (c1 == 0), -c0, zero)
            yield Block(c_lo, c0, c1, moves, retained, totals)

    def _months(self) -> pl.Series:
        return pl.Series("month", np.arange(self.first, self.as_of + 1), dtype=pl.Int32)

    def frame(self, low: int | None = None, high: int | None = None) -> pl.DataFrame:
        """One row per (customer_id, month) of months ``low`` … ``high`` (default: every month) where c(m−1) > 0 or
        c(m) > 0: customer_id, month, mrr_start, mrr_end, the eight MOVEMENTS."""
        lo = self.first if low is None else max(low, self.first)
        hi = self.as_of if high is None else min(high, self.as_of)
        parts = []
        for block in self.blocks():
            cut = slice(lo - self.first, hi - self.first + 1)
            c0, c1 = block.start[:, cut], block.end[:, cut]
            rows, cols = np.nonzero((c0 > 0) | (c1 > 0))
            parts.append(
                pl.DataFrame(
                    {
                        "customer_id": self.grid.customer.decode(rows + block.low),
                        "month": pl.Series(cols + lo, dtype=pl.Int32),
                        "mrr_start": pl.Series(c0[rows, cols], dtype=pl.Int64),
                        "mrr_end": pl.Series(c1[rows, cols], dtype=pl.Int64),
                        **{
                            name: pl.Series(block.moves[name][:, cut][rows, cols], dtype=pl.Int64) for name in MOVEMENTS
                        },
                    }
                )
            )
        if not parts:
            return pl.DataFrame(schema=MOVEMENT_SCHEMA)
        return pl.concat(parts, how="vertical")

    def summary(self, due: pl.DataFrame | None) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(the monthly bridge, eligible MRR per month), one pass over the blocks.

        The bridge: per month, the sums of the movements and of c(m−1), c(m) (cents), the customers at the start,
        new, reactivated, churned and at the end, and retained MRR Σ min(c(m−1), c(m)); every month, none left out.
        Eligible: the MRR of customers due for renewal (c(m−1) > 0) and the MRR they lost (churn + downgrade);
        ``due``: (customer_id, month) pairs, repeats allowed; None: every customer is due every month."""
        width = self.as_of - self.first + 1
        names = ["mrr_start", *MOVEMENTS, "mrr_end", *COUNTS, "retained_mrr", "eligible_mrr", "eligible_lost"]
        sums = {name: np.zeros(width, dtype=np.int64) for name in names}
        if due is not None:
            due_code = self.grid.customer.lookup(due.get_column("customer_id"))
            due_month = dense.ints(due.get_column("month")) - self.first
            inside = (due_code >= 0) & (due_month >= 0) & (due_month < width)
            due_code, due_month = due_code[inside], due_month[inside]
        for block in self.blocks(per_customer=False):
            c0, c1 = block.start, block.end
            sums["mrr_start"] += c0.sum(axis=0)
            sums["mrr_end"] += c1.sum(axis=0)
            for name in MOVEMENTS:
                sums[name] += block.totals[name] if name in block.totals else block.moves[name].sum(axis=0)
            sums["customers_start"] += (c0 > 0).sum(axis=0)
            sums["customers_new"] += (block.moves["new"] > 0).sum(axis=0)
            sums["customers_reactivated"] += (block.moves["reactivation"] > 0).sum(axis=0)
            sums["customers_churned"] += (block.moves["churn"] < 0).sum(axis=0)
            sums["customers_end"] += (c1 > 0).sum(axis=0)
            sums["retained_mrr"] += np.minimum(c0, c1).sum(axis=0)
            if due is None:
                mask = c0 > 0
            else:
                mask = np.zeros(c0.shape, dtype=bool)
                mine = (due_code >= block.low) & (due_code < block.low + c0.shape[0])
                mask[due_code[mine] - block.low, due_month[mine]] = True
                mask &= c0 > 0
            sums["eligible_mrr"] += np.where(mask, c0, 0).sum(axis=0)
            sums["eligible_lost"] += np.where(mask, c0 - np.minimum(c0, c1), 0).sum(axis=0)
        columns = [self._months(), *(pl.Series(name, sums[name], dtype=pl.Int64) for name in names)]
        frame = pl.DataFrame(columns)
        return frame.drop("eligible_mrr", "eligible_lost"), frame.select("month", "eligible_mrr", "eligible_lost")


MOVEMENT_SCHEMA = {
    "customer_id": pl.Categorical,
    "month": pl.Int32,
    "mrr_start": pl.Int64,
    "mrr_end": pl.Int64,
    **{name: pl.Int64 for name in MOVEMENTS},
}


def ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator, null when the denominator is zero (DESIGN.md §4)."""
    return pl.when(denominator != 0).then(numerator.cast(pl.Float64) / denominator).otherwise(None)


def with_rates(bridge: pl.LazyFrame) -> pl.LazyFrame:
    """Add the month's rates to bridge totals (still in cents)."""
    headwind = pl.sum_horizontal(*HEADWIND)
    tailwind = pl.sum_horizontal(*TAILWIND)
    gains = pl.sum_horizontal("new", "reactivation", *TAILWIND)
    return bridge.with_columns(
        gross_revenue_churn=ratio(-headwind, pl.col("mrr_start")),
        net_revenue_churn=ratio(-(headwind + tailwind), pl.col("mrr_start")),
        logo_churn_rate=ratio(pl.col("customers_churned"), pl.col("customers_start")),
        grr=ratio(pl.col("retained_mrr"), pl.col("mrr_start")),
        nrr=ratio(pl.col("mrr_start") + headwind + tailwind, pl.col("mrr_start")),
        quick_ratio=ratio(gains, -headwind),
    )
