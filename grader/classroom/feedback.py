"""What a student's feedback is, apart from the gradebook: its fingerprint (what it says) and
its name in each release layout. The class rows keep both for a row without corrections
(`row_feedback`), so the release page counts what is pending and what each layout can name in
SQL; grader.classroom.release builds the zip from the same functions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from grader.classroom.book_corrections import Comment
from grader.classroom.lms_names import LmsName, parse_lms_name
from grader.classroom.overrides import finalize
from grader.results import SubmissionResult

LAYOUTS = {
    "moodle": "Moodle: Upload multiple feedback files in a zip (a folder per participant)",
    "canvas": "Canvas: Re-upload submissions (a file per student, named as Canvas names them)",
    "files": "a report per submission, named as the class folder's reports",
}
FEEDBACK_FILE = "feedback.html"


def feedback_fingerprint(final: SubmissionResult, comments: Sequence[Comment]) -> str:
    """The SHA-256 of what the student's feedback says: the final verdict and score, every
    check's status, points, message and hint, the overrides, the late penalty and the comments.
    A regrade that gives the same verdict keeps it; an override or a comment changes it."""
    adj = final.adjustments
    content = {
        "sha256": final.sha256,
        "status": final.status,
        "passed": final.passed,
        "score": [round(final.score, 6), final.max_score],
        "checks": [[c.id, c.status, round(c.score, 6), c.message, c.hint] for c in final.checks],
        "overrides": [
            [o.check, round(o.score, 6), o.reason, o.user, o.applied]
            for o in (adj.overrides if adj else [])
        ],
        "late": [adj.late.penalty_points, adj.late.explanation] if adj and adj.late else None,
        "comments": [[c.text, c.user, c.at] for c in comments],
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _lms_name(result: SubmissionResult, lms: str) -> LmsName | None:
    """The LMS name the submission came under: its id, or its file's or folder's name."""
    path = Path(result.path) if result.path else None
    for name in (result.id, path.name if path else "", path.parent.name if path else ""):
        parsed = parse_lms_name(name) if name else None
        if parsed is not None and parsed.lms == lms and parsed.number:
            return parsed
    return None


def released_name(result: SubmissionResult, layout: str, report_name: str) -> tuple[str, str]:
    """(its path in the zip, '') or ('', why it is left out)."""
    if result.status == "missing":
        return "", "no submission: nothing to give back"
    if layout == "files":
        return report_name, ""
    parsed = _lms_name(result, layout)
    if parsed is None:
        return "", f"not named as {layout.capitalize()} names its downloads"
    parts = (parsed.user, parsed.name, parsed.number)
    if any("/" in p or "\\" in p or p.startswith(".") for p in parts):
        return "", "its name cannot be a name in a zip"
    if layout == "moodle":
        return f"{parsed.user}_{parsed.number}_assignsubmission_file_/{FEEDBACK_FILE}", ""
    late = "LATE_" if parsed.flagged_late else ""
    return f"{parsed.name}_{late}{parsed.user}_{parsed.number}_{FEEDBACK_FILE}", ""


def row_feedback(base: SubmissionResult) -> tuple[str, str]:
    """What a class row keeps of its feedback: the fingerprint it has while no override and no
    comment touches it ('' for a missing student: nothing to give back), and the layouts that
    can name it, space-separated (`files` names every submission)."""
    if base.status == "missing":
        return "", ""
    named = [layout for layout in LAYOUTS if released_name(base, layout, "report")[0]]
    return feedback_fingerprint(finalize(base, []), ()), " ".join(named)
