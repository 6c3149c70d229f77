"""The item analysis in SQL (grader.classroom.item_analysis says what each figure is): over the
class rows' checks, epochs and grading times, so a class of 10,000 is never decoded for it.

    check_stats     per check (`class_checks`): GROUP BY for the share passed and the points
                    lost; Pearson's r from sums of deviations (a first pass for the means);
                    the most common hint and its most common text
    training_band   per epoch (`class_epochs`): how many curves reach it, and each quartile
                    interpolated between the two values read at its place in the index
    accuracy_curve  one submission's epochs: one indexed query
    duration_stats  the grading times' quartiles (the same way) and the slowest submissions

Every figure is over the submissions handed in (a roster student without one has no checks,
epochs or time to count) and before overrides (what the checks measured).
"""

from __future__ import annotations

from grader.classroom.book_store import Connected
from grader.classroom.item_analysis import (
    CheckStats,
    DurationStats,
    EpochBand,
    Spread,
    interpolate,
    pearson_of,
    quartile_places,
)

HANDED = "status != 'missing'"

# Per check: (check, n, sxx, syy, sxy) where x is the check's score and y the rest of the
# submission's score (the other checks), over the submissions handed in.
_SPREAD = f"""
WITH handed AS (
    SELECT submission_id FROM class_rows WHERE run_id = :run AND {HANDED}
),
totals AS (
    SELECT k.submission_id, SUM(k.score) AS total FROM class_checks k
    JOIN handed h ON h.submission_id = k.submission_id
    WHERE k.run_id = :run GROUP BY k.submission_id
),
pairs AS (
    SELECT k.check_id, k.score AS x, t.total - k.score AS y FROM class_checks k
    JOIN totals t ON t.submission_id = k.submission_id WHERE k.run_id = :run
),
means AS (
    SELECT check_id, AVG(x) AS mx, AVG(y) AS my FROM pairs GROUP BY check_id
)
SELECT p.check_id, COUNT(*), SUM((x - mx) * (x - mx)), SUM((y - my) * (y - my)),
       SUM((x - mx) * (y - my))
FROM pairs p JOIN means m ON m.check_id = p.check_id GROUP BY p.check_id
"""


