"""csctl report is deterministic: the same workspace reported twice, in two processes with different hash seeds
(Python's set and dict orders of strings change with it), gives the same files byte for byte, the workbook's
creation time aside."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Invoke
from tests.helpers import ok

CORE_TIMES = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def _report(workspace: Path, out: Path, seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1"}
    code = "import sys; from csctl.cli.app import main; sys.argv[0] = 'csctl'; main()"
    argv = [sys.executable, "-c", code, "report", "-c", str(workspace / "csctl.yaml"), "-o", str(out)]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:
        return {
            name: CORE_TIMES.sub(b"", book.read(name)) if name == "docProps/core.xml" else book.read(name)
            for name in book.namelist()
        }


def test_the_same_workspace_reported_twice_gives_identical_files(cli: Invoke, tmp_path: Path) -> None:
    workspace = tmp_path / "company"
    ok(cli("sample", "-o", workspace, "--customers", 120, "--months", 24, "--seed", 11))
    first, second = tmp_path / "first", tmp_path / "second"
    _report(workspace, first, "1")
    _report(workspace, second, "2")
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert {"assessment.md", "assessment.html", "assessment.xlsx"} <= set(names)
    for name in names:
        if name.endswith(".xlsx"):
            a, b = _members(first / name), _members(second / name)
            assert sorted(a) == sorted(b), name
            different = [member for member in a if a[member] != b[member]]
            assert not different, f"{name}: {different}"
        else:
            assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_a_large_workbook_written_in_a_second_process_is_the_same(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above report.BACKGROUND_CELLS the workbook is written in a second process while the documents are rendered:
    the same files as when it is written here."""
    from csctl.cli import report

    workspace = tmp_path / "company"
    ok(cli("sample", "-o", workspace, "--customers", 60, "--months", 14, "--seed", 3))
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    monkeypatch.setattr(report, "BACKGROUND_CELLS", 10**12)
    ok(cli("report", "-c", workspace / "csctl.yaml", "-o", here))
    monkeypatch.setattr(report, "BACKGROUND_CELLS", 0)
    ok(cli("report", "-c", workspace / "csctl.yaml", "-o", elsewhere))
    assert _members(here / "assessment.xlsx") == _members(elsewhere / "assessment.xlsx")
    for name in ("assessment.md", "assessment.html", "plan.yaml"):
        assert (here / name).read_bytes() == (elsewhere / name).read_bytes(), name

    import csctl.run.background

    real = csctl.run.background.Background

    def no_process(*args: object) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(csctl.run.background, "Background", no_process)  # no second process to be had: here
    ok(cli("report", "-c", workspace / "csctl.yaml", "-o", tmp_path / "fallback"))
    assert _members(here / "assessment.xlsx") == _members(tmp_path / "fallback" / "assessment.xlsx")

    def dies(fn: object, *args: object) -> object:  # the second process killed (out of memory there): written here
        return real(_dies)

    monkeypatch.setattr(csctl.run.background, "Background", dies)
    ok(cli("report", "-c", workspace / "csctl.yaml", "-o", tmp_path / "lost"))
    assert _members(here / "assessment.xlsx") == _members(tmp_path / "lost" / "assessment.xlsx")


def _dies() -> None:
    import os

    os._exit(9)  # no result sent: as a process killed by the system


def _fails(message: str) -> None:
    raise ValueError(message)


def _sleeps(seconds: float) -> str:
    import time

    time.sleep(seconds)
    return "woke"


def test_the_second_process_s_error_is_raised_here_and_stop_ends_it() -> None:
    import time

    from csctl.run.background import Background, Lost

    assert Background(str.upper, "ab").result() == "AB"
    with pytest.raises(ValueError, match="a bad workbook"):
        Background(_fails, "a bad workbook").result()
    with pytest.raises(Lost, match="exit code 9"):
        Background(_dies).result()
    sleeping = Background(_sleeps, 60)
    started = time.monotonic()
    sleeping.stop()  # this process failed meanwhile: the second one does not run on
    assert time.monotonic() - started < 10
    assert not sleeping._process.is_alive()
