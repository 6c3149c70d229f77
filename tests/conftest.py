"""Shared fixtures: each real submission is graded once per test run, whichever tests ask."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from paths import ROOT

from grader.results import SubmissionResult
from grader.spec.exercise import load_exercise


@pytest.fixture(scope="session")
def graded() -> Callable[[str, str], SubmissionResult]:
    """`graded("solutions/x.py", "exercise_id")`: the grading of that file, done once."""
    from grader.grading.pipeline import grade_submission

    done: dict[tuple[str, str], SubmissionResult] = {}

    def grade(path: str, exercise: str) -> SubmissionResult:
        key = (path, exercise)
        if key not in done:
            done[key] = grade_submission(ROOT / path, load_exercise(exercise))
        return done[key]

    return grade
