"""The dense codes and arrays under the billing chain, each against a plain-Python computation of the same thing."""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from csctl.core import dense

EPOCH = dt.date(1970, 1, 1)


@settings(deadline=None)
@given(st.lists(st.integers(0, 50), max_size=60), st.booleans())
def test_densify_gives_codes_in_value_order(values: list[int], sparse: bool) -> None:
    keys = np.array([v * (10**12 if sparse else 1) for v in values], dtype=np.int64)  # sparse: the sorting path
    codes, distinct = dense.densify(keys)
    expected = sorted(set(keys.tolist()))
    assert distinct.tolist() == expected
    assert codes.tolist() == [expected.index(k) for k in keys.tolist()]


def test_code_and_lookup_of_a_categorical_with_nulls() -> None:
    column = pl.Series(["b", None, "a", "b", "c"]).cast(pl.Categorical)
    coded = dense.code(column)
    assert coded.n == 4
    assert coded.decode(coded.codes).to_list() == column.to_list()  # every row decodes to its own value
    other = pl.Series(["c", "zzz-not-there", None, "a"]).cast(pl.Categorical)
    found = coded.lookup(other)
    assert [coded.values[int(c)] if c >= 0 else "missing" for c in found] == ["c", "missing", None, "a"]


@settings(deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(-3, 12)), max_size=40))
def test_spread_lists_every_month_of_every_row(rows: list[tuple[int, int]]) -> None:
    first = np.array([a for a, _ in rows], dtype=np.int64)
    stop = np.array([a + n for a, n in rows], dtype=np.int64)
    index, months = dense.spread(first, stop)
    expected = [(i, m) for i, (a, n) in enumerate(rows) for m in range(a, a + n + 1)]
    assert list(zip(index.tolist(), months.tolist(), strict=True)) == expected


def test_int_sums_are_exact_beyond_float_precision() -> None:
    cell = np.array([0, 0, 1, 0], dtype=np.int64)
    big = 2**60
    values = np.array([big, 1, 5, -big], dtype=np.int64)  # a float sum would lose the 1
    assert dense.int_sums(cell, 2, values).tolist() == [1, 5]
    assert dense.int_sums(cell, 3, np.array([1, 2, 3, 4], dtype=np.int64)).tolist() == [7, 3, 0]


def test_cents_round_half_away_from_zero_after_micro_cents() -> None:
    values = np.array([0.5, -0.5, 1.4999999999, 2.5, -2.5000000001, 12.345], dtype=np.float64)
    assert dense.cents(values).tolist() == [1, -1, 2, 3, -3, 12]


days_1900_2200 = st.integers((dt.date(1900, 1, 1) - EPOCH).days, (dt.date(2200, 12, 31) - EPOCH).days)


@settings(max_examples=200, deadline=None)
@given(st.lists(days_1900_2200, min_size=1, max_size=30), st.integers(-30, 30))
def test_calendar_agrees_with_datetime(day_numbers: list[int], months: int) -> None:
    days = np.array(day_numbers, dtype=np.int64)
    cal = dense.Calendar(int(days.min()), int(days.max()))
    shifted = cal.offset(days, months)
    for n, month, mday, dim, after in zip(
        day_numbers, cal.month(days), cal.mday(days), cal.dim(days), shifted, strict=True
    ):
        date = EPOCH + dt.timedelta(days=n)
        assert month == date.year * 12 + date.month - 1
        assert mday == date.day
        assert dim == calendar.monthrange(date.year, date.month)[1]
        target = date.year * 12 + date.month - 1 + months
        year, mon = divmod(target, 12)
        clamped = dt.date(year, mon + 1, min(date.day, calendar.monthrange(year, mon + 1)[1]))
        assert EPOCH + dt.timedelta(days=int(after)) == clamped


def test_date_and_int_series_keep_nulls_where_masked() -> None:
    values = np.array([0, 31, 59], dtype=np.int64)
    mask = np.array([False, True, False])
    assert dense.date_series(values, mask).to_list() == [EPOCH, None, dt.date(1970, 3, 1)]
    assert dense.int_series(values, mask).to_list() == [0, None, 59]


