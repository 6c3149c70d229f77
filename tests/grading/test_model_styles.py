"""Architecture is judged on structure, never on how or when the model was built.

One child process builds the same network six ways (lazily, with `add`, from an `Input`, with the
functional API, as a subclass whose `call` stacks its layers, and as a subclass that does more),
trains each for one step on a few images, saves it as the harness does (a stacking subclass as
its `Sequential` twin) and reloads it as the evaluator does. No training worth the name: seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from paths import ROOT

from grader.grading.evaluate import measurement_from_dict
from grader.spec.exercise import load_exercise
from grader.spec.pattern import compare

pytestmark = pytest.mark.integration

CHILD = r"""
import json, sys
import numpy as np
import keras
from grader.grading.evaluate import _measure
from grader.grading.harness import saving

L = keras.layers
rng = np.random.default_rng(0)
x = rng.random((64, 28, 28), dtype=np.float32)
y = rng.integers(0, 10, 64)


def stack():
    return [L.Flatten(), L.Dense(16, activation="relu"), L.Dense(10, activation="softmax")]


class Stacked(keras.Model):
    def __init__(self):
        super().__init__()
        self.flat, self.hidden, self.out = stack()

    def call(self, inputs):
        return self.out(self.hidden(self.flat(inputs)))


class Doubled(Stacked):
    def call(self, inputs):  # not a plain stack: the hidden layer is applied twice
        h = self.hidden(self.flat(inputs))
        return self.out(h + h)


def added():
    model = keras.Sequential()
    for layer in stack():
        model.add(layer)
    return model


def functional():
    inputs = keras.Input((28, 28))
    h = inputs
    for layer in stack():
        h = layer(h)
    return keras.Model(inputs, h)


styles = {
    "lazy": lambda: keras.Sequential(stack()),
    "add": added,
    "input": lambda: keras.Sequential([keras.Input((28, 28)), *stack()]),
    "functional": functional,
    "subclass": Stacked,
    "subclass_not_a_stack": Doubled,
}
out = {}
for name, make in styles.items():
    model = make()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    twin = saving.sequential_twin(model, x)
    path = f"{sys.argv[1]}/{name}.keras"
    (twin or model).save(path)
    out[name] = _measure(path, 1.0, False, ((x, y), (x, y)))
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("styles")
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin", "HOME": str(folder)},
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("style", ["lazy", "add", "input", "functional", "subclass"])
def test_the_same_network_matches_however_it_was_built(measured: dict, style: str) -> None:
    measurement = measurement_from_dict(measured[style])
    assert not measurement.error and not measurement.subclassed
    assert measurement.input_shape == (None, 28, 28)  # the batch dimension is never recorded
    layers = tuple(layer for layer in measurement.layers if layer.type != "InputLayer")
    rows = compare(layers, load_exercise("mnist_callback").architecture)
    assert all(row["match"] for row in rows), rows
    assert measurement.params == 784 * 16 + 16 + 16 * 10 + 10


def test_a_subclass_that_is_not_a_stack_is_named_not_crashed(measured: dict) -> None:
    measurement = measurement_from_dict(measured["subclass_not_a_stack"])
    assert measurement.subclassed == "Doubled"
    assert measurement.error == "" and measurement.layers == ()
