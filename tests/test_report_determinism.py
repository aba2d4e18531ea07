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
