"""Names of the numbers views and periods (no heavy imports: the CLI builds its choices from these)."""

from typing import Literal, get_args

NumbersView = Literal["summary", "bridge", "quarters", "forecast", "customers", "cohorts"]
Period = Literal["month", "quarter", "year"]
RevenueKind = Literal["billing", "subscriptions"]
NUMBERS_VIEWS: tuple[str, ...] = get_args(NumbersView)
PERIODS: tuple[str, ...] = get_args(Period)
PERIOD_VIEWS = ("bridge", "cohorts")
