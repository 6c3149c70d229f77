"""Human corrections, and the final score: automatic verdict -> check overrides -> late penalty
(or a whole-submission override, which sets the final score itself).

Overrides live in the gradebook keyed by (exercise, submission id, check), not by the verdict's
cache key: they survive regrades, reruns and a changed spec. Each keeps the automatic verdict it
corrected; when a regrade changes that verdict, the override stays applied and is flagged for
review. An override of a check the spec no longer has is kept but not applied, and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from grader.formatting import points
from grader.results import CheckResult, SubmissionResult
from grader.results.adjustments import Adjustments, LateNote, OverrideNote, StudentMatch

WHOLE = ""  # the check id of a whole-submission override


@dataclass(frozen=True)
class Override:
    id: int
    exercise: str
    submission_id: str
    check: str  # WHOLE for the submission's score
    score: float
    auto_score: float
    auto_status: str
    reason: str
    user: str
    at: str


def automatic(result: SubmissionResult, check: str) -> tuple[float, str] | None:
    """The automatic (score, status) an override of `check` would correct; None: no such check."""
    if check == WHOLE:
        raw = result.adjustments.raw_score if result.adjustments else result.score
        return raw, result.status
    found = next((c for c in result.checks if c.id == check), None)
    return None if found is None else (found.score, found.status)


def with_context(
    result: SubmissionResult, student: StudentMatch | None, late: LateNote | None
) -> SubmissionResult:
    """The automatic result with its roster entry and lateness attached (the gradebook's base)."""
    if student is None and late is None:
        return result
    return replace(result, adjustments=Adjustments(result.score, student, late))


def _penalty(late: LateNote, score: float, max_score: float) -> float:
    if not late.accepted:
        return score
    return min(score, round(max_score * late.penalty_percent / 100, 4))


def finalize(base: SubmissionResult, overrides: list[Override]) -> SubmissionResult:
    """The final result: `base` (automatic + roster + lateness) with overrides and the penalty."""
    adj = base.adjustments
    mine = [o for o in overrides if o.submission_id == base.id and o.exercise == base.exercise]
    if not mine and (adj is None or adj.late is None or not adj.late.late_s > 0):
        return base
    raw = adj.raw_score if adj else base.score
    checks = list(base.checks)
    notes: list[OverrideNote] = []
    whole: Override | None = None
    for o in sorted(mine, key=lambda o: (o.check, o.id)):
        now = automatic(base, o.check)
        if o.check == WHOLE:
            whole = o
        review = ""
        if now is None:
            review = f"the check {o.check} is no longer in the exercise; not applied"
        elif (round(now[0], 6), now[1]) != (round(o.auto_score, 6), o.auto_status):
            review = (
                f"the automatic verdict changed since this override (was {o.auto_status} "
                f"{points(o.auto_score)}, now {now[1]} {points(now[0])}): review it"
            )
        notes.append(
            OverrideNote(
                o.check,
                o.score,
                o.auto_score,
                o.auto_status,
                o.reason,
                o.user,
                o.at,
                applied=now is not None,
                review=review,
            )
        )
        if o.check != WHOLE and now is not None:
            checks = [_overridden(c, o) if c.id == o.check else c for c in checks]
    score = sum(c.score for c in checks) if any(n.check for n in notes if n.applied) else raw
    passed = bool(checks) and all(c.status == "pass" for c in checks)
    late = adj.late if adj else None
    if late is not None:
        late = replace(late, penalty_points=_penalty(late, score, base.max_score))
    if whole is not None:
        score = whole.score  # the instructor's final word: no penalty on top
        late = replace(late, penalty_points=0.0) if late else None
    elif late is not None:
        score = max(0.0, round(score - late.penalty_points, 4))
    adjustments = Adjustments(raw, adj.student if adj else None, late, notes)
    return replace(base, checks=checks, score=score, passed=passed, adjustments=adjustments)


def _overridden(check: CheckResult, o: Override) -> CheckResult:
    if o.score >= check.max_score:
        status = "pass"
    else:
        status = "fail" if check.status in ("pass", "skip") else check.status
    details = {**check.details, "override": {"reason": o.reason, "by": o.user, "at": o.at}}
    return replace(check, score=o.score, status=status, details=details)  # type: ignore[arg-type]
