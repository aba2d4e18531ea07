"""The registry of named metrics: each defined once, used by --fail-on, plan and assess.

A metric has a name (the user-facing key in ``-f json`` and in ``--fail-on``), the command that measures it,
a unit, which direction is better, and its definition (shown by ``--explain``). This module imports nothing
heavy: ``csctl --help`` and argument checks use it without loading Polars.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from csctl.errors import UsageError, did_you_mean
from csctl.units import Unit


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: Unit
    command: str
    better: Literal["up", "down"] | None
    definition: str
    section: str = ""


REGISTRY: dict[str, Metric] = {}


def _register(
    name: str,
    label: str,
    unit: Unit,
    better: Literal["up", "down"] | None,
    definition: str,
    *,
    command: str,
    section: str,
) -> None:
    if name in REGISTRY:
        raise ValueError(f"metric {name} registered twice")
    REGISTRY[name] = Metric(name, label, unit, command, better, definition, section)


Row = tuple[str, str, Unit, Literal["up", "down"] | None, str]


def _register_all(command: str, section: str, rows: tuple[Row, ...]) -> None:
    """Register a command's metrics: (name, label, unit, better, definition) each."""
    for name, label, unit, better, definition in rows:
        _register(name, label, unit, better, definition, command=command, section=section)


def _numbers(
    name: str, label: str, unit: Unit, better: Literal["up", "down"] | None, definition: str, section: str
) -> None:
    _register(name, label, unit, better, definition, command="numbers", section=section)


# --- numbers: dollars first -------------------------------------------------------------------------------
_numbers(
    "mrr",
    "MRR",
    "money",
    "up",
    "Monthly recurring revenue in the as-of month: Σ customer MRR c(m), a snapshot at the month's last day (the "
    "export's latest date for the month in progress) of the service periods that hold it, each line normalised to "
    "a month (a proration scaled to its whole cycle, a week × 52/12); one-off charges and refunds are not MRR, as "
    "ChartMogul, Baremetrics and Stripe's dashboard count it.",
    "revenue",
)
_numbers("arr", "ARR", "money", "up", "Annual recurring revenue: 12 × MRR.", "revenue")
_numbers(
    "net_new_mrr",
    "Net new MRR",
    "money",
    "up",
    "MRR at the end of the as-of month − MRR at its start: the sum of all movements.",
    "revenue",
)
_numbers(
    "mrr_growth",
    "MRR growth",
    "rate",
    "up",
    "Net new MRR / MRR at the start of the as-of month.",
    "revenue",
)
_numbers(
    "gross_revenue_churn_mrr",
    "Gross revenue churn $",
    "money",
    "down",
    "MRR lost this month: −(churn + contraction + price erosion).",
    "revenue churn",
)
_numbers(
    "net_revenue_churn_mrr",
    "Net revenue churn $",
    "money",
    "down",
    "MRR lost net of gains from existing customers: −(churn + contraction + price erosion + expansion + "
    "price uplift + upsell); negative when existing customers grow.",
    "revenue churn",
)
_numbers(
    "gross_revenue_churn",
    "Gross revenue churn %",
    "rate",
    "down",
    "−(churn + contraction + price_erosion) / mrr_start, for the as-of month.",
    "revenue churn",
)
_numbers(
    "net_revenue_churn",
    "Net revenue churn %",
    "rate",
    "down",
    "−(churn + contraction + price_erosion + expansion + price_uplift + upsell) / mrr_start; reactivation is "
    "new money, not retention.",
    "revenue churn",
)
_numbers(
    "gross_revenue_churn_12m",
    "Gross revenue churn % (monthly, trailing 12 months)",
    "rate",
    "down",
    "Σ headwind / Σ mrr_start over the 12 months ending at as-of: the average monthly gross revenue churn.",
    "revenue churn",
)
for _name, _label, _def in (
    (
        "new_mrr",
        "New",
        "MRR of customers with no MRR in any earlier month; an export's opening month (its customers billed before "
        "it began) has no movements unless --history-starts says the business began then.",
    ),
    ("reactivation_mrr", "Reactivation", "MRR of returning customers (no MRR last month, some before)."),
    ("expansion_mrr", "Expansion", "Volume growth on products a retained customer had last month."),
    ("price_uplift_mrr", "Price uplift", "Price growth: (p1/q1 − p0/q0) × q0 where positive."),
    ("upsell_mrr", "Upsell", "MRR of products a retained customer did not have last month."),
    ("contraction_mrr", "Contraction", "Products dropped and volume lost by retained customers (negative)."),
    ("price_erosion_mrr", "Price erosion", "Price cuts: (p1/q1 − p0/q0) × q0 where negative (negative)."),
    ("churn_mrr", "Churn", "Last month's MRR of customers with no MRR this month (negative)."),
):
    _numbers(_name, _label, "money", None, _def + " Signed as in the bridge.", "bridge")
