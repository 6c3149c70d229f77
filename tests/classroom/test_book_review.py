"""The review queue in SQL (grader.classroom.book_review) on a real gradebook of 300 rows written
through the library: which submission raises which item is decided here from how the class was
made (every 5th late, every 11th missing, every 13th not graded, every 17th with seeds that
disagreed, every 23rd with its training not confirmed, two overrides whose automatic verdict
changed), and the queue's counts, pages, kind filters, resolutions and a regrade are checked
against it."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from pathlib import Path

import pytest
from late_notes import late_note
from paths import FIXTURES

from grader.classroom.gradebook import Gradebook, Resolution, RunInfo
from grader.classroom.overrides import Override, with_context
from grader.classroom.review import KINDS
from grader.classroom.similarity import SIMILARITY_JSON
from grader.results import Robustness, SeedRun, SubmissionResult, read_results

EXERCISE = "mnist_callback"
SIZE = 300
INFO = RunInfo(EXERCISE, "a" * 64, "b" * 64, "class/", {}, "local", "process", 60.0,
               {"grader": "g", "tensorflow": "t", "keras": "k", "python": "p",
                "platform": "x"})  # fmt: skip


def seeds(agreed: bool) -> Robustness:
    runs = [SeedRun(s, "graded", {"stop_message": "pass"}, None, [0.99], 1) for s in (1, 2, 3)]
    return Robustness("borderline", "majority", runs, {"stop_message": "pass"},
                      {"stop_message": 3 if agreed else 2}, agreed)  # fmt: skip


def unconfirmed(result: SubmissionResult) -> SubmissionResult:
    checks = [
        replace(c, status="fail", score=0.0, hint_id="accuracy_not_confirmed", message="forged")
        if c.id == "train_accuracy"
        else c
        for c in result.checks
    ]
    return replace(result, checks=checks)


def sid(n: int) -> str:
    return f"s{n:03d}"


@functools.cache
def recorded() -> list[SubmissionResult]:
    found = [read_results(p).submissions[0] for p in sorted(FIXTURES.glob(f"{EXERCISE}-*.json"))]
    return [b for b in found if b.status == "graded" and b.robustness is None]


def make_class(changed: frozenset[int] = frozenset()) -> list[SubmissionResult]:
    """The class; `changed`: rows whose error figures differ (a regrade that changed them)."""
    bases = recorded()
    rows = []
    for n in range(SIZE):
        r = replace(bases[n % len(bases)], id=sid(n), path=f"class/{sid(n)}.py")
        if n % 11 == 0:
            r = replace(r, status="missing", passed=False, score=0.0, checks=[], training={})
        elif n % 13 == 0:
            sha = "0" * 64 if n in changed else "1" * 64
            r = replace(r, status="error", error="the grader failed", sha256=sha)
        if n % 17 == 0 and r.status == "graded":
            r = replace(r, robustness=seeds(agreed=False))
        if n % 19 == 0 and r.status == "graded":
            r = replace(r, robustness=seeds(agreed=True))
        if n % 23 == 0 and r.status == "graded":
            r = unconfirmed(r)
        rows.append(with_context(r, None, late_note() if n % 5 == 0 else None))
    return rows


def expected_items(rows: list[SubmissionResult], overridden: set[str]) -> dict[str, list[str]]:
    """kind -> the submissions that raise it, in the class's listing order (by hand)."""
    listing = sorted(rows, key=lambda r: (r.status == "missing", r.id))
    found: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for r in listing:
        n = int(r.id[1:])
        if r.id in overridden:
            found["override"].append(r.id)
        if n % 23 == 0 and r.status == "graded" and n % 11 and n % 13:
            found["evidence"].append(r.id)
        if r.status == "error":
            found["error"].append(r.id)
        if n % 17 == 0 and r.status == "graded" and n % 19:
            found["seeds"].append(r.id)
        if r.status == "missing":
            found["missing"].append(r.id)
        if n % 5 == 0:
            found["late"].append(r.id)
    found["similar"] = [sid(1), sid(2)]  # the pair (1, 3), the identical files 2, 4, 6
    return {kind: ids for kind, ids in found.items() if ids}


# similarity.json as `grader grade` writes it beside the class: one pair, one identical group
SIMILARITY = {
    "threshold": 0.8,
    "pairs": [{"a": sid(1), "b": sid(3), "similarity": 0.91}],
    "duplicates": [[sid(6), sid(2), sid(4)]],
}
# an override of runs made when its automatic score was 0.25 (it is 1 now: flagged), and one
# made on the current automatic verdict (not flagged)
CHANGED = {sid(7), sid(8)}


@pytest.fixture
def book(tmp_path: Path) -> Gradebook:
    book = Gradebook(tmp_path / "book.sqlite")
    run_id = book.start_run(INFO)
    book.record_class_rows(run_id, make_class())
    (tmp_path / SIMILARITY_JSON).write_text(json.dumps(SIMILARITY), encoding="utf-8")
    book.record_similar_items(run_id, tmp_path)
    for who in sorted(CHANGED):
        book.add_override(Override(0, EXERCISE, who, "runs", 1.0, 0.25, "fail", "ok", "t", "n"))
    book.add_override(Override(0, EXERCISE, sid(9), "runs", 1.0, 1.0, "pass", "ok", "t", "n"))
    return book


