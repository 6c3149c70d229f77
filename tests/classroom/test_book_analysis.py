"""The item analysis in SQL (grader.classroom.book_analysis) on a real gradebook of 240 rows
written through the library (the recorded real gradings, their training curves shifted and cut
row by row, their grading times spread, some rows missing), checked against figures computed
here another way: `statistics.correlation`, `numpy.percentile`, `collections.Counter`."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from paths import FIXTURES

from grader.classroom.gradebook import Gradebook, RunInfo
from grader.results import SubmissionResult, read_results

EXERCISE = "mnist_callback"
SIZE = 240
INFO = RunInfo(EXERCISE, "a" * 64, "b" * 64, "class/", {}, "local", "process", 60.0,
               {"grader": "g", "tensorflow": "t", "keras": "k", "python": "p",
                "platform": "x"})  # fmt: skip


def make_class() -> list[SubmissionResult]:
    bases = [read_results(p).submissions[0] for p in sorted(FIXTURES.glob(f"{EXERCISE}-*.json"))]
    rows = []
    for n in range(SIZE):
        base = bases[n % len(bases)]
        history = [
            {**row, "accuracy": round(row["accuracy"] - (n % 9) * 0.003, 6)}
            for row in (base.training or {}).get("history") or []
            if "accuracy" in row
        ][: 2 + n % 8]
        r = replace(
            base,
            id=f"s{n:03d}",
            training={**(base.training or {}), "history": history},
            duration_s=round((n * 37) % 101 * 0.5, 2),
        )
        if n % 11 == 0:
            r = replace(r, status="missing", checks=[], training={}, duration_s=0.0)
        rows.append(r)
    return rows


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Gradebook:
    book = Gradebook(tmp_path_factory.mktemp("analysis") / "book.sqlite")
    run_id = book.start_run(INFO)
    book.record_class_rows(run_id, make_class())
    return book


HANDED = [r for r in make_class() if r.status != "missing"]


def test_each_checks_figures(book: Gradebook) -> None:
    stats = book.check_stats(1)
    order = list(dict.fromkeys(c.id for r in HANDED for c in r.checks))
    assert [s.id for s in stats] == order
    totals = {r.id: sum(c.score for c in r.checks) for r in HANDED}
    for s in stats:
        pairs = [(r, c) for r in HANDED for c in r.checks if c.id == s.id]
        assert s.submissions == len(pairs)
        assert s.passed == sum(c.status == "pass" for _, c in pairs)
        assert s.points_lost == pytest.approx(sum(c.max_score - c.score for _, c in pairs))
        xs = [c.score for _, c in pairs]
        rest = [totals[r.id] - c.score for r, c in pairs]
        if len(set(xs)) < 2 or len(set(rest)) < 2:
            assert s.discrimination is None, s.id
        else:
            assert s.discrimination == pytest.approx(statistics.correlation(xs, rest), abs=1e-9)
        hints = Counter(c.hint_id for _, c in pairs if c.hint_id)
        if hints:
            top = max(hints.values())
            assert s.hint_count == top
            assert hints[s.hint_id] == top
            texts = Counter(c.hint for _, c in pairs if c.hint_id == s.hint_id and c.hint)
            assert texts[s.hint] == max(texts.values())
        else:
            assert (s.hint_id, s.hint_count) == ("", 0)
    assert any(s.discrimination is not None for s in stats)


def test_the_training_band_and_one_curve(book: Gradebook) -> None:
    curves = {r.id: [row["accuracy"] for row in r.training["history"]] for r in HANDED}
    bands = book.training_band(1)
    assert [b.epoch for b in bands] == list(range(1, max(map(len, curves.values())) + 1))
    for b in bands:
        values = [c[b.epoch - 1] for c in curves.values() if len(c) >= b.epoch]
        assert b.curves == len(values)
        expected = np.percentile(values, [25, 50, 75])
        assert [b.q1, b.median, b.q3] == pytest.approx(list(expected), abs=1e-12)
    assert book.accuracy_curve(1, "s005") == list(enumerate(curves["s005"], start=1))
    assert book.accuracy_curve(1, "s000") == []  # missing: no curve
    logged = sorted(sid for sid, curve in curves.items() if curve)
    assert len(logged) < len(HANDED)  # some logged no curve
    assert book.trained(1, 10) == logged[:10] and book.trained(1, 1000) == logged


def test_grading_times(book: Gradebook) -> None:
    seconds = [r.duration_s for r in HANDED]
    stats = book.duration_stats(1, slowest=4)
    assert stats is not None and stats.submissions == len(HANDED)
    assert [stats.q1, stats.median, stats.q3] == pytest.approx(
        list(np.percentile(seconds, [25, 50, 75])), abs=1e-12
    )
    ranked = sorted(HANDED, key=lambda r: (-r.duration_s, r.id))[:4]
    assert stats.slowest == [(r.id, r.duration_s) for r in ranked]
    every = book.durations(1, 1000)
    assert sorted(every, key=lambda d: (d[1], d[0])) == sorted(
        ((r.id, r.duration_s) for r in HANDED), key=lambda d: (d[1], d[0])
    )
    sample = book.durations(1, 50)  # a sample of every n-th: n = 5 for 218 submissions
    assert 30 <= len(sample) <= 50 and set(sample) <= set(every)
    assert [s for _, s in sample] == sorted(s for _, s in sample)


def test_an_empty_class(tmp_path: Path) -> None:
    with Gradebook(tmp_path / "book.sqlite") as book:
        run_id = book.start_run(INFO)
        assert book.check_stats(run_id) == [] and book.training_band(run_id) == []
        assert book.duration_stats(run_id) is None
