"""The result model: what the grader concludes about a submission, and its JSON form.

The JSON field names are a stable interface (other tools read them); change them only with care.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from grader.results.adjustments import Adjustments, adjustments_from_dict

CheckStatus = Literal["pass", "fail", "error", "skip"]
# missing: a student on the roster handed nothing in
SubmissionStatus = Literal["graded", "error", "timeout", "missing"]


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check on one submission."""

    id: str
    status: CheckStatus
    score: float
    max_score: float
    message: str
    hint: str = ""
    hint_id: str = ""
    # Structured detail for reports (diffs, layer tables); plain JSON values only.
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == "pass"


@dataclass(frozen=True)
class SourceLocation:
    """A place in the student's own code: cell (notebooks only) and line, with nearby lines."""

    cell: int | None
    line: int
    excerpt: list[tuple[int, str]] = field(default_factory=list)

    def label(self) -> str:
        where = f"line {self.line}"
        return f"cell {self.cell}, {where}" if self.cell is not None else where


@dataclass(frozen=True)
class SubmissionResult:
    """Everything the grader found about one submission."""

    id: str
    path: str
    sha256: str
    exercise: str
    status: SubmissionStatus
    passed: bool
    score: float
    max_score: float
    checks: list[CheckResult]
    training: dict[str, Any]
    test_accuracy: float | None
    train_accuracy: float | None
    isolation: str
    versions: dict[str, str]
    seed: int
    duration_s: float
    notices: list[str] = field(default_factory=list)
    error: str = ""
    error_location: SourceLocation | None = None
    output: str = ""
    output_truncated: bool = False
    graded_at: str = ""
    limits: dict[str, str] = field(default_factory=dict)
    # Roster, late penalty and human overrides (grader.results.adjustments); None: the automatic
    # verdict.
    adjustments: Adjustments | None = None
    # What the run showed: figures and a notebook's cell outputs (grader.grading.as_ran); {} if
    # none.
    as_ran: dict[str, Any] = field(default_factory=dict)

    def first_failure(self) -> CheckResult | None:
        return next((c for c in self.checks if c.status in ("fail", "error")), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GradeReport:
    """One or many submissions of one exercise: the shape of `results.json`."""

    exercise: str
    submissions: list[SubmissionResult]

    def to_dict(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "submissions": [s.to_dict() for s in self.submissions]}

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")


def check_result_from_dict(data: dict[str, Any]) -> CheckResult:
    return CheckResult(**data)


def submission_result_from_dict(data: dict[str, Any]) -> SubmissionResult:
    fields = dict(data)
    fields["checks"] = [check_result_from_dict(c) for c in data["checks"]]
    loc = data.get("error_location")
    if loc is not None:
        loc = SourceLocation(
            cell=loc["cell"], line=loc["line"], excerpt=[tuple(x) for x in loc["excerpt"]]
        )
    fields["error_location"] = loc
    fields["adjustments"] = adjustments_from_dict(data.get("adjustments"))
    return SubmissionResult(**fields)


def read_results(path: Path) -> GradeReport:
    data = json.loads(path.read_text())
    return GradeReport(
        exercise=data["exercise"],
        submissions=[submission_result_from_dict(s) for s in data["submissions"]],
    )
