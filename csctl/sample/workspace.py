"""The sample folder's csctl.yaml: its exports, its inventory and billing.history_starts."""

from __future__ import annotations

from csctl.sample.company import (
    DEFAULT_CUSTOMERS,
    DEFAULT_MONTHS,
    DEFAULT_SEED,
    DEFAULT_START,
    GROSS_MARGIN,
    export_day,
    parse_start,
)


def workspace_yaml(
    customers: int = DEFAULT_CUSTOMERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
    files: list[str] | None = None,
    style: str = "canonical",
) -> str:
    """csctl.yaml for the sample's folder: its exports (``files``, e.g. "billing.csv"; every table by default),
    the as-is inventory, and ``billing.history_starts``: the sample's billing history begins in its first month,
    so the export is whole (customers first billed then are new; no month is incomplete)."""
    parse_start(start)
    names = files if files is not None else [f"{table}.csv" for table in _WORKSPACE_TABLES]
    exported = export_day(months, start)
    lines = [
        "# csctl workspace of a synthetic company, written by csctl sample",
        f"# (seed {seed}, {customers:,} accounts, {months} months from {start}). Paths are relative to this file:",
        "#   csctl report -c csctl.yaml -o report/",
        f"# The sample's billing history begins in {start}: billing.csv holds the whole history from then, so",
        "# billing.history_starts says so (customers first billed then are new, and no month is incomplete).",
        f"# billing.csv was exported on {exported.isoformat()}: {exported.strftime('%Y-%m')} is a month in progress.",
        f'company: "Sample SaaS company (synthetic, seed {seed})"',
        "currency: USD",
        f"gross_margin: {GROSS_MARGIN}",
        "",
        "billing:",
        f'  history_starts: "{start}"   # the sample\'s billing history begins then',
        "",
        "exports:",
    ]
    for name in names:
        table = name.rsplit(".", 1)[0]
        if table == "billing" and style == "stripe":
            lines.append(f"  {table}: {{path: {name}, preset: stripe}}")
        else:
            lines.append(f"  {table}: {name}")
    lines += ["", "rules:", "  inventory: asis.yaml"]
    return "\n".join(lines) + "\n"


_WORKSPACE_TABLES = (
    "billing",
    "customers",
    "usage",
    "tickets",
    "surveys",
    "team",
    "costs",
    "milestones",
    "contacts",
    "outcomes",
    "actions",
)
