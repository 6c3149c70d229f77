"""Gradescope's autograder: grade `/autograder/submission/`, write `results/results.json`.

Gradescope copies the student's upload to `submission/` and runs `run_autograder`, which calls
`grader gradescope`. The shipped `gradescope/setup.sh` and `gradescope/run_autograder` are the
two files a course uploads with the grader's source.
"""

from __future__ import annotations

from pathlib import Path

from grader.errors import UsageError
from grader.exports import gradescope_results, write_gradescope
from grader.grading.pipeline import GradeOptions
from grader.grading.seeded import grade_on_seeds
from grader.grading.submissions import SUBMISSION_SUFFIXES
from grader.results import SubmissionResult
from grader.spec.exercise import load_exercise

DEFAULT_ROOT = Path("/autograder")


def find_upload(submission_dir: Path) -> Path:
    """The one notebook or module the student uploaded (notebooks first, then modules)."""
    if not submission_dir.is_dir():
        raise UsageError(f"no submission folder at {submission_dir}")
    found = sorted(
        (p for p in submission_dir.rglob("*") if p.suffix.lower() in SUBMISSION_SUFFIXES),
        key=lambda p: (p.suffix.lower() != ".ipynb", len(p.parts), p.name),
    )
    if not found:
        raise UsageError(f"no .ipynb or .py file in {submission_dir}")
    return found[0]


def run_autograder(root: Path, exercise: str, timeout_s: float | None = None) -> SubmissionResult:
    """Grade the upload under `root` and write Gradescope's results.json; returns the result."""
    upload = find_upload(root / "submission")
    spec = load_exercise(exercise)
    result = grade_on_seeds(upload, spec, GradeOptions(timeout_s=timeout_s))
    write_gradescope(result, root / "results" / "results.json")
    return result


__all__ = ["DEFAULT_ROOT", "find_upload", "gradescope_results", "run_autograder"]
