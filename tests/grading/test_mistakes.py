"""Every row of docs/mistakes.md (1-23): recognised, and explained with its hint.

Per row, one submission under tests/submissions/, and three kinds of assertion:
- static: the pre-checks find the row's hint on the student's own line (fast, no TensorFlow);
- mapping: the checks, given the evidence such a run produces (what test_e2e.py observes for the
  files it trains; what the runs below observe for the others) and the static findings, fail the
  row's checks with the row's hint and point at the line (fast, synthetic evidence);
- real: files not trained by test_e2e.py are graded for real here. Those that crash before
  training are cheap; those that train are marked slow. Files test_e2e.py already trains are not
  trained again: their row asserts that test_e2e.py expects the same verdict.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from paths import SUBMISSIONS, TESTS

from grader.grading.checks import CheckContext, RunSummary, run_checks
from grader.grading.evaluate import LayerInfo, Measurement
from grader.grading.evidence import (
    CallbackInfo,
    CompileInfo,
    DataInfo,
    EpochRecord,
    Evidence,
    FitCall,
    PrintedText,
    RuntimeFailure,
)
from grader.grading.hints import catalogue
from grader.grading.pipeline import evidence_confirmed, grade_submission
from grader.grading.rules import Finding, find_mistakes
from grader.grading.submissions import load_submission
from grader.results import CheckResult, SubmissionResult
from grader.spec.exercise import load_exercise

MESSAGE = "Reached 99% accuracy so cancelling training!"
MNIST_CHECKS = tuple(load_exercise("mnist_callback").check_ids)  # from the spec
FASHION_CHECKS = tuple(load_exercise("fashion_mnist").check_ids)  # from the spec


def _e2e_tables() -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """test_e2e.py's expectations by file: {name: (failing statuses, hints)}."""
    module_spec = importlib.util.spec_from_file_location("_e2e", TESTS / "test_e2e.py")
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    tables = {}
    for folder, table in (
        ("mnist_callback", module.MNIST_MISTAKES),
        ("fashion_mnist", module.FASHION_MISTAKES),
    ):
        for name, failing, hints in table:
            tables[f"{folder}/{name}"] = (failing, hints)
    return tables


E2E = _e2e_tables()


# -- synthetic evidence: what a run of such a submission reports --------------------------------

CALLBACK = CallbackInfo("myCallback", False, True, ("on_epoch_end",), False)
MNIST_LAYERS = (
    LayerInfo("Flatten", None, None, (None, 784)),
    LayerInfo("Dense", 512, "relu", (None, 512)),
    LayerInfo("Dense", 10, "softmax", (None, 10)),
)
FASHION_LAYERS = (
    LayerInfo("Flatten", None, None, (None, 784)),
    LayerInfo("Dense", 128, "relu", (None, 128)),
    LayerInfo("Dense", 10, "softmax", (None, 10)),
)
REACHES = (0.94, 0.975, 0.984, 0.989, 0.9915)  # a correct callback stops after the fifth epoch


@dataclass(frozen=True)
class Run:
    """A run, as the child would report it and the evaluator measure it."""

    failure: tuple[str, str, int | None, int] | None = None  # type, message, cell, line
    trained: bool = True  # fit was called
    accuracies: tuple[float, ...] = REACHES
    stop: bool = True  # the model's stop flag at the last epoch
    requested: int = 10
    callbacks: tuple[CallbackInfo, ...] = (CALLBACK,)
    flag_on_callback: bool = False  # `self.stop_training = True`
    printed: str | None = "\n" + MESSAGE  # printed at the end of each epoch >= 0.99
    printed_at: tuple[int, ...] | None = None  # or at the end of these epochs (0-based)
    x_max: float = 1.0
    on_test: bool = False
    layers: tuple[LayerInfo, ...] | None = None  # None: the exercise's reference model
    input_shape: tuple[int | None, ...] = (None, 28, 28)
    metrics: tuple[str, ...] = ("accuracy",)
    compiled: bool = True
    from_logits: bool = False
    model_saved: bool = True
    test_accuracy: float | None = None
    entry_point: str = ""


