"""The gradebook's human corrections: overrides, comments for the student, settled review items
and feedback releases, with the version checks that refuse a change based on a stale page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.classroom.book_store import Connected, current_user, now
from grader.classroom.overrides import Override
from grader.errors import GraderError


class StaleVersion(GraderError):
    """A correction based on an older view of a submission's corrections than the gradebook's."""

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(
            f"the corrections changed since this page was opened (version {expected}, "
            f"now {current})"
        )
        self.expected = expected
        self.current = current


@dataclass(frozen=True)
class Comment:
    """A note for the student on one submission."""

    id: int
    exercise: str
    submission_id: str
    text: str
    user: str
    at: str


@dataclass(frozen=True)
class Resolution:
    """A review item a human settled, and the figures it was settled on (their fingerprint)."""

    id: int
    exercise: str
    submission_id: str
    item: str
    fingerprint: str
    note: str
    user: str
    at: str


@dataclass(frozen=True)
class Release:
    """One submission's feedback as released to the student: what (its fingerprint), how, when."""

    id: int
    exercise: str
    submission_id: str
    fingerprint: str
    layout: str
    name: str
    user: str
    at: str


class Corrections(Connected):
    def add_override(self, override: Override, expected: int | None = None) -> int:
        """Record a correction; it replaces an earlier one of the same check (kept, as removed).
        With `expected`, only if the submission's corrections are still at that version."""
        with self._transaction():
            self._expect(override.exercise, override.submission_id, expected)
            self._remove(override.exercise, override.submission_id, override.check, override.user)
            cursor = self.db.execute(
                "INSERT INTO overrides (exercise, submission_id, check_id, score, auto_score, "
                "auto_status, reason, user, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    override.exercise,
                    override.submission_id,
                    override.check,
                    override.score,
                    override.auto_score,
                    override.auto_status,
                    override.reason,
                    override.user,
                    override.at,
                ),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def remove_override(
        self,
        exercise: str,
        submission_id: str,
        check: str,
        user: str | None = None,
        expected: int | None = None,
    ) -> int:
        """Mark the override of `check` removed (kept in the table); how many were in force."""
        with self._transaction():
            self._expect(exercise, submission_id, expected)
            return self._remove(exercise, submission_id, check, user or current_user())

    def _remove(self, exercise: str, submission_id: str, check: str, user: str) -> int:
        return self.db.execute(
            "UPDATE overrides SET removed_at = ?, removed_by = ? WHERE exercise = ? AND "
            "submission_id = ? AND check_id = ? AND removed_at IS NULL",
            (now(), user, exercise, submission_id, check),
        ).rowcount

    def overrides(
        self, exercise: str | None = None, submissions: list[str] | None = None
    ) -> list[Override]:
        """The overrides in force (of one exercise, or all; of these submissions, if given),
        oldest first."""
        sql = (
            "SELECT id, exercise, submission_id, check_id, score, auto_score, auto_status, "
            "reason, user, created_at FROM overrides WHERE removed_at IS NULL "
            "AND (? IS NULL OR exercise = ?)"
        )
        params: list[Any] = [exercise, exercise]
        if submissions is not None:
            sql += f" AND submission_id IN ({', '.join('?' * len(submissions))})"
            params += submissions
        return [Override(*row) for row in self.db.execute(sql + " ORDER BY id", params)]

    def override_history(self, exercise: str, submission_id: str) -> list[dict[str, Any]]:
        """Every override of one submission, removed ones included, oldest first."""
        return self._dicts(
            "SELECT * FROM overrides WHERE exercise = ? AND submission_id = ? ORDER BY id",
            exercise,
            submission_id,
        )

    def add_comment(self, comment: Comment, expected: int | None = None) -> int:
        """Record a note for the student (with `expected`: only at that version)."""
        with self._transaction():
            self._expect(comment.exercise, comment.submission_id, expected)
            cursor = self.db.execute(
                "INSERT INTO comments (exercise, submission_id, text, user, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (comment.exercise, comment.submission_id, comment.text, comment.user, comment.at),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def comments(self, exercise: str, submission_id: str | None = None) -> list[Comment]:
        """The comments of one submission (or of every submission of the exercise), oldest first."""
        rows = self.db.execute(
            "SELECT id, exercise, submission_id, text, user, created_at FROM comments "
            "WHERE exercise = ? AND (? IS NULL OR submission_id = ?) ORDER BY id",
            (exercise, submission_id, submission_id),
        ).fetchall()
        return [Comment(*row) for row in rows]

    def comments_of(self, exercise: str, submissions: list[str]) -> list[Comment]:
        """The comments of these submissions (a page's rows), oldest first."""
        marks = ", ".join("?" * len(submissions))
        rows = self.db.execute(
            "SELECT id, exercise, submission_id, text, user, created_at FROM comments "
            f"WHERE exercise = ? AND submission_id IN ({marks}) ORDER BY id",
            (exercise, *submissions),
        ).fetchall()
        return [Comment(*row) for row in rows]

    def releases_of(self, exercise: str, submissions: list[str]) -> list[Release]:
        """The feedback releases of these submissions (a page's rows), oldest first."""
        marks = ", ".join("?" * len(submissions))
        rows = self.db.execute(
            "SELECT id, exercise, submission_id, fingerprint, layout, name, user, released_at "
            f"FROM releases WHERE exercise = ? AND submission_id IN ({marks}) ORDER BY id",
            (exercise, *submissions),
        ).fetchall()
        return [Release(*row) for row in rows]

    def overrides_in_force(self, exercise: str, run_id: int) -> int:
        """How many overrides are in force on the submissions of a run's class."""
        return int(
            self.scalar(
                "SELECT COUNT(*) FROM overrides o WHERE o.exercise = ? AND o.removed_at IS NULL "
                "AND EXISTS (SELECT 1 FROM class_rows c WHERE c.run_id = ? "
                "AND c.submission_id = o.submission_id)",
                (exercise, run_id),
            )
        )

    def overridden_ids(self, exercise: str, run_id: int) -> list[str]:
        """The run's submissions (the missing left out) with an override in force: the few
        rows whose final result is not their stored one."""
        return [
            sid
            for (sid,) in self.db.execute(
                "SELECT DISTINCT o.submission_id FROM overrides o JOIN class_rows c "
                "ON c.run_id = ? AND c.submission_id = o.submission_id "
                "WHERE o.exercise = ? AND o.removed_at IS NULL AND c.status != 'missing' "
                "ORDER BY o.submission_id",
                (run_id, exercise),
            )
        ]

    def comment_counts(self, exercise: str) -> dict[str, int]:
        """How many comments each submission of the exercise has (a GROUP BY, no text read)."""
        return dict(
            self.db.execute(
                "SELECT submission_id, COUNT(*) FROM comments WHERE exercise = ? "
                "GROUP BY submission_id ORDER BY submission_id",
                (exercise,),
            ).fetchall()
        )

    def add_resolution(self, resolution: Resolution) -> int:
        """Record that a human settled a review item (one transaction); the latest counts."""
        r = resolution
        with self._transaction():
            cursor = self.db.execute(
                "INSERT INTO resolutions (exercise, submission_id, item, fingerprint, note, user, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (r.exercise, r.submission_id, r.item, r.fingerprint, r.note, r.user, r.at),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def resolutions(self, exercise: str) -> list[Resolution]:
        """Every resolution of the exercise's review items, oldest first."""
        rows = self.db.execute(
            "SELECT id, exercise, submission_id, item, fingerprint, note, user, created_at "
            "FROM resolutions WHERE exercise = ? ORDER BY id",
            (exercise,),
        ).fetchall()
        return [Resolution(*row) for row in rows]

    def add_releases(self, releases: list[Release]) -> None:
        """Record one release of feedback (every submission in it) in one transaction."""
        with self._transaction():
            self.db.executemany(
                "INSERT INTO releases (exercise, submission_id, fingerprint, layout, name, user, "
                "released_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (r.exercise, r.submission_id, r.fingerprint, r.layout, r.name, r.user, r.at)
                    for r in releases
                ],
            )

    def releases(self, exercise: str) -> list[Release]:
        """Every feedback release of the exercise's submissions, oldest first."""
        rows = self.db.execute(
            "SELECT id, exercise, submission_id, fingerprint, layout, name, user, released_at "
            "FROM releases WHERE exercise = ? ORDER BY id",
            (exercise,),
        ).fetchall()
        return [Release(*row) for row in rows]

    def corrections_version(self, exercise: str, submission_id: str) -> int:
        """A counter of one submission's corrections: every override added or removed and every
        comment raises it, so a form that carries it can tell whether it is stale."""
        return int(
            self.scalar(
                "SELECT (SELECT COUNT(*) + COUNT(removed_at) FROM overrides WHERE exercise = ? "
                "AND submission_id = ?) + (SELECT COUNT(*) FROM comments WHERE exercise = ? "
                "AND submission_id = ?)",
                (exercise, submission_id, exercise, submission_id),
            )
        )

    def changes(self, exercise: str) -> str:
        """A stamp of every human change to an exercise's submissions: an override set or
        removed, a comment, a resolution, a release each change it (rows are never deleted, so
        counts do). A page shows it was overtaken when the stamp it was drawn at moves."""
        row = self.db.execute(
            "SELECT (SELECT COUNT(*) + COUNT(removed_at) FROM overrides WHERE exercise = ?), "
            "(SELECT COUNT(*) FROM comments WHERE exercise = ?), "
            "(SELECT COUNT(*) FROM resolutions WHERE exercise = ?), "
            "(SELECT COUNT(*) FROM releases WHERE exercise = ?)",
            (exercise,) * 4,
        ).fetchone()
        return ".".join(str(n) for n in row)

    def _expect(self, exercise: str, submission_id: str, expected: int | None) -> None:
        """Inside a write transaction: refuse a change based on a stale version."""
        if expected is None:
            return
        current = self.corrections_version(exercise, submission_id)
        if current != expected:
            raise StaleVersion(expected, current)
