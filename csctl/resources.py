"""Where the shipped configs and templates are: inside the wheel (csctl/configs) or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """``configs`` or ``templates``: the copy shipped inside the package, else the repository's top level."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"csctl's {name}/ folder is missing from the installation")


def config_path(*parts: str) -> Path:
    return resource_dir("configs").joinpath(*parts)
