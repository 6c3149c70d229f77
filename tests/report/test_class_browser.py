"""The roster on index.html and the similarity page in a real headless Chromium (Playwright).

The class: recorded results (tests/fixtures/reports/) tied to a roster with one student missing
and one submission nobody owns, one late and one overridden, rendered as `grader grade` writes
them; the similarity page of the similarity fixture class beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from browser import ARGS, CHROMIUM, DESKTOP, require
from paths import FIXTURES, SUBMISSIONS

from grader.classroom.classbook import missing_result, publish, report_names
from grader.classroom.late import SubmissionTime, late_penalty, parse_deadline
from grader.classroom.overrides import Override, finalize, with_context
from grader.classroom.roster import Student
from grader.classroom.similarity import write_similarity
from grader.classroom.sources import find_submissions
from grader.report import write_report
from grader.results import GradeReport, read_results
from grader.spec.exercise import load_exercise

CLASS = SUBMISSIONS / "similarity" / "mnist_callback"
playwright_api = require()

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]  # a real browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("class_site")
    spec = load_exercise("mnist_callback")
    names = ["wrong_message", "no_flatten", "syntax_error", "gt_threshold"]
    results = [read_results(FIXTURES / f"mnist_callback-{n}.json").submissions[0] for n in names]
    students = {
        "wrong_message": Student("s1", "José Nuñez", "jn@uni.example", "101"),
        "no_flatten": Student("s2", "Zoë Müller", "zm@uni.example", "102"),
        "syntax_error": Student("s3", "Ada Lovelace", "ada@uni.example", "103"),
    }
    due = datetime(2026, 3, 1, tzinfo=UTC)
    policy = parse_deadline({"due": due, "penalty_percent": 10})
    bases = []
    for r in results:
        student = students.get(r.id)
        late = late_penalty(
            policy,
            SubmissionTime(due + timedelta(days=1 if r.id == "no_flatten" else -1), "roster"),
            r.score,
            r.max_score,
        )
        bases.append(with_context(r, student.matched("exact id") if student else None, late))
    fix = Override(1, spec.id, "syntax_error", "runs", 1.0, 0.0, "fail", "typo", "ta", "")
    final = [finalize(b, [fix]) for b in bases]
    final.append(finalize(missing_result(Student("s4", "Grace Hopper"), spec), []))
    links = report_names([r.id for r in final if r.status != "missing"])
    for r in final:
        if r.id in links:
            write_report(r, spec, out / links[r.id])
    write_similarity(find_submissions(CLASS, spec.id), [["chen", "hana"]], spec, out)
    publish(GradeReport(spec.id, final), out, links, {"roster": "roster.csv"})
    return out


@pytest.fixture(scope="module")
def page() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.requests = []  # type: ignore[attr-defined]
        page.errors = []  # type: ignore[attr-defined]
        page.on("request", lambda r: page.requests.append(r.url))  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
        yield page
        browser.close()


def test_index_shows_the_roster_and_links_the_similarity_page(site: Path, page) -> None:
    page.goto((site / "index.html").as_uri())
    missing_text = page.inner_text("#roster-missing")
    unknown_text = page.inner_text("#roster-unknown")
    assert "s4" in missing_text and "gt_threshold" in unknown_text
    students = page.eval_on_selector_all("td.student", "cells => cells.map(c => c.innerText)")
    assert "José Nuñez (exact id)" in students and "Grace Hopper" in students
    notes = page.eval_on_selector_all("span.chip.note", "c => c.map(x => x.innerText)")
    assert any(n.startswith("late:") for n in notes) and "override: runs" in notes
    page.select_option("#sort", "score:descending")  # the table script still sorts
    assert page.eval_on_selector("#submissions tbody tr", "r => r.dataset.name") != ""
    assert page.is_visible("a[href='canvas.csv']") and page.is_visible("a[href='moodle.csv']")
    page.click("#similarity-link a")
    page.wait_for_load_state("load")
    assert page.url.endswith("similarity.html")
    rows = page.eval_on_selector_all(
        "#pairs tbody tr", "rows => rows.map(r => r.dataset.a + '/' + r.dataset.b)"
    )
    assert rows == ["bilal/felix", "dagny/gita"]
    boxes = page.eval_on_selector_all(
        "#pair-1 .side > div", "ds => ds.map(d => d.getBoundingClientRect().left)"
    )
    assert len(boxes) == 2 and boxes[1] > boxes[0] + 300  # side by side
    assert page.eval_on_selector_all("#pair-1 mark", "m => m.length") > 0
    assert "hana" in page.inner_text("li.duplicate")
    assert all(u.startswith("file://") for u in page.requests) and not page.errors


def test_the_report_explains_the_penalty_and_the_override(site: Path, page) -> None:
    page.goto((site / "no_flatten.html").as_uri())
    text = page.inner_text("#adjustments")
    assert "Late by 1 d" in text and "1 started day(s) x 10%" in text
    page.goto((site / "syntax_error.html").as_uri())
    text = page.inner_text("#adjustments")
    assert "Changed by your instructor — check runs: 0 → 1" in text and "typo" in text
