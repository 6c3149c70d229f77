"""Accuracy checks, judged on the evaluator's own re-measurement of the saved model."""

from __future__ import annotations

from grader.formatting import fixed_percent, percent
from grader.grading.checks.base import CheckContext, Verdict, failed, no_training, passed, skipped


def _unmeasured(ctx: CheckContext) -> Verdict | None:
    m = ctx.measurement
    if m.subclassed:
        return skipped(
            f"the grader cannot measure a `{m.subclassed}` model without running your code "
            "(see `architecture`)"
        )
    if m.error:
        return Verdict("error", f"could not measure the model: {m.error}", "unsafe_model")
    if not ctx.evidence.model_saved:
        return skipped("no trained model was saved (see `runs`)")
    return None


def train_accuracy(ctx: CheckContext) -> Verdict:
    if (verdict := no_training(ctx) or _unmeasured(ctx)) is not None:
        return verdict
    fit = ctx.evidence.graded_fit
    assert fit is not None
    threshold = ctx.spec.accuracy_threshold or 0.0
    tolerance = ctx.spec.accuracy_tolerance
    logged = fit.epochs[-1].accuracy()
    measured = ctx.measurement.train_accuracy
    details = {
        "logged": logged,
        "measured": measured,
        "threshold": threshold,
        "tolerance": tolerance,
    }
    summary = f"logged {fixed_percent(logged)}, re-measured by the grader {fixed_percent(measured)}"
    if fit.on_test_set:
        # The logs are the test images' accuracy (found by `grader selftest`: its other_data
        # mutant was hinted as an accuracy the model does not reproduce).
        return failed(
            f"the model was trained on the test images, not the training images: {summary}",
            "train_on_test",
            **details,
        )
    if logged is None or logged < threshold:
        return failed(
            f"final training accuracy below {percent(threshold)}: {summary}",
            "keep_training",
            **details,
        )
    if measured is None or measured < threshold - tolerance:
        return failed(
            f"the trained model does not reproduce the logged accuracy: {summary} "
            f"(allowed gap {percent(tolerance)})",
            "accuracy_not_confirmed",
            **details,
        )
    return passed(summary, **details)


def test_accuracy(ctx: CheckContext) -> Verdict:
    if (verdict := no_training(ctx) or _unmeasured(ctx)) is not None:
        return verdict
    fit = ctx.evidence.graded_fit
    assert fit is not None
    threshold = ctx.spec.test_accuracy_threshold or 0.0
    measured = ctx.measurement.test_accuracy
    details = {"measured": measured, "threshold": threshold, "trained_on_test": fit.on_test_set}
    if fit.on_test_set:
        return failed(
            f"the model was trained on the test images; its {fixed_percent(measured)} on them "
            "does not count",
            "train_on_test",
            **details,
        )
    if measured is None or measured < threshold:
        return failed(
            f"test accuracy {fixed_percent(measured)} on 10,000 test images, below "
            f"{percent(threshold)}",
            "low_test_accuracy",
            **details,
        )
    return passed(
        f"test accuracy {fixed_percent(measured)} on 10,000 test images (needs "
        f"{percent(threshold)})",
        **details,
    )
