"""The Python entry points: `check` one submission, as the CLI does, and get the result object.

This layer also gives a result its notebook display (`_repr_html_`): the result model stays a
leaf that knows nothing of reports.
"""

from __future__ import annotations

import html
from pathlib import Path

from grader.errors import UsageError
from grader.grading.pipeline import EventHandler, GradeOptions, detect_exercise
from grader.grading.seeded import grade_on_seeds
from grader.grading.submissions import SubmissionError, load_submission
from grader.report import render_report
from grader.results import SubmissionResult
from grader.spec.exercise import ExerciseSpec, load_exercise


def resolve_exercise(path: Path, exercise: str | None) -> tuple[ExerciseSpec, bool]:
    """The exercise to grade `path` against, and whether it was detected from the code."""
    if exercise:
        return load_exercise(exercise), False
    try:
        return detect_exercise(load_submission(path)), True
    except SubmissionError as exc:
        raise UsageError(f"{exc}; its exercise cannot be detected: pass --exercise") from None


def check(
    path: str | Path,
    exercise: str | None = None,
    *,
    timeout: float | None = None,
    isolation: str | None = None,
    on_event: EventHandler | None = None,
    seeds: int | None = None,
) -> SubmissionResult:
    """Grade one notebook or module, a borderline verdict confirmed on the spec's extra seeds
    (`seeds`: every verdict on that many). In Jupyter the result displays as its report.

    >>> from grader import check
    >>> result = check("my_notebook.ipynb")      # doctest: +SKIP
    >>> result.passed, result.score              # doctest: +SKIP
    """
    path = Path(path)
    spec, _ = resolve_exercise(path, exercise)
    options = GradeOptions(timeout_s=timeout, isolation=isolation)
    return grade_on_seeds(path, spec, options, on_event=on_event, seeds=seeds)


def result_html(result: SubmissionResult) -> str:
    """In Jupyter, a result displays as its full HTML report, framed so its styles stay put."""
    page = render_report(result, load_exercise(result.exercise))
    return (
        f'<iframe title="grader report for {html.escape(result.id)}" '
        f'srcdoc="{html.escape(page, quote=True)}" sandbox '
        'style="width:100%;height:640px;border:1px solid #ddd;border-radius:6px"></iframe>'
    )


# Jupyter looks for `_repr_html_` on the object's class: registered here, where reports are known.
SubmissionResult._repr_html_ = result_html  # type: ignore[attr-defined]
