"""A fingerprint of the result model's shape, stamped into generated fixtures.

Tests render reports, exports and gradebooks from `tests/fixtures/reports/*.json`, made by
`scripts/make-report-fixtures.py` from real gradings. When a result dataclass gains, loses or
retypes a field, this fingerprint changes and the fixture test says to regenerate them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields

from grader.results import (
    CheckResult,
    GradeReport,
    Robustness,
    SeedRun,
    SourceLocation,
    SubmissionResult,
)

MODEL = (GradeReport, SubmissionResult, CheckResult, SourceLocation, Robustness, SeedRun)


def result_schema() -> dict[str, list[list[str]]]:
    return {cls.__name__: [[f.name, str(f.type)] for f in fields(cls)] for cls in MODEL}


def schema_fingerprint() -> str:
    text = json.dumps(result_schema(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
