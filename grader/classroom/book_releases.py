"""The release page's figures in SQL, over the class rows' feedback columns (`feedback_key`,
`layouts`: grader.classroom.feedback) and the `releases` table: what each layout can name, what
is not yet released as it stands, and the past releases, with nothing decoded but the few rows
a human corrected (an override in force or a comment: their feedback is not the row's own).
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.classroom.book_rows import decode_rows
from grader.classroom.book_store import Connected
from grader.results import SubmissionResult

HANDED = "c.run_id = ? AND c.status != 'missing'"
# A row whose feedback is its own (`feedback_key`): no override in force, no comment. The two
# lists of human work are small: each is read once, not looked up per row.
UNCORRECTED = (
    "c.feedback_key != '' "
    "AND c.submission_id NOT IN (SELECT o.submission_id FROM overrides o WHERE o.exercise = ? "
    "AND o.removed_at IS NULL) "
    "AND c.submission_id NOT IN (SELECT m.submission_id FROM comments m WHERE m.exercise = ?)"
)
# Each submission's latest release (SQLite takes a bare column from the row holding the MAX).
LATEST_RELEASES = (
    "SELECT submission_id, fingerprint, MAX(id) FROM releases WHERE exercise = ? "
    "GROUP BY submission_id"
)


class ReleaseRows(Connected):
    def layout_counts(self, run_id: int) -> dict[str, int]:
        """How many submissions of the run each layout names (GROUP BY over a few values)."""
        counts: dict[str, int] = {}
        for layouts, count in self.db.execute(
            f"SELECT c.layouts, COUNT(*) FROM class_rows c WHERE {HANDED} GROUP BY c.layouts",
            (run_id,),
        ):
            for layout in str(layouts).split():
                counts[layout] = counts.get(layout, 0) + int(count)
        return counts

    def pending_uncorrected(self, run_id: int, exercise: str) -> int:
        """Submissions without corrections whose feedback was never released as it stands."""
        return int(
            self.scalar(
                f"WITH latest AS ({LATEST_RELEASES}) SELECT COUNT(*) FROM class_rows c "
                "LEFT JOIN latest l ON l.submission_id = c.submission_id "
                f"WHERE {HANDED} AND {UNCORRECTED} AND c.feedback_key IS NOT l.fingerprint",
                (exercise, run_id, exercise, exercise),
            )
        )

    def corrected_rows(self, run_id: int, exercise: str) -> list[SubmissionResult]:
        """The submissions a human corrected (or whose row predates its feedback columns),
        decoded: their feedback is computed, not read."""
        ids = [
            sid
            for (sid,) in self.db.execute(
                f"SELECT c.submission_id FROM class_rows c WHERE {HANDED} AND NOT ({UNCORRECTED})",
                (run_id, exercise, exercise),
            )
        ]
        return decode_rows(self.db, run_id, ids)

    def handed_ids(self, run_id: int) -> list[str]:
        """The run's submission ids in the class's listing order (nothing decoded)."""
        return [
            sid
            for (sid,) in self.db.execute(
                f"SELECT c.submission_id FROM class_rows c WHERE {HANDED} ORDER BY c.sort_key",
                (run_id,),
            )
        ]

    def release_batches(self, exercise: str) -> list[tuple[str, str, str, int]]:
        """Each release of the exercise (when, by whom, in which layout) and how many
        submissions it gave back, the latest first."""
        rows: Sequence[tuple[str, str, str, int]] = self.db.execute(
            "SELECT released_at, user, layout, COUNT(*) FROM releases WHERE exercise = ? "
            "GROUP BY released_at, user, layout "
            "ORDER BY released_at DESC, user DESC, layout DESC",
            (exercise,),
        ).fetchall()
        return list(rows)
