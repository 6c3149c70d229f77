"""The corpus: notebooks and modules written the way students of this course write them.

`tests/corpus/<exercise>/` holds the seed tutorials turned into notebooks and
modules (sample-image plots, training curves, Colab `%tensorflow_version` blocks, `drive.mount`,
`from tensorflow import keras`, class-name lists, `model.predict` plots, `display()`, `%%time`)
and the course's typical ways to go wrong (a published solution without its imports, a package
the course does not have, the starter handed in half done, `input()`, too many figures).
`expected.toml` says how a teacher grades each one.

The corpus is graded once per test run, as a class (`grade_class`, two workers), and every test
asserts on that one grading; the browser tests open the reports it wrote.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import ARGS, CHROMIUM, DESKTOP, Visit, require, shoot
from paths import TESTS

from grader.classroom.batch import BatchSettings, grade_class, report_filename
from grader.report.noise import split_noise
from grader.report.notebook_view import as_ran_view
from grader.results import SubmissionResult

CORPUS = TESTS / "corpus"
EXPECTED: dict[str, dict[str, dict[str, Any]]] = tomllib.loads(
    (CORPUS / "expected.toml").read_text()
)
CASES = [(ex, name) for ex, table in EXPECTED.items() for name in table]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each exercise's corpus graded once, as a class: results by (exercise, id), report dirs."""
    results: dict[tuple[str, str], SubmissionResult] = {}
    outs: dict[str, Path] = {}
    for exercise in EXPECTED:
        out = tmp_path_factory.mktemp(f"corpus-{exercise}")
        graded = grade_class(CORPUS / exercise, exercise, out, BatchSettings(workers=2))
        for result in graded.report.submissions:
            results[(exercise, result.id)] = result
        outs[exercise] = out
    return {"results": results, "out": outs}


def test_every_file_of_the_corpus_has_an_expectation() -> None:
    files = {(p.parent.name, p.stem) for p in CORPUS.glob("*/*") if p.suffix in (".py", ".ipynb")}
    assert files == set(CASES)


@pytest.mark.parametrize(("exercise", "name"), CASES, ids=[f"{e}/{n}" for e, n in CASES])
def test_graded_as_a_teacher_would(corpus: dict[str, Any], exercise: str, name: str) -> None:
    expected = EXPECTED[exercise][name]
    result: SubmissionResult = corpus["results"][(exercise, name)]
    checks = {c.id: c for c in result.checks}
    summary = {c.id: (c.status, c.hint_id) for c in result.checks}
    assert result.status == "graded", (result.status, result.error)
    assert result.passed is expected["passed"], summary
    for check_id, hint_id in expected.get("fails", {}).items():
        assert checks[check_id].status in ("fail", "skip"), summary
        assert checks[check_id].hint_id == hint_id, summary
    if not expected["passed"]:
        assert checks["runs"].status == "fail", summary
        first = result.first_failure()
        assert first is not None
        for text in expected.get("hint_contains", []):
            assert text in first.hint, first.hint
        # No hint that does not fit: nothing about Lambda layers or safe loading here.
        assert all(c.hint_id != "unsafe_model" for c in result.checks), summary


@pytest.mark.parametrize(("exercise", "name"), CASES, ids=[f"{e}/{n}" for e, n in CASES])
def test_figures_are_kept_where_drawn(corpus: dict[str, Any], exercise: str, name: str) -> None:
    expected = EXPECTED[exercise][name]
    result: SubmissionResult = corpus["results"][(exercise, name)]
    shown = result.as_ran
    count = shown.get("plots_kept", 0) if shown else 0
    assert count == expected.get("figures", 0), shown.get("note") if shown else "nothing shown"
    assert (shown.get("plots_dropped", 0) if shown else 0) == expected.get("plots_dropped", 0)
    if count:  # what drawing and keeping them cost, as the run counted it
        assert 0 < shown["capture_s"] < result.duration_s
    if expected.get("plots_dropped"):
        assert "at most 24 figures" in shown["note"]
    if name.endswith(("tutorial", "logits", "callbacks", "epochs", "habits")):  # cell by cell
        cells = shown["cells"]
        assert [c["cell"] for c in cells] == sorted(c["cell"] for c in cells)
        images = [o for c in cells for o in c["outputs"] if o["kind"] == "image"]
        assert len(images) == count
        assert all(o["png"].startswith("iVBORw0KGgo") for o in images)  # base64 of a PNG


