"""The sample company's revenue bridge, measured the way csctl measures any billing export.

The cost ledger (costs.py) is calibrated against the company's monthly MRR and movements, and the as-is inventory
(asis.py) sizes its tools by the company's ARR. Both take them from here: the company's own billing lines
(billing.generate_billing), measured by csctl's one definition, csctl.core.mrr's month-end snapshot and
csctl.core.bridge's movements (csctl.core.bridge.MOVEMENTS). The sample keeps no definition of its own.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import polars as pl

from csctl.core import bridge as core_bridge
from csctl.core import mrr as core_mrr
from csctl.core.bridge import MOVEMENTS
from csctl.core.months import parse_month
from csctl.sample.adoption import _LOOKAHEAD
from csctl.sample.billing import generate_billing
from csctl.sample.company import export_day


@dataclass(frozen=True)
class Bridge:
    """The company's monthly revenue bridge over the history and the _LOOKAHEAD months after it, in dollars of
    MRR: ``mrr[m]`` at the end of month m (0 = the start month), ``moves[name][m]`` for each of MOVEMENTS, signed
    as in the bridge (churn, contraction and price erosion negative)."""

    mrr: list[float]
    moves: dict[str, list[float]]


@functools.lru_cache(maxsize=1)
def bridge(customers: int, months: int, seed: int, start: str) -> Bridge:
    """The monthly MRR and movements of the company of ``months`` months, and of the _LOOKAHEAD months after it.

    The billing is generated one month longer than the months measured (``months + _LOOKAHEAD + 1``): its export
    day falls in that extra month, so every month measured is complete and snapshotted on its last day. The
    billing is prefix-stable, so month m's figures are the same for every history long enough to hold it, and so
    is a cost ledger built on them. The first month's MRR is all new (the measurement starts there, as the
    company's history does).

    These are the billed figures, not what the accounts are contracted for (``_Account.service``); the two agree
    every month for the default company (tests/test_sample.py). In larger companies a few accounts differ where a
    service credit meets a mid-term change: a proration rated at the interval of a one-month credit line beside a
    quarterly term, or a credit on the plan an account upgraded away from, which is neither held nor a credit at
    the snapshot. The ledger follows csctl's reading.
    """
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    span = months + _LOOKAHEAD
    first = parse_month(start)
    last = first + span - 1
    zero = Bridge([0.0] * span, {name: [0.0] * span for name in MOVEMENTS})
    lines = generate_billing(customers, span + 1, seed, start)
    snapshot = core_mrr.billing_snapshot(lines.lazy(), latest=export_day(span + 1, start))
    if snapshot is None:
        return zero
    inside = pl.col("month").is_between(first, last)
    plans, credits = snapshot.plans.filter(inside), snapshot.credits.filter(inside)
    if plans.height == 0:
        return zero
    moves = core_bridge.Moves(plans, credits, first, last, has_plans=snapshot.has_plans)
    totals, _ = moves.summary(None)
    return Bridge(
        [cents / 100 for cents in totals["mrr_end"].to_list()],
        {name: [cents / 100 for cents in totals[name].to_list()] for name in MOVEMENTS},
    )