def checks_for(exercise: str, run: Run, findings: tuple[Finding, ...]) -> list[CheckResult]:
    spec = load_exercise(exercise)
    key = run.metrics[0] if run.metrics else None
    epochs = tuple(
        EpochRecord(
            epoch=i,
            logs={"loss": round(1 - acc, 4), **({key: acc} if key else {})},
            stop_training=run.stop and i == len(run.accuracies) - 1,
            callback_stop_flag=run.flag_on_callback and acc >= 0.99,
            t=float(i),
        )
        for i, acc in enumerate(run.accuracies)
    )
    fits = ()
    if run.trained:
        fits = (
            FitCall(
                index=0,
                epochs_requested=run.requested,
                callbacks=run.callbacks,
                callbacks_given=bool(run.callbacks),
                x=DataInfo("ndarray", (60000, 28, 28), "float64", 0.0, run.x_max),
                on_test_set=run.on_test,
                on_train_set=not run.on_test,
                layers=(),
                epochs=epochs,
            ),
        )

    def prints_at(e: EpochRecord) -> bool:
        if run.printed_at is not None:
            return e.epoch in run.printed_at
        return (e.accuracy() or 0) >= 0.99 and bool(run.callbacks)

    prints = tuple(
        PrintedText(run.printed, 0, e.epoch, "epoch_end")
        for e in epochs
        if run.printed is not None and prints_at(e)
    )
    failure = None
    if run.failure is not None:
        exc_type, message, cell, line = run.failure
        failure = RuntimeFailure(exc_type, message, cell, line)
    evidence = Evidence(
        started=True,
        fits=fits,
        compiles=(
            CompileInfo("sparse_categorical_crossentropy", run.from_logits, "Adam", run.metrics),
        )
        if run.compiled
        else (),
        prints=prints,
        failures=(failure,) if failure else (),
        entry_point_called=run.entry_point,
        model_saved=run.model_saved,
    )
    layers = run.layers or (MNIST_LAYERS if exercise == "mnist_callback" else FASHION_LAYERS)
    if run.model_saved:
        last = run.accuracies[-1] if run.accuracies else 0.1
        measurement = Measurement(
            test_accuracy=run.test_accuracy or (0.98 if exercise == "mnist_callback" else 0.88),
            train_accuracy=last + 0.003 if run.accuracies else 0.1,
            input_shape=run.input_shape,
            output_shape=layers[-1].output_shape,
            layers=layers,
        )
    else:
        measurement = Measurement()
    summary = RunSummary(False, 1 if failure else 0, 30.0, spec.timeout_s)
    ctx = CheckContext(
        spec,
        evidence,
        measurement,
        summary,
        findings=findings,
        evidence_confirmed=evidence_confirmed(evidence, measurement),
    )
    return run_checks(ctx)


def statuses(checks: list[CheckResult]) -> dict[str, str]:
    return {c.id: c.status for c in checks}


def expected_statuses(exercise: str, failing: dict[str, str]) -> dict[str, str]:
    ids = MNIST_CHECKS if exercise == "mnist_callback" else FASHION_CHECKS
    return {check: failing.get(check, "pass") for check in ids}


def findings_of(name: str) -> tuple[Finding, ...]:
    return find_mistakes(load_submission(SUBMISSIONS / name), load_exercise(name.split("/")[0]))


# -- the 23 rows -------------------------------------------------------------------------------

SKIPPED_AFTER_CRASH = {"early_stop": "skip", "stop_message": "skip", "train_accuracy": "skip"}
NOTHING_RAN_MNIST = {
    "architecture": "skip",
    "epoch_limit": "skip",
    **SKIPPED_AFTER_CRASH,
}


@dataclass(frozen=True)
class Row:
    row: int
    name: str  # under tests/submissions/
    hint: str  # the row's hint
    run: Run  # what a run of it reports
    failing: dict[str, str]  # the checks that do not pass, and their status
    hints: dict[str, str]  # check -> hint id
    located: dict[str, tuple[int | None, int]]  # check -> (cell, line) it points at
    real: str = "e2e"  # e2e: trained by test_e2e.py; fast / slow: graded for real below

    @property
    def exercise(self) -> str:
        return self.name.split("/")[0]


def crash(exc_type: str, message: str, cell: int | None, line: int, **kw: Any) -> Run:
    return Run(failure=(exc_type, message, cell, line), accuracies=(), stop=False, **kw)


