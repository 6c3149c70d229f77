"""The course lab's environment inside the sandbox, at every isolation level (issue 30): the lab's
variables (`COURSE_ROOT`), the working folder, and TensorBoard writing its logs."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from paths import SUBMISSIONS

from grader.grading.pipeline import GradeOptions, grade_submission
from grader.grading.sandbox.levels import LEVELS
from grader.spec.environment import EnvironmentSpec
from grader.spec.exercise import load_exercise

pytestmark = pytest.mark.integration  # each case grades a tiny module in a child

# Like the lab's template: the data path built from COURSE_ROOT, then TensorBoard callbacks.
LAB_HABITS = SUBMISSIONS / "lab_environment" / "course_root_tensorboard.py"


@pytest.mark.parametrize("level", list(LEVELS))
def test_the_labs_variables_and_tensorboard_work_at_every_level(tmp_path: Path, level: str) -> None:
    usable, why = LEVELS[level].available()
    assert usable, why
    result = grade_submission(
        LAB_HABITS,
        load_exercise("mnist_callback"),
        GradeOptions(isolation=level, exact_isolation=True, timeout_s=300),
    )
    assert result.isolation == level
    runs = next(c for c in result.checks if c.id == "runs")
    assert runs.status == "pass", (runs.message, result.output[-2000:])
    assert "course root is the working folder: True" in result.output
    assert "COURSE_ROOT/logs event files: 1" in result.output, result.output[-2000:]
    assert "/tmp event files: 1" in result.output


def test_a_variant_without_the_variable_fails_as_the_lab_would(tmp_path: Path) -> None:
    """`variables = {}`: the spec, not the grader's code, decides what the lab provides."""
    submission = tmp_path / "reads_root.py"
    submission.write_text('import os\nprint(os.environ["COURSE_ROOT"])\n', encoding="utf-8")
    spec = load_exercise("mnist_callback")
    provided = grade_submission(submission, spec, GradeOptions(timeout_s=60))
    assert "KeyError" not in (provided.error or ""), provided.error
    bare = replace(spec, environment=EnvironmentSpec(variables=()))
    withheld = grade_submission(submission, bare, GradeOptions(timeout_s=60))
    runs = next(c for c in withheld.checks if c.id == "runs")
    assert "KeyError: 'COURSE_ROOT'" in runs.message


def test_doctor_shows_the_labs_variables() -> None:
    grader = Path(sys.executable).parent / "grader"
    proc = subprocess.run(
        [str(grader), "doctor"], capture_output=True, text=True, timeout=300, check=False
    )
    out = " ".join(proc.stdout.split())
    assert "environment mnist_callback:" in out, proc.stderr[-1000:]
    assert "lab variables: COURSE_ROOT={work}" in out
