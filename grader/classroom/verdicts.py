"""Each submission's result where the class shares gradings: a duplicate takes the verdict of
its twin under its own name; a folder without a usable file, or a job on which the grader itself
failed, gets a result that says so plainly."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from grader.classroom.sources import SubmissionSource
from grader.grading.pipeline import unreadable_result
from grader.grading.submissions import SubmissionError
from grader.results import SubmissionResult
from grader.spec.exercise import ExerciseSpec


def problem_result(source: SubmissionSource, spec: ExerciseSpec) -> SubmissionResult:
    """A student folder the grader cannot pick a file from, or a file too big to read."""
    # The folder, not the file: unreadable_result would read a file's bytes for its hash.
    folder = Path(source.path).parent
    result = unreadable_result(folder, spec, SubmissionError(source.problem), source.id)
    return replace(result, path=source.path, sha256="")


def as_submission(result: SubmissionResult, source: SubmissionSource, sha: str) -> SubmissionResult:
    """`result` as the verdict of `source`, which has the same content under another name."""
    mine = replace(result, id=source.id, path=source.path, sha256=sha)
    theirs = Path(result.path).name
    if mine.status != "error" or not theirs or theirs == source.filename:
        return mine

    # An unreadable file's message names the file: name this one.
    def rename(text: str) -> str:
        return text.replace(theirs, source.filename)

    checks = [replace(c, message=rename(c.message)) for c in mine.checks]
    return replace(mine, error=rename(mine.error), checks=checks)


def grader_failure_result(
    source: SubmissionSource, sha: str, spec: ExerciseSpec, failure: str
) -> SubmissionResult:
    """The grader itself failed on this submission (a bug, a lost worker): say so; not cached."""
    message = f"the grader failed on this submission, not your code: {failure}"
    folder = Path(source.path).parent  # not the file: its hash is known already
    result = unreadable_result(folder, spec, SubmissionError(message), source.id)
    checks = [
        replace(c, status="error", message=message) if c.id == "runs" else c for c in result.checks
    ]
    return replace(result, path=source.path, sha256=sha, checks=checks)