ROWS = [
    Row(
        1,
        "mnist_callback/acc_key.py",
        "acc_key",
        crash(
            "TypeError", "'>' not supported between instances of 'NoneType' and 'float'", None, 11
        ),
        {"runs": "fail", **SKIPPED_AFTER_CRASH},
        {"runs": "acc_key"},
        {"runs": (None, 11)},
    ),
    Row(
        2,
        "mnist_callback/history_acc_key.py",
        "history_acc_key",
        Run(failure=("KeyError", "'acc'", None, 32)),
        {"runs": "fail"},
        {"runs": "history_acc_key"},
        {"runs": (None, 32)},
        real="slow",
    ),
    Row(
        3,
        "mnist_callback/gt_threshold.py",
        "greater_than",
        Run(),
        {},
        {"early_stop": "greater_than"},  # accepted, with a note
        {"early_stop": (None, 11)},
    ),
    Row(
        4,
        "mnist_callback/slash_n_message.ipynb",
        "message_slash_n",
        Run(printed="/n" + MESSAGE),
        {"stop_message": "fail"},
        {"stop_message": "message_slash_n"},
        {"stop_message": (3, 4)},
    ),
    Row(
        5,
        "mnist_callback/wrong_message.py",
        "message_text",
        Run(printed="\nReached 99% accuracy, stopping training"),
        {"stop_message": "fail"},
        {"stop_message": "message_text"},
        {"stop_message": (None, 12)},
    ),
    Row(
        6,
        "mnist_callback/too_many_epochs.ipynb",
        "epochs_limit",
        Run(requested=15),
        {"epoch_limit": "fail"},
        {"epoch_limit": "epochs_limit"},
        {"epoch_limit": (4, 15)},
    ),
    Row(
        7,
        "mnist_callback/callback_not_passed.py",
        "callback_not_passed",
        Run(callbacks=(), stop=False, accuracies=(*REACHES, 0.993, 0.995, 0.996, 0.997, 0.998)),
        {"early_stop": "fail", "stop_message": "fail"},
        {"early_stop": "callback_not_passed", "stop_message": "callback_not_passed"},
        {"early_stop": (None, 30), "stop_message": (None, 30)},
    ),
    Row(
        8,
        "mnist_callback/self_stop_training.ipynb",
        "self_stop_training",
        Run(
            stop=False,
            flag_on_callback=True,
            accuracies=(*REACHES, 0.993, 0.995, 0.996, 0.997, 0.998),
        ),
        {"early_stop": "fail"},
        {"early_stop": "self_stop_training"},
        {"early_stop": (3, 5)},
    ),
    Row(
        9,
        "mnist_callback/class_not_instance.py",
        "callback_class_passed",
        crash(
            "TypeError",
            "Callback.set_model() missing 1 required positional argument: 'model'",
            None,
            28,
        ),
        {"runs": "fail", **SKIPPED_AFTER_CRASH},
        {"runs": "callback_class_passed"},
        {"runs": (None, 28)},
    ),
    Row(
        10,
        "mnist_callback/no_base_class.py",
        "callback_base_class",
        crash("AttributeError", "'myCallback' object has no attribute 'set_model'", None, 30),
        {"runs": "fail", **SKIPPED_AFTER_CRASH},
        {"runs": "callback_base_class"},
        {"runs": (None, 9)},
        real="fast",
    ),
    Row(
        11,
        "mnist_callback/wrong_signature.py",
        "callback_signature",
        crash(
            "TypeError",
            "myCallback.on_epoch_end() takes from 1 to 2 positional arguments but 3 were given",
            None,
            30,
        ),
        {"runs": "fail", **SKIPPED_AFTER_CRASH},
        {"runs": "callback_signature"},
        {"runs": (None, 10)},
        real="slow",
    ),
    Row(
        12,
        "mnist_callback/defined_after_use.ipynb",
        "name_not_defined",
        crash(
            "NameError",
            "name 'myCallback' is not defined",
            4,
            2,
            trained=False,
            model_saved=False,
            compiled=False,
        ),
        {"runs": "fail", **NOTHING_RAN_MNIST},
        {"runs": "name_not_defined"},
        {"runs": (4, 2)},
        real="fast",
    ),
    Row(
        13,
        "mnist_callback/no_flatten.ipynb",
        "missing_flatten",
        crash(
            "ValueError",
            "Arguments `target` and `output` must have the same rank (ndim). "
            "Received: target.shape=(None,), output.shape=(None, 28, 10)",
            4,
            14,
            layers=(
                LayerInfo("Dense", 512, "relu", (None, 28, 512)),
                LayerInfo("Dense", 10, "softmax", (None, 28, 10)),
            ),
        ),
        {"runs": "fail", "architecture": "fail", **SKIPPED_AFTER_CRASH},
        {"runs": "missing_flatten", "architecture": "missing_flatten"},
        {"runs": (4, 6), "architecture": (4, 6)},
    ),
    Row(
        14,
        "fashion_mnist/last_layer_5.ipynb",
        "output_units",
        crash(
            "InvalidArgumentError",
            "Received a label value of 9 which is outside the valid range of [0, 5).",
            4,
            1,
            layers=(*FASHION_LAYERS[:2], LayerInfo("Dense", 5, "softmax", (None, 5))),
        ),
        {"runs": "fail", "architecture": "fail", "test_accuracy": "skip"},
        {"runs": "output_units", "architecture": "output_units"},
        {"runs": (3, 5), "architecture": (3, 5)},
    ),
    Row(
        15,
        "fashion_mnist/wrong_input_shape.py",
        "input_shape",
        crash(
            "ValueError",
            'Input 0 of layer "dense" is incompatible with the layer: expected axis -1 of input '
            "shape to have value 784, but received input with shape (32, 28, 28)",
            None,
            21,
            input_shape=(None, 784),
            requested=5,
        ),
        {"runs": "fail", "architecture": "fail", "test_accuracy": "skip"},
        {"runs": "input_shape", "architecture": "input_shape"},
        {"runs": (None, 11), "architecture": (None, 11)},
        real="fast",
    ),
    Row(
        16,
        "fashion_mnist/softmax_from_logits.py",
        "softmax_and_logits",
        Run(
            requested=5,
            accuracies=(0.82, 0.86, 0.87, 0.88, 0.89),
            stop=False,
            callbacks=(),
            from_logits=True,
        ),
        {},
        {"compile": "softmax_and_logits"},  # a warning on a pass
        {"compile": (None, 18)},
        real="slow",
    ),
    Row(
        17,
        "fashion_mnist/tf1_optimizer.ipynb",
        "tf1_api",
        crash(
            "ValueError",
            "Argument(s) not recognized: {'lr': 0.001}",
            3,
            8,
            requested=5,  # the notebook runs on: cell 4's fit raises too (never compiled)
            compiled=False,
        ),
        {"runs": "fail", "compile": "skip", "test_accuracy": "skip"},
        {"runs": "tf1_api"},
        {"runs": (3, 8)},
    ),
    Row(
        18,
        "fashion_mnist/no_normalization.py",
        "normalize_pixels",
        Run(
            requested=5,
            accuracies=(0.75, 0.8, 0.81, 0.82, 0.82),
            stop=False,
            callbacks=(),
            x_max=255.0,
            test_accuracy=0.80,
        ),
        {"normalization": "fail", "test_accuracy": "fail"},
        {"normalization": "normalize_pixels", "test_accuracy": "normalize_pixels"},
        {"normalization": (None, 5), "test_accuracy": (None, 5)},
    ),
    Row(
        19,
        "fashion_mnist/no_metrics.py",
        "missing_metrics",
        Run(
            failure=("TypeError", "cannot unpack non-iterable float object", None, 22),
            requested=5,
            accuracies=(0.82, 0.86, 0.87, 0.88, 0.89),
            stop=False,
            callbacks=(),
            metrics=(),
        ),
        {"runs": "fail", "compile": "fail"},
        {"runs": "missing_metrics", "compile": "missing_metrics"},
        {"runs": (None, 17), "compile": (None, 17)},
    ),
    Row(
        20,
        "fashion_mnist/train_on_test.ipynb",
        "train_on_test",
        Run(
            requested=5,
            accuracies=(0.78, 0.84, 0.86, 0.87, 0.88),
            stop=False,
            callbacks=(),
            on_test=True,
        ),
        {"test_accuracy": "fail"},
        {"test_accuracy": "train_on_test"},
        {"test_accuracy": (4, 1)},
    ),
    Row(
        21,
        "mnist_callback/loss_threshold.py",
        "stop_condition",
        Run(accuracies=(0.9,), printed_at=(0,)),  # loss < 0.4 after the first epoch
        {"early_stop": "fail", "stop_message": "fail", "train_accuracy": "fail"},
        {
            "early_stop": "stop_condition",
            "stop_message": "stop_condition",
            "train_accuracy": "stop_condition",
        },
        {"early_stop": (None, 11), "stop_message": (None, 11), "train_accuracy": (None, 11)},
    ),
    Row(
        22,
        "mnist_callback/never_called.py",
        "entry_point_called",
        Run(entry_point="train_mnist"),
        {},
        {"runs": "entry_point_called"},
        {"runs": (None, 16)},
    ),
    Row(
        23,
        "mnist_callback/colab_lines.ipynb",
        "colab_lines",
        Run(),
        {},
        {"runs": "colab_lines"},
        {"runs": (1, 2)},
    ),
]
assert [r.row for r in ROWS] == list(range(1, 24))


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.row:02d}-{Path(r.name).stem}" for r in ROWS])
def test_row_hint_is_in_the_catalogue_under_its_row(row: Row) -> None:
    assert catalogue()[row.hint].row == row.row
    assert row.name.split("/")[-1] in {p.name for p in (SUBMISSIONS / row.exercise).iterdir()}


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.row:02d}-{Path(r.name).stem}" for r in ROWS])
def test_row_is_recognised_statically(row: Row) -> None:
    found = findings_of(row.name)
    assert row.hint in {f.hint_id for f in found}, [f.hint_id for f in found]
    finding = next(f for f in found if f.hint_id == row.hint)
    # The finding points at the line the report shows for the row's first check.
    assert (finding.cell, finding.line) == next(iter(row.located.values()))


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.row:02d}-{Path(r.name).stem}" for r in ROWS])
def test_row_gets_its_hint_and_line(row: Row) -> None:
    checks = checks_for(row.exercise, row.run, findings_of(row.name))
    assert statuses(checks) == expected_statuses(row.exercise, row.failing), [
        (c.id, c.status, c.message) for c in checks
    ]
    by_id = {c.id: c for c in checks}
    for check_id, hint_id in row.hints.items():
        assert by_id[check_id].hint_id == hint_id, (check_id, by_id[check_id].message)
        assert by_id[check_id].hint  # the catalogue has the text
    for check_id, (cell, line) in row.located.items():
        source = by_id[check_id].details["source"]
        assert (source["cell"], source["line"]) == (cell, line)
        assert f"line {line}" in by_id[check_id].message
    # Checks without a row hint carry none (no stray warnings on what passed).
    for check in checks:
        if check.status == "pass" and check.id not in row.hints:
            assert check.hint_id == "", (check.id, check.hint_id)


