"""`parse_events`: folding the child's event stream into Evidence, and surviving bad events."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from grader.grading.evidence import (
    CompileInfo,
    DataInfo,
    EpochRecord,
    Evidence,
    FitCall,
    RuntimeFailure,
    parse_events,
    summarize_exception_message,
)

START = {
    "type": "start",
    "t": 0.0,
    "versions": {"python": "3.11.9", "tensorflow": "2.21.0"},
    "seed": 1234,
}


def fit_start(fit: int, epochs: Any = 10, **extra: Any) -> dict[str, Any]:
    return {"type": "fit_start", "fit": fit, "epochs": epochs, **extra}


def epoch(fit: int, n: int, acc: float, **extra: Any) -> dict[str, Any]:
    return {"type": "epoch", "fit": fit, "epoch": n, "logs": {"accuracy": acc}, **extra}


def test_a_full_stream() -> None:
    evidence = parse_events(
        [
            START,
            {
                "type": "compile",
                "loss": {"name": "sparse_categorical_crossentropy", "from_logits": False},
                "optimizer": {"name": "Adam", "learning_rate": 0.001},
                "metrics": ["accuracy"],
            },
            fit_start(
                0,
                callbacks=[
                    {
                        "name": "myCallback",
                        "is_class": False,
                        "is_keras_callback": True,
                        "hooks": ["on_epoch_end"],
                        "builtin": False,
                    },
                    {"name": "EarlyStopping", "is_keras_callback": True, "builtin": True},
                ],
                callbacks_given=True,
                x={
                    "kind": "ndarray",
                    "shape": [60000, 28, 28],
                    "dtype": "float64",
                    "min": 0.0,
                    "max": 1.0,
                },
                on_train_set=True,
                layers=[{"class": "Flatten"}],
            ),
            epoch(0, 0, 0.95, t=3.5, stop_training=False, loss=0.2),
            {"type": "print", "text": "\nReached", "fit": 0, "epoch": 1, "phase": "epoch_end"},
            epoch(0, 1, 0.991, stop_training=True, callback_stop_flag=False, t=6.25),
            {"type": "fit_end", "fit": 0, "epochs_run": 2},
            {"type": "print", "text": "done", "t": 7.0},
            {"type": "model", "saved": True, "t": 8.5},
        ]
    )
    assert evidence.started
    assert evidence.versions == {"python": "3.11.9", "tensorflow": "2.21.0"}
    assert evidence.seed == 1234
    assert evidence.compile == CompileInfo(
        "sparse_categorical_crossentropy", False, "Adam", ("accuracy",)
    )
    fit = evidence.graded_fit
    assert fit is not None and fit.index == 0
    assert fit.epochs_requested == 10
    assert fit.callbacks_given and fit.on_train_set and not fit.on_test_set
    assert [cb.name for cb in fit.callbacks] == ["myCallback", "EarlyStopping"]
    assert [cb.name for cb in fit.student_callbacks] == ["myCallback"]
    assert fit.callbacks[0].hooks == ("on_epoch_end",)
    assert fit.x == DataInfo("ndarray", (60000, 28, 28), "float64", 0.0, 1.0)
    assert fit.layers == ({"class": "Flatten"},)
    assert fit.epochs == (
        EpochRecord(0, {"accuracy": 0.95}, False, False, 3.5),
        EpochRecord(1, {"accuracy": 0.991}, True, False, 6.25),
    )
    assert fit.error == ""
    assert [(p.text, p.fit, p.epoch, p.phase) for p in evidence.prints] == [
        ("\nReached", 0, 1, "epoch_end"),
        ("done", -1, None, "outside"),
    ]
    assert evidence.model_saved and evidence.model_problem == ""
    assert evidence.failure is None
    assert evidence.entry_point_called == ""
    assert evidence.epochs_finished() == 2
    assert evidence.last_event_t == 8.5


def test_an_empty_stream_is_empty_evidence() -> None:
    evidence = parse_events([])
    assert evidence == Evidence()
    assert not evidence.started and evidence.graded_fit is None and evidence.compile is None


MALFORMED: list[Any] = [
    {"type": "epoch", "fit": 0, "epoch": 5},  # no logs
    {"type": "epoch", "fit": 0, "epoch": 5, "logs": "accuracy=1.0"},  # logs not a dict
    {"type": "epoch", "fit": 0, "epoch": 5, "logs": {"accuracy": "high"}},  # not a number
    {"type": "epoch", "fit": "first", "epoch": 5, "logs": {"accuracy": 1.0}},
    {"type": "fit_start", "epochs": 99},  # no fit index
    {"type": "fit_start", "fit": None, "epochs": 99},
    {"type": "compile", "loss": "mse"},  # loss must be a dict
    {"type": "cell", "index": 4},  # no execution count
    {"type": "print", "fit": "x", "text": "forged"},
    {"type": "error", "frames": "line 3"},  # frames must be a list of dicts
    {"type": "no-such-event", "fit": 0},
    {"fit": 0, "epoch": 5, "logs": {"accuracy": 1.0}},  # no type at all
]


@pytest.mark.parametrize("bad", MALFORMED, ids=lambda e: str(e)[:40])
def test_a_malformed_event_is_skipped_and_the_rest_kept(bad: dict[str, Any]) -> None:
    good = [START, fit_start(0, epochs=2), epoch(0, 0, 0.9), epoch(0, 1, 0.95)]
    evidence = parse_events([*good[:2], bad, *good[2:]])
    # What the good events say, written out here (not taken from parse_events itself).
    fit = FitCall(0, 2, (), False, None, False, False, ())
    epochs = (
        EpochRecord(0, {"accuracy": 0.9}, False, False, 0.0),
        EpochRecord(1, {"accuracy": 0.95}, False, False, 0.0),
    )
    assert evidence == Evidence(
        started=True,
        versions={"python": "3.11.9", "tensorflow": "2.21.0"},
        seed=1234,
        fits=(replace(fit, epochs=epochs),),
    )


def test_a_malformed_start_does_not_count_as_started() -> None:
    for bad in (
        {"type": "start", "versions": "2.21", "seed": 1},
        {"type": "start", "versions": {"tf": "2.21"}, "seed": "random"},
        {"type": "start"},
    ):
        evidence = parse_events([bad])
        assert not evidence.started, bad
        assert evidence == Evidence(), bad


def test_epochs_go_to_their_own_fit() -> None:
    evidence = parse_events(
        [
            START,
            fit_start(0, epochs=2),
            epoch(0, 0, 0.5),
            fit_start(1, epochs=3),
            epoch(1, 0, 0.7),
            epoch(0, 1, 0.6),  # late, out of order: still the first fit's
            epoch(1, 1, 0.8),
            epoch(7, 0, 1.0),  # a fit that never started: dropped
            {"type": "fit_end", "fit": 1, "error": "KeyboardInterrupt: "},
        ]
    )
    first, second = evidence.fits
    assert [e.accuracy() for e in first.epochs] == [0.5, 0.6]
    assert [e.accuracy() for e in second.epochs] == [0.7, 0.8]
    assert first.error == "" and second.error == "KeyboardInterrupt: "
    assert evidence.graded_fit == second
    assert evidence.epochs_finished() == 4


def test_epoch_accuracy_prefers_the_keras_3_name() -> None:
    def record(logs: dict[str, float]) -> EpochRecord:
        return EpochRecord(0, logs, False, False, 0.0)

    assert record({"acc": 0.5, "accuracy": 0.9}).accuracy() == 0.9
    assert record({"loss": 0.1, "acc": 0.5}).accuracy() == 0.5
    assert record({"sparse_categorical_accuracy": 0.7}).accuracy() == 0.7
    assert record({"loss": 0.1, "val_accuracy": 0.8}).accuracy() is None


def test_odd_but_valid_fields_are_normalised() -> None:
    evidence = parse_events(
        [
            fit_start(0, epochs="ten", x={"kind": "Tensor", "shape": [None, 28, 28]}),
            {"type": "epoch", "fit": "0", "epoch": "0", "logs": {"accuracy": "0.5", 1: 2}},
            {"type": "model", "saved": False, "reason": "ValueError: cannot save"},
        ]
    )
    fit = evidence.fits[0]
    assert fit.epochs_requested is None
    assert fit.x == DataInfo("Tensor", (-1, 28, 28))
    assert fit.epochs[0].logs == {"accuracy": 0.5, "1": 2.0}
    assert not evidence.model_saved
    assert evidence.model_problem == "ValueError: cannot save"


# --- Errors and where they happened --------------------------------------------------------------


def error(frames: list[dict[str, Any]], exc_type: str = "TypeError", msg: str = "bad") -> dict:
    return {"type": "error", "exc_type": exc_type, "message": msg, "frames": frames}


def test_a_module_error_takes_the_innermost_student_frame() -> None:
    evidence = parse_events([START, error([{"cell": None, "line": 35}, {"line": 11}])])
    assert evidence.failure == RuntimeFailure("TypeError", "bad", None, 11)


def test_notebook_execution_counts_map_to_cell_numbers() -> None:
    # Cells 1 and 3 are markdown: the runner executes cells 2, 4 and 5 as executions 1, 2, 3.
    events = [
        START,
        {"type": "cell", "index": 1, "execution_count": 1},
        {"type": "cell", "index": 3, "execution_count": 2},
        {"type": "cell", "index": 4, "execution_count": 3},
        error([{"cell": 3, "line": 1}, {"cell": 2, "line": 4}], "NameError", "name 'x'"),
    ]
    assert parse_events(events).failure == RuntimeFailure("NameError", "name 'x'", 4, 4)


def test_an_error_in_a_cell_tagged_raises_exception_is_allowed_not_failed() -> None:
    events = [
        START,
        {"type": "cell", "index": 1, "execution_count": 1, "may_raise": True},
        error([{"cell": 1, "line": 2}], "ValueError", "expected rank 2"),
        {"type": "cell", "index": 2, "execution_count": 2, "may_raise": False},
        error([{"cell": 2, "line": 1}], "ZeroDivisionError", "division by zero"),
    ]
    evidence = parse_events(events)
    assert evidence.allowed_failures == (RuntimeFailure("ValueError", "expected rank 2", 2, 2),)
    assert evidence.failures == (RuntimeFailure("ZeroDivisionError", "division by zero", 3, 1),)


def test_an_unmapped_execution_count_is_kept_as_is() -> None:
    events = [START, {"type": "cell", "index": 0, "execution_count": 1}, error([{"cell": 9}])]
    failure = parse_events(events).failure
    assert failure is not None and (failure.cell, failure.line) == (9, None)


def test_only_the_first_error_counts() -> None:
    events = [START, error([{"line": 3}], "KeyError", "'acc'"), error([{"line": 9}], "ValueError")]
    assert parse_events(events).failure == RuntimeFailure("KeyError", "'acc'", None, 3)


def test_an_error_without_student_frames_has_no_place() -> None:
    evidence = parse_events([START, {"type": "error", "exc_type": "MemoryError"}])
    assert evidence.failure == RuntimeFailure("MemoryError", "", None, None)
    assert evidence.failure.describe() == "MemoryError"


def test_entry_point_event() -> None:
    assert parse_events([{"type": "entry_point", "name": "train_mnist"}]).entry_point_called == (
        "train_mnist"
    )


# --- Exception messages as a student sees them --------------------------------------------------


def test_graph_execution_errors_are_cut_to_their_cause() -> None:
    message = (
        "Graph execution error:\n\n"
        "Detected at node compile_loss/sparse_categorical_crossentropy defined at (most recent "
        "call last):\n"
        '  File "/tmp/work/submission.py", line 18, in <module>\n\n'
        "Received a label value of 9 which is outside the valid range of [0, 5).  Label values: "
        "0 1 2\n\t [[{{node compile_loss/SparseSoftmaxCrossEntropyWithLogits}}]] "
        "[Op:__inference_multi_step_on_iterator_652]"
    )
    assert summarize_exception_message(message) == (
        "Received a label value of 9 which is outside the valid range of [0, 5).  Label values: "
        "0 1 2"
    )


def test_long_messages_are_cut_and_short_ones_kept() -> None:
    assert summarize_exception_message("  one line  \nsecond") == "one line"
    long = summarize_exception_message("x" * 500)
    assert len(long) == 300 and long.endswith("…")
    assert summarize_exception_message("   \n ") == ""
    assert RuntimeFailure("KeyError", "'acc'", None, 1).describe() == "KeyError: 'acc'"
