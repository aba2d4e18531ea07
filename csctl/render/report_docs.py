"""The assessment as Markdown and as one self-contained HTML page, from Jinja2 templates.

The shipped templates are templates/report/assessment.{md,html}.j2. ``--templates DIR`` overrides either by a
file of the same name; every template renders in Jinja2's sandbox with StrictUndefined, over plain data
(render/report_view.py), so a template can neither reach Python objects nor leave a variable silently empty.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from csctl.errors import ConfigError
from csctl.render.report_view import view
from csctl.resources import resource_dir

if TYPE_CHECKING:
    from csctl.result import Assessment

NAMES = {"markdown": "assessment.md.j2", "html": "assessment.html.j2"}


MAX_SEQUENCE = 100_000  # the longest list or text a template may make by * (the sandbox's own range() limit)
MAX_POWER = 1_000


class InsideLoader(jinja2.FileSystemLoader):
    """Templates from one folder only: a name (``{% include %}``, ``{% extends %}``) or a symbolic link that leads
    out of the folder is not found."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(os.path.realpath(filename))
        if not any(real.is_relative_to(Path(os.path.realpath(root))) for root in self.searchpath):
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


class BoundedSandbox(SandboxedEnvironment):
    """The sandbox, with * and ** bounded: ``[0] * 10**9`` is refused, not allocated."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_POWER:
            raise jinja2.exceptions.SecurityError(f"exponent {right} is over {MAX_POWER}")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(count, int) and len(seq) * count > MAX_SEQUENCE:
                    raise jinja2.exceptions.SecurityError(f"a sequence of over {MAX_SEQUENCE:,} items")
        return super().call_binop(context, operator, left, right)


def environment(templates: Path | None, html: bool) -> SandboxedEnvironment:
    loaders: list[jinja2.BaseLoader] = [InsideLoader(resource_dir("templates") / "report")]
    if templates is not None:
        if not templates.is_dir():
            raise ConfigError(f"--templates {templates}: not a folder")
        loaders.insert(0, InsideLoader(templates))
    return BoundedSandbox(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=html,
        keep_trailing_newline=True,
        trim_blocks=False,
    )


def check_templates(templates: Path) -> None:
    """Load both templates from ``templates`` (falling back to the shipped ones): syntax errors before any work."""
    for fmt, name in NAMES.items():
        try:
            environment(templates, fmt == "html").get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(f"{exc.filename or name}:{exc.lineno}: template syntax error: {exc.message}") from None


def _render(report: Assessment, fmt: str, templates: Path | None) -> str:
    html = fmt == "html"
    env = environment(templates, html)
    name = NAMES[fmt]
    if html:
        from csctl.render.svg import chart_svg

        def chart(c: object, frame: object, currency: str) -> Markup:
            return Markup(chart_svg(c, frame, currency))  # type: ignore[arg-type]

        data = view(report, chart=chart)
    else:
        from csctl.render.safe import markdown

        data = view(report, escape=markdown)
    try:
        template = env.get_template(name)
        return template.render(**data)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"{exc.filename or name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        where = _template_line(exc, name)
        raise ConfigError(f"{where}: {exc.message}", hint=f"variables: {', '.join(sorted(data))}") from None
    except jinja2.exceptions.SecurityError as exc:
        raise ConfigError(f"{_template_line(exc, name)}: not allowed in a template: {exc}") from None
    except jinja2.TemplateNotFound as exc:
        raise ConfigError(
            f"{_template_line(exc, name)}: template {exc.name!r} not found in the templates folder"
        ) from None
    except (ArithmeticError, TypeError, ValueError, LookupError, RecursionError, MemoryError) as exc:
        raise ConfigError(f"{_template_line(exc, name)}: template error: {type(exc).__name__}: {exc}") from None


def _template_line(exc: BaseException, name: str) -> str:
    """file:line of the template frame in the traceback of a rendering error."""
    tb = exc.__traceback__
    where = name
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            where = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def render_markdown(report: Assessment, templates: Path | None = None) -> bytes:
    return _render(report, "markdown", templates).encode("utf-8")


def render_html(report: Assessment, templates: Path | None = None) -> bytes:
    return _render(report, "html", templates).encode("utf-8")
