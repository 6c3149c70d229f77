"""The feedback release page at any size (grader.web.releasing.read_release_view over
grader.classroom.book_releases): its figures counted in SQL and one page of its submissions
decoded, checked against the same figures computed the old way, by decoding the whole class
(`feedback_states`, `released_name`): a real SQLite gradebook of 300 rows made from the recorded
real gradings, named as Moodle, Canvas or nobody names them, with the roster's missing
students, late penalties, overrides (one removed), comments and releases, current and stale."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from late_notes import late_note
from paths import FIXTURES

from grader.classroom.classbook import report_names
from grader.classroom.gradebook import Comment, Gradebook, Release, RunInfo
from grader.classroom.overrides import Override, finalize, with_context
from grader.classroom.release import LAYOUTS, feedback_states, release_summary, released_name
from grader.results import SubmissionResult, read_results
from grader.web.classes import ServedClass
from grader.web.releasing import PAGE_SIZE, read_release_view

EXERCISE = "mnist_callback"
SIZE = 300


def student_id(n: int) -> str:
    if n % 3 == 0:
        return f"Student {n:03d}_{4000 + n}_assignsubmission_file_"  # Moodle's folder name
    if n % 3 == 1:
        return f"student{n:03d}_{5000 + n}_{7000 + n}_hw2"  # Canvas's file name
    return f"student_{n:03d}"


def make_class() -> list[SubmissionResult]:
    bases = [read_results(p).submissions[0] for p in sorted(FIXTURES.glob(f"{EXERCISE}-*.json"))]
    rows = []
    for n in range(SIZE):
        sid = student_id(n)
        result = replace(bases[n % len(bases)], id=sid, path=f"class/{sid}.py")
        if n % 13 == 0:
            result = replace(result, status="missing", passed=False, score=0.0)
        rows.append(with_context(result, None, late_note() if n % 5 == 0 else None))
    return rows


def reference(book: Gradebook) -> tuple[list[SubmissionResult], dict, int, dict[str, int]]:
    """The old release page's figures: the whole class decoded."""
    bases = sorted(
        book.class_results(1), key=lambda r: (r.status == "missing", r.id.casefold(), r.id)
    )
    finals = [finalize(b, book.overrides()) for b in bases]
    notes: dict[str, list[Comment]] = {}
    for c in book.comments(EXERCISE):
        notes.setdefault(c.submission_id, []).append(c)
    states = feedback_states(finals, notes, book.releases(EXERCISE))
    handed = [r for r in finals if r.status != "missing"]
    links = report_names([r.id for r in handed])
    counts = {
        layout: sum(1 for r in handed if released_name(r, layout, links[r.id])[0])
        for layout in LAYOUTS
    }
    pending = sum(1 for f in states.values() if not f.released)
    return handed, states, pending, counts


@pytest.fixture
def served(tmp_path: Path) -> ServedClass:
    out = tmp_path / "out"
    out.mkdir()
    path = tmp_path / "book.sqlite"
    with Gradebook(path) as book:
        info = RunInfo(EXERCISE, "a" * 64, "b" * 64, "class/", {"out_dir": str(out)}, "local",
                       "process", 60.0, {"grader": "g", "tensorflow": "t", "keras": "k",
                       "python": "p", "platform": "x"})  # fmt: skip
        run_id = book.start_run(info)
        book.record_class_rows(run_id, make_class())
        book.finish_run(run_id, "finished", {"submissions": SIZE})
    return ServedClass("week2", out, path)


def release(book: Gradebook, states: dict, ids: list[str], at: str, stale: bool = False) -> None:
    """Release `ids` as their feedback stands in `states` (its fingerprint, by the old way)."""
    book.add_releases(
        [
            Release(
                0,
                EXERCISE,
                sid,
                "0" * 64 if stale else states[sid].fingerprint,
                "files",
                f"{sid}.html",
                "ta",
                at,
            )
            for sid in ids
        ]
    )


