"""Chart geometry for a class as a whole, in plain Python, drawn by the templates as inline SVG
(no JavaScript, no library), as grader.report.charts does for one submission:

    band_chart      the class's training accuracy per epoch as a band (first to third quartile)
                    with its median, a threshold line, and one submission's curve over it
    duration_strip  grading times on one axis: a box from the first to the third quartile, the
                    median, a dot per submission
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from grader.formatting import duration, fixed_percent, percent
from grader.report.charts import Tick, axis_ticks, nice_step

WIDTH, LEFT, RIGHT = 640, 60, 620
TOP, BOTTOM = 16, 216  # the band chart's plot area
STRIP_Y, STRIP_HEIGHT = 34, 80


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class BandChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    band: str  # SVG polygon points: the third quartile forward, the first back
    median: str  # SVG polyline points
    student: str  # SVG polyline points of the chosen submission ('' if none)
    student_dots: list[Dot]
    threshold_y: float | None
    threshold_label: str
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    summary: str


def band_chart(
    bands: Sequence[tuple[int, float, float, float]],
    student: Sequence[tuple[int, float]] = (),
    threshold: float | None = None,
    student_label: str = "",
) -> BandChart | None:
    """`bands`: (epoch, first quartile, median, third quartile) per epoch; `student`: (epoch,
    accuracy) of the submission drawn over the band. None when there is nothing to draw."""
    if not bands:
        return None
    epochs = [b[0] for b in bands] + [e for e, _ in student]
    first, last = min(epochs), max(epochs)
    values = [v for b in bands for v in b[1:]] + [v for _, v in student]
    values += [threshold] if threshold is not None else []
    lo, hi = min(values), max(values)
    span = max(hi - lo, 0.01)
    lo, hi = max(0.0, lo - 0.08 * span), min(1.0, hi + 0.08 * span)
    step = nice_step(hi - lo, 5)
    lo, hi = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    hi = max(hi, lo + step)

    def x(epoch: float) -> float:
        if last == first:
            return (LEFT + RIGHT) / 2
        return LEFT + (epoch - first) / (last - first) * (RIGHT - LEFT)

    def y(value: float) -> float:
        return BOTTOM - (value - lo) / (hi - lo) * (BOTTOM - TOP)

    def points(pairs: Sequence[tuple[float, float]]) -> str:
        return " ".join(f"{x(e):.1f},{y(v):.1f}" for e, v in pairs)

    upper = [(e, q3) for e, _, _, q3 in bands]
    lower = [(e, q1) for e, q1, _, _ in reversed(bands)]
    decimals = next(d for d in range(4) if abs(round(step * 100, d) - step * 100) < 1e-6 or d == 3)
    every = max(1, math.ceil((last - first + 1) / 12))
    dots = [Dot(x(e), y(v), f"{student_label}, epoch {e}: {fixed_percent(v)}") for e, v in student]
    median_first, median_last = bands[0][2], bands[-1][2]
    summary = (
        f"Median training accuracy {fixed_percent(median_first)} at epoch {bands[0][0]}, "
        f"{fixed_percent(median_last)} at epoch {bands[-1][0]}"
    )
    if student:
        summary += f"; {student_label}: {fixed_percent(student[-1][1])} at epoch {student[-1][0]}"
    return BandChart(
        width=WIDTH,
        height=BOTTOM + 40,
        left=LEFT,
        right=RIGHT,
        top=TOP,
        bottom=BOTTOM,
        band=points(upper + lower),
        median=points([(e, m) for e, _, m, _ in bands]),
        student=points(student),
        student_dots=dots,
        threshold_y=y(threshold) if threshold is not None else None,
        threshold_label=f"threshold {percent(threshold)}" if threshold is not None else "",
        y_ticks=[Tick(y(t), fixed_percent(t, decimals)) for t in axis_ticks(lo, hi, step)],
        x_ticks=[Tick(x(e), str(e)) for e in range(first, last + 1) if (e - first) % every == 0],
        summary=summary + ".",
    )


@dataclass(frozen=True)
class StripChart:
    width: int
    height: int
    left: float
    right: float
    axis_y: float
    box: tuple[float, float, float]  # x of the first quartile, the median, the third quartile
    dots: list[Dot]
    ticks: list[Tick]


def duration_strip(
    values: Sequence[tuple[str, float]], quartiles: tuple[float, float, float]
) -> StripChart | None:
    """`values`: (submission id, seconds); a dot each, over the quartiles' box."""
    if not values:
        return None
    hi = max(v for _, v in values)
    step = nice_step(hi, 5) if hi > 0 else 1.0
    top = max(step, math.ceil(hi / step - 1e-9) * step)

    def x(seconds: float) -> float:
        return LEFT + seconds / top * (RIGHT - LEFT)

    dots = [
        Dot(x(v), STRIP_Y - 18 + (i % 5) * 9, f"{sid}: {duration(v)}")
        for i, (sid, v) in enumerate(sorted(values, key=lambda pair: pair[1]))
    ]
    q1, median, q3 = quartiles
    return StripChart(
        width=WIDTH,
        height=STRIP_HEIGHT,
        left=LEFT,
        right=RIGHT,
        axis_y=STRIP_Y + 26,
        box=(x(q1), x(median), x(q3)),
        dots=dots,
        ticks=[Tick(x(t), f"{t:g} s") for t in axis_ticks(0.0, top, step)],
    )
