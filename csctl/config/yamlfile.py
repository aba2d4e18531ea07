"""YAML loading (safe_load semantics) that remembers where every value stands, for file:line errors."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from csctl.errors import ConfigError, did_you_mean

M = TypeVar("M", bound=BaseModel)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it: same rules, faster


@dataclass
class YamlDoc:
    path: str
    data: Any
    text: str

    @functools.cached_property
    def root(self) -> yaml.Node | None:
        """The document's nodes, with their lines: composed only when a line is asked for (an error's)."""
        return yaml.compose(self.text, Loader=_LOADER)

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """1-based line of the value at a pydantic error location (or of its nearest existing parent)."""
        node = self.root
        line = None if node is None else node.start_mark.line + 1
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                found = next((v for k, v in node.value if getattr(k, "value", None) == str(key)), None)
                if found is None:
                    match = next((k for k, v in node.value if getattr(k, "value", None) == str(key)), None)
                    return line if match is None else match.start_mark.line + 1
                node = found
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
            else:
                break
            line = node.start_mark.line + 1
        return line

    def key_line(self, loc: Sequence[str | int]) -> int | None:
        """Line of the key itself (not of its value) for an unknown (extra) key."""
        if not loc:
            return self.line_of(loc)
        parent = self._node(loc[:-1])
        if isinstance(parent, yaml.MappingNode):
            for key, _ in parent.value:
                if getattr(key, "value", None) == str(loc[-1]):
                    return int(key.start_mark.line) + 1
        return self.line_of(loc)

    def _node(self, loc: Sequence[str | int]) -> yaml.Node | None:
        node = self.root
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if getattr(k, "value", None) == str(key)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
            else:
                return None
        return node


def _printable(char: str) -> bool:
    """A character YAML lets stand as it is inside a double-quoted scalar on one line (YAML 1.1 printable, and
    neither a line break nor a quote or backslash)."""
    code = ord(char)
    if char in '"\\\u2028\u2029':
        return False
    if code == 0xFEFF:
        return False
    return 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code > 0xFFFF


def yaml_quote(text: str) -> str:
    """``text`` as one double-quoted YAML scalar on one line: data, never structure. Line breaks (also NEL, LS,
    PS), control characters, quotes and backslashes are escaped, so no value can end the scalar or the line."""
    out = []
    for char in text:
        if _printable(char):
            out.append(char)
        elif char in '"\\':
            out.append("\\" + char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    return '"' + "".join(out) + '"'


def load_yaml(path: str | Path, text: str | None = None) -> YamlDoc:
    """Read a YAML file; a syntax error becomes a ConfigError naming file and line."""
    name = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise ConfigError(f"{name}: no such file") from None
        except IsADirectoryError:
            raise ConfigError(f"{name}: is a directory, expected a YAML file") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{name}: not UTF-8 text ({exc.reason})") from None
    try:
        data = yaml.load(text, Loader=_LOADER)  # a safe loader (CSafeLoader or SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{name}{where}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: invalid YAML: {exc}") from None
    return YamlDoc(name, data, text)


def validate(doc: YamlDoc, model: type[M], *, what: str = "config") -> M:
    """Validate a YAML document with a pydantic model; the first errors name file, line and field path."""
    data = {} if doc.data is None else doc.data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors()[:5]:
            loc = tuple(err["loc"])
            line = doc.key_line(loc) if err["type"] == "extra_forbidden" else doc.line_of(loc)
            where = f"{doc.path}:{line}" if line else doc.path
            field = ".".join(str(p) for p in loc) or "(top level)"
            message = err["msg"].removeprefix("Value error, ")  # a validator's own words, as they are
            if err["type"] == "extra_forbidden":
                allowed = _allowed_keys(model, loc[:-1])
                message = f"unknown key {loc[-1]!r}.{did_you_mean(str(loc[-1]), allowed)}".rstrip(".") + (
                    f" Allowed: {', '.join(allowed)}" if allowed else ""
                )
            lines.append(f"{where}: {field}: {message}")
        more = len(exc.errors()) - 5
        if more > 0:
            lines.append(f"… and {more} more problems in this {what}")
        raise ConfigError("\n".join(lines)) from None


def _allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        current = _model_in(annotation)
        if current is None:
            return []
    fields = getattr(current, "model_fields", {})
    return sorted(field.alias or name for name, field in fields.items())


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None
