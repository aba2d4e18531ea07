"""The invoices of one simulated term: the lines a billing system exports for it (weekly billing, mid-term
changes with proration pairs, prorated first invoices, one-off fees, refunds and bad debt, discount lines, service
credits, copies that never stood), as integer columns that billing.generate_billing turns into the export."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from csctl.sample.company import _ADDONS, _EPOCH, _STARTER, PRODUCTS


@dataclass
class _Lines:
    key: list[int] = field(default_factory=list)  # invoice sort key: (day << 32) | (account << 8) | sub
    line: list[int] = field(default_factory=list)
    cust: list[int] = field(default_factory=list)
    item: list[int] = field(default_factory=list)  # an index into _ITEMS: (product, plan)
    quantity: list[int | None] = field(default_factory=list)
    unit: list[int] = field(default_factory=list)  # cents
    amount: list[int] = field(default_factory=list)  # cents
    start: list[int] = field(default_factory=list)  # days since 1970-01-01
    end: list[int | None] = field(default_factory=list)  # inclusive; None for a refund
    status: list[int] = field(default_factory=list)  # an index into _STATUSES


# statuses: the first two are the usual ones; 2-6 never stood (ignored), 7-9 still count
_STATUSES = (
    "paid",
    "open",
    "void",
    "voided",
    "draft",
    "deleted",
    "canceled",
    "refunded",
    "uncollectible",
    "written_off",
)
_EXCLUDED = ("void", "voided", "draft", "deleted", "canceled")
_PAID, _OPEN, _REFUNDED, _UNCOLLECTIBLE, _WRITTEN_OFF = 0, 1, 7, 8, 9

# line items: (product, plan); the codes below 6 are PRODUCTS
_ITEMS: tuple[tuple[str | None, str | None], ...] = (
    *((p.name, p.plan) for p in PRODUCTS),
    ("Discount", None),
    (None, None),  # a discount line without a product
    ("Set-up fee", None),
    ("API overage", None),
)
_DISCOUNT, _NO_PRODUCT, _SETUP, _OVERAGE = 6, 7, 8, 9


_WEEKLY_SHARE = 0.25  # of the lives of monthly Starter accounts: billed every week
_DISCOUNT_LINE_SHARE = 0.5  # of discounted (non-weekly) lives: list prices and a discount line of its own
_PRORATED_START_SHARE = 0.3  # of (non-weekly) lives: a prorated first invoice from signup to the anchor day
_SETUP_SHARE = 0.3  # of lives: a one-off set-up fee on the first invoice
_SETUP_CENTS = (25_000, 75_000, 250_000)  # by core plan
_MIDTERM_SHARE = 0.6  # of seat increases and upgrades: made mid-term, with a proration pair
_OVERAGE_SHARE = 0.08  # of terms with API access: a one-off overage charge
_REFUND_SHARE = 0.012  # of terms: a partial refund (a negative line without period_end)
_BAD_DEBT = (0.006, 0.012, 0.016)  # cumulative shares of paid invoices refunded, uncollectible, written off


_Line = tuple[int, int | None, int, int, int, int | None]  # item, quantity, unit, amount, start, end (cents, days)


def _whole(day0: int, day1: int) -> bool:
    """Whether [day0, day1] fills a cycle of 1 week or 1, 3, 6 or 12 months ending on day1 (docs/definitions.md)."""
    if day1 - day0 == 6:
        return True
    return any(day0 == _minus_months(day1 + 1, n) for n in (1, 3, 6, 12))


def _minus_months(day: int, n: int) -> int:
    """The day n calendar months before a day (clamped to the end of a shorter month)."""
    date = dt.date.fromordinal(day + _EPOCH)
    y, mo = divmod(date.year * 12 + date.month - 1 - n, 12)
    return dt.date(y, mo + 1, min(date.day, calendar.monthrange(y, mo + 1)[1])).toordinal() - _EPOCH


class _Term:
    """A term of a contract as the simulation drew it, and what its invoice carries."""

    __slots__ = (
        "addons",
        "copy",
        "credit",
        "credit_end",
        "day0",
        "day1",
        "disc",
        "life",
        "plan",
        "plevel",
        "seats",
        "status",
        "term",
        "wrong",
    )

    def __init__(self, life: int, term: int, day0: int, day1: int, plan: int, seats: int, addons: int) -> None:
        self.life, self.term, self.day0, self.day1 = life, term, day0, day1
        self.plan, self.seats, self.addons = plan, seats, addons
        self.plevel = self.disc = self.status = self.copy = self.wrong = self.credit = self.credit_end = 0


def _bill(
    c: int,
    terms: list[_Term],
    rng: random.Random,
    unit_tab: list[list[list[int]]],
    cutoff: int,
    out: _Lines,
    service: list[tuple[int, int, int, int, float]],
) -> int:
    """Write the invoice lines of one account's terms (those starting on or before cutoff) into out, and what
    it is contracted for into service; return its first service day. Every draw comes from rng, the account's
    own billing stream, in time order, so billing stays prefix-stable and the contracts are unchanged."""
    rand, randint = rng.random, rng.randint

    def emit(key: int, lines: Sequence[_Line], status: int) -> None:
        """Lines (item, quantity, unit, amount, start, end) of one invoice, when issued by the export day."""
        if (key >> 32) > cutoff:
            return
        for n, (item, qty, unit, amount, day0, day1) in enumerate(lines):
            out.key.append(key)
            out.line.append(n)
            out.cust.append(c)
            out.item.append(item)
            out.quantity.append(qty)
            out.unit.append(unit)
            out.amount.append(amount)
            out.start.append(day0)
            out.end.append(day1)
            out.status.append(status)

    def holdings(t: _Term, plan: int, seats: int) -> list[tuple[int, int]]:
        held = [(plan, seats)]
        for i, code in enumerate(_ADDONS):
            if t.addons >> i & 1:
                held.append((code, seats if PRODUCTS[code].per_seat else 1))
        return held

    def account_status(status: int) -> int:
        if status != _PAID:
            return status
        u = rand()
        if u < _BAD_DEBT[0]:
            return _REFUNDED
        if u < _BAD_DEBT[1]:
            return _UNCOLLECTIBLE
        return _WRITTEN_OFF if u < _BAD_DEBT[2] else _PAID

    first_day = -1
    k = 0
    while k < len(terms):
        life = [terms[k]]
        while k + len(life) < len(terms) and terms[k + len(life)].life == life[0].life:
            life.append(terms[k + len(life)])
        k += len(life)
        t0 = life[0]
        weekly = t0.term == 1 and t0.plan == _STARTER and rand() < _WEEKLY_SHARE
        discount_item = _NO_PRODUCT if rand() < 0.3 else _DISCOUNT
        discount_line = not weekly and t0.disc > 0 and rand() < _DISCOUNT_LINE_SHARE
        signup = t0.day0
        if not weekly and rand() < _PRORATED_START_SHARE:
            # signed up earlier in the month of its anchor day (not before: the account arrived that month)
            month_start = t0.day0 - dt.date.fromordinal(t0.day0 + _EPOCH).day + 1
            days = min(randint(2, 27), t0.day0 - month_start)
            if days >= 2:
                signup = t0.day0 - (6 if days == 7 else days)  # 7 days would read as a week; 8 may leave the month
        setup = rand() < _SETUP_SHARE
        if first_day < 0:
            first_day = signup
        if weekly:  # a week at a time from the first term's day, each at the price of the term it starts in
            j, day, last = -1, t0.day0, life[-1].day1
            while day <= last:
                fresh = False
                while j < 0 or life[j].day1 < day:
                    j, fresh = j + 1, True
                t = life[j]
                held = holdings(t, t.plan, t.seats)
                unit = {code: round(unit_tab[code][t.plevel][t.disc] * 12 / 52) for code, _ in held}
                lines: list[_Line] = [(code, q, unit[code], q * unit[code], day, day + 6) for code, q in held]
                if setup and day == t0.day0:
                    lines.append((_SETUP, 1, _SETUP_CENTS[t.plan], _SETUP_CENTS[t.plan], day, day))
                status, real_sub = _PAID, 0
                if fresh:  # the term's draws go to its first week
                    status = account_status(t.status)
                    if t.copy:
                        real_sub, copy_sub = (0, 1) if t.copy == 1 else (1, 0)
                        wrong: list[_Line] = [
                            (code, w, unit[code], w * unit[code], day, day + 6)
                            for code, q in held
                            for w in (t.wrong if PRODUCTS[code].per_seat else q,)
                        ]
                        emit(
                            (day << 32) | (c << 8) | copy_sub,
                            wrong,
                            2 + randint(0, len(_EXCLUDED) - 1),
                        )
                emit((day << 32) | (c << 8) | real_sub, lines, status)
                if status == _REFUNDED:
                    refund, refund_day = sum(line[3] for line in lines), day + randint(1, 6)
                    emit(
                        (refund_day << 32) | (c << 8) | 3, [(t.plan, None, -refund, -refund, refund_day, None)], status
                    )
                for code, q in held:
                    service.append((day, day + 6, code, q, q * unit[code] * 52 / 12))
                day += 7
            continue
        price_disc = 0 if discount_line else t0.disc
        for i, t in enumerate(life):
            held = holdings(t, t.plan, t.seats)
            unit = {code: unit_tab[code][t.plevel][price_disc] for code, _ in held}
            # a discount line of its own: the difference between list and the account's prices
            off = sum(q * (unit[code] - unit_tab[code][t.plevel][t.disc]) for code, q in held) if discount_line else 0
            # a prorated first invoice: from the signup to the day before the anchor
            if i == 0 and signup < t.day0:
                cycle0 = _minus_months(t.day0, t.term)
                days, cycle = t.day0 - signup, t.day0 - cycle0
                lines = [
                    (code, q, unit[code], round(q * unit[code] * t.term * days / cycle), signup, t.day0 - 1)
                    for code, q in held
                ]
                if discount_line and off:
                    amount = -round(off * t.term * days / cycle)
                    lines.append((discount_item, None, amount, amount, signup, t.day0 - 1))
                if setup:
                    lines.append((_SETUP, 1, _SETUP_CENTS[t.plan], _SETUP_CENTS[t.plan], signup, signup))
                emit((signup << 32) | (c << 8), lines, account_status(t.status))
                for code, q in held:
                    service.append((signup, t.day0 - 1, code, q, float(q * unit[code])))
                if discount_line and off:
                    service.append((signup, t.day0 - 1, discount_item, 0, float(-off)))
            # a seat increase or an upgrade at the next renewal may have been made mid-term
            change = -1
            nxt = life[i + 1] if i + 1 < len(life) else None
            if (
                nxt is not None
                and not discount_line
                and nxt.plevel == t.plevel
                and nxt.plan >= t.plan
                and nxt.seats >= t.seats
                and (nxt.plan > t.plan or nxt.seats > t.seats)
                and t.day1 - t.day0 >= 3
                and rand() < _MIDTERM_SHARE
            ):
                change = t.day0 + randint(1, t.day1 - t.day0 - 1)
                if _whole(change, t.day1):  # a proration that looks like a whole cycle: a day later or earlier
                    change = change + 1 if change + 1 < t.day1 else change - 1
            # the term's invoice
            lines = [(code, q, unit[code], q * unit[code] * t.term, t.day0, t.day1) for code, q in held]
            if discount_line and off:
                lines.append((discount_item, None, -off * t.term, -off * t.term, t.day0, t.day1))
            if t.credit:
                lines.append((t.plan, None, -t.credit, -t.credit, t.day0, t.credit_end))
            if t.addons & 2 and rand() < _OVERAGE_SHARE:
                amount = randint(2, 40) * 1000
                lines.append((_OVERAGE, 1, amount, amount, t.day0, t.day0))
            if i == 0 and setup and signup == t.day0:
                lines.append((_SETUP, 1, _SETUP_CENTS[t.plan], _SETUP_CENTS[t.plan], t.day0, t.day0))
            status = account_status(t.status)
            real_sub = 0
            if t.copy:
                copy_status = 2 + randint(0, len(_EXCLUDED) - 1)
                real_sub, copy_sub = (0, 1) if t.copy == 1 else (1, 0)
                copies: list[_Line] = [
                    (code, w, unit[code], w * unit[code] * t.term, t.day0, t.day1)
                    for code, q in held
                    for w in (t.wrong if PRODUCTS[code].per_seat else q,)
                ]
                emit(
                    (t.day0 << 32) | (c << 8) | copy_sub,
                    copies,
                    copy_status,
                )
            emit((t.day0 << 32) | (c << 8) | real_sub, lines, status)
            # a refund: of the whole invoice when it was refunded, else now and then a part of it
            refund = 0
            if status == _REFUNDED:
                refund = sum(line[3] for line in lines)
                refund_status = _REFUNDED
                refund_day = t.day0 + randint(1, 10)
            elif rand() < _REFUND_SHARE:
                refund = round(held[0][1] * unit[t.plan] * t.term * rng.uniform(0.1, 0.5) / 100) * 100
                refund_status = _REFUNDED if rand() < 0.5 else _PAID
                refund_day = t.day0 + randint(2, 20)
            if refund > 0:
                emit(
                    (refund_day << 32) | (c << 8) | 3,
                    [(t.plan, None, -refund, -refund, refund_day, None)],
                    refund_status,
                )
            # what the term holds, and the proration pair of a mid-term change
            until = t.day1 if change < 0 else change - 1
            for code, q in held:
                service.append((t.day0, until, code, q, float(q * unit[code])))
            if discount_line and off:
                service.append((t.day0, t.day1, discount_item, 0, float(-off)))
            if t.credit:
                service.append((t.day0, t.credit_end, t.plan, 0, float(-t.credit)))
            if change >= 0 and nxt is not None:
                days, cycle = t.day1 - change + 1, t.day1 - t.day0 + 1
                after = holdings(t, nxt.plan, nxt.seats)
                pair: list[_Line] = []
                for (code, q), (code1, q1) in zip(held, after, strict=True):
                    new_unit = unit_tab[code1][t.plevel][price_disc]
                    if (code, q) != (code1, q1):
                        credit = round(q * unit[code] * t.term * days / cycle)
                        charge = round(q1 * new_unit * t.term * days / cycle)
                        pair.append((code, q, -unit[code], -credit, change, t.day1))
                        pair.append((code1, q1, new_unit, charge, change, t.day1))
                    service.append((change, t.day1, code1, q1, float(q1 * new_unit)))
                emit((change << 32) | (c << 8) | 2, pair, _PAID)
    return first_day