def correct(book: Gradebook, handed: list[SubmissionResult]) -> None:
    """Overrides (one removed again) and comments on a few submissions, before and after their
    release."""
    ids = [r.id for r in handed]
    for sid in ids[5:9]:
        book.add_override(Override(0, EXERCISE, sid, "", 7.0, 0.0, "graded", "oral", "ta", "t"))
    book.remove_override(EXERCISE, ids[6], "")
    for sid in ids[8:12]:
        book.add_comment(Comment(0, EXERCISE, sid, "see me", "ta", "t"))


def check(served: ServedClass) -> tuple[int, dict]:
    """The release page's figures and every page of it match the whole class decoded; the
    pending count and each submission's feedback state, the old way."""
    with Gradebook(served.gradebook) as book:
        handed, states, pending, counts = reference(book)
        summary = release_summary(book, 1, EXERCISE)
    assert (summary.handed, summary.pending, summary.counts) == (len(handed), pending, counts)
    links = report_names([r.id for r in handed])
    seen: list[str] = []
    view = read_release_view(served)
    while True:
        assert view.summary == summary and len(view.finals) <= PAGE_SIZE
        for r in view.finals:
            assert view.feedback[r.id] == states[r.id]
            for layout in LAYOUTS:
                assert view.names[r.id][layout] == released_name(r, layout, links[r.id])
        seen += [r.id for r in view.finals]
        if not view.page.after:
            break
        view = read_release_view(served, after=view.page.after)
    assert seen == [r.id for r in handed]  # every submission once, in the listing order
    return pending, states


def test_the_release_pages_figures_and_pages_match_the_class_decoded(served: ServedClass) -> None:
    with Gradebook(served.gradebook) as book:
        handed, states, pending, counts = reference(book)
    assert pending == len(handed) == counts["files"] > counts["moodle"] > 0 and counts["canvas"]
    check(served)  # nothing released yet
    with Gradebook(served.gradebook) as book:
        ids = [r.id for r in handed]
        release(book, states, ids[:120], "2026-03-03T10:00:00+00:00")  # as they stand
        release(book, states, ids[120:130], "2026-03-03T11:00:00+00:00", stale=True)
        correct(book, handed)  # after the release: these are pending again
        _, states, _, _ = reference(book)
        release(book, states, ids[10:11], "2026-03-04T10:00:00+00:00")  # commented, released
    pending, states = check(served)
    assert 0 < pending < len(handed) - 100
    assert states[ids[10]].released and not states[ids[9]].released
    with Gradebook(served.gradebook) as book:
        # a later release of the same submission with another fingerprint: the latest counts
        release(book, states, ids[:3], "2026-03-05T10:00:00+00:00", stale=True)
        release(book, states, ids[130:140], "2026-03-05T10:00:00+00:00")
        batches = book.release_batches(EXERCISE)
    check(served)
    assert batches == [
        ("2026-03-05T10:00:00+00:00", "ta", "files", 13),
        ("2026-03-04T10:00:00+00:00", "ta", "files", 1),
        ("2026-03-03T11:00:00+00:00", "ta", "files", 10),
        ("2026-03-03T10:00:00+00:00", "ta", "files", 120),
    ]


def test_a_schema_1_gradebook_gains_its_feedback_columns(tmp_path: Path) -> None:
    """tests/fixtures/gradebook/v1.sqlite predates the rows' feedback columns: migrated, its
    release figures are those of its rows decoded (an override and a comment included)."""
    path = tmp_path / "book.sqlite"
    path.write_bytes((FIXTURES.parent / "gradebook" / "v1.sqlite").read_bytes())
    with Gradebook(path) as book:
        keys = book.db.execute("SELECT feedback_key, layouts FROM class_rows").fetchall()
        assert keys and all(len(k) == 64 and "files" in layouts for k, layouts in keys)
        handed, _, pending, counts = reference(book)
        summary = release_summary(book, 1, EXERCISE)
    assert (summary.handed, summary.pending, summary.counts) == (len(handed), pending, counts)
