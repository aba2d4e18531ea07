"""pydantic models of csctl.yaml (the workspace config) and of column presets."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClvConfig(Strict):
    churn_basis: Literal["gross_revenue_churn_12m", "gross_revenue_churn", "eligible_churn_12m", "logo_churn_12m"] = (
        "gross_revenue_churn_12m"
    )


class ReadConfig(Strict):
    date_order: Literal["ymd", "dmy", "mdy"] | None = None
    decimal_comma: bool | None = None
    preset: str | None = None


class Config(Strict):
    """csctl.yaml: the company, its currency, the as-of month, and how to read and measure its exports."""

    company: str | None = None
    currency: str = Field("USD", min_length=3, max_length=3)
    as_of: str | None = Field(None, pattern=r"^\d{4}-\d{2}$")
    gross_margin: float = Field(0.75, gt=0, le=1)
    clv: ClvConfig = Field(default_factory=ClvConfig)
    fx: dict[str, float] = Field(default_factory=dict)
    read: ReadConfig = Field(default_factory=ReadConfig)

    @field_validator("clv", "read", "fx", mode="before")
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


class Alias(Strict):
    column: str
    scale: float = 1.0


class Preset(Strict):
    """A column preset: for each canonical table, the export's names for each canonical column."""

    name: str
    description: str = ""
    tables: dict[str, dict[str, list[str | Alias]]]
