"""A fork server for the hostile-input suite: one process that has imported csctl, its command modules and their
libraries once (but run nothing), and forks one child per run, so a run pays neither Python's start nor the imports
nor the interpreter's teardown (together most of a small run's CPU time).

The server is started as ``python -c "...; serve(); finish(PROGRAM)"``: ``serve()`` returns only in a forked child,
which then runs PROGRAM, the same ``python -c`` text the subprocess runs use (csctl's entry point as its console
script calls it), through ``finish()``, which ends the child as the interpreter ends that ``python -c`` run (exit
code, traceback, atexit, flushing; see there). Before it returns the child does what the subprocess runs'
``preexec_fn`` and ``Popen`` do: a new session, RLIMIT_AS and no core file, stdin from /dev/null, stdout and stderr
to the files it is given, the case's folder as the working directory (also for imports: ``sys.path[0]`` is ``''``
as with ``-c``), ``sys.argv`` the case's arguments after ``-c``. Python's own start-up state (stdout and stderr
buffering and encoding, the environment) is the same as the subprocess runs': the server is started with their
environment and pipes for stdout and stderr.

Protocol, one JSON object a line: the server reads ``{"args", "cwd", "memory", "stdout", "stderr"}`` on fd 0, forks,
writes ``{"pid"}`` and, once the child has ended, ``{"status", "maxrss"}`` (the raw wait status and the child's peak
resident set in KiB, from wait4) on fd 1. The client enforces the time limit by killing the child's process group.
It ends when fd 0 closes.

Threads do not survive a fork: the server starts none of its own and runs no Polars computation (its thread pool
starts with the first one); importing Polars starts allocator and clean-up threads, whose absence in the child
changed no run's outcome (the equivalence check in tests/fuzz/hostile.py's docstring).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import pkgutil
import resource
import sys


def _preload() -> None:
    """Everything a run imports, imported once here. Nothing is run: a library's thread pool is started by its first
    computation, and threads do not survive a fork."""
    import csctl
    from csctl.cli import app

    for module, _ in app.COMMANDS.values():
        importlib.import_module(module)
    for found in pkgutil.walk_packages(csctl.__path__, "csctl."):
        importlib.import_module(found.name)
    for name in ("polars", "numpy", "yaml", "jinja2.sandbox", "rich.console", "rich.table", "pydantic", "xlsxwriter"):
        importlib.import_module(name)
    importlib.import_module("fastexcel")


def _child(request: dict[str, object], channel: tuple[io.RawIOBase, io.RawIOBase]) -> None:
    for end in channel:
        end.close()
    os.setsid()
    memory = int(request["memory"])  # type: ignore[call-overload]
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    null = os.open(os.devnull, os.O_RDONLY)
    out = os.open(str(request["stdout"]), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err = os.open(str(request["stderr"]), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    for fd, target in ((null, 0), (out, 1), (err, 2)):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(str(request["cwd"]))
    sys.argv = ["-c", *request["args"]]  # type: ignore[misc]


def serve(preload: bool = True) -> None:
    """Answer requests until fd 0 closes (then exit); return only in a forked child, set up for its run."""
    if preload:
        _preload()
    threads = os.listdir("/proc/self/task") if os.path.isdir("/proc/self/task") else []
    channel = (os.dup(0), os.dup(1))
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)  # a stray write from the server (or a read) never touches the channel
    os.dup2(null, 1)
    os.close(null)
    reader = os.fdopen(channel[0], "rb", buffering=0)
    writer = os.fdopen(channel[1], "wb", buffering=0)
    writer.write((json.dumps({"ready": os.getpid(), "threads": len(threads)}) + "\n").encode())
    line = b""
    while True:
        chunk = reader.read(65536)
        if not chunk:
            os._exit(0)
        line += chunk
        while b"\n" in line:
            raw, line = line.split(b"\n", 1)
            request = json.loads(raw)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _child(request, (reader, writer))
                return
            writer.write((json.dumps({"pid": pid}) + "\n").encode())
            _, status, usage = os.wait4(pid, 0)
            writer.write((json.dumps({"status": status, "maxrss": usage.ru_maxrss}) + "\n").encode())


def _code(exc: SystemExit) -> int:
    """The exit code Python gives a SystemExit that reaches the top (None 0, an int itself, else printed and 1)."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    with contextlib.suppress(Exception):  # Python ignores a failure to print it too
        sys.stderr.write(f"{exc.code}\n")
    return 1


def finish(program: str) -> None:
    """Run program (the text of ``python -c``) in a forked child and end the child as the interpreter ends a
    ``python -c`` run (Py_RunMain, Py_FinalizeEx): the exit code of a SystemExit, or the traceback and 1 for another
    exception (a KeyboardInterrupt: killed by SIGINT); then non-daemon threads joined, atexit handlers run, stdout
    and stderr flushed (120 when that fails). The rest of the interpreter's finalisation (freeing every module,
    which in a forked child copies most of the server's memory page by page, about 0.2 s of CPU a run) is skipped:
    os._exit. Checked against ``python -c`` by tests/test_fuzz.py and by comparing --isolation fork and process."""
    import atexit
    import signal
    import threading

    code, interrupted = 0, False
    try:
        exec(compile(program, "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
    except SystemExit as exc:
        code = _code(exc)
    except BaseException as exc:
        shown = exc.with_traceback(exc.__traceback__.tb_next if exc.__traceback__ else None)  # from <string> on
        sys.excepthook(type(shown), shown, shown.__traceback__)
        code, interrupted = 1, isinstance(exc, KeyboardInterrupt)
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except Exception as exc:
            if stream is sys.stdout:
                sys.unraisablehook(_Unraisable(type(exc), exc, exc.__traceback__, None, stream))  # type: ignore[arg-type]
            code = 120
    if interrupted:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(code & 0xFF)


class _Unraisable:
    """The argument of sys.unraisablehook (what PyErr_WriteUnraisable gives it)."""

    def __init__(self, exc_type: type, exc_value: BaseException, exc_traceback: object, err_msg: None, obj: object):
        self.exc_type, self.exc_value, self.exc_traceback = exc_type, exc_value, exc_traceback
        self.err_msg, self.object = err_msg, obj
