"""A class's summary, counted in SQL: what the workbench's home page lists for each class and a
class page's header shows. Only the few submissions with an override in force are decoded (their
final result is not their stored one); a class of 100,000 costs a few index reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.classroom.gradebook import Gradebook
from grader.classroom.overrides import finalize


@dataclass(frozen=True)
class ClassSummary:
    """One class's figures, the roster's missing students left out of the first two."""

    handed_in: int  # submissions
    passed: int  # after overrides
    overrides: int  # in force on the class's submissions
    comments: dict[str, int]  # comments per submission id (of the exercise)


def class_summary(book: Gradebook, run_id: int, exercise: str) -> ClassSummary:
    """The run's summary: its rows' `passed` (before overrides) counted from an index, then
    corrected for the submissions a human overrode, decoded and finalized as a page shows them."""
    handed, passed = book.handed_and_passed(run_id)
    corrected = book.overridden_ids(exercise, run_id)
    if corrected:
        overrides = book.overrides(exercise)  # human work: a few rows, read whole
        for base in book.class_results_of(run_id, corrected):
            passed += int(finalize(base, overrides).passed) - int(base.passed)
    return ClassSummary(
        handed, passed, book.overrides_in_force(exercise, run_id), book.comment_counts(exercise)
    )
