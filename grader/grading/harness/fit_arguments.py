"""A `fit` call's arguments read as Keras reads them (inside the child): the callbacks it runs,
the epochs it trains, and the grader's recorders slipped in without changing either.

Keras 3's `Model.fit` (keras/src/backend/tensorflow/trainer.py) takes `callbacks` as anything
`keras.tree.flatten` turns into a list (one callback, a list, a tuple, nested ones, a dict) or a
ready `CallbackList`, which it uses as given; and it trains the epochs `range(initial_epoch,
epochs)`, so `epochs` must be an integer (an int or a numpy integer: a float raises Keras's own
TypeError) and only `epochs - initial_epoch` epochs train. See docs/explanation/fit-and-lab.md.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any


def flattened_callbacks(given: Any, callback_list: type, flatten: Callable[[Any], list]) -> list:
    """The callbacks Keras calls for `callbacks=given`, in its order: a `CallbackList`'s own
    list, else `flatten(given)` as `CallbackList` does (nothing for a falsy value)."""
    if isinstance(given, callback_list):
        return list(given.callbacks)
    if given is None:
        return []
    try:
        return list(flatten(given)) if given else []
    except Exception:  # a value Keras cannot read either: it will raise its own error
        return []


def with_recorders(
    given: Any,
    opener: Any,
    recorder: Any,
    model: Any,
    callback_list: type,
    flatten: Callable[[Any], list],
) -> tuple[Any, Callable[[], None]]:
    """What to pass Keras instead of `given`: the same callbacks, `opener` first and `recorder`
    last, and how to undo it once `fit` returns (a `CallbackList` is the student's own object,
    used again after `fit`).

    With the TensorFlow backend (not thread-safe) Keras dispatches every callback in order, so
    the student's callbacks are called with the same arguments at the same points."""
    if isinstance(given, callback_list):
        for ours in (opener, recorder):
            ours.set_model(model)
            ours.set_params(getattr(given, "params", None) or {})
        given.callbacks.insert(0, opener)
        given.callbacks.append(recorder)

        def undo() -> None:
            for ours in (opener, recorder):
                if any(cb is ours for cb in given.callbacks):
                    given.callbacks.remove(ours)

        return given, undo
    try:
        if given is not None and given and not isinstance(given, (list, tuple)):
            flatten(given)  # Keras would refuse it: keep the student's value, and its error
    except Exception:
        return given, _nothing
    if isinstance(given, (list, tuple)):
        return [opener, *given, recorder], _nothing
    if given is None or not given:
        return [opener, recorder], _nothing
    return [opener, given, recorder], _nothing  # one callback, or a dict: flattened in place


def _nothing() -> None:
    return None


def as_number(value: Any) -> int | float | None:
    """An epoch count as a plain number for the evidence: integers (numpy's too) as int, other
    real numbers as float; anything else (a bool, a string, None) as None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def cap_epochs(arguments: dict[str, Any], limit: int) -> tuple[int | float, int] | None:
    """No `fit` trains past the exercise's epoch limit: when `epochs - initial_epoch` exceeds
    `limit`, `epochs` becomes `initial_epoch + limit`, in place and of the student's own type (a
    float stays a float, so Keras raises for it as it would have). Returns (asked, limit), or
    None when nothing was cut. The extra epochs could not change a verdict the limit already
    fails; they only cost grading time."""
    asked = arguments.get("epochs")
    wanted = as_number(asked)
    initial = as_number(arguments.get("initial_epoch") or 0)
    if limit <= 0 or wanted is None or initial is None or wanted - initial <= limit:
        return None
    try:
        arguments["epochs"] = type(asked)(initial + limit)
    except (TypeError, ValueError):
        return None
    return wanted, limit


def epochs_in(history: Any) -> int | None:
    """How many epochs Keras's History says ran (None: `fit` returned something else)."""
    epochs = getattr(history, "epoch", None)
    return len(epochs) if isinstance(epochs, list) else None
