"""stderr messages, colour rules and progress. stdout carries data only."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


@dataclass
class State:
    debug: bool = False
    quiet: bool = False
    verbose: bool = False
    json: bool = False  # -f json: errors as a JSON object on stderr
    color: str = "auto"
    stdout_closed: bool = False  # the caller closed stdout (>&-): data for it is an error, not silence


state = State()


def open_closed_streams() -> None:
    """Standard streams the caller closed (``>&-``, ``2>&-``, ``<&-``) are opened on /dev/null, so a file csctl opens
    never takes their descriptor (a message would land in an output) and a message to a closed stderr is no error.
    A closed stdout is remembered (data for it exits 3); a closed stdin stays None (reading ``-`` exits 3)."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            if fd == 1:
                state.stdout_closed = True
            if fd > 0:
                setattr(sys, name, open(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=False))  # noqa: SIM115


class _Messages(io.TextIOWrapper):
    """stderr, whose reader may go away (a pipe closed early): the message that finds it gone is dropped and the
    ones after it go to /dev/null, so the run goes on, its outputs are written whole and its exit code stays its
    own. (Left alone, the write raises: Click then exits 1, and Rich points stdout at /dev/null and exits 1.)"""

    def write(self, text: str) -> int:
        try:
            return super().write(text)
        except BrokenPipeError:
            self._gone()
            return len(text)

    def flush(self) -> None:
        try:
            super().flush()
        except BrokenPipeError:
            self._gone()

    @staticmethod
    def _gone() -> None:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)


def guard_stderr() -> None:
    """Make the process's stderr a _Messages (not when something else, a test's capture, stands in for it)."""
    stream = sys.__stderr__
    if stream is None or sys.stderr is not stream:  # (once made, sys.stderr is no longer sys.__stderr__)
        return
    stream.flush()
    sys.stderr = _Messages(
        open(2, "wb", buffering=0, closefd=False),  # noqa: SIM115 - fd 2 stays open for the process
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=True,
        write_through=True,
    )


def use_color(stream_is_tty: bool) -> bool:
    """--color always/never; auto: a terminal, NO_COLOR unset and TERM not dumb (FORCE_COLOR forces it)."""
    if state.color == "always":
        return True
    if state.color == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream_is_tty and os.environ.get("TERM") != "dumb"


def err_console() -> Console:
    from rich.console import Console

    color = use_color(sys.stderr.isatty())
    return Console(stderr=True, force_terminal=color, no_color=not color, highlight=False, soft_wrap=True)


def say(label: str, message: str, style: str = "bold red") -> None:
    """``label: message`` on stderr; the message is never read as markup."""
    from rich.text import Text

    from csctl.render.safe import terminal

    err_console().print(Text.assemble((f"{label}: ", style), terminal(message, lines=True)))


def warn(message: str) -> None:
    if not state.quiet:
        say("warning", message, style="yellow")


def info(message: str) -> None:
    if not state.quiet:
        from csctl.render.safe import terminal

        sys.stderr.write(terminal(message, lines=True) + "\n")  # plain text: no styling, no need of rich
        sys.stderr.flush()


def detail(message: str) -> None:
    if state.verbose and not state.quiet:
        from csctl.render.safe import terminal

        err_console().print(terminal(message, lines=True), style="dim", highlight=False, markup=False)


@contextlib.contextmanager
def progress(message: str, *, size: int = 0, threshold: int = 20 << 20) -> Iterator[None]:
    """A spinner on stderr while a long read runs: only on a terminal, only for inputs above ``threshold`` bytes."""
    if state.quiet or not sys.stderr.isatty() or size < threshold:
        yield
        return
    from rich.text import Text

    from csctl.render.safe import terminal

    with err_console().status(Text(terminal(f"{message} ({size / (1 << 20):,.0f} MiB)…"))):
        yield


@contextlib.contextmanager
def steps_progress(total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr over a run's steps, only on a terminal (and not with -q); yields advance(label)."""
    if state.quiet or not sys.stderr.isatty():
        yield lambda label: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console(),
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=total)
        started = False

        def advance(label: str) -> None:
            nonlocal started
            bar.update(task, description=label, advance=1 if started else 0)
            started = True

        yield advance
        bar.update(task, completed=total)
