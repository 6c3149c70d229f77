"""`runs`: did the submission run to the end and train a model?"""

from __future__ import annotations

import re
from dataclasses import replace

from grader.grading.checks.base import CheckContext, Verdict, blind_spot, failed, passed
from grader.grading.evidence import RuntimeFailure

# (exception type or None for any, pattern in the message, hint id); first match wins.
_FAILURE_HINTS: list[tuple[str | None, str, str]] = [
    ("TypeError", r"NoneType.*(float|int)|(float|int).*NoneType", "acc_key"),
    ("KeyError", r"^'?(acc|val_acc)'?$", "history_acc_key"),
    # The logs have no accuracy at all: nothing was compiled under that name (row 19).
    ("KeyError", r"^'?accuracy'?$", "missing_metrics"),
    # Before the generic "missing 1 required positional argument": a hook's own signature.
    ("TypeError", r"on_epoch_end\(\) (takes|missing|got)", "callback_signature"),
    (
        None,
        r"missing 1 required positional argument|set_model\(\) missing",
        "callback_class_passed",
    ),
    (
        "AttributeError",
        r"has no attribute '(set_model|set_params|_implements)",
        "callback_base_class",
    ),
    (
        None,
        r"not recognized: \{'lr'|Argument\(s\) not recognized.*lr|has no attribute "
        r"'(Session|AdamOptimizer|placeholder)'|tf\.train\.|lr is not supported",
        "tf1_api",
    ),
    ("NameError", r"", "name_not_defined"),
    ("KernelDied", r"", "kernel_died"),  # the harness's own report: no exception of the student's
    # Keras 2 code on Keras 3: `self.model = model` in a callback; a Keras 2 module path.
    ("AttributeError", r"property 'model' of .* has no setter", "callback_model_assigned"),
    ("ModuleNotFoundError", r"No module named '(tensorflow\.)?keras\.", "keras2_module"),
    ("ModuleNotFoundError", r"No module named", "module_not_available"),
    # No keyboard: stdin is closed for modules; a notebook kernel refuses input requests.
    ("EOFError", r"EOF when reading a line", "input_call"),
    ("StdinNotImplementedError", r"", "input_call"),
    (
        None,
        r"label value of \d+ which is outside the valid range|labels? .* out of range|"
        r"indices\[\d+\] = \d+ is not in \[0, \d+\)",
        "output_units",
    ),
    # One-hot loss, integer labels: the labels (batch,) against a flat (batch, classes) output.
    # Before missing_flatten, whose model outputs one more dimension (batch, 28, classes).
    # Found by `grader selftest`'s loss_changed mutant (it was hinted as a missing Flatten).
    (
        None,
        r"Arguments `target` and `output` must have the same rank.*"
        r"target\.shape=\((None|\d+),\), output\.shape=\((None|\d+), \d+\)",
        "sparse_loss",
    ),
    (
        None,
        r"Incompatible shapes|expected .*ndim|incompatible with the layer|"
        r"Arguments `target` and `output` must have the same|"
        r"Argument `output` must have rank",
        "missing_flatten",
    ),
    ("TypeError", r"cannot unpack non-iterable float", "missing_metrics"),
    # `epochs=10.0`: Keras trains `range(initial_epoch, epochs)`, which takes no float.
    (
        "TypeError",
        r"'(numpy\.)?float\d*' object cannot be interpreted as an integer",
        "epochs_integer",
    ),
]


def hint_for_failure(failure: RuntimeFailure) -> str:
    """The catalogue hint that explains this exception, or the generic runtime hint."""
    for exc_type, pattern, hint_id in _FAILURE_HINTS:
        if exc_type not in (None, failure.exc_type):
            continue
        if re.search(pattern, failure.message, re.DOTALL):
            return hint_id
    return "runtime_error"


def _module_values(failure: RuntimeFailure, ctx: CheckContext) -> dict[str, str]:
    from grader.grading.rules.imports import available_summary

    named = re.search(r"No module named '([^']+)'", failure.message)
    module = named.group(1).split(".")[0] if named else "?"
    return {"module": module, "available": available_summary(ctx.spec)}


def _where(failure: RuntimeFailure) -> str:
    if failure.line is None:
        return f" in cell {failure.cell}" if failure.cell else ""
    cell = f"cell {failure.cell}, " if failure.cell else ""
    return f" at {cell}line {failure.line}"


def runs(ctx: CheckContext) -> Verdict:
    evidence = ctx.evidence
    finished = evidence.epochs_finished()
    if ctx.run.timed_out:
        return failed(
            f"did not finish within the {ctx.run.timeout_s:g} s time limit "
            f"(stopped after {finished} finished epoch(s))",
            "timeout",
        )
    if evidence.failure is not None:
        failure = evidence.failure
        hint_id = hint_for_failure(failure)
        message = f"raised {failure.describe()}{_where(failure)}"
        later = evidence.failures[1:]
        if later:
            # The notebook ran on past the failing cell: every failure is named, in order.
            message += "; then " + "; ".join(f"{f.describe()}{_where(f)}" for f in later)
            if evidence.fits:
                message += f" (the other cells ran: {finished} epoch(s) trained)"
        verdict = failed(message, hint_id)
        if hint_id == "module_not_available":
            verdict = replace(verdict, hint_values=_module_values(failure, ctx))
        return verdict
    if not evidence.started:
        return failed(
            f"the run ended before the grader's harness started (exit code {ctx.run.returncode})",
            "runtime_error",
        )
    if ctx.run.returncode not in (0, None):
        return failed(f"the run ended with exit code {ctx.run.returncode}", "runtime_error")
    if not evidence.fits:
        return failed("the code ran but never trained a model (no call to `fit`)", "no_training")
    unfollowed = sum(fit.unfollowed_epochs for fit in evidence.fits)
    if finished == 0 and unfollowed:
        return blind_spot(unfollowed)
    if finished == 0:
        return failed(
            "the code ran but trained for 0 epochs: the model never learned", "zero_epochs"
        )
    message = f"ran to the end and trained for {finished} epoch(s)"
    if evidence.entry_point_called:
        return Verdict(
            "pass",
            message + f" (the grader called `{evidence.entry_point_called}()`)",
            hint_id="entry_point_called",
            hint_values={"entry_point": evidence.entry_point_called},
        )
    return passed(message)
