"""Config discovery (-c, $CSCTL_CONFIG, ./csctl.yaml, built-in defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from csctl.config.models import Config
from csctl.config.yamlfile import YamlDoc, load_yaml, validate
from csctl.errors import ConfigError
from csctl.resources import config_path


def find_config(explicit: str | None) -> tuple[Path, str]:
    """The config file in force and where it came from: -c ("option"), then $CSCTL_CONFIG ("env"), then
    ./csctl.yaml ("cwd"), then the built-in defaults ("builtin")."""
    if explicit:
        return Path(explicit), "option"
    env = os.environ.get("CSCTL_CONFIG")
    if env:
        return Path(env), "env"
    local = Path("csctl.yaml")
    if local.is_file():
        return local, "cwd"
    return config_path("csctl.yaml"), "builtin"


@dataclass
class Workspace:
    """The config in force, where it is (relative paths in it are relative to its folder) and its YAML, for lines."""

    config: Config
    path: Path
    doc: YamlDoc
    builtin: bool
    origin: str = "option"  # option (-c), env ($CSCTL_CONFIG), cwd (./csctl.yaml) or builtin

    @property
    def folder(self) -> Path:
        return self.path.parent

    def where(self, *loc: str) -> str:
        line = self.doc.line_of(loc)
        return f"{self.path}:{line}" if line else str(self.path)


def load_workspace(explicit: str | None = None) -> Workspace:
    path, origin = find_config(explicit)
    if not path.exists():
        origin = "-c" if explicit else "$CSCTL_CONFIG"
        raise ConfigError(f"{path}: config file not found (from {origin})")
    if path.is_dir():
        path = path / "csctl.yaml"
        if not path.is_file():
            raise ConfigError(f"{path}: no csctl.yaml in this folder (csctl init writes one)")
    doc = load_yaml(path)
    builtin = path.resolve() == config_path("csctl.yaml").resolve()
    return Workspace(validate(doc, Config, what="config"), path, doc, builtin, "builtin" if builtin else origin)


def load_config(explicit: str | None = None) -> tuple[Config, Path]:
    workspace = load_workspace(explicit)
    return workspace.config, workspace.path
