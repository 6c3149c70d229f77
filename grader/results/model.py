"""The result model: what the grader concludes about a submission, and its JSON form.

The JSON field names are a stable interface (other tools read them); change them only with care.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass
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
class SeedRun:
    """One seed's run of a borderline submission: the figures its checks were judged on."""

    seed: int
    status: SubmissionStatus
    checks: dict[str, CheckStatus]  # the seed-dependent checks, as this run judged them
    test_accuracy: float | None
    train_accuracies: list[float]  # the logged training accuracy of each epoch
    reached_epoch: int | None  # the first epoch (1-based) at the training threshold
    seed_replaced: bool = False  # the submission's own seed call got this seed instead
    note: str = ""  # why this run could not judge every check (a timeout, a crash)


@dataclass(frozen=True)
class Robustness:
    """A verdict confirmed on several seeds: why, by which rule, and what each seed showed."""

    reason: str  # why it ran on more seeds: the borderline figure, or --seeds
    rule: str  # majority, any, all
    runs: list[SeedRun]  # the spec seed's first
    decided: dict[str, CheckStatus]  # check id -> pass or fail, across the seeds
    passes: dict[str, int]  # check id -> on how many seeds it passed
    agreed: bool  # every seed gave every check the same status

    def summary(self) -> str:
        checks = ", ".join(
            f"{check} {self.passes[check]}/{len(self.runs)}" for check in self.decided
        )
        agreement = "the seeds agreed" if self.agreed else "the seeds disagreed"
        return f"{len(self.runs)} seeds, {self.rule} rule, {agreement} ({checks})"


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
    # Set when the verdict was confirmed on several seeds (grader.grading.robustness).
    robustness: Robustness | None = None

    @property
    def seeds_disagree(self) -> bool:
        return self.robustness is not None and not self.robustness.agreed

    def first_failure(self) -> CheckResult | None:
        return next((c for c in self.checks if c.status in ("fail", "error")), None)

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


def plain(value: Any) -> Any:
    """`dataclasses.asdict` for results: the same dicts, lists and tuples, built without
    deep-copying every leaf (asdict's deepcopy was most of a class re-run's time)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


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
    fields["robustness"] = robustness_from_dict(data.get("robustness"))
    return SubmissionResult(**fields)


def robustness_from_dict(data: dict[str, Any] | None) -> Robustness | None:
    if data is None:
        return None
    fields = dict(data)
    fields["runs"] = [SeedRun(**run) for run in data["runs"]]
    return Robustness(**fields)


def read_results(path: Path) -> GradeReport:
    data = json.loads(path.read_text())
    return GradeReport(
        exercise=data["exercise"],
        submissions=[submission_result_from_dict(s) for s in data["submissions"]],
    )
