"""Exports beside the class overview, read back with the tools that consume them: the csv module,
junitparser (a JUnit XML reader used by CI reporters), json; and grade_folder writing them."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped
from paths import FIXTURES

import grader.classroom.batch
import grader.classroom.executors
from grader.errors import UsageError
from grader.exports import (
    DEFAULT_FORMATS,
    EXPORTERS,
    gradescope_results,
    write_exports,
    write_gradescope,
)
from grader.grading.sandbox.levels import LEVELS
from grader.results import GradeReport, SubmissionResult, read_results

MNIST = sorted(FIXTURES.glob("mnist_callback-*.json"))
HOSTILE = FIXTURES / "synthetic" / "hostile.json"


def results(paths: list[Path]) -> list[SubmissionResult]:
    assert paths, f"no recorded result in {FIXTURES}"  # else every export test checks nothing
    return [read_results(p).submissions[0] for p in paths]


@pytest.fixture
def report() -> GradeReport:
    subs = results(MNIST)
    hostile = read_results(HOSTILE).submissions[0]
    # a control character XML cannot hold, and a name a spreadsheet would run as a formula
    hostile = replace(
        hostile,
        id='=HYPERLINK("x")' + hostile.id,
        checks=[replace(c, message=c.message + " \x00\x1b[0m") for c in hostile.checks],
    )
    return GradeReport("mnist_callback", [*subs, hostile])


def test_write_exports_default_files(report: GradeReport, tmp_path: Path) -> None:
    written = write_exports(report, tmp_path)
    assert [p.name for p in written] == ["results.json", "grades.csv", "junit.xml"]
    assert DEFAULT_FORMATS == ("json", "csv", "junit")
    assert read_results(tmp_path / "results.json") == report


def test_unknown_format_is_refused(report: GradeReport, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown export format"):
        write_exports(report, tmp_path, ["json", "pdf"])


def test_grades_csv_reads_back(report: GradeReport, tmp_path: Path) -> None:
    (path,) = EXPORTERS["csv"]().write(report, tmp_path)
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    checks = [c.id for c in report.submissions[0].checks]
    assert list(rows[0]) == ["id", "score", "max_score", "passed", "status", *checks, "failing"]
    assert len(rows) == len(report.submissions)
    for row, s in zip(rows, report.submissions, strict=True):
        assert float(row["score"]) == s.score
        assert float(row["max_score"]) == s.max_score
        assert row["passed"] == ("true" if s.passed else "false")
        for c in s.checks:
            assert float(row[c.id]) == c.score
        assert row["failing"].split() == [c.id for c in s.checks if c.status in ("fail", "error")]
        assert sum(float(row[c]) for c in checks) == s.score
    assert rows[0]["id"] == report.submissions[0].id
    assert rows[-1]["id"].startswith("'=HYPERLINK")  # defused for spreadsheets


def test_junit_xml_reads_back_with_right_counts(report: GradeReport, tmp_path: Path) -> None:
    (path,) = EXPORTERS["junit"]().write(report, tmp_path)
    xml = JUnitXml.fromfile(str(path))
    suites = list(xml)
    assert len(suites) == len(report.submissions)
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite, s in zip(suites, report.submissions, strict=True):
        statuses = [c.status for c in s.checks]
        assert suite.tests == len(statuses)
        assert suite.failures == statuses.count("fail")
        assert suite.errors == statuses.count("error")
        assert suite.skipped == statuses.count("skip")
        assert suite.time == pytest.approx(s.duration_s)
        props = {p.name: p.value for p in suite.properties()}
        assert float(props["score"]) == s.score and props["sha256"] == s.sha256
        for case, c in zip(suite, s.checks, strict=True):
            assert case.name == c.id
            kinds = {type(r) for r in case.result}
            expected = {"pass": set(), "fail": {Failure}, "error": {Error}, "skip": {Skipped}}
            assert kinds == expected[c.status]
            if c.status == "fail" and c.hint:
                assert c.hint in case.result[0].text
        for key in total:
            total[key] += getattr(suite, key)
    for key, value in total.items():
        assert getattr(xml, key) == value
    assert total["failures"] > 0 and total["skipped"] > 0 and total["errors"] > 0
    # the hostile suite: escaped markup and a control character written as an escape
    hostile = suites[-1]
    assert hostile.name.startswith('=HYPERLINK("x")<img src=x onerror=alert(1)>')
    messages = [r.message for case in hostile for r in case.result]
    assert any("\\x00\\x1b[0m" in (m or "") for m in messages)


def test_gradescope_results_shape() -> None:
    (result,) = results([FIXTURES / "mnist_callback-wrong_message.json"])
    data = gradescope_results(result)
    json.dumps(data)  # plain JSON
    assert data["score"] == result.score == 8.0
    assert data["execution_time"] == pytest.approx(result.duration_s)
    assert {"score", "tests", "output", "visibility", "stdout_visibility"} <= set(data)
    assert len(data["tests"]) == len(result.checks)
    for test, check in zip(data["tests"], result.checks, strict=True):
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["name"] == check.id
        assert test["status"] == ("passed" if check.status == "pass" else "failed")
        assert test["score"] == check.score and test["max_score"] == check.max_score
        assert test["visibility"] == "visible"
    stop = next(t for t in data["tests"] if t["name"] == "stop_message")
    assert "Hint: Print the message exactly as given" in stop["output"]
    assert sum(t["score"] for t in data["tests"]) == data["score"]
    assert "First thing to fix (stop_message)" in data["output"]


def test_gradescope_skips_are_failed_with_a_reason() -> None:
    (result,) = results([FIXTURES / "mnist_callback-syntax_error.json"])
    data = gradescope_results(result)
    statuses = {t["name"]: t["status"] for t in data["tests"]}
    assert set(statuses.values()) == {"failed"}
    early = next(t for t in data["tests"] if t["name"] == "early_stop")
    assert early["output"].startswith("Skipped: ") and early["score"] == 0


def test_gradescope_writer_and_exporter(report: GradeReport, tmp_path: Path) -> None:
    path = write_gradescope(report.submissions[0], tmp_path / "results" / "results.json")
    assert json.loads(path.read_text())["tests"]
    written = EXPORTERS["gradescope"]().write(report, tmp_path)
    assert len(written) == len(report.submissions)
    assert all(p.parent == tmp_path / "gradescope" for p in written)
    assert all("/" not in p.name and "<" not in p.name for p in written)
    for p, s in zip(written, report.submissions, strict=True):
        assert json.loads(p.read_text(encoding="utf-8"))["score"] == s.score


def test_grade_folder_writes_reports_index_and_exports(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """grade_folder end to end, with grading itself replaced by the recorded real results."""
    recorded = {r.id: r for r in results(MNIST)}
    folder = tmp_path / "class"
    folder.mkdir()
    for name in recorded:
        (folder / f"{name}.py").write_text(f"# recorded {name}\n")

    def fake_grade(path: Path, spec: object, options: object, **kwargs: object):
        return recorded[path.stem]

    monkeypatch.setattr(grader.classroom.executors, "grade_submission", fake_grade)
    # A unit test starts no child: the level is pinned instead of probed (the probe starts one).
    monkeypatch.setattr(grader.classroom.batch, "choose_level", lambda *a, **k: LEVELS["process"])
    out = tmp_path / "out"
    report = grader.classroom.batch.grade_folder(folder, "mnist_callback", out)
    assert len(report.submissions) == len(recorded)
    for name in ("results.json", "grades.csv", "junit.xml", "index.html"):
        assert (out / name).is_file(), name
    for name in recorded:
        assert (out / f"{name}.html").is_file()
    index = (out / "index.html").read_text()
    for name in ("results.json", "grades.csv", "junit.xml"):
        assert f'href="{name}"' in index
    assert len(list(JUnitXml.fromfile(str(out / "junit.xml")))) == len(recorded)
