"""The gradebook's side of the workbench: the `comments`, `resolutions` and `releases` tables
added to a gradebook written before they existed (opened and migrated in place, never refused),
and the version counter that makes a correction based on a stale view fail inside the
transaction, changing nothing."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from grader.classroom.gradebook import (
    FILENAME,
    SCHEMA,
    SCHEMA_VERSION,
    Comment,
    Gradebook,
    Release,
    Resolution,
    StaleVersion,
)
from grader.classroom.overrides import Override

ALICE = Override(
    0, "mnist_callback", "alice", "runs", 1.0, 0.0, "fail", "fine", "ta", "2026-03-02T10:00:00"
)


def old_gradebook(path: Path) -> None:
    """A gradebook as the grader wrote it before comments: the schema without that table."""
    before = SCHEMA.split("CREATE TABLE IF NOT EXISTS comments")[0]
    assert "comments" not in before
    db = sqlite3.connect(path)
    db.executescript(before)
    db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    db.execute(
        "INSERT INTO overrides (exercise, submission_id, check_id, score, auto_score, "
        "auto_status, reason, user, created_at) VALUES "
        "('mnist_callback', 'bob', '', 7, 5, 'graded', 'oral exam', 'ta', '2026-01-01T00:00:00')"
    )
    db.commit()
    db.close()


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_a_gradebook_without_the_comments_table_opens_and_gains_it(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    old_gradebook(path)
    assert "comments" not in tables(path)
    with Gradebook(path) as book:  # not refused: the same schema version
        assert [o.reason for o in book.overrides()] == ["oral exam"]  # nothing lost
        assert book.comments("mnist_callback") == []
        book.add_comment(Comment(0, "mnist_callback", "bob", "well done", "ta", "t1"))
    assert "comments" in tables(path)
    with Gradebook(path) as book:
        (comment,) = book.comments("mnist_callback", "bob")
        assert (comment.text, comment.user) == ("well done", "ta")
        assert book.corrections_version("mnist_callback", "bob") == 2  # the override, the comment


def test_every_correction_raises_the_version_and_a_stale_one_changes_nothing(
    tmp_path: Path,
) -> None:
    with Gradebook(tmp_path / FILENAME) as book:
        version = book.corrections_version("mnist_callback", "alice")
        assert version == 0
        book.add_override(ALICE, expected=0)
        assert book.corrections_version("mnist_callback", "alice") == 1
        book.add_override(replace(ALICE, score=0.5), expected=1)  # replaces: +1 row, +1 removed
        assert book.corrections_version("mnist_callback", "alice") == 3
        with pytest.raises(StaleVersion) as stale:
            book.add_override(replace(ALICE, score=0.0), expected=1)
        assert (stale.value.expected, stale.value.current) == (1, 3)
        with pytest.raises(StaleVersion):
            book.remove_override("mnist_callback", "alice", "runs", "ta", expected=2)
        with pytest.raises(StaleVersion):
            book.add_comment(Comment(0, "mnist_callback", "alice", "x", "ta", "t"), expected=0)
        # the refused changes left nothing behind: one override in force, at 0.5, no comment
        assert [o.score for o in book.overrides()] == [0.5]
        assert book.comments("mnist_callback") == []
        assert book.remove_override("mnist_callback", "alice", "runs", "grace", expected=3) == 1
        history = book.override_history("mnist_callback", "alice")
        assert [(h["score"], h["removed_by"]) for h in history] == [(1.0, "ta"), (0.5, "grace")]
        assert book.corrections_version("mnist_callback", "alice") == 4
        assert book.corrections_version("mnist_callback", "bob") == 0  # per submission


def test_a_gradebook_of_the_first_workbench_gains_the_review_and_release_tables(
    tmp_path: Path,
) -> None:
    """Written by the workbench's first slice: comments, no resolutions, no releases."""
    path = tmp_path / FILENAME
    before = SCHEMA.split("CREATE TABLE IF NOT EXISTS resolutions")[0]
    assert "comments" in before and "releases" not in before
    db = sqlite3.connect(path)
    db.executescript(before)
    db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    db.execute(
        "INSERT INTO comments (exercise, submission_id, text, user, created_at) VALUES "
        "('mnist_callback', 'bob', 'see me', 'ta', '2026-01-01T00:00:00')"
    )
    db.commit()
    db.close()
    assert {"resolutions", "releases"}.isdisjoint(tables(path))
    with Gradebook(path) as book:  # not refused: the same schema version
        assert [c.text for c in book.comments("mnist_callback")] == ["see me"]  # nothing lost
        assert book.resolutions("mnist_callback") == [] and book.releases("mnist_callback") == []
        book.add_resolution(
            Resolution(0, "mnist_callback", "bob", "late", "f" * 64, "ok", "ta", "t")
        )
        book.add_releases(
            [Release(0, "mnist_callback", "bob", "e" * 64, "files", "bob.html", "ta", "t")]
        )
    assert {"resolutions", "releases"} <= tables(path)
    with Gradebook(path) as book:
        (settled,) = book.resolutions("mnist_callback")
        (given,) = book.releases("mnist_callback")
        assert (settled.item, settled.note, settled.user) == ("late", "ok", "ta")
        assert (given.submission_id, given.layout, given.name) == ("bob", "files", "bob.html")
        assert book.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == str(
            SCHEMA_VERSION
        )
