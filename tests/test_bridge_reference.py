"""Property tests: csctl against the plain-Python reference of docs/definitions.md (tests/reference.py).

Random small exports carrying the quirks of real ones are written as CSV files and measured by
``csctl numbers FILE --view bridge -f json`` and by the reference:

- billing: monthly, quarterly, annual and weekly terms on anchor days 1, 5, 15, 28 and 31 (clamped months),
  prorated first invoices, Stripe-style mid-cycle changes (a credit for the unused time, a charge for the rest:
  plan upgrades with a plan column, seat changes, price changes), amounts a few cents off the exact proration,
  one-off fees, refunds, discount lines of their own, odd periods (prorations with no whole line near), lines
  without period_end, every status (excluded, counted, unknown), exclusive-end exports, gaps (reactivations),
  an export date anywhere in its last month, --as-of and --history-starts, renewal dates, a csctl.yaml that
  replaces the excluded statuses or makes products tiers of a product line;
- subscriptions: mrr or amount + interval (+ interval_count), inclusive-end exports, rows within one month,
  discount rows, plans and quantities, gaps.

Every bridge column (money to the cent, counts exactly, rates to the bridge table's 6 decimals) and every
summary metric (rates to 1e-9) equals the reference's, and mrr_end = mrr_start + movements on every row.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests import reference as ref
from tests.conftest import run_cli
from tests.helpers import write_csv, write_text
from tests.reference import WEEK, Account, BillingLine, SubscriptionRow

SETTINGS = settings(max_examples=50, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
FIRST = dt.date(2023, 1, 1)
RUNNER = CliRunner()

STATUSES = st.sampled_from(
    [None] * 8
    + ["paid"] * 8
    + ["Paid ", "open", "refunded", "uncollectible", "written_off", "past_due", "on_hold", "Collected"]
    + ["void", "Voided", "draft", "deleted", "Canceled", "cancelled"]
)
QUANTITIES = st.sampled_from([None, None, 1, 2, 3, 5, 10, Fraction(5, 2)])


def month_start(offset: int, day: int = 1) -> dt.date:
    return ref.add_months(dt.date(FIRST.year, FIRST.month, day), offset)


def proration(amount: int, days: int, cycle: int) -> int:
    return ref.round_half_away(Fraction(amount * days, cycle))


@dataclass
class Case:
    kind: str  # "billing" or "subscriptions"
    rows: list[Any]
    accounts: list[Account] | None = None
    as_of: int | None = None
    history_starts: int | None = None
    tags: list[str] = field(default_factory=list)
    exclude_statuses: list[str] | None = None  # billing.exclude_statuses in csctl.yaml
    product_lines: dict[str, list[str]] | None = None  # billing.product_lines in csctl.yaml

    def reference(self) -> ref.Reference:
        if self.kind == "billing":
            excluded = ref.EXCLUDED_STATUSES if self.exclude_statuses is None else self.exclude_statuses
            return ref.from_billing(
                self.rows, self.accounts, self.as_of, self.history_starts, excluded, self.product_lines
            )
        return ref.from_subscriptions(self.rows, self.accounts, self.as_of)

    def config(self) -> str | None:
        if self.exclude_statuses is None and self.product_lines is None:
            return None
        text = "billing:\n"
        if self.exclude_statuses is not None:
            text += f"  exclude_statuses: [{', '.join(self.exclude_statuses)}]\n"
        if self.product_lines is not None:
            text += "  product_lines:\n" + "".join(
                f"    {k}: [{', '.join(v)}]\n" for k, v in self.product_lines.items()
            )
        return text

    def table(self) -> list[list[object]]:
        return ref.billing_rows(self.rows) if self.kind == "billing" else ref.subscription_rows(self.rows)

    def run(self) -> tuple[int, str, str]:
        """csctl numbers on the case's files: (exit code, stdout, stderr)."""
        with tempfile.TemporaryDirectory() as folder:
            path = write_csv(Path(folder) / "export.csv", self.table())
            args: list[object] = ["numbers", path, "--view", "bridge", "-f", "json"]
            if self.accounts is not None:
                accounts = write_csv(Path(folder) / "customers.csv", ref.account_rows(self.accounts))
                args += ["--customers", accounts]
            if self.as_of is not None:
                args += ["--as-of", ref.label(self.as_of)]
            if self.history_starts is not None:
                args += ["--history-starts", ref.label(self.history_starts)]
            config = self.config()
            if config is not None:
                args += ["--config", write_text(Path(folder) / "csctl.yaml", config)]
            result = run_cli(RUNNER, *args)
            return result.exit_code, result.stdout, result.stderr

    def describe(self) -> str:
        lines = [",".join("" if c is None else str(c) for c in row) for row in self.table()]
        options = f"as_of={self.as_of and ref.label(self.as_of)} history_starts="
        options += f"{self.history_starts and ref.label(self.history_starts)} tags={self.tags}"
        accounts = [] if self.accounts is None else ref.account_rows(self.accounts)
        customers = ["customers.csv:", *(",".join("" if c is None else str(c) for c in row) for row in accounts)]
        return "\n".join([options, *(self.config() or "").splitlines(), *lines, *customers])


