"""The item analysis in SQL (grader.classroom.item_analysis says what each figure is): over the
class rows' checks, epochs and grading times, so a class of 10,000 is never decoded for it.

    check_stats     per check (`class_checks`), one GROUP BY over a covering index: the share
                    passed, the points lost, the sums Pearson's r needs (each check row carries
                    its row's total), the most common hint and its most common text
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
    Sums,
    interpolate,
    pearson_of,
    quartile_places,
)

HANDED = "status != 'missing'"


class ItemAnalysis(Connected):
    def handed_in(self, run_id: int) -> int:
        return int(
            self.scalar(f"SELECT COUNT(*) FROM class_rows WHERE run_id = ? AND {HANDED}", (run_id,))
        )

    def check_stats(self, run_id: int) -> list[CheckStats]:
        """Every check of the class, in the exercise's order (their place in the results), in
        one pass over the index `class_checks_for_analysis`: x is the check's score, y the rest
        of the submission's score (its row's total less x)."""
        rows = self.db.execute(
            "SELECT check_id, MIN(position), MAX(max_score), COUNT(*), SUM(status = 'pass'), "
            "SUM(max_score - score), SUM(score), SUM(row_total - score), SUM(score * score), "
            "SUM((row_total - score) * (row_total - score)), SUM(score * (row_total - score)), "
            "MIN(score) = MAX(score) OR MIN(row_total - score) = MAX(row_total - score) "
            "FROM class_checks WHERE run_id = ? AND handed = 1 GROUP BY check_id ORDER BY 2, 1",
            (run_id,),
        ).fetchall()
        hints = self._hints(run_id)
        stats = []
        for check, _, top, n, passed, lost, x, y, xx, yy, xy, constant in rows:
            hint_id, count, text = hints.get(check, ("", 0, ""))
            stats.append(
                CheckStats(
                    id=check,
                    max_score=top,
                    submissions=int(n),
                    passed=int(passed),
                    points_lost=round(lost, 6),
                    discrimination=pearson_of(Sums(int(n), x, y, xx, yy, xy, bool(constant))),
                    hint_id=hint_id,
                    hint=text,
                    hint_count=count,
                )
            )
        return stats

    def _hints(self, run_id: int) -> dict[str, tuple[str, int, str]]:
        """Per check, its most common hint (ties: the first by id), how often, and that hint's
        most common text: one pass over the index `class_checks_by_hint`."""
        counted = self.db.execute(
            "SELECT check_id, hint_id, hint, COUNT(*) FROM class_checks "
            "WHERE run_id = ? AND handed = 1 AND hint_id != '' GROUP BY check_id, hint_id, hint",
            (run_id,),
        ).fetchall()
        per_hint: dict[tuple[str, str], int] = {}
        for check, hint_id, _, n in counted:
            per_hint[(check, hint_id)] = per_hint.get((check, hint_id), 0) + n
        best: dict[str, tuple[str, int, str]] = {}
        for (check, hint_id), n in sorted(per_hint.items(), key=lambda kv: (kv[0][0], -kv[1])):
            best.setdefault(check, (hint_id, n, ""))
        texts: dict[str, tuple[int, str]] = {}
        for check, hint_id, text, n in counted:
            if text and best[check][0] == hint_id:
                known = texts.get(check)
                if known is None or (-n, text) < (-known[0], known[1]):
                    texts[check] = (n, text)
        return {c: (h, n, texts.get(c, (0, ""))[1]) for c, (h, n, _) in best.items()}

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

    def trained(self, run_id: int, limit: int) -> list[str]:
        """Up to `limit` submissions that logged a training accuracy, by id (the key's order:
        the search stops at `limit`)."""
        return [
            sid
            for (sid,) in self.db.execute(
                "SELECT submission_id FROM class_epochs WHERE run_id = ? GROUP BY submission_id "
                "ORDER BY submission_id LIMIT ?",
                (run_id, limit),
            )
        ]

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
        """Up to about `limit` submissions' grading times: every one in a class of up to
        `limit`, beyond a sample of every n-th row as written (the strip chart's dots; read from
        the index `class_rows_by_duration`, from the fastest)."""
        step = max(1, -(-self.handed_in(run_id) // limit))
        return [
            (sid, seconds)
            for sid, seconds in self.db.execute(
                "SELECT submission_id, duration_s FROM class_rows "
                f"WHERE run_id = ? AND {HANDED} AND rowid % ? = 0 ORDER BY duration_s",
                (run_id, step),
            )
        ]
