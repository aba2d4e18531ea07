"""Every export table and every rule file, said once: what each is called on the command line and in csctl.yaml,
what it answers, how it is read and loaded.

The plain list of exports (names, date columns, file-name hints) is in ``csctl/config/tables.py``, the lowest floor
that needs it (config builds csctl.yaml's model from it; io and core read it too); this module extends each entry
with what a run needs. Adding an export: an entry there and here, then the step that uses it
(docs/architecture.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csctl.config.tables import EXPORTS as TABLES
from csctl.config.tables import RULE_FILES, ExportTable


@dataclass(frozen=True)
class Export:
    """One export: its table (config/tables.py), the help of its option, what the client is asked for when it is
    missing, and the canonical tables (io/schema.py) a file of it is read as: the preset sections that map it."""

    table: ExportTable
    help: str
    ask: str
    schemas: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def option(self) -> str:
        return f"--{self.name}"

    @property
    def date(self) -> str | None:
        return self.table.date


_ABOUT: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "billing": (
        "Billing or subscriptions export.",
        "the billing export (invoice lines or subscriptions: customer, amount, period)",
        ("billing", "subscriptions"),
    ),
    "customers": (
        "CRM accounts export.",
        "the CRM accounts export (customer id, name, CSM, renewal date, size)",
        ("customers",),
    ),
    "usage": ("Product usage export.", "product usage by account and date", ("usage",)),
    "tickets": ("Support tickets export.", "support tickets by account", ("tickets",)),
    "surveys": ("Survey (NPS/CSAT) export.", "NPS/CSAT survey answers", ("surveys",)),
    "costs": (
        "Cost ledger.",
        "the cost ledger: monthly spend on acquisition, retention, expansion, upsell",
        ("costs",),
    ),
    "team": ("CS team roster.", "the CS team roster (role, FTE, loaded cost, accounts)", ("team",)),
    "milestones": (
        "Value-path milestones export.",
        "value-path milestones by account (kickoff … renewal)",
        ("milestones",),
    ),
    "contacts": ("CRM contacts export.", "CRM contacts with titles and roles", ("contacts",)),
    "outcomes": (
        "Success outcomes export.",
        "the customers' success outcomes (KPI, target, actual, recognised)",
        ("outcomes",),
    ),
    "actions": (
        "Actions/activity export (customer_id, play, date[, status]).",
        "the actions/activity export (customer, play, date, status)",
        ("actions",),
    ),
}
EXPORTS: dict[str, Export] = {t.name: Export(t, *_ABOUT[t.name]) for t in TABLES}

# inputs a command reads that are no export of the workspace, and the canonical table each is read as
READ_AS: dict[str, str] = {"previous": "customers"}  # csctl health --previous: an earlier health CSV


def schema_of(table: str) -> str:
    """The canonical table (io/schema.py) an input is read as."""
    return READ_AS.get(table, table)


def ask(table: str) -> str:
    """What the client is asked for when a run lacks ``table`` (csctl report's open questions)."""
    export = EXPORTS.get(table)
    return f"{export.ask} — exports.{table}" if export else table


def dated() -> list[tuple[str, str]]:
    """The exports whose rows are dated, with their date column: without billing, a run's as-of day is the latest
    of these dates."""
    return [(e.name, e.date) for e in EXPORTS.values() if e.date is not None]


@dataclass(frozen=True)
class RuleFile:
    """One rule file: its workspace key (``rules.NAME``), option, help, loader (``module:function``, taking the
    path or None for the built-in default) and the built-in default file in configs/ (None: no default)."""

    name: str
    flag: str
    help: str
    loader: str
    default: str | None

    def load(self, path: Path | None) -> Any:
        module, function = self.loader.split(":")
        load: Callable[[Path | None], Any] = getattr(importlib.import_module(module), function)
        return load(path)


RULES: dict[str, RuleFile] = {
    r.name: r
    for r in (
        RuleFile("segments", "--segments-rules", "Segment rules.", "csctl.config.rules:load_segments", "segments.yaml"),
        RuleFile("health", "--health-rules", "Health scorecards.", "csctl.config.rules:load_health", "health.yaml"),
        RuleFile("personas", "--personas-rules", "Persona rules.", "csctl.config.rules:load_personas", "personas.yaml"),
        RuleFile("plays", "--plays", "Plays library.", "csctl.config.plays:load_plays", "plays.yaml"),
        RuleFile(
            "value_path",
            "--value-path",
            "Value path milestones.",
            "csctl.config.plays:load_value_path",
            "value_path.yaml",
        ),
        RuleFile("inventory", "--inventory", "As-is inventory.", "csctl.config.inventory:load_inventory", None),
    )
}

assert tuple(EXPORTS) == tuple(t.name for t in TABLES) and set(_ABOUT) == set(EXPORTS), "config/tables.py and _ABOUT"
assert tuple(RULES) == RULE_FILES, "every rule file of config/tables.py has its entry here"
