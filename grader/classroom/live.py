"""What a running `grader grade` shows any other process: its progress, its ETA and the epoch of
each grading in flight, kept in two tables of the gradebook's file by the grading process as they
change, so that the workbench (`grader serve`, another process) can follow a batch live.

    live_runs  one row per run: submissions in all and done, passed, failed, jobs, ETA, when
    live_jobs  one row per job of a run: its label, running or done, its last epoch and accuracy

The batch's progress display writes them (`BatchProgress(board=...)`): from worker threads, so the
board has a connection of its own, guarded by a lock; each write is one autocommitted statement,
and best effort: a write the database refuses (busy beyond its timeout) is dropped, never raised
into the grading whose event it was (the next event writes the state again).
An older gradebook gains the tables when a batch opens its board.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LIVE_SCHEMA = """
CREATE TABLE IF NOT EXISTS live_runs (
    run_id      INTEGER PRIMARY KEY,
    total       INTEGER NOT NULL,
    done        INTEGER NOT NULL,
    passed      INTEGER NOT NULL,
    failed      INTEGER NOT NULL,
    jobs        INTEGER NOT NULL,
    jobs_done   INTEGER NOT NULL,
    eta_s       REAL,
    updated_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS live_jobs (
    run_id      INTEGER NOT NULL,
    job         TEXT NOT NULL,
    label       TEXT NOT NULL,
    state       TEXT NOT NULL,      -- running, done
    epoch       INTEGER,
    epochs      INTEGER,
    accuracy    REAL,
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (run_id, job)
);
"""


PROGRESS_EVERY_S = 0.5


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class LiveProgress:
    run_id: int
    total: int
    done: int
    passed: int
    failed: int
    jobs: int
    jobs_done: int
    eta_s: float | None
    updated_at: str


@dataclass(frozen=True)
class LiveJob:
    job: str
    label: str
    state: str
    epoch: int | None
    epochs: int | None
    accuracy: float | None
    started_at: str
    updated_at: str


class LiveBoard:
    """The grading process's side: one connection of its own, safe to call from any thread."""

    def __init__(self, path: Path, run_id: int) -> None:
        self.run_id = run_id
        self.lock = threading.Lock()
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        # The board is a view of progress, rebuilt by the next event: no sync to disk per write
        # (the verdicts themselves are written with full sync by the gradebook).
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(LIVE_SCHEMA)
        self.written = 0.0  # when the progress row was last written (time.monotonic)
        self.written_done = 0  # and how many verdicts it counted

    def _write(self, sql: str, params: tuple[object, ...]) -> None:
        with self.lock, contextlib.suppress(sqlite3.Error):
            self.db.execute(sql, params)

    def job(
        self,
        key: str,
        label: str,
        epoch: int | None = None,
        epochs: int | None = None,
        accuracy: float | None = None,
    ) -> None:
        """A job started, or reached an epoch."""
        stamp = _now()
        self._write(
            "INSERT INTO live_jobs VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?) "
            "ON CONFLICT (run_id, job) DO UPDATE SET state = 'running', "
            "epoch = excluded.epoch, epochs = COALESCE(excluded.epochs, epochs), "
            "accuracy = excluded.accuracy, updated_at = excluded.updated_at",
            (self.run_id, key, label, epoch, epochs, accuracy, stamp, stamp),
        )

    def job_done(self, key: str) -> None:
        self._write(
            "UPDATE live_jobs SET state = 'done', updated_at = ? WHERE run_id = ? AND job = ?",
            (_now(), self.run_id, key),
        )

    def progress(
        self,
        total: int,
        done: int,
        passed: int,
        failed: int,
        jobs: int,
        jobs_done: int,
        eta_s: float | None,
    ) -> None:
        """The run's counts. A class of instant verdicts does not write a row per verdict: the
        row is written when the run ends, when a hundredth of the class has come in since the
        last write, or PROGRESS_EVERY_S seconds after it."""
        moment = time.monotonic()
        step = max(1, total // 100)
        recent = moment - self.written < PROGRESS_EVERY_S
        if done < total and recent and done - self.written_done < step:
            return
        self.written, self.written_done = moment, done
        self._write(
            "INSERT OR REPLACE INTO live_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.run_id, total, done, passed, failed, jobs, jobs_done, eta_s, _now()),
        )

    def close(self) -> None:
        with self.lock:
            self.db.close()


def read_live(
    path: Path, run_id: int, running_only: bool = False
) -> tuple[LiveProgress | None, list[LiveJob]]:
    """What the board of `run_id` says now (nothing when that run kept no board); with
    `running_only`, only the jobs in flight (a page of a class of 10,000 reads a few rows)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        if "live_runs" not in tables:
            return None, []
        row = db.execute(
            "SELECT run_id, total, done, passed, failed, jobs, jobs_done, eta_s, updated_at "
            "FROM live_runs WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        jobs = [
            LiveJob(*values)
            for values in db.execute(
                "SELECT job, label, state, epoch, epochs, accuracy, started_at, updated_at "
                "FROM live_jobs WHERE run_id = ? AND (? = 0 OR state = 'running') "
                "ORDER BY started_at, job",
                (run_id, int(running_only)),
            )
        ]
        return (LiveProgress(*row) if row else None), jobs
    finally:
        db.close()
