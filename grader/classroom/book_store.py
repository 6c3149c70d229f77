"""The gradebook's one SQLite connection, its schema, and the migration of an older file.

Tables (each concern's module reads and writes its own):

    meta        the schema version
    runs        one row per `grader grade`: when, who, where, versions, spec, args (book_runs)
    results     one verdict per cache key (content + spec + grader + limits): the cache
                (book_cache)
    grades      one row per submission per run: its verdict and whether it was graded in that
                run, was a duplicate of another submission, or came from an earlier run
                (book_cache)
    class_rows  one row per submission or roster student per run: its student (and by which
                rule), submission time, late penalty and result before overrides, with the
                figures a page filters and sorts by in columns of their own (book_rows)
    class_checks one row per check of each class row: its status, points, place and hint, its
                row's total and whether the row was handed in (book_rows; the overview's
                "failing check" filter and the item analysis read it)
    class_epochs one row per epoch of each class row's training history: its training accuracy
                (schema 4; the item analysis's band and one student's curve, book_analysis)
    class_items  one row per review item of each class row (evidence, error, seeds, missing,
                late), written with it, and the run's similar pairs, written at its end
                (schema 4; the review queue, book_review)
    overrides, comments, resolutions, releases: human corrections (book_corrections)
    file_hashes  each class file's stat when it was last hashed, and its hashes (book_files)

Written in WAL mode with full sync: a grader killed with SIGKILL loses nothing it had finished.
Several graders may share one gradebook (SQLite's locking; writers wait up to 30 s). Opening
a complete gradebook writes nothing (a workbench page never takes the write lock); an older one
is brought to this schema in place, in one transaction (`MIGRATIONS`).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.errors import InfrastructureError

SCHEMA_VERSION = 4
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
CREATE INDEX IF NOT EXISTS grades_by_time ON grades (run_id, recorded_at);
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
    passed        INTEGER NOT NULL DEFAULT 0,  -- (schema 2) before overrides
    score         REAL NOT NULL DEFAULT 0,     -- (schema 2) after the late penalty
    sort_key      TEXT NOT NULL DEFAULT '',    -- (schema 2) the listing order: missing last, id
    row_key       TEXT NOT NULL DEFAULT '',    -- (schema 2) what the row is made of (book_rows)
    feedback_key  TEXT NOT NULL DEFAULT '',    -- (schema 3) its feedback's fingerprint while
                                               -- uncorrected (grader.classroom.feedback)
    layouts       TEXT NOT NULL DEFAULT '',    -- (schema 3) the release layouts that name it
    duration_s    REAL NOT NULL DEFAULT 0,     -- (schema 4) how long its grading took
    seeds_agreed  INTEGER NOT NULL DEFAULT 0,  -- (schema 4) decided on seeds that all agreed
    PRIMARY KEY (run_id, submission_id)
);
CREATE INDEX IF NOT EXISTS class_rows_in_order ON class_rows (run_id, sort_key);
CREATE INDEX IF NOT EXISTS class_rows_by_status ON class_rows (run_id, status, sort_key);
CREATE INDEX IF NOT EXISTS class_rows_by_score ON class_rows (run_id, score, sort_key);
-- What the release page counts is read from this index alone, never a row's stored result.
CREATE INDEX IF NOT EXISTS class_rows_for_release
    ON class_rows (run_id, layouts, status, feedback_key, submission_id);
-- The item analysis's grading times (quartiles, the slowest, the strip's dots), from the index.
CREATE INDEX IF NOT EXISTS class_rows_by_duration
    ON class_rows (run_id, duration_s, status, submission_id);
-- The review queue's count of results whose seeds agreed.
CREATE INDEX IF NOT EXISTS class_rows_by_seeds ON class_rows (run_id, seeds_agreed);
-- A filtered and sorted overview page (status, result, then score) from the index alone.
CREATE INDEX IF NOT EXISTS class_rows_filtered
    ON class_rows (run_id, status, passed, score, sort_key, late_percent);
CREATE TABLE IF NOT EXISTS class_checks (
    run_id        INTEGER NOT NULL,
    submission_id TEXT NOT NULL,
    check_id      TEXT NOT NULL,
    status        TEXT NOT NULL,       -- pass, fail, error, skip
    score         REAL NOT NULL,
    max_score     REAL NOT NULL,
    position      INTEGER NOT NULL DEFAULT 0,  -- (schema 4) its place in the exercise's checks
    hint_id       TEXT NOT NULL DEFAULT '',    -- (schema 4) the hint it gave ('' none)
    hint          TEXT NOT NULL DEFAULT '',    -- (schema 4) the hint's text
    row_total     REAL NOT NULL DEFAULT 0,     -- (schema 4) its row's checks' scores added up
    handed        INTEGER NOT NULL DEFAULT 1,  -- (schema 4) 0: a missing student's (skipped)
    PRIMARY KEY (run_id, submission_id, check_id)
);
CREATE INDEX IF NOT EXISTS class_checks_by_check ON class_checks (run_id, check_id, status);
-- The item analysis: each check's figures, and its hints, over the class from the index alone
-- (grader.classroom.book_analysis).
CREATE INDEX IF NOT EXISTS class_checks_for_analysis
    ON class_checks (run_id, handed, check_id, position, status, score, max_score, row_total);
CREATE INDEX IF NOT EXISTS class_checks_by_hint
    ON class_checks (run_id, handed, check_id, hint_id, hint);
CREATE TABLE IF NOT EXISTS class_epochs (
    run_id        INTEGER NOT NULL,
    submission_id TEXT NOT NULL,
    epoch         INTEGER NOT NULL,    -- as its training history numbers it
    accuracy      REAL NOT NULL,       -- the training accuracy it logged (finite)
    PRIMARY KEY (run_id, submission_id, epoch)
);
-- The training band's quartiles: per epoch, the accuracies in order, from the index alone.
CREATE INDEX IF NOT EXISTS class_epochs_in_order ON class_epochs (run_id, epoch, accuracy);
CREATE TABLE IF NOT EXISTS class_items (
    run_id        INTEGER NOT NULL,
    submission_id TEXT NOT NULL,
    item          TEXT NOT NULL,       -- its key: kind, or kind:subject (the resolutions' item)
    kind          TEXT NOT NULL,       -- grader.classroom.review.KINDS
    rank          INTEGER NOT NULL,    -- the kind's place in the queue's order
    sort_key      TEXT NOT NULL,       -- its submission's listing order (class_rows.sort_key)
    fingerprint   TEXT NOT NULL,       -- sha256 of the figures that raised it
    reason        TEXT NOT NULL,
    figures       TEXT NOT NULL,       -- JSON: what raised it
    others        TEXT NOT NULL,       -- JSON: the other submissions it concerns (a pair)
    PRIMARY KEY (run_id, submission_id, item)
);
-- The review queue's pages: by kind, then as the class is listed (keyset).
CREATE INDEX IF NOT EXISTS class_items_in_order ON class_items (run_id, rank, sort_key, item);
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
-- The latest resolution of one review item, and its fingerprint, from the index alone.
CREATE INDEX IF NOT EXISTS resolutions_latest
    ON resolutions (exercise, submission_id, item, id, fingerprint);
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
-- Each submission's latest release and its fingerprint, from the index alone (book_releases).
CREATE INDEX IF NOT EXISTS releases_latest ON releases (exercise, submission_id, fingerprint);
CREATE TABLE IF NOT EXISTS file_hashes (
    path          TEXT PRIMARY KEY,    -- absolute, as the class folder was given
    stamp         TEXT NOT NULL,       -- device:inode:size:mtime_ns:ctime_ns when it was hashed
    content_key   TEXT NOT NULL,       -- grader.classroom.keys.content_key of its bytes
    sha256        TEXT NOT NULL
);
"""

