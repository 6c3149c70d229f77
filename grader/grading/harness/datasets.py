"""The course's data sets inside the child: every `load_data()` spelling returns the verified
arrays (never a download, `path=` ignored), and `fit` can tell whether it was given the
exercise's training or test images.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import numpy as np

from grader.grading import data

_PROBES: dict[str, np.ndarray] = {}  # "train", "test": the exercise's first images, scaled
_OTHERS: list[np.ndarray] = []  # the same of the other course data sets the code loaded


def serve() -> None:
    """Patch Keras's loaders: the exercise's data set (GRADER_DATASET) read now, for the probes;
    another one when the submission loads it."""
    wanted = os.environ.get("GRADER_DATASET", "")
    for name in data.DATASET_NAMES:
        load_data = _Loader(name, other=name != wanted)
        if name == wanted:
            try:
                (x_train, _), (x_test, _) = load_data.arrays()
            except RuntimeError:
                pass  # the student's load_data() will say why
            else:
                _PROBES.update(train=_probe(x_train), test=_probe(x_test))
        for module_name in (f"keras.datasets.{name}", f"keras.src.datasets.{name}"):
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            module.load_data = load_data
    # tf.keras resolves to the same Keras modules patched above; nothing more to do there.


class _Loader:
    """A `load_data` for data set `name`: the verified arrays (read once), copied at each call;
    one that is missing or corrupt fails with the grader's plain message, never a download."""

    def __init__(self, name: str, other: bool) -> None:
        self.name, self.other = name, other
        self.read: Any = None

    def arrays(self) -> Any:
        """The verified arrays themselves (not copies: for the grader's own probes)."""
        if self.read is None:
            try:
                self.read = data.load_verified(self.name)
            except data.DataError as exc:
                raise RuntimeError(str(exc)) from None
            if self.other:  # to tell a fit on it from one on the exercise's data
                (x_train, _), (x_test, _) = self.read
                _OTHERS.extend([_probe(x_train), _probe(x_test)])
        return self.read

    def __call__(self, path: str | None = None) -> Any:
        (x_train, y_train), (x_test, y_test) = self.arrays()
        return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())


def _probe(images: np.ndarray) -> np.ndarray:
    """A small, scale-free fingerprint of the first images, to recognise a data set in `fit`."""
    sample = np.asarray(images[:32], dtype=np.float64).reshape(32, -1)
    peak = sample.max() or 1.0
    return sample / peak


def _matches(probe: np.ndarray | None, x: Any) -> bool:
    if probe is None or not isinstance(x, np.ndarray) or x.shape[0] < 32:
        return False
    try:
        return bool(np.allclose(_probe(x), probe, atol=1e-3))
    except ValueError:
        return False


def is_train_set(x: Any) -> bool:
    return _matches(_PROBES.get("train"), x)


def is_test_set(x: Any) -> bool:
    return _matches(_PROBES.get("test"), x)


def is_other_set(x: Any) -> bool:
    """Whether `x` holds another course data set's images the code loaded (callers ask only of
    data that is not the exercise's training set)."""
    return any(_matches(probe, x) for probe in _OTHERS)
