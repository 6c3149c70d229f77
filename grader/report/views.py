"""What the templates show, computed from the result model: one small view object per section.

The templates only lay these out; every decision (what differs, what is cut, which marker goes
where) is made here, where it can be tested without parsing HTML.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import grader
from grader.exercises import ExerciseSpec
from grader.report.charts import (
    ACCURACY_KEYS,
    Histogram,
    TrainingChart,
    score_histogram,
    training_chart,
)
from grader.report.noise import split_noise
from grader.report.notebook_view import AsRanView, as_ran_view
from grader.report.text import CutText, Segment, char_diff_segments, cut_middle, replay_terminal
from grader.report.text import shorten as shorten_text
from grader.results import CheckResult, GradeReport, SubmissionResult

# Status shown as an icon *and* a word (never colour alone).
CHECK_STATUS = {
    "pass": ("✓", "pass"),
    "fail": ("✗", "fail"),
    "error": ("!", "error"),
    "skip": ("–", "skipped"),
}
VERSION_NAMES = {"python": "Python", "tensorflow": "TensorFlow", "keras": "Keras", "numpy": "NumPy"}
MESSAGE_LIMIT = 500


def fmt_points(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}"


def fmt_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 90:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def fmt_when(iso: str) -> str:
    if not iso:
        return "unknown time"
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    zone = when.strftime("%Z") if when.tzinfo else ""
    zone = "UTC" if zone in ("UTC", "UTC+00:00") else zone
    return when.strftime("%Y-%m-%d %H:%M") + (f" {zone}" if zone else "")


def fmt_bytes(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"


@dataclass(frozen=True)
class Verdict:
    css: str  # pass, fail, error, timeout
    icon: str
    word: str
    score: str
    max_score: str
    percent: float


def verdict(result: SubmissionResult) -> Verdict:
    pct = (result.score / result.max_score * 100) if result.max_score else 0.0
    score, top = fmt_points(result.score), fmt_points(result.max_score)
    if result.passed:
        return Verdict("pass", "✓", "Passed", score, top, pct)
    if result.status == "timeout":
        return Verdict("timeout", "⏱", "Timed out", score, top, pct)
    if result.status == "error":
        return Verdict("error", "!", "Could not be graded", score, top, pct)
    return Verdict("fail", "✗", "Not passed yet", score, top, pct)


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
        icon, word = CHECK_STATUS.get(c.status, ("?", c.status))
        short, was_cut = shorten_text(c.message, MESSAGE_LIMIT)
        rows.append(
            CheckRow(
                c.id,
                c.status,
                icon,
                word,
                fmt_points(c.score),
                fmt_points(c.max_score),
                short,
                c.message if was_cut else "",
                c.hint,
            )
        )
    return rows


def _check(result: SubmissionResult, check_id: str) -> CheckResult | None:
    return next((c for c in result.checks if c.id == check_id), None)


# -- architecture -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerView:
    cls: str
    units: str
    activation: str
    output_shape: str


@dataclass
class ArchRow:
    expected: LayerView | None
    student: LayerView | None
    state: str  # same, differs, missing, extra
    notes: list[str] = field(default_factory=list)
    diff: set[str] = field(default_factory=set)  # fields that differ: cls, units, activation, shape

    @property
    def icon(self) -> str:
        return {"same": "✓", "differs": "≠", "missing": "−", "extra": "+"}[self.state]

    @property
    def word(self) -> str:
        return {
            "same": "as expected",
            "differs": "differs",
            "missing": "missing",
            "extra": "extra",
        }[self.state]


@dataclass
class ArchitectureView:
    status: str
    icon: str
    word: str
    message: str
    rows: list[ArchRow]
    expected_text: str
    compile: dict[str, Any]
    has_model: bool


def _shape(shape: Any) -> str:
    if not shape:
        return "?"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _student_layer(layer: Mapping[str, Any]) -> LayerView:
    units = layer.get("units")
    return LayerView(
        str(layer.get("class", "?")),
        "" if units is None else str(units),
        str(layer.get("activation") or ""),
        _shape(layer.get("output_shape")),
    )


def expected_layers(spec: ExerciseSpec) -> tuple[LayerView, LayerView, LayerView]:
    arch = spec.architecture
    flat = math.prod(arch.input_shape)
    return (
        LayerView("Flatten", "", "", f"(None, {flat})"),
        LayerView("Dense", "any", arch.hidden_activation, "(None, n)"),
        LayerView("Dense", str(arch.output_units), "softmax", f"(None, {arch.output_units})"),
    )


def architecture_view(result: SubmissionResult, spec: ExerciseSpec) -> ArchitectureView | None:
    check = _check(result, "architecture")
    if check is None:
        return None
    layers: list[dict[str, Any]] = list(check.details.get("layers") or [])
    from_logits = bool((result.training or {}).get("compile", {}).get("from_logits"))
    exp_flat, exp_hidden, exp_out = expected_layers(spec)
    arch = spec.architecture
    dense = [i for i, layer in enumerate(layers) if layer.get("class") == "Dense"]
    out_i = dense[-1] if dense else None
    hidden = dense[:-1]
    hid_i = next(
        (i for i in hidden if layers[i].get("activation") == arch.hidden_activation),
        hidden[0] if hidden else None,
    )
    first_dense = dense[0] if dense else len(layers)
    flat_i = next(
        (i for i in range(first_dense) if layers[i].get("class") in ("Flatten", "Reshape")), None
    )
    rows: list[ArchRow] = []
    flat_missing = flat_i is None
    hidden_missing = hid_i is None

    def missing(expected: LayerView, note: str) -> ArchRow:
        return ArchRow(expected, None, "missing", [note], {"cls"})

    for i, layer in enumerate(layers):
        if flat_missing and i == first_dense:
            rows.append(missing(exp_flat, "no Flatten before the first Dense layer"))
            flat_missing = False
        if hidden_missing and i == out_i:
            rows.append(missing(exp_hidden, f"no hidden Dense layer with {arch.hidden_activation}"))
            hidden_missing = False
        view = _student_layer(layer)
        row: ArchRow
        shape = layer.get("output_shape")
        if i == flat_i:
            row = ArchRow(exp_flat, view, "same")
        elif i == hid_i:
            row = ArchRow(exp_hidden, view, "same")
            if layer.get("activation") != arch.hidden_activation:
                row.diff.add("activation")
                row.notes.append(f"expected activation {arch.hidden_activation}")
        elif i == out_i:
            row = ArchRow(exp_out, view, "same")
            if layer.get("units") != arch.output_units:
                row.diff.add("units")
                row.notes.append(f"expected {arch.output_units} units, one per class")
            act = layer.get("activation")
            if act == "linear" and from_logits:
                row.notes.append("outputs logits, with from_logits=True in the loss: fine")
            elif act != "softmax":
                row.diff.add("activation")
                row.notes.append(
                    "outputs logits but the loss expects probabilities"
                    if act == "linear"
                    else "expected softmax (or logits with from_logits=True)"
                )
        else:
            row = ArchRow(None, view, "extra")
            row.notes.append(
                "extra hidden layer (allowed)" if layer.get("class") == "Dense" else "allowed"
            )
        if layer.get("class") == "Dense" and shape and len(shape) > 2:
            row.diff.add("shape")
            row.notes.append("more than one row per image: the input was never flattened")
        if row.diff and row.state == "same":
            row.state = "differs"
        rows.append(row)
    if layers:
        if flat_missing:
            rows.insert(0, missing(exp_flat, "no Flatten layer"))
        if hidden_missing:
            rows.append(missing(exp_hidden, f"no hidden Dense layer with {arch.hidden_activation}"))
        if out_i is None:
            rows.append(missing(exp_out, "no Dense output layer"))
    else:
        rows = [ArchRow(e, None, "missing", []) for e in (exp_flat, exp_hidden, exp_out)]
    icon, word = CHECK_STATUS.get(check.status, ("?", check.status))
    compile_info = dict((result.training or {}).get("compile") or {})
    return ArchitectureView(
        check.status,
        icon,
        word,
        shorten_text(check.message, MESSAGE_LIMIT)[0],
        rows,
        str(check.details.get("expected", "")),
        compile_info,
        bool(layers),
    )


# -- stop message -----------------------------------------------------------------------------


@dataclass
class StopMessageView:
    status: str
    icon: str
    word: str
    message: str
    expected: str
    printed: str | None
    state: str  # exact, near_miss, elsewhere, missing, not_checked
    expected_segments: list[Segment]
    printed_segments: list[Segment]
    epoch: int | None


def stop_message_view(result: SubmissionResult, spec: ExerciseSpec) -> StopMessageView | None:
    check = _check(result, "stop_message")
    if check is None and not spec.stop_message:
        return None
    details = check.details if check else {}
    expected = str(details.get("expected") or spec.stop_message or "")
    printed = details.get("printed")
    printed = None if printed is None else str(printed)
    status = check.status if check else "skip"
    if status == "skip" or check is None:
        state = "not_checked"
    elif status == "pass":
        state = "exact"
    elif printed is not None and printed != expected:
        state = "near_miss"
    elif printed is not None:
        state = "elsewhere"
    else:
        state = "missing"
    left, right = ([], [])
    if state == "near_miss" and printed is not None:
        left, right = char_diff_segments(expected, printed)
    icon, word = CHECK_STATUS.get(status, ("?", status))
    epoch = details.get("epoch")
    return StopMessageView(
        status,
        icon,
        word,
        check.message if check else "",
        expected,
        printed,
        state,
        left,
        right,
        int(epoch) if isinstance(epoch, int) else None,
    )


# -- training ---------------------------------------------------------------------------------


def _first_reaching(history: list[dict[str, Any]], threshold: float) -> int | None:
    for i, row in enumerate(history):
        acc = next((row[k] for k in ACCURACY_KEYS if isinstance(row.get(k), int | float)), None)
        if acc is not None and acc >= threshold:
            return int(row.get("epoch", i + 1))
    return None


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
        first = _first_reaching(history, threshold) if threshold is not None else None
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
        ("grader", grader.__version__),
        ("exercise spec", (spec.spec_hash[:12] or "?") + f" ({spec.id})"),
        ("file", result.path),
    ]
    return rows


# -- the whole page ---------------------------------------------------------------------------


@dataclass
class SubmissionPage:
    result: SubmissionResult
    spec: ExerciseSpec
    verdict: Verdict
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
    as_ran: AsRanView | None = None  # the notebook's cells / the module's figures


def _figures(result: SubmissionResult) -> list[tuple[str, str]]:
    training = result.training or {}
    figures = []
    if training.get("epochs_run") is not None:
        requested = training.get("epochs_requested")
        figures.append(
            ("epochs run", f"{training['epochs_run']}" + (f" of {requested}" if requested else ""))
        )
    if result.train_accuracy is not None:
        figures.append(("training accuracy (re-measured)", f"{result.train_accuracy:.2%}"))
    if result.test_accuracy is not None:
        figures.append(("test accuracy (re-measured)", f"{result.test_accuracy:.2%}"))
    return figures


def submission_page(result: SubmissionResult, spec: ExerciseSpec) -> SubmissionPage:
    checks = check_rows(result)
    keys, rows = history_table(result)
    return SubmissionPage(
        result=result,
        spec=spec,
        verdict=verdict(result),
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
        when=fmt_when(result.graded_at),
        duration=fmt_duration(result.duration_s),
        figures=_figures(result),
        as_ran=as_ran_view(result),
    )


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


def index_page(
    report: GradeReport, links: Mapping[str, str], title: str, downloads: list[str]
) -> ClassPage:
    rows = []
    order: list[str] = []
    groups: dict[str, FailureGroup] = {}
    for s in report.submissions:
        v = verdict(s)
        link = links.get(s.id, "")
        failing = [c.id for c in s.checks if c.status in ("fail", "error")]
        first = s.first_failure()
        rows.append(
            IndexRow(
                s.id,
                link,
                v.css,
                v.icon,
                {"pass": "passed", "fail": "not passed", "error": "error", "timeout": "timed out"}[
                    v.css
                ],
                s.score,
                s.max_score,
                f"{fmt_points(s.score)} / {fmt_points(s.max_score)}",
                v.percent,
                failing,
                s.duration_s,
                fmt_duration(s.duration_s),
                first.hint if first else "",
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
        mean=f"{round(statistics.fmean(scores), 2):g}" if scores else "–",
        median=f"{round(statistics.median(scores), 2):g}" if scores else "–",
        max_score=fmt_points(max_score),
        errors=sum(s.status != "graded" for s in report.submissions),
        histogram=score_histogram(scores, max_score) if scores else None,
        failures=sorted(groups.values(), key=lambda g: (-g.count, order.index(g.check))),
        failing_checks=[(cid, n) for cid, n in failing_counts if n],
        downloads=downloads,
    )
