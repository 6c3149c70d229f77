"""The release page's figures in SQL, over the class rows' feedback columns (`feedback_key`,
`layouts`: grader.classroom.feedback) and the `releases` table: what each layout can name, what
is not yet released as it stands, and the past releases, with nothing decoded but the few rows
a human corrected (an override in force or a comment: their feedback is not the row's own).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from grader.classroom.book_store import Connected
from grader.results import SubmissionResult, submission_result_from_dict

HANDED = "c.run_id = ? AND c.status != 'missing'"
# A row whose feedback is its own (`feedback_key`): no override in force, no comment.
UNCORRECTED = (
    "c.feedback_key != '' "
    "AND NOT EXISTS (SELECT 1 FROM overrides o WHERE o.exercise = ? "
    "AND o.submission_id = c.submission_id AND o.removed_at IS NULL) "
    "AND NOT EXISTS (SELECT 1 FROM comments m WHERE m.exercise = ? "
    "AND m.submission_id = c.submission_id)"
)
LATEST_RELEASE = (
    "(SELECT r.fingerprint FROM releases r WHERE r.exercise = ? "
    "AND r.submission_id = c.submission_id ORDER BY r.id DESC LIMIT 1)"
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
                f"SELECT COUNT(*) FROM class_rows c WHERE {HANDED} AND {UNCORRECTED} "
                f"AND c.feedback_key IS NOT {LATEST_RELEASE}",
                (run_id, exercise, exercise, exercise),
            )
        )

    def corrected_rows(self, run_id: int, exercise: str) -> list[SubmissionResult]:
        """The submissions a human corrected (or whose row predates its feedback columns),
        decoded: their feedback is computed, not read."""
        return [
            submission_result_from_dict(json.loads(text))
            for (text,) in self.db.execute(
                f"SELECT c.result FROM class_rows c WHERE {HANDED} AND NOT ({UNCORRECTED}) "
                "ORDER BY c.sort_key",
                (run_id, exercise, exercise),
            )
        ]

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
