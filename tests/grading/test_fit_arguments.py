"""`grader.grading.harness.fit_arguments`: a `fit` call's callbacks and epochs read as Keras reads
them, with Keras's own `CallbackList` and `keras.tree.flatten` (no model is trained here)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from grader.grading.harness.fit_arguments import (
    as_number,
    cap_epochs,
    flattened_callbacks,
    with_recorders,
)

keras = pytest.importorskip("keras")
CallbackList = keras.callbacks.CallbackList
flatten = keras.tree.flatten


class Mine(keras.callbacks.Callback):
    pass


def test_every_callbacks_form_keras_accepts_gives_the_callbacks_keras_calls() -> None:
    one, two = Mine(), Mine()
    assert flattened_callbacks(one, CallbackList, flatten) == [one]
    assert flattened_callbacks([one, two], CallbackList, flatten) == [one, two]
    assert flattened_callbacks((one,), CallbackList, flatten) == [one]
    assert flattened_callbacks([[one], (two,)], CallbackList, flatten) == [one, two]
    assert flattened_callbacks({"b": two, "a": one}, CallbackList, flatten) == [one, two]
    assert flattened_callbacks(None, CallbackList, flatten) == []
    assert flattened_callbacks([], CallbackList, flatten) == []
    ready = CallbackList([one])
    assert flattened_callbacks(ready, CallbackList, flatten) == [one]
    # Keras's own container builds the same list from each form (the reference).
    for form in (one, [one, two], (one,), [[one], (two,)]):
        assert flattened_callbacks(form, CallbackList, flatten) == CallbackList(form).callbacks


def test_the_recorders_surround_the_students_callbacks() -> None:
    one, opener, recorder = Mine(), Mine(), Mine()
    for form in (one, [one], (one,), [[one]]):
        passed, undo = with_recorders(form, opener, recorder, None, CallbackList, flatten)
        assert CallbackList(passed).callbacks == [opener, one, recorder]
        undo()
    passed, _ = with_recorders(None, opener, recorder, None, CallbackList, flatten)
    assert passed == [opener, recorder]


def test_a_callbacklist_gets_the_recorders_for_the_fit_only() -> None:
    one, opener, recorder = Mine(), Mine(), Mine()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    ready = CallbackList([one], add_history=True, model=model)
    before = list(ready.callbacks)
    passed, undo = with_recorders(ready, opener, recorder, model, CallbackList, flatten)
    assert passed is ready  # Keras uses a CallbackList as given
    assert ready.callbacks == [opener, *before, recorder]
    assert opener.model is model and recorder.model is model
    undo()
    assert ready.callbacks == before


def test_a_value_keras_refuses_is_passed_unchanged() -> None:
    """Keras raises its own error for it: the student sees that error, not one of ours."""
    weird = np.array([1, 2])  # its truth value is ambiguous
    opener, recorder = Mine(), Mine()
    passed, _ = with_recorders(weird, opener, recorder, None, CallbackList, flatten)
    assert passed is weird
    assert flattened_callbacks(weird, CallbackList, flatten) == []


@pytest.mark.parametrize(
    ("asked", "initial", "limit", "expected", "cut"),
    [
        (10, 0, 10, 10, None),
        (25, 0, 10, 10, (25, 10)),
        (np.int64(25), 0, 10, np.int64(10), (25, 10)),
        (25.0, 0, 10, 10.0, (25.0, 10)),  # still a float: Keras raises for it as it would
        (20, 15, 10, 20, None),  # resumed: trains 5, within the limit
        (40, 15, 10, 25, (40, 10)),  # resumed: trains 25, cut to 10 after epoch 15
        (25, 0, 0, 25, None),  # no limit given
        (True, 0, 10, True, None),
    ],
)
def test_epochs_are_capped_like_keras_counts_them(
    asked: Any, initial: int, limit: int, expected: Any, cut: tuple | None
) -> None:
    arguments = {"epochs": asked, "initial_epoch": initial}
    assert cap_epochs(arguments, limit) == cut
    assert arguments["epochs"] == expected
    assert type(arguments["epochs"]) is type(expected)


def test_epoch_counts_become_plain_numbers_for_the_evidence() -> None:
    assert as_number(np.int32(3)) == 3 and type(as_number(np.int32(3))) is int
    assert as_number(np.float32(2.0)) == 2.0 and type(as_number(np.float32(2.0))) is float
    assert as_number(True) is None
    assert as_number("5") is None
    assert as_number(None) is None
