"""`junit.xml`: one <testsuite> per submission, one <testcase> per check (CI dashboards read it)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from grader.exports.cells import xml_text
from grader.formatting import points
from grader.results import GradeReport, SubmissionResult


class JUnitExporter:
    """junit.xml: a suite per submission, a case per check; fail → <failure>, error → <error>,
    skip → <skipped>. Written with junitparser, readable by CI JUnit reporters."""

    name: ClassVar[str] = "junit"
    filename: ClassVar[str] = "junit.xml"

    def write(self, report: GradeReport, out_dir: Path) -> list[Path]:
        path = out_dir / self.filename
        junit_xml(report).write(str(path), pretty=True)
        return [path]


def junit_xml(report: GradeReport) -> JUnitXml:
    xml = JUnitXml(name=f"grader: {report.exercise}")
    for s in report.submissions:
        suite = TestSuite(xml_text(s.id))
        if s.graded_at:
            suite.timestamp = s.graded_at
        for key, value in (
            ("exercise", s.exercise),
            ("score", points(s.score)),
            ("max_score", points(s.max_score)),
            ("passed", str(s.passed).lower()),
            ("status", s.status),
            ("sha256", s.sha256),
            ("isolation", s.isolation),
            ("path", xml_text(s.path)),
            *_adjusted_properties(s),
            *_seed_properties(s),
        ):
            suite.add_property(key, value)
        for c in s.checks:
            case = TestCase(c.id, classname=xml_text(f"{s.exercise}.{s.id}"), time=0.0)
            told = c.message
            if "override" in c.details:
                told += f" [score set by the instructor: {c.details['override'].get('reason', '')}]"
            message = xml_text(told)
            body = xml_text(told + (f"\n\nHint: {c.hint}" if c.hint else ""))
            if c.status == "fail":
                result = Failure(message, type_=c.hint_id or "fail")
                result.text = body
                case.result = [result]
            elif c.status == "error":
                result = Error(message, type_=c.hint_id or "error")
                result.text = body
                case.result = [result]
            elif c.status == "skip":
                case.result = [Skipped(message)]
            else:
                case.system_out = message
            suite.add_testcase(case)
        # `append`, not `add_testsuite`: that one compares the suite with every suite before
        # it (to merge equal ones), quadratic in the class; ids are distinct, nothing to merge.
        xml.append(suite)
    xml.update_statistics()
    total = 0.0
    for suite, s in zip(xml, report.submissions, strict=True):
        suite.time = round(s.duration_s, 3)  # grading time of the whole submission
        total += s.duration_s
    xml.time = round(total, 3)
    return xml


def _adjusted_properties(s: SubmissionResult) -> list[tuple[str, str]]:
    """Raw score, late penalty and overrides as <property> elements (with adjustments only)."""
    adj = s.adjustments
    if adj is None:
        return []
    found = [("raw_score", points(adj.raw_score))]
    if adj.late is not None:
        found.append(("late_penalty", points(adj.late.penalty_points)))
    if adj.student is not None:
        found.append(("student", xml_text(f"{adj.student.id} {adj.student.name}")))
    for o in adj.overrides:
        found.append(
            (
                "override",
                xml_text(f"{o.check or 'score'}={points(o.score)} by {o.user}: {o.reason}"),
            )
        )
    return found


def _seed_properties(s: SubmissionResult) -> list[tuple[str, str]]:
    """A verdict decided on several seeds: how many, whether they agreed, and why."""
    if s.robustness is None:
        return []
    return [
        ("seeds", str(len(s.robustness.runs))),
        ("seeds_agree", str(s.robustness.agreed).lower()),
        ("seeds_summary", xml_text(s.robustness.summary())),
    ]
