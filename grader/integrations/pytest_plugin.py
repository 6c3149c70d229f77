"""A pytest plugin: `pytest --grader-exercise mnist_callback submissions/` makes every check of
every submission a test item, so courses on pytest-based autograding get the grader's checks,
names and hints in their usual output and `--junitxml`. Inert without `--grader-exercise`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.formatting import points
from grader.grading.submissions import SUBMISSION_SUFFIXES


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader", "grading TensorFlow exercise submissions")
    group.addoption(
        "--grader-exercise",
        metavar="ID",
        help="grade the .ipynb/.py files given as arguments against this exercise",
    )
    group.addoption(
        "--grader-timeout", type=float, metavar="S", help="wall-clock budget per submission"
    )


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.File | None:
    exercise = parent.config.getoption("--grader-exercise")
    if exercise and file_path.suffix.lower() in SUBMISSION_SUFFIXES:
        return SubmissionFile.from_parent(parent, path=file_path)
    return None


class CheckFailed(Exception):
    """A grader check did not pass; carries the check's message and hint."""


class SubmissionFile(pytest.File):
    """One submission; graded once, on its first check, with the result shared by all."""

    _result: Any = None

    def collect(self) -> Iterator[CheckItem]:
        from grader.spec.exercise import load_exercise

        self.spec = load_exercise(self.config.getoption("--grader-exercise"))
        for check_id in self.spec.check_ids:
            yield CheckItem.from_parent(self, name=check_id)

    def result(self) -> Any:
        if self._result is None:
            from grader.grading.pipeline import GradeOptions
            from grader.grading.seeded import grade_on_seeds

            timeout = self.config.getoption("--grader-timeout")
            self._result = grade_on_seeds(self.path, self.spec, GradeOptions(timeout_s=timeout))
        return self._result


class CheckItem(pytest.Item):
    def runtest(self) -> None:
        assert isinstance(self.parent, SubmissionFile)
        check = next(c for c in self.parent.result().checks if c.id == self.name)
        self.user_properties.append(("score", f"{points(check.score)}/{points(check.max_score)}"))
        if check.status == "skip":
            pytest.skip(check.message)
        if check.status != "pass":
            raise CheckFailed(check.message + (f"\nHint: {check.hint}" if check.hint else ""))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            return f"{self.name}: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.path.name}::{self.name}"
