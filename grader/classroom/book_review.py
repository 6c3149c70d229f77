"""The review queue in SQL (grader.classroom.review says what each item is): a page of a class
of 10,000 reads the items it shows, and the counts and the join with the resolutions are SQL.

    class_items            each class row's own items, written with the row (book_rows), and
                           the run's similar pairs and identical files, written at its end
                           (`record_similar_items`, from similarity.json)
    the overrides to review  found when the queue is read (`override_review_items`): they
                           depend on the human corrections as well as the row, and only the few
                           submissions with an override in force are decoded
    resolutions            the latest resolution of an item settles it if it carries the item's
                           fingerprint (the index `resolutions_latest` answers that)

    review_queue   one page of the open items and one of the resolved, of one kind or all,
                   by keyset (kind, then the class's listing order, then the item's key): the
                   index `class_items_in_order` walked until the page is full
    review_tally   the open items per kind, the resolved ones, the seeds that agreed (one
                   pass; a page keeps it until the class changes)
    review_entry   one item of one submission, with its resolution (a POST resolving it)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.classroom.book_corrections import Corrections, Resolution
from grader.classroom.book_parts import ITEM_COLUMNS, item_row
from grader.classroom.overrides import finalize
from grader.classroom.review import (
    KINDS,
    Queue,
    QueueEntry,
    QueuePage,
    ReviewItem,
    override_items,
    similar_items,
)
from grader.classroom.similarity import SimilarityFigures, read_similarity
from grader.results import submission_result_from_dict

# The items of a run (`class_items`), or the overrides to review (passed as one JSON array of
# `class_items` rows), each with the id of its latest resolution and whether that one settles it
# (carries its fingerprint). Named parameters: run, extra, exercise.
_SOURCES = {
    "rows": "class_items i",
    "extra": """(
        SELECT json_extract(value, '$[1]') AS submission_id, json_extract(value, '$[2]') AS item,
               json_extract(value, '$[3]') AS kind, json_extract(value, '$[4]') AS rank,
               json_extract(value, '$[5]') AS sort_key, json_extract(value, '$[6]') AS fingerprint,
               json_extract(value, '$[7]') AS reason, json_extract(value, '$[8]') AS figures,
               json_extract(value, '$[9]') AS others
        FROM json_each(:extra)
    ) i""",
}
_JUDGED = """
SELECT i.submission_id, i.item, i.kind, i.rank, i.sort_key, i.fingerprint, i.reason, i.figures,
       i.others, r.id AS latest, COALESCE(r.fingerprint = i.fingerprint, 0) AS settled
