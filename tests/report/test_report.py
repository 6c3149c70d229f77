"""HTML reports rendered from real grading results (tests/fixtures/reports/*.json) and a hostile
one: content, escaping, self-containment, and cost next to grading. No browser here (see
test_report_browser.py); the HTML is read back with the standard library's parser."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from paths import FIXTURES

from grader.report import render_index, render_report, write_index, write_report
from grader.report.charts import score_histogram
from grader.report.check_views import architecture_view
from grader.report.class_view import index_page
from grader.report.text import char_diff_segments, clean, cut_middle, replay_terminal
from grader.results import GradeReport, SubmissionResult, read_results
from grader.spec.exercise import ExerciseSpec, load_exercise

REAL = sorted(FIXTURES.glob("*.json"))
HOSTILE_FILE = FIXTURES / "synthetic" / "hostile.json"
XSS = "<script>document.title='pwned'</script>"
IMG = "<img src=x onerror=alert(1)>"


def load(name: str) -> SubmissionResult:
    return read_results(FIXTURES / f"{name}.json").submissions[0]


def hostile() -> SubmissionResult:
    return read_results(HOSTILE_FILE).submissions[0]


def spec_for(result: SubmissionResult) -> ExerciseSpec:
    return load_exercise(result.exercise)


def render(name: str) -> str:
    result = load(name)
    return render_report(result, spec_for(result))


class Page(HTMLParser):
    """Tags, attributes and text of a page, as a browser's tokenizer sees them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str | None = None, **attrs: str) -> list[dict[str, str]]:
        return [
            a
            for t, a in self.tags
            if (tag is None or t == tag)
            and all(a.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    def all_text(self) -> str:
        return "".join(self.text)


def external_references(html: str) -> list[str]:
    """Anything that would make the browser fetch: URL-bearing attributes and CSS urls/imports."""
    page = Page(html)
    found = []
    for _tag, attrs in page.tags:
        for name in ("src", "href", "action", "data", "poster", "xlink:href", "srcset"):
            value = attrs.get(name, "").strip().lower()
            if value.startswith(("http:", "https:", "//", "ftp:", "javascript:")):
                found.append(f"{name}={value}")
    for css in re.findall(r"<style>(.*?)</style>", html, re.S):
        found += re.findall(r"url\(|@import", css)
    return found


# -- every real fixture -----------------------------------------------------------------------


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_every_fixture_renders_self_contained(path: Path) -> None:
    result = read_results(path).submissions[0]
    html = render_report(result, spec_for(result))
    page = Page(html)
    # one row per check, with its status as a word (not colour alone)
    for check in result.checks:
        rows = page.find("tr", data_check=check.id)
        assert rows and rows[0]["data-status"] == check.status
    words = {"pass": "pass", "fail": "fail", "error": "error", "skip": "skipped"}
    for check in result.checks:
        assert words[check.status] in page.all_text()
    assert not external_references(html)
    assert "http://" not in html and "https://" not in html  # none in these real results
    assert not page.find("script") and not page.find("link") and not page.find("img")
    csp = page.find("meta", http_equiv="Content-Security-Policy")
    assert csp and "script-src 'none'" in csp[0]["content"]
    assert "default-src 'none'" in csp[0]["content"]
    assert page.find("meta", name="viewport")
    assert result.sha256[:16] in html
    assert f"{result.score:g}" in page.all_text()


def test_wrong_message_report() -> None:
    html = render("mnist_callback-wrong_message")
    page = Page(html)
    text = page.all_text()
    assert "Not passed yet" in text and "wrong_message" in text
    assert "MNIST: stop training at 99% accuracy with a callback" in text
    graded = load("mnist_callback-wrong_message")
    when = graded.graded_at.replace("T", " ")[:16] + " UTC"
    assert f"{graded.duration_s:.1f} s" in text and when in text
    # hint of the failing check, in the table and in the first-fix callout
    hint = "Print the message exactly as given, character for character"
    assert text.count(hint) == 2
    # the stop message, expected vs printed, with a character diff
    section = page.find("section", id="stop-message")
    assert section and section[0]["data-state"] == "near_miss"
    stop = html[html.index('id="stop-message"') : html.index('id="training"')]
    assert '<del class="d"' in stop and '<ins class="d"' in stop
    assert "Reached 99% accuracy, stopping training" in Page(stop).all_text().replace("\u2423", " ")
    # training curves: an inline SVG with threshold, stop and first-reaching markers
    assert page.find("svg", role="img")
    threshold = page.find("g", **{"class": "marker threshold"})
    assert threshold and threshold[0]["data-value"] == "0.99"
    assert page.find("g", **{"class": "marker marker-stop"})[0]["data-epoch"] == "4"
    assert page.find("g", **{"class": "marker marker-first"})[0]["data-epoch"] == "4"
    assert len(page.find("circle", **{"class": "dot acc"})) == 4
    assert len(page.find("circle", **{"class": "dot loss"})) == 4
    # architecture side by side
    arch_rows = page.find("tr", data_state="same")
    assert len(arch_rows) == 3
    assert "Dense(any, relu)" in re.sub(r"<[^>]+>", "", html)
    # environment
    for value in ("2.21.0", "3.15.1", "1234", graded.isolation, "600 s", "8 GiB"):
        assert value in text


def test_markers_at_different_epochs() -> None:
    page = Page(render("mnist_callback-callback_not_passed"))
    assert page.find("g", **{"class": "marker marker-first"})[0]["data-epoch"] == "4"
    assert page.find("g", **{"class": "marker marker-stop"})[0]["data-epoch"] == "10"
    assert "training ended: epoch 10" in page.all_text()


def test_code_excerpt_marks_the_failing_line() -> None:
    html = render("mnist_callback-no_flatten")
    page = Page(html)
    assert "Your code at cell 4, line 14" in page.all_text()
    failing = page.find("span", id="failing-line")
    assert failing and failing[0]["data-line"] == "14"
    line = html[html.index('id="failing-line"') :].split("</span></span>")[0]
    assert "history = model.fit(x_train, y_train, epochs=10, callbacks=[callbacks])" in line
    assert "▶" in line
    # the architecture: Flatten missing, both Dense layers give 3-D output
    assert len(page.find("tr", data_state="missing")) == 1
    assert len(page.find("tr", data_state="differs")) == 2
    assert "more than one row per image" in page.all_text()


def test_syntax_error_report_without_training() -> None:
    html = render("mnist_callback-syntax_error")
    page = Page(html)
    assert page.find("span", id="failing-line")[0]["data-line"] == "11"
    assert "if logs[&#39;accuracy&#39;] &gt;= 0.99" in html
    assert not page.find("svg")
    assert "not recorded" in page.all_text()  # no TensorFlow versions: the code never started
    assert "none applied" in page.all_text()
    assert "The submission printed nothing." in page.all_text()


def test_output_units_difference_is_highlighted() -> None:
    result = load("fashion_mnist-last_layer_5")
    view = architecture_view(result, spec_for(result))
    assert view is not None
    assert [r.state for r in view.rows] == ["same", "same", "differs"]
    assert view.rows[2].diff == {"units", "shape"}  # (None, 5) where (None, 10) is asked
    html = render_report(result, spec_for(result))
    assert '<span class="diff">5</span>' in html
    assert "expected 10 units, one per class" in html


def test_fashion_chart_shows_test_target_and_measurement() -> None:
    page = Page(render("fashion_mnist-no_normalization"))
    line = page.find("g", **{"class": "marker test-threshold"})
    assert line and line[0]["data-value"] == "0.85"
    assert page.find("circle", **{"class": "test-point"})
    assert not page.find("g", **{"class": "marker marker-first"})  # no training threshold


def test_history_without_accuracy_plots_loss_only() -> None:
    page = Page(render("fashion_mnist-no_metrics"))
    assert page.find("g", **{"class": "panel panel-loss"})
    assert not page.find("g", **{"class": "panel panel-accuracy"})
    assert "No accuracy was logged" in page.all_text()


def test_long_check_message_is_shortened_with_full_text_behind_details() -> None:
    # The grader now summarises TensorFlow's graph errors; a long message is made here.
    result = load("fashion_mnist-last_layer_5")
    long = "raised InvalidArgumentError: Graph execution error:\n" + "frame\n" * 400
    checks = [replace(c, message=long) if c.id == "runs" else c for c in result.checks]
    result = replace(result, checks=checks, error=long)
    html = render_report(result, spec_for(result))
    assert "Show the full message" in html
    assert "Show the full error" in html


def test_progress_bars_are_replayed() -> None:
    result = load("mnist_callback-wrong_message")
    assert "\r" in result.output and "\x08" in result.output
    page = Page(render_report(result, spec_for(result)))
    assert page.find("pre", id="output")
    text = page.all_text()
    assert "1875/1875" in text
    assert "\x08" not in text and "\r" not in text
    assert "carriage returns applied" in text


def test_unusual_results_render() -> None:
    """A timeout with one epoch, NaN and non-numeric logs, validation curves, no checks."""
    base = load("mnist_callback-wrong_message")
    history = [
        {
            "epoch": 1,
            "accuracy": 0.5,
            "loss": float("nan"),
            "val_accuracy": 0.45,
            "val_loss": 1.2,
            "lr": "0.001",
        },
    ]
    timeout = replace(
        base,
        status="timeout",
        passed=False,
        training={**base.training, "history": history, "stopped_early": False},
    )
    html = render_report(timeout, spec_for(timeout))
    page = Page(html)
    assert "Timed out" in page.all_text()
    assert page.find("g", **{"class": "series"}, data_key="val_accuracy")
    assert page.find("g", **{"class": "marker marker-stop"})[0]["data-epoch"] == "1"
    assert "nan" in page.all_text()  # the number table shows what was logged
    empty = replace(base, checks=[], training={}, output="", versions={}, limits={})
    assert "<table" in render_report(empty, spec_for(empty))
    report = GradeReport("mnist_callback", [timeout, empty])
    index = Page(render_index(report, {}))
    assert [a["data-status"] for t, a in index.tags if t == "tr" and "data-score" in a] == [
        "timeout",
        "fail",
    ]


# -- hostile ----------------------------------------------------------------------------------


def test_hostile_output_renders_as_text() -> None:
    result = hostile()
    html = render_report(result, spec_for(result))
    page = Page(html)
    tags = {t for t, _ in page.tags}
    assert not tags & {"script", "img", "iframe", "object", "embed", "link", "base", "form"}
    assert all(a["href"].startswith("#") for a in page.find("a"))  # only the skip link
    assert len(page.find("style")) == 1  # only our own, in <head>
    assert html.index("<style>") < html.index("</head>")
    for _tag, attrs in page.tags:
        assert not [a for a in attrs if a.startswith("on")], attrs
    text = page.all_text()
    assert XSS in text and IMG in text
    assert "</pre><script>alert(2)</script>" in text
    assert "<svg onload=alert(1)>" in text  # a layer class name, shown as text
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    assert "<iframe src=javascript:alert(1)></iframe>" in text
    # control and bidi characters are shown as escapes, never raw
    assert "\x1b" not in html and "\x00" not in html and "\u202e" not in html
    assert "\\x1b[31mred" in text and "\\u202e" in text
    # its URL is text, not a link
    assert not external_references(html)
    # and the long output is cut with a visible marker
    cut = page.find("span", id="output-cut")
    assert cut and cut[0]["role"] == "note"
    assert "lines (" in text and "cut here" in text
    assert "Epoch 1: noisy line 1 " in text and "the end" in text
    assert "noisy line 400 " not in text


def test_hostile_index_renders_as_text(tmp_path: Path) -> None:
    result = hostile()
    report = GradeReport("mnist_callback", [result, load("mnist_callback-wrong_message")])
    html = render_index(report, {result.id: "hostile.html", "wrong_message": "wrong_message.html"})
    page = Page(html)
    assert len(page.find("script")) == 1  # ours
    assert not page.find("img")
    assert IMG + "hostile\\u202eevil" in page.all_text()
    for _tag, attrs in page.tags:
        assert not [a for a in attrs if a.startswith("on")], attrs


def test_lone_surrogates_do_not_stop_writing(tmp_path: Path) -> None:
    result = replace(load("mnist_callback-syntax_error"), output="bad \udcff byte")
    path = write_report(result, spec_for(result), tmp_path / "r.html")
    assert "bad \ufffd byte" in path.read_text(encoding="utf-8")


# -- class overview ---------------------------------------------------------------------------


def mnist_class() -> tuple[GradeReport, dict[str, str]]:
    results = [read_results(p).submissions[0] for p in REAL if p.stem.startswith("mnist_")]
    return GradeReport("mnist_callback", results), {r.id: f"{r.id}.html" for r in results}


def test_index_summary_histogram_failures_and_links() -> None:
    report, links = mnist_class()
    html = render_index(report, links)
    page = Page(html)
    scores = sorted(s.score for s in report.submissions)
    n = len(scores)
    figures = {a["data-figure"] for t, a in page.tags if t == "li" and "data-figure" in a}
    assert {"count", "passed", "mean", "median"} <= figures
    text = page.all_text()
    assert f"{n}submissions" in text.replace("\n", "")
    passed = sum(s.passed for s in report.submissions)
    assert f"{passed}passed ({passed / n:.0%})" in text.replace("\n", "")
    mean = sum(scores) / n
    assert f"{mean:.2f}".rstrip("0").rstrip(".") in text
    # every submission in the table, linked to its report
    rows = [a for t, a in page.tags if t == "tr" and "data-score" in a]
    assert len(rows) == n
    hrefs = {a["href"] for t, a in page.tags if t == "a"}
    assert set(links.values()) <= hrefs
    # histogram: one bin per whole point, counts adding up to the class
    bins = [a for t, a in page.tags if t == "g" and a.get("class") == "bin"]
    assert len(bins) == 11
    assert sum(int(b["data-count"]) for b in bins) == n
    # most common failures: per check, with counts and the students who have them
    groups = [a for t, a in page.tags if t == "li" and "data-count" in a]
    counts = {g["data-check"]: int(g["data-count"]) for g in groups}
    expected: dict[str, int] = {}
    for s in report.submissions:
        for c in s.checks:
            if c.status in ("fail", "error"):
                expected[c.id] = expected.get(c.id, 0) + 1
    assert counts == expected
    assert [int(g["data-count"]) for g in groups] == sorted(counts.values(), reverse=True)
    # filter options name each failing check
    options = {a["value"] for t, a in page.tags if t == "option"}
    assert set(expected) <= options
    # the inline script is allowed by its hash, and nothing else is
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    csp = page.find("meta", http_equiv="Content-Security-Policy")[0]["content"]
    assert f"script-src 'sha256-{digest}'" in csp
    assert not external_references(html)
    assert "http://" not in html and "https://" not in html


def test_index_view_figures() -> None:
    report, links = mnist_class()
    page = index_page(report, links, "t", [])
    assert page.count == len(report.submissions)
    import statistics

    assert page.passed == sum(s.passed for s in report.submissions) == 1
    median = statistics.median(s.score for s in report.submissions)
    assert page.median == f"{median:g}"
    stop = next(g for g in page.failures if g.check == "stop_message")
    assert {r.hint_id for r in stop.by_reason} == {
        "message_text",
        "message_slash_n",
        "callback_not_passed",
        "keep_training",  # lambda_model: a one-epoch model never reached 99%
    }


def test_write_index_links_exports_present(tmp_path: Path) -> None:
    report, links = mnist_class()
    (tmp_path / "grades.csv").write_text("id\n")
    html = write_index(report, links, tmp_path / "index.html").read_text()
    assert 'href="grades.csv"' in html and 'href="junit.xml"' not in html


# -- helpers ----------------------------------------------------------------------------------


def test_replay_terminal() -> None:
    assert replay_terminal("a\rbc") == "bc"
    assert replay_terminal("12345\x08\x08ab") == "123ab"
    assert replay_terminal("progress 1\rprogress 2\ndone") == "progress 2\ndone"
    assert replay_terminal("x\x08\x08\x08y") == "y"


def test_cut_middle() -> None:
    short = cut_middle("a\nb")
    assert not short.was_cut and short.head == "a\nb"
    lines = "\n".join(str(i) for i in range(1000))
    cut = cut_middle(lines, head_lines=10, tail_lines=20)
    assert cut.was_cut and cut.cut_lines == 970
    assert cut.head.split("\n")[-1] == "9" and cut.tail.split("\n")[0] == "980"
    one_long_line = cut_middle("x" * 100_000, max_chars=30_000)
    assert one_long_line.was_cut and len(one_long_line.head) == 10_000


def test_char_diff_segments_and_clean() -> None:
    left, right = char_diff_segments("so cancelling!", "so  cancelling")
    assert [s.text for s in left if s.kind == "removed"] == ["!"]
    assert "".join(s.text for s in left) == "so cancelling!"
    assert [(s.text, s.kind) for s in right if s.kind == "added"] == [("\u2423", "added")]
    assert clean("a\u202eb\x00c\td\n") == "a\\u202eb\\x00c\td\n"


def test_histogram_bins_fractional_scores() -> None:
    h = score_histogram([0.5, 7.25, 12.0, 12.0], 12.5)  # not whole points: ten bins
    assert len(h.bars) == 10 and sum(b.count for b in h.bars) == 4
    assert h.bars[-1].count == 2 and h.bars[-1].full


# -- cost -------------------------------------------------------------------------------------


def test_reports_of_real_gradings_stay_small() -> None:
    """A report stays small enough to mail or attach (render time is measured by
    benchmarks/report.py as a ratio to grading time, not asserted here)."""
    assert len(REAL) >= 10, f"the recorded results are missing from {FIXTURES}"
    for path in REAL:
        result = read_results(path).submissions[0]
        assert len(render_report(result, spec_for(result)).encode()) < 120_000, path.stem


def test_hints_show_backticked_spans_as_code_and_escape_the_rest() -> None:
    from grader.report import code_spans

    shown = code_spans("use `Dense(10)` not `<script>alert(1)</script>`; a lone ` stays")
    assert str(shown) == (
        "use <code>Dense(10)</code> not <code>&lt;script&gt;alert(1)&lt;/script&gt;</code>; "
        "a lone ` stays"
    )
