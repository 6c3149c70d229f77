"""The report's view of a run as it ran (`grader.report.notebook_view`, `_as_ran.html.j2`):
cells with outputs and real PNG figures, the failing cell linked from the verdict, start-up noise
hidden with the raw output kept, the CSP unchanged. Fast: rendered from a real fixture result
with a record built here (the corpus's browser tests open reports of real runs).
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from browser import ARGS, CHROMIUM, DESKTOP, Visit, require
from paths import FIXTURES

from grader.report import render_report
from grader.report.noise import split_noise
from grader.results import SourceLocation, read_results
from grader.spec.exercise import load_exercise

pytestmark = pytest.mark.integration  # spawns a grading child or the CLI

NOISE = (
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
    "I0000 00:00:1795767490.377351       2 port.cc:153] oneDNN custom operations are on. You "
    "may see slightly different numerical results.\n"
    "2024-05-01 10:00:00.000000: I tensorflow/core/platform/cpu_feature_guard.cc:182] This "
    "TensorFlow binary is optimized to use available CPU instructions.\n"
)


def real_png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(2, 2))
    plt.plot([1, 2, 3], [0.8, 0.85, 0.88])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=50)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def notebook_result():
    result = read_results(FIXTURES / "fashion_mnist-no_normalization.json").submissions[0]
    png = real_png()
    cells = [
        {"cell": 2, "execution_count": 1, "failed": False, "cut": False, "ran": True,
         "source": "import matplotlib.pyplot as plt", "outputs": []},
        {"cell": 3, "execution_count": 2, "failed": False, "cut": False, "ran": True,
         "source": "plt.plot(history.history['accuracy'])\nprint('<script>alert(1)</script>')",
         "outputs": [{"kind": "stream", "name": "stdout", "text": "<script>alert(1)</script>\n"},
                     {"kind": "image", "png": png, "bytes": 100}]},
        {"cell": 4, "execution_count": 3, "failed": True, "cut": False, "ran": True,
         "source": "x = 1\nepochs = int(input('epochs? '))", "outputs": []},
        {"cell": 5, "execution_count": None, "failed": False, "cut": False, "ran": False,
         "source": "model.fit(x, y, epochs=epochs)", "outputs": []},
    ]  # fmt: skip
    return replace(
        result,
        output="student line\n" + NOISE + "last student line\n",
        error="StdinNotImplementedError: raw_input was called",
        error_location=SourceLocation(cell=4, line=2, excerpt=[(2, "epochs = int(input())")]),
        as_ran={"cells": cells, "plots": [], "plots_kept": 1, "plots_dropped": 0, "note": ""},
    )


def test_noise_lines_are_told_apart() -> None:
    text, removed = split_noise("Epoch 1/5\n" + NOISE + "Test accuracy: 0.87\n")
    assert removed == 3
    assert text == "Epoch 1/5\nTest accuracy: 0.87\n"


def test_the_notebook_view_renders_cells_figures_and_the_failing_cell() -> None:
    page = render_report(notebook_result(), load_exercise("fashion_mnist"))
    assert re.findall(r'id="(cell-\d+)"', page) == ["cell-2", "cell-3", "cell-4", "cell-5"]
    assert page.count('src="data:image/png;base64,iVBORw0KGgo') == 1
    assert 'id="failing-cell-link" href="#cell-4"' in page
    assert 'data-cell="4" data-state="failed"' in page
    assert 'data-cell="5" data-state="not-run"' in page
    assert "StdinNotImplementedError" in page.split('id="cell-4"')[1].split('id="cell-5"')[0]
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page  # the report page runs no script at all
    csp = html.unescape(
        re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    )
    assert csp.startswith("default-src 'none'") and "img-src data:" in csp
    assert "script-src 'none'" in csp


def test_a_timeout_marks_the_cell_that_was_running() -> None:
    result = notebook_result()
    cells = [dict(c, failed=False) for c in result.as_ran["cells"]]
    cells[2]["ran"] = False
    result = replace(
        result,
        status="timeout",
        error="",
        error_location=None,
        as_ran={**result.as_ran, "cells": cells},
    )
    page = render_report(result, load_exercise("fashion_mnist"))
    assert 'data-cell="4" data-state="stopped"' in page
    assert "was running when the time limit stopped the run" in page
    assert 'data-cell="5" data-state="not-run"' in page


def test_captured_output_hides_noise_and_keeps_the_raw_output() -> None:
    page = render_report(notebook_result(), load_exercise("fashion_mnist"))
    shown = page.split('<pre id="output">')[1].split("</pre>")[0]
    assert "student line" in shown and "last student line" in shown
    assert "oneDNN" not in shown and "absl" not in shown
    raw = page.split('<details id="raw-output">')[1].split("</details>")[0]
    assert "3 start-up line(s)" in raw and "oneDNN custom operations" in raw


def test_a_module_shows_its_figures_with_the_line_that_drew_them() -> None:
    result = replace(
        read_results(FIXTURES / "fashion_mnist-no_metrics.json").submissions[0],
        as_ran={
            "cells": [],
            "plots": [
                {"line": 24, "png": real_png(), "bytes": 1},
                {"line": None, "png": real_png()},
            ],
            "plots_kept": 2,
            "plots_dropped": 3,
            "note": "3 figure(s) not shown: a report keeps at most 24 figures",
        },
    )
    page = render_report(result, load_exercise("fashion_mnist"))
    assert page.count('class="mod-fig" src="data:image/png;base64,') == 2
    assert "drawn at line 24 (plt.show())" in page
    assert "drawn but never shown: kept at the end" in page
    assert "3 figure(s) not shown" in page


def test_a_result_without_a_record_renders_as_before() -> None:
    result = read_results(FIXTURES / "fashion_mnist-no_metrics.json").submissions[0]
    assert result.as_ran == {}
    page = render_report(result, load_exercise("fashion_mnist"))
    assert 'id="as-ran"' not in page


def test_in_a_browser_figures_decode_and_the_verdict_links_the_cell(tmp_path: Path) -> None:
    playwright_api = require()
    path = tmp_path / "report.html"
    path.write_text(render_report(notebook_result(), load_exercise("fashion_mnist")))
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            visit = Visit(browser, DESKTOP)
            page = visit.open(path)
            image = page.locator("#cell-3 img.nb-fig")
            assert image.evaluate("img => img.complete && img.naturalWidth") == 100  # 2 in @ 50 dpi
            page.locator("#failing-cell-link").click()
            assert page.evaluate("location.hash") == "#cell-4"
            assert page.locator("#cell-4").get_attribute("data-state") == "failed"
            assert page.locator("#raw-output").get_attribute("open") is None
            assert "oneDNN" not in page.locator("#output").inner_text()
            assert page.evaluate("document.querySelectorAll('script').length") == 0
            assert not visit.dialogs and not visit.errors  # the printed <script> stayed text
            assert all(u.startswith(("file://", "data:")) for u in visit.requests), visit.requests
            visit.close()
        finally:
            browser.close()
