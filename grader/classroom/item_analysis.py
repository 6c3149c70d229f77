"""Item analysis of a graded class: each check across the submissions, the class's training
curves, and how long each grading took. Figures only; the workbench draws them.

Computed on the automatic verdicts (before overrides and late penalties: what the checks
measured) of every submission handed in (a roster student without one is left out). The
figures are computed by SQL over the gradebook's class rows (grader.classroom.book_analysis);
this module holds what they are and the arithmetic SQL does not have:

    CheckStats      per check: the share that passed, the points lost in total, its
                    discrimination (Pearson's r between the check's score and the rest of the
                    score, from the sums SQL adds up; None when undefined), the most common hint
    EpochBand       per epoch: how many curves reach it, quartiles of the training accuracy
                    (interpolated between the two values SQL reads at each quartile's place)
    DurationStats   grading time: quartiles and the slowest submissions
    accuracy_curve  a result's (epoch, training accuracy): what a class row's epochs hold
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from grader.grading.fit_evidence import row_accuracy
from grader.results import SubmissionResult


@dataclass(frozen=True)
class Sums:
    """What Pearson's r needs of n pairs (x, y), added up in one pass (by SQL for a class):
    the sums of x, y, their squares and products, and whether either side is constant (told
    exactly, not from sums that rounding leaves a hair above zero)."""

    n: int
    x: float
    y: float
    xx: float
    yy: float
    xy: float
    constant: bool


def pearson_of(s: Sums) -> float | None:
    """Pearson's correlation coefficient; None when it is undefined (fewer than two pairs, or
    either side constant)."""
    if s.n < 2 or s.constant:
        return None
    sxx = s.xx - s.x * s.x / s.n
    syy = s.yy - s.y * s.y / s.n
    if sxx <= 0 or syy <= 0:
        return None
    return max(-1.0, min(1.0, (s.xy - s.x * s.y / s.n) / math.sqrt(sxx * syy)))


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r of two lists, by the same arithmetic as the class's figures."""
    if len(xs) != len(ys):
        return None
    return pearson_of(
        Sums(
            len(xs), sum(xs), sum(ys), sum(x * x for x in xs), sum(y * y for y in ys),
            sum(x * y for x, y in zip(xs, ys, strict=True)),
            len(set(xs)) < 2 or len(set(ys)) < 2,
        )
    )  # fmt: skip


def quartile_places(n: int) -> list[tuple[int, int]]:
    """For n sorted values, where each quartile lies: (index j, weight d in quarters), the
    quartile being (value[j] * (4 - d) + value[j + 1] * d) / 4 (the 'inclusive' method:
    numpy's default percentile, `statistics.quantiles(method="inclusive")`)."""
    if n < 1:
        raise ValueError("no values")
    places = []
    for i in (1, 2, 3):
        j, d = divmod(i * (n - 1), 4)
        places.append((j, d))
    return places


def interpolate(pair: Sequence[float], d: int) -> float:
    """The quartile between the two neighbouring values (one when d is 0)."""
    if d == 0:
        return pair[0]
    return (pair[0] * (4 - d) + pair[1] * d) / 4


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """(first quartile, median, third quartile) of `values`, as the SQL figures compute them."""
    ordered = sorted(values)
    q1, q2, q3 = (interpolate(ordered[j : j + 2], d) for j, d in quartile_places(len(ordered)))
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


def accuracy_curve(result: SubmissionResult) -> list[tuple[int, float]]:
    """(epoch, training accuracy) of each epoch the run logged (`training.history`), finite
    values only, each epoch once (the first row that numbers it)."""
    history = (result.training or {}).get("history") or []
    curve: dict[int, float] = {}
    for i, row in enumerate(history):
        if not isinstance(row, dict):
            continue
        value = row_accuracy(row)
        epoch = row.get("epoch", i + 1)
        if value is None or not math.isfinite(value) or isinstance(epoch, bool):
            continue
        if isinstance(epoch, int | float) and math.isfinite(epoch):
            curve.setdefault(int(epoch), value)
    return sorted(curve.items())


@dataclass(frozen=True)
class EpochBand:
    epoch: int
    curves: int  # how many submissions logged this epoch
    q1: float
    median: float
    q3: float


@dataclass(frozen=True)
class DurationStats:
    submissions: int
    q1: float
    median: float
    q3: float
    slowest: list[tuple[str, float]]  # (submission id, seconds), slowest first