E2E_ROWS = [r for r in ROWS if r.real == "e2e"]


@pytest.mark.parametrize(
    "row", E2E_ROWS, ids=[f"{r.row:02d}-{Path(r.name).stem}" for r in E2E_ROWS]
)
def test_row_trained_by_e2e_expects_the_same_verdict(row: Row) -> None:
    """Not trained again here: test_e2e.py trains it and asserts this very verdict."""
    failing, hints = E2E[row.name]
    assert failing == row.failing
    for check_id, hint_id in hints.items():
        assert row.hints[check_id] == hint_id


# -- real grading of the rows test_e2e.py does not train ---------------------------------------


def grade(row: Row) -> SubmissionResult:
    return grade_submission(SUBMISSIONS / row.name, load_exercise(row.exercise))


def assert_real(row: Row, result: SubmissionResult) -> None:
    checks = result.checks
    assert statuses(checks) == expected_statuses(row.exercise, row.failing), [
        (c.id, c.status, c.message) for c in checks
    ]
    by_id = {c.id: c for c in checks}
    for check_id, hint_id in row.hints.items():
        assert by_id[check_id].hint_id == hint_id, (check_id, by_id[check_id].message)
    for check_id, (cell, line) in row.located.items():
        source = by_id[check_id].details["source"]
        assert (source["cell"], source["line"]) == (cell, line)
    assert result.passed == (not row.failing)
    if row.name in PROBE:  # the callback probe, on this same grading
        early_stop = next(c for c in checks if c.id == "early_stop")
        probe = early_stop.details.get("probe")
        assert probe is not None and probe["kind"] == PROBE[row.name], early_stop.message


