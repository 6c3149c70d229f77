"""The trained model, made ready for the evaluator (inside the child): which model is graded
when the code trains several, and the forms a safe load accepts."""

from __future__ import annotations

from typing import Any

import numpy as np


class Models:
    """The models the student's code trained, numbered in the order of their first `fit`."""

    def __init__(self) -> None:
        self.trained: list[Any] = []
        self.last_fitted: Any = None
        self.last_compiled: Any = None
        self.sample: Any = None  # the first rows of the last array `fit` was given
        self.fit_order: list[Any] = []  # the model of every `fit`, in order
        self.elsewhere: list[Any] = []  # models trained on another course data set
        self.seen: list[Any] = []  # every model compiled or fitted, in order: its identity

    def identity(self, model: Any) -> int:
        """The model's number among all models compiled or fitted (by identity), so a compile
        and a fit of the same model can be matched in the evidence."""
        for number, seen in enumerate(self.seen):
            if seen is model:
                return number
        self.seen.append(model)
        return len(self.seen) - 1

    def number(self, model: Any) -> int:
        """The model's number (by identity: several `fit`s of one model are one model)."""
        for number, seen in enumerate(self.trained):
            if seen is model:
                return number
        self.trained.append(model)
        return len(self.trained) - 1

    def fitted(self, model: Any, x: Any, other_data: bool = False) -> None:
        """`model` is being fitted on `x` (`other_data`: recognisably another course data set
        than the exercise's, such as a lab's side experiment on the digits)."""
        self.last_fitted = model
        self.fit_order.append(model)
        if other_data and not any(m is model for m in self.elsewhere):
            self.elsewhere.append(model)
        if isinstance(x, np.ndarray) and len(x):
            self.sample = x[:64]  # to check a subclassed model against its Sequential twin

    def graded(self, rule: str) -> Any:
        """The model the grader judges, by the spec's `graded_fit` rule among the models trained
        ("last": the model of the last `fit`; "first": of the first); if none was trained, the
        last one compiled (its architecture can still be judged).

        A model trained on another course data set is passed over while one trained otherwise
        remains: the exercise's model is the one to judge, not the lab's side experiment."""
        if not self.trained:
            return self.last_compiled
        order = [m for m in self.fit_order if not any(m is e for e in self.elsewhere)]
        order = order or self.fit_order
        return order[0] if rule == "first" else order[-1]


MODELS = Models()


# TensorFlow ops that the tutorials pass as activations, and their Keras equivalents.
_TF_ACTIVATIONS = {
    "softmax_v2": "softmax",
    "softmax": "softmax",
    "relu": "relu",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "elu": "elu",
    "selu": "selu",
}


def canonical_activations(model: Any) -> None:
    """Swap `tf.nn.softmax`-style activations for Keras's own, which a safe load accepts.

    The functions compute the same thing; only their serialised name differs.
    """
    import keras

    for layer in getattr(model, "layers", []):
        activation = getattr(layer, "activation", None)
        module = getattr(activation, "__module__", "") or ""
        name = _TF_ACTIVATIONS.get(getattr(activation, "__name__", ""))
        if activation is not None and name and not module.startswith("keras"):
            layer.activation = keras.activations.get(name)


def sequential_twin(model: Any, sample: Any) -> Any:
    """A subclassed `keras.Model` whose `call` is a plain stack of its layers, as a `Sequential`
    of the same layer objects (the same weights), which the evaluator loads without the
    student's class. None for Keras's own models, or when the twin computes anything else."""
    import keras

    if type(model).__module__.startswith("keras") or sample is None:
        return None
    layers = list(getattr(model, "layers", []))
    if not layers:
        return None
    try:
        twin = keras.Sequential(layers)
        same = np.allclose(
            np.asarray(twin(sample, training=False)),
            np.asarray(model(sample, training=False)),
            atol=1e-5,
        )
    except Exception:  # layers that do not stack: the evaluator says what it can
        return None
    if not same:
        return None
    return twin