SCHEMA_OBJECTS = frozenset(re.findall(r"CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)", SCHEMA))
# Columns added to a table after it was first written: an older file gains them in place.
ADDED_COLUMNS = {
    "class_rows": (
        "passed INTEGER NOT NULL DEFAULT 0",
        "score REAL NOT NULL DEFAULT 0",
        "sort_key TEXT NOT NULL DEFAULT ''",
        "row_key TEXT NOT NULL DEFAULT ''",
        "feedback_key TEXT NOT NULL DEFAULT ''",
        "layouts TEXT NOT NULL DEFAULT ''",
        "duration_s REAL NOT NULL DEFAULT 0",
        "seeds_agreed INTEGER NOT NULL DEFAULT 0",
    ),
    "class_checks": (
        "position INTEGER NOT NULL DEFAULT 0",
        "hint_id TEXT NOT NULL DEFAULT ''",
        "hint TEXT NOT NULL DEFAULT ''",
        "row_total REAL NOT NULL DEFAULT 0",
        "handed INTEGER NOT NULL DEFAULT 1",
    ),
}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container without a passwd entry
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


class Connected:
    """The one connection every concern of the gradebook works through; from one thread."""

    path: Path
    db: sqlite3.Connection

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

    def _dicts(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]


def open_connection(
    path: Path, backfill: Callable[[sqlite3.Connection], None]
) -> sqlite3.Connection:
    """The gradebook at `path`, created or brought to SCHEMA_VERSION. `backfill` fills what an
    older file lacks (the class rows' new columns) inside the migration's transaction."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        if not _complete(db):  # new, or older: one write transaction to settle
            _migrate(db, backfill)
        version = int(
            db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        )
    except (sqlite3.Error, OSError) as exc:
        raise InfrastructureError(f"cannot open the gradebook {path}: {exc}") from None
    if version != SCHEMA_VERSION:
        db.close()
        raise InfrastructureError(
            f"the gradebook {path} has schema version {version}; this grader reads {SCHEMA_VERSION}"
        )
    return db


def _complete(db: sqlite3.Connection) -> bool:
    """Whether every table and index of SCHEMA is there at this version: then opening writes
    nothing (a reader, such as a workbench page, never takes the write lock)."""
    present = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    if not SCHEMA_OBJECTS.issubset(present):
        return False
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return row is not None and int(row[0]) >= SCHEMA_VERSION


def _migrate(db: sqlite3.Connection, backfill: Callable[[sqlite3.Connection], None]) -> None:
    db.execute("BEGIN IMMEDIATE")
    try:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        row = (
            db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if ("meta" in tables)
            else None
        )
        version = int(row[0]) if row else None
        if version is not None and version > SCHEMA_VERSION:
            db.execute("ROLLBACK")  # newer than this grader: refused by the caller, untouched
            return
        for table, columns in ADDED_COLUMNS.items():
            if table not in tables:
                continue
            have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column.split()[0] not in have:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        if version is not None and version < SCHEMA_VERSION:
            backfill(db)
        db.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
