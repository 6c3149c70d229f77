"""Chart geometry in plain Python: the templates draw it as inline SVG (no JavaScript, no library).

A chart here is numbers and short labels; the SVG markup lives in `templates/_charts.html.j2`,
so every label goes through the same autoescaping as the rest of the page.

Over 400 lines: one job, chart geometry; the training chart and the histogram share
the axis and tick helpers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from grader.formatting import fixed_percent, percent
from grader.grading.evidence import ACCURACY_KEYS, accuracy_key

WIDTH = 560  # SVG user units; the SVG scales to its container (viewBox), so this sets font ratio
LEFT, RIGHT = 54, 16


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    epoch: int
    value: float
    label: str


@dataclass(frozen=True)
class Series:
    key: str
    name: str
    css: str  # class of the line: acc, val-acc, loss, val-loss
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(
            f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points)
        )


@dataclass(frozen=True)
class HLine:
    y: float
    value: float
    label: str
    css: str


@dataclass
class Panel:
    title: str
    top: float
    height: float
    y_ticks: list[Tick]
    series: list[Series]
    hlines: list[HLine] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)  # extra single markers (test accuracy)

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass(frozen=True)
class EpochMarker:
    x: float
    epoch: int
    label: str
    css: str  # marker-stop, marker-first


@dataclass
class TrainingChart:
    width: int
    height: float
    left: float
    right: float
    panels: list[Panel]
    x_ticks: list[Tick]
    markers: list[EpochMarker]
    first_point: Point | None  # the accuracy point of the first epoch at/over the threshold
    epochs: int
    summary: str
    legend: list[tuple[str, str]]  # (css class, text)


def nice_step(span: float, target_ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `target_ticks`."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / target_ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0


def axis_ticks(lo: float, hi: float, step: float) -> list[float]:
    """Every multiple of `step` from `lo` to `hi` (an axis's tick values; the band and duration
    charts use it too)."""
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


def _numbers(history: list[dict[str, Any]], key: str) -> list[tuple[int, float]]:
    out = []
    for i, row in enumerate(history):
        value = row.get(key)
        if isinstance(value, int | float) and math.isfinite(value):
            out.append((int(row.get("epoch", i + 1)), float(value)))
    return out


def training_chart(
    history: list[dict[str, Any]],
    threshold: float | None = None,
    first_reaching: int | None = None,
    stopped: int | None = None,
    stopped_early: bool = False,
    test_threshold: float | None = None,
    test_accuracy: float | None = None,
) -> TrainingChart | None:
    """Accuracy (with threshold line and markers) and loss per epoch, in two stacked panels."""
    if not history:
        return None
    acc_key = accuracy_key(history[0]) or next(
        (k for row in history for k in ACCURACY_KEYS if k in row), None
    )
    epochs = [int(row.get("epoch", i + 1)) for i, row in enumerate(history)]
    first_epoch, last_epoch = min(epochs), max(epochs)
    plot_left, plot_right = LEFT + 14, WIDTH - RIGHT - 14

    def x_of(epoch: float) -> float:
        if last_epoch == first_epoch:
            return (plot_left + plot_right) / 2
        return plot_left + (epoch - first_epoch) / (last_epoch - first_epoch) * (
            plot_right - plot_left
        )

    panels: list[Panel] = []
    legend: list[tuple[str, str]] = []
    top = 28.0
    acc = _numbers(history, acc_key) if acc_key else []
    val_acc = _numbers(history, f"val_{acc_key}") if acc_key else []
    first_point: Point | None = None
    if acc:
        values = [v for _, v in acc + val_acc]
        extra = [t for t in (threshold, test_threshold, test_accuracy) if t is not None]
        lo, hi = min(values + extra), max(values + extra)
        span = max(hi - lo, 0.01)
        lo, hi = max(0.0, lo - 0.12 * span), min(1.0, hi + 0.12 * span)
        step = nice_step(hi - lo)
        lo, hi = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
        hi = max(hi, lo + step)
        height = 190.0
        decimals = _decimals(step * 100)

        def y_acc(v: float, top: float = top, height: float = height) -> float:
            return top + (hi - v) / (hi - lo) * height

        panel = Panel(
            "accuracy",
            top,
            height,
            [Tick(y_acc(t), fixed_percent(t, decimals)) for t in axis_ticks(lo, hi, step)],
            [],
        )
        name = "training accuracy" if acc_key else "accuracy"
        panel.series.append(
            Series(
                acc_key or "accuracy",
                name,
                "acc",
                [
                    Point(x_of(e), y_acc(v), e, v, f"epoch {e}: {name} {fixed_percent(v)}")
                    for e, v in acc
                ],
            )
        )
        legend.append(("acc", name))
        if val_acc:
            panel.series.append(
                Series(
                    f"val_{acc_key}",
                    "validation accuracy",
                    "val-acc",
                    [
                        Point(
                            x_of(e),
                            y_acc(v),
                            e,
                            v,
                            f"epoch {e}: validation accuracy {fixed_percent(v)}",
                        )
                        for e, v in val_acc
                    ],
                )
            )
            legend.append(("val-acc", "validation accuracy"))
        if threshold is not None:
            panel.hlines.append(
                HLine(y_acc(threshold), threshold, f"threshold {percent(threshold)}", "threshold")
            )
            legend.append(("threshold", f"threshold: {percent(threshold)} training accuracy"))
        if test_threshold is not None:
            panel.hlines.append(
                HLine(
                    y_acc(test_threshold),
                    test_threshold,
                    f"test target {percent(test_threshold)}",
                    "test-threshold",
                )
            )
            legend.append(("test-threshold", f"test accuracy needed: {percent(test_threshold)}"))
        if test_accuracy is not None:
            label = f"test accuracy measured by the grader: {fixed_percent(test_accuracy)}"
            panel.points.append(
                Point(x_of(last_epoch), y_acc(test_accuracy), last_epoch, test_accuracy, label)
            )
            legend.append(("test-point", label))
        if first_reaching is not None:
            match = next((p for p in panel.series[0].points if p.epoch == first_reaching), None)
            first_point = match
        panels.append(panel)
        top += height + 38
    loss = _numbers(history, "loss")
    val_loss = _numbers(history, "val_loss")
    if loss:
        values = [v for _, v in loss + val_loss]
        hi = max(values) * 1.08 or 1.0
        lo = min(0.0, min(values))
        step = nice_step(hi - lo, 3)
        hi = math.ceil(hi / step - 1e-9) * step
        height = 100.0
        decimals = _decimals(step)

        def y_loss(v: float, top: float = top, height: float = height) -> float:
            return top + (hi - v) / (hi - lo) * height

        panel = Panel(
            "loss",
            top,
            height,
            [Tick(y_loss(t), f"{t:.{decimals}f}") for t in axis_ticks(lo, hi, step)],
            [
                Series(
                    "loss",
                    "training loss",
                    "loss",
                    [Point(x_of(e), y_loss(v), e, v, f"epoch {e}: loss {v:.4f}") for e, v in loss],
                )
            ],
        )
        legend.append(("loss", "training loss"))
        if val_loss:
            panel.series.append(
                Series(
                    "val_loss",
                    "validation loss",
                    "val-loss",
                    [
                        Point(x_of(e), y_loss(v), e, v, f"epoch {e}: validation loss {v:.4f}")
                        for e, v in val_loss
                    ],
                )
            )
            legend.append(("val-loss", "validation loss"))
        panels.append(panel)
        top += height
    if not panels:
        return None
    n = last_epoch - first_epoch + 1
    every = 1 if n <= 12 else (2 if n <= 24 else int(max(5, nice_step(n, 8))))
    x_ticks = [Tick(x_of(e), str(e)) for e in range(first_epoch, last_epoch + 1) if e % every == 0]
    if every >= 5 and first_epoch % every:
        x_ticks.insert(0, Tick(x_of(first_epoch), str(first_epoch)))
    markers: list[EpochMarker] = []
    if stopped is not None:
        word = "stopped early" if stopped_early else "training ended"
        markers.append(EpochMarker(x_of(stopped), stopped, f"{word}: epoch {stopped}", "stop"))
        legend.append(("stop", f"{word} after epoch {stopped}"))
    if first_reaching is not None and threshold is not None:
        markers.append(
            EpochMarker(
                x_of(first_reaching),
                first_reaching,
                f"first ≥ {percent(threshold)}: epoch {first_reaching}",
                "first",
            )
        )
        legend.append(("first", f"first epoch at or over {percent(threshold)}: {first_reaching}"))
    elif threshold is not None and acc:
        legend.append(("first", f"accuracy never reached {percent(threshold)}"))
    return TrainingChart(
        width=WIDTH,
        height=top + 42,
        left=LEFT,
        right=WIDTH - RIGHT,
        panels=panels,
        x_ticks=x_ticks,
        markers=markers,
        first_point=first_point,
        epochs=n,
        summary=_summary(acc, loss, threshold, first_reaching, stopped, stopped_early),
        legend=legend,
    )


def _summary(
    acc: list[tuple[int, float]],
    loss: list[tuple[int, float]],
    threshold: float | None,
    first_reaching: int | None,
    stopped: int | None,
    stopped_early: bool,
) -> str:
    parts = []
    n = len(acc or loss)
    if acc:
        parts.append(
            f"Training accuracy went from {fixed_percent(acc[0][1])} to "
            f"{fixed_percent(acc[-1][1])} "
            f"over {n} epoch{'s' if n != 1 else ''}"
        )
    elif loss:
        parts.append(
            f"No accuracy was logged; loss went from {loss[0][1]:.4f} to {loss[-1][1]:.4f} "
            f"over {n} epoch{'s' if n != 1 else ''}"
        )
    if threshold is not None and acc:
        if first_reaching is not None:
            parts.append(f"it first reached {percent(threshold)} at epoch {first_reaching}")
        else:
            parts.append(f"it never reached {percent(threshold)}")
    if stopped is not None:
        parts.append(
            f"training {'was stopped' if stopped_early else 'ended'} after epoch {stopped}"
        )
    return "; ".join(parts) + "." if parts else ""


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str
    lo: float
    hi: float
    full: bool  # the bin of full marks


@dataclass
class Histogram:
    width: int
    height: int
    base: float
    bars: list[Bar]
    y_ticks: list[Tick]
    left: float
    right: float
    summary: str


def score_histogram(scores: list[float], max_score: float) -> Histogram:
    """Submissions per score: one bar per point when marks are whole points, else per tenth."""
    width, height, left, right, top, base = 560, 200, 40, 548, 14, 160
    whole = max_score <= 20 and float(max_score).is_integer()
    if whole:
        edges = [(float(i), float(i)) for i in range(int(max_score) + 1)]
    else:
        tenth = max_score / 10 if max_score else 0.1
        edges = [(i * tenth, (i + 1) * tenth) for i in range(10)]
    counts = [0] * len(edges)
    for s in scores:
        if whole:
            index = min(len(edges) - 1, max(0, math.floor(s + 1e-9)))
        else:
            index = min(len(edges) - 1, max(0, math.floor(s / (max_score or 1) * 10 + 1e-9)))
        counts[index] += 1
    peak = max([*counts, 1])
    step = max(1, math.ceil(nice_step(peak, 4)))
    ceiling = max(step, math.ceil(peak / step) * step)
    slot = (right - left) / len(edges)
    bars = []
    for (lo, hi), count in zip(edges, counts, strict=True):
        i = len(bars)
        h = count / ceiling * (base - top)
        label = f"{lo:g}" if whole else f"{lo:g}–{hi:g}"
        bars.append(
            Bar(
                x=left + i * slot + slot * 0.12,
                y=base - h,
                width=slot * 0.76,
                height=h,
                count=count,
                label=label,
                lo=lo,
                hi=hi,
                full=(whole and lo == max_score) or (not whole and i == len(edges) - 1),
            )
        )
    y_ticks = [Tick(base - t / ceiling * (base - top), str(t)) for t in range(0, ceiling + 1, step)]
    summary = ", ".join(f"{b.count} with {b.label}" for b in bars if b.count)
    return Histogram(width, height, base, bars, y_ticks, left, right, summary)