# ----------------------------------------------------------------------------------------------------
# billing exports


@st.composite
def subscription_lines(draw: st.DrawFn, customer: str, product: str, plans: bool, stop: dt.date) -> list[BillingLine]:
    """One customer's subscription to one product: terms, with the events real exports have between them."""
    interval = draw(st.sampled_from([1, 1, 1, 1, 3, 12, WEEK]))
    day = draw(st.sampled_from([1, 1, 1, 5, 15, 28, 31]))
    anchor = month_start(draw(st.integers(0, 8)), day)
    if interval == WEEK:
        anchor += dt.timedelta(days=draw(st.integers(0, 6)))
    tiers = ["basic", "pro", "team"]
    plan = draw(st.sampled_from(tiers)) if plans else None
    quantity = draw(QUANTITIES)
    unit = draw(st.integers(100, 30_000))  # cents per unit per interval
    lines: list[BillingLine] = []

    def term(i: int) -> tuple[dt.date, dt.date]:
        if interval == WEEK:
            start = anchor + dt.timedelta(weeks=i)
            return start, start + dt.timedelta(days=6)
        start = ref.add_months(anchor, i * interval)
        return start, ref.add_months(anchor, (i + 1) * interval) - ref.ONE_DAY

    def amount() -> int:
        return ref.round_half_away(unit * (Fraction(1) if quantity is None else Fraction(quantity)))

    def noise() -> int:
        return draw(st.sampled_from([0, 0, 0, 0, 1, -1, 3, -7, 250]))

    if interval != WEEK and draw(st.integers(0, 3)) == 0:  # a prorated first invoice
        first_start, _ = term(0)
        cycle_end = first_start - ref.ONE_DAY
        cycle = ref.cycle_days(interval, cycle_end)
        days = draw(st.integers(1, cycle - 1))
        share = proration(amount(), days, cycle) + noise()
        lines.append(BillingLine(customer, share, first_start - dt.timedelta(days=days), cycle_end, product, plan,
                                 None if quantity is None else Fraction(quantity), draw(STATUSES)))  # fmt: skip
    i = 0
    while True:
        start, end = term(i)
        if start > stop:
            break
        q = None if quantity is None else Fraction(quantity)
        lines.append(BillingLine(customer, amount(), start, end, product, plan, q, draw(STATUSES)))
        event = draw(st.sampled_from(["none"] * 6 + ["price", "seats", "change", "change", "gap", "stop"]))
        if event == "price":
            unit = draw(st.integers(100, 30_000))
        elif event == "seats":
            quantity = draw(QUANTITIES)
        elif event == "change" and interval != WEEK and (end - start).days >= 2:
            # Stripe-style: credit the unused time of the old plan / seats / price, charge the rest on the new
            old_amount, old_plan, old_q = amount(), plan, q
            if plans and draw(st.booleans()):
                plan = draw(st.sampled_from([t for t in tiers if t != plan]))
                unit = draw(st.integers(100, 30_000))
            elif quantity is not None and draw(st.booleans()):
                quantity = draw(st.sampled_from([1, 2, 3, 5, 8, 10]))
            else:
                unit = draw(st.integers(100, 30_000))
            cycle = (end - start).days + 1
            days = draw(st.integers(1, cycle - 1))
            change = end - dt.timedelta(days=days - 1)
            status = draw(STATUSES)
            credit = -proration(old_amount, days, cycle) + noise()
            lines.append(BillingLine(customer, credit, change, end, product, old_plan, old_q, status))
            new_q = None if quantity is None else Fraction(quantity)
            charge = proration(amount(), days, cycle) + noise()
            lines.append(BillingLine(customer, charge, change, end, product, plan, new_q, draw(STATUSES)))
        elif event == "gap":
            i += draw(st.integers(1, 2))
        elif event == "stop":
            break
        i += 1
    return lines


