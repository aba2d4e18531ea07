"""The exports a workspace can name, as a plain list: the lowest floor that needs it, so every floor reads one list.

config builds csctl.yaml's ``exports:`` model from it, io detects a file's table by the words of its name, core
windows dated rows by its date columns. ``csctl/run/catalogue.py`` extends each entry with what a run needs (the
option, its help, the question asked of the client when it is missing, the canonical tables it is read as); to add
an export, add it here and there (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExportTable:
    """One export: its workspace key (``exports.NAME``, ``--NAME``), the column that dates its rows (None when its
    rows are not events), and words in a file's name that point at it (csctl init)."""

    name: str
    date: str | None = None
    hints: tuple[str, ...] = ()


EXPORTS: tuple[ExportTable, ...] = (
    ExportTable("billing", None, ("billing", "invoice", "charges", "lines")),
    ExportTable("customers", None, ("customer", "account", "compan", "crm")),
    ExportTable("usage", "date", ("usage", "activity", "events")),
    ExportTable("tickets", "created_at", ("ticket", "support", "case")),
    ExportTable("surveys", "date", ("survey", "nps", "csat")),
    ExportTable("costs", None, ("cost", "ledger", "spend", "expense")),
    ExportTable("team", None, ("team", "roster", "staff", "people")),
    ExportTable("milestones", "date", ("milestone", "onboarding", "value_path")),
    ExportTable("contacts", "last_activity", ("contact", "people", "persons")),
    ExportTable("outcomes", "measured_at", ("outcome", "success", "goal")),
    ExportTable("actions", None, ("action", "plays", "tasks")),
)
EXPORT_TABLES: tuple[str, ...] = tuple(e.name for e in EXPORTS)
DATE_COLUMN: dict[str, str] = {e.name: e.date for e in EXPORTS if e.date is not None}

# the rule files a workspace can name (``rules.NAME``); run/catalogue.py gives each its option, loader and default
RULE_FILES: tuple[str, ...] = ("segments", "health", "personas", "plays", "value_path", "inventory")
