"""Checks on how training ran: epoch limit, early stopping, input scaling."""

from __future__ import annotations

from grader.formatting import fixed_percent, percent
from grader.grading.checks.base import (
    CheckContext,
    Verdict,
    failed,
    no_training,
    passed,
    skipped,
)
from grader.grading.checks.probe import with_probe
from grader.grading.evidence import Evidence, FitCall
from grader.grading.fit_evidence import first_epoch_reaching
from grader.spec.exercise import ExerciseSpec


def epoch_limit(ctx: CheckContext) -> Verdict:
    """The epochs that trained the graded model: its `fit`s add up, other models' do not."""
    evidence = ctx.evidence
    fits = evidence.graded_fits
    # What each call trains: `epochs - initial_epoch` (a resumed fit counts only its new epochs).
    requested = [fit.epochs_to_train for fit in fits]
    total = sum(requested)
    if total == 0 and (verdict := no_training(ctx)) is not None:
        return verdict  # nothing asked for: never trained (a fail), or stopped before (a skip)
    limit = ctx.spec.max_epochs
    details = {"requested": requested, "limit": limit, **which_model(evidence)}
    of_model = _of_the_graded_model(evidence)
    if total > limit:
        spelled = " + ".join(_spelled(fit) for fit in fits)
        capped = any(fit.capped_to is not None for fit in fits)
        cut = f" (the grader trained {limit} of them and judged those)" if capped else ""
        return Verdict(
            "fail",
            f"asked for {spelled} epoch(s){of_model}; the limit is {limit}{cut}",
            hint_id="epochs_limit",
            hint_values={"max_epochs": limit},
            details=details,
        )
    return passed(f"asked for {total} epoch(s){of_model} (limit {limit})", **details)


def _spelled(fit: FitCall) -> str:
    """`10`, or `10 (epochs=15 from initial_epoch=5)` for a resumed fit."""
    if not fit.initial_epoch:
        return str(fit.epochs_to_train)
    asked, initial = fit.epochs_requested, fit.initial_epoch
    return f"{fit.epochs_to_train} (epochs={asked} from initial_epoch={initial})"


def which_model(evidence: Evidence) -> dict[str, int]:
    """For the report: which of the models trained was graded (1-based), out of how many."""
    if evidence.models_trained <= 1 or evidence.graded_model is None:
        return {}
    return {"graded_model": evidence.graded_model + 1, "models_trained": evidence.models_trained}


def _of_the_graded_model(evidence: Evidence) -> str:
    shown = which_model(evidence)
    if not shown:
        return ""
    return f" for the graded model (model {shown['graded_model']} of {shown['models_trained']})"


def early_stop(ctx: CheckContext) -> Verdict:
    """Judged on the real run; the callback probe's finding is added to what it says."""
    return with_probe(_early_stop_in_the_run(ctx), ctx)


