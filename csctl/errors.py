"""Errors that end a command, each with the exit code it means, and the did-you-mean every unknown name gets."""

from __future__ import annotations

from collections.abc import Callable, Iterable


class CsctlError(Exception):
    """Base class: a message for the user and an exit code."""

    exit_code = 4

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(CsctlError):
    """The command line itself is wrong (exit 2)."""

    exit_code = 2


class InputError(CsctlError):
    """A bad input file, column, value or config (exit 3)."""

    exit_code = 3


class ConfigError(InputError):
    """A bad config or rule file (exit 3)."""


class ThresholdBreached(CsctlError):
    """A --fail-on threshold was breached (exit 1)."""

    exit_code = 1


def closest(name: str, choices: Iterable[str], *, key: Callable[[str], str] | None = None) -> str | None:
    """The choice nearest to ``name`` (difflib's similarity ratio at least 0.6), else None. With ``key``, names and
    choices are compared as ``key`` writes them (e.g. normalised column names) and the choice itself is returned."""
    import difflib

    options = list(dict.fromkeys(choices))
    if key is None:
        found = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
        return found[0] if found else None
    keyed: dict[str, str] = {}
    for option in options:
        keyed.setdefault(key(option), option)
    found = difflib.get_close_matches(key(name), list(keyed), n=1, cutoff=0.6)
    return keyed[found[0]] if found else None


def did_you_mean(name: str, choices: Iterable[str], *, key: Callable[[str], str] | None = None) -> str:
    """The sentence every unknown name ends with: `` Did you mean 'x'?`` for the nearest choice, or ``""``."""
    found = closest(name, choices, key=key)
    return f" Did you mean {found!r}?" if found is not None else ""
