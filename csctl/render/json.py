"""JSON (the whole result as one object) and NDJSON (the primary table, one object per line)."""

from __future__ import annotations

import json
import math
from typing import Any

from csctl.render.values import file_frame
from csctl.result import Result


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def document(result: Result) -> dict[str, Any]:
    return {
        "command": result.command,
        "title": result.title,
        **result.meta,
        "metrics": result.metrics,
        "primary": result.primary,
        "tables": {
            name: json.loads(file_frame(table, decimal_money=False).write_json())
            for name, table in result.tables.items()
        },
        "notes": result.notes,
        "warnings": result.warnings,
        "definitions": result.definitions,
    }


def render(result: Result, *, fmt: str, **_: object) -> bytes:
    if fmt == "ndjson":
        return file_frame(result.primary_table, decimal_money=False).write_ndjson().encode("utf-8")
    return (json.dumps(_clean(document(result)), indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")
