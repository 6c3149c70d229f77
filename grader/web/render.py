"""The workbench's HTML: jinja templates in grader/web/templates, rendered with the reports'
settings (autoescape on, invisible and bidi characters written as escapes, the same filters)
and the reports' own stylesheet (base.css.j2), so a page and a report look like one tool."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from grader.formatting import duration, points, when
from grader.report import code_spans, finalize_text, svg_number


def url_part(value: str) -> str:
    """A submission id as one URL path segment: every reserved character encoded."""
    return quote(value, safe="")


_env = Environment(
    loader=ChoiceLoader(
        [PackageLoader("grader", "web/templates"), PackageLoader("grader", "report/templates")]
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=finalize_text,
)
_env.filters["q"] = url_part
_env.filters["points"] = points
_env.filters["when"] = when
_env.filters["code_spans"] = code_spans
_env.filters["num"] = svg_number
_env.filters["duration"] = duration


def page(template: str, **context: Any) -> str:
    """A workbench page: `template` with `context` (each page passes `user`, `csrf`, `here`)."""
    return _env.get_template(template).render(**context)
