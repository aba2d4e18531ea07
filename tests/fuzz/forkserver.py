"""A fork server for the hostile-input suite: one process that has imported csctl, its command modules and their
libraries once (but run nothing), and forks one child per run, so a run does not pay Python's start and the imports
(most of a small run's time).

The server is started as ``python -c "...; serve(); main()"``: ``serve()`` returns only in a forked child, which then
calls csctl's entry point at the top level of that ``-c`` program, exactly as the subprocess runs do (``python -c
"...; main()"``). So the child's exit code comes from the interpreter itself: SystemExit's code, 1 and a traceback for
an uncaught exception, 120 when flushing stdout fails, atexit handlers run, a signal reported as one. Before it
returns the child does what the subprocess runs' ``preexec_fn`` and ``Popen`` do: a new session, RLIMIT_AS and no
core file, stdin from /dev/null, stdout and stderr to the files it is given, the case's folder as the working
directory (also for imports: ``sys.path[0]`` is ``''`` as with ``-c``), ``sys.argv`` the case's arguments.

Protocol, one JSON object a line: the server reads ``{"args", "cwd", "memory", "stdout", "stderr"}`` on fd 0, forks,
writes ``{"pid"}`` and, once the child has ended, ``{"status", "maxrss"}`` (the raw wait status and the child's peak
resident set in KiB, from wait4) on fd 1. The client enforces the time limit by killing the child's process group.
It ends when fd 0 closes.
"""

from __future__ import annotations

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
    sys.argv = ["csctl", *request["args"]]  # type: ignore[misc]


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