def test_blocks_give_the_same_movements_and_sums_as_one_block(billing_csv: Path) -> None:
    """The sample company's bridge, customer rows and eligible MRR, computed in blocks of a few customers and in
    one block: equal to the cent."""
    from csctl.core import bridge, mrr
    from csctl.io.load import load_revenue
    from csctl.io.parse import ReadOptions

    _, billing = load_revenue(str(billing_csv), "billing", ReadOptions())
    snapshot = mrr.billing_snapshot(billing.frame.lazy(), mrr.BillingRules())
    assert snapshot is not None and snapshot.due is not None
    last = snapshot.last_complete
    plans = snapshot.plans.filter(pl.col("month") <= last)
    credits = snapshot.credits.filter(pl.col("month") <= last)
    first = int(plans["month"].min()) + 1  # type: ignore[arg-type]
    whole = bridge.Moves(plans, credits, first, last)
    assert len(whole.pair_bounds) == 2  # one block
    key = ["customer_id", "month"]
    one = whole.frame().with_columns(pl.col("customer_id").cast(pl.String)).sort(key)
    pairs_cells = whole.pair_bounds[-1] * whole.grid.span
    for cells, few in ((200, False), (pairs_cells // 4, True)):  # many blocks (sorted into blocks) and a few
        parts = bridge.Moves(plans, credits, first, last, block_cells=cells)
        assert 3 <= len(parts.pair_bounds) <= 9 if few else len(parts.pair_bounds) > 10
        many = parts.frame().with_columns(pl.col("customer_id").cast(pl.String)).sort(key)
        assert one.equals(many)
        assert whole.summary(snapshot.due)[0].equals(parts.summary(snapshot.due)[0])
        assert whole.summary(snapshot.due)[1].equals(parts.summary(snapshot.due)[1])
    # the monthly sums are the rows' sums: an identity between the two outputs
    totals = whole.summary(None)[0]
    by_month = one.group_by("month").agg(pl.col("new", "churn", "mrr_end").sum()).sort("month")
    joined = totals.join(by_month, on="month", suffix="_rows")
    for name in ("new", "churn", "mrr_end"):
        assert joined[name].to_list() == joined[f"{name}_rows"].to_list()


def test_snapshot_in_blocks_equals_one_block(billing_csv: Path) -> None:
    """The sample company's held plans and credits summed in blocks of a few customers and in one block."""
    from unittest.mock import patch

    from csctl.core import mrr
    from csctl.io.load import load_revenue
    from csctl.io.parse import ReadOptions

    _, billing = load_revenue(str(billing_csv), "billing", ReadOptions())
    whole = mrr.billing_snapshot(billing.frame.lazy(), mrr.BillingRules())
    assert whole is not None
    line_months = whole.plans.height  # about one held plan per line-month
    for cells in (100, line_months // 4):  # many blocks (sorted into blocks) and a few
        with patch.object(mrr, "HELD_BLOCK_CELLS", cells):
            parts = mrr.billing_snapshot(billing.frame.lazy(), mrr.BillingRules())
        assert parts is not None
        for name in ("plans", "credits"):
            a, b = getattr(whole, name), getattr(parts, name)
            key = [c for c in a.columns if c not in ("mrr", "quantity", "credit")]
            a = a.with_columns(pl.col(pl.Categorical).cast(pl.String)).sort(key)
            b = b.with_columns(pl.col(pl.Categorical).cast(pl.String)).sort(key)
            assert a.height > 0 or name == "credits"
            assert a.equals(b), name


def test_held_codes_up_to_a_month_give_the_filtered_frames(billing_csv: Path) -> None:
    """The held plans and credits kept as codes, cut at a month, are the snapshot's frames filtered to that month
    (what the measured plans were before they were kept as codes)."""
    from csctl.core import mrr
    from csctl.io.load import load_revenue
    from csctl.io.parse import ReadOptions

    _, billing = load_revenue(str(billing_csv), "billing", ReadOptions())
    snapshot = mrr.billing_snapshot(billing.frame.lazy(), mrr.BillingRules())
    assert snapshot is not None
    cut = snapshot.last_complete - 3
    held = snapshot.held.upto(cut)
    assert 0 < held.plans().height < snapshot.plans.height
    assert held.plans().equals(snapshot.plans.filter(pl.col("month") <= cut))
    assert held.credits().equals(snapshot.credits.filter(pl.col("month") <= cut))
    assert snapshot.held.upto(snapshot.last_month) is snapshot.held  # nothing to cut
