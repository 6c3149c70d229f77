"""The workbench's HTML: jinja templates in grader/web/templates, rendered by the reports' own
environment (grader.report.template_environment: the same escaping and filters) and with their
stylesheet (base.css.j2), so a page and a report look like one tool."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from grader.formatting import duration, points, when
from grader.report import template_environment


def url_part(value: str) -> str:
    """A submission id as one URL path segment: every reserved character encoded."""
    return quote(value, safe="")


_env = template_environment("web/templates")
_env.filters["q"] = url_part
_env.filters["points"] = points
_env.filters["when"] = when
_env.filters["duration"] = duration


def page(template: str, **context: Any) -> str:
    """A workbench page: `template` with `context` (each page passes `user`, `csrf`, `here`)."""
    return _env.get_template(template).render(**context)
