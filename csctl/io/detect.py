"""Which canonical table an export looks like, from its column names (and, to break ties, its file name).

For each table and each preset, the export's headers are mapped as the reader would map them; a table whose
required columns are all found is a candidate, scored by how many of its columns were found. The highest score
wins; ties go to the table the file name mentions, then to the order of TABLES. Used by csctl init.
"""

from __future__ import annotations

from dataclasses import dataclass

from csctl.config.load import load_preset, preset_names
from csctl.io.columns import map_columns
from csctl.io.schema import TABLES

# words in file names that point at a table
NAME_HINTS = {
    "billing": ("billing", "invoice", "charges", "lines"),
    "subscriptions": ("subscription", "mrr"),
    "customers": ("customer", "account", "compan", "crm"),
    "usage": ("usage", "activity", "events"),
    "tickets": ("ticket", "support", "case"),
    "surveys": ("survey", "nps", "csat"),
    "costs": ("cost", "ledger", "spend", "expense"),
    "team": ("team", "roster", "staff", "people"),
    "milestones": ("milestone", "onboarding", "value_path"),
    "contacts": ("contact", "people", "persons"),
    "outcomes": ("outcome", "success", "goal"),
    "actions": ("action", "plays", "tasks"),
}
EXPORT_OF = {"subscriptions": "billing"}  # the workspace key a table's export goes under


@dataclass(frozen=True)
class Detected:
    table: str
    preset: str
    found: int  # canonical columns found
    named: bool  # the file name points at this table


def detect(headers: list[str], filename: str) -> Detected | None:
    stem = filename.lower()
    best: Detected | None = None
    for table, spec in TABLES.items():
        named = any(word in stem for word in NAME_HINTS.get(table, ()))
        for name in ["generic", *(p for p in preset_names() if p != "generic")]:
            mapping = map_columns(headers, spec, load_preset(name), load_preset("generic"))
            if not mapping.complete:
                continue
            candidate = Detected(table, name, len(mapping.columns), named)
            if best is None or (candidate.found, candidate.named) > (best.found, best.named):
                best = candidate
    return best
