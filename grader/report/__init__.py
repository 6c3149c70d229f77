"""HTML reports, rendered with jinja2 from the result model; self-contained, all text escaped."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from grader.exercises import ExerciseSpec
from grader.results import GradeReport, SubmissionResult

_env = Environment(
    loader=PackageLoader("grader", "report/templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_report(result: SubmissionResult, spec: ExerciseSpec) -> str:
    return _env.get_template("submission.html.j2").render(result=result, spec=spec)


def write_report(result: SubmissionResult, spec: ExerciseSpec, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(result, spec), encoding="utf-8")
    return path


def write_index(report: GradeReport, links: dict[str, str], path: Path) -> Path:
    html = _env.get_template("index.html.j2").render(report=report, links=links)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
