"""Gradebook files an LMS imports as they are, built from the roster's ids (needs `--roster`).

    canvas   canvas.csv   Canvas "Import grades": the leading columns Student, ID, SIS User ID,
                          SIS Login ID, Section (Canvas matches rows on ID, its user id), then one
                          assignment column "Name (assignment id)". UTF-8 with a BOM (as Canvas's
                          own export). Canvas would read any other column as another assignment,
                          so this file holds only the final score; raw scores, penalties and
                          overrides are in grades.csv, results.json and the Moodle feedback.
    moodle   moodle.csv   Moodle "Import > CSV file": an identifier column (Email address; ID
                          number and Username also given, map whichever the site uses), a grade
                          column and a feedback column saying how the grade was reached (raw
                          score, late penalty, overrides). UTF-8 without a BOM, comma-separated.

Gradescope's results JSON is `grader.exports.gradescope` (per submission, final score;
the raw score and adjustments are in its `extra_data` and output).
Submissions nobody on the roster owns have no LMS id: they are left out (listed on index.html).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import ClassVar

from grader.exports.cells import csv_cell
from grader.formatting import points
from grader.registry import Registry
from grader.results import GradeReport, SubmissionResult

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("Email address", "ID number", "Username", "Full name")


def feedback(result: SubmissionResult) -> str:
    """How the final score was reached, in a sentence or a few."""
    adj = result.adjustments
    if result.status == "missing":
        return "No submission."
    parts = []
    raw = adj.raw_score if adj else result.score
    parts.append(f"Automatic score {points(raw)}/{points(result.max_score)}.")
    failing = [c.id for c in result.checks if c.status in ("fail", "error")]
    if failing:
        parts.append("Not passed: " + ", ".join(failing) + ".")
    if adj:
        for o in adj.overrides:
            if not o.applied:
                continue
            what = f"check {o.check}" if o.check else "the whole score"
            parts.append(
                f"Override of {what}: {points(o.auto_score)} -> {points(o.score)} "
                f"({o.reason}; {o.user})."
            )
        if adj.late and adj.late.late_s > 0:
            parts.append(adj.late.explanation)
    if result.robustness is not None:  # in the text, never a column: an LMS reads columns as
        # assignments
        parts.append(f"Decided on {result.robustness.summary()}.")
    parts.append(f"Final score {points(result.score)}/{points(result.max_score)}.")
    return " ".join(parts)


def _owned(report: GradeReport) -> list[SubmissionResult]:
    return [s for s in report.submissions if s.adjustments and s.adjustments.student]


class CanvasExporter:
    name: ClassVar[str] = "canvas"
    filename: ClassVar[str] = "canvas.csv"

    def __init__(self, assignment: str = "") -> None:
        self.assignment = assignment

    def write(self, report: GradeReport, out_dir: Path) -> list[Path]:
        path = out_dir / self.filename
        column = self.assignment or report.exercise
        # utf-8-sig: the BOM Canvas's own export starts with (and Excel needs for accents).
        with path.open("w", newline="", encoding="utf-8-sig") as f:
            writer = csv.writer(f)
            writer.writerow([*CANVAS_COLUMNS, column])
            for s in _owned(report):
                st = s.adjustments.student  # type: ignore[union-attr]
                assert st is not None
                writer.writerow(
                    [
                        csv_cell(st.name),
                        st.lms_id,
                        csv_cell(st.sis_id),
                        csv_cell(st.login),
                        csv_cell(st.section),
                        points(s.score),
                    ]
                )
        return [path]


class MoodleExporter:
    name: ClassVar[str] = "moodle"
    filename: ClassVar[str] = "moodle.csv"

    def __init__(self, assignment: str = "") -> None:
        self.assignment = assignment

    def write(self, report: GradeReport, out_dir: Path) -> list[Path]:
        path = out_dir / self.filename
        column = self.assignment or report.exercise
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow([*MOODLE_COLUMNS, column, "Feedback"])
            for s in _owned(report):
                st = s.adjustments.student  # type: ignore[union-attr]
                assert st is not None
                writer.writerow(
                    [
                        csv_cell(st.email),
                        csv_cell(st.sis_id or st.id),
                        csv_cell(st.login),
                        csv_cell(st.name),
                        points(s.score),
                        csv_cell(feedback(s)),
                    ]
                )
        return [path]


LMS_EXPORTERS = Registry("LMS format", ((c.name, c) for c in (CanvasExporter, MoodleExporter)))


def write_lms_exports(report: GradeReport, out_dir: Path, assignment: str = "") -> list[Path]:
    """canvas.csv and moodle.csv; `assignment` names the grade column (Canvas: "Name (id)")."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for exporter in LMS_EXPORTERS.values():
        written.extend(exporter(assignment).write(report, out_dir))
    return written