# What the callback probe finds in the mnist_callback rows graded here (test_e2e.py has the rest).
PROBE = {
    "mnist_callback/no_base_class.py": "ok",  # not a Keras callback, but its condition is right
    "mnist_callback/wrong_signature.py": "raises",  # on_epoch_end(self, logs={}): 3 arguments
    "mnist_callback/history_acc_key.py": "ok",
}


FAST = [r for r in ROWS if r.real == "fast"]
SLOW = [r for r in ROWS if r.real == "slow"]


@pytest.mark.integration
@pytest.mark.parametrize("row", FAST, ids=[f"{r.row:02d}-{Path(r.name).stem}" for r in FAST])
def test_row_graded_for_real_crashes_fast(row: Row) -> None:
    result = grade(row)
    assert_real(row, result)
    assert result.training.get("epochs_run", 0) == 0  # nothing trained: cheap


@pytest.mark.integration
def test_nested_class_graded_for_real() -> None:
    """Row 12's other form: the class nested in another function."""
    result = grade_submission(
        SUBMISSIONS / "mnist_callback" / "nested_callback.py", load_exercise("mnist_callback")
    )
    runs = result.checks[0]
    assert (runs.status, runs.hint_id) == ("fail", "name_not_defined")
    assert runs.details["source"]["line"] == 20
    assert result.error_location is not None and result.error_location.line == 20


