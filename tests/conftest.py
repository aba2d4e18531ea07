"""Shared fixtures for the CLI tests: a CliRunner, a small sample company made once per session, ``invoke``."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from csctl.cli.app import app
from csctl.cli.console import state

# Every run is isolated from the developer's environment: no config from $CSCTL_CONFIG or the user's config folder
# (subprocesses inherit os.environ), no colour.
os.environ["XDG_CONFIG_HOME"] = str(Path(__file__).parent / "fixtures" / "no-user-config")
BASE_ENV: dict[str, str | None] = {"CSCTL_CONFIG": None, "NO_COLOR": "1", "FORCE_COLOR": None}

Invoke = Callable[..., Result]


def run_cli(
    runner: CliRunner, *args: object, input: str | bytes | None = None, env: Mapping[str, str | None] | None = None
) -> Result:
    """Run ``csctl ARGS`` in-process; stdout and stderr stay separate (result.stdout / result.stderr)."""
    state.debug = False  # the console state is module-global; --debug in one run must not leak into the next
    return runner.invoke(app, [str(a) for a in args], input=input, env={**BASE_ENV, **(env or {})})


@pytest.fixture(scope="session")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def cli(runner: CliRunner) -> Invoke:
    """``cli(*args, input=None, env=None)`` → the CliRunner result of ``csctl ARGS`` (for module-scoped fixtures)."""

    def _invoke(*args: object, input: str | bytes | None = None, env: Mapping[str, str | None] | None = None) -> Result:
        return run_cli(runner, *args, input=input, env=env)

    return _invoke


@pytest.fixture
def invoke(cli: Invoke) -> Invoke:
    """``invoke(*args, input=None, env=None)`` → the CliRunner result of ``csctl ARGS``."""
    return cli


@pytest.fixture(scope="session")
def sample_dir(cli: Invoke, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small sample company (billing.csv, customers.csv), made once per session by ``csctl sample``."""
    folder = tmp_path_factory.mktemp("sample")
    result = cli("sample", "-o", folder, "--customers", 120, "--months", 30, "--seed", 3)
    assert result.exit_code == 0, result.stderr
    assert (folder / "billing.csv").is_file()
    assert (folder / "customers.csv").is_file()
    return folder


@pytest.fixture(scope="session")
def billing_csv(sample_dir: Path) -> Path:
    return sample_dir / "billing.csv"
