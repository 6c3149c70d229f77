"""`grader override`: record, list and remove human corrections, then re-render the reports."""

from __future__ import annotations

from pathlib import Path

from grader.classroom.classbook import regenerate
from grader.classroom.gradebook import FILENAME, Gradebook, current_user, now
from grader.classroom.overrides import WHOLE, Override, automatic
from grader.errors import UsageError
from grader.formatting import points
from grader.results import SubmissionResult


def _open(out_dir: Path, gradebook: Path | None) -> Gradebook:
    path = gradebook or out_dir / FILENAME
    if not path.is_file():
        raise UsageError(f"no gradebook at {path} (grade the class first, or --gradebook)")
    return Gradebook(path)


def _find(results: list[SubmissionResult], submission: str) -> SubmissionResult:
    for wanted in (
        lambda r: r.id == submission,
        lambda r: r.id.casefold() == submission.casefold(),
    ):
        found = [r for r in results if wanted(r)]
        if len(found) == 1:
            return found[0]
    ids = ", ".join(r.id for r in results[:12])
    raise UsageError(f"no submission {submission!r} in the last graded class (ids: {ids}...)")


def set_override(
    out_dir: Path,
    submission: str,
    check: str,
    score: float | None,
    reason: str,
    remove: bool = False,
    gradebook: Path | None = None,
    user: str | None = None,
    expected: int | None = None,
) -> str:
    """Record (or remove) one override and write the reports again; returns what was done.

    `user` is who makes it (default: the OS user); with `expected`, the change is made only if
    the submission's corrections are still at that version (else `StaleVersion`)."""
    with _open(out_dir, gradebook) as book:
        run_id = book.latest_run(None, str(out_dir.resolve()))
        if run_id is None:
            raise UsageError(f"the gradebook of {out_dir} has no graded class")
        base = _find(book.class_results(run_id), submission)
        what = f"check {check}" if check else "the score"
        if remove:
            if not book.remove_override(base.exercise, base.id, check, user, expected):
                raise UsageError(f"{base.id} has no override of {what}")
            message = f"removed the override of {what} of {base.id}"
        else:
            if score is None or not reason.strip():
                raise UsageError("give the points (--score) and the reason (--reason)")
            auto = automatic(base, check)
            if auto is None:
                checks = ", ".join(c.id for c in base.checks)
                raise UsageError(f"{base.id} has no check {check!r} (checks: {checks})")
            top = (
                base.max_score
                if check == WHOLE
                else next(c.max_score for c in base.checks if c.id == check)
            )
            if not 0 <= score <= top:
                raise UsageError(f"the score of {what} must be between 0 and {points(top)}")
            book.add_override(
                Override(
                    0,
                    base.exercise,
                    base.id,
                    check,
                    score,
                    auto[0],
                    auto[1],
                    reason.strip(),
                    user or current_user(),
                    now(),
                ),
                expected,
            )
            message = (
                f"{base.id}: {what} set to {points(score)} (automatic: {auto[1]} {points(auto[0])})"
            )
        exercise = base.exercise
    regenerate(out_dir, gradebook, exercise)
    return message + f"; reports in {out_dir}/ written again"


def list_overrides(out_dir: Path, gradebook: Path | None = None) -> list[str]:
    with _open(out_dir, gradebook) as book:
        found = book.overrides()
    if not found:
        return ["no overrides"]
    return [
        f"{o.exercise} {o.submission_id} {o.check or '(score)'}: {points(o.auto_score)} -> "
        f"{points(o.score)} by {o.user} at {o.at}: {o.reason}"
        for o in found
    ]