class ItemAnalysis(Connected):
    def handed_in(self, run_id: int) -> int:
        return int(
            self.scalar(f"SELECT COUNT(*) FROM class_rows WHERE run_id = ? AND {HANDED}", (run_id,))
        )

    def check_stats(self, run_id: int) -> list[CheckStats]:
        """Every check of the class, in the exercise's order (their place in the results)."""
        rows = self.db.execute(
            "SELECT k.check_id, MIN(k.position), MAX(k.max_score), COUNT(*), "
            "SUM(k.status = 'pass'), SUM(k.max_score - k.score) FROM class_checks k "
            "JOIN class_rows c ON c.run_id = k.run_id AND c.submission_id = k.submission_id "
            f"WHERE k.run_id = ? AND c.{HANDED} GROUP BY k.check_id ORDER BY 2, 1",
            (run_id,),
        ).fetchall()
        spread = {
            check: Spread(int(n), sxx or 0.0, syy or 0.0, sxy or 0.0)
            for check, n, sxx, syy, sxy in self.db.execute(_SPREAD, {"run": run_id})
        }
        hints = self._hints(run_id)
        stats = []
        for check, _, top, n, passed, lost in rows:
            hint_id, count, text = hints.get(check, ("", 0, ""))
            stats.append(
                CheckStats(
                    id=check,
                    max_score=top,
                    submissions=int(n),
                    passed=int(passed),
                    points_lost=round(lost, 6),
                    discrimination=pearson_of(spread[check]) if check in spread else None,
                    hint_id=hint_id,
                    hint=text,
                    hint_count=count,
                )
            )
        return stats

    def _hints(self, run_id: int) -> dict[str, tuple[str, int, str]]:
        """Per check, its most common hint (ties: the first by id), how often, and that hint's
        most common text."""
        counted = self.db.execute(
            "SELECT k.check_id, k.hint_id, COUNT(*) AS n FROM class_checks k "
            "JOIN class_rows c ON c.run_id = k.run_id AND c.submission_id = k.submission_id "
            f"WHERE k.run_id = ? AND k.hint_id != '' AND c.{HANDED} "
            "GROUP BY k.check_id, k.hint_id ORDER BY k.check_id, n DESC, k.hint_id",
            (run_id,),
        ).fetchall()
        best: dict[str, tuple[str, int, str]] = {}
        for check, hint_id, n in counted:
            if check in best:
                continue
            text = self.scalar(
                "SELECT k.hint FROM class_checks k JOIN class_rows c ON c.run_id = k.run_id "
                "AND c.submission_id = k.submission_id WHERE k.run_id = ? AND k.check_id = ? "
                f"AND k.hint_id = ? AND k.hint != '' AND c.{HANDED} "
                "GROUP BY k.hint ORDER BY COUNT(*) DESC, k.hint LIMIT 1",
                (run_id, check, hint_id),
            )
            best[check] = (hint_id, int(n), text or "")
        return best

    def training_band(self, run_id: int) -> list[EpochBand]:
        """Quartiles of the training accuracy at each epoch, over the curves that reach it."""
        counts = self.db.execute(
            "SELECT epoch, COUNT(*) FROM class_epochs WHERE run_id = ? GROUP BY epoch ORDER BY 1",
            (run_id,),
        ).fetchall()
        bands = []
        for epoch, n in counts:
            q1, q2, q3 = (
                interpolate(
                    [
                        value
                        for (value,) in self.db.execute(
                            "SELECT accuracy FROM class_epochs WHERE run_id = ? AND epoch = ? "
                            "ORDER BY accuracy LIMIT ? OFFSET ?",
                            (run_id, epoch, 2 if d else 1, j),
                        )
                    ],
                    d,
                )
                for j, d in quartile_places(n)
            )
            bands.append(EpochBand(epoch, n, q1, q2, q3))
        return bands

    def accuracy_curve(self, run_id: int, submission_id: str) -> list[tuple[int, float]]:
        """One submission's (epoch, training accuracy), by the table's key."""
        return [
            (int(epoch), value)
            for epoch, value in self.db.execute(
                "SELECT epoch, accuracy FROM class_epochs WHERE run_id = ? AND submission_id = ? "
                "ORDER BY epoch",
                (run_id, submission_id),
            )
        ]

    def trained(self, run_id: int, limit: int) -> tuple[list[str], int]:
        """The first `limit` submissions (in the listing order) that logged a training
        accuracy, and how many did."""
        found = "FROM class_rows c WHERE c.run_id = ? AND EXISTS (SELECT 1 FROM class_epochs e "
        found += "WHERE e.run_id = c.run_id AND e.submission_id = c.submission_id)"
        total = int(self.scalar(f"SELECT COUNT(*) {found}", (run_id,)))
        ids = [
            sid
            for (sid,) in self.db.execute(
                f"SELECT c.submission_id {found} ORDER BY c.sort_key LIMIT ?", (run_id, limit)
            )
        ]
        return ids, total

    def duration_stats(self, run_id: int, slowest: int = 5) -> DurationStats | None:
        """How long each submission's grading took (a duplicate carries the time of the
        grading it shares): the quartiles, read at their places in the index, and the slowest."""
        n = self.handed_in(run_id)
        if not n:
            return None
        handed = f"FROM class_rows WHERE run_id = ? AND {HANDED}"
        q1, q2, q3 = (
            interpolate(
                [
                    value
                    for (value,) in self.db.execute(
                        f"SELECT duration_s {handed} ORDER BY duration_s LIMIT ? OFFSET ?",
                        (run_id, 2 if d else 1, j),
                    )
                ],
                d,
            )
            for j, d in quartile_places(n)
        )
        ranked = self.db.execute(
            f"SELECT submission_id, duration_s {handed} "
            "ORDER BY duration_s DESC, submission_id LIMIT ?",
            (run_id, slowest),
        ).fetchall()
        return DurationStats(n, q1, q2, q3, [(sid, seconds) for sid, seconds in ranked])

    def durations(self, run_id: int, limit: int) -> list[tuple[str, float]]:
        """Up to `limit` submissions' grading times, spread evenly over the class's order of
        time (the strip chart's dots: every one up to `limit`, a sample beyond)."""
        n = self.handed_in(run_id)
        step = max(1, -(-n // limit))
        return [
            (sid, seconds)
            for sid, seconds, _ in self.db.execute(
                "SELECT submission_id, duration_s, place FROM (SELECT submission_id, duration_s, "
                "ROW_NUMBER() OVER (ORDER BY duration_s, submission_id) - 1 AS place "
                f"FROM class_rows WHERE run_id = ? AND {HANDED}) WHERE place % ? = 0",
                (run_id, step),
            )
        ]
