"""Hints found wrong by `grader selftest` and fixed: `runs` names the loss, not a missing
Flatten, when integer labels meet a one-hot loss (its loss_changed mutant was hinted
`missing_flatten`; the messages are Keras 3's own, as the harness recorded them), and
`train_accuracy` names a model trained on the test images (its other_data mutant was hinted
`accuracy_not_confirmed`)."""

from __future__ import annotations

from grader.grading.checks.runs import hint_for_failure
from grader.grading.evidence import RuntimeFailure

RANK = "Arguments `target` and `output` must have the same rank (ndim). Received: "


def test_a_one_hot_loss_on_integer_labels_gets_the_sparse_loss_hint() -> None:
    flat = RuntimeFailure(
        "ValueError", RANK + "target.shape=(32,), output.shape=(32, 10)", None, 29
    )
    assert hint_for_failure(flat) == "sparse_loss"
    lazy = RuntimeFailure(
        "ValueError", RANK + "target.shape=(None,), output.shape=(None, 10)", 4, 2
    )
    assert hint_for_failure(lazy) == "sparse_loss"


def test_a_model_without_flatten_keeps_the_missing_flatten_hint() -> None:
    deep = RuntimeFailure(
        "ValueError", RANK + "target.shape=(None,), output.shape=(None, 28, 10)", 4, 14
    )
    assert hint_for_failure(deep) == "missing_flatten"


def test_train_accuracy_names_a_model_trained_on_the_test_images() -> None:
    """The selftest's other_data mutant of a callback exercise: `fit(x_test, y_test)` logs 99%
    on the test images; the grader's own measurement on the training images is lower."""
    from test_checks import check, ctx, measured, saved, training

    from grader.spec.exercise import load_exercise

    spec = load_exercise("mnist_callback")
    events = [*training([0.95, 0.991], stop_at=1, on_test_set=True), saved()]
    verdict = check("train_accuracy", ctx(spec, events, measured(train=0.975)))
    assert (verdict.status, verdict.hint_id) == ("fail", "train_on_test")
    assert "trained on the test images" in verdict.message
    honest = check("train_accuracy", ctx(spec, [*training([0.95, 0.991], stop_at=1), saved()]))
    assert honest.status == "pass"
