"""A class's rows paged, sorted, filtered and counted by SQL (grader.classroom.book_rows),
checked against the same rows sorted and filtered in Python: a real SQLite gradebook of 360
rows made from the recorded real gradings (statuses, scores, failing checks, lateness,
overrides, releases and the roster's missing students all mixed)."""

from __future__ import annotations

import statistics
from dataclasses import replace
from pathlib import Path

import pytest
from late_notes import late_note
from paths import FIXTURES

from grader.classroom.gradebook import Gradebook, Release, RowFilter, RunInfo
from grader.classroom.overrides import Override, with_context
from grader.results import SubmissionResult, read_results

EXERCISE = "mnist_callback"
SIZE = 360


def make_class() -> list[SubmissionResult]:
    bases = [read_results(p).submissions[0] for p in sorted(FIXTURES.glob(f"{EXERCISE}-*.json"))]
    rows = []
    for n in range(SIZE):
        base = bases[n % len(bases)]
        sid = f"{'Student' if n % 7 == 0 else 'student'}_{(n * 37) % SIZE:03d}"
        result = replace(base, id=sid, path=f"class/{sid}.py", score=round(base.score - n % 3, 2))
        if n % 11 == 0:
            result = replace(result, status="missing", passed=False, score=0.0)
        late = late_note(10.0) if n % 5 == 0 else None
        rows.append(with_context(result, None, late))
    return rows


IDS = sorted(r.id for r in make_class())
CORRECTED = {IDS[1], IDS[10], IDS[100]}


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Gradebook:
    path = tmp_path_factory.mktemp("rows") / "book.sqlite"
    book = Gradebook(path)
    info = RunInfo(EXERCISE, "a" * 64, "b" * 64, "class/", {}, "local", "process", 60.0,
                   {"grader": "g", "tensorflow": "t", "keras": "k", "python": "p",
                    "platform": "x"})  # fmt: skip
    run_id = book.start_run(info)
    assert run_id == 1
    book.record_class_rows(run_id, make_class())
    for sid in sorted(CORRECTED):
        book.add_override(Override(0, EXERCISE, sid, "", 10.0, 0.0, "graded", "ok", "t", "now"))
    book.add_override(Override(0, EXERCISE, "student_002", "", 9.0, 0.0, "graded", "x", "t", "n"))
    book.remove_override(EXERCISE, "student_002", "")
    book.add_releases(
        [
            Release(0, EXERCISE, sid, "f" * 64, "files", sid, "t", "now")
            for sid in ("student_003", "student_004")
        ]
    )
    return book


def listing_order(r: SubmissionResult) -> tuple[int, str, str]:
    return (r.status == "missing", r.id.casefold(), r.id)


ANY = RowFilter()


def walk(book: Gradebook, where: RowFilter = ANY, sort: str = "id", desc: bool = False,
         size: int = 23) -> list[str]:  # fmt: skip
    """Every row, page after page by the `after` cursor."""
    seen: list[str] = []
    after = ""
    while True:
        page = book.class_page(1, EXERCISE, where, sort, desc, after, "", size)
        assert len(page.bases) <= size
        assert page.total == book.class_counts(1, EXERCISE, where).rows
        seen += [r.id for r in page.bases]
        if not page.after:
            return seen
        after = page.after


def test_pages_walk_the_class_in_its_listing_order_both_ways(book: Gradebook) -> None:
    expected = [r.id for r in sorted(make_class(), key=listing_order)]
    assert walk(book) == expected
    # and back from the last page by the `before` cursor, page by page
    page = book.class_page(1, EXERCISE, size=50)
    while page.after:
        page = book.class_page(1, EXERCISE, after=page.after, size=50)
    back = [r.id for r in page.bases]
    while page.before:
        page = book.class_page(1, EXERCISE, before=page.before, size=50)
        back = [r.id for r in page.bases] + back
    assert back == expected


