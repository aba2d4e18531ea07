"""A function run in a second process while this one goes on: a report's workbook (pure Python, one core) written
beside its documents on the other core.

The process is spawned, not forked: nothing of this process's threads (Polars' pool among them) is copied into it.
Its arguments and its result go through a pipe, pickled; an exception it raises is raised here.
"""

from __future__ import annotations

from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        outcome: tuple[bool, Any] = (True, fn(*args))
    except BaseException as exc:  # whatever it is, the parent raises it
        outcome = (False, exc)
    try:
        conn.send(outcome)
    except Exception as exc:  # an exception that does not pickle: said as text
        conn.send((False, RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]} ({exc})")))
    finally:
        conn.close()


class Lost(RuntimeError):
    """The second process ended without a result (killed, or out of memory)."""


class Background(Generic[T]):
    """``fn(*args)`` started in a second process; ``result()`` waits for it, ``stop()`` ends it early."""

    def __init__(self, fn: Callable[..., T], *args: Any) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._conn, sending = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(sending, fn, args), daemon=True)
        self._process.start()
        sending.close()

    def result(self) -> T:
        try:
            ok, value = self._conn.recv()
        except EOFError:  # it ended without a word: killed, or out of memory
            self._process.join()
            raise Lost(f"the second process ended with exit code {self._process.exitcode}") from None
        finally:
            self._conn.close()
        self._process.join()
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        """End the process if it still runs (this one failed, or was interrupted)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
