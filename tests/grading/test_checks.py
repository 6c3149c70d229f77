"""Unit tests of every check in `grader.grading.checks`, on synthetic evidence and real exercise
specs.

Evidence is built from hand-written event dicts folded by the real parser (`parse_events`), the
measurement is constructed directly; nothing runs, so the whole file takes well under a second.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from grader.grading.checks import CHECKS, CheckContext, RunSummary, Verdict, run_checks
from grader.grading.checks.runs import hint_for_failure
from grader.grading.evaluate import LayerInfo, Measurement
from grader.grading.evidence import Evidence, RuntimeFailure, parse_events
from grader.grading.hints import hint_text
from grader.grading.pipeline import evidence_confirmed
from grader.spec.exercise import ExerciseSpec, load_exercise

MESSAGE = "Reached 99% accuracy so cancelling training!"
CALLBACK = {
    "name": "myCallback",
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


# --- Event and measurement builders -----------------------------------------------------------


def start() -> dict[str, Any]:
    return {
        "type": "start",
        "t": 0.1,
        "versions": {"python": "3.11.9", "tensorflow": "2.21.0", "keras": "3.12.0"},
        "seed": 1234,
    }


def compile_event(
    loss: str = "sparse_categorical_crossentropy",
    from_logits: bool = False,
    metrics: tuple[str, ...] = ("accuracy",),
) -> dict[str, Any]:
    return {
        "type": "compile",
        "loss": {"name": loss, "from_logits": from_logits},
        "optimizer": {"name": "adam"},
        "metrics": list(metrics),
    }


def fit_start(
    fit: int = 0,
    epochs: int | None = 10,
    callbacks: list[dict[str, Any]] | None = None,
    x_max: float | None = 1.0,
    on_test_set: bool = False,
) -> dict[str, Any]:
    return {
        "type": "fit_start",
        "fit": fit,
        "epochs": epochs,
        "callbacks": [CALLBACK] if callbacks is None else callbacks,
        "callbacks_given": True,
        "x": {"kind": "ndarray", "shape": [60000, 28, 28], "dtype": "float64", "min": 0.0,
              "max": x_max} if x_max is not None else None,
        "on_test_set": on_test_set,
        "on_train_set": not on_test_set,
    }  # fmt: skip


def epoch(
    n: int,
    accuracy: float | None,
    fit: int = 0,
    stop: bool = False,
    flag: bool = False,
    key: str = "accuracy",
) -> dict[str, Any]:
    logs = {"loss": round(1.0 - (accuracy or 0.0), 4)}
    if accuracy is not None:
        logs[key] = accuracy
    return {
        "type": "epoch",
        "fit": fit,
        "epoch": n,
        "logs": logs,
        "stop_training": stop,
        "callback_stop_flag": flag,
        "t": 1.0 + n,
    }


def printed(text: str, epoch_: int | None, phase: str = "epoch_end", fit: int = 0) -> dict:
    return {"type": "print", "text": text, "fit": fit, "epoch": epoch_, "phase": phase}


def saved() -> dict[str, Any]:
    return {"type": "model", "saved": True}


def training(
    accuracies: list[float | None],
    stop_at: int | None = None,
    flag: bool = False,
    **fit_kwargs: Any,
) -> list[dict[str, Any]]:
    """start, compile, fit_start and one epoch event per accuracy; `stop_at` sets the flag."""
    events = [start(), compile_event(), fit_start(**fit_kwargs)]
    for n, acc in enumerate(accuracies):
        events.append(epoch(n, acc, stop=n == stop_at, flag=flag))
    return events


def layer(
    cls: str, units: int | None = None, activation: str | None = None, shape: tuple = ()
) -> LayerInfo:
    return LayerInfo(type=cls, units=units, activation=activation, output_shape=shape or None)


def model_layers(
    out_units: int = 10, out_activation: str = "softmax", flatten: bool = True
) -> tuple[LayerInfo, ...]:
    if flatten:
        return (
            layer("Flatten", shape=(None, 784)),
            layer("Dense", 128, "relu", (None, 128)),
            layer("Dense", out_units, out_activation, (None, out_units)),
        )
    return (
        layer("Dense", 128, "relu", (None, 28, 128)),
        layer("Dense", out_units, out_activation, (None, 28, out_units)),
    )


def measured(
    train: float | None = 0.995,
    test: float | None = 0.98,
    layers: tuple[LayerInfo, ...] | None = None,
    input_shape: tuple = (None, 28, 28),
    error: str = "",
) -> Measurement:
    layers = model_layers() if layers is None else layers
    return Measurement(
        test_accuracy=test,
        train_accuracy=train,
        input_shape=input_shape,
        output_shape=layers[-1].output_shape if layers else None,
        layers=layers,
        error=error,
    )


def ctx(
    spec: ExerciseSpec,
    events: list[dict[str, Any]],
    measurement: Measurement | None = None,
    timed_out: bool = False,
    returncode: int | None = 0,
    confirmed: bool = True,
) -> CheckContext:
    return CheckContext(
        spec=spec,
        evidence=parse_events(events),
        measurement=measurement if measurement is not None else measured(),
        run=RunSummary(timed_out, None if timed_out else returncode, 12.0, 600.0),
        evidence_confirmed=confirmed,
    )


def check(check_id: str, context: CheckContext) -> Verdict:
    return CHECKS[check_id](context)


# --- runs -------------------------------------------------------------------------------------


def test_runs_passes_for_a_finished_training(mnist: ExerciseSpec) -> None:
    verdict = check("runs", ctx(mnist, [*training([0.9, 0.99], stop_at=1), saved()]))
    assert verdict.status == "pass"
    assert verdict.hint_id == ""
    assert "trained for 2 epoch(s)" in verdict.message


def test_runs_fails_on_timeout_with_finished_epoch_count(mnist: ExerciseSpec) -> None:
    verdict = check("runs", ctx(mnist, training([0.9, 0.95, 0.97]), timed_out=True))
    assert (verdict.status, verdict.hint_id) == ("fail", "timeout")
    assert "600 s time limit" in verdict.message
    assert "3 finished epoch(s)" in verdict.message


def test_runs_fails_on_an_exception_with_its_place(mnist: ExerciseSpec) -> None:
    error = {
        "type": "error",
        "exc_type": "TypeError",
        "message": "'>' not supported between instances of 'NoneType' and 'float'",
        "frames": [{"cell": None, "line": 30}, {"cell": None, "line": 11}],
    }
    verdict = check("runs", ctx(mnist, [*training([]), error], returncode=1))
    assert (verdict.status, verdict.hint_id) == ("fail", "acc_key")
    assert "TypeError" in verdict.message
    assert "at line 11" in verdict.message  # the innermost student frame
    assert "logs['accuracy']" in verdict.hint


def test_runs_names_the_cell_of_a_notebook_failure(mnist: ExerciseSpec) -> None:
    events = [
        start(),
        {"type": "cell", "index": 0, "execution_count": 1},
        {"type": "cell", "index": 2, "execution_count": 2},  # cell 2 is markdown
        {
            "type": "error",
            "exc_type": "NameError",
            "message": "name 'myCallback' is not defined",
            "frames": [{"cell": 2, "line": 4}],
        },
    ]
    verdict = check("runs", ctx(mnist, events, returncode=1))
    assert (verdict.status, verdict.hint_id) == ("fail", "name_not_defined")
    assert "at cell 3, line 4" in verdict.message


@pytest.mark.parametrize(
    ("exc_type", "message", "hint"),
    [
        ("ValueError", "Exception encountered when calling Dense.call()", "missing_flatten"),
        ("RuntimeError", "MNIST is not provisioned in /tmp/grader-data", "runtime_error"),
        ("ZeroDivisionError", "division by zero", "runtime_error"),
    ],
)
def test_a_missing_flatten_elsewhere_explains_only_a_shape_error(
    fashion: ExerciseSpec, exc_type: str, message: str, hint: str
) -> None:
    """A notebook whose later experiment lacks a Flatten: that finding explains a shape error
    the run raised, not an unrelated one (it named the Flatten for a data set's RuntimeError)."""
    from grader.grading.rules import Finding

    found = Finding(
        "missing_flatten", "architecture", 39, 12, "Dense(64, activation='relu'),", also=("runs",)
    )
    error = {"type": "error", "exc_type": exc_type, "message": message,
             "frames": [{"cell": 34, "line": 6}]}  # fmt: skip
    context = replace(ctx(fashion, [*training([0.8]), error], returncode=1), findings=(found,))
    verdict = next(c for c in run_checks(context) if c.id == "runs")
    assert (verdict.status, verdict.hint_id) == ("fail", hint)
    assert ("cell 39" in verdict.message) == (hint == "missing_flatten")


def test_runs_fails_when_the_harness_never_started(mnist: ExerciseSpec) -> None:
    verdict = check("runs", ctx(mnist, [], returncode=-9))
    assert (verdict.status, verdict.hint_id) == ("fail", "runtime_error")
    assert "exit code -9" in verdict.message


def test_runs_fails_on_a_nonzero_exit_without_an_exception(mnist: ExerciseSpec) -> None:
    verdict = check("runs", ctx(mnist, training([0.9]), returncode=3))
    assert (verdict.status, verdict.hint_id) == ("fail", "runtime_error")
    assert "exit code 3" in verdict.message


def test_runs_fails_when_nothing_was_trained(mnist: ExerciseSpec) -> None:
    verdict = check("runs", ctx(mnist, [start(), compile_event()]))
    assert (verdict.status, verdict.hint_id) == ("fail", "no_training")
    assert "never trained" in verdict.message


def test_runs_passes_with_a_note_when_the_grader_called_the_entry_point(
    mnist: ExerciseSpec,
) -> None:
    events = [start(), {"type": "entry_point", "name": "train_mnist"}, *training([0.99], 0)[1:]]
    verdict = check("runs", ctx(mnist, events))
    assert (verdict.status, verdict.hint_id) == ("pass", "entry_point_called")
    assert "`train_mnist()`" in verdict.message
    assert "`train_mnist()` but never calls it" in verdict.hint


# Real messages from TensorFlow 2.21 / Keras 3 (collected by running each mistake).
REAL_FAILURES = [
    ("TypeError", "'>' not supported between instances of 'NoneType' and 'float'", "acc_key"),
    ("TypeError", "'>=' not supported between instances of 'float' and 'NoneType'", "acc_key"),
    ("KeyError", "'acc'", "history_acc_key"),
    ("KeyError", "'accuracy'", "missing_metrics"),
    ("ValueError", "Argument(s) not recognized: {'lr': 0.001}", "tf1_api"),
    ("AttributeError", "module 'tensorflow' has no attribute 'Session'", "tf1_api"),
    (
        "TypeError",
        "myCallback.on_epoch_end() takes 2 positional arguments but 3 were given",
        "callback_signature",
    ),
    (
        "TypeError",
        "Callback.set_model() missing 1 required positional argument: 'model'",
        "callback_class_passed",
    ),
    ("AttributeError", "'myCallback' object has no attribute 'set_model'", "callback_base_class"),
    ("NameError", "name 'myCallback' is not defined", "name_not_defined"),
    (
        "InvalidArgumentError",
        "Graph execution error:\n\nDetected at node compile_loss/sparse_categorical_crossentropy/"
        "SparseSoftmaxCrossEntropyWithLogits defined at (most recent call last):\n"
        '  File "submission.py", line 18, in <module>\n\n'
        "Received a label value of 9 which is outside the valid range of [0, 5).  Label "
        "values: 0 1 2 0 4\n\t [[{{node compile_loss/sparse_categorical_crossentropy}}]]",
        "output_units",
    ),
    (
        "ValueError",
        "Argument `output` must have rank (ndim) `target.ndim - 1`. Received: "
        "target.shape=(32,), output.shape=(32, 28, 10)",
        "missing_flatten",
    ),
    ("TypeError", "cannot unpack non-iterable float object", "missing_metrics"),
    ("ZeroDivisionError", "division by zero", "runtime_error"),
    # The exception type matters: the same words from another type are not the `acc` mistake.
    (
        "ValueError",
        "'>' not supported between instances of 'NoneType' and 'float'",
        "runtime_error",
    ),
]


@pytest.mark.parametrize(("exc_type", "message", "hint_id"), REAL_FAILURES)
def test_hint_for_failure_maps_real_error_messages(
    exc_type: str, message: str, hint_id: str
) -> None:
    assert hint_for_failure(RuntimeFailure(exc_type, message, None, 7)) == hint_id


def test_graph_errors_are_summarised_to_their_cause() -> None:
    failure = RuntimeFailure("InvalidArgumentError", REAL_FAILURES[10][1], None, 18)
    assert failure.describe().startswith(
        "InvalidArgumentError: Received a label value of 9 which is outside the valid range"
    )


# --- architecture -----------------------------------------------------------------------------


def test_architecture_passes_for_flatten_dense_dense(mnist: ExerciseSpec) -> None:
    verdict = check("architecture", ctx(mnist, [*training([0.99], 0), saved()]))
    assert verdict.status == "pass"
    assert verdict.message == "Flatten -> Dense(128, relu) -> Dense(10, softmax)"
    assert all(row["match"] for row in verdict.details["comparison"])


def test_architecture_never_compares_the_batch_dimension(mnist: ExerciseSpec) -> None:
    """A model built lazily by its first batch in `fit` records that batch's size (32) where
    one built from an `Input` says None: the same model, the same verdict."""
    lazy = (
        layer("Flatten", shape=(32, 784)),
        layer("Dense", 128, "relu", (32, 128)),
        layer("Dense", 10, "softmax", (32, 10)),
    )
    context = ctx(mnist, [*training([0.99], 0), saved()], measured(layers=lazy))
    verdict = check("architecture", context)
    assert verdict.status == "pass", verdict.message
    assert all(row["got"]["output_shape"][0] is None for row in verdict.details["comparison"])


def test_a_dense_model_fails_the_convolutions_architecture() -> None:
    """The dense sample of mnist_convolutions (edsger_dijkstra.py) as its model is measured."""
    spec = load_exercise("mnist_convolutions")
    dense = (
        layer("Flatten", shape=(None, 784)),
        layer("Dense", 512, "relu", (None, 512)),
        layer("Dense", 10, "softmax", (None, 10)),
    )
    events = [*training([0.996], 0), saved()]
    context = ctx(spec, events, measured(layers=dense, input_shape=(None, 28, 28, 1)))
    arch = run_checks(context)[1]
    assert arch.id == "architecture"
    assert (arch.status, arch.hint_id) == ("fail", "architecture_pattern")
    assert "no Conv2D(relu) layer" in arch.message
    assert "Conv2D" in arch.hint and "(28, 28, 1)" in arch.hint
    missing = [r["expected"]["class"] for r in arch.details["comparison"] if r["got"] is None]
    assert missing == ["Conv2D", "MaxPooling2D"]


def test_architecture_judges_a_parameter_budget() -> None:
    spec = load_exercise("mnist_convolutions")
    assert spec.architecture.max_params == 1_000_000
    convnet = (
        layer("Conv2D", 64, "relu", (None, 26, 26, 64)),
        layer("MaxPooling2D", shape=(None, 13, 13, 64)),
        layer("Flatten", shape=(None, 10816)),
        layer("Dense", 128, "relu", (None, 128)),
        layer("Dense", 10, "softmax", (None, 10)),
    )
    events = [*training([0.99], 0), saved()]
    small = measured(layers=convnet, input_shape=(None, 28, 28, 1))
    fine = check("architecture", ctx(spec, events, replace(small, params=999_999)))
    assert fine.status == "pass" and "999,999 parameters, fewer than 1,000,000" in fine.message
    big = check("architecture", ctx(spec, events, replace(small, params=1_386_506)))
    assert (big.status, big.hint_id) == ("fail", "too_many_params")
    assert "1,386,506 parameters" in big.message
    assert "fewer than 1,000,000 parameters" in hint_text(big.hint_id, **spec.template_values())


def test_a_subclassed_model_the_evaluator_cannot_load_is_named_plainly(
    fashion: ExerciseSpec,
) -> None:
    events = [*training([0.9]), saved()]
    unloadable = Measurement(subclassed="MyModel")
    verdict = check("architecture", ctx(fashion, events, unloadable))
    assert (verdict.status, verdict.hint_id) == ("fail", "subclassed_model")
    assert "`MyModel`" in verdict.message and "unsafe" not in verdict.message
    accuracy = check("test_accuracy", ctx(fashion, events, unloadable))
    assert accuracy.status == "skip" and "see `architecture`" in accuracy.message


def test_runs_names_every_failed_cell_and_the_training_that_happened(
    mnist: ExerciseSpec,
) -> None:
    events = [
        start(),
        {"type": "cell", "index": 0, "execution_count": 1},
        raised(cell=1, line=2),
        *training([0.99], 0)[1:],
        {"type": "cell", "index": 6, "execution_count": 5},
        {**raised(cell=5, line=1), "exc_type": "ModuleNotFoundError"},
        saved(),
    ]
    context = ctx(mnist, events, returncode=1)
    verdict = check("runs", context)
    assert verdict.status == "fail"
    assert "at cell 1, line 2" in verdict.message and "at cell 7, line 1" in verdict.message
    assert "1 epoch(s) trained" in verdict.message
    assert check("early_stop", context).status == "pass"  # the training that did happen


def test_architecture_accepts_a_channel_dimension(mnist: ExerciseSpec) -> None:
    context = ctx(mnist, [*training([0.99], 0), saved()], measured(input_shape=(None, 28, 28, 1)))
    assert check("architecture", context).status == "pass"


def test_architecture_fails_for_five_output_units(mnist: ExerciseSpec) -> None:
    context = ctx(mnist, [*training([0.5]), saved()], measured(layers=model_layers(out_units=5)))
    verdict = check("architecture", context)
    assert (verdict.status, verdict.hint_id) == ("fail", "output_units")
    assert "5 units" in verdict.message and "10 classes" in verdict.message
    output_row = next(r for r in verdict.details["comparison"] if r["role"] == "output")
    assert "units" in output_row["differs"]


def test_architecture_fails_without_flatten(mnist: ExerciseSpec) -> None:
    layers = model_layers(flatten=False)
    context = ctx(mnist, [*training([0.5]), saved()], measured(layers=layers))
    verdict = check("architecture", context)
    assert (verdict.status, verdict.hint_id) == ("fail", "missing_flatten")
    assert "no Flatten" in verdict.message
    assert "[None, 28, 10]" in verdict.message
    flatten_row = next(r for r in verdict.details["comparison"] if r["role"] == "flatten")
    assert flatten_row["got"] is None and flatten_row["match"] is False


def test_architecture_fails_for_a_wrong_input_shape(mnist: ExerciseSpec) -> None:
    context = ctx(mnist, [*training([0.9]), saved()], measured(input_shape=(None, 784)))
    verdict = check("architecture", context)
    assert (verdict.status, verdict.hint_id) == ("fail", "input_shape")
    assert "(784,)" in verdict.message and "(28, 28)" in verdict.message


def test_architecture_fails_for_logits_without_from_logits(fashion: ExerciseSpec) -> None:
    layers = model_layers(out_activation="linear")
    context = ctx(fashion, [*training([0.9]), saved()], measured(layers=layers))
    verdict = check("architecture", context)
    assert (verdict.status, verdict.hint_id) == ("fail", "logits_without_flag")
    assert "logits" in verdict.message


def test_architecture_passes_logits_with_from_logits(fashion: ExerciseSpec) -> None:
    events = [start(), compile_event(from_logits=True), fit_start(), epoch(0, 0.9), saved()]
    layers = model_layers(out_activation="linear")
    verdict = check("architecture", ctx(fashion, events, measured(layers=layers)))
    assert verdict.status == "pass"
    assert "Dense(10, linear)" in verdict.message


def test_architecture_fails_for_a_sigmoid_output(fashion: ExerciseSpec) -> None:
    layers = model_layers(out_activation="sigmoid")
    context = ctx(fashion, [*training([0.9]), saved()], measured(layers=layers))
    verdict = check("architecture", context)
    assert (verdict.status, verdict.hint_id) == ("fail", "logits_without_flag")
    assert "sigmoid" in verdict.message


def test_architecture_without_a_model(mnist: ExerciseSpec) -> None:
    skipped = check("architecture", ctx(mnist, training([0.9]), measured(layers=())))
    assert skipped.status == "skip"
    refused = Measurement(error="the saved model could not be loaded safely: Lambda")
    errored = check("architecture", ctx(mnist, [*training([0.9]), saved()], refused))
    assert (errored.status, errored.hint_id) == ("error", "unsafe_model")
    assert "Lambda" in errored.message


# --- compile ----------------------------------------------------------------------------------


def test_compile_passes_for_sparse_loss_and_accuracy(fashion: ExerciseSpec) -> None:
    verdict = check("compile", ctx(fashion, training([0.9])))
    assert (verdict.status, verdict.hint_id) == ("pass", "")
    assert "sparse_categorical_crossentropy" in verdict.message


def test_compile_passes_logits_with_from_logits(fashion: ExerciseSpec) -> None:
    events = [start(), compile_event("SparseCategoricalCrossentropy", from_logits=True)]
    layers = model_layers(out_activation="linear")
    verdict = check("compile", ctx(fashion, events, measured(layers=layers)))
    assert (verdict.status, verdict.hint_id) == ("pass", "")
    assert "warning" not in verdict.message


def test_compile_warns_on_softmax_with_from_logits(fashion: ExerciseSpec) -> None:
    events = [start(), compile_event("SparseCategoricalCrossentropy", from_logits=True)]
    verdict = check("compile", ctx(fashion, events))
    assert (verdict.status, verdict.hint_id) == ("pass", "softmax_and_logits")
    assert "softmax output with from_logits=True" in verdict.message
    assert "Keep one" in verdict.hint


def test_compile_fails_for_logits_without_from_logits(fashion: ExerciseSpec) -> None:
    layers = model_layers(out_activation="linear")
    verdict = check("compile", ctx(fashion, [start(), compile_event()], measured(layers=layers)))
    assert (verdict.status, verdict.hint_id) == ("fail", "logits_without_flag")


def test_compile_fails_for_a_categorical_loss(fashion: ExerciseSpec) -> None:
    events = [start(), compile_event("categorical_crossentropy")]
    verdict = check("compile", ctx(fashion, events))
    assert (verdict.status, verdict.hint_id) == ("fail", "sparse_loss")
    assert "'categorical_crossentropy'" in verdict.message


def test_compile_fails_without_an_accuracy_metric(fashion: ExerciseSpec) -> None:
    verdict = check("compile", ctx(fashion, [start(), compile_event(metrics=())]))
    assert (verdict.status, verdict.hint_id) == ("fail", "missing_metrics")
    assert "no accuracy metric" in verdict.message
    other = check("compile", ctx(fashion, [start(), compile_event(metrics=("mse",))]))
    assert other.hint_id == "missing_metrics" and "(metrics: mse)" in other.message


def test_compile_is_skipped_when_never_compiled(fashion: ExerciseSpec) -> None:
    assert check("compile", ctx(fashion, [start()])).status == "skip"


# --- epoch_limit ------------------------------------------------------------------------------


def test_epoch_limit_passes_at_the_limit(mnist: ExerciseSpec) -> None:
    verdict = check("epoch_limit", ctx(mnist, training([0.9], epochs=10)))
    assert verdict.status == "pass"
    assert "10 epoch(s) (limit 10)" in verdict.message


def test_epoch_limit_fails_for_fifteen_epochs(mnist: ExerciseSpec) -> None:
    verdict = check("epoch_limit", ctx(mnist, training([0.9], epochs=15)))
    assert (verdict.status, verdict.hint_id) == ("fail", "epochs_limit")
    assert "asked for 15 epoch(s); the limit is 10" in verdict.message
    assert "at most 10 epochs" in verdict.hint and "`epochs=10`" in verdict.hint


def test_epoch_limit_adds_up_every_fit(mnist: ExerciseSpec) -> None:
    events = [start(), fit_start(0, epochs=5), fit_start(1, epochs=6)]
    verdict = check("epoch_limit", ctx(mnist, events))
    assert (verdict.status, verdict.hint_id) == ("fail", "epochs_limit")
    assert "5 + 6" in verdict.message
    assert verdict.details["requested"] == [5, 6]


def raised(cell: int | None = None, line: int = 3) -> dict[str, Any]:
    return {
        "type": "error",
        "exc_type": "ValueError",
        "message": "something went wrong",
        "frames": [{"cell": cell, "line": line}],
    }


def test_epoch_limit_is_skipped_when_an_error_came_before_training(mnist: ExerciseSpec) -> None:
    verdict = check("epoch_limit", ctx(mnist, [start(), raised()], returncode=1))
    assert verdict.status == "skip" and "see `runs`" in verdict.message


TRAINING_CHECKS = ("epoch_limit", "early_stop", "stop_message", "train_accuracy")


@pytest.mark.parametrize("check_id", TRAINING_CHECKS)
def test_code_that_never_called_fit_earns_nothing_for_training(
    mnist: ExerciseSpec, check_id: str
) -> None:
    verdict = check(check_id, ctx(mnist, [start(), compile_event(), saved()]))
    assert (verdict.status, verdict.hint_id) == ("fail", "no_training")
    assert "never trained" in verdict.message and "error" not in verdict.message


@pytest.mark.parametrize("check_id", (*TRAINING_CHECKS, "runs"))
def test_zero_epochs_earn_nothing_for_training(mnist: ExerciseSpec, check_id: str) -> None:
    verdict = check(check_id, ctx(mnist, [*training([], epochs=0), saved()]))
    assert (verdict.status, verdict.hint_id) == ("fail", "zero_epochs")
    assert "0 epoch" in verdict.message or "epochs=0" in verdict.message
    assert "error" not in verdict.message and "never called" not in verdict.hint


def test_test_accuracy_of_a_model_never_trained_fails(fashion: ExerciseSpec) -> None:
    verdict = check("test_accuracy", ctx(fashion, [*training([], epochs=0), saved()]))
    assert (verdict.status, verdict.hint_id) == ("fail", "zero_epochs")


def test_epoch_limit_counts_only_the_graded_models_fits(mnist: ExerciseSpec) -> None:
    """A lab notebook trains model 0 twice (5 + 3 epochs), then model 1 for 15: the saved model
    (number 0, chosen by `graded_fit = "first"`) is judged on its own 8 epochs."""
    events = [
        start(),
        {**fit_start(0, epochs=5), "model": 0},
        {**fit_start(1, epochs=3), "model": 0},
        {**fit_start(2, epochs=15), "model": 1},
        {"type": "model", "saved": True, "number": 0, "trained": 2},
    ]
    verdict = check("epoch_limit", ctx(mnist, events))
    assert verdict.status == "pass", verdict.message
    assert verdict.details["requested"] == [5, 3]
    assert "model 1 of 2" in verdict.message
    last = [*events[:-1], {"type": "model", "saved": True, "number": 1, "trained": 2}]
    over = check("epoch_limit", ctx(mnist, last))
    assert over.status == "fail" and "asked for 15 epoch(s) for the graded model" in over.message


# --- early_stop -------------------------------------------------------------------------------


def test_early_stop_passes_when_stopped_at_the_first_epoch_reaching(mnist: ExerciseSpec) -> None:
    verdict = check("early_stop", ctx(mnist, training([0.95, 0.98, 0.991], stop_at=2)))
    assert (verdict.status, verdict.hint_id) == ("pass", "")
    assert "stopped at epoch 3" in verdict.message
    assert verdict.details["first_reaching_epoch"] == 3
    assert verdict.details["epochs_late"] == 0


def test_early_stop_accepts_greater_than_at_exactly_the_threshold(mnist: ExerciseSpec) -> None:
    # `>` misses an epoch at exactly 0.99 and stops one later: accepted, with the note.
    verdict = check("early_stop", ctx(mnist, training([0.97, 0.99, 0.993], stop_at=2)))
    assert (verdict.status, verdict.hint_id) == ("pass", "greater_than")
    assert "exactly 99%" in verdict.message
    assert "`>` is accepted" in verdict.hint


def test_early_stop_greater_or_equal_at_exactly_the_threshold(mnist: ExerciseSpec) -> None:
    verdict = check("early_stop", ctx(mnist, training([0.97, 0.99], stop_at=1)))
    assert (verdict.status, verdict.hint_id) == ("pass", "")


def test_early_stop_fails_when_stopped_two_epochs_late(mnist: ExerciseSpec) -> None:
    verdict = check("early_stop", ctx(mnist, training([0.97, 0.99, 0.993, 0.995], stop_at=3)))
    assert (verdict.status, verdict.hint_id) == ("fail", "stopped_late")
    assert "epoch 2" in verdict.message and "epoch 4" in verdict.message
    assert verdict.details["epochs_late"] == 2


def test_early_stop_names_self_stop_training(mnist: ExerciseSpec) -> None:
    verdict = check("early_stop", ctx(mnist, training([0.98, 0.992, 0.995, 0.996], flag=True)))
    assert (verdict.status, verdict.hint_id) == ("fail", "self_stop_training")
    assert "reached 99% at epoch 2 but training went on to epoch 4" in verdict.message
    assert "self.model.stop_training" in verdict.hint


def test_early_stop_names_a_callback_not_passed(mnist: ExerciseSpec) -> None:
    verdict = check("early_stop", ctx(mnist, training([0.98, 0.992, 0.995], callbacks=[])))
    assert (verdict.status, verdict.hint_id) == ("fail", "callback_not_passed")
    assert "callbacks=[callbacks]" in verdict.hint


def test_early_stop_builtin_callbacks_do_not_count_as_the_students(mnist: ExerciseSpec) -> None:
    builtin = {**CALLBACK, "name": "History", "builtin": True}
    verdict = check("early_stop", ctx(mnist, training([0.992, 0.995], callbacks=[builtin])))
    assert verdict.hint_id == "callback_not_passed"


def test_early_stop_names_a_misspelled_hook(mnist: ExerciseSpec) -> None:
    misspelled = {**CALLBACK, "hooks": ["on_epoch_ends"]}
    verdict = check("early_stop", ctx(mnist, training([0.992, 0.995], callbacks=[misspelled])))
    assert (verdict.status, verdict.hint_id) == ("fail", "callback_signature")


def test_early_stop_hook_present_but_never_stopping(mnist: ExerciseSpec) -> None:
    verdict = check("early_stop", ctx(mnist, training([0.992, 0.995])))
    assert (verdict.status, verdict.hint_id) == ("fail", "stopped_late")


def test_early_stop_fails_when_the_threshold_is_never_reached(mnist: ExerciseSpec) -> None:
    verdict = check("early_stop", ctx(mnist, training([0.9, 0.95, 0.97])))
    assert (verdict.status, verdict.hint_id) == ("fail", "keep_training")
    assert "never reached 99% in 3 epoch(s)" in verdict.message
    assert "best 97.00%" in verdict.message


def test_early_stop_fails_when_stopped_before_the_threshold(mnist: ExerciseSpec) -> None:
    verdict = check("early_stop", ctx(mnist, training([0.9, 0.95], stop_at=1)))
    assert (verdict.status, verdict.hint_id) == ("fail", "stop_condition")
    assert "before reaching 99%" in verdict.message


def test_early_stop_without_an_accuracy_metric(mnist: ExerciseSpec) -> None:
    verdict = check("early_stop", ctx(mnist, training([None, None])))
    assert (verdict.status, verdict.hint_id) == ("fail", "missing_metrics")
    assert "keys: loss" in verdict.message


def test_early_stop_reads_the_legacy_acc_key(mnist: ExerciseSpec) -> None:
    events = [start(), compile_event(), fit_start(), epoch(0, 0.995, stop=True, key="acc")]
    assert check("early_stop", ctx(mnist, events)).status == "pass"


def test_early_stop_is_skipped_when_training_raised_before_any_epoch(mnist: ExerciseSpec) -> None:
    assert check("early_stop", ctx(mnist, [start(), raised()], returncode=1)).status == "skip"
    events = [*training([]), {"type": "fit_end", "fit": 0, "error": "ValueError: bad"}, raised()]
    skipped = check("early_stop", ctx(mnist, events, returncode=1))
    assert skipped.status == "skip" and "before any epoch" in skipped.message


# --- stop_message -----------------------------------------------------------------------------


def with_prints(accuracies: list[float], stop_at: int | None, *prints: dict) -> list[dict]:
    return [*training(accuracies, stop_at=stop_at), *prints]


def test_stop_message_passes_at_the_stopping_epoch(mnist: ExerciseSpec) -> None:
    events = with_prints([0.97, 0.992], 1, printed(f"\n{MESSAGE}", 1), printed("\n", 1))
    verdict = check("stop_message", ctx(mnist, events))
    assert (verdict.status, verdict.hint_id) == ("pass", "")
    assert "end of epoch 2" in verdict.message
    assert verdict.details["printed"] == MESSAGE


def test_stop_message_slash_n_gets_a_diff(mnist: ExerciseSpec) -> None:
    events = with_prints([0.97, 0.992], 1, printed(f"/n{MESSAGE}", 1))
    verdict = check("stop_message", ctx(mnist, events))
    assert (verdict.status, verdict.hint_id) == ("fail", "message_slash_n")
    assert verdict.details["printed"] == f"/n{MESSAGE}"
    assert verdict.details["diff"] == "{+/n+}" + MESSAGE
    assert "diff:" in verdict.message
    assert "`\\n`" in verdict.hint


def test_stop_message_with_a_typo(mnist: ExerciseSpec) -> None:
    typo = MESSAGE.replace("cancelling", "canceling")
    verdict = check("stop_message", ctx(mnist, with_prints([0.992], 0, printed(typo, 0))))
    assert (verdict.status, verdict.hint_id) == ("fail", "message_text")
    assert verdict.details["diff"] == "Reached 99% accuracy so cancel[-l-]ing training!"


def test_stop_message_at_the_wrong_epoch(mnist: ExerciseSpec) -> None:
    events = with_prints([0.97, 0.992, 0.995], 2, printed(MESSAGE, 2))
    verdict = check("stop_message", ctx(mnist, events))
    assert (verdict.status, verdict.hint_id) == ("fail", "stop_condition")
    assert "printed at the end of epoch 3" in verdict.message
    assert "first reached the threshold at epoch 2" in verdict.message


def test_stop_message_printed_outside_the_callback(mnist: ExerciseSpec) -> None:
    events = with_prints([0.992], None, printed(MESSAGE, None, phase="outside"))
    verdict = check("stop_message", ctx(mnist, events))
    assert (verdict.status, verdict.hint_id) == ("fail", "callback_not_passed")
    assert "outside the callback" in verdict.message


def test_stop_message_not_printed_at_all(mnist: ExerciseSpec) -> None:
    verdict = check("stop_message", ctx(mnist, with_prints([0.992], 0)))
    assert (verdict.status, verdict.hint_id) == ("fail", "message_text")
    assert "not printed at the end of epoch 1" in verdict.message
    events = [start(), compile_event(), fit_start(callbacks=[]), epoch(0, 0.992)]
    assert check("stop_message", ctx(mnist, events)).hint_id == "callback_not_passed"


def test_stop_message_when_the_threshold_is_never_reached(mnist: ExerciseSpec) -> None:
    early = check("stop_message", ctx(mnist, with_prints([0.95], 0, printed(MESSAGE, 0))))
    assert (early.status, early.hint_id) == ("fail", "stop_condition")
    assert "never reached the threshold" in early.message
    quiet = check("stop_message", ctx(mnist, with_prints([0.95], None)))
    assert (quiet.status, quiet.hint_id) == ("fail", "keep_training")


def test_stop_message_ignores_prints_from_an_earlier_fit(mnist: ExerciseSpec) -> None:
    events = [
        start(),
        compile_event(),
        fit_start(0, epochs=1),
        epoch(0, 0.992, fit=0),
        printed(MESSAGE, 0, fit=0),
        fit_start(1, epochs=1),
        epoch(0, 0.993, fit=1),
    ]
    verdict = check("stop_message", ctx(mnist, events))
    assert verdict.status == "fail"  # the graded fit is the last one; its epoch 1 printed nothing


# --- train_accuracy ---------------------------------------------------------------------------


def test_train_accuracy_passes_when_confirmed(mnist: ExerciseSpec) -> None:
    verdict = check("train_accuracy", ctx(mnist, [*training([0.995], 0), saved()]))
    assert verdict.status == "pass"
    assert "logged 99.50%" in verdict.message and "re-measured by the grader 99.50%" in (
        verdict.message
    )


def test_train_accuracy_allows_the_tolerance(mnist: ExerciseSpec) -> None:
    context = ctx(mnist, [*training([0.991], 0), saved()], measured(train=0.9835))
    assert check("train_accuracy", context).status == "pass"
    context = ctx(mnist, [*training([0.991], 0), saved()], measured(train=0.9825))
    assert check("train_accuracy", context).status == "fail"  # a 3-epoch model with forged logs


def test_train_accuracy_not_confirmed_by_the_evaluator(mnist: ExerciseSpec) -> None:
    context = ctx(mnist, [*training([0.995], 0), saved()], measured(train=0.90))
    verdict = check("train_accuracy", context)
    assert (verdict.status, verdict.hint_id) == ("fail", "accuracy_not_confirmed")
    assert "does not reproduce" in verdict.message and "90.00%" in verdict.message
    assert verdict.details["logged"] == 0.995 and verdict.details["measured"] == 0.90


def test_train_accuracy_fails_below_the_threshold(mnist: ExerciseSpec) -> None:
    context = ctx(mnist, [*training([0.95]), saved()], measured(train=0.95))
    verdict = check("train_accuracy", context)
    assert (verdict.status, verdict.hint_id) == ("fail", "keep_training")
    assert "below 99%" in verdict.message


def test_train_accuracy_without_a_measurement(mnist: ExerciseSpec) -> None:
    events = [*training([0.995], 0), saved()]
    errored = check("train_accuracy", ctx(mnist, events, Measurement(error="boom")))
    assert (errored.status, errored.hint_id) == ("error", "unsafe_model")
    assert "could not measure the model: boom" in errored.message
    assert check("train_accuracy", ctx(mnist, training([0.995], 0))).status == "skip"


# --- normalization ----------------------------------------------------------------------------


def test_normalization_passes_for_pixels_in_zero_to_one(fashion: ExerciseSpec) -> None:
    verdict = check("normalization", ctx(fashion, training([0.9])))
    assert verdict.status == "pass" and "0 to 1" in verdict.message


def test_normalization_fails_for_raw_pixels(fashion: ExerciseSpec) -> None:
    verdict = check("normalization", ctx(fashion, training([0.8], x_max=255.0)))
    assert (verdict.status, verdict.hint_id) == ("fail", "normalize_pixels")
    assert "from 0 to 255, not 0 to 1" in verdict.message


def test_normalization_accepts_a_rescaling_layer(fashion: ExerciseSpec) -> None:
    layers = (layer("Rescaling", shape=(None, 28, 28)), *model_layers())
    context = ctx(fashion, training([0.9], x_max=255.0), measured(layers=layers))
    assert check("normalization", context).status == "pass"


def test_normalization_is_skipped_without_inputs(fashion: ExerciseSpec) -> None:
    assert check("normalization", ctx(fashion, [start()])).status == "skip"
    assert check("normalization", ctx(fashion, training([0.9], x_max=None))).status == "skip"


# --- test_accuracy ----------------------------------------------------------------------------


def test_test_accuracy_passes_above_the_threshold(fashion: ExerciseSpec) -> None:
    verdict = check("test_accuracy", ctx(fashion, [*training([0.9]), saved()], measured(test=0.88)))
    assert verdict.status == "pass"
    assert "88.00%" in verdict.message and "needs 85%" in verdict.message


def test_test_accuracy_fails_below_the_threshold(fashion: ExerciseSpec) -> None:
    verdict = check("test_accuracy", ctx(fashion, [*training([0.9]), saved()], measured(test=0.8)))
    assert (verdict.status, verdict.hint_id) == ("fail", "low_test_accuracy")
    assert "below 85%" in verdict.message


def test_test_accuracy_fails_when_trained_on_the_test_set(fashion: ExerciseSpec) -> None:
    events = [*training([0.95], on_test_set=True), saved()]
    verdict = check("test_accuracy", ctx(fashion, events, measured(test=0.95)))
    assert (verdict.status, verdict.hint_id) == ("fail", "train_on_test")
    assert "trained on the test images" in verdict.message
    assert verdict.details["trained_on_test"] is True


def test_test_accuracy_is_skipped_without_a_saved_model(fashion: ExerciseSpec) -> None:
    assert check("test_accuracy", ctx(fashion, training([0.9]))).status == "skip"


# --- run_checks: the exercise's order and points ----------------------------------------------


def passing_mnist_events() -> list[dict[str, Any]]:
    return [*training([0.97, 0.992], stop_at=1), printed(f"\n{MESSAGE}", 1), saved()]


def test_run_checks_scores_every_check_with_the_spec_points(mnist: ExerciseSpec) -> None:
    results = run_checks(ctx(mnist, passing_mnist_events()))
    assert [r.id for r in results] == list(mnist.points)
    assert all(r.status == "pass" for r in results), [(r.id, r.message) for r in results]
    assert sum(r.score for r in results) == mnist.max_score == 10.0
    assert {r.id: r.max_score for r in results} == mnist.points


def test_run_checks_gives_no_points_to_failed_checks(mnist: ExerciseSpec) -> None:
    events = [*training([0.97, 0.992], stop_at=1), printed(f"/n{MESSAGE}", 1), saved()]
    results = {r.id: r for r in run_checks(ctx(mnist, events))}
    assert results["stop_message"].status == "fail"
    assert results["stop_message"].score == 0.0
    assert results["stop_message"].hint_id == "message_slash_n"
    assert results["stop_message"].hint  # the catalogue text travels with the result
    assert sum(r.score for r in results.values()) == mnist.max_score - mnist.points["stop_message"]


def test_run_checks_uses_the_points_the_spec_gives(mnist: ExerciseSpec) -> None:
    spec = replace(mnist, points={"epoch_limit": 2.5, "runs": 4.0})
    results = run_checks(ctx(spec, passing_mnist_events()))
    assert [(r.id, r.score, r.max_score) for r in results] == [
        ("epoch_limit", 2.5, 2.5),
        ("runs", 4.0, 4.0),
    ]


def test_run_checks_refuses_unconfirmed_evidence(mnist: ExerciseSpec) -> None:
    events = [*training([0.97, 0.995], stop_at=1), printed(MESSAGE, 1), saved()]
    measurement = measured(train=0.90)
    confirmed = evidence_confirmed(parse_events(events), measurement)
    assert confirmed is False
    results = {r.id: r for r in run_checks(ctx(mnist, events, measurement, confirmed=confirmed))}
    for check_id in ("early_stop", "stop_message", "train_accuracy"):
        assert results[check_id].status == "fail", check_id
        assert results[check_id].hint_id == "accuracy_not_confirmed", check_id
    assert results["runs"].status == "pass"


def test_evidence_confirmed_rules() -> None:
    events = [*training([0.97, 0.995], stop_at=1), saved()]
    evidence = parse_events(events)
    assert evidence_confirmed(evidence, measured(train=0.99))
    assert evidence_confirmed(evidence, measured(train=0.946))  # within the 5-point gap
    assert not evidence_confirmed(evidence, measured(train=0.94))
    assert not evidence_confirmed(evidence, Measurement(error="could not load"))
    assert evidence_confirmed(Evidence(), Measurement())  # nothing claimed, nothing to refute


def test_run_checks_fashion_exercise(fashion: ExerciseSpec) -> None:
    events = [*training([0.8, 0.87], epochs=5), saved()]
    results = {r.id: r for r in run_checks(ctx(fashion, events, measured(train=None, test=0.87)))}
    assert list(results) == list(fashion.points)
    assert all(r.status == "pass" for r in results.values())
    assert sum(r.score for r in results.values()) == fashion.max_score == 10.0


def test_a_kernel_that_died_is_said_plainly(mnist: ExerciseSpec) -> None:
    """The harness reports a dead kernel itself (no exception of the student's): its own hint,
    the cell it happened in, and no claim about the student's code raising."""
    events = [
        start(),
        {"type": "cell", "index": 3, "execution_count": 2},
        {
            "type": "error",
            "exc_type": "KernelDied",
            "message": "the notebook's kernel died while this cell ran (out of memory, or killed)",
            "frames": [{"cell": 2, "line": None}],
        },
    ]
    verdict = check("runs", ctx(mnist, events, returncode=1))
    assert (verdict.status, verdict.hint_id) == ("fail", "kernel_died")
    assert "in cell 4" in verdict.message and "kernel died" in verdict.message
    assert "Nothing in your code raised" in verdict.hint
