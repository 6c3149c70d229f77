"""The HTML reports in a real headless browser: Debian's chromium driven by Playwright.

A class is rendered exactly as `grade_folder` writes it (reports, exports, index) from the real
fixture results plus one hostile result, then opened from disk. Checked: the DOM holds the checks
and the figures, sorting and filtering work (so the index script runs under its CSP), pages fit a
phone's width, nothing is fetched from the network, and the hostile submission changes neither
`document.title` nor the DOM (no script or image elements, no dialog). Screenshots are written to
`reports/screenshots/` (or `$GRADER_SCREENSHOT_DIR`).

Needs /usr/bin/chromium (scripts/system-deps.sh installs it) and the `playwright` package; never
`playwright install` (that downloads a browser build).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import ARGS, CHROMIUM, DESKTOP, PHONE, Visit, require, shoot
from paths import FIXTURES

from grader.classroom.batch import report_filename
from grader.exports import write_exports
from grader.report import write_index, write_report
from grader.report.text import clean
from grader.results import GradeReport, SubmissionResult, read_results
from grader.spec.exercise import load_exercise

playwright_api = require()

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]  # a real browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The mnist_callback class (real results + a hostile one), written as grade_folder does."""
    out = tmp_path_factory.mktemp("class")
    results: list[SubmissionResult] = [
        read_results(p).submissions[0] for p in sorted(FIXTURES.glob("mnist_callback-*.json"))
    ]
    hostile = read_results(FIXTURES / "synthetic" / "hostile.json").submissions[0]
    results.append(hostile)
    spec = load_exercise("mnist_callback")
    links = {}
    for r in results:
        links[r.id] = report_filename(r.id)
        write_report(r, spec, out / links[r.id])
    report = GradeReport(spec.id, results)
    write_exports(report, out)
    write_index(report, links, out / "index.html")
    return {"out": out, "report": report, "links": links, "hostile": hostile}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def desktop(browser: object) -> Iterator[Visit]:
    visit = Visit(browser, DESKTOP)
    yield visit
    visit.close()


@pytest.fixture
def phone(browser: object) -> Iterator[Visit]:
    visit = Visit(browser, PHONE)
    yield visit
    visit.close()


def visible_ids(page: object) -> list[str]:
    return page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#submissions tbody tr",
        "rows => rows.filter(r => !r.hidden && r.offsetParent !== null)"
        ".map(r => r.querySelector('td').innerText.trim())",
    )


def column(page: object, attr: str) -> list[str]:
    return page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#submissions tbody tr", f"rows => rows.map(r => r.dataset.{attr})"
    )


def test_index_figures_sorting_and_filtering(site: dict, desktop: Visit) -> None:
    report: GradeReport = site["report"]  # type: ignore[assignment]
    n = len(report.submissions)
    page = desktop.open(site["out"] / "index.html")  # type: ignore[operator]
    assert page.title().startswith("Class overview")
    assert page.locator('#summary [data-figure="count"] b').inner_text() == str(n)
    passed = sum(s.passed for s in report.submissions)
    assert page.locator('#summary [data-figure="passed"] b').inner_text() == str(passed)
    assert page.locator("#histogram .bin").count() == 11
    assert page.locator("#histogram rect.bar").count() >= 1
    assert page.locator("#submissions tbody tr").count() == n
    assert page.locator("#shown").inner_text() == f"{n} of {n} shown"

    # sorting: by score (highest first, then lowest), by time, by status, by name
    page.click('th[data-key="score"] button')
    scores = [float(s) for s in column(page, "score")]
    assert scores == sorted(scores, reverse=True)
    assert page.get_attribute('th[data-key="score"]', "aria-sort") == "descending"
    page.click('th[data-key="score"] button')
    scores = [float(s) for s in column(page, "score")]
    assert scores == sorted(scores)
    page.click('th[data-key="time"] button')
    times = [float(t) for t in column(page, "time")]
    assert times == sorted(times, reverse=True)
    page.select_option("#sort", "status:ascending")
    statuses = column(page, "status")
    assert statuses[0] == "pass" and statuses.count("pass") == passed
    page.click('th[data-key="name"] button')
    names = column(page, "name")
    assert names == sorted(names)

    # filtering by failing check
    failing_stop = sorted(
        clean(s.id)
        for s in report.submissions
        if any(c.id == "stop_message" and c.status in ("fail", "error") for c in s.checks)
    )
    page.select_option("#filter", "stop_message")
    assert sorted(visible_ids(page)) == failing_stop
    assert page.locator("#shown").inner_text() == f"{len(failing_stop)} of {n} shown"
    page.select_option("#filter", "__passed")
    assert visible_ids(page) == [clean(s.id) for s in report.submissions if s.passed]
    page.select_option("#filter", "")
    assert len(visible_ids(page)) == n

    # most common failures link to reports that exist
    hrefs = page.eval_on_selector_all("#failures ~ ol a", "as => as.map(a => a.href)")
    assert hrefs
    for href in hrefs:
        assert href.startswith("file://")
        assert Path(page.evaluate("h => decodeURIComponent(new URL(h).pathname)", href)).is_file()
    for name in ("results.json", "grades.csv", "junit.xml"):
        assert page.locator(f'#downloads a[href="{name}"]').count() == 1
    shoot(page, "index-desktop.png")
    desktop.assert_quiet()


