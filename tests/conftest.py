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
    items[:] = longest_files_first(items)


# -- the order of the files ----------------------------------------------------------------------
# `make test` hands whole files to two processes in the order collected (`--dist loadfile
# --no-loadscope-reorder`). xdist's own order, most tests first, left the files with a handful of
# tests that train for minutes (the robustness class, the new exercises, the browser suites) to
# the end, where one process went on alone. Longest first (the classic greedy schedule), the
# short files fill the gaps at the end. The seconds are each file's time in a suite run here,
# measured or estimated from the trainings it does (2026-12-06); a file not listed is short and
# keeps xdist's order after them. Refresh with `pytest --durations=0` when a file grows.
FILE_SECONDS: dict[str, int] = {
    "tests/test_e2e.py": 790,  # 22 real gradings of solutions and mistakes
    "tests/test_corpus.py": 600,  # a batch of 14 real notebooks and modules, then a browser
    "tests/grading/test_hostile.py": 480,  # 89 gradings of attacks (25 import TF), kills
    "tests/test_new_exercises.py": 450,  # the convnet reference trains for minutes
    "tests/classroom/test_robustness_class.py": 330,  # 8 trainings: borderline ones on 3 seeds
    "tests/integrations/test_integrations.py": 500,  # Gradescope's setup.sh: a venv, a training
    "tests/test_docs_examples.py": 300,  # 64 examples, one `grader check` that trains
    "tests/grading/test_mistakes.py": 250,  # 4 real trainings, 4 gradings that crash early
    "tests/web/test_workbench_browser.py": 200,  # a real batch of two, a regrade, Chromium
    "tests/classroom/test_batch.py": 150,  # `grader grade` runs, a resume after SIGKILL
    "tests/classroom/test_executors.py": 120,  # a Dask cluster beside the local executor
    "tests/grading/test_fit_and_lab_graded.py": 100,  # 2 real gradings
    "tests/grading/test_fit_forms.py": 100,  # 19 fit forms twice, 3 tiny gradings
    "tests/spec/test_lab_sandbox.py": 50,  # a tiny grading at each isolation level
    "tests/fuzz/test_fuzz_notebooks.py": 90,
    "tests/grading/test_isolation.py": 60,  # a clone with its venv, a check at namespaces
    "tests/web/test_load.py": 60,  # 2,000 requests while a batch writes
    "tests/web/test_serve.py": 60,
}


def longest_files_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """The items with whole files kept together, the longest files first (stable otherwise)."""
    counts: dict[str, int] = {}
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        counts[path] = counts.get(path, 0) + 1
    position = {path: n for n, path in enumerate(counts)}

    def rank(item: pytest.Item) -> tuple[int, int, int]:
        path = item.nodeid.split("::", 1)[0]
        return (-FILE_SECONDS.get(path, 0), -counts[path], position[path])

    return sorted(items, key=rank)  # stable: a file's own tests keep their order


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