FROM {source} LEFT JOIN resolutions r ON r.id = (
    SELECT MAX(l.id) FROM resolutions l
    WHERE l.exercise = :exercise AND l.submission_id = i.submission_id AND l.item = i.item
)
WHERE {where}
"""


def _judged(source: str, where: str) -> str:
    """The judged items of `source` ('rows' or 'extra') that meet `where`."""
    run = "i.run_id = :run AND " if source == "rows" else ""
    return _JUDGED.format(source=_SOURCES[source], where=run + where)


def _encode_cursor(rank: int, order: str, item: str) -> str:
    return json.dumps([rank, order, item], ensure_ascii=True, separators=(",", ":"))


def _decode_cursor(cursor: str) -> tuple[int, str, str]:
    """A cursor from a URL: refused (ValueError) unless it is one this module wrote."""
    try:
        rank, order, item = json.loads(cursor)
    except (ValueError, TypeError):
        raise ValueError(f"not a review queue cursor: {cursor[:40]!r}") from None
    if not (isinstance(rank, int) and isinstance(order, str) and isinstance(item, str)):
        raise ValueError(f"not a review queue cursor: {cursor[:40]!r}")
    return rank, order, item


def _item(row: Sequence[Any]) -> ReviewItem:
    submission_id, key, kind, _, _, _, reason, figures, others = row[:9]
    subject = key.split(":", 1)[1] if ":" in key else ""
    return ReviewItem(
        kind, submission_id, subject, reason, json.loads(figures), tuple(json.loads(others))
    )


@dataclass(frozen=True)
class ReviewTally:
    """A run's review items counted: per kind, open and resolved; and the results decided on
    seeds that agreed (counted, not listed)."""

    open: dict[str, int]  # in the queue's order of kinds
    resolved: dict[str, int]
    agreed: int


class ReviewRows(Corrections):  # the overrides in force are part of the queue
    def record_similar_items(self, run_id: int, out_dir: Path) -> None:
        """The run's similar pairs and identical files, from the similarity.json `grader grade`
        wrote beside the class in `out_dir`, as review items in place of any it had (one
        transaction, at the end of the run; none when there is no such file)."""
        similarity = read_similarity(out_dir)
        ids = {
            sid
            for (sid,) in self.db.execute(
                "SELECT submission_id FROM class_rows WHERE run_id = ?", (run_id,)
            )
        }
        with self._transaction():
            _write_similar(self.db, run_id, similarity, ids)

    def override_review_items(self, run_id: int, exercise: str) -> list[ReviewItem]:
        """The overrides in force on the run's class whose automatic verdict changed since they
        were made: the submissions with one decoded, nothing else."""
        overrides = self.overrides(exercise)
        found: list[ReviewItem] = []
        for sid in sorted({o.submission_id for o in overrides}):
            text = self.scalar(
                "SELECT result FROM class_rows WHERE run_id = ? AND submission_id = ?",
                (run_id, sid),
            )
            if text is None:
                continue
            base = submission_result_from_dict(json.loads(text))
            found += override_items(base, finalize(base, overrides))
        return found

    def _extra(self, run_id: int, exercise: str) -> str:
        rows = []
        for item in self.override_review_items(run_id, exercise):
            order = self.scalar(
                "SELECT sort_key FROM class_rows WHERE run_id = ? AND submission_id = ?",
                (run_id, item.submission_id),
            )
            rows.append(item_row(run_id, item, order or ""))
        return json.dumps(rows, ensure_ascii=False)

    def review_tally(self, run_id: int, exercise: str, extra: str | None = None) -> ReviewTally:
        """The items per kind, open and resolved, and the results whose seeds agreed: one pass
        over the run's items (and the overrides to review)."""
        extra = self._extra(run_id, exercise) if extra is None else extra
        tally = ReviewTally({}, {}, 0)
        for source in _SOURCES:
            for kind, settled, n in self.db.execute(
                f"SELECT kind, settled, COUNT(*) FROM ({_judged(source, '1')}) GROUP BY 1, 2",
                {"run": run_id, "extra": extra, "exercise": exercise},
            ):
                counts = tally.resolved if settled else tally.open
                counts[kind] = counts.get(kind, 0) + n
        agreed = self.scalar(
            "SELECT COUNT(*) FROM class_rows WHERE run_id = ? AND seeds_agreed = 1", (run_id,)
        )
        in_order = {kind: tally.open[kind] for kind in KINDS if kind in tally.open}
        return ReviewTally(in_order, tally.resolved, int(agreed))

    def open_review_items(self, run_id: int, exercise: str) -> int:
        """How many items of the run's class are open (the home and class pages' figure)."""
        return sum(self.review_tally(run_id, exercise).open.values())

    def review_queue(
        self,
        run_id: int,
        exercise: str,
        kind: str = "",
        after: str = "",
        resolved_after: str = "",
        size: int = 50,
        similarity_read: bool = True,
        tally: ReviewTally | None = None,
    ) -> Queue:
        """The queue as one page shows it: a page of the open items and one of the resolved
        (of `kind`, '' any; each after its own cursor), and the counts of every kind (from
        `tally`, the run's as a page kept it, or counted now)."""
        extra = self._extra(run_id, exercise)
        tally = tally or self.review_tally(run_id, exercise, extra)
        return Queue(
            self.review_page(run_id, exercise, False, kind, after, size, extra, tally),
            self.review_page(run_id, exercise, True, kind, resolved_after, size, extra, tally),
            tally.open,
            sum(tally.resolved.values()),
            tally.agreed,
            similarity_read,
            kind,
        )

    def review_page(
        self,
        run_id: int,
        exercise: str,
        settled: bool,
        kind: str = "",
        after: str = "",
        size: int = 50,
        extra: str | None = None,
        tally: ReviewTally | None = None,
    ) -> QueuePage:
        """One page of the open (or resolved) items of `kind` ('' any), after the cursor: the
        run's items walked in the index's order until the page is full, merged with the
        overrides to review (a few)."""
        extra = self._extra(run_id, exercise) if extra is None else extra
        tally = tally or self.review_tally(run_id, exercise, extra)
        counts = tally.resolved if settled else tally.open
        total = counts.get(kind, 0) if kind else sum(counts.values())
        where = "COALESCE(r.fingerprint = i.fingerprint, 0) = :settled"
        params: dict[str, Any] = {"run": run_id, "extra": extra, "exercise": exercise}
        params |= {"settled": int(settled), "kind": kind, "limit": size + 1}
        if kind:
            where += " AND i.kind = :kind"
        if after:
            params["rank"], params["order"], params["key"] = _decode_cursor(after)
            where += " AND (i.rank, i.sort_key, i.item) > (:rank, :order, :key)"
        rows = sorted(
            (
                row
                for source in _SOURCES
                for row in self.db.execute(
                    f"{_judged(source, where)} ORDER BY i.rank, i.sort_key, i.item LIMIT :limit",
                    params,
                )
            ),
            key=lambda row: (row[3], row[4], row[1]),
        )[: size + 1]
        more = len(rows) > size
        rows = rows[:size]
        latest = self._resolutions([row[9] for row in rows if row[9] is not None])
        entries = []
        for row in rows:
            found = latest.get(row[9])
            item = _item(row)
            entries.append(QueueEntry(item, found) if settled else QueueEntry(item, None, found))
        last = _encode_cursor(rows[-1][3], rows[-1][4], rows[-1][1]) if rows and more else ""
        return QueuePage(entries, total, last, "")

    def review_entry(
        self, run_id: int, exercise: str, submission_id: str, key: str
    ) -> QueueEntry | None:
        """One item of one submission as the queue holds it now; None if it has no such item."""
        params = {"run": run_id, "extra": self._extra(run_id, exercise), "exercise": exercise}
        params |= {"sid": submission_id, "key": key}
        where = "i.submission_id = :sid AND i.item = :key"
        row = next(
            (
                row
                for source in _SOURCES
                for row in self.db.execute(_judged(source, where), params).fetchall()
            ),
            None,
        )
        if row is None:
            return None
        found = self._resolutions([row[9]] if row[9] is not None else []).get(row[9])
        if row[10]:
            return QueueEntry(_item(row), found, None)
        return QueueEntry(_item(row), None, found)

    def _resolutions(self, ids: Sequence[int]) -> dict[int, Resolution]:
        if not ids:
            return {}
        rows = self.db.execute(
            "SELECT id, exercise, submission_id, item, fingerprint, note, user, created_at "
            "FROM resolutions WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        ).fetchall()
        return {row[0]: Resolution(*row) for row in rows}


def _write_similar(
    db: sqlite3.Connection, run_id: int, similarity: SimilarityFigures | None, ids: set[str]
) -> None:
    db.execute("DELETE FROM class_items WHERE run_id = ? AND kind = 'similar'", (run_id,))
    items = similar_items(similarity, ids)
    orders = dict(
        db.execute(
            "SELECT submission_id, sort_key FROM class_rows WHERE run_id = ? "
            "AND submission_id IN (SELECT value FROM json_each(?))",
            (run_id, json.dumps(sorted({i.submission_id for i in items}))),
        ).fetchall()
    )
    marks = ", ".join("?" * len(ITEM_COLUMNS.split(", ")))
    db.executemany(
        f"INSERT OR REPLACE INTO class_items ({ITEM_COLUMNS}) VALUES ({marks})",
        [item_row(run_id, i, orders.get(i.submission_id, "")) for i in items],
    )


def backfill_similar_items(db: sqlite3.Connection) -> None:
    """To schema 4: the similar pairs of each class's latest run, from the similarity.json
    beside it (a class whose folder is gone keeps none), in the migration's transaction."""
    latest: dict[str, int] = {}
    for run_id, args in db.execute("SELECT id, args FROM runs ORDER BY id"):
        try:
            out_dir = json.loads(args).get("out_dir")
        except (ValueError, AttributeError):
            continue
        if isinstance(out_dir, str) and out_dir:
            latest[out_dir] = run_id
    for out_dir, run_id in latest.items():
        similarity = read_similarity(Path(out_dir))
        if similarity is None:
            continue
        ids = {
            sid
            for (sid,) in db.execute(
                "SELECT submission_id FROM class_rows WHERE run_id = ?", (run_id,)
            )
        }
        _write_similar(db, run_id, similarity, ids)
