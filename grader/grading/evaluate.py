"""The trusted evaluator: reloads a submission's saved model safely and re-measures its accuracy.

It runs in a process of its own that never executes student code: the model file is loaded with
`safe_mode=True` (no `Lambda` code, no custom classes). It starts while the submission trains, so
its TensorFlow import and data loading are off the critical path, then waits for one request.

Protocol (by the grader only): `python -m grader.grading.evaluate DATASET` prints `ready`, reads
one JSON
request line `{"model": PATH, "scale": S, "train": BOOL}`, prints one JSON `Measurement` line.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grader.grading.sandbox.launcher import kill_group


@dataclass(frozen=True)
class LayerInfo:
    type: str
    units: int | None
    activation: str | None
    output_shape: tuple[int | None, ...] | None


@dataclass(frozen=True)
class Measurement:
    """What the evaluator measured itself. `error` explains a measurement that could not be made."""

    test_accuracy: float | None = None
    train_accuracy: float | None = None
    input_shape: tuple[int | None, ...] | None = None
    output_shape: tuple[int | None, ...] | None = None
    layers: tuple[LayerInfo, ...] = ()
    error: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    # The class of a subclassed model the evaluator cannot rebuild without running its code.
    subclassed: str = ""
    params: int | None = None  # trainable and non-trainable parameters
    weights: str = ""  # fingerprint of the loaded weights (`grader.grading.fingerprint`)


def measurement_from_dict(data: dict[str, Any]) -> Measurement:
    def shape(value: Any) -> tuple[int | None, ...] | None:
        return tuple(value) if value is not None else None

    return Measurement(
        test_accuracy=data.get("test_accuracy"),
        train_accuracy=data.get("train_accuracy"),
        input_shape=shape(data.get("input_shape")),
        output_shape=shape(data.get("output_shape")),
        layers=tuple(
            LayerInfo(
                type=layer["class"],
                units=layer.get("units"),
                activation=layer.get("activation"),
                output_shape=shape(layer.get("output_shape")),
            )
            for layer in data.get("layers", [])
        ),
        error=data.get("error", ""),
        weights=str(data.get("weights", "")),
        subclassed=str(data.get("subclassed", "")),
        params=data.get("params"),
    )


# -- inside the evaluator process ---------------------------------------------------------------


_CHUNK = 8192  # images per call: big enough to keep the cores busy, small enough to stay in cache


def _accuracy(model: Any, images: Any, labels: Any, scale: float) -> float:
    """Share of `images` (float32, unscaled) the model classifies right, inputs times `scale`.

    Calls the model directly in fixed chunks: the same numbers as `predict`, without its tracing
    and data-pipeline set-up (about two thirds of the evaluator's time on a small model).
    """
    import numpy as np

    correct = 0
    for start in range(0, len(labels), _CHUNK):
        batch = images[start : start + _CHUNK] * np.float32(scale)
        truth = labels[start : start + _CHUNK]
        scores = np.asarray(model(batch, training=False))
        if scores.ndim != 2 or scores.shape[0] != len(batch):
            raise ValueError(
                f"the model gives predictions of shape {scores.shape[1:]} per batch of images, "
                f"not one row of class scores per image"
            )
        correct += int(np.count_nonzero(np.argmax(scores, axis=1) == truth))
    return correct / len(labels)


def _shape(value: Any) -> list[int | None] | None:
    """A tensor shape with its batch dimension as None: a model built lazily, by its first batch
    in `fit`, records that batch's size (32) where one built from an `Input` says None. The
    model is the same: the grader never compares the batch dimension."""
    try:
        dims = [None if d is None else int(d) for d in value]
    except TypeError:
        return None
    return [None, *dims[1:]] if dims else dims


# Keras cannot rebuild a model of a class it does not know (a subclass of `keras.Model`); the
# harness saves such a model as a `Sequential` twin when its `call` is a plain stack of layers.
_SUBCLASS = re.compile(r"Could not locate class '([^']+)'")


def _measure(model_path: str, scale: float, train: bool, arrays: Any) -> dict[str, Any]:
    import keras

    try:
        model = keras.models.load_model(model_path, safe_mode=True, compile=False)
    except Exception as exc:
        if (subclass := _SUBCLASS.search(str(exc))) is not None:
            return {"error": "", "subclassed": subclass.group(1)}
        return {"error": f"the saved model could not be loaded safely: {type(exc).__name__}: {exc}"}
    result: dict[str, Any] = {
        "input_shape": _shape(model.inputs[0].shape) if model.inputs else None,
        "output_shape": _shape(model.outputs[0].shape) if model.outputs else None,
        "layers": [
            {
                "class": type(layer).__name__,
                "units": getattr(layer, "units", None),
                "activation": getattr(getattr(layer, "activation", None), "__name__", None),
                "output_shape": _shape(layer.output.shape) if hasattr(layer, "output") else None,
            }
            for layer in model.layers
        ],
    }
    result["params"] = int(model.count_params())
    from grader.grading.fingerprint import weights_fingerprint

    result["weights"] = weights_fingerprint(model.get_weights())
    (x_train, y_train), (x_test, y_test) = arrays
    try:
        result["test_accuracy"] = _accuracy(model, x_test, y_test, scale)
        if train:
            result["train_accuracy"] = _accuracy(model, x_train, y_train, scale)
    except Exception as exc:
        result["error"] = f"the model could not be evaluated: {type(exc).__name__}: {exc}"
    return result


def serve(dataset: str) -> None:
    threads = int(os.environ.get("GRADER_THREADS", "0"))
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.experimental.enable_op_determinism()
    from grader.grading import data

    (x_train, y_train), (x_test, y_test) = data.load_verified(dataset)
    # Converted while the submission trains, not after it.
    arrays = (x_train.astype("float32"), y_train), (x_test.astype("float32"), y_test)
    import keras  # noqa: F401  (imported before `ready` so the request is answered at once)

    print("ready", flush=True)
    request = json.loads(sys.stdin.readline())
    reply = _measure(request["model"], float(request["scale"]), bool(request["train"]), arrays)
    print(json.dumps(reply), flush=True)


# -- the grader's side --------------------------------------------------------------------------


class Evaluator:
    """A warm evaluator process: start it early, ask it once, and it is gone."""

    def __init__(self, dataset: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader.grading.evaluate", dataset],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            start_new_session=True,
        )

    def measure(self, model: Path, scale: float, train: bool, timeout_s: float) -> Measurement:
        request = json.dumps({"model": str(model), "scale": scale, "train": train})
        try:
            out, err = self.proc.communicate(request + "\n", timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.close()
            return Measurement(error=f"the evaluator did not answer within {timeout_s:g} s")
        lines = [line for line in out.splitlines() if line.strip()]
        if len(lines) < 2 or lines[0] != "ready":
            last = (err.strip().splitlines() or ["no output"])[-1]
            return Measurement(error=f"the evaluator failed: {last}")
        return measurement_from_dict(json.loads(lines[-1]))

    def close(self) -> None:
        if self.proc.poll() is None:
            kill_group(self.proc.pid)
            self.proc.wait()


def layers_as_dicts(measurement: Measurement) -> list[dict[str, Any]]:
    return [asdict(layer) for layer in measurement.layers]


if __name__ == "__main__":
    serve(sys.argv[1])
    sys.stdout.flush()
    os._exit(0)  # the reply is out: skip TensorFlow's teardown, which the grader would wait for
