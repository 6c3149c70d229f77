"""The report's view of a verdict decided on several seeds: a row per seed, every seed's training
curve against the threshold, and the test accuracies as points on a line (inline SVG geometry)."""

from __future__ import annotations

from dataclasses import dataclass

from grader.formatting import fixed_percent, percent
from grader.results import Robustness, SubmissionResult
from grader.spec.exercise import ExerciseSpec

WIDTH, LEFT, RIGHT = 640, 60, 620
CURVES_TOP, CURVES_BOTTOM = 12, 172
STRIP_Y = 30


@dataclass(frozen=True)
class SeedRow:
    seed: int
    main: bool  # the spec's own seed: the run the rest of the report shows
    test_accuracy: str
    training: str  # when the threshold was first reached, or the best accuracy
    checks: list[tuple[str, str]]  # (check id, pass/fail) on this seed
    note: str


@dataclass(frozen=True)
class Curve:
    seed: int
    main: bool
    points: str  # SVG polyline points


@dataclass(frozen=True)
class StripPoint:
    seed: int
    main: bool
    x: float
    label: str


@dataclass(frozen=True)
class SeedView:
    summary: str
    reason: str
    agreed: bool
    rows: list[SeedRow]
    decided: list[tuple[str, str, str]]  # (check id, decision, "3 of 5")
    curves: list[Curve]
    threshold_y: float | None  # the training threshold's line on the curves
    threshold_label: str
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    strip: list[StripPoint]  # test accuracies
    strip_threshold: tuple[float, str] | None
    strip_ticks: list[tuple[float, str]]


def seed_view(result: SubmissionResult, spec: ExerciseSpec) -> SeedView | None:
    robustness = result.robustness
    if robustness is None:
        return None
    rows = [_row(robustness, i) for i in range(len(robustness.runs))]
    decided = [
        (check, status, f"{robustness.passes[check]} of {len(robustness.runs)}")
        for check, status in robustness.decided.items()
    ]
    curves, threshold_y, y_ticks, x_ticks = _curves(robustness, spec.accuracy_threshold)
    strip, strip_threshold, strip_ticks = _strip(robustness, spec.test_accuracy_threshold)
    return SeedView(
        summary=robustness.summary(),
        reason=robustness.reason,
        agreed=robustness.agreed,
        rows=rows,
        decided=decided,
        curves=curves,
        threshold_y=threshold_y,
        threshold_label=percent(spec.accuracy_threshold) if spec.accuracy_threshold else "",
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        strip=strip,
        strip_threshold=strip_threshold,
        strip_ticks=strip_ticks,
    )


def _row(robustness: Robustness, index: int) -> SeedRow:
    run = robustness.runs[index]
    if run.reached_epoch is not None:
        training = f"reached at epoch {run.reached_epoch} of {len(run.train_accuracies)}"
    elif run.train_accuracies:
        training = f"best {fixed_percent(max(run.train_accuracies))}"
    else:
        training = "no epoch recorded"
    note = run.note
    if run.seed_replaced:
        note = "; ".join(n for n in (note, "your code's own seed was replaced") if n)
    return SeedRow(
        seed=run.seed,
        main=index == 0,
        test_accuracy=fixed_percent(run.test_accuracy) if run.test_accuracy is not None else "",
        training=training,
        checks=sorted(run.checks.items()),
        note=note,
    )


def _curves(
    robustness: Robustness, threshold: float | None
) -> tuple[list[Curve], float | None, list[tuple[float, str]], list[tuple[float, str]]]:
    series = [run.train_accuracies for run in robustness.runs]
    values = [v for s in series for v in s] + ([threshold] if threshold is not None else [])
    if max((len(s) for s in series), default=0) < 2:  # a single epoch: the table says it all
        return [], None, [], []
    low = min(values)
    low = max(0.0, min(low, 1.0) - 0.005)
    high = min(1.0, max(values) + 0.005)
    if high - low < 0.01:
        low = max(0.0, high - 0.01)
    epochs = max((len(s) for s in series), default=1)

    def x(epoch: int) -> float:  # epochs are 1-based
        return LEFT + (RIGHT - LEFT) * ((epoch - 1) / max(epochs - 1, 1))

    def y(value: float) -> float:
        return CURVES_BOTTOM - (CURVES_BOTTOM - CURVES_TOP) * ((value - low) / (high - low))

    curves = [
        Curve(
            run.seed,
            index == 0,
            " ".join(f"{x(e + 1):.1f},{y(v):.1f}" for e, v in enumerate(run.train_accuracies)),
        )
        for index, run in enumerate(robustness.runs)
        if run.train_accuracies
    ]
    y_ticks = [(y(v), fixed_percent(v)) for v in (low, (low + high) / 2, high)]
    x_ticks = [(x(e), str(e)) for e in range(1, epochs + 1)]
    return curves, (y(threshold) if threshold is not None else None), y_ticks, x_ticks


def _strip(
    robustness: Robustness, threshold: float | None
) -> tuple[list[StripPoint], tuple[float, str] | None, list[tuple[float, str]]]:
    measured = [(i, r) for i, r in enumerate(robustness.runs) if r.test_accuracy is not None]
    if not measured:
        return [], None, []
    values = [r.test_accuracy for _, r in measured if r.test_accuracy is not None]
    values += [threshold] if threshold is not None else []
    low, high = min(values) - 0.005, max(values) + 0.005

    def x(value: float) -> float:
        return LEFT + (RIGHT - LEFT) * ((value - low) / (high - low))

    points = [
        StripPoint(run.seed, i == 0, x(run.test_accuracy), f"seed {run.seed}: "
                   f"{fixed_percent(run.test_accuracy)}")
        for i, run in measured
        if run.test_accuracy is not None
    ]  # fmt: skip
    marker = (x(threshold), percent(threshold)) if threshold is not None else None
    ticks = [(x(v), fixed_percent(v)) for v in (low, high)]
    return points, marker, ticks
