"""HTML reports, rendered with jinja2 from the result model: one page per submission and a class
overview. Self-contained (inline CSS and SVG, no network), readable on a phone.

Safety: everything a submission produced (its name, output, messages, code) is untrusted. The
templates autoescape every value, a `finalize` hook writes invisible and bidi characters as
escapes, and each page carries a Content-Security-Policy that forbids any script but our own
(the report pages have none; the index allows exactly its inline script, by hash).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from grader.report.class_view import RosterView, index_page
from grader.report.submission_view import Note, submission_page
from grader.report.text import clean
from grader.results import GradeReport, SubmissionResult
from grader.spec.exercise import ExerciseSpec

__all__ = [
    "DOWNLOADS",
    "SIMILARITY_PAGE",
    "RosterView",
    "render_index",
    "render_report",
    "template_environment",
    "write_index",
    "write_report",
    "write_similarity_page",
]

# Files an index links to when they sit beside it (written by grader.exports).
DOWNLOADS = ("results.json", "grades.csv", "junit.xml", "canvas.csv", "moodle.csv")
SIMILARITY_PAGE = "similarity.html"


def finalize_text(value: Any) -> Any:
    """Jinja's finalize hook: invisible and direction-changing characters shown as escapes."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean(value)
    return value


def svg_number(value: float) -> str:
    """A coordinate for SVG: short, locale-free."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def code_spans(text: str) -> Markup:
    """A hint as HTML: escaped first (hints carry values from student code), then each
    `backticked` span shown as code. An unpaired backtick stays as written."""
    parts = str(escape(clean(text))).split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: the last one has no partner
        parts[-2:] = [parts[-2] + "`" + parts[-1]]
    html = "".join(f"<code>{part}</code>" if i % 2 else part for i, part in enumerate(parts))
    return Markup(html)


def template_environment(*first: str) -> Environment:
    """The one way pages are rendered: autoescape on, invisible and bidi characters written as
    escapes, the reports' filters; templates looked up in the package folders `first` (the
    workbench's), then the reports' own (their stylesheet and partials)."""
    folders = [*first, "report/templates"]
    env = Environment(
        loader=ChoiceLoader([PackageLoader("grader", folder) for folder in folders]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=finalize_text,
    )
    env.filters["num"] = svg_number
    env.filters["code_spans"] = code_spans
    return env


_env = template_environment()


@cache
def _index_script() -> tuple[str, str]:
    """The index page's inline script and its CSP source expression."""
    script = _env.get_template("index.js.j2").render()
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return script, f"'sha256-{digest}'"


def _write(path: Path, html: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # `replace`: a lone surrogate from undecodable output must not stop the report being written.
    path.write_text(html, encoding="utf-8", errors="replace")
    return path


def render_report(
    result: SubmissionResult, spec: ExerciseSpec, comments: Sequence[Note] = ()
) -> str:
    """The report page of one submission, as a self-contained HTML document. `comments` (the
    instructor's notes for the student) appear only when given: released feedback has them, the
    class folder's reports do not."""
    page = submission_page(result, spec, comments)
    return _env.get_template("submission.html.j2").render(page=page, csp_script="'none'")


def write_report(result: SubmissionResult, spec: ExerciseSpec, path: Path) -> Path:
    return _write(path, render_report(result, spec))


def _title(exercise: str) -> str:
    from grader.errors import UsageError
    from grader.spec.exercise import load_exercise

    try:
        return load_exercise(exercise).title
    except (UsageError, OSError):
        return exercise


def render_index(
    report: GradeReport,
    links: Mapping[str, str],
    downloads: list[str] | None = None,
    roster: RosterView | None = None,
    similarity: str = "",
) -> str:
    """The class overview: all submissions, summary figures, histogram, common failures."""
    page = index_page(
        report, links, _title(report.exercise), list(downloads or []), roster, similarity
    )
    script, source = _index_script()
    return _env.get_template("index.html.j2").render(
        page=page, script=Markup(script), csp_script=source
    )


def write_index(
    report: GradeReport,
    links: Mapping[str, str],
    path: Path,
    roster: RosterView | None = None,
) -> Path:
    """Write the class overview; it links the export files and the similarity page already
    written beside it."""
    downloads = [name for name in DOWNLOADS if (path.parent / name).is_file()]
    similarity = SIMILARITY_PAGE if (path.parent / SIMILARITY_PAGE).is_file() else ""
    return _write(path, render_index(report, links, downloads, roster, similarity))


def write_similarity_page(report: Any, path: Path) -> Path:
    """The similarity report (a grader.classroom.similarity.SimilarityReport) as its own page."""
    html = _env.get_template("similarity.html.j2").render(
        page=report, title=_title(report.exercise), csp_script="'none'"
    )
    return _write(path, html)