_numbers("headwind_mrr", "Headwind", "money", "up", "churn + contraction + price_erosion (≤ 0).", "bridge")
_numbers("tailwind_mrr", "Tailwind", "money", "up", "expansion + price_uplift + upsell (≥ 0).", "bridge")
_numbers(
    "grr_1m",
    "GRR (month)",
    "rate",
    "up",
    "Σ min(c(m), c(m−1)) / Σ c(m−1) over customers with c(m−1) > 0.",
    "retention",
)
_numbers("nrr_1m", "NRR (month)", "rate", "up", "Σ c(m) / Σ c(m−1) over customers with c(m−1) > 0.", "retention")
_numbers(
    "grr_3m",
    "GRR (quarter)",
    "rate",
    "up",
    "Σ min(c(b), c(a−1)) / Σ c(a−1), a = as-of − 2, b = as-of, over customers with c(a−1) > 0.",
    "retention",
)
_numbers("nrr_3m", "NRR (quarter)", "rate", "up", "Σ c(b) / Σ c(a−1), a = as-of − 2, b = as-of.", "retention")
_numbers(
    "grr_12m",
    "GRR (12 months)",
    "rate",
    "up",
    "Σ min(c(b), c(a−1)) / Σ c(a−1), a = as-of − 11 (base c(as-of − 12)), b = as-of.",
    "retention",
)
_numbers("nrr_12m", "NRR (12 months)", "rate", "up", "Σ c(b) / Σ c(as-of − 12) over that base.", "retention")
_numbers(
    "eligible_churn",
    "Eligible churn",
    "rate",
    "down",
    "MRR lost (churned or downgraded) by customers due for renewal this month / their MRR last month. Due: a "
    "billing term ended last month, or customers.renewal_date falls in the month (subscription exports without "
    "renewal dates: every customer is due every month).",
    "retention",
)
_numbers(
    "quick_ratio",
    "Quick ratio",
    "multiple",
    "up",
    "(new + reactivation + expansion + price_uplift + upsell) / −(churn + contraction + price_erosion).",
    "retention",
)
# --- logos second ---------------------------------------------------------------------------------------------
_numbers("customers", "Customers", "count", "up", "Customers with MRR > 0 in the as-of month.", "logos")
_numbers("arpa", "ARPA", "money", "up", "Average MRR per active customer: MRR / customers.", "logos")
_numbers("new_customers", "New customers", "count", "up", "Customers whose first month with MRR is as-of.", "logos")
_numbers(
    "reactivated_customers",
    "Reactivated customers",
    "count",
    "up",
    "Customers back after months without MRR.",
    "logos",
)
_numbers("logos_lost", "Logos lost", "count", "down", "Customers with MRR last month and none this month.", "logos")
_numbers(
    "logo_churn_rate",
    "Logo churn %",
    "rate",
    "down",
    "customers_churned / customers_start for the month.",
    "logos",
)
_numbers(
    "logo_churn_12m",
    "Logo churn (12 months)",
    "rate",
    "down",
    "Share of the customers with MRR 12 months before as-of who have none in the as-of month.",
    "logos",
)
# --- value ---------------------------------------------------------------------------------------------------
_numbers("gross_margin", "Gross margin", "rate", "up", "From the config (gross_margin); 75% by default.", "value")
_numbers(
    "clv_churn_rate",
    "Churn rate used for CLV",
    "rate",
    "down",
    "The monthly churn basis of CLV (config clv.churn_basis; trailing-12-month gross revenue churn by default).",
    "value",
)
_numbers(
    "clv",
    "CLV",
    "money",
    "up",
    "gross margin × ARPA / monthly churn rate; unbounded (null) when churn is zero.",
    "value",
)


