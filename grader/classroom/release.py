"""Feedback release: each student's report, with the instructor's overrides and comments, in a
zip laid out for an LMS to take back, and the fingerprint that tells whether what a student was
given is still what the gradebook says.

    moodle  one folder per participant, named as Moodle names them in its downloads
            (`<Full name>_<participant id>_assignsubmission_file_/feedback.html`): Moodle's
            "Upload multiple feedback files in a zip" matches the folders to participants
    canvas  one file per student, named as Canvas names its downloads
            (`<login>_<user id>_<submission id>_feedback.html`, `LATE_` kept): for Canvas's
            "Re-upload submissions"
    files   one `<id>.html` per submission, named as the class folder's reports

The LMS names come from the submissions' own names (`grader.classroom.lms_names`): a class
downloaded from Moodle has Moodle folder names, one from Canvas has Canvas file names. A
submission without such a name is left out of that layout and listed, never guessed: a wrong
participant id would hand one student's feedback to another.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.classroom.classbook import report_names
from grader.classroom.gradebook import Comment, Release
from grader.classroom.lms_names import LmsName, parse_lms_name
from grader.report import render_report
from grader.results import SubmissionResult
from grader.spec.exercise import ExerciseSpec

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


@dataclass(frozen=True)
class FeedbackState:
    """Whether a submission's feedback, as it stands, is what was last released."""

    fingerprint: str  # of the feedback now
    release: Release | None  # the latest release of this submission

    @property
    def released(self) -> bool:
        return self.release is not None and self.release.fingerprint == self.fingerprint


def feedback_states(
    finals: Sequence[SubmissionResult],
    comments: Mapping[str, Sequence[Comment]],
    releases: Sequence[Release],
) -> dict[str, FeedbackState]:
    """Each handed-in submission's feedback state (`releases` oldest first: the last counts)."""
    latest = {r.submission_id: r for r in releases}
    return {
        r.id: FeedbackState(feedback_fingerprint(r, comments.get(r.id, ())), latest.get(r.id))
        for r in finals
        if r.status != "missing"
    }


@dataclass(frozen=True)
class ReleasedFile:
    submission_id: str
    name: str  # its path in the zip
    fingerprint: str
    html: str


@dataclass(frozen=True)
class ReleasePlan:
    layout: str
    files: list[ReleasedFile]
    skipped: list[tuple[str, str]]  # (submission id, why it is not in the zip)


def plan_release(
    finals: Sequence[SubmissionResult],
    spec: ExerciseSpec,
    comments: Mapping[str, Sequence[Comment]],
    layout: str,
    only: set[str] | None = None,
) -> ReleasePlan:
    """Each submission's feedback (its report with overrides and comments) under its name in
    `layout`; `only`: just these submission ids."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    links = report_names([r.id for r in finals if r.status != "missing"])
    files, skipped, used = [], [], set()
    for result in finals:
        if only is not None and result.id not in only:
            continue
        name, why = released_name(result, layout, links.get(result.id, ""))
        if name and name.casefold() in used:
            name, why = "", f"another submission has the same name in the zip ({name})"
        if not name:
            skipped.append((result.id, why))
            continue
        used.add(name.casefold())
        notes = list(comments.get(result.id, ()))
        html = render_report(result, spec, notes)
        files.append(ReleasedFile(result.id, name, feedback_fingerprint(result, notes), html))
    return ReleasePlan(layout, files, skipped)


def zip_bytes(plan: ReleasePlan) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in plan.files:
            archive.writestr(f.name, f.html.encode("utf-8", "replace"))
    return buffer.getvalue()
