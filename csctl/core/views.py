"""Names of the numbers views and periods (no heavy imports: the CLI builds its choices from these)."""

from typing import Literal

NumbersView = Literal["summary", "bridge", "quarters", "forecast", "customers", "cohorts"]
Period = Literal["month", "quarter", "year"]
RevenueKind = Literal["billing", "subscriptions"]
PERIOD_VIEWS = ("bridge", "cohorts")
