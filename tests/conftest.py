"""Shared fixtures: each real submission is graded once per test run, whichever tests ask."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

import pytest
from paths import ROOT

from grader.grading.cores import ENV, available_cores
from grader.results import SubmissionResult
from grader.spec.exercise import load_exercise

# Test processes side by side (`make test`: pytest-xdist) share the machine's cores: each one's
# gradings get their share (GRADER_CPUS, inherited by every grader the tests start), as a batch
# splits them between its workers. Oversubscribed TensorFlow threads only wait for each other.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
if _WORKERS > 1 and ENV not in os.environ:
    os.environ[ENV] = str(max(1, available_cores() // _WORKERS))


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


# -- tiers ---------------------------------------------------------------------------------------
# A test is `unit` unless marked `integration` or `slow` (one module at a time, with
# `pytestmark`). A unit test that starts a child process fails: the tier's promise is enforced,
# not hoped for.


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not any(item.get_closest_marker(m) for m in ("integration", "slow")):
            item.add_marker(pytest.mark.unit)


class ChildProcessInUnitTest(AssertionError):
    pass


@pytest.fixture(autouse=True)
def _unit_tests_start_no_child(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if request.node.get_closest_marker("unit") is None:
        return

    def refuse(self: object, args: object, *rest: object, **kwargs: object) -> None:
        raise ChildProcessInUnitTest(
            f"a unit test started a child process ({args!r}): mark its module `integration`"
        )

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
