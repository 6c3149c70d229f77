"""Machine-readable exports of a grade report, written beside the HTML class overview.

Each format is a small exporter registered in `EXPORTERS` under one interface: `write(report,
out_dir) -> list[Path]`. `write_exports` runs the default ones (`results.json`, `grades.csv`,
`junit.xml`); `gradescope` writes Gradescope's results format, one file per submission.

    json        results.json   the result model itself (GradeReport.write_json)
    csv         grades.csv     one row per submission: id, score, max, passed, points per check
    junit       junit.xml      one <testsuite> per submission, one <testcase> per check
    gradescope  gradescope/<id>.json   Gradescope autograder results, per submission
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar, Protocol

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from grader.results import GradeReport, SubmissionResult

__all__ = [
    "DEFAULT_FORMATS",
    "EXPORTERS",
    "CsvExporter",
    "Exporter",
    "GradescopeExporter",
    "JUnitExporter",
    "JsonExporter",
    "gradescope_results",
    "register",
    "write_exports",
    "write_gradescope",
]


class Exporter(Protocol):
    name: str

    def write(self, report: GradeReport, out_dir: Path) -> list[Path]: ...


EXPORTERS: dict[str, Exporter] = {}
DEFAULT_FORMATS: tuple[str, ...] = ("json", "csv", "junit")


def register(cls: type[Any]) -> type[Any]:
    """Class decorator: make an exporter available under its `name`."""
    EXPORTERS[cls.name] = cls()
    return cls


def write_exports(
    report: GradeReport, out_dir: Path, formats: Sequence[str] = DEFAULT_FORMATS
) -> list[Path]:
    """Write each format's files into `out_dir`; returns every path written."""
    unknown = [f for f in formats if f not in EXPORTERS]
    if unknown:
        raise ValueError(f"unknown export format(s) {unknown}; known: {sorted(EXPORTERS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in formats:
        written.extend(EXPORTERS[name].write(report, out_dir))
    return written


# -- helpers ----------------------------------------------------------------------------------

# Characters XML 1.0 cannot hold at all, even escaped; untrusted output may contain them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def csv_cell(text: str) -> str:
    """A text cell that a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def safe_name(submission_id: str) -> str:
    return re.sub(r"[^\w\- .]", "_", submission_id).strip() or "submission"


def check_ids(submissions: Iterable[SubmissionResult]) -> list[str]:
    """Every check id in the order the exercise lists them (first seen first)."""
    ids: list[str] = []
    for s in submissions:
        for c in s.checks:
            if c.id not in ids:
                ids.append(c.id)
    return ids


def _points(value: float) -> str:
    return f"{value:g}"


# -- exporters --------------------------------------------------------------------------------


@register
class JsonExporter:
    """results.json: the result model as is (the stable interface other tools read)."""

    name: ClassVar[str] = "json"
    filename: ClassVar[str] = "results.json"

    def write(self, report: GradeReport, out_dir: Path) -> list[Path]:
        path = out_dir / self.filename
        report.write_json(path)
        return [path]


@register
class CsvExporter:
    """grades.csv: one row per submission; each check's column holds the points it earned."""

    name: ClassVar[str] = "csv"
    filename: ClassVar[str] = "grades.csv"

    def write(self, report: GradeReport, out_dir: Path) -> list[Path]:
        path = out_dir / self.filename
        ids = check_ids(report.submissions)
        # With a roster, a deadline or an override: who, the raw score and what changed it.
        adjusted = any(s.adjustments for s in report.submissions)
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(
                ["id", "score", "max_score", "passed", "status", *ids, "failing"]
                + list(ADJUSTED_COLUMNS) * adjusted
            )
            for s in report.submissions:
                by_id = {c.id: c for c in s.checks}
                writer.writerow(
                    [
                        csv_cell(s.id),
                        _points(s.score),
                        _points(s.max_score),
                        "true" if s.passed else "false",
                        s.status,
                        *(_points(by_id[i].score) if i in by_id else "" for i in ids),
                        " ".join(c.id for c in s.checks if c.status in ("fail", "error")),
                    ]
                    + (adjusted_cells(s) if adjusted else [])
                )
        return [path]


ADJUSTED_COLUMNS = (
    "raw_score",
    "late_percent",
    "late_penalty",
    "overrides",
    "needs_review",
    "student_id",
    "student_name",
    "match_rule",
    "submitted_at",
    "time_source",
)


def adjusted_cells(s: SubmissionResult) -> list[str]:
    """The roster, lateness and override columns of one grades.csv row."""
    adj = s.adjustments
    if adj is None:
        return [_points(s.score), "0", "0", "", "false", "", "", "", "", ""]
    student, late = adj.student, adj.late
    overrides = "; ".join(
        f"{o.check or 'score'}={o.score:g} by {o.user}: {o.reason}" for o in adj.overrides
    )
    return [
        _points(adj.raw_score),
        _points(late.penalty_percent) if late else "0",
        _points(late.penalty_points) if late else "0",
        csv_cell(overrides),
        "true" if adj.needs_review else "false",
        csv_cell(student.id) if student else "",
        csv_cell(student.name) if student else "",
        student.rule if student else "",
        late.submitted_at if late else "",
        late.time_source if late else "",
    ]


@register
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
            ("score", _points(s.score)),
            ("max_score", _points(s.max_score)),
            ("passed", str(s.passed).lower()),
            ("status", s.status),
            ("sha256", s.sha256),
            ("isolation", s.isolation),
            ("path", xml_text(s.path)),
            *_adjusted_properties(s),
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
        xml.add_testsuite(suite)
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
    found = [("raw_score", _points(adj.raw_score))]
    if adj.late is not None:
        found.append(("late_penalty", _points(adj.late.penalty_points)))
    if adj.student is not None:
        found.append(("student", xml_text(f"{adj.student.id} {adj.student.name}")))
    for o in adj.overrides:
        found.append(
            ("override", xml_text(f"{o.check or 'score'}={o.score:g} by {o.user}: {o.reason}"))
        )
    return found


def gradescope_results(result: SubmissionResult) -> dict[str, Any]:
    """Gradescope's autograder `results.json` for one submission.

    Gradescope knows only "passed" and "failed": a skipped check (nothing to judge because an
    earlier one failed) earned no points and is reported as failed, its output saying why.
    """
    tests = []
    for c in result.checks:
        lines = [("Skipped: " if c.status == "skip" else "") + c.message]
        if c.status == "error":
            lines[0] = "The grader could not check this: " + c.message
        if c.hint:
            lines.append(f"Hint: {c.hint}")
        if "override" in c.details:
            lines.append(f"Score set by your instructor: {c.details['override'].get('reason', '')}")
        tests.append(
            {
                "name": c.id,
                "score": c.score,
                "max_score": c.max_score,
                "status": "passed" if c.status == "pass" else "failed",
                "output": "\n\n".join(lines),
                "output_format": "text",
                "visibility": "visible",
            }
        )
    first = result.first_failure()
    summary = (
        f"{'Passed' if result.passed else 'Not passed yet'}: "
        f"{result.score:g} / {result.max_score:g} points."
    )
    if first is not None:
        summary += f"\nFirst thing to fix ({first.id}): {first.message}"
        if first.hint:
            summary += f"\nHint: {first.hint}"
    if result.status == "timeout":
        summary += "\nThe run was stopped at the time limit."
    adj = result.adjustments
    if adj is not None:
        for o in adj.overrides:
            if o.applied:
                what = f"check {o.check}" if o.check else "the score"
                summary += f"\nYour instructor set {what} to {o.score:g}: {o.reason}"
        if adj.late is not None and adj.late.late_s > 0:
            summary += f"\n{adj.late.explanation}"
    return {
        "score": result.score,
        "execution_time": round(result.duration_s, 3),
        "output": summary,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "submission": result.id,
            "exercise": result.exercise,
            "sha256": result.sha256,
            "status": result.status,
            "max_score": result.max_score,
            "graded_at": result.graded_at,
            "isolation": result.isolation,
            "raw_score": adj.raw_score if adj else result.score,
            "late_penalty": adj.late.penalty_points if adj and adj.late else 0.0,
            "overrides": [asdict(o) for o in adj.overrides] if adj else [],
            "student": asdict(adj.student) if adj and adj.student else None,
        },
    }


def write_gradescope(result: SubmissionResult, path: Path) -> Path:
    """Write `gradescope_results(result)` as JSON (e.g. to /autograder/results/results.json)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(gradescope_results(result), indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8", errors="replace")
    return path


@register
class GradescopeExporter:
    """gradescope/<id>.json: one Gradescope results file per submission."""

    name: ClassVar[str] = "gradescope"
    folder: ClassVar[str] = "gradescope"

    def write(self, report: GradeReport, out_dir: Path) -> list[Path]:
        written, used = [], set()
        for s in report.submissions:
            stem = safe_name(s.id)
            while stem in used:
                stem += "_"
            used.add(stem)
            written.append(write_gradescope(s, out_dir / self.folder / f"{stem}.json"))
        return written