@pytest.mark.slow
@pytest.mark.parametrize("row", SLOW, ids=[f"{r.row:02d}-{Path(r.name).stem}" for r in SLOW])
def test_row_graded_for_real_with_training(row: Row) -> None:
    assert_real(row, grade(row))


def test_misspelled_hook_is_explained_without_training() -> None:
    """Row 11's other form: `on_epoch_ends` is never called, training runs all 10 epochs."""
    name = "mnist_callback/misspelled_hook.py"
    run = Run(
        callbacks=(CallbackInfo("myCallback", False, True, ("on_epoch_ends",), False),),
        stop=False,
        printed=None,
        accuracies=(*REACHES, 0.993, 0.995, 0.996, 0.997, 0.998),
    )
    checks = {c.id: c for c in checks_for("mnist_callback", run, findings_of(name))}
    assert checks["early_stop"].status == "fail"
    assert checks["early_stop"].hint_id == "callback_signature"
    assert checks["early_stop"].details["source"]["line"] == 10
    assert checks["stop_message"].status == "fail"
    assert checks["stop_message"].hint_id == "callback_signature"


# -- what the task accepts: a pass with no warning ---------------------------------------------


def test_accepted_variants_pass_without_hints_on_their_evidence() -> None:
    name = "mnist_callback/correct_variants.py"
    run = Run(metrics=("acc",))
    checks = checks_for("mnist_callback", run, findings_of(name))
    assert [(c.id, c.status, c.hint_id) for c in checks] == [
        (check, "pass", "") for check in MNIST_CHECKS
    ]


@pytest.mark.slow
def test_accepted_variants_pass_for_real() -> None:
    """Flatten(input_shape=...), metrics=['acc'] read as logs['acc'] and history['acc'], a
    leading newline in the message, and train_mnist() returning the model: all accepted."""
    result = grade_submission(
        SUBMISSIONS / "mnist_callback" / "correct_variants.py", load_exercise("mnist_callback")
    )
    assert result.passed, [(c.id, c.status, c.message) for c in result.checks]
    assert [(c.id, c.status, c.hint_id) for c in result.checks] == [
        (check, "pass", "") for check in MNIST_CHECKS
    ]
    assert result.training["stopped_early"]


# -- the near-miss diffs ------------------------------------------------------------------------


def test_architecture_details_put_the_model_beside_the_expected_one() -> None:
    row = next(r for r in ROWS if r.row == 14)
    checks = {c.id: c for c in checks_for(row.exercise, row.run, ())}
    rows = checks["architecture"].details["comparison"]
    assert [r["role"] for r in rows] == ["input", "flatten", "hidden", "output"]
    assert [r["match"] for r in rows] == [True, True, True, False]
    output = rows[-1]
    assert output["differs"] == ["units", "output_shape"]
    assert output["expected"] == {
        "class": "Dense",
        "units": 10,
        "activation": "softmax",
        "output_shape": [None, 10],
    }
    assert output["got"]["units"] == 5


