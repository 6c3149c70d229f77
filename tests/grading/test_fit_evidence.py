"""The evidence of a `fit` judged as Keras ran it (issues 26 and 30), on hand-written events.

What Keras's History says ran against what the grader's recorder saw (the grader's blind spot is
never the student's mistake), epochs counted from `initial_epoch`, and the graded model judged
on its own compile when the code compiles another model after it.
"""

from __future__ import annotations

from typing import Any

import pytest

from grader.grading.checks import CHECKS, CheckContext, RunSummary, run_checks
from grader.grading.checks.runs import hint_for_failure
from grader.grading.evaluate import LayerInfo, Measurement
from grader.grading.evidence import RuntimeFailure, parse_events
from grader.spec.exercise import ExerciseSpec, load_exercise

TALLY = {
    "name": "StopAtTarget",
    "is_class": False,
    "is_keras_callback": True,
    "hooks": ["on_epoch_end"],
    "builtin": False,
}


@pytest.fixture(scope="module")
def mnist() -> ExerciseSpec:
    return load_exercise("mnist_callback")


@pytest.fixture(scope="module")
def fashion() -> ExerciseSpec:
    return load_exercise("fashion_mnist")


def start() -> dict[str, Any]:
    return {"type": "start", "t": 0.1, "versions": {"keras": "3.15.1"}, "seed": 1234}


def compiled(identity: int, metrics: list[str]) -> dict[str, Any]:
    return {
        "type": "compile",
        "identity": identity,
        "loss": {"name": "sparse_categorical_crossentropy", "from_logits": False},
        "optimizer": {"name": "adam"},
        "metrics": metrics,
    }


def fit_start(fit: int, model: int, identity: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "fit_start",
        "fit": fit,
        "model": model,
        "identity": identity,
        "epochs": 5,
        "callbacks": [TALLY],
        "callbacks_given": True,
        "x": {"kind": "ndarray", "shape": [60000, 28, 28], "dtype": "float64", "min": 0.0,
              "max": 1.0},
        **extra,
    }  # fmt: skip


def epoch(fit: int, n: int, accuracy: float, stop: bool = False) -> dict[str, Any]:
    return {
        "type": "epoch",
        "fit": fit,
        "epoch": n,
        "logs": {"loss": 1 - accuracy, "accuracy": accuracy},
        "stop_training": stop,
        "callback_stop_flag": False,
    }


def fit_end(fit: int, epochs_run: int | None) -> dict[str, Any]:
    return {"type": "fit_end", "fit": fit, "epochs_run": epochs_run}


def measured() -> Measurement:
    layers = (
        LayerInfo("Flatten", None, None, (None, 784)),
        LayerInfo("Dense", 128, "relu", (None, 128)),
        LayerInfo("Dense", 10, "softmax", (None, 10)),
    )
    return Measurement(
        test_accuracy=0.88,
        train_accuracy=0.995,
        input_shape=(None, 28, 28),
        output_shape=(None, 10),
        layers=layers,
    )


def context(spec: ExerciseSpec, events: list[dict[str, Any]]) -> CheckContext:
    return CheckContext(
        spec=spec,
        evidence=parse_events(events),
        measurement=measured(),
        run=RunSummary(False, 0, 12.0, 600.0),
    )


# -- the graded model's own compile (issue 26) ---------------------------------------------------

# A Fashion-MNIST lab: its model compiled with accuracy and trained; then a digits model compiled
# without metrics and trained on the other data set. The harness grades the Fashion model.
TWO_MODELS = [
    start(),
    compiled(0, ["accuracy"]),
    fit_start(0, model=0, identity=0),
    epoch(0, 0, 0.86),
    fit_end(0, 1),
    compiled(1, []),
    fit_start(1, model=1, identity=1),
    epoch(1, 0, 0.95),
    fit_end(1, 1),
    {"type": "model", "saved": True, "number": 0, "identity": 0, "trained": 2},
]


def test_compile_is_judged_from_the_graded_models_own_call(fashion: ExerciseSpec) -> None:
    evidence = parse_events(TWO_MODELS)
    assert evidence.compiles[-1].metrics == ()  # the digits model's, compiled last
    assert evidence.compile is not None and evidence.compile.metrics == ("accuracy",)
    verdict = CHECKS["compile"](context(fashion, TWO_MODELS))
    assert verdict.status == "pass", verdict.message


def test_the_digits_model_graded_is_judged_on_its_own_compile(fashion: ExerciseSpec) -> None:
    """The other way round: had the digits model been graded, its missing metric is named."""
    events = [*TWO_MODELS[:-1], {"type": "model", "saved": True, "number": 1, "identity": 1}]
    verdict = CHECKS["compile"](context(fashion, events))
    assert verdict.status == "fail" and verdict.hint_id == "missing_metrics"


def test_a_recompiled_model_is_judged_on_the_compile_before_its_graded_fit(
    fashion: ExerciseSpec,
) -> None:
    events = [
        start(),
        compiled(0, []),
        fit_start(0, model=0, identity=0),
        epoch(0, 0, 0.8),
        compiled(0, ["accuracy"]),  # compiled again, with the metric, before the graded fit
        fit_start(1, model=0, identity=0),
        epoch(1, 0, 0.86),
        compiled(0, []),  # and once more after it: not what trained the graded model
        {"type": "model", "saved": True, "number": 0, "identity": 0},
    ]
    assert parse_events(events).compile.metrics == ("accuracy",)


