"""The gradebook's verdict cache: one verdict per cache key, and each run's grade of each
submission (graded, a duplicate, reused from the cache, or a grader failure).

The caching contract: a verdict is kept under a key that holds everything it depends on
(grader.classroom.keys); a run reuses it when the key matches, and records in one transaction
the verdict it graded and the rows of every submission that verdict decides.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.classroom.book_store import Connected, now
from grader.results import SubmissionResult, submission_result_from_dict


@dataclass(frozen=True)
class Graded:
    """One submission's row: its result and how this run came by it."""

    result: SubmissionResult
    cache_key: str | None
    origin: str  # graded, duplicate, cache, failed


@dataclass(frozen=True)
class CachedVerdict:
    """A verdict graded in this run, to keep under its cache key."""

    cache_key: str
    content_key: str
    spec_key: str
    grader_version: str
    worker: str
    result: SubmissionResult


class VerdictCache(Connected):
    def cached(self, keys: Iterable[str]) -> dict[str, SubmissionResult]:
        """The verdicts already in the gradebook for these cache keys (each decoded once)."""
        found: dict[str, SubmissionResult] = {}
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for key, text in self.db.execute(
                f"SELECT cache_key, result FROM results WHERE cache_key IN ({marks})", chunk
            ):
                found[key] = submission_result_from_dict(json.loads(text))
        return found

    def record(
        self, run_id: int, graded: list[Graded], verdict: CachedVerdict | None = None
    ) -> None:
        """One transaction: a new verdict (if any) and the rows of every submission it decides."""
        with self._transaction():
            self._record(run_id, graded, verdict)

    def _record(self, run_id: int, graded: list[Graded], verdict: CachedVerdict | None) -> None:
        """`record` inside a transaction the caller holds."""
        stamp = now()
        if verdict is not None:
            result = verdict.result
            self.db.execute(
                "INSERT OR REPLACE INTO results VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    verdict.cache_key,
                    result.exercise,
                    verdict.content_key,
                    verdict.spec_key,
                    verdict.grader_version,
                    result.status,
                    int(result.passed),
                    result.score,
                    result.max_score,
                    result.duration_s,
                    result.graded_at or stamp,
                    run_id,
                    verdict.worker,
                    result.id,
                    Path(result.path).name,
                    json.dumps(result.to_dict(), ensure_ascii=False),
                ),
            )
        self.db.executemany(
            "INSERT OR REPLACE INTO grades VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    run_id,
                    g.result.id,
                    g.result.path,
                    g.result.sha256,
                    g.cache_key,
                    g.origin,
                    g.result.status,
                    int(g.result.passed),
                    g.result.score,
                    g.result.max_score,
                    stamp,
                )
                for g in graded
            ],
        )

    def grades(self, run_id: int) -> list[dict[str, Any]]:
        return self._dicts("SELECT * FROM grades WHERE run_id = ? ORDER BY submission_id", run_id)

    def recent_grades(self, run_id: int, count: int) -> list[dict[str, Any]]:
        """The run's last `count` grades recorded, newest first (the live view's list)."""
        return self._dicts(
            "SELECT * FROM grades WHERE run_id = ? "
            "ORDER BY recorded_at DESC, submission_id LIMIT ?",
            run_id,
            count,
        )

    def verdict_versions(self, keys: Iterable[str]) -> dict[str, int]:
        """The version of each kept verdict (its row id: a replaced verdict gets a new row)."""
        found: dict[str, int] = {}
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            found.update(
                self.db.execute(
                    f"SELECT cache_key, rowid FROM results WHERE cache_key IN ({marks})", chunk
                ).fetchall()
            )
        return found
