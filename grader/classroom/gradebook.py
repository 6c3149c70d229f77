"""The gradebook: every verdict and every run, in one SQLite file (stdlib `sqlite3`).

Tables:

    runs     one row per `grader grade`: when, who, where, with which versions, spec and args
    results  one verdict per cache key (content + spec + grader + limits): the cache
    grades   one row per submission per run: which verdict it got, and whether it was graded in
             that run, was a duplicate of another submission, or came from an earlier run
    class_rows one row per submission or roster student per run: the student it belongs to (and
             by which rule), its submission time, late penalty and result before overrides
    overrides  human corrections: who, when, why, and the automatic verdict they corrected
    comments   notes for the student, left from `grader serve`: who, when, what (added later:
             opening an older gradebook adds the table, nothing else changes)
    resolutions  review-queue items a human settled: which item, the fingerprint of the figures
             that raised it, who, when, a note (added later, as `comments`)
    releases   feedback handed to students: which submission, the fingerprint of what was
             released, the LMS layout and name, who, when (added later, as `comments`)

Written as each result completes, one transaction per result, in WAL mode with full sync: a
grader killed with SIGKILL loses nothing it had finished, and the next run picks up from there.
Several graders may share one gradebook (SQLite's locking; writers wait up to 30 s).

Over 400 lines: one class and the schema it keeps; the caching contract below is read
beside the SQL that enforces it, so they stay together.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import re
import socket
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.classroom.overrides import Override
from grader.errors import GraderError, InfrastructureError
from grader.results import SubmissionResult, submission_result_from_dict

SCHEMA_VERSION = 1
FILENAME = "gradebook.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id                 INTEGER PRIMARY KEY,
    started_at         TEXT NOT NULL,
    finished_at        TEXT,
    status             TEXT NOT NULL,  -- running, finished, failed, interrupted
    user               TEXT NOT NULL,
    host               TEXT NOT NULL,
    pid                INTEGER NOT NULL,
    grader_version     TEXT NOT NULL,  -- release + hash of the grading code
    tensorflow_version TEXT NOT NULL,
    keras_version      TEXT NOT NULL,
    python_version     TEXT NOT NULL,
    platform           TEXT NOT NULL,
    exercise           TEXT NOT NULL,
    spec_hash          TEXT NOT NULL,  -- sha256 of exercise.toml as written
    spec_key           TEXT NOT NULL,  -- sha256 of the spec as parsed (part of the cache key)
    source             TEXT NOT NULL,  -- the folder or zip graded
    args               TEXT NOT NULL,  -- JSON: the command line and the settings it resolved to
    executor           TEXT NOT NULL,
    isolation          TEXT NOT NULL,
    timeout_s          REAL NOT NULL,
    submissions        INTEGER,
    graded             INTEGER,        -- graded in this run
    duplicates         INTEGER,        -- same content as another submission of this run
    reused             INTEGER,        -- verdict from an earlier run
    passed             INTEGER,
    failed             INTEGER,
    wall_s             REAL
);
CREATE TABLE IF NOT EXISTS results (
    cache_key      TEXT PRIMARY KEY,
    exercise       TEXT NOT NULL,
    content_key    TEXT NOT NULL,
    spec_key       TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    status         TEXT NOT NULL,
    passed         INTEGER NOT NULL,
    score          REAL NOT NULL,
    max_score      REAL NOT NULL,
    duration_s     REAL NOT NULL,
    graded_at      TEXT NOT NULL,
    run_id         INTEGER NOT NULL REFERENCES runs(id),
    worker         TEXT NOT NULL,
    submission_id  TEXT NOT NULL,      -- the submission it was graded as
    filename       TEXT NOT NULL,
    result         TEXT NOT NULL       -- SubmissionResult as JSON (results.json's shape)
);
CREATE INDEX IF NOT EXISTS results_by_exercise ON results (exercise, graded_at);
CREATE TABLE IF NOT EXISTS grades (
    run_id        INTEGER NOT NULL REFERENCES runs(id),
    submission_id TEXT NOT NULL,
    path          TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    cache_key     TEXT,                -- NULL when the grader itself failed on it (not cached)
    origin        TEXT NOT NULL,       -- graded, duplicate, cache, failed
    status        TEXT NOT NULL,
    passed        INTEGER NOT NULL,
    score         REAL NOT NULL,
    max_score     REAL NOT NULL,
    recorded_at   TEXT NOT NULL,
    PRIMARY KEY (run_id, submission_id)
);
CREATE INDEX IF NOT EXISTS grades_by_submission ON grades (submission_id, run_id);
CREATE TABLE IF NOT EXISTS class_rows (
    run_id        INTEGER NOT NULL REFERENCES runs(id),
    submission_id TEXT NOT NULL,       -- for a roster student with no submission: their id
    student_id    TEXT,                -- NULL: nobody on the roster owns this submission
    student_name  TEXT,
    match_rule    TEXT,                -- exact id, e-mail, LMS file name, login, normalised name
    status        TEXT NOT NULL,       -- graded, error, timeout, missing
    submitted_at  TEXT,
    time_source   TEXT,
    late_percent  REAL,
    raw_score     REAL NOT NULL,
    max_score     REAL NOT NULL,
    result        TEXT NOT NULL,       -- automatic result + roster + lateness, before overrides
    PRIMARY KEY (run_id, submission_id)
);
CREATE TABLE IF NOT EXISTS overrides (
    id            INTEGER PRIMARY KEY,
    exercise      TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    check_id      TEXT NOT NULL,       -- '' for the whole submission's score
    score         REAL NOT NULL,
    auto_score    REAL NOT NULL,       -- the automatic verdict it corrected
    auto_status   TEXT NOT NULL,
    reason        TEXT NOT NULL,
    user          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    removed_at    TEXT,                -- removed overrides are kept, for the audit trail
    removed_by    TEXT
);
CREATE INDEX IF NOT EXISTS overrides_by_submission ON overrides (exercise, submission_id);
CREATE TABLE IF NOT EXISTS comments (
    id            INTEGER PRIMARY KEY,
    exercise      TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    text          TEXT NOT NULL,
    user          TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS comments_by_submission ON comments (exercise, submission_id);
CREATE TABLE IF NOT EXISTS resolutions (
    id            INTEGER PRIMARY KEY,
    exercise      TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    item          TEXT NOT NULL,       -- the review item: kind, or kind:subject (override:runs)
    fingerprint   TEXT NOT NULL,       -- sha256 of the figures that raised it: new figures reopen
    note          TEXT NOT NULL,
    user          TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resolutions_by_exercise ON resolutions (exercise, submission_id);
CREATE TABLE IF NOT EXISTS releases (
    id            INTEGER PRIMARY KEY,
    exercise      TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,       -- sha256 of the feedback released (grader.classroom.release)
    layout        TEXT NOT NULL,       -- moodle, canvas, files
    name          TEXT NOT NULL,       -- its file or folder name in the zip
    user          TEXT NOT NULL,
    released_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS releases_by_exercise ON releases (exercise, submission_id);
"""


