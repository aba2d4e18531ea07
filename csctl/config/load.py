"""Config discovery (-c, $CSCTL_CONFIG, ./csctl.yaml or a parent folder's, the user's config folder, built-in
defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from csctl.config.models import Config
from csctl.config.yamlfile import YamlDoc, load_yaml, validate
from csctl.errors import ConfigError
from csctl.resources import config_path

ORIGINS = {  # where a config the command line did not name came from, as said on stderr
    "env": "from $CSCTL_CONFIG",
    "cwd": "in this folder",
    "parent": "in a parent folder",
    "user": "in your config folder",
}


def user_config_dir() -> Path:
    """The user's csctl config folder: $XDG_CONFIG_HOME/csctl, else ~/.config/csctl."""
    base = os.environ.get("XDG_CONFIG_HOME")
    return (Path(base) if base else Path.home() / ".config") / "csctl"


def find_config(explicit: str | None) -> tuple[Path, str]:
    """The config file in force and where it came from: -c ("option"), then $CSCTL_CONFIG ("env"), then
    csctl.yaml in the current folder ("cwd") or the nearest parent folder that has one ("parent"), then the user's
    config folder ($XDG_CONFIG_HOME/csctl/csctl.yaml or ~/.config/csctl/csctl.yaml: "user"), then the built-in
    defaults ("builtin"). As git finds its repository: a command run in a workspace's subfolder
    (``exports/2024``) uses the workspace's csctl.yaml."""
    if explicit:
        return Path(explicit), "option"
    env = os.environ.get("CSCTL_CONFIG")
    if env:
        return Path(env), "env"
    local = Path("csctl.yaml")
    if local.is_file():
        return local, "cwd"
    try:
        here = Path.cwd()
    except OSError:  # the current folder was removed
        here = None
    if here is not None:
        for folder in here.parents:
            found = folder / "csctl.yaml"
            if found.is_file():
                return found, "parent"
    user = user_config_dir() / "csctl.yaml"
    if user.is_file():
        return user, "user"
    return config_path("csctl.yaml"), "builtin"


@dataclass
class Workspace:
    """The config in force, where it is (relative paths in it are relative to its folder) and its YAML, for lines."""

    config: Config
    path: Path
    doc: YamlDoc
    builtin: bool
    origin: str = "option"  # option (-c), env ($CSCTL_CONFIG), cwd (./csctl.yaml), parent, user or builtin

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
