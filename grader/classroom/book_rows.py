"""The gradebook's class rows: each submission's (or missing student's) result of a run before
overrides, with the figures a page lists, filters and sorts by in columns of their own, and each
check's status in `class_checks`, so that a page of a class of 10,000 reads and decodes only the
rows it shows and counts the rest in SQL.

    record_class_rows  written as each verdict lands (one transaction)
    class_results      every row decoded (exports, `grader report`): the whole class
    class_results_of   the rows of a few ids decoded (those a human corrected)
    class_page         one page of rows, filtered and sorted, by keyset (no OFFSET)
    class_counts       the figures over the whole class or a filter: GROUP BY, nothing decoded
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grader.classroom.book_parts import (
    PARTS,
    ROW_COLUMNS,
    RowParts,
    row_parts,
    write_parts,
)
from grader.classroom.book_store import Connected
from grader.results import SubmissionResult, submission_result_from_dict

# What a page can be sorted by: the column, and the order the sort starts in.
SORTS = {"id": "sort_key", "score": "score", "status": "status"}
FAILING = ("fail", "error")
# A filtered page counts its matching rows up to this many and says "10,000+" beyond: the
# count of a rare filter over a class of 100,000 would otherwise read every row (Datasette's
# habit: a count that stops early on a huge table).
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class RowFilter:
    """Which rows of a class a page shows; None or '' means "any"."""

    status: str = ""  # graded, error, timeout, missing
    passed: bool | None = None  # before overrides
    failing: str = ""  # a check that failed or erred
    late: bool | None = None  # a late penalty was taken
    corrected: bool | None = None  # an override is in force
    released: bool | None = None  # feedback was released at least once
    similar: frozenset[str] | None = None  # only these ids (the similar pairs' submissions)
    handed_in: bool = False  # only submissions (the roster's missing students left out)

    def where(self, exercise: str, run_id: int) -> tuple[str, list[Any]]:
        """The SQL condition over `class_rows c` (of the run `run_id`) and its parameters."""
        parts: list[str] = []
        params: list[Any] = []
        if self.status:
            parts.append("c.status = ?")
            params.append(self.status)
        if self.passed is not None:
            parts.append("c.passed = ?")
            params.append(int(self.passed))
        if self.failing:
            marks = ", ".join("?" * len(FAILING))
            # The check's failing rows found first (class_checks_by_check), then looked up by
            # key: a rare check over a class of 100,000 reads its few rows, not every row.
            parts.append(
                "c.submission_id IN (SELECT k.submission_id FROM class_checks k WHERE "
                f"k.run_id = ? AND k.check_id = ? AND k.status IN ({marks}))"
            )
            params += [run_id, self.failing, *FAILING]
        if self.late is not None:
            parts.append("COALESCE(c.late_percent, 0) " + ("> 0" if self.late else "= 0"))
        for flag, table, extra in (
            (self.corrected, "overrides", " AND o.removed_at IS NULL"),
            (self.released, "releases", ""),
        ):
            if flag is not None:
                exists = (
                    f"EXISTS (SELECT 1 FROM {table} o WHERE o.exercise = ? "
                    f"AND o.submission_id = c.submission_id{extra})"
                )
                parts.append(exists if flag else f"NOT {exists}")
                params.append(exercise)
        if self.similar is not None:
            parts.append("c.submission_id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(sorted(self.similar)))
        if self.handed_in:
            parts.append("c.status != 'missing'")
        return " AND ".join(parts) or "1", params


@dataclass(frozen=True)
class Page:
    """One page of a class's rows, and where the next and previous pages start."""

    bases: list[SubmissionResult]  # automatic (+ roster, lateness), in the page's order
    total: int  # rows matching the filter (counted up to COUNT_LIMIT, then no further)
    after: str  # the keyset cursor of the next page ('' on the last)
    before: str  # the cursor of the previous page ('' on the first)
    more_than: bool = False  # the count stopped at COUNT_LIMIT: more rows match than `total`

    @property
    def counted(self) -> str:
        """The count as a page says it: "10,000+" when it stopped early."""
        return f"{self.total:,}+" if self.more_than else f"{self.total:,}"


