"""`results.json` (the result model itself) and `grades.csv` (one row per submission)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import ClassVar

from grader.exports.cells import check_ids, csv_cell
from grader.formatting import points
from grader.results import GradeReport, SubmissionResult


class JsonExporter:
    """results.json: the result model as is (the stable interface other tools read)."""

    name: ClassVar[str] = "json"
    filename: ClassVar[str] = "results.json"

    def write(self, report: GradeReport, out_dir: Path) -> list[Path]:
        path = out_dir / self.filename
        report.write_json(path)
        return [path]


class CsvExporter:
    """grades.csv: one row per submission; each check's column holds the points it earned."""

    name: ClassVar[str] = "csv"
    filename: ClassVar[str] = "grades.csv"

    def write(self, report: GradeReport, out_dir: Path) -> list[Path]:
        path = out_dir / self.filename
        ids = check_ids(report.submissions)
        # With a roster, a deadline or an override: who, the raw score and what changed it.
        adjusted = any(s.adjustments for s in report.submissions)
        # With a verdict decided on several seeds: how many, and whether they agreed.
        seeded = any(s.robustness for s in report.submissions)
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(
                ["id", "score", "max_score", "passed", "status", *ids, "failing"]
                + list(ADJUSTED_COLUMNS) * adjusted
                + list(SEED_COLUMNS) * seeded
            )
            for s in report.submissions:
                by_id = {c.id: c for c in s.checks}
                writer.writerow(
                    [
                        csv_cell(s.id),
                        points(s.score),
                        points(s.max_score),
                        "true" if s.passed else "false",
                        s.status,
                        *(points(by_id[i].score) if i in by_id else "" for i in ids),
                        " ".join(c.id for c in s.checks if c.status in ("fail", "error")),
                    ]
                    + (adjusted_cells(s) if adjusted else [])
                    + (seed_cells(s) if seeded else [])
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
        return [points(s.score), "0", "0", "", "false", "", "", "", "", ""]
    student, late = adj.student, adj.late
    overrides = "; ".join(
        f"{o.check or 'score'}={points(o.score)} by {o.user}: {o.reason}" for o in adj.overrides
    )
    return [
        points(adj.raw_score),
        points(late.penalty_percent) if late else "0",
        points(late.penalty_points) if late else "0",
        csv_cell(overrides),
        "true" if adj.needs_review else "false",
        csv_cell(student.id) if student else "",
        csv_cell(student.name) if student else "",
        student.rule if student else "",
        late.submitted_at if late else "",
        late.time_source if late else "",
    ]


SEED_COLUMNS = ("seeds", "seeds_agree")


def seed_cells(s: SubmissionResult) -> list[str]:
    """How many seeds decided the verdict ("1": the spec's alone), and whether they agreed."""
    if s.robustness is None:
        return ["1", ""]
    return [str(len(s.robustness.runs)), "true" if s.robustness.agreed else "false"]
