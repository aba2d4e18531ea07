"""Export and rule-file options for the commands that run on "inputs or a workspace" (value-path, plan, assess,
report): each table an option (``--billing B``), each rule file an option; what is not given comes from the
workspace's csctl.yaml ``exports:`` and ``rules:``."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csctl.cli.options import AllowOutsideOpt

if TYPE_CHECKING:
    from csctl.cli.options import Common
    from csctl.session import Session

EXPORT_HELP = {
    "billing": "Billing or subscriptions export.",
    "customers": "CRM accounts export.",
    "usage": "Product usage export.",
    "tickets": "Support tickets export.",
    "surveys": "Survey (NPS/CSAT) export.",
    "costs": "Cost ledger.",
    "team": "CS team roster.",
    "milestones": "Value-path milestones export.",
    "contacts": "CRM contacts export.",
    "outcomes": "Success outcomes export.",
    "actions": "Actions/activity export (customer_id, play, date[, status]).",
}
# the same export options on the commands that take files only (asis, health)
TicketsOpt = Annotated[str | None, typer.Option("--tickets", metavar="T", help=EXPORT_HELP["tickets"])]
SurveysOpt = Annotated[str | None, typer.Option("--surveys", metavar="S", help=EXPORT_HELP["surveys"])]
RULE_OPTIONS = {
    "segments": ("--segments-rules", "Segment rules."),
    "health": ("--health-rules", "Health scorecards."),
    "personas": ("--personas-rules", "Persona rules."),
    "value_path": ("--value-path", "Value path milestones."),
    "plays": ("--plays", "Plays library."),
    "inventory": ("--inventory", "As-is inventory."),
}


def workspace_inputs(
    tables: tuple[str, ...], rules: tuple[str, ...]
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command one option per table and rule file; it receives them as ``inputs: dict[str, str | None]``
    and ``rule_files: dict[str, Path | None]`` (use ``session_for``)."""

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(func, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name not in ("inputs", "rule_files")]
        extra = [
            inspect.Parameter(
                f"in_{t}",
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[
                    str | None, typer.Option(f"--{t}", metavar="PATH", help=EXPORT_HELP[t], show_default=False)
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
                    typer.Option(RULE_OPTIONS[r][0], metavar="YAML", help=RULE_OPTIONS[r][1], show_default=False),
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


def session_for(
    common: Common, inputs: dict[str, str | None], rule_files: dict[str, Path | None], *, derive: bool = True
) -> Session:
    """The workspace's exports and rule files, with the command's options in their place where given; rule files
    are loaded (and checked) before any data is read."""
    common.one_stdin(*inputs.values())
    session = common.session(workspace_exports=True, derive=derive)
    for table, spec in inputs.items():
        session.add(table, spec)
    for name, path in rule_files.items():
        session.add_rules(name, path)
        session.rules(name)
    return session
