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

MAX_PRICE_CENTS = 1e17  # a price effect beyond this (10^15 dollars, the largest amount read) is no price effect
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
        customer = dense.code(pl.concat([plans.get_column("customer_id"), credits.get_column("customer_id")]))
        self._build(
            customer,
            customer.codes[:n],
            dense.ints(plans.get_column("month")),
            dense.ints(plans.get_column("mrr")),
            customer.codes[n:],
            dense.ints(credits.get_column("month")),
            dense.ints(credits.get_column("credit")),
            high,
        )

    @classmethod
    def of(cls, held: dense.Held, high: int | None = None) -> Grid:
        """The grid of held plans and credits given as codes (the customers narrowed to those that hold some)."""
        grid = cls.__new__(cls)
        n = held.plan_customers.size
        customer = dense.recode(held.customer, np.concatenate([held.plan_customers, held.credit_customers]))
        grid._build(
            customer,
            customer.codes[:n],
            held.plan_months,
            held.plan_mrr,
            customer.codes[n:],
            held.credit_months,
            held.credit_values,
            high,
        )
        return grid

    def _build(
        self,
        customer: dense.Coded,
        plan_customers: np.ndarray,
        plan_months: np.ndarray,
        plan_mrr: np.ndarray,
        credit_customers: np.ndarray,
        credit_months: np.ndarray,
        credit_values: np.ndarray,
        high: int | None,
    ) -> None:
        self.customer = customer
        self.plan_customers = plan_customers
        self.plan_months = plan_months
        months = np.concatenate([self.plan_months, credit_months])
        self.low = int(months.min()) if months.size else 0
        self.high = int(months.max()) if high is None and months.size else (high if high is not None else 0)
        self.span = self.high - self.low + 1
        customers = self.customer.n
        held = dense.int_sums(
            self.plan_customers * self.span + (self.plan_months - self.low), customers * self.span, plan_mrr
        ).reshape(customers, self.span)
        self.has_credits = bool(credit_values.size)
        if self.has_credits:
            self.credit = dense.int_sums(
                credit_customers * self.span + (credit_months - self.low), customers * self.span, credit_values
            ).reshape(customers, self.span)
            self.mrr = np.maximum(held + self.credit, 0)  # c(m)
        else:
            self.credit = np.zeros((customers, self.span), dtype=np.int64)
            self.mrr = np.maximum(held, 0)

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


