"""The installed ``csctl`` entry point, run as a real process (DESIGN.md §6)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from csctl import __version__

PY = Path(sys.executable)
CSCTL = PY.parent / "csctl"
ENV = {**{k: v for k, v in os.environ.items() if k not in ("CSCTL_CONFIG", "FORCE_COLOR")}, "NO_COLOR": "1"}


def run(*args: object, cwd: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """``csctl ARGS`` with stdout and stderr captured (so stdout is a pipe, not a terminal)."""
    return subprocess.run(
        [str(CSCTL), *map(str, args)],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=60,
        cwd=cwd,
        env=ENV,
        check=False,
    )


def test_entry_point_is_installed() -> None:
    assert CSCTL.is_file(), f"no csctl next to {PY}"
    assert os.access(CSCTL, os.X_OK)


def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.decode().startswith(f"csctl {__version__} (Polars ")  # what a bug report needs
    assert done.stderr == b""


def test_help_lists_the_commands() -> None:
    done = run("--help")
    assert done.returncode == 0
    text = done.stdout.decode()
    assert "numbers" in text
    assert "sample" in text
    assert "Exit codes" in text


def test_no_arguments_shows_help_without_error() -> None:
    done = run()
    assert "numbers" in (done.stdout + done.stderr).decode()
    assert b"Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("argv", "heavy"),
    [
        (["--help"], ("csctl.cli.numbers",)),
        # a command's help reads its options only: none of its data dependencies, and no pydantic (the option
        # parser coerces values without it; importing it alone costs a tenth of a second)
        (["numbers", "--help"], ()),
    ],
)
def test_help_does_not_import_heavy_modules(argv: list[str], heavy: tuple[str, ...]) -> None:
    """``csctl --help`` stays fast: no polars (nor xlsxwriter, openpyxl, jinja2, fastexcel, pydantic) is imported."""
    heavy = ("polars", "numpy", "xlsxwriter", "openpyxl", "jinja2", "fastexcel", "pyarrow", "pydantic", *heavy)
    code = (
        "import sys\n"
        f"sys.argv = ['csctl', *{argv!r}]\n"
        "from csctl.cli.app import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"heavy = {heavy!r}\n"
        "sys.stderr.write('LOADED:' + ','.join(m for m in heavy if m in sys.modules) + '\\n')\n"
    )
    done = subprocess.run([str(PY), "-c", code], capture_output=True, timeout=60, env=ENV, check=False)
    assert b"numbers" in done.stdout
    loaded = done.stderr.decode().split("LOADED:", 1)[1].strip()
    assert loaded == "", f"csctl {' '.join(argv)} imported {loaded}"


@pytest.fixture(scope="module")
def billing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("entry")
    done = run("sample", "-o", folder, "--customers", 40, "--months", 14, "--seed", 5)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""  # messages go to stderr
    assert b"wrote" in done.stderr
    return folder / "billing.csv"


def test_bad_file_exits_3_without_traceback(tmp_path: Path, billing: Path) -> None:
    bad = tmp_path / "bad.csv"
    lines = billing.read_text().splitlines()
    header = lines[0].split(",")
    fields = lines[3].split(",")
    fields[header.index("amount")] = "twelve"
    lines[3] = ",".join(fields)
    bad.write_text("\n".join(lines) + "\n")
    done = run("numbers", bad)
    assert done.returncode == 3
    assert done.stdout == b""
    assert b"Traceback" not in done.stderr
    assert b"row 4" in done.stderr
    assert b"'twelve'" in done.stderr
    missing = run("numbers", tmp_path / "nope.csv")
    assert missing.returncode == 3
    assert b"Traceback" not in missing.stderr


def test_pipe_output_is_csv(billing: Path) -> None:
    """auto format: stdout is a pipe here, so the output is CSV, not a table."""
    done = run("numbers", billing)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    assert text.startswith("section,metric,label,value,unit\n")
    assert "┃" not in text and "━" not in text and "\x1b[" not in text
    assert done.stderr == b""
    assert text == run("numbers", billing, "-f", "csv").stdout.decode()


def test_pipeline_through_stdin(billing: Path) -> None:
    """``cat billing.csv | csctl numbers - -f csv`` gives what the path gives."""
    by_path = run("numbers", billing, "--view", "bridge")
    by_pipe = run("numbers", "-", "--view", "bridge", stdin=billing.read_bytes())
    assert by_pipe.returncode == 0, by_pipe.stderr
    assert by_pipe.stdout == by_path.stdout
    assert by_pipe.stdout.startswith(b"month,mrr_start,")


def test_internal_errors_and_usage_errors_have_no_traceback(billing: Path) -> None:
    done = run("numbers", billing, "--view", "nope")
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr
    done = run("nosuchcommand")
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize(("given", "kept"), [(None, "1"), ("3", "3")])
def test_numpy_blas_runs_one_thread_unless_told(billing: Path, given: str | None, kept: str) -> None:
    """numpy's BLAS starts a spinning thread per core when it loads (0.1 s of CPU on every command, for matrix
    products csctl never makes): csctl asks for one before numpy loads, unless OPENBLAS_NUM_THREADS is set."""
    code = (
        "import os, sys\n"
        f"sys.argv = ['csctl', 'numbers', {str(billing)!r}, '-f', 'csv']\n"
        "from csctl.cli.app import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write('NUMPY:' + str('numpy' in sys.modules) + ' BLAS:' + os.environ['OPENBLAS_NUM_THREADS'])\n"
    )
    env = {k: v for k, v in ENV.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    done = subprocess.run([str(PY), "-c", code], capture_output=True, timeout=60, env=env, check=False)
    assert done.stderr.decode().endswith(f"NUMPY:True BLAS:{kept}"), done.stderr