@st.composite
def billing_cases(draw: st.DrawFn) -> Case:
    exclusive = draw(st.integers(0, 2)) == 0
    plans = draw(st.booleans())
    pulled = month_start(draw(st.integers(10, 30)), draw(st.sampled_from([1, 6, 14, 28, 31])))  # export date
    customers = [f"{i:03d}" for i in range(draw(st.integers(1, 4)))]  # text ids with leading zeros
    lines: list[BillingLine] = []
    tags = ["exclusive" if exclusive else "inclusive", "plans" if plans else "no plans"]
    for customer in customers:
        products = draw(st.lists(st.sampled_from(["core", "seats", "addon"]), min_size=1, max_size=2, unique=True))
        mine = [x for p in products for x in draw(subscription_lines(customer, p, plans, pulled))]
        extras = draw(st.lists(st.sampled_from(["discount", "one-off", "refund", "odd", "open"]), max_size=3))
        for extra in extras:
            status = draw(STATUSES)
            if extra == "discount" and mine:  # a discount on a line of its own, over one of the customer's terms
                over = draw(st.sampled_from(mine))
                off = -ref.round_half_away(abs(over.amount_cents) * Fraction(draw(st.integers(5, 40)), 100))
                lines.append(
                    BillingLine(customer, off, over.period_start, over.period_end, "discount", None, None, status)
                )
            elif extra == "one-off":
                when = month_start(draw(st.integers(0, 24)), draw(st.integers(1, 28)))
                fee = draw(st.integers(1_000, 100_000))
                lines.append(
                    BillingLine(customer, fee, when, when, draw(st.sampled_from(["setup", None])), None, None, status)
                )
            elif extra == "refund":
                when = month_start(draw(st.integers(0, 24)), draw(st.integers(1, 28)))
                product = draw(st.sampled_from([*products, None]))
                lines.append(
                    BillingLine(customer, -draw(st.integers(100, 50_000)), when, None, product, None, None, status)
                )
            elif extra == "odd":  # a period no cycle fills, often with no whole line near: the fallback interval
                when = month_start(draw(st.integers(0, 24)), draw(st.integers(1, 28)))
                days = draw(st.sampled_from([3, 10, 20, 45, 100, 200, 500]))
                product = draw(st.sampled_from([*products, "extra"]))
                end = when + dt.timedelta(days=days - 1)
                amount = draw(st.integers(-5_000, 50_000))
                lines.append(BillingLine(customer, amount, when, end, product, None, draw(QUANTITIES), status))
            elif extra == "open" and not exclusive:  # without period_end: one calendar month
                when = month_start(draw(st.integers(0, 24)), draw(st.sampled_from([1, 15, 31])))
                amount = draw(st.integers(100, 50_000))
                lines.append(
                    BillingLine(customer, amount, when, None, draw(st.sampled_from(products)), None, None, status)
                )
        lines.extend(mine)
    lines = [x for x in lines if x.period_start <= pulled]
    if exclusive:  # the export writes the day after the period as its end
        lines = [x if x.period_end is None else _shift_end(x) for x in lines]
    if not lines:
        lines = [BillingLine("000", 10_000, FIRST, None, "core")]
    lines = list(draw(st.permutations(lines)))  # an export's row order means nothing
    accounts = None
    if draw(st.booleans()):
        renewals = st.one_of(st.none(), st.integers(0, 30).map(lambda k: month_start(k, 20)))
        accounts = [Account(c, draw(renewals)) for c in customers]
    case = Case("billing", lines, accounts, tags=tags)
    if draw(st.integers(0, 3)) == 0:  # the config replaces the excluded statuses
        case.exclude_statuses = draw(st.sampled_from([["void", "draft"], ["void", "voided", "on_hold"], []]))
    # Products that are tiers of one product line; not with a plan column, where csctl keeps the column's plan
    # rather than the old product name (test_product_lines_with_a_plan_column, a strict xfail).
    if not plans and draw(st.integers(0, 2)) == 0:
        case.product_lines = draw(
            st.sampled_from([{"suite": ["core", "seats"]}, {"suite": ["core", "seats", "addon"]}])
        )
    if draw(st.integers(0, 3)) == 0:
        case.history_starts = min(ref.month_of(x.period_start) for x in lines) - draw(st.integers(0, 1))
    if draw(st.integers(0, 3)) == 0:
        latest = max(ref.month_of(x.period_start) for x in lines)
        case.as_of = latest - draw(st.sampled_from([0, 0, 1, 2, 5, -1]))
    return case


