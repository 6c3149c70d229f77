"""The SQLite gradebook: schema, WAL, one transaction per verdict, audit rows, stale runs.

A real SQLite file in a temporary folder; results from the recorded real gradings in
tests/fixtures/reports/.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from paths import FIXTURES, ROOT

from grader.classroom.gradebook import SCHEMA_VERSION, CachedVerdict, Gradebook, Graded, RunInfo
from grader.classroom.keys import grader_identity
from grader.errors import InfrastructureError
from grader.results import SubmissionResult, read_results


def recorded(name: str) -> SubmissionResult:
    return read_results(FIXTURES / f"mnist_callback-{name}.json").submissions[0]


def info(**changes: object) -> RunInfo:
    base = RunInfo(
        exercise="mnist_callback",
        spec_hash="a" * 64,
        spec_key="b" * 64,
        source="class/",
        args={"argv": ["grade", "class/", "-j", "2"]},
        executor="2 local workers (1 CPU thread each)",
        isolation="namespaces",
        timeout_s=600.0,
        identity=grader_identity(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def columns(db: Path, table: str) -> list[str]:
    with sqlite3.connect(db) as con:
        return [row[1] for row in con.execute(f"PRAGMA table_info({table})")]


def test_schema_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "book.sqlite"
    with Gradebook(path):
        pass
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        expected = {"meta", "runs", "results", "grades", "class_rows", "overrides", "comments"}
        expected |= {"resolutions", "releases", "class_checks", "file_hashes"}
        expected |= {"class_epochs", "class_items"}  # schema 4
        assert tables == expected
        assert con.execute("SELECT value FROM meta").fetchone() == (str(SCHEMA_VERSION),)
    audit = {"user", "host", "grader_version", "tensorflow_version", "python_version",
             "spec_hash", "args", "started_at", "finished_at", "status"}  # fmt: skip
    assert audit <= set(columns(path, "runs"))
    assert columns(path, "grades")[:6] == [
        "run_id", "submission_id", "path", "sha256", "cache_key", "origin",
    ]  # fmt: skip
    with Gradebook(path) as book:  # opening again keeps everything
        run_id = book.start_run(info())
    with Gradebook(path) as book:
        assert [run["id"] for run in book.runs()] == [run_id]
        assert book.scalar("SELECT value FROM meta") == str(SCHEMA_VERSION)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.sqlite"
    with Gradebook(path):
        pass
    with sqlite3.connect(path) as con:
        con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(InfrastructureError, match="schema version 99"):
        Gradebook(path)


def test_run_audit_row(tmp_path: Path) -> None:
    with Gradebook(tmp_path / "book.sqlite") as book:
        run_id = book.start_run(info())
        book.finish_run(run_id, "finished", {"submissions": 3, "graded": 2, "wall_s": 1.5})
        (run,) = book.runs()
    assert run["status"] == "finished" and run["finished_at"] >= run["started_at"]
    assert run["user"] and run["host"] and run["pid"] == os.getpid()
    assert run["grader_version"] == grader_identity()["grader"]
    assert run["tensorflow_version"].startswith("2.")
    assert run["python_version"] == ".".join(map(str, sys.version_info[:3]))
    assert json.loads(run["args"]) == {"argv": ["grade", "class/", "-j", "2"]}
    assert (run["submissions"], run["graded"], run["wall_s"]) == (3, 2, 1.5)


def test_verdicts_are_cached_and_history_is_kept(tmp_path: Path) -> None:
    result = recorded("wrong_message")
    copy = replace(result, id="copy", path="class/copy.py")
    with Gradebook(tmp_path / "book.sqlite") as book:
        first = book.start_run(info())
        verdict = CachedVerdict("k1", "c1", "s1", "g1", "host-a", result)
        book.record(
            first, [Graded(result, "k1", "graded"), Graded(copy, "k1", "duplicate")], verdict
        )
        second = book.start_run(info())
        cached = book.cached(["k1", "missing"])
        assert list(cached) == ["k1"]
        assert cached["k1"] == result  # exactly the result, through JSON and back
        book.record(second, [Graded(result, "k1", "cache")])
        history = book.history(result.id)
        assert [(h["run_id"], h["origin"]) for h in history] == [
            (first, "graded"),
            (second, "cache"),
        ]
        assert book.typical_duration("mnist_callback") == result.duration_s
        assert [g["submission_id"] for g in book.grades(first)] == ["copy", result.id]


def test_a_failed_record_leaves_nothing_half_written(tmp_path: Path) -> None:
    result = recorded("wrong_message")
    with Gradebook(tmp_path / "book.sqlite") as book:
        run_id = book.start_run(info())
        bad = Graded(replace(result, id=None), "k1", "graded")  # type: ignore[arg-type]
        with pytest.raises(sqlite3.IntegrityError):
            book.record(run_id, [bad], CachedVerdict("k1", "c", "s", "g", "w", result))
        assert book.cached(["k1"]) == {}  # the verdict went with the failed grade row
        assert book.grades(run_id) == []


@pytest.mark.integration
def test_a_run_whose_process_died_becomes_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "book.sqlite"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    with Gradebook(path) as book:
        stale = book.start_run(info())
        book.db.execute("UPDATE runs SET pid = ? WHERE id = ?", (int(dead.stdout), stale))
        alive = book.start_run(info())  # this process: still running
        book.start_run(info())
        statuses = {r["id"]: r["status"] for r in book.runs()}
    assert statuses[stale] == "interrupted"
    assert statuses[alive] == "running"


@pytest.mark.integration
def test_two_processes_share_a_gradebook(tmp_path: Path) -> None:
    """Another grader writing at the same time waits for the lock instead of failing."""
    path = tmp_path / "book.sqlite"
    result = recorded("wrong_message")
    script = (
        # the paths pytest gives this module
        "import sys; from pathlib import Path; sys.path[:0] = ['tests', 'tests/classroom']\n"
        "from test_gradebook import *\n"
        "with Gradebook(Path(sys.argv[1])) as book:\n"
        "    for i in range(30):\n"
        "        r = book.start_run(info())\n"
        "        res = recorded('wrong_message')\n"
        "        book.record(r, [Graded(res, f'p{i}', 'graded')],"
        " CachedVerdict(f'p{i}', 'c', 's', 'g', 'w', res))\n"
    )
    other = subprocess.Popen([sys.executable, "-c", script, str(path)], cwd=ROOT)
    with Gradebook(path) as book:
        for i in range(30):
            run_id = book.start_run(info())
            book.record(run_id, [Graded(result, f"m{i}", "graded")],
                        CachedVerdict(f"m{i}", "c", "s", "g", "w", result))  # fmt: skip
    assert other.wait(timeout=60) == 0
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT COUNT(*) FROM results").fetchone() == (60,)
        assert con.execute("SELECT COUNT(*) FROM runs").fetchone() == (60,)


def test_overrides_are_kept_replaced_and_removed_with_an_audit_trail(tmp_path: Path) -> None:
    from grader.classroom.overrides import Override

    path = tmp_path / "book.sqlite"
    first = Override(0, "mnist_callback", "alice", "runs", 1.0, 0.0, "fail", "typo", "ta", "t1")
    with Gradebook(path) as book:
        book.add_override(first)
        book.add_override(replace(first, score=0.5, reason="half", at="t2"))  # replaces the first
        book.add_override(replace(first, check="", score=7.0, reason="oral"))
        assert [(o.check, o.score) for o in book.overrides("mnist_callback")] == [
            ("runs", 0.5),
            ("", 7.0),
        ]
        assert book.overrides("fashion_mnist") == []
        assert book.remove_override("mnist_callback", "alice", "runs") == 1
        assert book.remove_override("mnist_callback", "alice", "runs") == 0
        assert [o.check for o in book.overrides()] == [""]
    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT score, removed_at IS NOT NULL FROM overrides ORDER BY id")
        assert rows.fetchall() == [(1.0, 1), (0.5, 1), (7.0, 0)]  # nothing is deleted


def test_class_rows_round_trip_the_result_before_overrides(tmp_path: Path) -> None:
    from grader.classroom.overrides import with_context
    from grader.results.adjustments import StudentMatch

    result = with_context(recorded("syntax_error"), StudentMatch("s1", "Zoë", rule="e-mail"), None)
    with Gradebook(tmp_path / "book.sqlite") as book:
        run_id = book.start_run(info(args={"out_dir": "/x/out"}))
        book.record_class_rows(run_id, [result])
        assert book.latest_run("mnist_callback", "/x/out") == run_id
        assert book.latest_run("mnist_callback", "/elsewhere") is None
        (back,) = book.class_results(run_id)
    assert back == result and back.adjustments and back.adjustments.student
    assert back.adjustments.student.name == "Zoë"
    assert book_reads_one_row(tmp_path / "book.sqlite", run_id, result)


def book_reads_one_row(path: Path, run_id: int, result: SubmissionResult) -> bool:
    with Gradebook(path) as book:
        assert book.class_result(run_id, result.id) == result
        assert book.class_result(run_id, "nobody") is None
        assert book.class_result(run_id + 1, result.id) is None
    return True


def test_opening_a_complete_gradebook_takes_no_write_lock(tmp_path: Path) -> None:
    """A reader (a workbench page) opens the gradebook while a batch holds the write lock:
    it reads at once instead of waiting for the writer."""
    import threading

    path = tmp_path / "book.sqlite"
    with Gradebook(path) as book:
        book.start_run(info())
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # what a batch recording a verdict holds
    opened: list[int] = []

    def read() -> None:
        with Gradebook(path) as book:
            opened.append(len(book.runs()))

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(timeout=5)
    writer.execute("ROLLBACK")
    writer.close()
    assert opened == [1], "the reader waited for the writer's lock"


def test_the_changes_stamp_moves_with_every_human_change(tmp_path: Path) -> None:
    from grader.classroom.gradebook import Comment, Release, Resolution
    from grader.classroom.overrides import Override

    result = recorded("syntax_error")
    with Gradebook(tmp_path / "book.sqlite") as book:
        stamps = [book.changes("mnist_callback")]
        override = Override(
            0, "mnist_callback", result.id, "runs", 1.0, 0.0, "fail", "ok", "ta", "t"
        )
        book.add_override(override)
        stamps.append(book.changes("mnist_callback"))
        book.remove_override("mnist_callback", result.id, "runs", "ta")
        stamps.append(book.changes("mnist_callback"))
        book.add_comment(Comment(0, "mnist_callback", result.id, "hi", "ta", "t"))
        stamps.append(book.changes("mnist_callback"))
        settled = Resolution(0, "mnist_callback", result.id, "timeout", "f", "", "ta", "t")
        book.add_resolution(settled)
        stamps.append(book.changes("mnist_callback"))
        book.add_releases([Release(0, "mnist_callback", result.id, "f", "files", "n", "ta", "t")])
        stamps.append(book.changes("mnist_callback"))
        other = book.changes("fashion_mnist")
    assert len(set(stamps)) == len(stamps) == 6
    assert other == stamps[0]  # another exercise's corrections do not move this one's


def test_a_schema_1_gradebook_is_migrated_in_place(tmp_path: Path) -> None:
    """tests/fixtures/gradebook/v1.sqlite was written by the gradebook before its split (schema
    1): it opens, gains the class rows' columns and checks (filled from the stored results),
    and keeps every run, verdict, override, comment, resolution and release."""
    path = tmp_path / "book.sqlite"
    path.write_bytes((FIXTURES.parent / "gradebook" / "v1.sqlite").read_bytes())
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT value FROM meta").fetchone() == ("1",)
        assert "sort_key" not in columns(path, "class_rows")
        # one row made a grading that failed, by hand: the queue must list it after the move
        con.execute(
            "UPDATE class_rows SET result = json_set(result, '$.status', 'error', '$.error', "
            "'it broke') WHERE submission_id = 'syntax_error'"
        )
    with Gradebook(path) as book:
        assert book.scalar("SELECT value FROM meta") == str(SCHEMA_VERSION)
        run_id = book.latest_run("mnist_callback")
        assert run_id == 1
        # schema 4's tables, filled from the stored results: each logged epoch (two rows
        # trained 4 epochs), each check's hint, each row's grading time, its review items
        epochs = book.db.execute(
            "SELECT submission_id, COUNT(*) FROM class_epochs GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert epochs == [("gt_threshold", 4), ("wrong_message", 4)]
        assert [b.curves for b in book.training_band(run_id)] == [2, 2, 2, 2]
        hints = {s.id: s.hint_id for s in book.check_stats(run_id)}
        assert hints["runs"] in ("syntax_error", "missing_flatten")
        assert hints["stop_message"] == "message_text"
        durations = book.duration_stats(run_id)
        assert durations is not None
        assert durations.slowest[:2] == [("wrong_message", 37.291), ("gt_threshold", 36.359)]
        queue = book.review_queue(run_id, "mnist_callback")
        assert queue.counts == {"error": 1} and queue.resolved_count == 0
        (entry,) = queue.open.entries
        assert entry.item.submission_id == "syntax_error" and "it broke" in entry.item.reason
        # the resolution the file holds was made on other figures: the item shows it reopened
        assert entry.earlier is not None and entry.earlier.note == "seen"
        results = {r.id: r for r in book.class_results(run_id)}
        assert sorted(results) == ["gt_threshold", "no_flatten", "syntax_error", "wrong_message"]
        counts = book.class_counts(run_id, "mnist_callback")
        assert counts.rows == 4
        assert counts.passed == sum(r.passed for r in results.values()) == 1
        failing = {
            check: sum(
                any(c.id == check and c.status in ("fail", "error") for c in r.checks)
                for r in results.values()
            )
            for check in counts.failing
        }
        assert counts.failing == failing and counts.failing
        page = book.class_page(run_id, "mnist_callback", sort="score", descending=True)
        assert [r.id for r in page.bases] == sorted(results, key=lambda i: (-results[i].score, i))
        assert [o.submission_id for o in book.overrides("mnist_callback")] == ["wrong_message"]
        assert [c.text for c in book.comments("mnist_callback")] == ["add a Flatten"]
        assert [r.item for r in book.resolutions("mnist_callback")] == ["error"]
        assert [r.submission_id for r in book.releases("mnist_callback")] == ["gt_threshold"]
        assert book.cached([f"{i:064d}" for i in range(4)]).keys() == {
            f"{i:064d}" for i in range(4)
        }
    with Gradebook(path) as book:  # migrated once: opening again writes nothing
        assert book.scalar("SELECT value FROM meta") == str(SCHEMA_VERSION)
