"""The review queue: what in a graded class needs a human, each item with its reason.

    override   an override whose automatic verdict changed since it was made (or whose check
               the exercise no longer has): the override's auto_score/auto_status against now
    evidence   checks that earned nothing because the training the run reported could not be
               confirmed (hint `accuracy_not_confirmed`: forged epochs, a saved model that is not
               the trained one, a re-measured accuracy far below the logged one)
    error      a time-out, a submission the grader could not grade, a `runs` check in error
    seeds      a borderline verdict decided on several seeds that disagreed (`robustness` with
               `agreed` false); results whose seeds agreed are counted, not listed
    similar    a pair of submissions at or over the similarity threshold, or identical files
               (from `similarity.json`, written by `grader grade` beside similarity.html)
    missing    a roster student with no submission
    late       a submission after the due date (`adjustments.late.late_s` > 0)

Each item has a key (its kind, and a subject when one submission can have several: the check
of an override, the other submission of a pair) and a fingerprint: the SHA-256 of the figures
that raised it. A resolution (gradebook `resolutions`) settles the item with that fingerprint;
a regrade that gives the same figures keeps it settled, new figures reopen it.

Where the items live: a class row's own items (evidence, error, seeds, missing, late) are
written with the row and the run's similar pairs at its end (gradebook `class_items`); the
overrides to review are found when the queue is read. The queue's pages, its counts and the
join with the resolutions are SQL (grader.classroom.book_review).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from grader.classroom.book_corrections import Resolution
from grader.classroom.overrides import automatic
from grader.classroom.similarity import SimilarityFigures
from grader.formatting import fixed_percent, percent, points
from grader.results import SubmissionResult

KINDS = {  # kind -> its name on the page, in the order the queue lists them
    "override": "override to review",
    "evidence": "training not confirmed",
    "error": "not graded",
    "seeds": "seeds disagreed",
    "similar": "similar submissions",
    "missing": "no submission",
    "late": "late",
}
UNCONFIRMED = "accuracy_not_confirmed"  # the hint id of grader.grading.checks (trust)


@dataclass(frozen=True)
class ReviewItem:
    kind: str
    submission_id: str
    subject: str  # '' or what tells apart items of one kind on one submission
    reason: str  # one or two sentences for the human
    figures: dict[str, Any]  # what raised it: the fingerprint's input
    others: tuple[str, ...] = ()  # other submissions it concerns (a similar pair)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}" if self.subject else self.kind

    @property
    def label(self) -> str:
        return KINDS[self.kind]

    @property
    def anchor(self) -> str:
        """A stable HTML id for the item (ids and keys may hold any character)."""
        text = f"{self.submission_id}\0{self.key}"
        return "item-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    @property
    def fingerprint(self) -> str:
        text = json.dumps([self.kind, self.figures], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class QueueEntry:
    item: ReviewItem
    resolution: Resolution | None  # settling this item's current figures
    earlier: Resolution | None = None  # settled on other figures: reopened since


@dataclass(frozen=True)
class QueuePage:
    """One page of the open or the resolved items, and where the next and previous start."""

    entries: list[QueueEntry]
    total: int  # items in this state (of the kind asked for)
    after: str  # the keyset cursor of the next page ('' on the last)
    before: str  # the cursor of the previous page ('' on the first)


@dataclass(frozen=True)
class Queue:
    """The review queue of a class as one page shows it (grader.classroom.book_review)."""

    open: QueuePage
    resolved: QueuePage
    counts: dict[str, int]  # open items per kind (every kind), in the queue's order
    resolved_count: int  # resolved items (every kind)
    seeds_agreed: int  # verdicts confirmed on several seeds that agreed: counted, not listed
    similarity_read: bool  # False: no similarity.json beside the class
    kind: str = ""  # the kind the page lists ('' every kind)

    @property
    def open_count(self) -> int:
        return sum(self.counts.values())


def _overrides(base: SubmissionResult, final: SubmissionResult) -> list[ReviewItem]:
    items = []
    for note in final.adjustments.overrides if final.adjustments else []:
        if not note.review:
            continue
        now = automatic(base, note.check)
        what = f"check {note.check}" if note.check else "the whole score"
        figures = {
            "check": note.check,
            "corrected": [round(note.auto_score, 6), note.auto_status],
            "now": [round(now[0], 6), now[1]] if now else None,
            "override": round(note.score, 6),
        }
        reason = f"Override of {what} ({points(note.score)}, by {note.user}): {note.review}."
        items.append(ReviewItem("override", base.id, note.check or "score", reason, figures))
    return items


def _evidence(base: SubmissionResult) -> list[ReviewItem]:
    found = [c for c in base.checks if c.hint_id == UNCONFIRMED or "unconfirmed" in c.details]
    if not found:
        return []
    figures = {
        "checks": [
            [
                c.id,
                c.status,
                round(c.score, 6),
                c.details.get("unconfirmed", ""),
                c.details.get("logged"),
                c.details.get("measured"),
            ]
            for c in found
        ],
    }
    ids = ", ".join(c.id for c in found)
    reason = f"Earned nothing for {ids}: {found[0].message}."
    return [ReviewItem("evidence", base.id, "", reason, figures)]


def _error(base: SubmissionResult) -> list[ReviewItem]:
    runs = next((c for c in base.checks if c.id == "runs"), None)
    if base.status not in ("error", "timeout") and (runs is None or runs.status != "error"):
        return []
    if base.status == "timeout":
        reason = f"Timed out: {base.error or 'it ran past the time limit'}"
    elif base.status == "error":
        reason = f"Could not be graded: {base.error or 'the grader failed on it'}"
    else:
        assert runs is not None
        reason = f"The runs check ended in an error: {runs.message}"
    figures = {
        "status": base.status,
        "runs": [runs.status, runs.hint_id] if runs else None,
        "sha256": base.sha256,
    }
    return [ReviewItem("error", base.id, "", reason[:600], figures)]


def _seeds(base: SubmissionResult) -> list[ReviewItem]:
    robustness = base.robustness
    if robustness is None or robustness.agreed:
        return []
    figures = {
        "rule": robustness.rule,
        "seeds": [run.seed for run in robustness.runs],
        "decided": robustness.decided,
        "passes": robustness.passes,
    }
    reason = f"Borderline, decided on {robustness.summary()}. Why more seeds: {robustness.reason}"
    return [ReviewItem("seeds", base.id, "", reason, figures)]


def _missing(base: SubmissionResult) -> list[ReviewItem]:
    if base.status != "missing":
        return []
    student = base.adjustments.student if base.adjustments else None
    name = f" ({student.name})" if student else ""
    reason = f"On the roster{name}, no submission found: 0 points unless you say otherwise."
    return [ReviewItem("missing", base.id, "", reason, {"student": student.id if student else ""})]


def _late(base: SubmissionResult) -> list[ReviewItem]:
    late = base.adjustments.late if base.adjustments else None
    if late is None or not late.late_s > 0:
        return []
    figures = {
        "submitted_at": late.submitted_at,
        "units": late.units,
        "per": late.per,
        "penalty_percent": late.penalty_percent,
        "accepted": late.accepted,
    }
    return [ReviewItem("late", base.id, "", late.explanation, figures)]


def _similar(similarity: SimilarityFigures | None, ids: set[str]) -> list[ReviewItem]:
    if similarity is None:
        return []
    items = []
    for a, b, value in similarity.pairs:
        if a in ids and b in ids:
            reason = (
                f"{fixed_percent(value, 0)} alike with {b!r} (the larger share of one's code "
                f"found in the other; pairs are listed from {percent(similarity.threshold)}): "
                "read both side by side in similarity.html."
            )
            figures = {"pair": [a, b], "similarity": round(value, 4)}
            items.append(ReviewItem("similar", a, b, reason, figures, (b,)))
    for group in similarity.duplicates:
        members = sorted(sid for sid in group if sid in ids)
        if len(members) < 2:
            continue
        first, *rest = members
        names = ", ".join(repr(sid) for sid in rest)
        reason = f"Identical file to {names}: graded once, the same verdict for each."
        items.append(
            ReviewItem(
                "similar", first, "=" + "|".join(rest), reason, {"identical": members}, tuple(rest)
            )
        )
    return items


def row_items(base: SubmissionResult) -> list[ReviewItem]:
    """The items one class row raises by itself (before overrides): written with the row
    (grader.classroom.book_rows), so the queue is read, never computed, at every view."""
    return _evidence(base) + _error(base) + _seeds(base) + _missing(base) + _late(base)


def similar_items(similarity: SimilarityFigures | None, ids: set[str]) -> list[ReviewItem]:
    """The similar pairs and identical files among `ids` (written at the end of a run)."""
    return _similar(similarity, ids)


def override_items(base: SubmissionResult, final: SubmissionResult) -> list[ReviewItem]:
    """The overrides of one submission whose automatic verdict changed since they were made:
    they depend on the human corrections as well as the row, so they are found when the queue
    is read, over the few submissions with an override in force."""
    return _overrides(base, final)