@pytest.mark.parametrize("desc", [False, True])
@pytest.mark.parametrize("sort", ["score", "status"])
def test_sorting_by_a_column_breaks_ties_by_the_listing_order(
    book: Gradebook, sort: str, desc: bool
) -> None:
    rows = make_class()
    keys = {r.id: (getattr(r, sort), listing_order(r)) for r in rows}
    expected = sorted(keys, key=lambda i: keys[i], reverse=desc)
    assert walk(book, sort=sort, desc=desc) == expected


FILTERS = [
    (RowFilter(status="missing"), lambda r: r.status == "missing"),
    (RowFilter(passed=True), lambda r: r.passed),
    (RowFilter(passed=False, status="graded"), lambda r: not r.passed and r.status == "graded"),
    (RowFilter(failing="stop_message"),
     lambda r: any(c.id == "stop_message" and c.status in ("fail", "error") for c in r.checks)),
    (RowFilter(late=True), lambda r: r.adjustments is not None and r.adjustments.late is not None),
    (RowFilter(late=False), lambda r: r.adjustments is None or r.adjustments.late is None),
    (RowFilter(corrected=True), lambda r: r.id in CORRECTED),
    (RowFilter(corrected=False),
     lambda r: r.id not in CORRECTED),
    (RowFilter(released=True), lambda r: r.id in {"student_003", "student_004"}),
    (RowFilter(similar=frozenset({"student_005", "Student_007", "nobody"})),
     lambda r: r.id in {"student_005", "Student_007"}),
]  # fmt: skip


@pytest.mark.parametrize(("where", "keep"), FILTERS)
def test_each_filter_keeps_the_rows_python_would(book: Gradebook, where: RowFilter, keep) -> None:  # type: ignore[no-untyped-def]
    rows = sorted(make_class(), key=listing_order)
    expected = [r.id for r in rows if keep(r)]
    assert expected, "the fixture class must have rows of every kind"
    assert walk(book, where) == expected
    kept = [r for r in rows if keep(r)]
    by_score = sorted(kept, key=lambda r: (r.score, listing_order(r)), reverse=True)
    assert walk(book, where, "score", True) == [r.id for r in by_score]


def test_the_figures_are_counted_by_sql_as_python_counts_them(book: Gradebook) -> None:
    rows = make_class()
    counts = book.class_counts(1, EXERCISE)
    assert counts.rows == SIZE
    assert counts.passed == sum(r.passed for r in rows)
    assert counts.by_status == {
        s: sum(r.status == s for r in rows) for s in {r.status for r in rows}
    }
    assert counts.late == sum(
        r.adjustments is not None and r.adjustments.late is not None for r in rows
    )
    handed = [r.score for r in rows if r.status != "missing"]
    assert counts.mean_score == pytest.approx(statistics.mean(handed))
    assert book.median_score(1) == pytest.approx(statistics.median(handed))
    failing: dict[str, int] = {}
    for r in rows:
        for c in r.checks:
            if c.status in ("fail", "error"):
                failing[c.id] = failing.get(c.id, 0) + 1
    assert counts.failing == failing
    assert book.overrides_in_force(EXERCISE, 1) == 3


def test_a_cursor_not_written_by_the_page_is_refused(book: Gradebook, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a page cursor"):
        book.class_page(1, EXERCISE, after="'; DROP TABLE class_rows; --")
    assert book.class_counts(1, EXERCISE).rows == SIZE


def test_a_count_stops_at_its_limit_and_says_so(book: Gradebook) -> None:
    """A page counts the rows its filter keeps up to a limit (10,000 on the workbench), then
    says "N+"; paging is not affected."""
    handed = sum(r.status != "missing" for r in make_class())
    where = RowFilter(handed_in=True)
    page = book.class_page(1, EXERCISE, where, size=50, count_limit=100)
    assert (page.total, page.more_than, page.counted) == (100, True, "100+")
    assert len(page.bases) == 50 and page.after
    exact = book.class_page(1, EXERCISE, where, size=50, count_limit=handed)
    assert (exact.total, exact.more_than, exact.counted) == (handed, False, f"{handed:,}")
    assert [r.id for r in exact.bases] == [r.id for r in page.bases]
