"""What happens to an automatic verdict after grading: whose it is, when it came in, what a human
changed. Kept in `SubmissionResult.adjustments`; `score` is then the final score and
`adjustments.raw_score` the automatic one (every export carries both).

    student    the roster entry the submission was matched to, and by which rule
    late       the submission time (and where it came from), the due date and the penalty
    overrides  human corrections from the gradebook: who, when, why, and whether to review them
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StudentMatch:
    """A roster student, and the rule that tied the submission to them (empty: no submission)."""

    id: str
    name: str
    email: str = ""
    lms_id: str = ""  # the LMS's own user number (Canvas "ID", Moodle's user id)
    login: str = ""  # the LMS login (Canvas "SIS Login ID", Moodle/Blackboard username)
    sis_id: str = ""  # the institution's student number (Canvas "SIS User ID", Moodle idnumber)
    section: str = ""
    rule: str = ""  # exact id, e-mail, LMS file name, login, normalised name; "" if missing


@dataclass(frozen=True)
class LateNote:
    """How the late penalty was computed (or why there was none)."""

    submitted_at: str  # ISO 8601; "" when no source gave a time
    time_source: str  # lms file name, nbgrader timestamp.txt, roster, file mtime, zip entry time
    time_detail: str  # e.g. the file name the time stamp was read from
    due: str
    late_s: float  # seconds after the due date (<= 0: on time)
    units: int  # days or hours charged
    per: str  # day, hour
    penalty_percent: float  # of the maximum score
    penalty_points: float
    accepted: bool  # False: after the last accepted time, scored 0
    explanation: str  # one sentence for the student


@dataclass(frozen=True)
class OverrideNote:
    """A human correction as applied to this result."""

    check: str  # "" for the whole submission's score
    score: float
    auto_score: float  # what the automatic verdict gave when the override was made
    auto_status: str
    reason: str
    user: str
    at: str
    applied: bool = True  # False when the check no longer exists in the spec
    review: str = ""  # why the override needs a look (the automatic verdict changed under it)


@dataclass(frozen=True)
class Adjustments:
    raw_score: float  # the automatic score, before overrides and penalty
    student: StudentMatch | None = None
    late: LateNote | None = None
    overrides: list[OverrideNote] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return any(o.review for o in self.overrides)


def adjustments_from_dict(data: dict[str, Any] | None) -> Adjustments | None:
    if not data:
        return None
    student = data.get("student")
    late = data.get("late")
    return Adjustments(
        raw_score=float(data["raw_score"]),
        student=StudentMatch(**student) if student else None,
        late=LateNote(**late) if late else None,
        overrides=[OverrideNote(**o) for o in data.get("overrides") or []],
    )