def _plan_sets(plan: dense.Coded, rows: np.ndarray | slice, cell: np.ndarray, cells: int) -> np.ndarray:
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
    moves: dict[str, np.ndarray]  # MOVEMENTS, signed cents


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
        plans: pl.DataFrame | None,
        credits: pl.DataFrame | None,
        first: int,
        as_of: int,
        *,
        has_plans: bool = True,
        grid: Grid | None = None,
        block_cells: int | None = None,
        held: dense.Held | None = None,
    ) -> None:
        """The movements of ``plans`` and ``credits`` (frames), or of ``held`` (codes) when given."""
        if held is not None:
            self.grid = grid if grid is not None and grid.high == as_of else Grid.of(held, as_of)
            product = dense.recode(held.product, held.plan_products)
            self.mrr = held.plan_mrr
            self.quantity = np.nan_to_num(held.plan_quantity)
            self.plan = dense.recode(held.plan, held.plan_plans) if has_plans else None
        else:
            assert plans is not None and credits is not None
            self.grid = grid if grid is not None and grid.high == as_of else Grid(plans, credits, as_of)
            product = dense.code(plans.get_column("product"))
            self.mrr = dense.ints(plans.get_column("mrr"))
            self.quantity = np.nan_to_num(dense.floats(plans.get_column("quantity")))
            self.plan = dense.code(plans.get_column("plan")) if has_plans else None
        self.first, self.as_of = first, as_of
        grid = self.grid
        self.has_credits = grid.has_credits
        self.pair, pairs = dense.densify(grid.plan_customers * product.n + product.codes)
        self.owner = pairs // product.n  # each pair's customer: pairs sort with their customer
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
            if len(bounds) <= 9:  # a few blocks: each block's rows by a comparison, in order
                picks = [np.flatnonzero(block_of == i) for i in range(len(bounds) - 1)]
                self.order = np.concatenate(picks)
                self.row_bounds = np.cumsum([0, *(p.size for p in picks)])
            else:
                self.order = np.argsort(block_of, kind="stable")
                self.row_bounds = np.searchsorted(block_of[self.order], np.arange(len(bounds)), side="left")

    def _edges(self) -> list[int]:
        """The first customer code of each block, and the number of customers."""
        customers = self.grid.customer.n
        edges = [int(self.owner[b]) if b < self.owner.size else customers for b in self.pair_bounds[:-1]]
        edges.append(customers)
        edges[0] = 0
        return edges

    def _product_moves(self, index: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """The product movements of block ``index`` that belong to retained customers: (customer code, month −
        ``first``, the five product movements), one entry per (customer, product, month) that moves.

        The block's held (customer, product, month) cells, sorted, are read as runs of consecutive months: a cell
        compares with the cell before it in its run (none: the product arrives), and the month after a run's last
        cell is the product's departure. Every other (customer, product, month) has the same value and quantity
        in m−1 and m (or none in both), so it has no upsell, contraction, volume or price effect."""
        grid, first, as_of, span = self.grid, self.first, self.as_of, self.grid.span
        p_lo = self.pair_bounds[index]
        rows = slice(self.row_bounds[index], self.row_bounds[index + 1])
        picked = self.order[rows] if self.order is not None else slice(None)
        pair, month = self.pair[picked], grid.plan_months[picked]
        key = (pair - p_lo) * span + (month - grid.low)
        if key.size < 2 or bool((key[1:] > key[:-1]).all()):  # one row per cell, in order
            value, quantity = self.mrr[picked], self.quantity[picked]
            plans = _plan_sets(self.plan, picked, np.arange(key.size), key.size) if self.plan is not None else None
        else:
            cell, key = dense.densify(key)
            value = dense.int_sums(cell, key.size, self.mrr[picked])
            quantity = dense.sums(cell, key.size, self.quantity[picked])
            plans = _plan_sets(self.plan, picked, cell, key.size) if self.plan is not None else None
            pair, month = key // span + p_lo, key % span + grid.low
        follows = np.zeros(key.size, dtype=bool)  # the cell holds month − 1 of the same product too
        follows[1:] = (pair[1:] == pair[:-1]) & (month[1:] == month[:-1] + 1)
        last = np.ones(key.size, dtype=bool)  # the run's last cell: the product departs the month after
        last[:-1] = ~follows[1:]
        before = np.zeros(key.size, dtype=np.int64)
        before[1:] = value[:-1]
        before_q = np.zeros(key.size, dtype=np.float64)
        before_q[1:] = quantity[:-1]
        before[~follows], before_q[~follows] = 0, 0.0
        inside = (month >= first) & (month <= as_of)
        at = np.flatnonzero(inside & (~follows | (before != value) | (before_q != quantity)))
        gone = np.flatnonzero(last & (month + 1 >= first) & (month + 1 <= as_of))
        pair = np.concatenate([pair[at], pair[gone]])
        col = np.concatenate([month[at], month[gone] + 1]) - first
        v0, v1 = np.concatenate([before[at], value[gone]]), np.concatenate([value[at], np.zeros(gone.size, np.int64)])
        q0, q1 = np.concatenate([before_q[at], quantity[gone]]), np.concatenate([quantity[at], np.zeros(gone.size)])
        both = (v0 > 0) & (v1 > 0)
        if plans is not None:  # both held: the cell and the one before it in its run
            same_plan = np.zeros(both.size, dtype=bool)
            same_plan[: at.size] = both[: at.size] & (plans[at] == plans[np.maximum(at - 1, 0)])
        else:
            same_plan = both
        # the customers retained from m−1 to m carry their products' movements
        customer = self.owner[pair]
        c1 = grid.mrr[customer, col + (first - grid.low)]
        back = col + (first - 1 - grid.low)
        c0 = np.where(back >= 0, grid.mrr[customer, np.maximum(back, 0)], 0)
        kept = np.flatnonzero((c0 > 0) & (c1 > 0))
        v0, v1, q0, q1, both, same_plan = v0[kept], v1[kept], q0[kept], q1[kept], both[kept], same_plan[kept]
        priced = same_plan & (q0 > 0) & (q1 > 0)
        price = np.zeros(v0.shape, dtype=np.int64)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            effect = (v1[priced] / q1[priced] - v0[priced] / q0[priced]) * q0[priced]
        # a quantity near 0 (1e-300 seats) makes the per-unit price overflow: no price effect, the change is volume
        effect[~(np.abs(effect) < MAX_PRICE_CENTS)] = 0.0
        price[priced] = dense.cents(effect)
        volume = np.where(both, v1 - v0 - price, 0)
        zero = np.int64(0)
        moves = {
            "upsell": np.where((v0 == 0) & (v1 > 0), v1, zero),
            "contraction": np.where((v0 > 0) & (v1 == 0), -v0, zero) + np.minimum(volume, zero),
            "expansion": np.maximum(volume, zero),
            "price_uplift": np.maximum(price, zero),
            "price_erosion": np.minimum(price, zero),
        }
        return customer[kept], col[kept], moves

    def _credit_change(self, c_lo: int, c_hi: int, retained: np.ndarray) -> np.ndarray:
        """The change of customers c_lo … c_hi − 1's credits from m−1 to m where they are retained (a price effect)."""
        credit = self.grid.window(self.grid.credit[c_lo:c_hi], self.first - 1, self.as_of)
        return np.where(retained, credit[:, 1:] - credit[:, :-1], 0)

    def blocks(self) -> Iterator[Block]:
        grid, first, as_of = self.grid, self.first, self.as_of
        width = as_of - first + 1
        zero = np.int64(0)
        edges = self._edges()
        month = np.arange(first, as_of + 1, dtype=np.int64)[None, :]
        for index in range(len(self.pair_bounds) - 1):
            c_lo, c_hi = edges[index], edges[index + 1]
            customer, col, per_product = self._product_moves(index)
            mrr = grid.mrr[c_lo:c_hi]
            c0, c1 = grid.window(mrr, first - 1, as_of - 1), grid.window(mrr, first, as_of)
            at = (customer - c_lo) * width + col
            moves = {
                name: dense.int_sums(at, (c_hi - c_lo) * width, values).reshape(c_hi - c_lo, width)
                for name, values in per_product.items()
            }
            if self.has_credits:
                change = self._credit_change(c_lo, c_hi, (c0 > 0) & (c1 > 0))
                moves["price_uplift"] += np.maximum(change, zero)
                moves["price_erosion"] += np.minimum(change, zero)
            active = mrr > 0
            first_month = np.where(active.any(axis=1), active.argmax(axis=1) + grid.low, np.iinfo(np.int64).max)
            arriving = (c0 == 0) & (c1 > 0)
            moves["new"] = np.where(arriving & (first_month[:, None] == month), c1, zero)
            moves["reactivation"] = np.where(arriving & (first_month[:, None] < month), c1, zero)
            moves["churn"] = np.where((c0 > 0) & (c1 == 0), -c0, zero)
            yield Block(c_lo, c0, c1, moves)

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
        ``due``: (customer_id, month) pairs, repeats allowed; None: every customer is due every month.

        A customer is new in its first month with MRR (c(m−1) = 0 there), so new MRR and customers are read at each
        customer's first month; reactivation is every other arrival."""
        grid, first, as_of = self.grid, self.first, self.as_of
        width = as_of - first + 1
        names = ["mrr_start", *MOVEMENTS, "mrr_end", *COUNTS, "retained_mrr", "eligible_mrr", "eligible_lost"]
        sums = {name: np.zeros(width, dtype=np.int64) for name in names}
        due_cells: np.ndarray | None = None
        if due is not None:  # the (customer, month) cells due, each once, in order
            due_code = grid.customer.lookup(due.get_column("customer_id"))
            due_month = dense.ints(due.get_column("month")) - first
            inside = (due_code >= 0) & (due_month >= 0) & (due_month < width)
            marked = np.zeros(grid.customer.n * width, dtype=bool)
            marked[due_code[inside] * width + due_month[inside]] = True
            due_cells = np.flatnonzero(marked)
            del marked
        edges = self._edges() if self.pair_bounds[-1] else [0, grid.customer.n]
        for index in range(len(edges) - 1):
            c_lo, c_hi = edges[index], edges[index + 1]
            if index < len(self.pair_bounds) - 1:
                _, col, per_product = self._product_moves(index)
                for name, values in per_product.items():
                    sums[name] += dense.int_sums(col, width, values)
            mrr = grid.mrr[c_lo:c_hi]
            c0, c1 = grid.window(mrr, first - 1, as_of - 1), grid.window(mrr, first, as_of)
            held0, held1 = c0 > 0, c1 > 0
            if self.has_credits:
                change = self._credit_change(c_lo, c_hi, held0 & held1)
                sums["price_uplift"] += np.maximum(change, 0).sum(axis=0)
                sums["price_erosion"] += np.minimum(change, 0).sum(axis=0)
            sums["mrr_start"] += c0.sum(axis=0)
            sums["mrr_end"] += c1.sum(axis=0)
            sums["customers_start"] += held0.sum(axis=0)
            sums["customers_end"] += held1.sum(axis=0)
            churned = held0 & ~held1
            sums["churn"] -= np.where(churned, c0, 0).sum(axis=0)
            sums["customers_churned"] += churned.sum(axis=0)
            arriving = ~held0 & held1
            sums["reactivation"] += np.where(arriving, c1, 0).sum(axis=0)  # less new MRR, below
            sums["customers_reactivated"] += arriving.sum(axis=0)
            sums["retained_mrr"] += np.minimum(c0, c1).sum(axis=0)
            # new: each customer's first month with MRR, when it falls in first … as_of
            active = mrr > 0
            starts = active.argmax(axis=1)
            newcomer = np.flatnonzero(active[np.arange(c_hi - c_lo), starts] & (starts + grid.low >= first))
            start_col = starts[newcomer] + grid.low - first
            new_mrr = dense.int_sums(start_col, width, mrr[newcomer, starts[newcomer]])
            new_count = np.bincount(start_col, minlength=width)
            sums["new"] += new_mrr
            sums["customers_new"] += new_count
            sums["reactivation"] -= new_mrr
            sums["customers_reactivated"] -= new_count
            if due_cells is None:
                sums["eligible_mrr"] += c0.sum(axis=0)
                sums["eligible_lost"] += (c0 - np.minimum(c0, c1)).sum(axis=0)
            else:
                lo, hi = np.searchsorted(due_cells, [c_lo * width, c_hi * width])
                cells = due_cells[lo:hi] - c_lo * width
                row, col = cells // width, cells % width
                start, end = c0[row, col], c1[row, col]
                sums["eligible_mrr"] += dense.int_sums(col, width, start)
                sums["eligible_lost"] += dense.int_sums(col, width, start - np.minimum(start, end))
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
