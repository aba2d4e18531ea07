"""docs/definitions.md's monthly revenue bridge with pandas and numpy, vectorised: a second independent engine.

The same definition as bridge_duckdb.py (see its docstring), step for step, reached by another route: pandas reads
the file (its pyarrow CSV engine) and codes customers, products and plans as integers; dates are day numbers and
calendar month arithmetic is done on arrays (clamped to the month's last day, as SQL's `date + INTERVAL k MONTH`);
every join is a look-up of packed integer keys in a sorted array (the two ASOF joins of partial lines to the
nearest whole line are `searchsorted` on (group, start)); group sums are `bincount`s over factorized keys. No
Python loop runs per line, per customer or per product. Rounding is half away from zero, as SQL's round().
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd
from bridge_duckdb import BRIDGE_COLUMNS, EXCLUDED, MONEY_COLUMNS, bridge_rows

WEEK_MONTHS = 12.0 / 52


# ----------------------------------------------------------------------------------------------------
# rounding and calendar arithmetic on arrays


def _round(x: np.ndarray) -> np.ndarray:
    """Half away from zero, exactly as C's round() (which SQL's round() uses): trunc, then the exact remainder."""
    t = np.trunc(x)
    return t + np.sign(x) * (np.abs(x - t) >= 0.5)


def _round_int(x: np.ndarray) -> np.ndarray:
    """round(round(x, 6)) as integers: the 6-decimal step drops floating-point noise before the half-unit test."""
    return _round(_round(x * 1e6) / 1e6).astype(np.int64)


def _month_of(day: np.ndarray) -> np.ndarray:
    """A day number (days since 1970-01-01) → its month index, year × 12 + month − 1 (civil-from-days in integers,
    after H. Hinnant's `chrono` algorithms)."""
    z = day + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153  # months from March
    return (yoe + era * 400) * 12 + mp + 2  # March of year y is y × 12 + 2; January and February roll over


def _first_day_of(month: np.ndarray) -> np.ndarray:
    """A month index → the day number of its first day (days-from-civil)."""
    y, m0 = month // 12, month % 12  # m0: 0 = January
    y = y - (m0 < 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((m0 + 10) % 12) + 2) // 5
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


# The same two functions as look-up tables over 1900–2199: one gather per array instead of a dozen integer
# divisions; days or months outside that range take the arithmetic.
_DAY0, _DAYS = -25567, 109572  # 1900-01-01, days to 2200-01-01
_MONTH0, _MONTHS = 1900 * 12, 300 * 12 + 1
_MONTH_TABLE = _month_of(np.arange(_DAY0, _DAY0 + _DAYS, dtype=np.int64))
_FIRST_TABLE = _first_day_of(np.arange(_MONTH0, _MONTH0 + _MONTHS, dtype=np.int64))


def _in(x: np.ndarray, lo: int, n: int) -> bool:
    return x.size > 0 and int(x.min()) >= lo and int(x.max()) < lo + n


def _month(day: np.ndarray) -> np.ndarray:
    return _MONTH_TABLE[day - _DAY0] if _in(day, _DAY0, _DAYS) else _month_of(day)


def _first_day(month: np.ndarray) -> np.ndarray:
    return _FIRST_TABLE[month - _MONTH0] if _in(month, _MONTH0, _MONTHS) else _first_day_of(month)


def _mday(day: np.ndarray) -> np.ndarray:
    return day - _first_day(_month(day)) + 1


def _days_in_month(month: np.ndarray) -> np.ndarray:
    return _first_day(month + 1) - _first_day(month)


def _add_months(day: np.ndarray, k: np.ndarray | int) -> np.ndarray:
    """day + k months, the day clamped to the target month's last day (SQL's `date + INTERVAL k MONTH`)."""
    target = _month(day) + k
    return _first_day(target) + np.minimum(_mday(day), _days_in_month(target)) - 1


def _lookup(keys: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Position of each query in the sorted unique ``keys``, or −1."""
    if len(keys) == 0:
        return np.full(len(query), -1, dtype=np.int64)
    i = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.where(keys[i] == query, i, -1)


def _take(values: np.ndarray, idx: np.ndarray, default: float = 0) -> np.ndarray:
    """values[idx], ``default`` where idx is −1."""
    out = np.full(len(idx), default, dtype=np.result_type(values.dtype, type(default)))
    found = idx >= 0
    out[found] = values[idx[found]]
    return out


def _merge(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The sorted union of two sorted key arrays (a stable sort of two sorted runs is a merge)."""
    x = np.sort(np.concatenate([a, b]), kind="stable")
    return x[np.diff(x, prepend=x[:1] - 1) != 0]


def _group(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted unique keys, each row's group number)."""
    codes, uniques = pd.factorize(keys, sort=True)
    return np.asarray(uniques, dtype=np.int64), codes


def _sum(codes: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(codes, weights=weights, minlength=n)


# ----------------------------------------------------------------------------------------------------
# reading


def _codes(column: pd.Series | None, n: int) -> np.ndarray:
    """A categorical column's integer codes, an empty value (or no column) taken as the text "" (SQL's coalesce)."""
    if column is None:
        return np.zeros(n, dtype=np.int64)
    codes = column.cat.codes.to_numpy().astype(np.int64)
    return np.where(codes < 0, len(column.cat.categories), codes)


def _day_numbers(column: pd.Series | None, n: int) -> np.ndarray:
    """A date column → days since 1970-01-01 as floats, NaN where empty."""
    if column is None:
        return np.full(n, np.nan)
    days = column.to_numpy(dtype="datetime64[D]", na_value=np.datetime64("NaT"))
    return np.where(np.isnat(days), np.nan, days.astype(np.int64))


def _read(path: str) -> dict[str, np.ndarray]:
    """The columns the bridge uses, as arrays, lines with an excluded status left out. Text columns are read as
    categories (integer codes, so "007" and "7" stay two customers), dates as dates, numbers as floats: csctl
    accepts only numeric amounts and quantities, so every file it measures reads alike here."""
    header = pd.read_csv(path, nrows=0).columns
    types = {
        "customer_id": "category",
        "product": "category",
        "plan": "category",
        "status": "category",
        "quantity": "float64",
        "amount": "float64",
        "period_start": "timestamp[s][pyarrow]",
        "period_end": "timestamp[s][pyarrow]",
    }
    usecols = [c for c in types if c in header]
    df = pd.read_csv(
        path,
        usecols=usecols,
        dtype={c: types[c] for c in usecols},
        keep_default_na=False,
        na_values=[""],
        engine="pyarrow",
    )
    n = len(df)
    if "status" in df.columns:  # trimmed, any case; a line without a status counts
        excluded = df["status"].cat.categories.str.strip().str.lower().isin(EXCLUDED)
        codes = df["status"].cat.codes.to_numpy()
        stood = ~np.append(excluded, False)[codes]  # code −1 (empty) takes the appended False
    else:
        stood = np.ones(n, dtype=bool)
    cols = {
        "cid": _codes(df["customer_id"], n),
        "prod": _codes(df.get("product"), n),
        "plan": _codes(df.get("plan"), n),
        "q": df["quantity"].to_numpy(dtype=np.float64) if "quantity" in df.columns else np.full(n, np.nan),
        "amt": df["amount"].to_numpy(dtype=np.float64),
        "ps": _day_numbers(df["period_start"], n),
        "pe": _day_numbers(df.get("period_end"), n),
    }
    return {k: v[stood] for k, v in cols.items()}


# ----------------------------------------------------------------------------------------------------
# lines → monthly rates


def _nearest(group: np.ndarray, start: np.ndarray, w_group: np.ndarray, w_start: np.ndarray) -> np.ndarray:
    """For each (group, start), the index of the whole line of the same group nearest in start (the latest one at
    or before it, else the first after it; a tie in distance goes to the earlier one), or −1: two ASOF joins."""
    if len(w_group) == 0:
        return np.full(len(group), -1, dtype=np.int64)
    lo = int(min(start.min(), w_start.min()))
    width = int(max(start.max(), w_start.max())) - lo + 1
    w_key = w_group * width + (w_start - lo)
    order = np.argsort(w_key, kind="stable")  # equal starts keep the file's order; backward takes the last
    w_sorted = w_key[order]
    key = group * width + (start - lo)
    after = np.searchsorted(w_sorted, key, side="right")
    before = after - 1
    b_ok = (before >= 0) & (w_group[order[np.maximum(before, 0)]] == group)
    a_ok = (after < len(w_sorted)) & (w_group[order[np.minimum(after, len(w_sorted) - 1)]] == group)
    b = np.where(b_ok, order[np.maximum(before, 0)], -1)
    a = np.where(a_ok, order[np.minimum(after, len(w_sorted) - 1)], -1)
    gap_b = np.where(b_ok, start - w_start[np.maximum(b, 0)], 0)
    gap_a = np.where(a_ok, w_start[np.maximum(a, 0)] - start, 0)
    return np.where(b_ok & (~a_ok | (gap_b <= gap_a)), b, a)


def _monthly_rates(cols: dict[str, np.ndarray]) -> dict[str, Any] | None:
    """Each MRR line's (customer, product, plan, quantity, first and last month held, monthly rate), plus the
    latest start, the longest whole interval and the codes' sizes; None when no line stands."""
    if len(cols["amt"]) == 0:
        return None
    cid, prod, plan, q, amt = cols["cid"], cols["prod"], cols["plan"], cols["q"], cols["amt"]
    n_prod = int(prod.max()) + 1
    n_plan = int(plan.max()) + 1
    ps = cols["ps"].astype(np.int64)
    pe0_f = cols["pe"]
    has_end = ~np.isnan(pe0_f)
    pe0 = np.where(has_end, pe0_f, 0).astype(np.int64)

    latest = int(ps.max())
    last_month = int(_month(np.array([latest]))[0])

    # exclusive ends: consecutive positive lines of a customer and product, sorted by start
    cp = cid.astype(np.int64) * n_prod + prod
    sel = np.flatnonzero((amt > 0) & has_end)
    order = sel[np.lexsort((ps[sel], cp[sel]))]
    same = cp[order][1:] == cp[order][:-1]
    nps, pe_prev = ps[order][1:][same], pe0[order][:-1][same]
    exclusive = int((nps == pe_prev).sum()) > int((nps == pe_prev + 1).sum())
    pe1 = pe0 - 1 if exclusive else pe0

    # one-off lines and refunds without a period are not MRR
    keep = ~((has_end & (pe1 <= ps)) | (~has_end & (amt < 0)))
    whole_monthly = ~has_end[keep]
    cid, prod, plan, cp = cid[keep], prod[keep], plan[keep], cp[keep]
    q, amt, ps = q[keep], amt[keep], ps[keep]
    pe = np.where(whole_monthly, _add_months(ps, 1) - 1, pe1[keep])

    d = pe - ps + 1
    aft = pe + 1
    guess = _round(d / 30.4375).astype(np.int64)
    standard = np.isin(guess, (1, 3, 6, 12)) | ((guess % 12 == 0) & (guess > 0))
    m_ps, m_aft = _month(ps), _month(aft)
    d_ps, d_aft = ps - _first_day(m_ps) + 1, aft - _first_day(m_aft) + 1
    fills = (m_aft - m_ps == guess) & (
        (d_aft == np.minimum(d_ps, _days_in_month(m_aft))) | (d_ps == np.minimum(d_aft, _days_in_month(m_ps)))
    )
    iv = np.where(whole_monthly, 1, np.where(d == 7, 0, np.where(standard & fills, guess, -1)))
    is_whole = iv >= 0
    w = np.flatnonzero(is_whole)
    rate = np.full(len(amt), np.nan)
    rate[w] = amt[w] / np.where(iv[w] == 0, WEEK_MONTHS, iv[w])
    longest = max(1, int(iv[w].max())) if len(w) else 1

    p = np.flatnonzero(~is_whole)
    if len(p):
        # interval: the nearest whole line's of the same customer and product, else the shortest cycle holding it
        near = _nearest(cp[p], ps[p], cp[w], ps[w])
        dp, ap = d[p], aft[p]
        years = np.ceil(dp / 366).astype(np.int64)

        def cycle(months: np.ndarray | int) -> np.ndarray:
            return ap - _add_months(ap, -months)

        fallback = np.select(
            [dp <= 7, dp <= cycle(1), dp <= cycle(3), dp <= cycle(6), dp <= cycle(12 * years)],
            [0, 1, 3, 6, 12 * years],
            12 * (years + 1),
        )
        ivp = np.where(near >= 0, _take(iv[w], near), fallback)
        scale = np.where(ivp == 0, WEEK_MONTHS, ivp) * dp / np.where(ivp == 0, 7, cycle(np.maximum(ivp, 0)))
        raw = amt[p] / scale
        # cent snapping to the nearest whole line of the same plan
        cpp = cp[p] * n_plan + plan[p]
        near = _nearest(cpp, ps[p], cp[w] * n_plan + plan[w], ps[w])
        wr = np.abs(_take(rate[w], near, np.nan))
        wq = _take(q[w], near, np.nan)
        qa = np.abs(q[p])
        tol = 0.005 / scale + 1e-9
        per_unit = (qa > 0) & (wq > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            unit_ok = per_unit & (np.abs(np.abs(raw) / qa - wr / wq) <= tol / qa)
            flat_ok = ~per_unit & (np.abs(np.abs(raw) - wr) <= tol)
            sign = np.sign(amt[p])
            rate[p] = np.where(unit_ok, sign * wr / wq * qa, np.where(flat_ok, sign * wr, raw))

    # the months whose snapshot day each line holds
    first = m_ps
    em = _month(pe)
    snapshot = np.where(em == last_month, latest, _first_day(em + 1) - 1)
    stop = np.where(em > last_month, last_month, np.where(pe >= snapshot, em, em - 1))
    return {
        "cid": cid,
        "prod": prod,
        "plan": plan,
        "q": q,
        "rate": rate,
        "first": first,
        "stop": stop,
        "latest": latest,
        "last_month": last_month,
        "longest": longest,
        "n_prod": n_prod,
        "n_plan": n_plan,
    }


# ----------------------------------------------------------------------------------------------------
# the bridge


def bridge_cents(path: str, history_starts: str | None = None) -> list[tuple[Any, ...]]:
    """(month index, 10 money values in cents, 5 counts) per bridge month, as bridge_duckdb's SQL returns them."""
    lines = _monthly_rates(_read(path))
    if lines is None:
        return []
    latest, last_month = lines["latest"], lines["last_month"]
    first_day_next = int(_first_day(np.array([last_month + 1]))[0])
    as_of = last_month if latest == first_day_next - 1 else last_month - 1
    n_prod, n_plan = lines["n_prod"], lines["n_plan"]

    # spread each line over the months it holds (stop capped at the as-of month: later months are not used)
    stop = np.minimum(lines["stop"], as_of)
    first = lines["first"]
    months = np.maximum(stop - first + 1, 0)
    if months.sum() == 0:
        return []
    mmin = int(first[months > 0].min())
    n_slot = as_of - mmin + 3  # month slots 1 .. as_of − mmin + 1; 0 and the last stay empty (for m − 1, m + 1)
    row = np.repeat(np.arange(len(months)), months)
    step = np.arange(len(row)) - np.repeat(np.cumsum(months) - months, months)
    slot = first[row] - mmin + 1 + step
    cid = lines["cid"][row].astype(np.int64)
    pp = lines["prod"][row].astype(np.int64) * n_plan + lines["plan"][row]
    rate = lines["rate"][row]
    q = lines["q"][row]

    # per (customer, product, plan, month): net, gross, seats
    keys, g = _group((cid * (n_prod * n_plan) + pp) * n_slot + slot)
    ng = len(keys)
    pos, neg, has_q = rate > 0, rate < 0, ~np.isnan(q)
    net = _sum(g, ng, rate)
    gross = _sum(g, ng, np.where(pos, rate, 0.0))
    positives = _sum(g, ng, pos.astype(np.float64))
    q_in = _sum(g, ng, np.where(pos & has_q, q, 0.0))
    q_out = _sum(g, ng, np.where(neg & has_q, np.abs(q), 0.0))
    counted = _sum(g, ng, (pos & has_q).astype(np.float64))
    cents = _round_int(net * 100)
    held = (positives > 0) & (cents > 0) & (net >= 0.01 * gross - 1e-9)
    credit = (positives == 0) & (cents < 0)
    g_slot = keys % n_slot
    g_pp = keys // n_slot % (n_prod * n_plan)
    g_cid = keys // n_slot // (n_prod * n_plan)

    # the opening month and the frame
    h_slot = g_slot[held]
    if len(h_slot) == 0:
        return []
    first_slot = int(h_slot.min()) + (0 if history_starts else lines["longest"])
    last_slot = as_of - mmin + 1

    # products: Σ held plans, their seats, how many plans, and how many were held last month too
    h_keys = keys[held]
    h_v = cents[held]
    h_qty = np.where(counted[held] > 0, q_in[held] - q_out[held], 0.0)
    h_prod = g_pp[held] // n_plan
    h_cid = g_cid[held]
    kept_plan = _lookup(h_keys, h_keys - 1) >= 0
    pk, pg = _group((h_cid * n_prod + h_prod) * n_slot + h_slot)
    npk = len(pk)
    p_v = _sum(pg, npk, h_v).astype(np.int64)
    p_qty = _sum(pg, npk, h_qty)
    p_plans = _sum(pg, npk).astype(np.int64)
    p_kept = _sum(pg, npk, kept_plan.astype(np.float64)).astype(np.int64)

    # customers: c(m) = max(0, Σ held + Σ credits), kept where > 0
    c_keys_all = np.concatenate([h_cid * n_slot + h_slot, g_cid[credit] * n_slot + g_slot[credit]])
    c_vals_all = np.concatenate([h_v, cents[credit]])
    ck, cg = _group(c_keys_all)
    c_sum = _sum(cg, len(ck), c_vals_all.astype(np.float64)).astype(np.int64)
    ck, c = ck[c_sum > 0], c_sum[c_sum > 0]
    c_cid = ck // n_slot
    starts = np.diff(c_cid, prepend=-1) != 0  # ck is sorted: a customer's first row is its first month
    fm = (ck % n_slot)[np.maximum.accumulate(np.where(starts, np.arange(len(ck)), 0))]
    cr_keys, crg = _group(g_cid[credit] * n_slot + g_slot[credit])
    cr = _sum(crg, len(cr_keys), cents[credit].astype(np.float64)).astype(np.int64)

    # customer rows of each month (c(m) > 0 or c(m − 1) > 0) inside the frame
    u = _merge(ck, ck + 1)
    u_slot = u % n_slot
    u = u[(u_slot >= first_slot) & (u_slot <= last_slot)]
    u_slot = u % n_slot
    c1 = _take(c, _lookup(ck, u))
    c0 = _take(c, _lookup(ck, u - 1))
    u_fm = fm[_lookup(ck, np.where(c1 > 0, u, u - 1))]  # a row's customer has a c > 0 row at u or u − 1
    u_slot_new = c0 == 0
    is_new = u_slot_new & (c1 > 0) & (u_slot == u_fm)
    is_react = u_slot_new & (c1 > 0) & (u_slot > u_fm)
    churned = (c0 > 0) & (c1 == 0)

    def per_slot(slots: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(slots, weights=weights, minlength=n_slot)

    mrr_start = per_slot(u_slot, c0.astype(np.float64))
    mrr_end = per_slot(u_slot, c1.astype(np.float64))
    new = per_slot(u_slot, np.where(is_new, c1, 0).astype(np.float64))
    react = per_slot(u_slot, np.where(is_react, c1, 0).astype(np.float64))
    churn = -per_slot(u_slot, np.where(churned, c0, 0).astype(np.float64))
    n_start = per_slot(u_slot, (c0 > 0).astype(np.float64))
    n_new = per_slot(u_slot, is_new.astype(np.float64))
    n_react = per_slot(u_slot, is_react.astype(np.float64))
    n_churn = per_slot(u_slot, churned.astype(np.float64))
    n_end = per_slot(u_slot, (c1 > 0).astype(np.float64))

    # retained customers, product by product: this month's products and last month's, shifted
    cont = u[(c0 > 0) & (c1 > 0)]
    p_cm = pk // n_slot // n_prod * n_slot + pk % n_slot  # the product row's (customer, month) key
    side1 = _lookup(cont, p_cm) >= 0
    side0 = _lookup(cont, p_cm + 1) >= 0
    j = _merge(pk[side1], pk[side0] + 1)
    i1, i0 = _lookup(pk, j), _lookup(pk, j - 1)
    v1, v0 = _take(p_v, i1), _take(p_v, i0)
    q1, q0 = _take(p_qty, i1, 0.0), _take(p_qty, i0, 0.0)
    plans1, plans0, kept1 = _take(p_plans, i1), _take(p_plans, i0), _take(p_kept, i1)
    same = (plans1 == plans0) & (kept1 == plans1)  # the same plan set: as many plans, each held last month too
    both = (v0 > 0) & (v1 > 0)
    priced = both & same & (q0 > 0) & (q1 > 0)
    price = np.zeros(len(j), dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (v1.astype(np.float64) / q1 - v0.astype(np.float64) / q0) * q0
    price[priced] = _round_int(x[priced])
    volume = np.where(both, v1 - v0 - price, 0)
    j_slot = j % n_slot
    upsell = per_slot(j_slot, np.where(v0 == 0, v1, 0).astype(np.float64))
    contraction = per_slot(j_slot, (np.where(v1 == 0, -v0, 0) + np.minimum(volume, 0)).astype(np.float64))
    expansion = per_slot(j_slot, np.maximum(volume, 0).astype(np.float64))
    uplift = per_slot(j_slot, np.maximum(price, 0).astype(np.float64))
    erosion = per_slot(j_slot, np.minimum(price, 0).astype(np.float64))

    # the change of a retained customer's credits
    dcr = _take(cr, _lookup(cr_keys, cont)) - _take(cr, _lookup(cr_keys, cont - 1))
    cont_slot = cont % n_slot
    uplift += per_slot(cont_slot, np.maximum(dcr, 0).astype(np.float64))
    erosion += per_slot(cont_slot, np.minimum(dcr, 0).astype(np.float64))

    columns = [
        mrr_start,
        new,
        react,
        expansion,
        uplift,
        upsell,
        contraction,
        erosion,
        churn,
        mrr_end,
        n_start,
        n_new,
        n_react,
        n_churn,
        n_end,
    ]
    table = np.rint(np.vstack(columns)).astype(np.int64)  # sums of integers held as floats: exact below 2**53
    return [(s - 1 + mmin, *(int(v) for v in table[:, s])) for s in range(first_slot, last_slot + 1)]


def bridge_pandas(path: str, history_starts: str | None = None) -> list[dict]:
    """The bridge of a canonical billing CSV; ``history_starts`` (YYYY-MM) as billing.history_starts."""
    return bridge_rows(bridge_cents(path, history_starts))


if __name__ == "__main__":
    import csv

    w = csv.DictWriter(sys.stdout, fieldnames=BRIDGE_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in bridge_pandas(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None):
        w.writerow({k: (f"{v:.2f}" if k in MONEY_COLUMNS else v) for k, v in r.items()})
