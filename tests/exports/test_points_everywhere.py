"""Points print one way in every output (grader.formatting.points): 8.375 of a recorded result
reads 8.38 in the terminal line, Gradescope's summary, junit.xml's properties, the class index's
mean, and an override's note, as it does in the HTML report and grades.csv."""

from __future__ import annotations

from dataclasses import replace

from paths import FIXTURES

from grader.classroom.overrides import Override, finalize
from grader.exports.gradescope import gradescope_results
from grader.exports.junit import junit_xml
from grader.formatting import points
from grader.report.class_view import index_page
from grader.report.terminal import verdict_line
from grader.results import GradeReport, read_results

ODD = 8.375  # `:g` prints 8.375, points() 8.38


def test_an_odd_score_prints_as_points_say_in_every_output() -> None:
    base = read_results(FIXTURES / "mnist_callback-wrong_message.json").submissions[0]
    result = replace(base, score=ODD)
    shown = points(ODD)
    assert shown == "8.38"
    assert f" {shown}/" in verdict_line(result)
    assert f"{shown} / " in gradescope_results(result)["output"]
    suite = next(iter(junit_xml(GradeReport(result.exercise, [result]))))
    assert {p.name: p.value for p in suite.properties()}["score"] == shown
    view = index_page(GradeReport(result.exercise, [result]), {}, "t", [])
    assert view.mean == shown
    corrected = finalize(
        result,
        [Override(1, result.exercise, result.id, "", ODD, result.score, result.status, "why",
                  "teacher", "2026-12-01T10:00:00+00:00")],
    )  # fmt: skip
    suite = next(iter(junit_xml(GradeReport(result.exercise, [corrected]))))
    notes = [p.value for p in suite.properties() if p.name == "override"]
    assert notes == [f"score={shown} by teacher: why"]
    assert "8.375" not in verdict_line(result) + gradescope_results(corrected)["output"]