def test_a_notebook_is_shown_cell_by_cell_with_its_output(corpus: dict[str, Any]) -> None:
    result: SubmissionResult = corpus["results"][("fashion_mnist", "seed001_tutorial")]
    cells = {c["cell"]: c for c in result.as_ran["cells"]}
    # The Colab lines ran as the grader neutralised them; the class name printed in cell 8.
    assert "pass  # grader: %tensorflow_version 2.x" in cells[2]["source"]
    printed = "".join(o.get("text", "") for o in cells[8]["outputs"])
    assert "Image at index one is a T-shirt/top." in printed
    kinds = [o["kind"] for o in cells[7]["outputs"]]
    assert kinds == ["image"], kinds  # plt.show() in cell 7: its figure, there
    assert all(c["ran"] for c in cells.values())


def test_a_failing_cell_does_not_hide_the_rest(corpus: dict[str, Any]) -> None:
    """The first code cell fails on a package the course lacks; the notebook runs on, trains,
    fails again further down; `runs` names both cells, the report marks both, and the model
    that trained is judged (its missing hidden layer is named)."""
    result: SubmissionResult = corpus["results"][("fashion_mnist", "plotly_no_hidden_layer")]
    checks = {c.id: c for c in result.checks}
    assert "at cell 2, line 3" in checks["runs"].message
    assert "at cell 5, line 2" in checks["runs"].message
    assert "2 epoch(s) trained" in checks["runs"].message
    assert (
        checks["architecture"].status == "fail" and "Dense(relu)" in checks["architecture"].message
    )
    assert checks["test_accuracy"].status in ("pass", "fail")  # measured, not skipped
    cells = {c["cell"]: c for c in result.as_ran["cells"]}
    assert [n for n, c in sorted(cells.items()) if c["failed"]] == [2, 5]
    assert all(c["ran"] for c in cells.values())
    view = as_ran_view(result)
    assert view is not None
    assert [c.number for c in view.cells if c.state == "failed"] == [2, 5]


def test_the_failing_cell_is_marked(corpus: dict[str, Any]) -> None:
    result: SubmissionResult = corpus["results"][("fashion_mnist", "asks_for_epochs")]
    cells = {c["cell"]: c for c in result.as_ran["cells"]}
    assert cells[4]["failed"] and result.error_location is not None
    assert result.error_location.cell == 4
    assert "input()" in result.checks[0].hint
    assert result.duration_s < 120  # failed fast: no wait for a keyboard until the time limit
    assert [o["kind"] for o in cells[2]["outputs"]] == ["image"]


def test_start_up_noise_is_not_the_students_output(corpus: dict[str, Any]) -> None:
    from grader.report.noise import split_noise

    result: SubmissionResult = corpus["results"][("fashion_mnist", "seed002_subplots")]
    student, removed = split_noise(result.output)
    # TensorFlow's start-up lines vary from run to run (oneDNN, absl, a NodeDef warning): some
    # were removed, none is left, and the raw output keeps what was removed.
    assert removed >= 1 and len(student) < len(result.output)
    for noise in ("oneDNN", "absl::InitializeLog", "Unknown attributes will be ignored"):
        assert noise not in student
    assert re.search(r"^2\.\d+\.\d+$", student, re.MULTILINE)  # the student's print(tf.__version__)


# -- the reports in a real browser -------------------------------------------------------------


@pytest.fixture(scope="module")
def visit() -> Iterator[Any]:
    playwright_api = require()
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield lambda: Visit(browser, DESKTOP)
        finally:
            browser.close()


def _report(corpus: dict[str, Any], exercise: str, name: str) -> Path:
    return corpus["out"][exercise] / report_filename(name)