def _shift_end(line: BillingLine) -> BillingLine:
    assert line.period_end is not None
    return BillingLine(line.customer_id, line.amount_cents, line.period_start, line.period_end + ref.ONE_DAY,
                       line.product, line.plan, line.quantity, line.status)  # fmt: skip


# ----------------------------------------------------------------------------------------------------
# subscription exports


@st.composite
def subscription_cases(draw: st.DrawFn, amounts: bool = False) -> Case:
    """``amounts``: amount + interval (+ interval_count) columns instead of an mrr column."""
    inclusive = draw(st.integers(0, 2)) == 0
    plans = draw(st.booleans())
    customers = [f"S{i}" for i in range(draw(st.integers(1, 4)))]
    rows: list[SubscriptionRow] = []

    def value() -> dict[str, Any]:
        if not amounts:
            return {"mrr_cents": draw(st.integers(100, 200_000))}
        interval = draw(st.sampled_from(["month", "month", "year", "week", "day", "Month"]))
        count = draw(st.sampled_from([None, None, 1, 2, 3]))
        return {"amount_cents": draw(st.integers(100, 200_000)), "interval": interval, "interval_count": count}

    for customer in customers:
        for product in draw(
            st.lists(st.sampled_from(["core", "seats", "discount"]), min_size=1, max_size=2, unique=True)
        ):
            start = month_start(draw(st.integers(0, 10)), draw(st.sampled_from([1, 1, 9, 15, 28, 31])))
            for _ in range(draw(st.integers(1, 4))):
                length = draw(st.sampled_from(["months", "months", "months", "days", "open"]))
                end = None
                if length == "months":
                    end = ref.add_months(start, draw(st.integers(1, 8)))
                elif length == "days":  # often within one month
                    end = start + dt.timedelta(days=draw(st.integers(1, 25)))
                plan = draw(st.sampled_from(["basic", "pro"])) if plans else None
                quantity = draw(QUANTITIES)
                row = SubscriptionRow(customer, start, end, product=product, plan=plan, quantity=quantity, **value())
                if product == "discount":  # a discount on a row of its own: negative
                    row = SubscriptionRow(customer, start, end, product=product, plan=plan, quantity=quantity,
                                          mrr_cents=None if row.mrr_cents is None else -row.mrr_cents,
                                          amount_cents=None if row.amount_cents is None else -row.amount_cents,
                                          interval=row.interval, interval_count=row.interval_count)  # fmt: skip
                rows.append(row)
                # One discount row a customer: whether negative rows vote on inclusive ends is left open by the
                # definition (this reference: every row votes; csctl: positive rows, as for billing lines).
                if end is None or product == "discount":
                    break
                start = end + dt.timedelta(days=draw(st.sampled_from([0, 0, 0, 0, 20, 45])))  # contiguous or a gap
    if inclusive:  # the export writes the last day of the period as its end
        rows = [
            r
            if r.end_date is None
            else SubscriptionRow(
                r.customer_id,
                r.start_date,
                r.end_date - ref.ONE_DAY,
                r.mrr_cents,
                r.amount_cents,
                r.interval,
                r.interval_count,
                r.product,
                r.plan,
                r.quantity,
            )
            for r in rows
        ]
    rows = list(draw(st.permutations(rows)))
    accounts = None
    if draw(st.booleans()):
        renewals = st.one_of(st.none(), st.integers(0, 20).map(lambda k: month_start(k, 3)))
        accounts = [Account(c, draw(renewals)) for c in customers]
    case = Case("subscriptions", rows, accounts, tags=["inclusive" if inclusive else "exclusive"])
    if draw(st.integers(0, 3)) == 0:
        latest = max(ref.month_of(d) for r in rows for d in (r.start_date, r.end_date) if d is not None)
        case.as_of = latest - draw(st.sampled_from([0, 1, 3, 8, -1]))
    return case


