"""bench/floor.py, the bench's "csctl without its measure": it runs csctl's read and checks (and, in parts, the
export-wide pass, the split and the taking of every part's lines), then stops where the measure would start, writing
nothing. A bad value still stops it with csctl's own message: the read it times is the real one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOOR = ROOT / "bench" / "floor.py"
SAMPLE = ROOT / "sample_data" / "billing.csv"


def floor(cwd: Path, *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(FLOOR), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("extra", "said"),
    [((), "lines read, to be measured whole"), (("--partitions", "3"), "to be measured in 3 parts, each taken")],
)
def test_floor_stops_where_the_measure_starts(tmp_path: Path, extra: tuple[str, ...], said: str) -> None:
    billing = tmp_path / "billing.csv"
    shutil.copy(SAMPLE, billing)
    done = floor(tmp_path, billing, *extra)
    assert done.returncode == 0, done.stderr
    assert said in done.stderr
    assert done.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["billing.csv"]  # nothing written


def test_floor_reads_as_csctl_reads(tmp_path: Path) -> None:
    lines = SAMPLE.read_text().splitlines()
    header = lines[0].split(",")
    fields = lines[5].split(",")
    fields[header.index("amount")] = "12O"
    lines[5] = ",".join(fields)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    done = floor(tmp_path, bad)
    assert done.returncode == 1
    assert "row 6" in done.stderr and "'12O'" in done.stderr
    assert "ended before its measure (exit 3)" in done.stderr