@dataclass(frozen=True)
class ClassCounts:
    """A class's figures, counted by SQL over its rows (nothing decoded)."""

    rows: int
    by_status: dict[str, int]
    passed: int
    late: int
    mean_score: float | None  # over submissions (the missing left out), before overrides
    failing: dict[str, int]  # check id -> submissions where it failed or erred


def row_key(result: SubmissionResult, cache_key: str | None, version: int | None) -> str:
    """What a class row is made of, hashed: the verdict (its key, and the version of the row
    that holds it: a regrade replaces the verdict under the same key with a new one), whose it
    is, and its roster and lateness. Two rows with the same key hold the same result; '' (a
    grader failure, or a verdict not kept) matches nothing."""
    if cache_key is None or version is None:
        return ""
    r = result
    made_of = [cache_key, version, r.id, r.path, r.sha256, r.status, r.score, r.passed]
    text = json.dumps([*made_of, repr(r.adjustments)], ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class ClassRows(Connected):
    def record_class_rows(self, run_id: int, results: Sequence[SubmissionResult]) -> None:
        """Each submission's (or missing student's) result before overrides, one transaction."""
        with self._transaction():
            self._record_class_rows(run_id, results, [""] * len(results))

    def row_keys(self, run_id: int) -> dict[str, str]:
        """Each class row's `row_key` in a run (nothing decoded)."""
        return dict(
            self.db.execute(
                "SELECT submission_id, row_key FROM class_rows WHERE run_id = ? AND row_key != ''",
                (run_id,),
            ).fetchall()
        )

    def _copy_class_rows(self, run_id: int, prior_run: int, ids: Sequence[str]) -> None:
        """Rows of an earlier run that this run would write unchanged, copied by SQL (an
        unchanged re-run serialises no result): three statements for the lot, the ids passed
        as one JSON array."""
        chosen = "submission_id IN (SELECT value FROM json_each(?))"
        listed = json.dumps(list(ids), ensure_ascii=False)
        self.db.execute(
            f"INSERT OR REPLACE INTO class_rows ({ROW_COLUMNS}) SELECT ?, "
            f"{ROW_COLUMNS.split(', ', 1)[1]} FROM class_rows WHERE run_id = ? AND {chosen}",
            (run_id, prior_run, listed),
        )
        for table, columns, extra in PARTS:
            self.db.execute(
                f"DELETE FROM {table} WHERE run_id = ? AND {chosen}{extra}", (run_id, listed)
            )
            self.db.execute(
                f"INSERT INTO {table} ({columns}) SELECT ?, {columns.split(', ', 1)[1]} "
                f"FROM {table} WHERE run_id = ? AND {chosen}{extra}",
                (run_id, prior_run, listed),
            )

    def _record_class_rows(
        self, run_id: int, results: Sequence[SubmissionResult], keys: Sequence[str]
    ) -> None:
        """`record_class_rows` inside a transaction the caller holds, each row with its key."""
        written = [row_parts(run_id, r, key) for r, key in zip(results, keys, strict=True)]
        marks = ", ".join("?" * len(ROW_COLUMNS.split(", ")))
        self.db.executemany(
            f"INSERT OR REPLACE INTO class_rows ({ROW_COLUMNS}) VALUES ({marks})",
            [w.row for w in written],
        )
        write_parts(self.db, run_id, [r.id for r in results], written)

    def class_results(self, run_id: int) -> list[SubmissionResult]:
        return [
            submission_result_from_dict(json.loads(text))
            for (text,) in self.db.execute(
                "SELECT result FROM class_rows WHERE run_id = ? ORDER BY submission_id", (run_id,)
            )
        ]

    def class_results_of(self, run_id: int, ids: Sequence[str]) -> list[SubmissionResult]:
        """These rows of a run decoded (a few: those a human corrected), in no set order."""
        return decode_rows(self.db, run_id, ids)

    def has_class_row(self, run_id: int, submission_id: str) -> bool:
        """Whether the run has a row of this id (nothing decoded)."""
        return (
            self.scalar(
                "SELECT 1 FROM class_rows WHERE run_id = ? AND submission_id = ?",
                (run_id, submission_id),
            )
            is not None
        )

    def handed_and_passed(self, run_id: int) -> tuple[int, int]:
        """The run's submissions (the roster's missing students left out) and how many of them
        passed before overrides: read from the index `class_rows_filtered` alone."""
        handed, passed = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(passed), 0) FROM class_rows "
            "WHERE run_id = ? AND status != 'missing'",
            (run_id,),
        ).fetchone()
        return int(handed), int(passed)

    def class_result(self, run_id: int, submission_id: str) -> SubmissionResult | None:
        """One row of `class_results`, read alone (a workbench page of one submission)."""
        text = self.scalar(
            "SELECT result FROM class_rows WHERE run_id = ? AND submission_id = ?",
            (run_id, submission_id),
        )
        return None if text is None else submission_result_from_dict(json.loads(text))

    def class_page(
        self,
        run_id: int,
        exercise: str,
        where: RowFilter = RowFilter(),
        sort: str = "id",
        descending: bool = False,
        after: str = "",
        before: str = "",
        size: int = 50,
        count_limit: int = COUNT_LIMIT,
    ) -> Page:
        """One page of the run's rows matching `where`, sorted by `sort` (then the listing
        order), starting after the cursor `after` (or ending before `before`). Keyset
        pagination: the cost of a page does not depend on how deep it is."""
        column = SORTS[sort]
        condition, params = where.where(exercise, run_id)
        base = f"FROM class_rows c WHERE c.run_id = ? AND {condition}"
        total = int(
            self.scalar(
                f"SELECT COUNT(*) FROM (SELECT 1 {base} LIMIT ?)",
                (run_id, *params, count_limit + 1),
            )
        )
        more_than = total > count_limit
        total = min(total, count_limit)
        backwards = bool(before) and not after
        forward_desc = descending != backwards  # the direction this query walks in
        seek, seek_params = "", []
        cursor = after or before
        if cursor:
            value, key = _decode_cursor(cursor)
            ahead = "<" if forward_desc else ">"
            if column == "sort_key":
                seek = f" AND c.sort_key {ahead} ?"
                seek_params = [key]
            else:
                seek = f" AND (c.{column}, c.sort_key) {ahead} (?, ?)"
                seek_params = [value, key]
        order = "DESC" if forward_desc else "ASC"
        order_by = (
            f"c.sort_key {order}"
            if column == "sort_key"
            else f"c.{column} {order}, c.sort_key {order}"
        )
        rows = self.db.execute(
            f"SELECT c.{column}, c.sort_key, c.result {base}{seek} ORDER BY {order_by} LIMIT ?",
            (run_id, *params, *seek_params, size + 1),
        ).fetchall()
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        bases = [submission_result_from_dict(json.loads(text)) for _, _, text in rows]
        first = _encode_cursor(rows[0][0], rows[0][1]) if rows else ""
        last = _encode_cursor(rows[-1][0], rows[-1][1]) if rows else ""
        if backwards:
            return Page(bases, total, last, first if more else "", more_than)
        return Page(bases, total, last if more else "", first if cursor else "", more_than)

    def median_score(self, run_id: int) -> float | None:
        """The median score (before overrides) of the run's submissions, the missing left out:
        the scores sorted by SQLite from the index `class_rows_filtered` alone (walking the score
        index instead reads each row for its status: 3x slower at 100,000), none in Python."""
        handed = (
            "FROM class_rows INDEXED BY class_rows_filtered "
            "WHERE run_id = ? AND status != 'missing'"
        )
        count = int(self.scalar(f"SELECT COUNT(*) {handed}", (run_id,)))
        if not count:
            return None
        middle = self.db.execute(
            f"SELECT score {handed} ORDER BY score LIMIT ? OFFSET ?",
            (run_id, 2 - count % 2, (count - 1) // 2),
        ).fetchall()
        return sum(r[0] for r in middle) / len(middle)

    def class_counts(
        self, run_id: int, exercise: str, where: RowFilter = RowFilter()
    ) -> ClassCounts:
        """The run's figures (of the rows matching `where`), computed by SQL."""
        condition, params = where.where(exercise, run_id)
        base = f"FROM class_rows c WHERE c.run_id = ? AND {condition}"
        by_status = dict(
            self.db.execute(
                f"SELECT c.status, COUNT(*) {base} GROUP BY c.status", (run_id, *params)
            ).fetchall()
        )
        # Every column here is in the index `class_rows_filtered`: a row's own columns after
        # its stored result would be read past that result, 100 KB for a trained one.
        rows, passed, late, mean = self.db.execute(
            f"SELECT COUNT(*), COALESCE(SUM(c.passed), 0), "
            f"COALESCE(SUM(COALESCE(c.late_percent, 0) > 0), 0), "
            f"AVG(CASE WHEN c.status != 'missing' THEN c.score END) {base}",
            (run_id, *params),
        ).fetchone()
        marks = ", ".join("?" * len(FAILING))
        # The rows are joined only to filter them: the whole class's counts read the checks'
        # index alone.
        join = (
            ""
            if condition == "1"
            else "JOIN class_rows c ON c.run_id = k.run_id AND c.submission_id = k.submission_id "
        )
        failing = dict(
            self.db.execute(
                f"SELECT k.check_id, COUNT(*) FROM class_checks k {join}"
                f"WHERE k.run_id = ? AND k.status IN ({marks}) AND {condition} "
                f"GROUP BY k.check_id ORDER BY COUNT(*) DESC, k.check_id",
                (run_id, *FAILING, *params),
            ).fetchall()
        )
        return ClassCounts(int(rows), by_status, int(passed), int(late), mean, failing)


def decode_rows(db: sqlite3.Connection, run_id: int, ids: Sequence[str]) -> list[SubmissionResult]:
    """The rows of these ids decoded, the ids passed as JSON arrays of 500 (SQLite caps the
    parameters of one statement; json_each does not, but a slice keeps each query short)."""
    return [
        submission_result_from_dict(json.loads(text))
        for start in range(0, len(ids), 500)
        for (text,) in db.execute(
            "SELECT result FROM class_rows WHERE run_id = ? AND submission_id IN "
            "(SELECT value FROM json_each(?))",
            (run_id, json.dumps(list(ids[start : start + 500]), ensure_ascii=False)),
        )
    ]


def _encode_cursor(value: Any, key: str) -> str:
    return json.dumps([value, key], ensure_ascii=True, separators=(",", ":"))


def _decode_cursor(cursor: str) -> tuple[Any, str]:
    """A cursor from a URL: refused (ValueError) unless it is one this module wrote."""
    try:
        value, key = json.loads(cursor)
    except (ValueError, TypeError):
        raise ValueError(f"not a page cursor: {cursor[:40]!r}") from None
    if not isinstance(key, str) or not isinstance(value, str | int | float):
        raise ValueError(f"not a page cursor: {cursor[:40]!r}")
    return value, key


def backfill_class_rows(db: sqlite3.Connection) -> None:
    """Schema 1, 2 or 3 to 4: each class row's newer columns (schema 2: passed, score, sort
    key; 3: its feedback's fingerprint and layouts; 4: its grading time, whether its seeds
    agreed) and its checks (with their place and hint), epochs and review items, from its
    stored result (each row decoded once, in the migration's transaction)."""
    rows = db.execute("SELECT run_id, submission_id, row_key, result FROM class_rows").fetchall()
    by_run: dict[int, list[tuple[str, RowParts]]] = {}
    for run_id, submission_id, key, text in rows:
        parts = row_parts(run_id, submission_result_from_dict(json.loads(text)), key)
        by_run.setdefault(run_id, []).append((submission_id, parts))
    columns = ROW_COLUMNS.split(", ")
    for run_id, found in by_run.items():
        db.executemany(
            f"UPDATE class_rows SET {', '.join(f'{c} = ?' for c in columns[12:])} "
            "WHERE run_id = ? AND submission_id = ?",
            [(*parts.row[12:], run_id, sid) for sid, parts in found],
        )
        write_parts(db, run_id, [sid for sid, _ in found], [parts for _, parts in found])
