"""One renderer per output format: render(result, fmt) -> bytes. Renderers show; they never compute."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from csctl.result import Result

FORMATS = ("table", "csv", "tsv", "json", "ndjson", "markdown", "xlsx", "html")
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".md": "markdown",
    ".markdown": "markdown",
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".txt": "table",
}
_MODULES = {
    "table": "csctl.render.table",
    "csv": "csctl.render.delimited",
    "tsv": "csctl.render.delimited",
    "json": "csctl.render.json",
    "ndjson": "csctl.render.json",
    "markdown": "csctl.render.markdown",
    "xlsx": "csctl.render.xlsx",
    "html": "csctl.render.html",
}
BINARY = ("xlsx",)


def render(
    result: Result,
    fmt: str,
    *,
    to_file: bool,
    width: int | None = None,
    color: bool = False,
    limit: int | None = None,
    columns: list[str] | None = None,
) -> bytes:
    """The bytes of ``result`` in ``fmt``. ``to_file``: written with -o (CSV then escapes formula-like text).
    ``width``, ``limit`` and ``columns`` shape the terminal table only (columns that fit, rows shown)."""
    module = importlib.import_module(_MODULES[fmt])
    return module.render(result, fmt=fmt, to_file=to_file, width=width, color=color, limit=limit, columns=columns)
