"""What the class overview shows (`index.html.j2`), computed from the grade report: a row per
submission, the failures grouped by reason, the score histogram and the roster."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field

from grader.formatting import duration, points
from grader.report.charts import (
    Histogram,
    score_histogram,
)
from grader.report.submission_view import badge
from grader.report.text import shorten as shorten_text
from grader.results import GradeReport, SubmissionResult

# -- class overview ---------------------------------------------------------------------------


@dataclass
class IndexRow:
    id: str
    link: str
    status: str  # pass, fail, error, timeout
    icon: str
    word: str
    score: float
    max_score: float
    score_text: str
    percent: float
    failing: list[str]
    duration_s: float
    duration: str
    first_hint: str
    student: str = ""  # the roster name (and the rule that matched), when a roster was given
    notes: list[str] = field(default_factory=list)  # late, override, review markers


@dataclass
class FailureReason:
    hint_id: str
    label: str
    students: list[tuple[str, str]]  # (id, link)


@dataclass
class FailureGroup:
    """One check and the submissions failing it, split by reason (the hint they were given)."""

    check: str
    students: list[tuple[str, str]] = field(default_factory=list)
    reasons: dict[str, FailureReason] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.students)

    @property
    def by_reason(self) -> list[FailureReason]:
        return sorted(self.reasons.values(), key=lambda r: -len(r.students))


@dataclass
class ClassPage:
    report: GradeReport
    title: str
    rows: list[IndexRow]
    count: int
    passed: int
    mean: str
    median: str
    max_score: str
    errors: int
    histogram: Histogram | None
    failures: list[FailureGroup]
    failing_checks: list[tuple[str, int]]  # check id, submissions failing it (for the filter)
    downloads: list[str]
    roster: RosterView | None = None
    similarity: str = ""  # the similarity page's file name, when written


@dataclass(frozen=True)
class RosterView:
    """The roster's side of the class: matched, missing, and submissions nobody owns."""

    students: int
    matched: int
    missing: list[str]
    unknown: list[str]
    rules: list[tuple[str, int]]  # (rule, submissions it matched)


def _student_and_notes(s: SubmissionResult) -> tuple[str, list[str]]:
    seeds = _seed_notes(s)
    adj = s.adjustments
    if adj is None:
        return "", seeds
    student = ""
    if adj.student is not None:
        student = adj.student.name + (f" ({adj.student.rule})" if adj.student.rule else "")
    notes = []
    if adj.late is not None and adj.late.late_s > 0:
        if not adj.late.accepted:
            notes.append("late: not accepted")
        elif adj.late.penalty_points:
            notes.append(f"late: -{points(adj.late.penalty_points)}")
        else:
            notes.append("late: in the grace period")
    for o in adj.overrides:
        notes.append(f"override: {o.check or 'score'}")
    if adj.needs_review:
        notes.append("review the override")
    return student, notes + seeds


def _seed_notes(s: SubmissionResult) -> list[str]:
    """A verdict decided on several seeds: whether they agreed."""
    if s.robustness is None:
        return []
    runs = len(s.robustness.runs)
    return [f"seeds disagree ({runs})" if not s.robustness.agreed else f"seeds agree ({runs})"]


def index_page(
    report: GradeReport,
    links: Mapping[str, str],
    title: str,
    downloads: list[str],
    roster: RosterView | None = None,
    similarity: str = "",
) -> ClassPage:
    rows = []
    order: list[str] = []
    groups: dict[str, FailureGroup] = {}
    for s in report.submissions:
        v = badge(s)
        link = links.get(s.id, "")
        failing = [c.id for c in s.checks if c.status in ("fail", "error")]
        first = s.first_failure()
        rows.append(
            IndexRow(
                s.id,
                link,
                v.css,
                v.icon,
                {
                    "pass": "passed",
                    "fail": "not passed",
                    "error": "error",
                    "timeout": "timed out",
                    "missing": "missing",
                }[v.css],
                s.score,
                s.max_score,
                f"{points(s.score)} / {points(s.max_score)}",
                v.percent,
                failing,
                s.duration_s,
                duration(s.duration_s),
                first.hint if first else "",
                *_student_and_notes(s),
            )
        )
        for c in s.checks:
            if c.id not in order:
                order.append(c.id)
            if c.status not in ("fail", "error"):
                continue
            group = groups.setdefault(c.id, FailureGroup(c.id))
            group.students.append((s.id, link))
            reason_key = c.hint_id or c.status
            if reason_key not in group.reasons:
                label = c.hint or (
                    "the grader could not check this" if c.status == "error" else c.message
                )
                group.reasons[reason_key] = FailureReason(
                    c.hint_id, shorten_text(label, 220)[0], []
                )
            group.reasons[reason_key].students.append((s.id, link))
    rows.sort(key=lambda r: r.id.lower())  # the table starts sorted by name, as it says
    scores = [s.score for s in report.submissions]
    max_score = max((s.max_score for s in report.submissions), default=0.0)
    failing_counts = [(cid, sum(cid in r.failing for r in rows)) for cid in order]
    return ClassPage(
        report=report,
        title=title,
        rows=rows,
        count=len(rows),
        passed=sum(s.passed for s in report.submissions),
        mean=points(statistics.fmean(scores)) if scores else "–",
        median=points(statistics.median(scores)) if scores else "–",
        max_score=points(max_score),
        errors=sum(s.status not in ("graded", "missing") for s in report.submissions),
        histogram=score_histogram(scores, max_score) if scores else None,
        failures=sorted(groups.values(), key=lambda g: (-g.count, order.index(g.check))),
        failing_checks=[(cid, n) for cid, n in failing_counts if n],
        downloads=downloads,
        roster=roster,
        similarity=similarity,
    )