# --- valuation -------------------------------------------------------------------------------------------------
_register_all(
    "valuation",
    "valuation",
    (
        (
            "cac_ratio_12m",
            "CAC: spend per $1 of new ARR (12 months)",
            "per_dollar",
            "down",
            "Acquisition spend / new ARR, trailing 12 months.",
        ),
        (
            "new_arr_per_dollar_12m",
            "New ARR per $1 spent (12 months)",
            "per_dollar",
            "up",
            "New ARR / acquisition spend.",
        ),
        (
            "crc_12m",
            "CRC: spend per $1 of ARR retained (12 months)",
            "per_dollar",
            "down",
            "Retention spend / ARR retained over the trailing 12 months, ARR retained being the ARR kept month by "
            "month (start MRR less churn, contraction and price erosion, × 12), averaged: the basis of each quarter's "
            "CRC too.",
        ),
        (
            "cec_12m",
            "CEC: spend per $1 of expansion ARR (12 months)",
            "per_dollar",
            "down",
            "Expansion spend / expansion + price uplift ARR.",
        ),
        (
            "cuc_12m",
            "CUC: spend per $1 of upsell ARR (12 months)",
            "per_dollar",
            "down",
            "Upsell spend / upsell ARR, trailing 12 months.",
        ),
        ("retention_budget", "Retention budget", "money", None, "Target CRC × ARR now."),
        ("affordable_csms", "CSMs the budget buys", "number", None, "Retention budget / a CSM's loaded cost."),
        ("face_time_hours_per_account", "Face time per account a year", "hours", None, "Hours per account a year."),
        ("csm_hourly_cost", "CSM hourly cost", "money", None, "Loaded cost / productive hours a year."),
    ),
)


# --- asis ------------------------------------------------------------------------------------------------------
_register_all(
    "asis",
    "as-is",
    (
        ("processes_good", "Processes rated good", "count", "up", "Processes and plays rated good in the inventory."),
        ("processes_bad", "Processes rated bad", "count", "down", "Processes and plays rated bad."),
        ("processes_gap", "Process gaps", "count", "down", "Processes and plays that are missing (gap)."),
        ("headcount", "Headcount", "count", None, "People on the team roster."),
        ("accounts_cv", "Accounts per CSM, CV", "rate", "down", "Standard deviation / mean of accounts per CSM."),
        ("accounts_max_min", "Accounts per CSM, max/min", "multiple", "down", "Most / fewest accounts of a CSM."),
        ("arr_cv", "ARR per CSM, CV", "rate", "down", "Standard deviation / mean of ARR per CSM."),
        ("arr_max_min", "ARR per CSM, max/min", "multiple", "down", "Most / least ARR of a CSM."),
        ("overloaded_csms", "Overloaded CSMs", "count", "down", "CSMs using more than 100% of their capacity."),
        ("median_hours_to_close", "Median time to close", "hours", "down", "Median time to close a ticket."),
        ("p90_hours_to_close", "P90 time to close", "hours", "down", "90th percentile time to close."),
        ("same_day_share", "Same-day resolution", "rate", "up", "Tickets closed the day they were opened."),
        ("escalation_rate", "Escalation rate", "rate", "down", "Escalated tickets / tickets."),
        (
            "tickets_per_account_month",
            "Tickets per account a month",
            "number",
            "down",
            "Tickets / accounts / months.",
        ),
        ("median_days_to_live", "Median days to go live", "number", "down", "Kickoff to go-live, median."),
        ("failed_share", "Onboardings failed", "rate", "down", "Onboardings with a failed milestone / all."),
        ("stalled_share", "Onboardings stalled", "rate", "down", "Not live, not failed, older than stall_days."),
        ("nps", "NPS", "number", "up", "% promoters − % detractors, last 12 months."),
        ("nps_responses", "NPS responses", "count", None, "NPS answers in the last 12 months."),
        ("csat", "CSAT", "number", "up", "Mean CSAT score (1-5), last 12 months."),
        ("csat_responses", "CSAT responses", "count", None, "CSAT answers in the last 12 months."),
    ),
)


