"""What every check receives and returns: the evidence and measurement in, a verdict out."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from grader.grading.evaluate import Measurement
from grader.grading.evidence import Evidence, FitCall
from grader.grading.hints import hint_text
from grader.results import CheckStatus

if TYPE_CHECKING:
    from grader.grading.rules import Finding
    from grader.spec.exercise import ExerciseSpec


@dataclass(frozen=True)
class RunSummary:
    """How the child ended, as the grader itself observed it."""

    timed_out: bool
    returncode: int | None
    duration_s: float
    timeout_s: float


@dataclass(frozen=True)
class CheckContext:
    spec: ExerciseSpec
    evidence: Evidence
    measurement: Measurement
    run: RunSummary
    # What the static pre-checks saw in the code (`grader.grading.rules`): each names a hint, the
    # student's line and the check it explains (see `grader.grading.checks.findings`).
    findings: tuple[Finding, ...] = ()
    # False when the evaluator's own measurement contradicts the training the child reported
    # (no loadable model, or far lower accuracy than logged): the stream may be forged.
    evidence_confirmed: bool = True
    # Why the reported epochs cannot be the saved model's training (`grader.grading.checks.trust`).
    forged: str = ""


@dataclass(frozen=True)
class Verdict:
    status: CheckStatus
    message: str
    hint_id: str = ""
    hint_values: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def hint(self) -> str:
        return hint_text(self.hint_id, **self.hint_values) if self.hint_id else ""


CheckFn = Callable[[CheckContext], Verdict]


def passed(message: str, **details: Any) -> Verdict:
    return Verdict("pass", message, details=details)


def failed(message: str, hint_id: str = "", **details: Any) -> Verdict:
    return Verdict("fail", message, hint_id=hint_id, details=details)


def skipped(message: str) -> Verdict:
    return Verdict("skip", message)


def no_training(ctx: CheckContext) -> Verdict | None:
    """The shared verdict for checks that need a training run, when there is none to judge.

    A run that raised nothing but trained no epoch earns nothing for training (a fail); when an
    error or the time limit stopped it first, `runs` has already said why (a skip)."""
    fit = ctx.evidence.graded_fit
    if fit is not None and fit.epochs:
        return None
    if fit is not None and fit.unfollowed_epochs:
        return blind_spot(fit.unfollowed_epochs)
    stopped = ctx.evidence.failure is not None or ctx.run.timed_out or not ctx.evidence.started
    if stopped or (fit is not None and fit.error):
        if fit is None:
            return skipped("no training run to judge (see `runs`)")
        return skipped("training ended with an error before any epoch was recorded (see `runs`)")
    if fit is None:
        return failed("the model was never trained: the code never called `fit`", "no_training")
    if fit.epochs_requested == 0:
        return failed(
            "the model was never trained: `fit` was called with `epochs=0`", "zero_epochs"
        )
    return failed("the model was never trained: `fit` ran no epoch", "zero_epochs")


def blind_spot(epochs: int) -> Verdict:
    """Keras says it trained (its History) but the grader's recorder saw no epoch: the grader
    could not follow the call. Said as the grader's limitation, never the student's mistake."""
    return Verdict(
        "error",
        f"Keras ran {epochs} epoch(s) (its own History says so) but the grader could not follow "
        "them: a limitation of the grader, not a mistake in your code",
        hint_id="grader_blind_spot",
    )


def training_accuracies(fit: FitCall) -> list[float | None]:
    return [epoch.accuracy() for epoch in fit.epochs]


def visible(text: str) -> str:
    """Text with newlines, tabs and other invisible characters written as escapes."""
    return text.encode("unicode_escape").decode("ascii")


def char_diff(expected: str, got: str) -> str:
    """A one-line character diff: `[-removed-]` and `{+added+}` around what differs."""
    parts = []
    matcher = difflib.SequenceMatcher(a=expected, b=got, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(visible(expected[a1:a2]))
            continue
        if a2 > a1:
            parts.append(f"[-{visible(expected[a1:a2])}-]")
        if b2 > b1:
            parts.append(f"{{+{visible(got[b1:b2])}+}}")
    return "".join(parts)
