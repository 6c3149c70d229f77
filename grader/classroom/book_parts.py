"""What the gradebook writes for one class row: the row itself, its checks, its training
accuracy per epoch and its review items (`class_rows`, `class_checks`, `class_epochs`,
`class_items`), each as a tuple in its table's column order, from the row's result before
overrides. grader.classroom.book_rows writes them as each verdict lands and the migration
fills them in for an older gradebook.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grader.classroom.feedback import row_feedback
from grader.classroom.item_analysis import accuracy_curve
from grader.classroom.review import KINDS, ReviewItem, row_items
from grader.results import SubmissionResult


def sort_key(result: SubmissionResult) -> str:
    """The class's listing order as one text: submissions by id (case folded), then the roster's
    missing students; the id itself breaks ties and makes every key distinct."""
    return f"{int(result.status == 'missing')}{result.id.casefold()}\0{result.id}"


ROW_COLUMNS = (
    "run_id, submission_id, student_id, student_name, match_rule, status, submitted_at, "
    "time_source, late_percent, raw_score, max_score, result, passed, score, sort_key, row_key, "
    "feedback_key, layouts, duration_s, seeds_agreed"
)
CHECK_COLUMNS = (
    "run_id, submission_id, check_id, status, score, max_score, position, hint_id, hint, "
    "row_total, handed"
)
EPOCH_COLUMNS = "run_id, submission_id, epoch, accuracy"
ITEM_COLUMNS = (
    "run_id, submission_id, item, kind, rank, sort_key, fingerprint, reason, figures, others"
)
# What belongs to a class row besides itself, and which part of it goes with the row: a row's
# similar pairs are the run's, written at its end (grader.classroom.book_review).
PARTS = (
    ("class_checks", CHECK_COLUMNS, ""),
    ("class_epochs", EPOCH_COLUMNS, ""),
    ("class_items", ITEM_COLUMNS, " AND kind != 'similar'"),
)


@dataclass(frozen=True)
class RowParts:
    """A class row as the gradebook's tables hold it: the row, its checks, its training
    accuracy per epoch and its review items, each a tuple in its table's column order."""

    row: tuple[Any, ...]
    checks: list[tuple[Any, ...]]
    epochs: list[tuple[Any, ...]]
    items: list[tuple[Any, ...]]


def item_row(run_id: int, item: ReviewItem, order: str) -> tuple[Any, ...]:
    """A review item as a `class_items` row (`order`: its submission's sort key)."""
    return (
        run_id, item.submission_id, item.key, item.kind, list(KINDS).index(item.kind), order,
        item.fingerprint, item.reason, json.dumps(item.figures, ensure_ascii=False),
        json.dumps(list(item.others), ensure_ascii=False),
    )  # fmt: skip


def row_parts(run_id: int, r: SubmissionResult, key: str) -> RowParts:
    """Everything written for one class row (its result before overrides, `key` its row_key)."""
    adj = r.adjustments
    student = adj.student if adj else None
    late = adj.late if adj else None
    feedback_key, layouts = row_feedback(r)
    order = sort_key(r)
    row = (
        run_id, r.id, student.id if student else None, student.name if student else None,
        student.rule if student else None, r.status, late.submitted_at if late else None,
        late.time_source if late else None, late.penalty_percent if late else None,
        adj.raw_score if adj else r.score, r.max_score, json.dumps(r.to_dict(), ensure_ascii=False),
        int(r.passed), r.score, order, key, feedback_key, layouts, r.duration_s,
        int(r.robustness is not None and r.robustness.agreed),
    )  # fmt: skip
    total, handed = sum(c.score for c in r.checks), int(r.status != "missing")
    checks = [
        (run_id, r.id, c.id, c.status, c.score, c.max_score, place, c.hint_id or "", c.hint or "",
         total, handed)
        for place, c in enumerate(r.checks)
    ]  # fmt: skip
    epochs = [(run_id, r.id, epoch, value) for epoch, value in accuracy_curve(r)]
    items = [item_row(run_id, item, order) for item in row_items(r)]
    return RowParts(row, checks, epochs, items)


def write_parts(
    db: sqlite3.Connection, run_id: int, ids: Sequence[str], written: Sequence[RowParts]
) -> None:
    """The rows' checks, epochs and items in place of what the rows had in this run."""
    for (table, columns, extra), part in zip(PARTS, ("checks", "epochs", "items"), strict=True):
        db.executemany(
            f"DELETE FROM {table} WHERE run_id = ? AND submission_id = ?{extra}",
            [(run_id, sid) for sid in ids],
        )
        marks = ", ".join("?" * len(columns.split(", ")))
        db.executemany(
            f"INSERT OR REPLACE INTO {table} ({columns}) VALUES ({marks})",
            [t for w in written for t in getattr(w, part)],
        )
