"""`runs` names the loss, not a missing Flatten, when integer labels meet a one-hot loss (found by
`grader selftest`: its loss_changed mutant of every dense reference was hinted `missing_flatten`).
The messages are Keras 3's own, as the harness recorded them."""

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