def walk(book: Gradebook, run_id: int, settled: bool, kind: str = "", size: int = 7) -> list:
    entries, after = [], ""
    while True:
        page = book.review_page(run_id, EXERCISE, settled, kind, after, size)
        assert len(page.entries) <= size
        entries += page.entries
        if not page.after:
            return entries
        after = page.after


def test_the_queue_lists_what_the_class_raises_in_its_order(book: Gradebook) -> None:
    expected = expected_items(make_class(), CHANGED)
    queue = book.review_queue(1, EXERCISE, size=7)
    assert queue.counts == {kind: len(ids) for kind, ids in expected.items()}
    assert list(queue.counts) == [kind for kind in KINDS if kind in expected]  # the page's order
    assert queue.resolved_count == 0 and queue.resolved.entries == []
    agreed = [n for n in range(SIZE) if n % 19 == 0 and n % 11 and n % 13]
    assert queue.seeds_agreed == len(agreed)
    # every item, page after page (7 a page), in the queue's order: kind, then as listed
    listed = [(e.item.kind, e.item.submission_id) for e in walk(book, 1, settled=False)]
    assert listed == [(kind, s) for kind, ids in expected.items() for s in ids]
    assert queue.open.total == len(listed)
    # one kind: its items alone, and its total
    for kind, ids in expected.items():
        page = book.review_page(1, EXERCISE, False, kind, size=4)
        assert page.total == len(ids)
        assert [e.item.submission_id for e in walk(book, 1, False, kind, 4)] == ids
    late = walk(book, 1, False, "late")[0].item
    assert late.reason == "one day late" and late.figures["penalty_percent"] == 10.0
    pair = [e.item for e in walk(book, 1, False, "similar")]
    assert [(i.key, i.others) for i in pair] == [
        (f"similar:{sid(3)}", (sid(3),)),
        (f"similar:={sid(4)}|{sid(6)}", (sid(4), sid(6))),
    ]
    with pytest.raises(ValueError, match="cursor"):
        book.review_page(1, EXERCISE, False, after='["x"]')


def test_a_resolution_settles_its_item_and_a_regrade_reopens_it(book: Gradebook) -> None:
    errors = walk(book, 1, False, "error")
    first, second = errors[0].item, errors[1].item
    override = walk(book, 1, False, "override")[0].item
    at = "2026-12-06T08:00:00+00:00"
    for item in (first, second, override):
        settled = (item.submission_id, item.key, item.fingerprint, "seen", "t", at)
        book.add_resolution(Resolution(0, EXERCISE, *settled))
    queue = book.review_queue(1, EXERCISE)
    expected = expected_items(make_class(), CHANGED)
    assert queue.counts["error"] == len(expected["error"]) - 2
    assert queue.counts["override"] == len(expected["override"]) - 1
    assert queue.resolved_count == 3
    resolved = walk(book, 1, True)
    assert [(e.item.kind, e.item.submission_id) for e in resolved] == [
        ("override", override.submission_id),
        ("error", first.submission_id),
        ("error", second.submission_id),
    ]
    assert all(e.resolution is not None and e.resolution.note == "seen" for e in resolved)
    entry = book.review_entry(1, EXERCISE, first.submission_id, "error")
    assert entry is not None and entry.resolution is not None
    # a regrade (a new run): the first error's figures changed, the second's did not
    changed = frozenset({int(first.submission_id[1:])})
    run_id = book.start_run(INFO)
    book.record_class_rows(run_id, make_class(changed))
    reopened = book.review_entry(run_id, EXERCISE, first.submission_id, "error")
    assert reopened is not None and reopened.resolution is None
    assert reopened.earlier is not None and reopened.earlier.fingerprint == first.fingerprint
    kept = book.review_entry(run_id, EXERCISE, second.submission_id, "error")
    assert kept is not None and kept.resolution is not None
    assert book.review_queue(run_id, EXERCISE).counts["error"] == len(expected["error"]) - 1
    # the override stays raised in the new run (its automatic verdict still differs), settled
    still = book.review_entry(run_id, EXERCISE, override.submission_id, "override:runs")
    assert still is not None and still.resolution is not None


def test_rows_written_again_replace_their_items_and_keep_the_runs_pairs(book: Gradebook) -> None:
    """A row graded again within the run (a seed confirmation, a retry) replaces its own items;
    the similar pairs, written at the run's end, stay."""
    rows = {r.id: r for r in make_class()}
    on_time = replace(rows[sid(5)], adjustments=None)
    book.record_class_rows(1, [on_time])
    queue = book.review_queue(1, EXERCISE)
    assert queue.counts["late"] == len(expected_items(make_class(), CHANGED)["late"]) - 1
    assert queue.counts["similar"] == 2
    assert book.review_entry(1, EXERCISE, sid(5), "late") is None
