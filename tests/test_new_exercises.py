"""End to end for the exercises added as data only (`mnist_callback_98`, `mnist_convolutions`)
and for a course's own variant made by editing a copied `exercise.toml`. Real training on the
real data; each submission is graded once per run (`graded` in conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from paths import EXERCISES

from grader.grading.pipeline import grade_submission
from grader.results import CheckResult, SubmissionResult
from grader.spec.exercise import load_exercise

pytestmark = pytest.mark.slow

Grade = Callable[[str, str], SubmissionResult]


def check(result: SubmissionResult, check_id: str) -> CheckResult:
    return next(c for c in result.checks if c.id == check_id)


@pytest.mark.parametrize(
    ("path", "exercise", "threshold"),
    [
        # The lab's notebook (the module form of the same code: the samples in the workbench's
        # browser tests, tests/web/test_workbench_browser.py, and `make demo`).
        ("solutions/mnist_callback_98.ipynb", "mnist_callback_98", 0.98),
        # The convnet trains for minutes: its notebook only (the module runs the same code, and
        # `make demo` grades the convolution samples).
        ("solutions/mnist_convolutions.ipynb", "mnist_convolutions", 0.995),
    ],
)
def test_reference_solutions_pass(
    graded: Grade, path: str, exercise: str, threshold: float
) -> None:
    result = graded(path, exercise)
    assert result.passed, [(c.id, c.status, c.message) for c in result.checks]
    assert result.score == result.max_score
    history = result.training["history"]
    stopped = result.training["epochs_run"]
    assert result.training["stopped_early"] and stopped < 10
    assert history[stopped - 1]["accuracy"] >= threshold
    assert all(row["accuracy"] < threshold for row in history[: stopped - 1])
    percent = f"{threshold * 100:g}%"
    assert f"the first to reach {percent}" in check(result, "early_stop").message


def test_last_years_99_percent_message_fails_the_98_exercise(graded: Grade) -> None:
    result = graded("samples/mnist_callback_98/alan_kay.py", "mnist_callback_98")
    message = check(result, "stop_message")
    assert (message.status, message.hint_id) == ("fail", "message_text")
    assert message.details["diff"] == "Reached 9[-8-]{+9+}% accuracy so cancelling training!"
    assert "Reached 98% accuracy so cancelling training!" in message.hint
    early = check(result, "early_stop")
    assert early.status == "fail" and "first reached 98%" in early.message


def test_a_convnet_without_the_channel_dimension_gets_the_input_shape_hint(graded: Grade) -> None:
    result = graded("samples/mnist_convolutions/frances_allen.py", "mnist_convolutions")
    runs = check(result, "runs")
    assert runs.status == "fail"
    assert runs.hint_id == "input_shape" and "(28, 28, 1)" in runs.hint


VARIANT_CODE = """import tensorflow as tf

(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
x_train = x_train / 255.0


class StopAt(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if logs['accuracy'] >= 0.965:
            print("\\nGood enough: 96.5%, stopping.")
            self.model.stop_training = True


model = tf.keras.models.Sequential([
    tf.keras.Input(shape=(28, 28)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(64, activation='relu'),
    tf.keras.layers.Dense(10, activation='softmax'),
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
model.fit(x_train, y_train, epochs=5, callbacks=[StopAt()])
"""


def test_a_course_variant_is_only_an_edited_copy_of_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copy `mnist_callback`, edit only its TOML (threshold, message, epochs, the pattern with a
    fixed hidden width), and a matching submission is graded right, in the spec's own words."""
    root = tmp_path / "exercises"
    shutil.copytree(EXERCISES / "mnist_callback", root / "course_variant")
    spec_path = root / "course_variant" / "exercise.toml"
    text = spec_path.read_text()
    for old, new in [
        ('id = "mnist_callback"', 'id = "course_variant"'),
        ("max_epochs = 10", "max_epochs = 5"),
        ("accuracy_threshold = 0.99 ", "accuracy_threshold = 0.965 "),
        ('"Reached 99% accuracy so cancelling training!"', '"Good enough: 96.5%, stopping."'),
        ('units = "any", activation = "relu", repeat = "one or more"', "units = 64, activation = 'relu'"),  # noqa: E501
    ]:  # fmt: skip
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    spec_path.write_text(text)
    monkeypatch.setenv("GRADER_EXERCISES_DIR", str(root))
    spec = load_exercise("course_variant")
    assert spec.architecture.network() == "Flatten -> Dense(64, relu) -> Dense(10, softmax)"
    submission = tmp_path / "variant.py"
    submission.write_text(VARIANT_CODE)
    result = grade_submission(submission, spec)
    assert result.passed, [(c.id, c.status, c.message) for c in result.checks]
    assert "the first to reach 96.5%" in check(result, "early_stop").message
    assert check(result, "stop_message").details["printed"] == "Good enough: 96.5%, stopping."
    assert check(result, "epoch_limit").message == "asked for 5 epoch(s) (limit 5)"