def test_architecture_details_show_a_missing_flatten_as_a_missing_row() -> None:
    row = next(r for r in ROWS if r.row == 13)
    checks = {c.id: c for c in checks_for(row.exercise, row.run, ())}
    rows = checks["architecture"].details["comparison"]
    assert [(r["role"], r["match"]) for r in rows] == [
        ("input", True),
        ("flatten", False),
        ("hidden", False),
        ("output", False),
    ]
    assert rows[1]["got"] is None
    assert rows[2]["differs"] == ["output_shape"]  # (None, 28, 512): one row per pixel row


def test_logits_with_from_logits_match_the_expected_output() -> None:
    layers = (*FASHION_LAYERS[:2], LayerInfo("Dense", 10, "linear", (None, 10)))
    run = Run(
        requested=5,
        stop=False,
        callbacks=(),
        layers=layers,
        from_logits=True,
        accuracies=(0.82, 0.86, 0.87, 0.88, 0.89),
    )
    checks = {c.id: c for c in checks_for("fashion_mnist", run, ())}
    assert checks["architecture"].status == "pass"
    assert all(r["match"] for r in checks["architecture"].details["comparison"])


def test_early_stop_details_compare_the_stop_with_the_first_epoch_at_99() -> None:
    run = Run(accuracies=(*REACHES, 0.993, 0.995), stop=True)
    checks = {c.id: c for c in checks_for("mnist_callback", run, ())}
    details = checks["early_stop"].details
    assert checks["early_stop"].status == "fail"
    assert details["first_reaching_epoch"] == 5
    assert details["stopped_epoch"] == 7
    assert details["epochs_late"] == 2
    assert details["accuracy_at_first_reaching"] == 0.9915
    assert details["accuracy_at_stop"] == 0.995
    assert details["epochs_requested"] == 10 and details["epochs_run"] == 7


def test_stop_message_details_carry_the_character_diff() -> None:
    row = next(r for r in ROWS if r.row == 4)
    checks = {c.id: c for c in checks_for(row.exercise, row.run, findings_of(row.name))}
    assert checks["stop_message"].details["diff"] == "{+/n+}" + MESSAGE


# -- how findings and runtime hints combine -----------------------------------------------------


def test_finding_on_the_failing_line_sharpens_an_ambiguous_runtime_hint() -> None:
    # `logs['acc']` raises KeyError 'acc', which alone reads like `history.history['acc']`.
    finding = Finding("acc_key", "runs", None, 11, "        if logs['acc'] > 0.99:")
    history = Finding("history_acc_key", "runs", None, 32, "    return history.history['acc']")
    run = crash("KeyError", "'acc'", None, 11)
    checks = checks_for("mnist_callback", run, (finding, history))
    assert checks[0].hint_id == "acc_key"
    assert checks[0].details["source"]["line"] == 11


def test_generic_runtime_hint_takes_the_finding() -> None:
    finding = Finding("tf1_api", "runs", None, 8, "sess = tf.Session()")
    run = crash("RuntimeError", "something deep inside TensorFlow", None, 20)
    checks = checks_for("mnist_callback", run, (finding,))
    assert (checks[0].hint_id, checks[0].details["source"]["line"]) == ("tf1_api", 8)


def test_finding_never_changes_a_status() -> None:
    # A mistake the run contradicts (the code never ran that line) does not fail a passing check.
    finding = Finding("epochs_limit", "epoch_limit", None, 30, "model.fit(x, y, epochs=15)")
    checks = {c.id: c for c in checks_for("mnist_callback", Run(), (finding,))}
    assert (checks["epoch_limit"].status, checks["epoch_limit"].hint_id) == ("pass", "")


def test_skipped_check_still_names_what_the_code_shows() -> None:
    found = findings_of("mnist_callback/published_solution.ipynb")
    run = crash("TypeError", "'>' not supported between instances of 'NoneType' and 'float'", 2, 8)
    checks = {c.id: c for c in checks_for("mnist_callback", run, found)}
    assert (checks["runs"].status, checks["runs"].hint_id) == ("fail", "acc_key")
    assert (checks["stop_message"].status, checks["stop_message"].hint_id) == (
        "skip",
        "message_slash_n",
    )
    assert checks["stop_message"].details["source"]["line"] == 9