def _early_stop_in_the_run(ctx: CheckContext) -> Verdict:
    if (verdict := no_training(ctx)) is not None:
        return verdict
    fit = ctx.evidence.graded_fit
    assert fit is not None
    threshold = ctx.spec.accuracy_threshold or 0.0
    epochs = fit.epochs
    last = epochs[-1]
    first = first_epoch_reaching(epochs, threshold)
    # The near miss, in numbers: where training stopped against where it should have (1-based).
    details = {
        "accuracies": [e.accuracy() for e in epochs],
        "losses": [e.logs.get("loss") for e in epochs],
        "threshold": threshold,
        "epochs_requested": fit.epochs_requested,
        "epochs_run": len(epochs),
        "first_reaching_epoch": first.epoch + 1 if first else None,
        "accuracy_at_first_reaching": first.accuracy() if first else None,
        "stopped_epoch": last.epoch + 1,
        "accuracy_at_stop": last.accuracy(),
        "stopped_by_callback": last.stop_training,
        # epochs trained past the first one at the threshold (0: on time); None if never reached
        "epochs_late": last.epoch - first.epoch if first else None,
    }
    if last.accuracy() is None:
        return failed(
            f"no training accuracy was logged (keys: {', '.join(last.logs)})",
            "missing_metrics",
            **details,
        )
    if first is None and last.stop_training:
        return failed(
            f"training stopped at epoch {last.epoch + 1} with accuracy "
            f"{fixed_percent(last.accuracy())}, "
            f"before reaching {percent(threshold)}",
            "stop_condition",
            **details,
        )
    if first is None:
        return failed(
            f"training accuracy never reached {percent(threshold)} in {len(epochs)} epoch(s) "
            f"(best {fixed_percent(max(e.accuracy() or 0 for e in epochs))})",
            "keep_training",
            **details,
        )
    if last.epoch == first.epoch and last.stop_training:
        return passed(
            f"stopped at epoch {last.epoch + 1}, the first to reach {percent(threshold)} "
            f"({fixed_percent(first.accuracy())})",
            **details,
        )
    exactly_at_threshold = first.accuracy() == threshold and last.epoch == first.epoch + 1
    if exactly_at_threshold and last.stop_training:
        return Verdict(
            "pass",
            f"stopped at epoch {last.epoch + 1}, one after an accuracy of exactly "
            f"{percent(threshold)}",
            hint_id="greater_than",
            details=details,
        )
    if last.stop_training:
        return failed(
            f"first reached {percent(threshold)} at epoch {first.epoch + 1} but stopped only at "
            f"epoch {last.epoch + 1}",
            "stopped_late",
            **details,
        )
    hint = _why_not_stopped(ctx)
    return failed(
        f"reached {percent(threshold)} at epoch {first.epoch + 1} but training went on to epoch "
        f"{last.epoch + 1}",
        hint,
        **details,
    )


def _why_not_stopped(ctx: CheckContext) -> str:
    fit = ctx.evidence.graded_fit
    assert fit is not None
    if any(e.callback_stop_flag for e in fit.epochs):
        return "self_stop_training"
    student = fit.student_callbacks
    if not student:
        return "callback_not_passed"
    if not any("on_epoch_end" in cb.hooks for cb in student):
        return "callback_signature"
    return "stopped_late"


def normalization(ctx: CheckContext) -> Verdict:
    fit = ctx.evidence.graded_fit
    if fit is None:
        return skipped("no training run to judge (see `runs`)")
    if any(layer.type == "Rescaling" for layer in ctx.measurement.layers):
        return passed("the model rescales its inputs with a Rescaling layer")
    x = fit.x
    if x is None or x.max is None or x.min is None:
        return skipped("the training inputs could not be inspected")
    details = {"min": x.min, "max": x.max}
    if x.min >= 0.0 and x.max <= 1.0 + 1e-6:
        return passed(f"training pixels range from {x.min:g} to {x.max:g}", **details)
    return failed(
        f"training pixels range from {x.min:g} to {x.max:g}, not 0 to 1",
        "normalize_pixels",
        **details,
    )


def input_scale(ctx_x_max: float | None) -> float:
    """The factor that maps raw 0-255 pixels to what the model was trained on."""
    if ctx_x_max is None or ctx_x_max <= 0:
        return 1.0 / 255.0
    return ctx_x_max / 255.0


def graded_model_note(evidence: Evidence, spec: ExerciseSpec) -> str | None:
    """Which model was graded, and why, when the code trained more than one."""
    shown = which_model(evidence)
    if not shown:
        return None
    rule = "the first one trained" if spec.graded_fit == "first" else "the last one trained"
    edge = evidence.fits[0 if spec.graded_fit == "first" else -1].model
    if edge != evidence.graded_model:  # the harness passed over a side experiment's model
        rule = f"{rule} on the exercise's data set; model {edge + 1} trained on another one"
    setting = f'`graded_fit = "{spec.graded_fit}"`'
    epochs = sum(fit.epochs_to_train for fit in evidence.graded_fits)
    return (
        f"This code trains {shown['models_trained']} models; the grader judged model "
        f"{shown['graded_model']} ({rule}, as the exercise's {setting} says), trained in "
        f"{len(evidence.graded_fits)} `fit` call(s) for {epochs} epoch(s)."
    )
