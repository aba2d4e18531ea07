"""pydantic models of csctl.yaml (the workspace config); column presets are io's (csctl/io/presets.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from csctl.config.tables import EXPORT_TABLES, RULE_FILES

MAX_SETTING = 1e15  # as for the exports' numbers: anything larger only overflows the sums it enters


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)  # NaN and inf are never a setting

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        """`upsell: true` is no multiplier: a boolean is refused where a number is meant (pydantic would read it
        as 1), unless the field also takes a boolean."""
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= MAX_SETTING:
            raise ValueError(f"{value:g} is out of range: a setting is below {MAX_SETTING:.0e} in size")
        if isinstance(value, bool) and field is not None:
            kinds = get_args(field.annotation) or (field.annotation,)
            if bool not in kinds and any(kind in (int, float) for kind in kinds):
                raise ValueError(f"{str(value).lower()} is not a number")
        return value


class ClvConfig(Strict):
    churn_basis: Literal["gross_revenue_churn_12m", "gross_revenue_churn", "eligible_churn_12m", "logo_churn_12m"] = (
        "gross_revenue_churn_12m"
    )


class ReadConfig(Strict):
    date_order: Literal["ymd", "dmy", "mdy"] | None = None
    decimal_comma: bool | None = None
    preset: str | None = None
    minor_units: bool = False  # money columns in cents (scaled by 0.01)


class BillingConfig(Strict):
    """How billing lines are measured (DESIGN.md §4 "Monthly MRR per customer and product")."""

    exclude_statuses: list[str] = Field(
        default_factory=lambda: ["void", "voided", "draft", "deleted", "canceled", "cancelled"],
        description="statuses of lines that never stood (compared case-insensitively)",
    )
    product_lines: dict[str, list[str]] = Field(
        default_factory=dict, description="product line -> the product names that are its tiers (plans)"
    )
    history_starts: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}$", description="the month the business's billing began (the export is whole)"
    )

    @field_validator("exclude_statuses")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [v.strip().lower() for v in value]


class Targets(Strict):
    """Targets that later steps measure against."""

    crc: float | None = Field(None, gt=0, description="target CRC: retention spend per $1 of ARR retained")
    unhealthy_share: float | None = Field(None, ge=0, le=1)


class ValuationConfig(Strict):
    hours_per_csm_year: float = Field(1600, gt=0, description="productive hours of one CSM FTE a year")
    face_time_share: float = Field(0.4, gt=0, le=1, description="share of those hours spent with customers")
    csm_loaded_cost: float | None = Field(None, gt=0, description="used when there is no team roster")
    pooled_accounts_per_csm: int | None = Field(
        None, gt=0, description="accounts one CSM covers in a pooled (tech-touch) segment, for CSM capacity"
    )
    tool_costs: list[float] = Field(
        default_factory=lambda: [50.0, 100.0, 250.0, 500.0], description="tool cost per account a year, for break-even"
    )


class OnboardingConfig(Strict):
    start_milestone: str = "kickoff"
    live_milestone: str = "active"
    failed_milestone: str = "onboarding failed"
    stall_days: int = Field(90, gt=0, le=36_600, description="started this long ago and not live: stalled")


class Multipliers(Strict):
    retention: float = Field(1.0, gt=0)
    expansion: float = Field(2.0, gt=0)
    upsell: float = Field(4.0, gt=0)


class OpportunityConfig(Strict):
    share: float = Field(0.25, gt=0, le=1, description="share of each lever's measured headroom realised")
    horizon_months: int = Field(36, gt=0, le=600, description="the longest customer lifetime a gain is valued over")
    multipliers: Multipliers = Field(default_factory=Multipliers)
    sensitivity: list[Annotated[float, Field(gt=0, le=1)]] = Field(default_factory=lambda: [0.1, 0.25, 0.5, 1.0])
    renewal_days: int = Field(90, gt=0, le=730, description="renewals this close without a decision maker or champion")
    seat_utilisation: float = Field(0.8, gt=0, le=1, description="active users per seat above which seats are added")
    target_churn: float | None = Field(
        None, ge=0, lt=1, description="monthly churn each segment's is measured against (default: the best segment's)"
    )


class Export(Strict):
    """One export of a workspace: a path (or glob) relative to csctl.yaml, an Excel sheet, a column preset."""

    path: str = Field(min_length=1)
    sheet: str | None = None
    preset: str | None = None


def _sections(name: str, doc: str, keys: tuple[str, ...], kind: Any) -> type[Strict]:
    """A csctl.yaml section with one optional key per name: built from the list, so the list is said once."""
    from pydantic import create_model

    fields: dict[str, Any] = {key: (kind, None) for key in keys}
    model: type[Strict] = create_model(name, __base__=Strict, __doc__=doc, **fields)
    return model


if TYPE_CHECKING:

    class Exports(Strict):
        def __getattr__(self, table: str) -> str | Export | None: ...

    class RuleFiles(Strict):
        def __getattr__(self, name: str) -> str | None: ...

else:
    Exports = _sections(
        "Exports",
        "The workspace's exports by table; each a path/glob string or {path, sheet, preset}.",
        EXPORT_TABLES,
        str | Export | None,
    )
    RuleFiles = _sections(
        "RuleFiles",
        "The workspace's rule files (paths relative to csctl.yaml); the built-in defaults when not given.",
        RULE_FILES,
        str | None,
    )


class PlanConfig(Strict):
    assess: str | None = Field(None, description="an earlier plan.yaml for csctl report's step 10 (relative path)")
    max_capacity_share: float = Field(
        0.25, gt=0, le=1, description="the most of the CS team's hours until the check date a new play may take"
    )


class Config(Strict):
    """csctl.yaml: the company, its currency, the as-of month, and how to read and measure its exports."""

    company: str | None = None
    allow_outside: bool = Field(
        False, description="exports and rule files may lie outside the workspace folder (absolute, ../, links)"
    )
    currency: str = Field("USD", min_length=3, max_length=3)
    as_of: str | None = Field(None, pattern=r"^\d{4}-\d{2}$")
    gross_margin: float = Field(0.75, gt=0, le=1)
    clv: ClvConfig = Field(default_factory=ClvConfig)
    billing: BillingConfig = Field(default_factory=BillingConfig)
    fx: dict[str, float] = Field(default_factory=dict)
    read: ReadConfig = Field(default_factory=ReadConfig)
    targets: Targets = Field(default_factory=Targets)
    valuation: ValuationConfig = Field(default_factory=ValuationConfig)
    onboarding: OnboardingConfig = Field(default_factory=OnboardingConfig)
    opportunity: OpportunityConfig = Field(default_factory=OpportunityConfig)
    plan: PlanConfig = Field(default_factory=PlanConfig)
    exports: Exports = Field(default_factory=Exports)
    rules: RuleFiles = Field(default_factory=RuleFiles)

    @field_validator(
        "clv",
        "billing",
        "read",
        "fx",
        "targets",
        "valuation",
        "onboarding",
        "opportunity",
        "plan",
        "exports",
        "rules",
        mode="before",
    )
    @classmethod
    def _empty_section(cls, value: object) -> object:
        return {} if value is None else value  # a section whose keys are all commented out

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("fx")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        for code, rate in value.items():
            if rate <= 0:
                raise ValueError(f"fx rate for {code} must be positive, got {rate}")
        return {code.upper(): rate for code, rate in value.items()}
