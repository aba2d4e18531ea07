"""The as-is inventory (asis.yaml): processes and plays rated good/bad/gap, metrics in place, tools, and answers
to the as-is checklist that no export can give."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from csctl.config.models import Strict
from csctl.config.yamlfile import load_yaml, validate

Rating = Literal["good", "bad", "gap"]
CHECKLIST = (
    "organisation",
    "customer journey",
    "expectations vs promises",
    "onboarding",
    "software tools",
    "touch model",
    "support",
    "advocacy",
    "customer health",
    "business reviews",
    "churn rate and CRC",
    "gross vs revenue retention",
)


class Process(Strict):
    name: str = Field(min_length=1)
    area: str = Field(min_length=1, description="support, onboarding, renewals, adoption, ... (within CS)")
    with_team: Literal["CS", "Sales", "Engineering", "Product", "Marketing", "Finance"] = Field(
        "CS", alias="with", description="CS for work within CS; else the team CS shares it with"
    )
    rating: Rating
    owner: str | None = None
    notes: str = ""


class MetricInPlace(Strict):
    name: str = Field(min_length=1)
    kind: Literal["internal", "external", "process"]
    in_place: bool = True
    owner: str | None = None
    source: str | None = Field(None, description="where it comes from (a tool, a report)")
    notes: str = ""


class Tool(Strict):
    name: str = Field(min_length=1)
    purpose: str = ""
    captures: list[str] = Field(default_factory=list)
    annual_cost: float | None = Field(None, ge=0)


class Inventory(Strict):
    company: str | None = None
    processes: list[Process] = Field(default_factory=list)
    metrics: list[MetricInPlace] = Field(default_factory=list)
    tools: list[Tool] = Field(default_factory=list)
    answers: dict[Literal[CHECKLIST], str] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="answers to checklist items no export can give"
    )


def load_inventory(path: str | Path) -> Inventory:
    return validate(load_yaml(path), Inventory, what="as-is inventory")