SCHEMA_OBJECTS = frozenset(re.findall(r"CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)", SCHEMA))


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container without a passwd entry
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


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


class Gradebook:
    """One SQLite file; use from one thread (the batch's main loop)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            if not self._complete():  # new, or older (a table added since): one write to settle
                self.db.executescript(f"BEGIN IMMEDIATE; {SCHEMA} COMMIT;")
                self.db.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
                )
            version = int(self.scalar("SELECT value FROM meta WHERE key = 'schema_version'"))
        except (sqlite3.Error, OSError) as exc:
            raise InfrastructureError(f"cannot open the gradebook {path}: {exc}") from None
        if version != SCHEMA_VERSION:
            raise InfrastructureError(
                f"the gradebook {path} has schema version {version}; this grader reads "
                f"{SCHEMA_VERSION}"
            )

    def _complete(self) -> bool:
        """Whether every table and index of SCHEMA is there: then opening writes nothing (a
        reader, such as a workbench page, never takes the write lock)."""
        present = {name for (name,) in self.db.execute("SELECT name FROM sqlite_master")}
        if not SCHEMA_OBJECTS.issubset(present):
            return False
        return self.scalar("SELECT COUNT(*) FROM meta WHERE key = 'schema_version'") == 1

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = self.db.execute(sql, tuple(params)).fetchone()
        return row[0] if row else None

    # -- runs -------------------------------------------------------------------------------

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

    # -- results and grades -----------------------------------------------------------------

    def cached(self, keys: Iterable[str]) -> dict[str, SubmissionResult]:
        """The verdicts already in the gradebook for these cache keys."""
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
        stamp = now()
        with self._transaction():
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

    # -- the class: roster rows and overrides ---------------------------------------------------

    def record_class_rows(self, run_id: int, results: list[SubmissionResult]) -> None:
        """Each submission's (or missing student's) result before overrides, one transaction."""
        rows = []
        for r in results:
            adj = r.adjustments
            student = adj.student if adj else None
            late = adj.late if adj else None
            rows.append(
                (
                    run_id,
                    r.id,
                    student.id if student else None,
                    student.name if student else None,
                    student.rule if student else None,
                    r.status,
                    late.submitted_at if late else None,
                    late.time_source if late else None,
                    late.penalty_percent if late else None,
                    adj.raw_score if adj else r.score,
                    r.max_score,
                    json.dumps(r.to_dict(), ensure_ascii=False),
                )
            )
        with self._transaction():
            marks = ", ".join("?" * 12)
            self.db.executemany(f"INSERT OR REPLACE INTO class_rows VALUES ({marks})", rows)

    def class_results(self, run_id: int) -> list[SubmissionResult]:
        return [
            submission_result_from_dict(json.loads(text))
            for (text,) in self.db.execute(
                "SELECT result FROM class_rows WHERE run_id = ? ORDER BY submission_id", (run_id,)
            )
        ]

    def class_result(self, run_id: int, submission_id: str) -> SubmissionResult | None:
        """One row of `class_results`, read alone (a workbench page of one submission)."""
        text = self.scalar(
            "SELECT result FROM class_rows WHERE run_id = ? AND submission_id = ?",
            (run_id, submission_id),
        )
        return None if text is None else submission_result_from_dict(json.loads(text))

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

    def overrides(self, exercise: str | None = None) -> list[Override]:
        """The overrides in force (of one exercise, or all), oldest first."""
        rows = self.db.execute(
            "SELECT id, exercise, submission_id, check_id, score, auto_score, auto_status, "
            "reason, user, created_at FROM overrides WHERE removed_at IS NULL "
            "AND (? IS NULL OR exercise = ?) ORDER BY id",
            (exercise, exercise),
        ).fetchall()
        return [Override(*row) for row in rows]

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

    # -- the workbench's review queue and feedback releases -------------------------------------

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

    def latest_run(self, exercise: str | None = None, out_dir: str | None = None) -> int | None:
        """The newest run with class rows (of an exercise; written to `out_dir`, if given)."""
        rows = self.db.execute(
            "SELECT id, exercise, args FROM runs WHERE id IN (SELECT run_id FROM class_rows) "
            "ORDER BY id DESC"
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

    def _dicts(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
