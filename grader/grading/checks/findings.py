"""How static findings (`grader.grading.rules`) sharpen the verdicts of the checks.

The run's evidence decides every status; a finding never passes or fails a check by itself. What
it adds is the reason and the place: a check that fails with a generic hint (an exception the
grader cannot name, training that went on) takes the hint of the finding that explains it, and
every check that shows a finding's hint points at the student's own line. A passing check carries
the notes the task accepts but remarks on (`>` instead of `>=`, softmax with `from_logits=True`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from grader.grading.checks.base import CheckContext, Verdict

if TYPE_CHECKING:
    from grader.grading.rules import Finding

# Hints that say something went wrong without saying what: any finding for the check is better.
GENERIC_HINTS = frozenset(
    {"", "runtime_error", "keep_training", "low_test_accuracy", "stopped_late"}
)

# A symptom several mistakes share, and the static hints that tell them apart. The key is the hint
# the check gives from the run's evidence alone; a finding with one of the listed hints replaces it.
SHARPER: dict[str, tuple[str, ...]] = {
    # `logs.get(...)` returned None: the wrong key, or no accuracy metric compiled at all.
    "acc_key": ("missing_metrics",),
    # KeyError 'acc': from `logs['acc']` in the callback or `history.history['acc']` after fit.
    "history_acc_key": ("acc_key",),
    # A shape error: a missing Flatten, or a declared input shape that does not match the images.
    "missing_flatten": ("input_shape",),
    # "missing 1 required positional argument": the class passed, or a hook's wrong signature.
    "callback_class_passed": ("callback_signature",),
    # no attribute 'set_model': a class passed (not an instance) that also is not a Callback.
    "callback_base_class": ("callback_class_passed",),
    # training went on: the hook was misspelled, or the flag was set on the callback.
    "callback_not_passed": ("callback_signature", "self_stop_training"),
    "message_text": ("message_slash_n",),
    # NameError: `tf` used with no `import tensorflow as tf` (the import line to add).
    "name_not_defined": ("missing_import",),
    # The starter's placeholders left as they were: `history = None`, a model with no layers.
    "no_training": ("starter_unfilled",),
    "model_not_built": ("starter_unfilled",),
    "module_not_available": ("module_not_available",),
}


# A mistake in the model's shape shows at run time as one of these exceptions only: a run that
# failed otherwise (a RuntimeError of a data set, an error in a later experiment) is not explained
# by a Flatten missing from some model of the notebook.
SHAPE_HINTS = frozenset({"missing_flatten", "input_shape", "output_units"})
SHAPE_ERRORS = frozenset({"ValueError", "InvalidArgumentError", "TypeError"})


def _could_raise(finding: Finding, exc_type: str) -> bool:
    return finding.hint_id not in SHAPE_HINTS or exc_type in SHAPE_ERRORS


def _candidates(check_id: str, verdict: Verdict, ctx: CheckContext) -> list[Finding]:
    """The mistakes that may explain this failing check, best first."""
    hint = verdict.hint_id
    mistakes = [f for f in ctx.findings if f.kind == "mistake" and f.explains(check_id)]
    if verdict.status == "skip":
        # Not judged at run time: name what the code shows for this check, nothing borrowed.
        return [f for f in mistakes if f.check == check_id]
    sharper = SHARPER.get(hint, ())
    if hint in GENERIC_HINTS:
        usable = mistakes
    else:
        usable = [f for f in mistakes if f.hint_id == hint or f.hint_id in sharper]
    failure = ctx.evidence.failure if check_id == "runs" else None
    if failure is not None:
        usable = [
            f
            for f in usable
            if _names_what_failed(f, failure.message) and _could_raise(f, failure.exc_type)
        ]

    def rank(f: Finding) -> tuple[int, int, int]:
        at_failure = failure is not None and (f.cell, f.line) == (failure.cell, failure.line)
        return (
            0 if at_failure else 1,  # the line that raised is the best evidence there is
            0 if f.hint_id == hint else (1 if f.hint_id in sharper else 2),
            0 if f.check == check_id else 1,
        )

    return sorted(usable, key=rank)  # stable: reading order within a rank


def _names_what_failed(finding: Finding, message: str) -> bool:
    """A finding about one name or module (`tf`, `seaborn`) explains only an error naming it."""
    values = dict(finding.values)
    named = values.get("name") or values.get("module")
    return not named or f"'{named}" in message


def _hint_values(ctx: CheckContext) -> dict[str, object]:
    return {"max_epochs": ctx.spec.max_epochs, "entry_point": ctx.spec.entry_point or "train"}


def _located(
    check_id: str, verdict: Verdict, finding: Finding, ctx: CheckContext, relevant: list[Finding]
) -> Verdict:
    """The verdict with the finding's hint, and the student's line in message and details."""
    details = dict(verdict.details)
    details["source"] = {"cell": finding.cell, "line": finding.line, "text": finding.text}
    details["findings"] = [f.to_dict() for f in relevant]
    where = f"{finding.label()}: `{finding.text.strip()}`"
    failure = ctx.evidence.failure if check_id == "runs" else None
    if failure is not None and (failure.cell, failure.line) == (finding.cell, finding.line):
        message = verdict.message  # `runs` already names the line that raised
    elif verdict.status == "skip":
        message = f"{verdict.message}; but see {where}"
    elif finding.kind == "note":
        message = f"{verdict.message} (note: {where})"
    else:
        message = f"{verdict.message} (see {where})"
    same = finding.hint_id == verdict.hint_id
    values = verdict.hint_values if same and verdict.hint_values else _hint_values(ctx)
    if finding.values:
        values = {**_hint_values(ctx), **dict(finding.values)}
    return replace(
        verdict,
        message=message,
        hint_id=finding.hint_id,
        hint_values=values,
        details=details,
    )


def explain(check_id: str, verdict: Verdict, ctx: CheckContext) -> Verdict:
    """The check's verdict with the static findings that explain it."""
    relevant = [f for f in ctx.findings if f.explains(check_id)]
    if not relevant:
        return verdict
    if verdict.status == "pass":
        notes = [f for f in relevant if f.kind == "note"]
        chosen = next((f for f in notes if f.hint_id == verdict.hint_id), None)
        if chosen is None and not verdict.hint_id and notes:
            chosen = notes[0]
        if chosen is None:
            return verdict
        return _located(check_id, verdict, chosen, ctx, notes)
    candidates = _candidates(check_id, verdict, ctx)
    if not candidates:
        return verdict
    mistakes = [f for f in relevant if f.kind == "mistake"]
    return _located(check_id, verdict, candidates[0], ctx, mistakes)
