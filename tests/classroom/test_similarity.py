"""Similarity on a fixture class (tests/submissions/similarity/mnist_callback/): five honest
solutions of the same starter, a copy with every name changed (felix, of bilal), a copy with its
blocks and lines reordered (gita, of dagny) and an identical file (hana, of chen)."""

from __future__ import annotations

import builtins
import hashlib
import zlib
from itertools import combinations
from pathlib import Path

import nbformat
import pytest
from paths import FIXTURES, SUBMISSIONS

from grader.classroom.similarity import (
    THRESHOLD,
    class_codes,
    code_of,
    compare_class,
    read_similarity,
    stable_kgram_hashes,
    starter_code,
    write_similarity,
)
from grader.classroom.sources import find_submissions
from grader.report import write_index
from grader.results import read_results
from grader.spec.exercise import load_exercise

CLASS = SUBMISSIONS / "similarity" / "mnist_callback"
HONEST = ["amara", "bilal", "chen", "dagny", "emeka"]
COPIES = {("bilal", "felix"), ("dagny", "gita")}


@pytest.fixture(scope="module")
def report():
    codes = {p.stem: p.read_text() for p in sorted(CLASS.glob("*.py"))}
    spec = load_exercise("mnist_callback")
    return compare_class(
        codes, starter_code(spec), spec.id, duplicates=[["chen", "hana"]], threshold=0.0
    )


def test_the_copies_are_found_and_honest_pairs_stay_below(report) -> None:
    above = {(p.a, p.b) for p in report.pairs if p.similarity >= THRESHOLD}
    assert above == COPIES
    by_pair = {(p.a, p.b): p for p in report.pairs}
    for pair in combinations(HONEST, 2):
        assert by_pair[pair].similarity < THRESHOLD, (pair, by_pair[pair].similarity)
    assert by_pair[("bilal", "felix")].similarity > 0.9  # every name changed
    assert by_pair[("dagny", "gita")].similarity > 0.8  # blocks and lines reordered
    assert report.duplicates == [["chen", "hana"]]
    assert ("chen", "hana") not in by_pair  # listed as identical, not as a pair


def test_matching_regions_are_marked_in_both(report) -> None:
    pair = next(p for p in report.pairs if (p.a, p.b) == ("bilal", "felix"))
    marked_a = "".join(s.text for s in pair.segments_a if s.matched)
    marked_b = "".join(s.text for s in pair.segments_b if s.matched)
    assert "stop_training = True" in marked_a and "stop_training = True" in marked_b
    assert "TARGET_ACC" in marked_b and "THRESHOLD" in marked_a  # renamed, still matched
    assert "".join(s.text for s in pair.segments_a) == (CLASS / "bilal.py").read_text()


def test_the_starter_code_is_boilerplate() -> None:
    spec = load_exercise("mnist_callback")
    starter = (spec.folder / "starter.py").read_text()  # type: ignore[operator]
    codes = {"ann": starter, "ben": starter + "\n# done\n"}
    without = compare_class(codes, starter_code(spec), spec.id, threshold=0.0)
    assert without.pairs == [] and without.skipped == ["ann", "ben"]  # nothing of their own
    with_it = compare_class(codes, [], spec.id, threshold=0.0)
    assert with_it.pairs[0].similarity == 1.0  # the starter alone would flag everyone


def test_a_notebook_is_compared_by_its_code_cells(tmp_path: Path) -> None:
    source = (CLASS / "felix.py").read_text()
    head, _, rest = source.partition("TARGET_ACC = 0.99")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Week 2\nMy callback."),
        nbformat.v4.new_code_cell("!pip install tensorflow\n" + head),
        nbformat.v4.new_code_cell("TARGET_ACC = 0.99" + rest),
    ]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="x = 1 " * 500)]
    code = code_of("felix.ipynb", nbformat.writes(nb).encode())
    assert "!pip" not in code and "x = 1" not in code and "My callback" not in code
    spec = load_exercise("mnist_callback")
    codes = {"bilal": (CLASS / "bilal.py").read_text(), "felix_nb": code}
    (pair,) = compare_class(codes, starter_code(spec), spec.id).pairs
    assert pair.similarity > 0.9


def test_the_page_is_written_and_linked_from_the_index(tmp_path: Path) -> None:
    spec = load_exercise("mnist_callback")
    sources = find_submissions(CLASS, spec.id)
    assert set(class_codes(sources)) == {p.stem for p in CLASS.glob("*.py")}
    page = write_similarity(sources, [["chen", "hana"]], spec, tmp_path)
    html = page.read_text()
    assert html.count('class="pair"') == 2
    assert 'data-a="bilal" data-b="felix"' in html and 'data-a="dagny" data-b="gita"' in html
    assert "<mark>" in html and 'class="duplicate"' in html
    assert "Content-Security-Policy" in html and "<script" not in html
    figures = read_similarity(tmp_path)  # the same figures, kept for the workbench's queue
    assert figures is not None and figures.threshold == THRESHOLD
    assert {(a, b) for a, b, _ in figures.pairs} == COPIES
    assert all(value >= THRESHOLD for *_, value in figures.pairs)
    assert figures.duplicates == [["chen", "hana"]]
    assert read_similarity(tmp_path / "nowhere") is None
    report = read_results(FIXTURES / "mnist_callback-syntax_error.json")
    write_index(report, {}, tmp_path / "index.html")
    assert 'href="similarity.html"' in (tmp_path / "index.html").read_text()


def test_the_figures_do_not_depend_on_the_process(report, monkeypatch: pytest.MonkeyPatch) -> None:
    """copydetect hashes k-grams with Python's `hash()`, salted per process: left as it was, the
    same files gave other figures in each `grader grade` (and a resolved similar pair reopened in
    the review queue at every regrade). Another string hash here stands for another process."""
    monkeypatch.setattr(builtins, "hash", lambda value: zlib.crc32(repr(value).encode()))
    codes = {p.stem: p.read_text() for p in sorted(CLASS.glob("*.py"))}
    spec = load_exercise("mnist_callback")
    again = compare_class(
        codes, starter_code(spec), spec.id, duplicates=[["chen", "hana"]], threshold=0.0
    )
    assert [(p.a, p.b, p.share_a, p.share_b) for p in again.pairs] == [
        (p.a, p.b, p.share_a, p.share_b) for p in report.pairs
    ]
    assert stable_kgram_hashes("abc", 2).tolist() == [
        int.from_bytes(hashlib.blake2b(gram, digest_size=8).digest(), "big", signed=True)
        for gram in (b"ab", b"bc")
    ]
