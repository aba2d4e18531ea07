"""Atomic writes. A file: a temporary file beside the target, then a rename. A set of files (csctl report's
folder): a temporary folder beside the target, then one swap. Nothing half-written is ever left under a final name.

Only regular files are replaced: a target that is a device, a FIFO or a socket (``/dev/null``, ``/dev/stdout``
on a pipe, ``<(...)``) is written through, never replaced by a file. A symbolic link is followed: the file it
points at is replaced, the link stays.

Temporary names carry the writer's process id (``.NAME.PID.XXXX.tmp``). An exception or a signal (SIGTERM, SIGHUP:
csctl turns them into an exit) removes them; after ``kill -9`` nothing can, so every write first removes the
temporary files of writers that are no longer running.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.(?P<tag>[A-Za-z0-9_]+)\.tmp$")
_OLD = "old"  # the tag of a temporary folder that holds a replaced set (the two-rename fallback)


def write_atomic(path: str | Path, data: bytes) -> None:
    target = Path(path)
    mode = _mode(target)
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(target))
    if mode is not None and not stat.S_ISREG(mode):
        _write_through(target, data)
        return
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    directory = target.parent if str(target.parent) else Path(".")
    sweep(directory, target.name)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=directory)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600 files; outputs get the usual permissions
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def replace_folder(folder: str | Path, files: dict[str, bytes], names: set[str]) -> None:
    """Make ``folder`` hold ``files`` as one set: written into a temporary folder beside it, which then takes its
    place in one step (an atomic exchange where the system has one). ``names`` are the file names this writer
    owns: an old one that ``files`` lacks is gone afterwards; anything else in the folder is carried over."""
    target = Path(os.path.realpath(folder))
    parent = target.parent
    sweep(parent, target.name)
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o777 & ~umask)
        for name, data in files.items():
            with open(temp / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        if target.is_dir():
            for entry in target.iterdir():
                if entry.name not in names and not (temp / entry.name).exists():
                    _carry(entry, temp / entry.name)
            os.chmod(temp, stat.S_IMODE(target.stat().st_mode))
            _exchange(temp, target)  # temp now holds the old set
        else:
            os.rename(temp, target)
            return
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    shutil.rmtree(temp, ignore_errors=True)


def sweep(directory: Path, name: str) -> None:
    """Remove the temporary files and folders for ``name`` left in ``directory`` by writers no longer running;
    a folder swap cut short (the target missing, its old set under a temporary name) is put back first."""
    try:
        entries = list(directory.iterdir())
    except OSError:
        return
    for entry in entries:
        match = _TEMP.match(entry.name)
        if match is None or match["name"] != name or _alive(int(match["pid"]), entry):
            continue
        if entry.is_dir() and not entry.is_symlink():
            if match["tag"] == _OLD and not os.path.lexists(directory / name):
                with contextlib.suppress(OSError):
                    os.rename(entry, directory / name)
                    continue
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(entry)


def _alive(pid: int, entry: Path | None = None) -> bool:
    """Whether the writer of a temporary file may still be running: its process exists and (where the system says
    when a process started, as Linux does) started before the file was made, so a reused process id is no writer."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, but another user's
    if entry is not None:
        started = _started(pid)
        with contextlib.suppress(OSError):
            if started is not None and started > entry.lstat().st_mtime + 1:
                return False  # the id was reused by a process that started after the file was written
    return True


def _started(pid: int) -> float | None:
    """When a process started (seconds since the epoch), from /proc; None where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text(encoding="ascii").splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError, IndexError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    try:
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (IndexError, ValueError, OSError):
        return None


def _mode(path: Path) -> int | None:
    try:
        return os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None


def _write_through(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _carry(source: Path, dest: Path) -> None:
    """An entry of the old folder the new set keeps: linked where it can be, else copied."""
    if source.is_symlink():
        os.symlink(os.readlink(source), dest)
    elif source.is_dir():
        shutil.copytree(source, dest, symlinks=True, copy_function=_link_or_copy)
    else:
        _link_or_copy(str(source), str(dest))


def _link_or_copy(source: str, dest: str) -> None:
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(new: Path, old: Path) -> None:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); elsewhere two renames, the old set marked
    so that a run cut short between them is put back by the next write."""
    libc_name = ctypes.util.find_library("c")
    renameat2 = None
    if libc_name is not None:
        with contextlib.suppress(OSError, AttributeError):
            renameat2 = ctypes.CDLL(libc_name, use_errno=True).renameat2
    if renameat2 is not None:
        result = renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(old), _RENAME_EXCHANGE)
        if result == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(code, os.strerror(code), str(old))
    # two renames: old -> a marked temporary name, new -> old; sweep() restores the old set if cut between them
    aside = old.parent / f".{old.name}.{os.getpid()}.{_OLD}.tmp"
    shutil.rmtree(aside, ignore_errors=True)
    os.rename(old, aside)
    os.rename(new, old)
    os.rename(aside, new)  # the caller removes ``new``, which now holds the old set
