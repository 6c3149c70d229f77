"""Similarity of a large class (grader.classroom.similarity_index): only the pairs that share a
fingerprint are compared, common passages bring no pair, and nothing else changes: the same
figures as comparing every pair, every planted copy still found (tests/similar_class.py makes
the generated classes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from paths import SUBMISSIONS
from similar_class import generate_class

from grader.classroom import similarity
from grader.classroom.similarity import (
    EVERY_PAIR,
    EVERY_PAIR_UP_TO,
    SHARED_FINGERPRINTS,
    SIMILARITY_JSON,
    THRESHOLD,
    compare_class,
    read_similarity,
    starter_code,
    write_similarity,
)
from grader.classroom.similarity_index import candidate_pairs, common_cap
from grader.classroom.sources import find_submissions
from grader.spec.exercise import load_exercise

CLASS = SUBMISSIONS / "similarity" / "mnist_callback"
SPEC = load_exercise("mnist_callback")
STARTER = starter_code(SPEC)


def figures(report: similarity.SimilarityReport) -> dict[tuple[str, str], tuple[float, ...]]:
    return {(p.a, p.b): (p.similarity, p.share_a, p.share_b) for p in report.pairs}


def both(codes: dict[str, str], **options: object) -> tuple[dict, dict]:  # type: ignore[type-arg]
    every = compare_class(codes, STARTER, SPEC.id, method=EVERY_PAIR, **options)  # type: ignore[arg-type]
    indexed = compare_class(codes, STARTER, SPEC.id, method=SHARED_FINGERPRINTS, **options)  # type: ignore[arg-type]
    return figures(every), figures(indexed)


def test_the_fixture_class_gets_the_same_figures_both_ways() -> None:
    codes = {p.stem: p.read_text() for p in sorted(CLASS.glob("*.py"))}
    assert compare_class(codes, STARTER, SPEC.id).method == EVERY_PAIR  # small: every pair
    every, indexed = both(codes, threshold=0.0, duplicates=[["chen", "hana"]])
    # Listed at 0%, every pair shows even those at 0; the index compares only pairs that share
    # a fingerprint, and those are exactly the pairs above 0, with the same figures.
    assert indexed == {pair: values for pair, values in every.items() if values[0] > 0}
    assert len(indexed) > 10
    every, indexed = both(codes)  # at the threshold: the same list
    assert every == indexed and len(every) == 3  # the copies, and the identical pair


def test_a_generated_class_gets_the_same_figures_pair_for_pair() -> None:
    """No passage is common when the cap is the class: the index then finds every pair above 0
    with copydetect's own figures (its shares computed in plain Python must equal them)."""
    codes = generate_class(60, seed=5).codes
    every, indexed = both(codes, threshold=0.0, common_over=len(codes))
    positive = {pair: values for pair, values in every.items() if values[0] > 0}
    assert indexed == positive
    assert len(positive) == 60 * 59 // 2  # every pair shares something: all compared
    assert sum(values[0] >= THRESHOLD for values in positive.values()) > 10


@pytest.fixture(scope="module")
def large():
    generated = generate_class(300, seed=11)
    report = compare_class(generated.codes, STARTER, SPEC.id)
    return generated, report


def test_every_planted_copy_is_still_found_in_a_large_class(large) -> None:
    generated, report = large
    assert report.method == SHARED_FINGERPRINTS and report.common_over == common_cap(300) == 18
    assert report.common_passages > 0  # the cap is in play on this class
    assert report.compared < 300 * 299 // 2 / 3  # far fewer pairs than every pair
    listed = figures(report)
    # A pair's figures depend on its two submissions only: every pair of the copiers and their
    # sources, compared as a class of their own, gives each of these pairs its figures.
    involved = sorted({sid for pair in generated.planted for sid in pair})
    every = figures(compare_class({sid: generated.codes[sid] for sid in involved}, STARTER,
                                  SPEC.id, method=EVERY_PAIR))  # fmt: skip
    reached = {pair: values for pair, values in every.items() if pair in generated.planted}
    assert len(reached) >= 30  # the planted copies reach the threshold
    assert {pair: listed.get(pair) for pair in reached} == reached  # all found, same figures
    assert {pair: listed[pair] for pair in every if pair in listed} == {
        pair: values for pair, values in every.items() if pair in listed
    }  # honest pairs among them too: whatever is listed has every pair's figures


def test_the_pairs_shown_have_their_regions_marked(large) -> None:
    _, report = large
    shown = report.pairs[: similarity.SIDE_BY_SIDE]
    assert all(any(s.matched for s in p.segments_a) for p in shown)
    assert all(p.segments_a == [] for p in report.pairs[similarity.SIDE_BY_SIDE :])


def test_a_passage_held_by_more_than_the_cap_brings_no_pair() -> None:
    common, shared = 7, 8
    prints = [frozenset({common, 100 + n}) for n in range(4)]
    prints[1] = prints[1] | {shared}
    prints[3] = prints[3] | {shared}
    every = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    assert list(candidate_pairs(prints, cap=4).pairs()) == every
    held = candidate_pairs(prints, cap=3)
    assert list(held.pairs()) == [(1, 3)] and held.common == 1


def test_the_cap_grows_with_the_class_but_slower() -> None:
    assert common_cap(2) == common_cap(100) == 10  # MOSS's default for -m
    assert (common_cap(1000), common_cap(10_000)) == (32, 100)
    assert common_cap(40_000) / common_cap(10_000) == 2  # 4x the class, twice the cap


def test_the_page_and_the_figures_say_how_the_class_was_compared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = find_submissions(CLASS, SPEC.id)
    write_similarity(sources, [["chen", "hana"]], SPEC, tmp_path / "small")
    data = json.loads((tmp_path / "small" / SIMILARITY_JSON).read_text())
    assert (data["method"], data["common_over"], data["compared"]) == (EVERY_PAIR, None, 27)
    assert "every pair;" in (tmp_path / "small" / "similarity.html").read_text()

    monkeypatch.setattr(similarity, "EVERY_PAIR_UP_TO", 3)  # the fixture class as a large one
    lines: list[str] = []
    write_similarity(sources, [["chen", "hana"]], SPEC, tmp_path / "large", log=lines.append)
    data = json.loads((tmp_path / "large" / SIMILARITY_JSON).read_text())
    assert (data["method"], data["common_over"]) == (SHARED_FINGERPRINTS, 10)
    assert read_similarity(tmp_path / "large") == read_similarity(tmp_path / "small")
    page = (tmp_path / "large" / "similarity.html").read_text()
    assert "more than 10 submissions is common code" in page
    assert any("candidate pair(s)" in line for line in lines)  # the terminal hears it


def test_a_small_class_is_compared_in_silence() -> None:
    lines: list[str] = []
    codes = {p.stem: p.read_text() for p in sorted(CLASS.glob("*.py"))}
    assert len(codes) <= EVERY_PAIR_UP_TO
    compare_class(codes, STARTER, SPEC.id, log=lines.append)
    assert lines == []
