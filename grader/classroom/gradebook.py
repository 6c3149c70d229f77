"""The gradebook: every verdict and every run, in one SQLite file (stdlib `sqlite3`).

One class over one connection, each concern in its own module:

    book_store        the connection, the schema and the migration of an older file
    book_runs         the run history (`runs`)
    book_cache        the verdict cache and each run's grades (`results`, `grades`)
    book_rows         the class rows, paged, filtered and counted in SQL (`class_rows`,
                      `class_checks`)
    book_parts        what is written for one class row (its row, checks, epochs and items)
    book_corrections  overrides, comments, resolutions, releases, with their version checks
    book_files        each class file's stat and hashes: a re-run rehashes changed files only
    book_releases     the release page's figures in SQL (`class_rows`' feedback columns,
                      `releases`)
    book_review       the review queue in SQL (`class_items`, `resolutions`)
    book_analysis     the item analysis in SQL (`class_checks`, `class_epochs`, `class_rows`)

Written as each result completes, one transaction per result, in WAL mode with full sync: a
grader killed with SIGKILL loses nothing it had finished, and the next run picks up from there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

from grader.classroom.book_analysis import ItemAnalysis
from grader.classroom.book_cache import CachedVerdict, Graded, VerdictCache
from grader.classroom.book_corrections import (
    Comment,
    Corrections,
    Release,
    Resolution,
    StaleVersion,
)
from grader.classroom.book_files import FileHashes
from grader.classroom.book_releases import ReleaseRows
from grader.classroom.book_review import ReviewRows, backfill_similar_items
from grader.classroom.book_rows import (
    ClassCounts,
    ClassRows,
    Page,
    RowFilter,
    backfill_class_rows,
    row_key,
)
from grader.classroom.book_runs import RunHistory, RunInfo
from grader.classroom.book_store import (
    FILENAME,
    SCHEMA,
    SCHEMA_VERSION,
    current_user,
    now,
    open_connection,
)
from grader.results import SubmissionResult

__all__ = [
    "FILENAME",
    "SCHEMA",
    "SCHEMA_VERSION",
    "CachedVerdict",
    "ClassCounts",
    "Comment",
    "Gradebook",
    "Graded",
    "Page",
    "Release",
    "Resolution",
    "RowFilter",
    "RunInfo",
    "StaleVersion",
    "current_user",
    "now",
]


class Gradebook(
    ItemAnalysis, ReviewRows, FileHashes, ReleaseRows, Corrections, ClassRows, VerdictCache,
    RunHistory,
):  # fmt: skip
    """One SQLite file; use from one thread (the batch's main loop, or one request)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = open_connection(path, _backfill)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def keep(
        self,
        run_id: int,
        graded: list[Graded],
        verdict: CachedVerdict | None,
        bases: Sequence[SubmissionResult],
        prior: tuple[int, Mapping[str, str]] | None = None,
    ) -> list[str]:
        """A verdict, the grades of the submissions it decides and their class rows, in one
        transaction (one sync to disk per verdict, not two). A row the run `prior` (its id,
        its rows' keys) holds as it is now is copied, not written again. Each row's key."""
        with self._transaction():
            self._record(run_id, graded, verdict)
            versions = self.verdict_versions(g.cache_key for g in graded if g.cache_key)
            keys = [
                row_key(b, g.cache_key, versions.get(g.cache_key or ""))
                for b, g in zip(bases, graded, strict=True)
            ]
            same = [
                b.id
                for b, k in zip(bases, keys, strict=True)
                if prior and k and prior[1].get(b.id) == k
            ]
            if prior and same:
                self._copy_class_rows(run_id, prior[0], same)
            known = set(same)
            fresh = [(b, k) for b, k in zip(bases, keys, strict=True) if b.id not in known]
            self._record_class_rows(run_id, [b for b, _ in fresh], [k for _, k in fresh])
        return keys


def _backfill(db: sqlite3.Connection) -> None:
    """What an older gradebook lacks, filled in the migration's transaction: the class rows'
    newer columns and parts from their stored results, the similar pairs from similarity.json."""
    backfill_class_rows(db)
    backfill_similar_items(db)
