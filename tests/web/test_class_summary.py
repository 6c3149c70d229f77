"""The workbench's home page and class page read a class's summary in SQL
(grader.classroom.class_summary), not the whole class decoded: its figures match the class
decoded the old way (grader.web.classes.read_class_results: every row finalized with the
overrides), and the pages answer over a gradebook whose stored results cannot be decoded but
for the rows a page shows. A real SQLite gradebook of 300 rows written through the library, made
from the recorded real gradings, with missing students, late penalties, check and score
overrides that turn a failure into a pass and a pass into a failure (one removed again), and
comments."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from late_notes import late_note
from paths import FIXTURES
from starlette.testclient import TestClient

from grader.classroom.gradebook import Comment, Gradebook, RunInfo
from grader.classroom.overrides import Override, with_context
from grader.results import SubmissionResult, read_results
from grader.web.app import create_app
from grader.web.classes import ServedClass, read_class, read_class_results
from grader.web.overview import PAGE_SIZE
from grader.web.security import GuardConfig

EXERCISE = "mnist_callback"
SIZE = 300
PORT = 8000


def make_class() -> list[SubmissionResult]:
    """Rows cycling through the 8 recorded gradings (the second passes; the sixth and the
    eighth fail only the stop message); every 13th a missing student, every 5th late."""
    bases = [read_results(p).submissions[0] for p in sorted(FIXTURES.glob(f"{EXERCISE}-*.json"))]
    rows = []
    for n in range(SIZE):
        sid = f"student_{n:03d}"
        result = replace(bases[n % len(bases)], id=sid, path=f"class/{sid}.py")
        if n % 13 == 0:
            result = replace(result, status="missing", passed=False, score=0.0, checks=[])
        rows.append(with_context(result, None, late_note() if n % 5 == 0 else None))
    return rows


def override(sid: str, check: str, score: float, exercise: str = EXERCISE) -> Override:
    return Override(0, exercise, sid, check, score, 0.0, "graded", "oral exam", "ta", "t")


def correct(book: Gradebook, rows: list[SubmissionResult]) -> None:
    """Corrections that move the passed count both ways, and some that must not count."""
    handed = [r for r in rows if r.status != "missing"]
    near = [
        r.id for r in handed if [c.id for c in r.checks if c.status != "pass"] == ["stop_message"]
    ]
    passing = [r.id for r in handed if r.passed]
    for sid in near[:5]:  # the one failing check given its points: now passed
        book.add_override(override(sid, "stop_message", 2.0))
    book.remove_override(EXERCISE, near[4], "stop_message")  # removed again: failed
    for sid in passing[:3]:  # a passing check taken away: now failed
        book.add_override(override(sid, "early_stop", 0.0))
    book.add_override(override(passing[3], "", 4.0))  # the score set: passed stays as it was
    book.add_override(override("student_013", "", 5.0))  # a missing student: not handed in
    book.add_override(override("nobody", "", 5.0))  # not in the class
    book.add_override(override(near[5], "stop_message", 2.0, "another_exercise"))
    for sid in (near[6], near[6], passing[4], "student_026"):
        book.add_comment(Comment(0, EXERCISE, sid, "see me", "ta", "t"))


@pytest.fixture
def served(tmp_path: Path) -> ServedClass:
    out = tmp_path / "out"
    out.mkdir()
    path = tmp_path / "book.sqlite"
    rows = make_class()
    with Gradebook(path) as book:
        info = RunInfo(EXERCISE, "a" * 64, "b" * 64, "class/", {"out_dir": str(out)}, "local",
                       "process", 60.0, {"grader": "g", "tensorflow": "t", "keras": "k",
                       "python": "p", "platform": "x"})  # fmt: skip
        run_id = book.start_run(info)
        book.record_class_rows(run_id, rows)
        book.finish_run(run_id, "finished", {"submissions": SIZE})
        correct(book, rows)
    return ServedClass("week2", out, path)


def decoded(served: ServedClass) -> tuple[int, int, int, dict[str, int]]:
    """The summary the old way: every row decoded and finalized."""
    whole = read_class_results(served)
    handed = [r for r in whole.results if r.status != "missing"]
    ids = {r.id for r in whole.results}
    with Gradebook(served.gradebook) as book:
        in_force = sum(1 for o in book.overrides(EXERCISE) if o.submission_id in ids)
    comments = {sid: len(found) for sid, found in whole.notes.items()}
    return len(handed), sum(1 for r in handed if r.passed), in_force, comments


def test_the_summary_matches_the_class_decoded(served: ServedClass) -> None:
    handed, passed, in_force, comments = decoded(served)
    state = read_class(served)
    assert (state.handed_in, state.passed, state.overrides, state.comments) == (
        handed, passed, in_force, comments,
    )  # fmt: skip
    assert state.comment_total == 4 and in_force == 9
    with Gradebook(served.gradebook) as book:
        before = book.handed_and_passed(1)[1]
    assert passed == before + 4 - 3  # the overrides moved it both ways


def test_a_change_moves_the_summary(served: ServedClass) -> None:
    first = read_class(served)
    with Gradebook(served.gradebook) as book:
        overridden = {o.submission_id for o in book.overrides(EXERCISE)}
        sid = next(r.id for r in book.class_results(1) if r.passed and r.id not in overridden)
        book.add_override(override(sid, "early_stop", 0.0))
    now = read_class(served)
    assert (now.passed, now.overrides) == (first.passed - 1, first.overrides + 1)
    assert now.stamp != first.stamp and now.passed == decoded(served)[1]


def break_rows_not_shown(served: ServedClass) -> set[str]:
    """Overwrite every stored result but those of the class page's first page and of the
    submissions a human corrected (their final result is computed) with text that is not a
    result: a page that decodes any other row fails. The ids kept."""
    with Gradebook(served.gradebook) as book:
        page = book.class_page(1, EXERCISE, size=PAGE_SIZE)
        kept = {b.id for b in page.bases} | set(book.comment_counts(EXERCISE))
        kept |= {o.submission_id for o in book.overrides(EXERCISE)}
    with sqlite3.connect(served.gradebook) as db:
        db.execute("CREATE TEMP TABLE kept (id TEXT)")
        db.executemany("INSERT INTO kept VALUES (?)", [(sid,) for sid in kept])
        broken = db.execute(
            "UPDATE class_rows SET result = 'not a stored result' "
            "WHERE submission_id NOT IN (SELECT id FROM kept)"
        ).rowcount
    assert broken > SIZE - PAGE_SIZE - 20
    return kept


def test_the_home_and_class_pages_decode_only_the_rows_they_show(served: ServedClass) -> None:
    handed, passed, in_force, comments = decoded(served)
    break_rows_not_shown(served)
    with pytest.raises(ValueError):  # the class can no longer be decoded whole
        read_class_results(served)
    config = GuardConfig(port=PORT, token=None, loopback=True)
    client = TestClient(create_app([served], config, "ta"), base_url=f"http://127.0.0.1:{PORT}")
    home = client.get("/")
    assert home.status_code == 200, home.text
    assert f'data-label="Submissions">{handed}<' in home.text
    assert f'data-label="Passed">{passed}<' in home.text
    assert f'<td class="num">{in_force}</td>' in home.text
    assert f'<td class="num">{sum(comments.values())}</td>' in home.text
    page = client.get("/c/week2/")
    assert page.status_code == 200, page.text
    assert '<b id="count">300</b>' in page.text and 'data-id="student_001"' in page.text
    assert f"<b>{in_force}</b><span>overrides in force</span>" in page.text
