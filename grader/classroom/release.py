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

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.classroom.classbook import report_names
from grader.classroom.feedback import (
    FEEDBACK_FILE,
    LAYOUTS,
    feedback_fingerprint,
    released_name,
)
from grader.classroom.gradebook import Comment, Gradebook, Release
from grader.classroom.overrides import finalize
from grader.report import render_report
from grader.results import SubmissionResult
from grader.spec.exercise import ExerciseSpec

__all__ = [
    "FEEDBACK_FILE",
    "LAYOUTS",
    "FeedbackState",
    "ReleasePlan",
    "ReleaseSummary",
    "ReleasedFile",
    "feedback_fingerprint",
    "feedback_states",
    "plan_release",
    "release_summary",
    "released_name",
    "zip_bytes",
]


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


@dataclass(frozen=True)
class ReleaseSummary:
    """A class's release figures: submissions, how many each layout names, how many are not
    yet released as they stand."""

    handed: int
    counts: dict[str, int]  # layout -> submissions it names
    pending: int


def release_summary(book: Gradebook, run_id: int, exercise: str) -> ReleaseSummary:
    """Counted in SQL over the class rows' feedback columns; only the submissions a human
    corrected are decoded, their feedback computed as `feedback_states` does."""
    counts = book.layout_counts(run_id)
    corrected = book.corrected_rows(run_id, exercise)
    ids = [r.id for r in corrected]
    overrides = book.overrides(exercise) if ids else []  # human work: a few rows, read whole
    notes: dict[str, list[Comment]] = {}
    for c in book.comments(exercise) if ids else []:
        notes.setdefault(c.submission_id, []).append(c)
    releases = [  # in slices: SQLite caps the parameters of one statement
        r
        for start in range(0, len(ids), 500)
        for r in book.releases_of(exercise, ids[start : start + 500])
    ]
    releases.sort(key=lambda r: r.id)
    states = feedback_states([finalize(b, overrides) for b in corrected], notes, releases)
    pending = book.pending_uncorrected(run_id, exercise)
    pending += sum(1 for f in states.values() if not f.released)
    return ReleaseSummary(counts.get("files", 0), {k: counts.get(k, 0) for k in LAYOUTS}, pending)
