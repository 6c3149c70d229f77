"""What a submission's report shows, computed from the result model: one small view per section.

The template (`submission.html.j2`) only lays these out; every decision (what differs, what is
cut, which marker goes where) is made here, where it can be tested without parsing HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from grader.formatting import duration, fixed_percent, points, status_mark, when
from grader.grading.fit_evidence import first_epoch_reaching_in
from grader.report.charts import (
    TrainingChart,
    training_chart,
)
from grader.report.check_views import (
    ArchitectureView,
    StopMessageView,
    architecture_view,
    stop_message_view,
)
from grader.report.noise import split_noise
from grader.report.notebook_view import AsRanView, as_ran_view
from grader.report.seed_view import SeedView, seed_view
from grader.report.text import MESSAGE_LIMIT, CutText, cut_middle, replay_terminal
from grader.report.text import shorten as shorten_text
from grader.results import CheckResult, SubmissionResult
from grader.spec.exercise import ExerciseSpec
from grader.version import __version__

VERSION_NAMES = {"python": "Python", "tensorflow": "TensorFlow", "keras": "Keras", "numpy": "NumPy"}


@dataclass(frozen=True)
class Badge:
    css: str  # pass, fail, error, timeout
    icon: str
    word: str
    score: str
    max_score: str
    percent: float


def badge(result: SubmissionResult) -> Badge:
    pct = (result.score / result.max_score * 100) if result.max_score else 0.0
    score, top = points(result.score), points(result.max_score)
    if result.passed:
        return Badge("pass", "✓", "Passed", score, top, pct)
    if result.status == "timeout":
        return Badge("timeout", "⏱", "Timed out", score, top, pct)
    if result.status == "error":
        return Badge("error", "!", "Could not be graded", score, top, pct)
    if result.status == "missing":
        return Badge("missing", "∅", "No submission", score, top, pct)
    return Badge("fail", "✗", "Not passed yet", score, top, pct)


@dataclass(frozen=True)
class CheckRow:
    id: str
    status: str
    icon: str
    word: str
    score: str
    max_score: str
    message: str
    message_full: str  # empty unless the message was shortened
    hint: str


def check_rows(result: SubmissionResult) -> list[CheckRow]:
    rows = []
    for c in result.checks:
        icon, word = status_mark(c.status)
        short, was_cut = shorten_text(c.message, MESSAGE_LIMIT)
        rows.append(
            CheckRow(
                c.id,
                c.status,
                icon,
                word,
                points(c.score),
                points(c.max_score),
                short,
                c.message if was_cut else "",
                c.hint,
            )
        )
    return rows


def _check(result: SubmissionResult, check_id: str) -> CheckResult | None:
    return next((c for c in result.checks if c.id == check_id), None)


# -- training ---------------------------------------------------------------------------------


def chart_view(result: SubmissionResult, spec: ExerciseSpec) -> TrainingChart | None:
    training = result.training or {}
    history = [row for row in training.get("history") or [] if isinstance(row, dict)]
    if not history:
        return None
    early = _check(result, "early_stop")
    details = early.details if early else {}
    threshold = spec.accuracy_threshold
    if threshold is None and isinstance(details.get("threshold"), int | float):
        threshold = float(details["threshold"])
    # What is plotted is the history: markers go on its epochs (the check saw the same fit).
    epochs = {int(row.get("epoch", i + 1)) for i, row in enumerate(history)}
    first = details.get("first_reaching_epoch")
    if first not in epochs:
        first = first_epoch_reaching_in(history, threshold) if threshold is not None else None
    stopped = int(history[-1].get("epoch", len(history)))
    return training_chart(
        history,
        threshold=threshold,
        first_reaching=first,
        stopped=stopped,
        stopped_early=bool(training.get("stopped_early")),
        test_threshold=spec.test_accuracy_threshold,
        test_accuracy=result.test_accuracy if spec.test_accuracy_threshold is not None else None,
    )


def history_table(result: SubmissionResult) -> tuple[list[str], list[list[str]]]:
    history = [row for row in (result.training or {}).get("history") or [] if isinstance(row, dict)]
    if not history:
        return [], []
    keys = [k for k in history[0] if k != "epoch"]
    rows = []
    for i, row in enumerate(history):
        cells = [str(row.get("epoch", i + 1))]
        for k in keys:
            v = row.get(k)
            cells.append(f"{v:.4f}" if isinstance(v, int | float) else "")
        rows.append(cells)
    return keys, rows


# -- code and output --------------------------------------------------------------------------


@dataclass
class CodeView:
    label: str
    line: int
    error: str
    error_full: str
    lines: list[tuple[int, str, bool]]


def code_view(result: SubmissionResult) -> CodeView | None:
    loc = result.error_location
    if loc is None:
        return None
    short, was_cut = shorten_text(result.error, 1200)
    lines = [(int(n), str(text), int(n) == loc.line) for n, text in loc.excerpt]
    return CodeView(loc.label(), loc.line, short, result.error if was_cut else "", lines)


@dataclass
class OutputView:
    text: CutText
    chars: int
    lines: int
    replayed: bool  # carriage returns / backspaces were applied
    truncated_by_grader: bool
    noise_lines: int = 0  # start-up lines of TensorFlow & co. left out of `text`
    raw: CutText | None = None  # the output as captured, when lines were left out


def output_view(result: SubmissionResult) -> OutputView | None:
    if not result.output:
        return None
    student, noise = split_noise(result.output)  # the grader's own start-up lines left out
    shown = replay_terminal(student).strip("\n")
    replayed = "\r" in result.output or "\x08" in result.output
    raw = cut_middle(replay_terminal(result.output).strip("\n")) if noise else None
    return OutputView(
        cut_middle(shown),
        len(result.output),
        shown.count("\n") + 1 if shown else 0,
        replayed,
        result.output_truncated,
        noise,
        raw,
    )


def environment(result: SubmissionResult, spec: ExerciseSpec) -> list[tuple[str, str]]:
    rows = [(VERSION_NAMES.get(k, k), str(v)) for k, v in result.versions.items()]
    if not result.versions:
        rows.append(("TensorFlow / Keras", "not recorded (the code did not start)"))
    rows += [
        ("seed", str(result.seed)),
        ("isolation level", result.isolation or "unknown"),
    ]
    if result.limits:
        rows += [(f"limit: {k.replace('_', ' ')}", str(v)) for k, v in result.limits.items()]
    else:
        rows.append(("limits", "none applied"))
    rows += [
        ("grader", __version__),
        ("exercise spec", (spec.spec_hash[:12] or "?") + f" ({spec.id})"),
        ("file", result.path),
    ]
    return rows


# -- the whole page ---------------------------------------------------------------------------


@dataclass
class SubmissionPage:
    result: SubmissionResult
    spec: ExerciseSpec
    verdict: Badge
    checks: list[CheckRow]
    first_failure: CheckRow | None
    code: CodeView | None
    stop: StopMessageView | None
    chart: TrainingChart | None
    history_keys: list[str]
    history_rows: list[list[str]]
    architecture: ArchitectureView | None
    output: OutputView | None
    environment: list[tuple[str, str]]
    when: str
    duration: str
    figures: list[tuple[str, str]]
    adjustment: AdjustmentView | None = None
    as_ran: AsRanView | None = None  # the notebook's cells / the module's figures
    seeds: SeedView | None = None  # a verdict decided on several seeds
    comments: list[CommentView] | None = None  # the instructor's, in released feedback only


class Note(Protocol):
    """A comment for the student (grader.classroom.gradebook.Comment has this shape)."""

    text: str
    user: str
    at: str


@dataclass(frozen=True)
class CommentView:
    text: str
    by: str
    when: str


def _figures(result: SubmissionResult) -> list[tuple[str, str]]:
    training = result.training or {}
    figures = []
    if training.get("epochs_run") is not None:
        requested = training.get("epochs_requested")
        figures.append(
            ("epochs run", f"{training['epochs_run']}" + (f" of {requested}" if requested else ""))
        )
    if result.train_accuracy is not None:
        figures.append(("training accuracy (re-measured)", fixed_percent(result.train_accuracy)))
    if result.test_accuracy is not None:
        figures.append(("test accuracy (re-measured)", fixed_percent(result.test_accuracy)))
    return figures


def submission_page(
    result: SubmissionResult, spec: ExerciseSpec, comments: Sequence[Note] = ()
) -> SubmissionPage:
    """The report's view; `comments` (the instructor's notes) only in released feedback."""
    checks = check_rows(result)
    keys, rows = history_table(result)
    return SubmissionPage(
        result=result,
        spec=spec,
        verdict=badge(result),
        checks=checks,
        first_failure=next((c for c in checks if c.status in ("fail", "error")), None),
        code=code_view(result),
        stop=stop_message_view(result, spec),
        chart=chart_view(result, spec),
        history_keys=keys,
        history_rows=rows,
        architecture=architecture_view(result, spec),
        output=output_view(result),
        environment=environment(result, spec),
        when=when(result.graded_at),
        duration=duration(result.duration_s),
        figures=_figures(result),
        adjustment=adjustment_view(result),
        as_ran=as_ran_view(result),
        seeds=seed_view(result, spec),
        comments=[CommentView(c.text, c.user, when(c.at)) for c in comments] or None,
    )


@dataclass(frozen=True)
class AdjustmentView:
    """The submission report's note on the final score: lateness and human overrides."""

    raw_score: str
    final_score: str
    late: str
    late_penalty: str
    overrides: list[tuple[str, str, str]]  # (what, change, who/when/why)
    reviews: list[str]


def adjustment_view(result: SubmissionResult) -> AdjustmentView | None:
    adj = result.adjustments
    if adj is None or (not adj.overrides and (adj.late is None or adj.late.late_s <= 0)):
        return None
    overrides = [
        (
            f"check {o.check}" if o.check else "the whole score",
            f"{points(o.auto_score)} → {points(o.score)}" + ("" if o.applied else " (not applied)"),
            f"{o.reason} — {o.user}, {when(o.at)}",
        )
        for o in adj.overrides
    ]
    late = adj.late
    return AdjustmentView(
        points(adj.raw_score),
        points(result.score),
        late.explanation if late and late.late_s > 0 else "",
        points(late.penalty_points) if late else "0",
        overrides,
        [o.review for o in adj.overrides if o.review],
    )
