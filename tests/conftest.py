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
        if not any(item.get_closest_marker(m) for m in ("integration", "slow", "fuzz")):
            item.add_marker(pytest.mark.unit)


# -- the fuzz tier -------------------------------------------------------------------------------
# Property-based tests of the readers (Hypothesis), marked `fuzz`: like unit tests they start no
# child process. In the suite and CI they run the "ci" profile, a fixed budget with a fixed seed
# (derandomized: the same examples every run); `make fuzz` runs the "long" profile, many more
# examples from a random seed. A failure found becomes an `@example` on its test.
try:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "ci",
        max_examples=200,
        derandomize=True,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile(
        "long",
        max_examples=5_000,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile(os.environ.get("GRADER_FUZZ_PROFILE", "ci"))
except ImportError:  # hypothesis is a dev dependency; the fuzz modules import it themselves
    pass


class ChildProcessInUnitTest(AssertionError):
    pass


@pytest.fixture(autouse=True)
def _unit_tests_start_no_child(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not any(request.node.get_closest_marker(m) for m in ("unit", "fuzz")):
        return

    def refuse(self: object, args: object, *rest: object, **kwargs: object) -> None:
        raise ChildProcessInUnitTest(
            f"a unit test started a child process ({args!r}): mark its module `integration`"
        )

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
