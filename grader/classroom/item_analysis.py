"""Item analysis of a graded class: each check across the submissions, the class's training
curves, and how long each grading took. Figures only; the workbench draws them.

Computed on the automatic verdicts (before overrides and late penalties: what the checks
measured) of every submission handed in (a roster student without one is left out).

    check_stats     per check: the share that passed, the points lost in total, its
                    discrimination (Pearson's r between the check's score and the rest of the
                    score; None when undefined), the most common hint
    training_band   per epoch: how many curves reach it, quartiles of the training accuracy
    duration_stats  grading time: quartiles and the slowest submissions
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grader.grading.evidence import ACCURACY_KEYS
from grader.results import SubmissionResult


def handed_in(results: Sequence[SubmissionResult]) -> list[SubmissionResult]:
    return [r for r in results if r.status != "missing"]


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's correlation coefficient; None when it is undefined (fewer than two pairs, or
    either side constant)."""
    n = len(xs)
    if n < 2 or n != len(ys):
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """(first quartile, median, third quartile), interpolated between the sorted values
    (the 'inclusive' method: numpy's default percentile)."""
    if not values:
        raise ValueError("no values")
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


@dataclass(frozen=True)
class CheckStats:
    id: str
    max_score: float
    submissions: int
    passed: int
    points_lost: float  # the check's maximum minus its score, summed over the submissions
    discrimination: float | None  # r(check's score, the rest of the score); None: undefined
    hint_id: str  # the most common hint ('' if none was given)
    hint: str
    hint_count: int

    @property
    def share_passed(self) -> float | None:
        return self.passed / self.submissions if self.submissions else None


def check_stats(results: Sequence[SubmissionResult]) -> list[CheckStats]:
    """Every check of the class, in the exercise's order."""
    handed = handed_in(results)
    order: list[str] = []
    for r in handed:
        order += [c.id for c in r.checks if c.id not in order]
    totals = {r.id: sum(c.score for c in r.checks) for r in handed}
    stats = []
    for check_id in order:
        rows = [(r, c) for r in handed for c in r.checks if c.id == check_id]
        scores = [c.score for _, c in rows]
        rest = [totals[r.id] - c.score for r, c in rows]
        hints = Counter(c.hint_id for _, c in rows if c.hint_id)
        hint_id, count = hints.most_common(1)[0] if hints else ("", 0)
        texts = Counter(c.hint for _, c in rows if c.hint_id == hint_id and c.hint)
        text = texts.most_common(1)[0][0] if texts else ""
        stats.append(
            CheckStats(
                id=check_id,
                max_score=max((c.max_score for _, c in rows), default=0.0),
                submissions=len(rows),
                passed=sum(1 for _, c in rows if c.status == "pass"),
                points_lost=round(sum(c.max_score - c.score for _, c in rows), 6),
                discrimination=pearson(scores, rest),
                hint_id=hint_id,
                hint=text,
                hint_count=count,
            )
        )
    return stats


def accuracy_curve(result: SubmissionResult) -> list[tuple[int, float]]:
    """(epoch, training accuracy) of each epoch the run logged (`training.history`)."""
    history = (result.training or {}).get("history") or []
    curve = []
    for i, row in enumerate(history):
        if not isinstance(row, dict):
            continue
        value = _accuracy(row)
        if value is not None:
            curve.append((int(row.get("epoch", i + 1)), value))
    return curve


def _accuracy(row: dict[str, Any]) -> float | None:
    for key in ACCURACY_KEYS:
        value = row.get(key)
        if isinstance(value, int | float) and math.isfinite(value):
            return float(value)
    return None


@dataclass(frozen=True)
class EpochBand:
    epoch: int
    curves: int  # how many submissions logged this epoch
    q1: float
    median: float
    q3: float


def training_band(results: Sequence[SubmissionResult]) -> list[EpochBand]:
    """Quartiles of the training accuracy at each epoch, over the curves that reach it."""
    by_epoch: dict[int, list[float]] = {}
    for r in handed_in(results):
        for epoch, value in accuracy_curve(r):
            by_epoch.setdefault(epoch, []).append(value)
    return [EpochBand(e, len(v), *quartiles(v)) for e, v in sorted(by_epoch.items())]


@dataclass(frozen=True)
class DurationStats:
    submissions: int
    q1: float
    median: float
    q3: float
    slowest: list[tuple[str, float]]  # (submission id, seconds), slowest first


def duration_stats(results: Sequence[SubmissionResult], slowest: int = 5) -> DurationStats | None:
    """How long each submission's grading took (`duration_s`; a duplicate carries the time of
    the grading it shares)."""
    handed = handed_in(results)
    if not handed:
        return None
    q1, median, q3 = quartiles([r.duration_s for r in handed])
    ranked = sorted(handed, key=lambda r: (-r.duration_s, r.id))[:slowest]
    return DurationStats(len(handed), q1, median, q3, [(r.id, r.duration_s) for r in ranked])