def _assert_quiet(v: Any) -> None:
    assert not v.dialogs and not v.errors, (v.dialogs, v.errors)
    assert all(url.startswith(("file://", "data:")) for url in v.requests), v.requests


def test_browser_shows_the_notebook_and_its_plots(corpus: dict[str, Any], visit: Any) -> None:
    v = visit()
    page = v.open(_report(corpus, "fashion_mnist", "seed001_tutorial"))
    csp = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "default-src 'none'" in csp and "img-src data:" in csp and "script-src 'none'" in csp
    assert page.locator("#as-ran[data-kind=notebook] .nb-cell").count() >= 12
    figures = page.locator("#as-ran img.nb-fig")
    assert figures.count() == 3
    for i in range(3):  # decoded and laid out: a real image, not a broken icon
        width = figures.nth(i).evaluate("img => img.complete ? img.naturalWidth : 0")
        assert width > 100
    assert page.locator("#cell-7 img.nb-fig").count() == 1  # where it was drawn
    assert page.locator("script").count() == 0
    shoot(page, "corpus-notebook.png")
    _assert_quiet(v)
    v.close()


def test_browser_links_the_verdict_to_the_failing_cell(corpus: dict[str, Any], visit: Any) -> None:
    v = visit()
    page = v.open(_report(corpus, "fashion_mnist", "asks_for_epochs"))
    link = page.locator("#failing-cell-link")
    assert link.get_attribute("href") == "#cell-4"
    link.click()
    assert page.evaluate("location.hash") == "#cell-4"
    cell = page.locator("#cell-4")
    assert cell.get_attribute("data-state") == "failed"
    assert "StdinNotImplementedError" in cell.inner_text()
    box = cell.bounding_box()
    assert box is not None and -2 <= box["y"] < 900  # scrolled into view
    _assert_quiet(v)
    v.close()


def test_browser_shows_a_modules_figures_and_hides_noise(
    corpus: dict[str, Any], visit: Any
) -> None:
    v = visit()
    page = v.open(_report(corpus, "fashion_mnist", "seed002_subplots"))
    assert page.locator("#as-ran[data-kind=module] img.mod-fig").count() == 2
    assert "line 24 (plt.show())" in page.locator("#as-ran").inner_text()
    raw = page.locator("#raw-output")
    assert raw.get_attribute("open") is None  # collapsed
    # Which start-up lines TensorFlow prints depends on the machine (oneDNN on one CPU, a
    # NodeDef warning on another): take the ones this run printed, whatever they are.
    noise = [ln for ln in raw.locator("pre").text_content().splitlines() if split_noise(ln)[1]]
    assert noise, "TensorFlow printed no start-up line at all: nothing to hide"
    shown = page.locator("#output").inner_text()
    assert not [ln for ln in noise if ln.strip() in shown]
    _assert_quiet(v)
    v.close()


def test_report_states_the_figure_cap(corpus: dict[str, Any], visit: Any) -> None:
    v = visit()
    page = v.open(_report(corpus, "fashion_mnist", "many_figures"))
    assert page.locator("#as-ran img.mod-fig").count() == 24
    assert "6 figure(s) not shown" in page.locator("#plots-note").inner_text()
    _assert_quiet(v)
    v.close()


def test_local_jupyter_habits_run_and_show(corpus: dict[str, Any]) -> None:
    result: SubmissionResult = corpus["results"][("fashion_mnist", "local_jupyter_habits")]
    cells = {c["cell"]: c for c in result.as_ran["cells"]}

    def text(n: int) -> str:
        return "".join(o.get("text", "") for o in cells[n]["outputs"])

    assert "**60000** training images" in text(2)  # display(Markdown(...)): its source
    assert [o["kind"] for o in cells[3]["outputs"]] == ["image"]  # %matplotlib notebook: inline
    assert "image" in [o["kind"] for o in cells[4]["outputs"]]  # %matplotlib widget: inline
    assert "per loop" in text(5)  # %timeit ran
    assert "[rich output (text/html): not shown in the report]" in text(5)
