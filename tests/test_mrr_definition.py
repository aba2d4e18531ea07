"""The cases of issue 11, each worked out by hand from docs/definitions.md, measured two ways.

Every test runs twice (``how``): on the plain-Python reference (tests/reference.py) and through the command line
(``csctl numbers FILE --view bridge -f json``, files written to tmp_path). The expected figures are written out
by hand in the comments; nothing expected is computed by code.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from tests import reference as ref
from tests.conftest import Invoke
from tests.helpers import write_csv, write_text
from tests.reference import Account, BillingLine, SubscriptionRow

D = dt.date
ZERO_MOVEMENTS = dict.fromkeys(ref.MOVEMENTS, 0)


def cents(amount: str) -> int:
    return int(Fraction(amount) * 100)


def line(
    customer: str,
    amount: str,
    start: dt.date,
    end: dt.date | None = None,
    product: str | None = "app",
    plan: str | None = None,
    quantity: int | None = None,
    status: str | None = "paid",
) -> BillingLine:
    q = None if quantity is None else Fraction(quantity)
    return BillingLine(customer, cents(amount), start, end, product, plan, q, status)


def monthly(customer: str, amount: str, first: dt.date, count: int, **kw: Any) -> list[BillingLine]:
    """``count`` whole monthly lines from ``first`` ([d, d + 1 month − 1 day])."""
    starts = [ref.add_months(first, i) for i in range(count + 1)]
    return [line(customer, amount, s, e - ref.ONE_DAY, **kw) for s, e in itertools.pairwise(starts)]


@dataclass
class Outcome:
    """One measurement: bridge rows by month (money in cents), metrics (money in cents), notes."""

    how: str
    as_of: str
    bridge: dict[str, dict[str, Any]]
    metrics: dict[str, Any]
    notes: ref.Notes | None  # the reference's
    text: str  # csctl's notes, warnings and stderr, lower case

    def months(self) -> list[str]:
        return list(self.bridge)

    def movements(self, month: str) -> dict[str, int]:
        return {name: self.bridge[month][name] for name in ref.MOVEMENTS}

    def said(self, *words: str) -> bool:
        """csctl: one note or warning line holds every word."""
        return any(all(w.lower() in chunk for w in words) for chunk in self.text.split("\n"))


Measure = Callable[..., Outcome]


def from_reference(reference: ref.Reference) -> Outcome:
    rows = {ref.label(r["month"]): {k: v for k, v in r.items() if k != "month"} for r in reference.bridge}
    wanted = ref.metrics(reference) if reference.row(reference.as_of) else {}
    return Outcome("reference", ref.label(reference.as_of), rows, wanted, reference.notes, "")


def from_json(doc: dict[str, Any], stderr: str) -> Outcome:
    rows = {}
    for r in doc["tables"]["bridge"]:
        rows[r["month"]] = {k: (round(v * 100) if k in ref.BRIDGE_MONEY else v) for k, v in r.items() if k != "month"}
    money_metrics = {k: (None if v is None else round(v * 100)) for k, v in doc["metrics"].items()}
    wanted = {k: money_metrics[k] if k in ref.MONEY_METRICS else v for k, v in doc["metrics"].items()}
    text = "\n".join([*doc.get("notes", []), *doc.get("warnings", []), *stderr.splitlines()]).lower()
    return Outcome("csctl", doc["as_of"], rows, wanted, None, text)


@pytest.fixture(params=["reference", "csctl"])
def measure(request: pytest.FixtureRequest, invoke: Invoke, tmp_path: Path) -> Measure:
    """``measure(lines or rows, accounts=None, as_of=None, history_starts=None, product_lines=None)``."""

    def run(
        rows: list[BillingLine] | list[SubscriptionRow],
        accounts: list[Account] | None = None,
        as_of: str | None = None,
        history_starts: str | None = None,
        product_lines: dict[str, list[str]] | None = None,
        expect_exit: int = 0,
    ) -> Outcome:
        billing = isinstance(rows[0], BillingLine)
        if request.param == "reference":
            month = None if as_of is None else ref.parse_month(as_of)
            try:
                if billing:
                    start = None if history_starts is None else ref.parse_month(history_starts)
                    got = ref.from_billing(rows, accounts, month, start, product_lines=product_lines)  # type: ignore[arg-type]
                else:
                    got = ref.from_subscriptions(rows, accounts, month)  # type: ignore[arg-type]
            except ref.UsageProblem:
                assert expect_exit == 2
                return Outcome("reference", "", {}, {}, None, "")
            except ref.InputProblem:
                assert expect_exit == 3
                return Outcome("reference", "", {}, {}, None, "")
            assert expect_exit == 0
            return from_reference(got)
        table = ref.billing_rows(rows) if billing else ref.subscription_rows(rows)  # type: ignore[arg-type]
        args: list[object] = ["numbers", write_csv(tmp_path / "export.csv", table), "--view", "bridge", "-f", "json"]
        if accounts is not None:
            args += ["--customers", write_csv(tmp_path / "customers.csv", ref.account_rows(accounts))]
        if as_of is not None:
            args += ["--as-of", as_of]
        if history_starts is not None:
            args += ["--history-starts", history_starts]
        if product_lines is not None:
            tiers = "".join(f"    {k}: [{', '.join(v)}]\n" for k, v in product_lines.items())
            args += ["--config", write_text(tmp_path / "csctl.yaml", f"billing:\n  product_lines:\n{tiers}")]
        result = invoke(*args)
        assert result.exit_code == expect_exit, f"exit {result.exit_code}\n{result.stderr}\n{result.exception!r}"
        if expect_exit:
            return Outcome("csctl", "", {}, {}, None, result.stderr.lower())
        return from_json(json.loads(result.stdout), result.stderr)

    return run


# ----------------------------------------------------------------------------------------------------
# A prorated first invoice


PRORATED_START = [
    # $38.71 for Jan 20–31 (12 of January's 31 days) of a $100 plan, then whole months
    line("A", "38.71", D(2024, 1, 20), D(2024, 1, 31)),
    *monthly("A", "100.00", D(2024, 2, 1), 3),  # Feb, Mar, Apr
]


def test_prorated_first_invoice_is_new_at_the_full_rate(measure: Measure) -> None:
    # Jan 20–31 is partial (12 days); its interval is the nearest whole line's (Feb: a month); the cycle ending
    # Jan 31 has 31 days: rate = 38.71 / (1 × 12 / 31) = 100.0008; snapped to the Feb line's $100.00 (within
    # 0.005 × 31 / 12 = 0.0129). Latest start Apr 1 (not Apr 30): April is in progress, as-of = March.
    got = measure(PRORATED_START, history_starts="2024-01")
    assert got.as_of == "2024-03"
    assert got.months() == ["2024-01", "2024-02", "2024-03"]  # with the whole history, the bridge starts at F
    assert got.movements("2024-01") == {**ZERO_MOVEMENTS, "new": 10000}
    assert got.bridge["2024-01"]["customers_new"] == 1
    for month in ("2024-02", "2024-03"):  # no price uplift of $61.29 the month after: nothing moves
        assert got.movements(month) == ZERO_MOVEMENTS
        assert got.bridge[month]["mrr_start"] == got.bridge[month]["mrr_end"] == 10000


def test_prorated_first_invoice_without_history_is_the_opening_balance(measure: Measure) -> None:
    # Without --history-starts, January (F) is the opening month: no row; T = 1 so C = January, the bridge
    # starts in February with mrr_start = $100.00 and no movement.
    got = measure(PRORATED_START)
    assert got.months() == ["2024-02", "2024-03"]
    assert got.bridge["2024-02"]["mrr_start"] == 10000
    assert got.movements("2024-02") == got.movements("2024-03") == ZERO_MOVEMENTS


# ----------------------------------------------------------------------------------------------------
# A Stripe-style mid-cycle upgrade (plan column): a credit for the unused time, a charge for the rest


UPGRADE = [
    line("B", "100.00", D(2024, 1, 1), D(2024, 1, 31), plan="basic"),
    line("B", "100.00", D(2024, 2, 1), D(2024, 2, 29), plan="basic"),
    # upgrade on Feb 15: 15 of February's 29 days left
    line("B", "-51.72", D(2024, 2, 15), D(2024, 2, 29), plan="basic"),  # −100 × 15/29 = −51.7241
    line("B", "103.45", D(2024, 2, 15), D(2024, 2, 29), plan="pro"),  # 200 × 15/29 = 103.4483
    line("B", "200.00", D(2024, 3, 1), D(2024, 3, 31), plan="pro"),
    line("B", "200.00", D(2024, 4, 1), D(2024, 4, 30), plan="pro"),
]


def test_stripe_upgrade_is_one_expansion_and_no_headwind(measure: Measure) -> None:
    # At Feb 29: basic = 100 + (−51.72 × 29/15 = −99.992, snapped to −100.00: within 0.005 × 29/15 = 0.00967)
    # = 0, not held; pro = 103.45 × 29/15 = 200.0033, snapped to the March line's 200.00. The plan set changes
    # (basic → pro): p1 − p0 = 200 − 100 = +100 expansion. March: pro 200 → 200, nothing moves.
    got = measure(UPGRADE)
    assert got.as_of == "2024-03"
    assert got.months() == ["2024-02", "2024-03"]
    assert got.movements("2024-02") == {**ZERO_MOVEMENTS, "expansion": 10000}
    assert got.bridge["2024-02"]["mrr_end"] == 20000
    assert got.movements("2024-03") == ZERO_MOVEMENTS


def test_seats_raised_mid_cycle_count_once(measure: Measure) -> None:
    # 5 seats at $10 ($50), raised to 8 on Feb 15: credit −50 × 15/29 = −25.86 (5 seats), charge
    # 80 × 15/29 = 41.38 (8 seats). Per seat against the Feb line ($10.00): credit 25.86 × 29/15 / 5 = 9.9992 →
    # 10.00, charge 41.38 × 29/15 / 8 = 10.0002 → 10.00. Feb: 50 − 50 + 80 = 80 with 5 + 8 − 5 = 8 seats;
    # price effect (80/8 − 50/5) × 5 = 0, volume +30 → expansion 30.00. March: 80 (8 seats) → 80, no movement.
    lines = [
        *monthly("Q", "50.00", D(2024, 1, 1), 2, plan="team", quantity=5),
        line("Q", "-25.86", D(2024, 2, 15), D(2024, 2, 29), plan="team", quantity=5),
        line("Q", "41.38", D(2024, 2, 15), D(2024, 2, 29), plan="team", quantity=8),
        *monthly("Q", "80.00", D(2024, 3, 1), 2, plan="team", quantity=8),
    ]
    got = measure(lines)
    assert got.movements("2024-02") == {**ZERO_MOVEMENTS, "expansion": 3000}
    assert got.movements("2024-03") == ZERO_MOVEMENTS


def test_proration_snaps_to_the_nearest_line_of_its_plan(measure: Measure) -> None:
    # basic $1.00 for February 2023 (28 days) and a −$0.21 credit for Feb 23–28 (6 days) on basic; team $35.69
    # from Mar 1. The credit's rate −0.21 × 28/6 = −0.98 is within 0.005 × 28/6 = 0.0233 of basic's $1.00 (the
    # nearest whole line of its plan, Feb 1) → −$1.00: basic nets 0 at Feb 28, c(Feb) = 0 (not $0.02, which
    # would be held: 2 cents ≥ 1% of $1.00). So March is the first month with MRR: new $35.69.
    lines = [
        line("B", "1.00", D(2023, 2, 1), D(2023, 2, 28), product="core", plan="basic"),
        line("B", "-0.21", D(2023, 2, 23), D(2023, 2, 28), product="core", plan="basic"),
        *monthly("B", "35.69", D(2023, 3, 1), 2, product="core", plan="team"),
    ]
    got = measure(lines, history_starts="2023-02", as_of="2023-03")
    assert got.months() == ["2023-03"]
    assert got.movements("2023-03") == {**ZERO_MOVEMENTS, "new": 3569}


@pytest.mark.parametrize(("charge", "credit", "held"), [("3.00", "-2.98", 0), ("3.90", "-3.86", 1)])
def test_one_percent_of_gross_on_the_exact_net(measure: Measure, charge: str, credit: str, held: int) -> None:
    # A quarterly charge and a quarterly credit on one plan (rates amount / 3). 3.00 − 2.98: net 0.667 cent
    # (1 cent rounded) under 1% of 100 cents: not held. 3.90 − 3.86: net 1.333 cents (1 rounded) at least 1%
    # of 130 cents (1.3): held, 1 cent. (Reading taken: the 1% test is on the exact net.) B pays $100 a month.
    lines = [
        *monthly("B", "100.00", D(2024, 1, 1), 3, product="core"),
        line("A", charge, D(2024, 1, 1), D(2024, 3, 31), product="core", plan="basic"),
        line("A", credit, D(2024, 1, 1), D(2024, 3, 31), product="core", plan="basic"),
    ]
    got = measure(lines, history_starts="2024-01", as_of="2024-02")
    assert got.movements("2024-01") == {**ZERO_MOVEMENTS, "new": 10000 + held}
    assert got.bridge["2024-01"]["customers_new"] == 1 + held


@pytest.mark.parametrize("measure", ["reference", "csctl"], indirect=True)
def test_snapping_ties_go_to_the_earlier_line(measure: Measure) -> None:
    # Whole monthly lines Apr 15 – May 14 ($56.63) and May 15 – Jun 14 ($212.21); a proration Apr 30 – May 14
    # of $28.32 (15 of the cycle's 30 days): rate 28.32 × 30 / 15 = 56.64. Both whole lines start 15 days
    # from Apr 30: the tie goes to the earlier one, $56.63, within 0.005 × 30 / 15 = 0.01: snapped to 56.63.
    # April (snapshot Apr 30) = 56.63 + 56.63 = $113.26.
    lines = [
        line("A", "56.63", D(2023, 4, 15), D(2023, 5, 14)),
        line("A", "28.32", D(2023, 4, 30), D(2023, 5, 14)),
        line("A", "212.21", D(2023, 5, 15), D(2023, 6, 14)),
    ]
    got = measure(lines, history_starts="2023-04", as_of="2023-04")
    assert got.movements("2023-04") == {**ZERO_MOVEMENTS, "new": 11326}


@pytest.mark.parametrize("measure", ["reference", "csctl"], indirect=True)
def test_a_zero_line_gives_no_seats_back(measure: Measure) -> None:
    # 3 seats at $10 in May and June; on Jun 25 a proration credit that came to $0.00 (3 seats) and a charge of
    # $16.00 for 8 seats over Jun 25–30 (6 of 30 days: 16 × 30 / 6 = $80, the July line's rate). June: pro =
    # 30 + 0 + 80 = $110 with 3 + 8 = 11 seats (only negative lines give seats back); price effect
    # (110/11 − 30/3) × 3 = 0, volume +$80: expansion.
    lines = [
        *monthly("A", "30.00", D(2023, 5, 1), 2, product="seats", plan="pro", quantity=3),
        line("A", "0.00", D(2023, 6, 25), D(2023, 6, 30), product="seats", plan="pro", quantity=3),
        line("A", "16.00", D(2023, 6, 25), D(2023, 6, 30), product="seats", plan="pro", quantity=8),
        *monthly("A", "80.00", D(2023, 7, 1), 1, product="seats", plan="pro", quantity=8),
    ]
    got = measure(lines, history_starts="2023-05", as_of="2023-06")
    assert got.movements("2023-06") == {**ZERO_MOVEMENTS, "expansion": 8000}


@pytest.mark.parametrize("measure", ["reference", "csctl"], indirect=True)
def test_a_zero_partial_line_is_not_snapped_into_a_charge(measure: Measure) -> None:
    # $0.05 a month in January and February; a $0.00 line Mar 30–31 (2 of 31 days). Its rate 0 × 31 / 2 = 0 is
    # within 0.005 × 31 / 2 = 0.0775 of the $0.05 whole line: a snap would make it +$0.05 (held, March MRR 5
    # cents). A $0.00 line has no sign: it stays $0.00, so March holds nothing and A churns (5 cents).
    lines = [
        *monthly("A", "0.05", D(2024, 1, 1), 2, product="core", plan="basic"),
        line("A", "0.00", D(2024, 3, 30), D(2024, 3, 31), product="core", plan="basic"),
    ]
    got = measure(lines, history_starts="2024-01", as_of="2024-03")
    assert got.movements("2024-03") == {**ZERO_MOVEMENTS, "churn": -5}


# ----------------------------------------------------------------------------------------------------
# An export pulled mid-month


MID_MONTH = [
    *monthly("C1", "100.00", D(2024, 1, 1), 4),  # … Apr 1–30
    *monthly("C2", "200.00", D(2024, 1, 5), 4),  # … Apr 5–May 4
    *monthly("C3", "300.00", D(2024, 1, 9), 3),  # … Mar 9–Apr 8; April's invoice (Apr 9) not yet issued
]


def test_export_pulled_mid_month_reports_the_last_complete_month(measure: Measure) -> None:
    # The latest start is Apr 5 (not April's last day): April is in progress, the default as-of is March,
    # with a note naming 2024-04 and --as-of. F = January, T = 1: the bridge is Feb and Mar, all flat at $600.
    got = measure(MID_MONTH)
    assert got.as_of == "2024-03"
    assert got.months() == ["2024-02", "2024-03"]
    assert got.movements("2024-03") == ZERO_MOVEMENTS
    assert got.bridge["2024-03"]["mrr_end"] == 60000
    if got.notes is not None:
        assert got.notes.in_progress == ref.parse_month("2024-04")
    else:
        assert got.said("2024-04", "--as-of"), got.text


def test_month_in_progress_churns_nobody_whose_period_holds_the_last_day(measure: Measure) -> None:
    # --as-of 2024-04: April's snapshot day is Apr 5 (the latest start). C1 (Apr 1–30), C2 (Apr 5–May 4) and
    # C3 (Mar 9–Apr 8) all hold it: no churn, MRR still 100 + 200 + 300 = $600.
    got = measure(MID_MONTH, as_of="2024-04")
    assert got.as_of == "2024-04"
    assert got.movements("2024-04") == ZERO_MOVEMENTS
    assert got.bridge["2024-04"]["customers_churned"] == 0
    assert got.bridge["2024-04"]["customers_end"] == 3
    assert got.bridge["2024-04"]["mrr_end"] == 60000


def test_as_of_after_the_export_is_a_usage_error(measure: Measure) -> None:
    measure(MID_MONTH, as_of="2024-05", expect_exit=2)


# ----------------------------------------------------------------------------------------------------
# Refunds, one-off charges, weekly billing, statuses, exclusive ends


def test_refunds_and_one_offs_never_move_mrr(measure: Measure) -> None:
    # $50 a month Jan–Apr; refunds −50.00 (Feb 10) and −20.00 (Mar 3) without period_end; a one-day set-up fee
    # of $500 on Jan 1. MRR stays $50: no churn in February, no reactivation in March. Notes: 2 refund lines,
    # −$70.00; 1 one-off line, $500.00.
    lines = [
        *monthly("R", "50.00", D(2024, 1, 1), 4),
        line("R", "-50.00", D(2024, 2, 10)),
        line("R", "-20.00", D(2024, 3, 3), product=None, status="refunded"),
        line("R", "500.00", D(2024, 1, 1), D(2024, 1, 1), product="setup"),
    ]
    got = measure(lines)
    assert got.months() == ["2024-02", "2024-03"]
    for month in got.months():
        assert got.movements(month) == ZERO_MOVEMENTS
        assert got.bridge[month]["mrr_end"] == 5000
    if got.notes is not None:
        assert got.notes.refunds == (2, -7000)
        assert got.notes.one_offs == (1, 50000)
    else:
        assert got.said("refund", "2", "70.00"), got.text
        assert got.said("one-off", "1", "500.00") or got.said("one off", "1", "500.00"), got.text


def test_weekly_billing_is_flat(measure: Measure) -> None:
    # $25 a week from Monday 2024-01-01, one 7-day line a week through Apr 29–May 5: rate 25 / (12/52) =
    # 108.3333 → $108.33 every month (one weekly line holds each snapshot). April is in progress (latest start
    # Apr 29): as-of March; Feb and Mar have no movement.
    starts = [D(2024, 1, 1) + dt.timedelta(weeks=i) for i in range(18)]
    got = measure([line("W", "25.00", s, s + dt.timedelta(days=6)) for s in starts])
    assert got.as_of == "2024-03"
    assert got.months() == ["2024-02", "2024-03"]
    for month in got.months():
        assert got.movements(month) == ZERO_MOVEMENTS
        assert got.bridge[month]["mrr_start"] == got.bridge[month]["mrr_end"] == 10833


def test_statuses(measure: Measure) -> None:
    # K pays $100 a month Jan–Apr (one line "Paid", known). In March, six $1,000 lines that never stood
    # (void, Voided, draft, " deleted", canceled, cancelled) add nothing; refunded $10, uncollectible $20,
    # written_off $30 and the unknown "on_hold" $40 count: March new = 10 + 20 + 30 + 40 = $100, 4 customers,
    # MRR $200. "on_hold" is named in a note with its 1 line.
    march = (D(2024, 3, 1), D(2024, 3, 31))
    lines = [*monthly("K", "100.00", D(2024, 1, 1), 4)]
    lines[0] = line("K", "100.00", D(2024, 1, 1), D(2024, 1, 31), status="Paid")
    for i, status in enumerate(["void", "Voided", "draft", " deleted", "canceled", "cancelled"]):
        lines.append(line(f"V{i}", "1000.00", *march, status=status))
    for customer, amount, status in [
        ("R1", "10", "refunded"),
        ("R2", "20", "uncollectible"),
        ("R3", "30", "written_off"),
    ]:
        lines.append(line(customer, amount, *march, status=status))
    lines.append(line("U1", "40.00", *march, status="on_hold"))
    got = measure(lines)
    assert got.as_of == "2024-03"
    assert got.movements("2024-03") == {**ZERO_MOVEMENTS, "new": 10000}
    assert got.bridge["2024-03"]["customers_new"] == 4
    assert got.bridge["2024-03"]["mrr_end"] == 20000
    if got.notes is not None:
        assert got.notes.unknown_statuses == {"on_hold": 1}
    else:
        assert got.said("on_hold", "1"), got.text


def test_exclusive_ends_are_detected(measure: Measure) -> None:
    # Lines written [Jan 1, Feb 1], [Feb 1, Mar 1], …: 3 pairs where the next start is the end, none the day
    # after: every end is taken a day earlier, each line is a whole month. Flat $100; a note says so.
    starts = [D(2024, m, 1) for m in range(1, 6)]
    lines = [line("E", "100.00", s, e) for s, e in itertools.pairwise(starts)]
    got = measure(lines)
    assert got.as_of == "2024-03"
    for month in got.months():
        assert got.movements(month) == ZERO_MOVEMENTS
        assert got.bridge[month]["mrr_end"] == 10000
    if got.notes is not None:
        assert got.notes.exclusive_ends
    else:
        assert got.said("exclusive"), got.text


# ----------------------------------------------------------------------------------------------------
# Plans within a product


def plan_change(seats: int | None) -> list[BillingLine]:
    return [
        *monthly("P", "100.00", D(2024, 1, 1), 2, plan="basic", quantity=seats),
        *monthly("P", "150.00", D(2024, 3, 1), 2, plan="pro", quantity=seats),
    ]


def test_plan_upgrade_is_expansion(measure: Measure) -> None:
    # Basic $100 Jan–Feb, Pro $150 Mar–Apr of one product: March expansion +$50, no contraction, no upsell.
    got = measure(plan_change(None))
    assert got.movements("2024-03") == {**ZERO_MOVEMENTS, "expansion": 5000}


def test_plan_upgrade_with_seats_is_expansion(measure: Measure) -> None:
    # The same with 5 seats on both plans: the plan set changes (basic → pro), so p1 − p0 = +$50 is expansion;
    # no price uplift even though the price per seat rose from $20 to $30.
    got = measure(plan_change(5))
    assert got.movements("2024-03") == {**ZERO_MOVEMENTS, "expansion": 5000}


def test_each_plan_is_held_on_its_own(measure: Measure) -> None:
    # January, product core: basic $100.00 (held); pro $25.30 and a −$25.25 credit on the same plan: net $0.05,
    # under 1% of its gross $25.30, so pro is not held: c(Jan) = $100.00 (not $100.05), flat into Feb–Mar.
    lines = [
        *monthly("A", "100.00", D(2024, 1, 1), 3, product="core", plan="basic"),
        line("A", "25.30", D(2024, 1, 1), D(2024, 1, 31), product="core", plan="pro"),
        line("A", "-25.25", D(2024, 1, 1), D(2024, 1, 31), product="core", plan="pro"),
    ]
    got = measure(lines, history_starts="2024-01", as_of="2024-03")
    assert got.movements("2024-01") == {**ZERO_MOVEMENTS, "new": 10000}
    assert got.movements("2024-02") == ZERO_MOVEMENTS


def test_each_plan_is_rounded_on_its_own(measure: Measure) -> None:
    # Two annual $1.00 lines of one product on plans basic and pro: each plan 100/12 = 8.33 cents → 8 cents;
    # the product is 8 + 8 = 16 cents (rounding the product's 16.67 would give 17).
    lines = [
        line("A", "1.00", D(2024, 1, 1), D(2024, 12, 31), product="core", plan="basic"),
        line("A", "1.00", D(2024, 1, 1), D(2024, 12, 31), product="core", plan="pro"),
        line("A", "1.00", D(2025, 1, 1), D(2025, 12, 31), product="core", plan="pro"),
    ]
    got = measure(lines, history_starts="2024-01", as_of="2024-03")
    assert got.movements("2024-01") == {**ZERO_MOVEMENTS, "new": 16}


def test_a_plan_with_only_negative_lines_is_a_credit(measure: Measure) -> None:
    # basic $100 Jan–Mar; in February a −$10 line of its own plan "promo" in the same product: a credit.
    # Feb: credits 0 → −10: price_erosion −$10 (not contraction); Mar: −10 → 0: price_uplift +$10.
    lines = [
        *monthly("A", "100.00", D(2024, 1, 1), 3, product="core", plan="basic"),
        line("A", "-10.00", D(2024, 2, 1), D(2024, 2, 29), product="core", plan="promo"),
    ]
    got = measure(lines, history_starts="2024-01", as_of="2024-03")
    assert got.movements("2024-02") == {**ZERO_MOVEMENTS, "price_erosion": -1000}
    assert got.movements("2024-03") == {**ZERO_MOVEMENTS, "price_uplift": 1000}


def test_plan_downgrade_is_contraction(measure: Measure) -> None:
    lines = [
        *monthly("P", "150.00", D(2024, 1, 1), 2, plan="pro"),
        *monthly("P", "100.00", D(2024, 3, 1), 2, plan="basic"),
    ]
    got = measure(lines)
    assert got.movements("2024-03") == {**ZERO_MOVEMENTS, "contraction": -5000}


def test_product_lines_make_products_tiers(measure: Measure) -> None:
    # billing.product_lines {App: [Basic, Pro]}: products Basic and Pro are plans of the line App; the move
    # from Basic $100 to Pro $150 is expansion +$50 (without the config: contraction −100 and upsell +150).
    lines = [
        *monthly("P", "100.00", D(2024, 1, 1), 2, product="Basic"),
        *monthly("P", "150.00", D(2024, 3, 1), 2, product="Pro"),
    ]
    got = measure(lines, product_lines={"App": ["Basic", "Pro"]})
    assert got.movements("2024-03") == {**ZERO_MOVEMENTS, "expansion": 5000}
    plain = measure(lines)
    assert plain.movements("2024-03") == {**ZERO_MOVEMENTS, "upsell": 15000, "contraction": -10000}


@pytest.mark.parametrize("measure", ["reference", "csctl"], indirect=True)
def test_product_lines_with_a_plan_column(measure: Measure) -> None:
    # {suite: [core, seats]} and a plan column holding "monthly" on every line; 5 seats throughout. core $100
    # Jan–Feb, seats $150 Mar–Apr: the product becomes the line (suite) and its old name the plan, so March
    # changes plan (core → seats): p1 − p0 = +$50 expansion, no price effect.
    lines = [
        *monthly("A", "100.00", D(2024, 1, 1), 2, product="core", plan="monthly", quantity=5),
        *monthly("A", "150.00", D(2024, 3, 1), 2, product="seats", plan="monthly", quantity=5),
    ]
    got = measure(lines, history_starts="2024-01", product_lines={"suite": ["core", "seats"]})
    assert got.movements("2024-03") == {**ZERO_MOVEMENTS, "expansion": 5000}


# ----------------------------------------------------------------------------------------------------
# An export cut mid-history


CUT = [
    *monthly("M1", "100.00", D(2024, 1, 1), 16),  # Jan 2024 … Apr 2025, $100
    line("Y1", "2400.00", D(2024, 3, 1), D(2025, 2, 28)),  # annual, $200 a month, not renewed
    line("Y2", "1200.00", D(2024, 8, 1), D(2025, 7, 31)),  # annual, $100 a month (its last term was invoiced
    # before the export began: it looks new in August 2024)
]


def test_export_cut_mid_history(measure: Measure) -> None:
    # F = 2024-01 (the opening month: no movements), T = 12 (annual lines), C = F + 11 = 2024-12: the bridge
    # starts 2025-01. As-of 2025-03 (latest start Apr 1, 2025). c(Dec 2024) = 100 + 200 + 100 = $400.
    # Jan, Feb 2025 flat; Mar 2025: Y1 churns −$200 → $200. Eligible in March: due M1 (Feb line ended in
    # February) and Y1 (term ended Feb 28): lost 200 / (100 + 200) = 2/3.
    # Windows: 1m base Feb 2025: grr = nrr = (100 + 0 + 100) / 400 = 0.5; 3m base Dec 2024 = C: 0.5;
    # 12m base Mar 2024 < C: null, and so is the trailing-12-month churn, with a note naming 2024-12.
    got = measure(CUT)
    assert got.as_of == "2025-03"
    assert got.months() == ["2025-01", "2025-02", "2025-03"]
    assert got.bridge["2025-01"]["mrr_start"] == 40000
    assert got.movements("2025-01") == got.movements("2025-02") == ZERO_MOVEMENTS
    assert got.movements("2025-03") == {**ZERO_MOVEMENTS, "churn": -20000}
    assert got.bridge["2025-03"]["eligible_churn"] == pytest.approx(2 / 3, abs=1e-6)
    m = got.metrics
    assert m["mrr"] == 20000
    assert m["grr_1m"] == pytest.approx(0.5) and m["nrr_1m"] == pytest.approx(0.5)
    assert m["grr_3m"] == pytest.approx(0.5) and m["nrr_3m"] == pytest.approx(0.5)
    for name in ("grr_12m", "nrr_12m", "logo_churn_12m", "gross_revenue_churn_12m", "clv"):
        assert m[name] is None, name
    if got.notes is None:
        assert got.said("2024-12"), got.text


def test_export_with_its_whole_history(measure: Measure) -> None:
    # --history-starts 2024-01: every month is complete; the bridge starts at F = 2024-01 (M1 new $100);
    # Y1 new in 2024-03 ($200), Y2 new in 2024-08 ($100). 12m window base Mar 2024: M1 100 + Y1 200 = 300 →
    # Mar 2025: 100 + 0: grr = nrr = 1/3. Trailing 12-month churn (Apr 2024 … Mar 2025): lost 200 over
    # Σ mrr_start = 300 × 5 (Apr–Aug) + 400 × 7 (Sep–Mar) = 4,300 → 2/43.
    got = measure(CUT, history_starts="2024-01")
    assert got.months()[0] == "2024-01" and got.months()[-1] == "2025-03"
    assert got.movements("2024-01") == {**ZERO_MOVEMENTS, "new": 10000}
    assert got.movements("2024-03") == {**ZERO_MOVEMENTS, "new": 20000}
    assert got.movements("2024-08") == {**ZERO_MOVEMENTS, "new": 10000}
    m = got.metrics
    assert m["grr_12m"] == pytest.approx(1 / 3) and m["nrr_12m"] == pytest.approx(1 / 3)
    assert m["gross_revenue_churn_12m"] == pytest.approx(2 / 43)


def test_a_line_before_the_history_start_is_an_input_error(measure: Measure) -> None:
    measure(CUT, history_starts="2024-02", expect_exit=3)


# ----------------------------------------------------------------------------------------------------
# Subscription exports


def test_inclusive_subscription_ends_are_continuous(measure: Measure) -> None:
    # S1: [Jan 1, Mar 31], [Apr 1, Jun 30], [Jul 1, –); S2: [Jan 15, Feb 14], [Feb 15, –): 3 pairs where the
    # next start is the day after the end, none on the end: every end is taken a day later. S1 holds Mar 31
    # and Jun 30: no churn, no reactivation. Bridge from F = Jan: new 100 + 50 = $150, then flat to the
    # as-of June (the latest date Jul 1 is in progress).
    rows = [
        SubscriptionRow("S1", D(2024, 1, 1), D(2024, 3, 31), mrr_cents=10000),
        SubscriptionRow("S1", D(2024, 4, 1), D(2024, 6, 30), mrr_cents=10000),
        SubscriptionRow("S1", D(2024, 7, 1), None, mrr_cents=10000),
        SubscriptionRow("S2", D(2024, 1, 15), D(2024, 2, 14), mrr_cents=5000),
        SubscriptionRow("S2", D(2024, 2, 15), None, mrr_cents=5000),
    ]
    got = measure(rows)
    assert got.as_of == "2024-06"
    assert got.months() == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    assert got.movements("2024-01") == {**ZERO_MOVEMENTS, "new": 15000}
    for month in got.months()[1:]:
        assert got.movements(month) == ZERO_MOVEMENTS, month
        assert got.bridge[month]["mrr_end"] == 15000
    if got.notes is not None:
        assert got.notes.inclusive_ends
    else:
        assert got.said("inclusive"), got.text


def test_subscription_within_one_month_is_counted_in_a_note(measure: Measure) -> None:
    # S3 runs Feb 3 → Feb 20 ($75): it holds no snapshot day, adds no MRR and is named in a note (1 row, $75).
    rows = [
        SubscriptionRow("S1", D(2024, 1, 1), None, mrr_cents=10000),
        SubscriptionRow("S3", D(2024, 2, 3), D(2024, 2, 20), mrr_cents=7500),
        SubscriptionRow("S4", D(2024, 1, 1), D(2024, 5, 1), mrr_cents=10000),
    ]
    got = measure(rows)
    assert got.as_of == "2024-04"
    assert got.movements("2024-01") == {**ZERO_MOVEMENTS, "new": 20000}
    for month in ("2024-02", "2024-03", "2024-04"):
        assert got.movements(month) == ZERO_MOVEMENTS
    if got.notes is not None:
        assert got.notes.within_month == (1, 7500)
    else:
        assert got.said("1", "75"), got.text


def test_subscription_amount_and_interval(measure: Measure) -> None:
    # No mrr column: $1,200 a year → $100; $25 a week × 2 → 25 × 2 / (12/52) = 216.666… → $216.67;
    # $300 every 3 months → $100. Total $416.67 from January (as-of May: the latest date Jun 1 is in progress).
    rows = [
        SubscriptionRow("Y", D(2024, 1, 1), D(2024, 6, 1), amount_cents=120000, interval="year"),
        SubscriptionRow("W", D(2024, 1, 1), None, amount_cents=2500, interval="week", quantity=Fraction(2)),
        SubscriptionRow("Q", D(2024, 1, 1), None, amount_cents=30000, interval="month", interval_count=3),
    ]
    got = measure(rows)
    assert got.as_of == "2024-05"
    assert got.movements("2024-01") == {**ZERO_MOVEMENTS, "new": 41667}
    assert got.bridge["2024-05"]["mrr_end"] == 41667


def test_inclusive_end_before_an_ongoing_period(measure: Measure) -> None:
    # The case: 03-31, then 04-01 (ongoing). One pair, next start = end + 1 day, none on the end day:
    # the export's ends are inclusive, [Jan 1, Apr 1) holds Mar 31: $1.00 flat, no churn, no reactivation.
    rows = [
        SubscriptionRow("S1", D(2023, 1, 1), D(2023, 3, 31), mrr_cents=100),
        SubscriptionRow("S1", D(2023, 4, 1), None, mrr_cents=100),
    ]
    got = measure(rows, as_of="2023-03")
    assert got.movements("2023-03") == ZERO_MOVEMENTS
    assert got.bridge["2023-03"]["mrr_end"] == 100


def test_subscription_with_an_ongoing_period_is_measured_after_its_latest_date(measure: Measure) -> None:
    # S0 runs from 2023-07-29 with no end: the latest date is Jul 29 (M* = July), and an ongoing period holds
    # every later snapshot: --as-of 2023-09 measures August and September at their last days. F = July
    # (Jul 29 holds it): new $1.00 in July, then flat.
    got = measure([SubscriptionRow("S0", D(2023, 7, 29), None, mrr_cents=100)], as_of="2023-09")
    assert got.months() == ["2023-07", "2023-08", "2023-09"]
    assert got.movements("2023-07") == {**ZERO_MOVEMENTS, "new": 100}
    assert got.movements("2023-09") == ZERO_MOVEMENTS and got.bridge["2023-09"]["mrr_end"] == 100


def test_subscription_as_of_after_the_latest_date_without_ongoing_periods_is_a_usage_error(measure: Measure) -> None:
    # Every period ends: the latest date Aug 15 makes M* = August, and September is after it (exit 2).
    rows = [SubscriptionRow("S0", D(2023, 7, 1), D(2023, 8, 15), mrr_cents=100)]
    measure(rows, as_of="2023-09", expect_exit=2)


def test_first_month_is_the_first_with_customer_mrr(measure: Measure) -> None:
    # S0 core $9.02 from Oct 28; a −$1,238.67 discount row [Oct 31, Nov 30): c(Oct) = max(0, 9.02 − 1,238.67) = 0,
    # c(Nov) = $9.02 (the discount's end is excluded). The latest date Nov 30 is November's last day: as-of
    # November. F = November: the bridge is one row, new $9.02.
    rows = [
        SubscriptionRow("S0", D(2023, 10, 28), None, mrr_cents=902, product="core"),
        SubscriptionRow("S0", D(2023, 10, 31), D(2023, 11, 30), mrr_cents=-123867, product="discount"),
    ]
    got = measure(rows)
    assert got.as_of == "2023-11"
    assert got.months() == ["2023-11"]
    assert got.movements("2023-11") == {**ZERO_MOVEMENTS, "new": 902}


# ----------------------------------------------------------------------------------------------------
# The reference's building blocks, by hand


@pytest.mark.parametrize(
    ("day", "months", "want"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # clamped to February's last day (leap year)
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 11, 15), 3, D(2025, 2, 15)),
    ],
)
def test_calendar_months_clamp(day: dt.date, months: int, want: dt.date) -> None:
    assert ref.add_months(day, months) == want


@pytest.mark.parametrize(
    ("start", "end", "want"),
    [
        (D(2024, 1, 1), D(2024, 1, 31), 1),
        (D(2024, 1, 31), D(2024, 2, 28), 1),  # Jan 31 + 1 month = Feb 29 = end + 1 day
        (D(2024, 2, 29), D(2024, 3, 30), 1),  # Mar 31 − 1 month = Feb 29 = start
        (D(2024, 1, 31), D(2024, 2, 29), None),  # 30 days: neither side lands on the other
        (D(2024, 1, 20), D(2024, 1, 31), None),  # a proration
        (D(2024, 1, 1), D(2024, 1, 7), ref.WEEK),
        (D(2024, 1, 15), D(2024, 4, 14), 3),
        (D(2024, 3, 1), D(2025, 2, 28), 12),
        (D(2024, 1, 1), D(2025, 12, 31), 24),
        (D(2024, 1, 1), D(2024, 2, 14), None),  # 45 days: nearest standard is 1 month, which it does not fill
    ],
)
def test_whole_lines(start: dt.date, end: dt.date, want: int | None) -> None:
    assert ref.whole_interval(start, end) == want


@pytest.mark.parametrize(
    ("days", "end", "want"),
    [
        (3, D(2024, 1, 31), ref.WEEK),  # 3 ≤ 7
        (12, D(2024, 1, 31), 1),  # 12 ≤ 31
        (45, D(2024, 3, 31), 3),  # > 31 (March), ≤ 91 (Jan 1 – Mar 31)
        (200, D(2024, 12, 31), 12),  # > 184 (Jul 1 – Dec 31), ≤ 366
        (500, D(2025, 5, 14), 24),  # > 365, ≤ 730 (2023-05-15 – 2025-05-14)
    ],
)
def test_fallback_interval(days: int, end: dt.date, want: int) -> None:
    assert ref.fallback_interval(days, end) == want


def test_cycles_rates_and_rounding() -> None:
    assert ref.cycle_days(1, D(2024, 2, 29)) == 29 and ref.cycle_days(12, D(2024, 12, 31)) == 366
    assert ref.cycle_days(ref.WEEK, D(2024, 5, 5)) == 7
    assert ref.nearest_standard_months(45) == 1 and ref.nearest_standard_months(61) == 3  # 1.48 → 1; 2.004 → 3
    assert ref.nearest_standard_months(365) == 12 and ref.nearest_standard_months(730) == 24
    assert Fraction(2500) / ref.interval_months(ref.WEEK) == Fraction(32500, 3)  # $25 a week = $108.33…
    assert ref.round_half_away(Fraction(5, 2)) == 3 and ref.round_half_away(Fraction(-5, 2)) == -3
    assert ref.round_half_away(Fraction(-3, 2) + Fraction(1, 100)) == -1