# ----------------------------------------------------------------------------------------------------
# the comparison


# A case the definition leaves open; the property tests set aside (assume) the random exports that trigger it.
def interval_tie(want: ref.Reference) -> bool:
    """A proration whose nearest whole lines of its product start on the same day with different intervals.

    The definition takes ties in time to the earlier line and says no more: this case is left open (in the case
    found, csctl took a quarterly line where this reference takes the first by end date, a monthly one), so the
    property tests set it aside."""
    whole = [x for x in want.snapshot.lines if x.whole is not None]
    for line in want.snapshot.lines:
        if line.whole is not None or want.snapshot.kind != "billing":
            continue
        product = [w for w in whole if (w.customer_id, w.product) == (line.customer_id, line.product)]
        if product:
            near = ref.nearest(line, product)
            assert near is not None
            if len({w.whole for w in product if w.start == near.start}) > 1:
                return True
    return False


def compare(case: Case) -> None:
    note(case.describe())
    try:
        want = case.reference()
    except ref.UsageProblem as problem:
        code, _, stderr = case.run()
        assert code == 2, f"reference: usage error ({problem}); csctl exit {code}\n{stderr}"
        return
    except ref.InputProblem as problem:
        code, _, stderr = case.run()
        assert code == 3, f"reference: input error ({problem}); csctl exit {code}\n{stderr}"
        return
    assume(not interval_tie(want))
    code, stdout, stderr = case.run()
    if not want.bridge:  # as-of before C + 1: no month with movements; csctl says so (exit 3, with a hint)
        assert code == 3, f"no bridge month; csctl exit {code}\n{stderr}"
        return
    assert code == 0, f"exit {code}\n{stderr}"
    doc = json.loads(stdout)
    rows = doc["tables"]["bridge"]
    for row in want.bridge:  # the reference's own identities
        assert row["mrr_end"] == row["mrr_start"] + sum(row[n] for n in ref.MOVEMENTS), row
    previous = None
    for row in rows:  # csctl's: mrr_end = mrr_start + movements on every row, and months chain
        money = {c: round(row[c] * 100) for c in ref.BRIDGE_MONEY}
        assert money["mrr_end"] == money["mrr_start"] + sum(money[n] for n in ref.MOVEMENTS), row
        flows = row["customers_new"] + row["customers_reactivated"] - row["customers_churned"]
        assert row["customers_end"] == row["customers_start"] + flows, row
        if previous is not None:
            assert money["mrr_start"] == previous, row
        previous = money["mrr_end"]
    assert doc["as_of"] == ref.label(want.as_of)
    problems = ref.diff_bridge(rows, want)
    if want.row(want.as_of) is not None:
        problems += ref.diff_metrics(doc["metrics"], want)
    assert not problems, "\n".join(problems)


@SETTINGS
@given(billing_cases())
def test_billing_bridge_equals_reference(case: Case) -> None:
    compare(case)


@settings(SETTINGS, max_examples=25)
@given(billing_cases())
def test_billing_bridge_in_blocks_of_one_customer_equals_reference(case: Case) -> None:
    """The snapshot and the bridge computed block by block (here blocks of a customer or a few lines, as a large
    export is) are the same."""
    from unittest.mock import patch

    from csctl.core import bridge, mrr

    with patch.object(bridge, "BLOCK_CELLS", 1), patch.object(mrr, "HELD_BLOCK_CELLS", 3):
        compare(case)


@settings(SETTINGS, max_examples=40)
@given(subscription_cases())
def test_subscriptions_bridge_equals_reference(case: Case) -> None:
    compare(case)


@settings(SETTINGS, max_examples=30)
@given(subscription_cases(amounts=True))
def test_subscription_amounts_equal_reference(case: Case) -> None:
    compare(case)