# --- personas --------------------------------------------------------------------------------------------------
_register_all(
    "personas",
    "personas",
    (
        (
            "single_threaded_share",
            "Single-threaded accounts",
            "rate",
            "down",
            "Accounts with at most one engaged contact.",
        ),
        ("decision_maker_coverage", "Decision maker known", "rate", "up", "Accounts with a deciding persona."),
        (
            "renewals_at_risk",
            "Renewals at risk",
            "count",
            "down",
            "Renewing within the window, no DM or engaged champion.",
        ),
        (
            "renewals_without_decision_maker",
            "Renewals without a decision maker",
            "count",
            "down",
            "Renewing within the window with no contact of a deciding persona.",
        ),
        ("arr_at_risk", "ARR at risk", "money", "down", "ARR of the renewals at risk."),
        (
            "outcomes_achieved_share",
            "Outcomes achieved",
            "rate",
            "up",
            "Outcomes at or past target / measured outcomes.",
        ),
        (
            "outcomes_recognised_share",
            "Outcomes recognised",
            "rate",
            "up",
            "Outcomes the customer recognises / outcomes.",
        ),
    ),
)


# --- opportunity -----------------------------------------------------------------------------------------------
_register(
    "top_opportunity_net_value",
    "Top opportunity, net value",
    "money",
    "up",
    "Net value (gain − cost) of the highest-ranked lever and segment.",
    command="opportunity",
    section="value",
)
_register(
    "top_opportunity_gain",
    "Top opportunity, gain",
    "money",
    "up",
    "Gross-margin gain over the horizon of the highest-ranked lever and segment.",
    command="opportunity",
    section="value",
)


# --- segment ---------------------------------------------------------------------------------------------------
for _name, _label, _def in (
    ("csms_needed", "CSMs needed", "Σ over segments of ceil(active customers / target accounts per CSM)."),
    ("csms_assigned", "CSMs assigned", "Σ over segments of the distinct CSMs on its active customers."),
    ("csm_gap", "CSM gap", "csms_needed − csms_assigned (positive: understaffed)."),
):
    _register(_name, _label, "count", None, _def, command="segment", section="capacity")


# --- health ----------------------------------------------------------------------------------------------------
_register_all(
    "health",
    "health",
    (
        ("red_share", "Red share", "rate", "down", "Customers in the red band / scored customers."),
        ("yellow_share", "Yellow share", "rate", "down", "Customers in the yellow band / scored customers."),
        ("green_share", "Green share", "rate", "up", "Customers in the green band / scored customers."),
        ("unhealthy_share", "Unhealthy share", "rate", "down", "(yellow + red) / scored customers."),
        ("avg_health", "Average health", "number", "up", "Mean health score (0-100) of scored customers."),
        ("scored_customers", "Scored customers", "count", None, "Customers with a health score."),
        ("no_data_customers", "Customers without data", "count", "down", "Customers with no score (no data)."),
        ("avg_health_change", "Average health change", "number", "up", "Mean score change against --previous."),
        (
            "worsened_customers",
            "Customers trending down",
            "count",
            "down",
            "Customers whose score fell by trend_flat+.",
        ),
    ),
)


