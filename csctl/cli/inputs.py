"""Export and rule-file options for the commands that run on "inputs or a workspace" (value-path, plan, assess):
each table an option (``--billing B``), each rule file an option, as the catalogue (csctl/run/catalogue.py) names
them; what is not given comes from the workspace's csctl.yaml ``exports:`` and ``rules:``."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csctl.cli.options import AllowOutsideOpt
from csctl.run.catalogue import EXPORTS, RULES

if TYPE_CHECKING:
    from csctl.cli.options import Common
    from csctl.run.inputs import Run

# the same export options on the commands that take files only (asis, health, opportunity)
TicketsOpt = Annotated[str | None, typer.Option("--tickets", metavar="T", help=EXPORTS["tickets"].help)]
SurveysOpt = Annotated[str | None, typer.Option("--surveys", metavar="S", help=EXPORTS["surveys"].help)]
UsageOpt = Annotated[str | None, typer.Option("--usage", metavar="U", help=EXPORTS["usage"].help)]
ContactsOpt = Annotated[str | None, typer.Option("--contacts", metavar="C", help=EXPORTS["contacts"].help)]
MilestonesOpt = Annotated[str | None, typer.Option("--milestones", metavar="M", help=EXPORTS["milestones"].help)]


def workspace_inputs(
    tables: tuple[str, ...], rules: tuple[str, ...]
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command one option per table and rule file; it receives them as ``inputs: dict[str, str | None]``
    and ``rule_files: dict[str, Path | None]`` (use ``run_for``)."""

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(func, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name not in ("inputs", "rule_files")]
        extra = [
            inspect.Parameter(
                f"in_{t}",
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[
                    str | None,
                    typer.Option(EXPORTS[t].option, metavar="PATH", help=EXPORTS[t].help, show_default=False),
                ],
            )
            for t in tables
        ] + [
            inspect.Parameter(
                f"rules_{r}",
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[
                    Path | None,
                    typer.Option(RULES[r].flag, metavar="YAML", help=RULES[r].help, show_default=False),
                ],
            )
            for r in rules
        ]
        extra.append(
            inspect.Parameter(
                "allow_outside", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=AllowOutsideOpt
            )
        )

        @functools.wraps(func)
        def command(**kwargs: object) -> None:
            inputs = {t: kwargs.pop(f"in_{t}") for t in tables}
            rule_files = {r: kwargs.pop(f"rules_{r}") for r in rules}
            common = kwargs["common"]
            common.allow_outside = bool(kwargs.pop("allow_outside"))  # type: ignore[attr-defined]
            func(inputs=inputs, rule_files=rule_files, **kwargs)

        params = [*own[:-1], *extra, own[-1]] if own and own[-1].name == "common" else [*own, *extra]
        command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
        return command

    return decorate


def run_for(common: Common, inputs: dict[str, str | None], rule_files: dict[str, Path | None]) -> Run:
    """A workspace run: the workspace's exports and rule files, with the command's options in their place where
    given; rule files are loaded (and checked) before any data is read."""
    common.one_stdin(*inputs.values())
    run = common.run(workspace=True)
    for table, spec in inputs.items():
        run.add(table, spec)
    for name, path in rule_files.items():
        run.add_rules(name, path)
        run.rules(name)
    return run