def test_events_without_identities_keep_the_last_compile(fashion: ExerciseSpec) -> None:
    """An older harness's stream (no identities): the last compile, as before."""
    events = [{k: v for k, v in e.items() if k != "identity"} for e in TWO_MODELS]
    assert parse_events(events).compile.metrics == ()


# -- epochs counted as Keras trains them (issue 30) ----------------------------------------------


def test_a_resumed_fit_counts_only_the_epochs_it_trains(mnist: ExerciseSpec) -> None:
    """`fit(epochs=12, initial_epoch=5)` trains 7 epochs: with 3 before, 10 in all, the limit."""
    events = [
        start(),
        compiled(0, ["accuracy"]),
        fit_start(0, model=0, identity=0, epochs=3),
        *[epoch(0, n, 0.9) for n in range(3)],
        fit_start(1, model=0, identity=0, epochs=12, initial_epoch=5),
        *[epoch(1, n, 0.991, stop=n == 5) for n in range(5, 6)],
        {"type": "model", "saved": True, "number": 0, "identity": 0},
    ]
    fit = parse_events(events).fits[1]
    assert (fit.epochs_requested, fit.initial_epoch, fit.epochs_to_train) == (12, 5, 7)
    verdict = CHECKS["epoch_limit"](context(mnist, events))
    assert verdict.status == "pass", verdict.message
    assert verdict.details["requested"] == [3, 7]


def test_a_resumed_fit_past_the_limit_says_how_it_counted(mnist: ExerciseSpec) -> None:
    events = [
        start(),
        compiled(0, ["accuracy"]),
        fit_start(0, model=0, identity=0, epochs=15, initial_epoch=2),
        epoch(0, 2, 0.9),
    ]
    verdict = CHECKS["epoch_limit"](context(mnist, events))
    assert verdict.status == "fail"
    assert "asked for 13 (epochs=15 from initial_epoch=2) epoch(s)" in verdict.message


def test_a_float_epochs_error_gets_its_own_hint() -> None:
    failure = RuntimeFailure(
        "TypeError", "'float' object cannot be interpreted as an integer", None, 12
    )
    assert hint_for_failure(failure) == "epochs_integer"


# -- the grader's blind spot is never the student's mistake (issue 30) ---------------------------

# Keras's History says two epochs ran; the recorder saw none (a call the harness could not
# follow). The student is not told the model never learned.
UNFOLLOWED = [
    start(),
    compiled(0, ["accuracy"]),
    fit_start(0, model=0, identity=0),
    fit_end(0, 2),
    {"type": "model", "saved": True, "number": 0, "identity": 0},
]


def test_epochs_keras_ran_but_the_grader_missed_are_a_grader_limitation(
    mnist: ExerciseSpec,
) -> None:
    assert parse_events(UNFOLLOWED).fits[0].unfollowed_epochs == 2
    results = {r.id: r for r in run_checks(context(mnist, UNFOLLOWED))}
    for check_id in ("runs", "early_stop", "stop_message", "train_accuracy"):
        result = results[check_id]
        assert result.status == "error", (check_id, result.status, result.message)
        assert "limitation of the grader" in result.message
        assert "0 epochs" not in result.message and "never" not in result.message
        assert result.hint_id == "grader_blind_spot"


def test_no_epoch_by_keras_own_count_is_still_the_students(mnist: ExerciseSpec) -> None:
    """History empty too (epochs=0): Keras really ran none, and that is said."""
    events = [*UNFOLLOWED]
    events[2] = fit_start(0, model=0, identity=0, epochs=0)
    events[3] = fit_end(0, 0)
    verdict = CHECKS["runs"](context(mnist, events))
    assert verdict.status == "fail" and "trained for 0 epochs" in verdict.message


def test_fit_never_received_it_only_when_fit_received_no_callback(mnist: ExerciseSpec) -> None:
    """The probe found a good callback in the code's globals; the run went past the threshold.
    "fit never received it" is said only when the graded fit really got no callback."""
    probe = [
        {"type": "probe_callback", "index": 0, "name": "StopAtTarget", "source": "namespace",
         "is_class": False, "is_keras_callback": True, "hooks": ["on_epoch_end"],
         "keys": ["accuracy"], "threshold": 0.99},
        *[{"type": "probe_call", "callback": 0, "key": "accuracy", "label": label,
           "value": value, "stopped": stopped, "self_flag": False, "printed": ""}
          for label, value, stopped in (("clearly_below", 0.9, False), ("just_below", 0.989, False),
                                        ("at", 0.99, True), ("just_above", 0.991, True))],
    ]  # fmt: skip

    def run(callbacks: list[dict[str, Any]], given: bool) -> str:
        events = [
            start(),
            compiled(0, ["accuracy"]),
            fit_start(0, model=0, identity=0, callbacks=callbacks, callbacks_given=given),
            *[epoch(0, n, 0.995) for n in range(3)],
            fit_end(0, 3),
            {"type": "model", "saved": True, "number": 0, "identity": 0},
            *probe,
        ]
        return CHECKS["early_stop"](context(mnist, events)).message

    assert "fit never received it" in run([], given=False)
    assert "fit never received it" not in run([TALLY], given=True)
