"""The gradebook's run history: one row per `grader grade`, who ran it where with what, and how
it ended (a run whose process is gone is marked `interrupted` by the next one)."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grader.classroom.book_store import Connected, current_user, now


@dataclass(frozen=True)
class RunInfo:
    """What a run is, as the audit trail records it."""

    exercise: str
    spec_hash: str
    spec_key: str
    source: str
    args: Mapping[str, Any]
    executor: str
    isolation: str
    timeout_s: float
    identity: Mapping[str, str]  # grader_identity(): grader, tensorflow, keras, python, platform


class RunHistory(Connected):
    def start_run(self, info: RunInfo) -> int:
        """Record a run; earlier runs on this host whose process is gone become `interrupted`."""
        host = socket.gethostname()
        with self._transaction():
            stale = self.db.execute(
                "SELECT id, pid FROM runs WHERE status = 'running' AND host = ?", (host,)
            ).fetchall()
            for run_id, pid in stale:
                if not _alive(pid):
                    self.db.execute(
                        "UPDATE runs SET status = 'interrupted' WHERE id = ?", (run_id,)
                    )
            cursor = self.db.execute(
                "INSERT INTO runs (started_at, status, user, host, pid, grader_version, "
                "tensorflow_version, keras_version, python_version, platform, exercise, "
                "spec_hash, spec_key, source, args, executor, isolation, timeout_s) "
                "VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    now(),
                    current_user(),
                    host,
                    os.getpid(),
                    info.identity["grader"],
                    info.identity["tensorflow"],
                    info.identity["keras"],
                    info.identity["python"],
                    info.identity["platform"],
                    info.exercise,
                    info.spec_hash,
                    info.spec_key,
                    info.source,
                    json.dumps(dict(info.args), ensure_ascii=False, default=str),
                    info.executor,
                    info.isolation,
                    info.timeout_s,
                ),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def finish_run(self, run_id: int, status: str, counts: Mapping[str, Any]) -> None:
        with self._transaction():
            self.db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, submissions = ?, graded = ?, "
                "duplicates = ?, reused = ?, passed = ?, failed = ?, wall_s = ? WHERE id = ?",
                (
                    now(),
                    status,
                    counts.get("submissions"),
                    counts.get("graded"),
                    counts.get("duplicates"),
                    counts.get("reused"),
                    counts.get("passed"),
                    counts.get("failed"),
                    counts.get("wall_s"),
                    run_id,
                ),
            )

    def runs(self) -> list[dict[str, Any]]:
        return self._dicts("SELECT * FROM runs ORDER BY id")

    def run(self, run_id: int) -> dict[str, Any] | None:
        """One run's row (a page reads its class's latest run, not the whole history)."""
        found = self._dicts("SELECT * FROM runs WHERE id = ?", run_id)
        return found[0] if found else None

    def latest_run(self, exercise: str | None = None, out_dir: str | None = None) -> int | None:
        """The newest run with class rows (of an exercise; written to `out_dir`, if given)."""
        rows = self.db.execute(
            "SELECT id, exercise, args FROM runs r WHERE EXISTS "
            "(SELECT 1 FROM class_rows c WHERE c.run_id = r.id) ORDER BY id DESC"
        ).fetchall()
        for run_id, run_exercise, args in rows:
            if exercise and run_exercise != exercise:
                continue
            if out_dir and json.loads(args).get("out_dir") not in (None, out_dir):
                continue
            return int(run_id)
        return None

    def run_exercise(self, run_id: int) -> str:
        return str(self.scalar("SELECT exercise FROM runs WHERE id = ?", (run_id,)))

    def run_args(self, run_id: int) -> dict[str, Any]:
        return dict(json.loads(self.scalar("SELECT args FROM runs WHERE id = ?", (run_id,))))

    def history(self, submission_id: str) -> list[dict[str, Any]]:
        """Every grade a submission got, oldest first, with the run that gave it."""
        return self._dicts(
            "SELECT g.*, r.started_at, r.user, r.grader_version, r.spec_hash FROM grades g "
            "JOIN runs r ON r.id = g.run_id WHERE g.submission_id = ? ORDER BY g.run_id",
            submission_id,
        )

    def typical_duration(self, exercise: str) -> float | None:
        """The median grading time of this exercise's recent verdicts (for a first ETA)."""
        rows = [
            r[0]
            for r in self.db.execute(
                "SELECT duration_s FROM results WHERE exercise = ? AND status != 'error' "
                "ORDER BY graded_at DESC LIMIT 50",
                (exercise,),
            )
        ]
        return sorted(rows)[len(rows) // 2] if rows else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
