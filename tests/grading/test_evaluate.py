"""The trusted evaluator on real tiny `.keras` models: measurements, refusals, errors, no crashes.

The models are built and trained here (one epoch on 2,000 MNIST images); each measurement runs in
a real evaluator process, as grading does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader.grading import data
from grader.grading.evaluate import (
    Evaluator,
    LayerInfo,
    Measurement,
    _measure,
    measurement_from_dict,
)

pytestmark = pytest.mark.integration  # spawns a grading child or the CLI

SCALE = 1 / 255


# name -> (model, scale, train): one evaluator process each, all started before the models are
# built (as grading starts its evaluator while the submission trains), so their start-ups overlap.
REQUESTS: dict[str, tuple[str, float, bool]] = {
    "good": ("good", SCALE, True),
    "lambda": ("lambda", SCALE, True),
    "no_flatten": ("no_flatten", SCALE, True),
    "corrupt": ("corrupt", SCALE, False),
}


def env() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "GRADER_THREADS": "1"}


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every request's Measurement, plus the models and the arrays they were measured on."""
    evaluators = {name: Evaluator("mnist", env()) for name in REQUESTS}
    try:
        models = build_models(tmp_path_factory.mktemp("models"))
        results: dict[str, Any] = {
            name: evaluators[name].measure(models[model], scale, train, timeout_s=120)
            for name, (model, scale, train) in REQUESTS.items()
        }
    finally:
        for one in evaluators.values():
            one.close()
    results["models"] = models
    return results


def build_models(folder: Path) -> dict[str, Path]:
    """The saved models, by name: one good, one with a Lambda layer, one without Flatten."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    keras.utils.set_random_seed(1234)
    (x_train, y_train), _ = data.load_verified("mnist")
    x, y = x_train[:2000].astype("float32") * SCALE, y_train[:2000]

    def build(name: str, *layers: Any, train: bool = True) -> Path:
        model = keras.Sequential([keras.Input(shape=(28, 28)), *layers])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        if train:
            model.fit(x, y, epochs=1, batch_size=32, verbose=0)
        path = folder / f"{name}.keras"
        model.save(path)
        return path

    corrupt = folder / "corrupt.keras"
    corrupt.write_bytes(np.random.default_rng(0).bytes(4096))
    return {
        "good": build(
            "good",
            keras.layers.Flatten(),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ),
        "lambda": build(
            "lambda",
            keras.layers.Lambda(lambda t: t * 2.0),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
            train=False,
        ),
        "no_flatten": build(
            "no_flatten", keras.layers.Dense(10, activation="softmax"), train=False
        ),
        "corrupt": corrupt,
    }


def own_accuracy(model_path: Path, scale: float, split: int) -> float:
    """The model's accuracy computed here, in the test process, to check the evaluator's."""
    import keras

    model = keras.models.load_model(model_path)
    images, labels = data.load_verified("mnist")[split]
    predictions = model.predict(images.astype("float32") * scale, batch_size=2048, verbose=0)
    return float(np.mean(np.argmax(predictions, axis=1) == labels))


def test_a_good_model_is_measured(measured: dict[str, Any]) -> None:
    m: Measurement = measured["good"]
    assert m.error == ""
    assert m.test_accuracy is not None and 0.5 <= m.test_accuracy <= 1.0
    assert m.train_accuracy is not None and 0.5 <= m.train_accuracy <= 1.0
    assert m.test_accuracy == pytest.approx(own_accuracy(measured["models"]["good"], SCALE, 1))
    assert m.train_accuracy == pytest.approx(own_accuracy(measured["models"]["good"], SCALE, 0))
    assert m.input_shape == (None, 28, 28)
    assert m.output_shape == (None, 10)
    assert m.layers == (
        LayerInfo("Flatten", None, None, (None, 784)),
        LayerInfo("Dense", 32, "relu", (None, 32)),
        LayerInfo("Dense", 10, "softmax", (None, 10)),
    )


def test_the_scale_is_applied_and_train_is_optional(measured: dict[str, Any]) -> None:
    # The evaluator's own measuring function, called here directly: raw 0-255 pixels fed to a
    # model that learned on [0, 1] score differently, and train=False skips the training set.
    raw = measurement_from_dict(
        _measure(str(measured["models"]["good"]), 1.0, False, data.load_verified("mnist"))
    )
    assert raw.error == "" and raw.test_accuracy is not None
    assert raw.train_accuracy is None
    assert raw.test_accuracy != measured["good"].test_accuracy
    assert raw.test_accuracy == pytest.approx(own_accuracy(measured["models"]["good"], 1.0, 1))


def test_a_lambda_layer_is_refused(measured: dict[str, Any]) -> None:
    m: Measurement = measured["lambda"]
    assert m.error.startswith("the saved model could not be loaded safely:")
    assert "Lambda" in m.error and "safe_mode" in m.error
    assert m.test_accuracy is None and m.train_accuracy is None and m.layers == ()


def test_a_model_without_flatten_is_an_error_not_a_crash(measured: dict[str, Any]) -> None:
    m: Measurement = measured["no_flatten"]
    assert m.error.startswith("the model could not be evaluated: ValueError:")
    assert "not one row of class scores per image" in m.error
    assert "(28, 10)" in m.error
    assert m.test_accuracy is None
    # What could be read is still reported, for the architecture check.
    assert m.output_shape == (None, 28, 10)
    assert m.layers == (LayerInfo("Dense", 10, "softmax", (None, 28, 10)),)


def test_a_corrupt_or_missing_file_is_an_error(measured: dict[str, Any], tmp_path: Path) -> None:
    corrupt: Measurement = measured["corrupt"]
    assert corrupt.error.startswith("the saved model could not be loaded safely:")
    assert corrupt == Measurement(error=corrupt.error)
    missing = _measure(str(tmp_path / "none.keras"), SCALE, False, data.load_verified("mnist"))
    assert missing["error"].startswith("the saved model could not be loaded safely:")


def test_an_evaluator_that_does_not_answer_in_time(tmp_path: Path) -> None:
    one = Evaluator("mnist", env())
    try:
        m = one.measure(tmp_path / "any.keras", SCALE, train=True, timeout_s=0.01)
        assert m == Measurement(error="the evaluator did not answer within 0.01 s")
        assert one.proc.poll() is not None  # and it was ended
    finally:
        one.close()


def test_an_evaluator_without_the_data_set(tmp_path: Path) -> None:
    one = Evaluator("mnist", {**env(), "GRADER_DATA_DIR": str(tmp_path)})
    try:
        m = one.measure(tmp_path / "any.keras", SCALE, train=False, timeout_s=120)
    finally:
        one.close()
    assert m.error.startswith("the evaluator failed:")
    assert "grader data fetch" in m.error
    assert m.test_accuracy is None


def test_close_ends_a_waiting_evaluator() -> None:
    one = Evaluator("mnist", env())
    assert one.proc.poll() is None
    one.close()
    assert one.proc.poll() is not None
    one.close()  # twice is harmless


def test_measurement_from_dict() -> None:
    m = measurement_from_dict(
        {
            "test_accuracy": 0.9,
            "input_shape": [None, 28, 28],
            "layers": [{"class": "Dense", "units": 10, "output_shape": [None, 10]}],
        }
    )
    assert m == Measurement(
        test_accuracy=0.9,
        input_shape=(None, 28, 28),
        layers=(LayerInfo("Dense", 10, None, (None, 10)),),
    )