def test_report_dom_checks_chart_and_architecture(site: dict, desktop: Visit) -> None:
    links: dict[str, str] = site["links"]  # type: ignore[assignment]
    page = desktop.open(site["out"] / links["wrong_message"])  # type: ignore[operator]
    assert page.title().startswith("Not passed yet 8/10 — wrong_message")
    statuses = page.eval_on_selector_all(
        "#checks tbody tr", "rows => rows.map(r => [r.dataset.check, r.dataset.status])"
    )
    assert statuses == [
        ["runs", "pass"],
        ["architecture", "pass"],
        ["epoch_limit", "pass"],
        ["early_stop", "pass"],
        ["stop_message", "fail"],
        ["train_accuracy", "pass"],
    ]
    row = page.locator('#checks tr[data-check="stop_message"]')
    assert "✗" in row.inner_text() and "fail" in row.inner_text()
    assert "Hint:" in row.locator(".hint").inner_text()
    # the chart is drawn: markers and lines have a real size on screen
    for selector in (
        "#training-chart .marker.threshold line",
        "#training-chart .marker-stop line",
        "#training-chart .marker-first circle",
        "#training-chart path.line.acc",
        "#training-chart path.line.loss",
    ):
        box = page.locator(selector).bounding_box()
        assert box is not None and (box["width"] > 0 or box["height"] > 0), selector
    assert page.locator("#training-chart circle.dot.acc").count() == 4
    assert page.locator("#stop-message del.d").count() >= 1
    assert page.locator("#stop-message ins.d").count() >= 1
    assert page.locator("#arch-table tbody tr").count() == 3
    env = page.locator("#environment").inner_text()
    assert "TensorFlow" in env and "2.21.0" in env and "Keras" in env
    shoot(page, "report-wrong_message-desktop.png")
    desktop.assert_quiet()


def test_markers_sit_at_their_epochs(site: dict, desktop: Visit) -> None:
    links: dict[str, str] = site["links"]  # type: ignore[assignment]
    page = desktop.open(site["out"] / links["callback_not_passed"])  # type: ignore[operator]
    first = page.locator("#training-chart .marker-first circle").bounding_box()
    stop = page.locator("#training-chart .marker-stop line").bounding_box()
    dot4 = page.locator('#training-chart circle.dot.acc[data-epoch="4"]').bounding_box()
    dot10 = page.locator('#training-chart circle.dot.acc[data-epoch="10"]').bounding_box()
    assert first and stop and dot4 and dot10

    def centre(box: dict) -> float:
        return box["x"] + box["width"] / 2

    assert abs(centre(first) - centre(dot4)) < 1
    assert abs(centre(stop) - centre(dot10)) < 2
    assert centre(stop) > centre(first) + 100
    desktop.assert_quiet()


def test_code_excerpt_and_phone_layout(site: dict, phone: Visit) -> None:
    links: dict[str, str] = site["links"]  # type: ignore[assignment]
    out: Path = site["out"]  # type: ignore[assignment]
    for name in ("no_flatten", "wrong_message", "syntax_error"):
        page = phone.open(out / links[name])
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (name, width)
    page = phone.open(out / links["no_flatten"])
    failing = page.locator("#failing-line")
    assert failing.get_attribute("data-line") == "14"
    assert "model.fit(x_train, y_train" in failing.inner_text()
    assert page.locator('#arch-table tr[data-state="missing"]').count() == 1
    shoot(page, "report-no_flatten-phone.png")
    page = phone.open(out / "index.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.select_option("#sort", "score:descending")
    scores = [float(s) for s in column(page, "score")]
    assert scores == sorted(scores, reverse=True)
    shoot(page, "index-phone.png")
    phone.assert_quiet()


HOSTILE_DOM = """() => ({
  title: document.title,
  scripts: document.scripts.length,
  images: document.images.length,
  embedded: document.querySelectorAll('iframe, object, embed, link, base, form').length,
  handlers: [...document.querySelectorAll('*')].filter(
      e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
  hidden: getComputedStyle(document.body).display,
  text: document.body.innerText,
})"""


def test_hostile_submission_leaves_title_and_dom_untouched(site: dict, desktop: Visit) -> None:
    hostile: SubmissionResult = site["hostile"]  # type: ignore[assignment]
    links: dict[str, str] = site["links"]  # type: ignore[assignment]
    out: Path = site["out"]  # type: ignore[assignment]
    html = (out / links[hostile.id]).read_text()
    expected_title = html.split("<title>")[1].split("</title>")[0]
    page = desktop.open(out / links[hostile.id])
    page.wait_for_timeout(300)  # give any injected handler its chance
    dom = page.evaluate(HOSTILE_DOM)
    assert dom["title"] != "pwned" and "pwned" not in dom["title"]
    assert page.evaluate("document.querySelector('title').textContent") == page.title()
    assert expected_title.startswith("Not passed yet")
    assert dom["scripts"] == 0 and dom["images"] == 0 and dom["embedded"] == 0
    assert dom["handlers"] == 0
    assert dom["hidden"] != "none"  # the printed <style> did not apply
    assert "<script>document.title='pwned'</script>" in dom["text"]
    assert "<img src=x onerror=alert(1)>" in dom["text"]
    assert page.locator("#output-cut").is_visible()
    assert "cut here" in page.locator("#output-cut").inner_text()
    shoot(page, "report-hostile-desktop.png")
    desktop.assert_quiet()

    page = desktop.open(out / "index.html")
    page.wait_for_timeout(300)
    dom = page.evaluate(HOSTILE_DOM)
    assert dom["title"].startswith("Class overview") and "pwned" not in dom["title"]
    assert dom["scripts"] == 1 and dom["images"] == 0 and dom["handlers"] == 0
    assert "<img src=x onerror=alert(1)>hostile" in dom["text"]
    desktop.assert_quiet()
