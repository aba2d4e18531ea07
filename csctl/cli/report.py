"""csctl report: the ten-step assessment of a workspace as assessment.md, assessment.xlsx and assessment.html."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csctl.cli.options import (
    AllowOutsideOpt,
    AsOfOpt,
    ColorOpt,
    Common,
    ConfigOpt,
    DebugOpt,
    HistoryStartsOpt,
    QuietOpt,
    SkipBadOpt,
    VerboseOpt,
    examples,
)

if TYPE_CHECKING:
    from csctl.result import Assessment
    from csctl.run.background import Background

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)

# a workbook of this many cells or more is written in a second process while the documents are rendered (below,
# the second process's start costs more than it saves)
BACKGROUND_CELLS = 500_000


@app.command(
    "report",
    epilog=examples("csctl report -o report/", "csctl report -c client/csctl.yaml -o client/report --as-of 2024-06"),
    help=(
        "Run every step on the workspace (csctl.yaml: its exports and rule files) and write OUTDIR/assessment.md, "
        "assessment.xlsx (a summary sheet, a sheet per step, native charts) and assessment.html (one self-contained "
        "page, charts inline), plus plan.yaml (step 9's pick, for csctl assess). Steps whose exports are missing "
        "are listed as open questions for the client. --templates DIR overrides the Markdown/HTML templates "
        "(rendered in Jinja2's sandbox)."
    ),
)
def report(
    output: Annotated[
        Path, typer.Option("-o", "--output", metavar="OUTDIR", help="Folder to write the assessment into.")
    ],
    templates: Annotated[
        Path | None,
        typer.Option("--templates", metavar="DIR", help="assessment.md.j2 / assessment.html.j2 to use instead."),
    ] = None,
    config: ConfigOpt = None,
    allow_outside: AllowOutsideOpt = False,
    as_of: AsOfOpt = None,
    history_starts: HistoryStartsOpt = None,
    skip_bad_rows: SkipBadOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    color: ColorOpt = "auto",
    debug: DebugOpt = False,
) -> None:
    from csctl.cli.console import info, steps_progress
    from csctl.cli.options import refuse_overwriting_inputs
    from csctl.errors import UsageError
    from csctl.run import assessment

    common = Common(
        config_path=config,
        as_of=as_of,
        history_starts=history_starts,
        quiet=quiet,
        verbose=verbose,
        color=color,
        debug=debug,
        skip_bad_rows=skip_bad_rows,
        allow_outside=allow_outside,
    )
    if output.exists() and not output.is_dir():
        raise UsageError(f"-o {output}: not a folder")
    workspace = common.workspace()
    if workspace.builtin:
        raise UsageError(
            "no workspace: give -c csctl.yaml, set $CSCTL_CONFIG, or run in a folder with csctl.yaml",
            hint="csctl init DIR writes one for a folder of exports",
        )
    run = common.run(workspace=True)
    from csctl.run.catalogue import RULES

    for name in RULES:
        run.rules(name)  # every rule file checked before any data is read
    if templates is not None:  # template errors before the work
        from csctl.render.report_docs import check_templates

        check_templates(templates)
    outputs = {
        "md": output / "assessment.md",
        "xlsx": output / "assessment.xlsx",
        "html": output / "assessment.html",
        "plan": output / "plan.yaml",
    }
    for path in outputs.values():
        refuse_overwriting_inputs(path, run.specs())
    with steps_progress(len(assessment.STEPS) + 3) as advance:
        built = assessment.build(run, workspace=str(workspace.path), on_step=advance)
        from csctl.render import report_docs, report_xlsx

        # every file rendered in memory first: a template error leaves the folder as it was. A large workbook is
        # written in a second process meanwhile (the same bytes: a test compares them)
        workbook = None
        if report_xlsx.cells(built) >= BACKGROUND_CELLS:
            from csctl.run.background import Background

            try:
                workbook = Background(report_xlsx.render, built)
            except OSError:  # no second process to be had here (a limit on processes): written in this one
                workbook = None
        try:
            advance("writing assessment.md")
            files = {"md": report_docs.render_markdown(built, templates)}
            advance("writing assessment.html")
            files["html"] = report_docs.render_html(built, templates)
            if built.plan is not None:
                from csctl.config.plays import dump_plan

                files["plan"] = dump_plan(built.plan)
            advance("writing assessment.xlsx")
            files["xlsx"] = _workbook(workbook, built)
        finally:
            if workbook is not None:
                workbook.stop()
        # the folder's files replaced as one set: never a new assessment beside an old plan.yaml
        from csctl.errors import InputError
        from csctl.io.write import replace_folder

        try:
            output.resolve().parent.mkdir(parents=True, exist_ok=True)
            replace_folder(
                output, {outputs[key].name: data for key, data in files.items()}, {p.name for p in outputs.values()}
            )
        except OSError as exc:
            raise InputError(f"-o {output}: cannot write: {exc.strerror or exc}") from None
    opened = len(built.open_questions)
    info(
        f"wrote {outputs['md']}, {outputs['xlsx'].name}, {outputs['html'].name}"
        + (", plan.yaml" if built.plan is not None else "")
        + (f"; {opened} open question{'' if opened == 1 else 's'} for the client" if opened else "")
    )


def _workbook(workbook: Background[bytes] | None, built: Assessment) -> bytes:
    """The workbook from the second process; written here when there was none, or it ended without a result
    (killed, or out of memory there): the same bytes either way."""
    from csctl.render import report_xlsx
    from csctl.run.background import Lost

    if workbook is not None:
        try:
            return workbook.result()
        except Lost:
            pass
    return report_xlsx.render(built)
