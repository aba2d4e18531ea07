"""Errors that end a command, each with the exit code it means (DESIGN.md §6)."""

from __future__ import annotations


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