# --- value path (step 7) ----------------------------------------------------------------------------------------
_register_all(
    "value-path",
    "value path",
    (
        ("value_path_customers", "Customers on the value path", "count", None, "Customers placed on the path."),
        (
            "value_path_behind_share",
            "Behind the value path",
            "rate",
            "down",
            "Customers past their next milestone's deadline / customers on the path who have not failed.",
        ),
        ("median_weeks_to_value", "Weeks to value (median)", "number", "down", "Start to the value milestone."),
        (
            "reached_value_share",
            "Reached value",
            "rate",
            "up",
            "Customers past the value milestone's week who reached it / those customers.",
        ),
        ("onboarding_failed_customers", "Onboardings failed", "count", "down", "Customers whose onboarding failed."),
    ),
)


# --- plan and assess (steps 9 and 10) ----------------------------------------------------------------------------
_register_all(
    "plan",
    "plan",
    (
        ("plan_accounts", "Accounts in the pick's scope", "count", None, "Accounts the picked play applies to."),
        ("plan_arr_in_scope", "ARR in the pick's scope", "money", None, "ARR of those accounts."),
        ("plan_hours", "Hours the pick needs", "number", None, "Accounts × effort hours per account."),
        ("plan_cost", "Cost of the pick", "money", None, "Hours × CSM hourly cost + cost per account × accounts."),
    ),
)
_register(
    "plan_actions_done_share",
    "Planned actions done",
    "rate",
    "up",
    "Planned per-account actions due by the as-of day that the actions export shows done / those actions.",
    command="assess",
    section="plan",
)


# --- --fail-on -------------------------------------------------------------------------------------------------
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "=": operator.eq,
}
_CONDITION = re.compile(
    r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>|=)\s*(-?[0-9][0-9_.,]*(?:e-?\d+)?)\s*(%?)\s*$"
)


@dataclass(frozen=True)
class Condition:
    text: str
    metric: str
    op: str
    threshold: float

    def breached(self, value: float) -> bool:
        return _OPERATORS[self.op](value, self.threshold)


def parse_condition(text: str, command: str | None = None) -> Condition:
    """Parse ``NAME OP NUMBER[%]`` (e.g. ``grr_12m<0.9``, ``red_share>25%``); usage error when it is not one."""
    match = _CONDITION.match(text)
    if not match:
        raise UsageError(
            f"--fail-on {text!r}: expected METRIC OP NUMBER, e.g. 'grr_12m<0.9' or 'red_share>25%'",
        )
    name, op, number, percent = match.groups()
    if name not in REGISTRY:
        raise UsageError(f"--fail-on {text!r}: unknown metric {name!r}.{did_you_mean(name, sorted(REGISTRY))}")
    metric = REGISTRY[name]
    if command is not None and metric.command != command:
        raise UsageError(f"--fail-on {text!r}: {name} is measured by 'csctl {metric.command}', not 'csctl {command}'")
    threshold = float(number.replace("_", "").replace(",", ""))
    if percent:
        threshold /= 100
    return Condition(text.strip(), name, op, threshold)


def breaches(conditions: list[Condition], values: Mapping[str, float | int | None]) -> tuple[list[str], list[str]]:
    """The conditions breached (as messages), and the ones that could not be evaluated (value undefined)."""
    breached: list[str] = []
    undefined: list[str] = []
    for condition in conditions:
        value = values.get(condition.metric)
        if value is None:
            undefined.append(f"{condition.text}: {condition.metric} is undefined for this input")
        elif condition.breached(float(value)):
            breached.append(f"{condition.text}: {condition.metric} = {value:.6g}")
    return breached, undefined
