"""The result model: what the grader concludes about a submission (a leaf: it imports nothing of
the grader's but its own modules)."""

from grader.results.model import (
    CheckResult,
    CheckStatus,
    GradeReport,
    Robustness,
    SeedRun,
    SourceLocation,
    SubmissionResult,
    SubmissionStatus,
    check_result_from_dict,
    read_results,
    submission_result_from_dict,
)

__all__ = [
    "CheckResult",
    "CheckStatus",
    "GradeReport",
    "Robustness",
    "SeedRun",
    "SourceLocation",
    "SubmissionResult",
    "SubmissionStatus",
    "check_result_from_dict",
    "read_results",
    "submission_result_from_dict",
]
