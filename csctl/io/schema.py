"""The canonical tables of DESIGN.md §3: each column's type and whether it is required."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["id", "text", "money", "number", "integer", "date", "datetime", "bool", "month"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    one_of: tuple[tuple[str, ...], ...] = ()  # groups of which at least one column is required

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _t(name: str, *cols: Column, one_of: tuple[tuple[str, ...], ...] = ()) -> TableSpec:
    return TableSpec(name, cols, one_of)


C = Column
TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        _t(
            "billing",
            C("customer_id", "id", True),
            C("amount", "money", True),
            C("period_start", "date", True),
            C("period_end", "date"),
            C("product", "text"),
            C("plan", "text"),
            C("quantity", "number"),
            C("unit_price", "money"),
            C("currency", "text"),
            C("invoice_id", "id"),
            C("status", "text"),
            C("customer_name", "text"),
        ),
        _t(
            "subscriptions",
            C("customer_id", "id", True),
            C("start_date", "date", True),
            C("mrr", "money"),
            C("amount", "money"),
            C("interval", "text"),
            C("interval_count", "integer"),
            C("end_date", "date"),
            C("product", "text"),
            C("plan", "text"),
            C("quantity", "number"),
            C("currency", "text"),
            C("subscription_id", "id"),
            one_of=(("mrr", "amount"),),
        ),
        _t(
            "customers",
            C("customer_id", "id", True),
            C("name", "text"),
            C("segment", "text"),
            C("edition", "text"),
            C("industry", "text"),
            C("employees", "number"),
            C("region", "text"),
            C("csm", "text"),
            C("start_date", "date"),
            C("renewal_date", "date"),
            C("arr", "money"),
            C("churn_reason", "text"),
            C("mrr", "money"),
        ),
        _t("usage", C("customer_id", "id", True), C("date", "date", True)),
        _t(
            "tickets",
            C("customer_id", "id", True),
            C("created_at", "datetime", True),
            C("resolved_at", "datetime"),
            C("priority", "text"),
            C("escalated", "bool"),
            C("status", "text"),
            C("csat", "number"),
            C("ticket_id", "id"),
        ),
        _t(
            "surveys",
            C("customer_id", "id", True),
            C("date", "date", True),
            C("score", "number", True),
            C("type", "text"),
            C("comment", "text"),
        ),
        _t(
            "costs",
            C("period", "month", True),
            C("category", "text", True),
            C("amount", "money", True),
            C("note", "text"),
        ),
        _t(
            "team",
            C("name", "text", True),
            C("role", "text", True),
            C("level", "text"),
            C("fte", "number"),
            C("loaded_cost", "money"),
            C("expertise", "text"),
            C("passion", "number"),
            C("accounts", "number"),
        ),
        _t(
            "contacts",
            C("customer_id", "id", True),
            C("name", "text"),
            C("email", "text"),
            C("title", "text"),
            C("role", "text"),
            C("last_activity", "date"),
            C("is_primary", "bool"),
            one_of=(("name", "email"),),
        ),
        _t(
            "outcomes",
            C("customer_id", "id", True),
            C("outcome", "text", True),
            C("kpi", "text"),
            C("baseline", "number"),
            C("target", "number"),
            C("actual", "number"),
            C("measured_at", "date"),
            C("recognised_by_customer", "bool"),
        ),
        _t("milestones", C("customer_id", "id", True), C("milestone", "text", True), C("date", "date", True)),
        # gain: empty for a lever csctl opportunity could not measure (the column itself is checked by csctl plan)
        _t("levers", C("segment", "text", True), C("lever", "text", True), C("gain", "money")),
        _t(
            "actions",
            C("customer_id", "id", True),
            C("play", "text", True),
            C("date", "date", True),
            C("status", "text"),
            C("owner", "text"),
        ),
    )
}
