"""Whether the training the child reported really happened: fingerprints and re-measurement.

Everything the harness streams is a claim from the student's process. Three facts the grader
holds on its own decide whether the claims about the epochs can earn points:
- every epoch changed the weights (a fit that only calls callbacks, or replays logs, does not);
- the model the evaluator loaded is the one the last epoch left (not a model saved in its place);
- the evaluator's own training accuracy reaches the threshold, within the spec's tolerance.
"""

from __future__ import annotations

from grader.formatting import fixed_percent, percent
from grader.grading.checks.base import CheckContext
from grader.grading.evaluate import Measurement
from grader.grading.evidence import Evidence


def forgery(evidence: Evidence, measurement: Measurement) -> str:
    """Why the epochs the child reported cannot be the training of the saved model ("": none)."""
    fit = evidence.graded_fit
    if fit is None or not fit.epochs:
        return ""
    previous = fit.start_weights
    for epoch in fit.epochs:
        if epoch.weights and epoch.weights == previous:
            return (
                f"epoch {epoch.epoch + 1} did not change the model's weights, so its logged "
                "accuracy did not come from training"
            )
        previous = epoch.weights or previous
    final = fit.end_weights or fit.epochs[-1].weights
    loaded = measurement.weights
    if final and loaded and final != loaded:
        return "the saved model is not the model training ended with (its weights differ)"
    return ""


def confirmation_problem(ctx: CheckContext) -> str:
    """Why checks that rest on the reported epochs earn nothing here ("": they may)."""
    if ctx.forged:
        return ctx.forged
    if not ctx.evidence_confirmed:
        fit = ctx.evidence.graded_fit
        logged = fit.epochs[-1].accuracy() if fit and fit.epochs else None
        measured = ctx.measurement.train_accuracy
        if logged is None or measured is None:
            return "the saved model does not reproduce the training this run reported"
        return (
            f"the saved model does not reproduce it: the run logged {fixed_percent(logged)}, the "
            f"grader's own measurement of the saved model is {fixed_percent(measured)}"
        )
    threshold = ctx.spec.accuracy_threshold
    measured = ctx.measurement.train_accuracy
    if threshold is None or measured is None:
        return ""
    if measured < threshold - ctx.spec.accuracy_tolerance:
        return (
            f"the grader's own measurement of the saved model's training accuracy is "
            f"{fixed_percent(measured)}, below {percent(threshold)} (allowed gap "
            f"{fixed_percent(ctx.spec.accuracy_tolerance)})"
        )
    return ""
