"""The Python entry points: `check` one submission, as the CLI does, and get the result object."""

from __future__ import annotations

from pathlib import Path

from grader.exercises import ExerciseSpec, load_exercise
from grader.pipeline import EventHandler, GradeOptions, detect_exercise, grade_submission
from grader.results import SubmissionResult
from grader.submissions import SubmissionError, load_submission


def resolve_exercise(path: Path, exercise: str | None) -> tuple[ExerciseSpec, bool]:
    """The exercise to grade `path` against, and whether it was detected from the code."""
    if exercise:
        return load_exercise(exercise), False
    try:
        return detect_exercise(load_submission(path)), True
    except SubmissionError as exc:
        from grader.errors import UsageError

        raise UsageError(f"{exc}; its exercise cannot be detected: pass --exercise") from None


def check(
    path: str | Path,
    exercise: str | None = None,
    *,
    timeout: float | None = None,
    isolation: str | None = None,
    on_event: EventHandler | None = None,
) -> SubmissionResult:
    """Grade one notebook or module. In Jupyter the returned result displays as its report.

    >>> from grader import check
    >>> result = check("my_notebook.ipynb")      # doctest: +SKIP
    >>> result.passed, result.score              # doctest: +SKIP
    """
    path = Path(path)
    spec, _ = resolve_exercise(path, exercise)
    return grade_submission(
        path, spec, GradeOptions(timeout_s=timeout, isolation=isolation), on_event=on_event
    )
