"""Detecting the exercise among those that share a data set (`grader.grading.detection`). Fast,
static:
nothing runs. Each pair of MNIST exercises is told apart by what distinguishes them, and a
submission that fits two of them equally is a usage error naming both, never a silent pick."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from paths import ROOT, SOLUTIONS

from grader.errors import UsageError
from grader.grading.pipeline import detect_exercise
from grader.grading.submissions import load_submission
from grader.spec.exercise import all_exercises


def detect(path: Path) -> str:
    return detect_exercise(load_submission(path), all_exercises()).id


@pytest.mark.parametrize(
    ("path", "exercise"),
    [
        ("solutions/mnist_callback.py", "mnist_callback"),
        ("solutions/mnist_callback.ipynb", "mnist_callback"),
        ("solutions/mnist_callback_98.py", "mnist_callback_98"),
        ("solutions/mnist_callback_98.ipynb", "mnist_callback_98"),
        ("solutions/mnist_convolutions.py", "mnist_convolutions"),
        ("solutions/mnist_convolutions.ipynb", "mnist_convolutions"),
        ("solutions/fashion_mnist.py", "fashion_mnist"),
        ("samples/mnist_convolutions/edsger_dijkstra.py", "mnist_convolutions"),  # dense, 99.5%
        ("samples/mnist_callback_98/rosalind_franklin.ipynb", "mnist_callback_98"),
    ],
)
def test_each_reference_is_detected_as_its_own_exercise(path: str, exercise: str) -> None:
    assert detect(ROOT / path) == exercise


def write(tmp_path: Path, name: str, code: str) -> Path:
    path = tmp_path / name
    path.write_text(code)
    return path


BARE = """import tensorflow as tf
(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
x_train = x_train / 255.0
model = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(10)])
"""


@pytest.mark.parametrize(
    ("pair", "extra", "winner"),
    [
        # mnist_callback vs mnist_callback_98: the message, the threshold, the class name
        (("mnist_callback", "mnist_callback_98"), "print('Reached 98% accuracy so cancelling training!')", "mnist_callback_98"),  # noqa: E501
        (("mnist_callback", "mnist_callback_98"), "class EarlyStoppingCallback(tf.keras.callbacks.Callback): pass", "mnist_callback_98"),  # noqa: E501
        (("mnist_callback", "mnist_callback_98"), "STOP = 0.99", "mnist_callback"),
        # mnist_callback vs mnist_convolutions: the message, the layers
        (("mnist_callback", "mnist_convolutions"), "layer = tf.keras.layers.Conv2D(32, 3)", "mnist_convolutions"),  # noqa: E501
        (("mnist_callback", "mnist_convolutions"), "print('Reached 99% accuracy so cancelling training!')", "mnist_callback"),  # noqa: E501
        # mnist_callback_98 vs mnist_convolutions
        (("mnist_callback_98", "mnist_convolutions"), "print('Reached 99.5% accuracy so cancelling training!')", "mnist_convolutions"),  # noqa: E501
        (("mnist_callback_98", "mnist_convolutions"), "def train_mnist(training_images, training_labels): pass", "mnist_callback_98"),  # noqa: E501
    ],
)  # fmt: skip
def test_each_pair_of_mnist_exercises_is_told_apart(
    tmp_path: Path, pair: tuple[str, str], extra: str, winner: str
) -> None:
    specs = [s for s in all_exercises() if s.id in pair]
    path = write(tmp_path, "homework.py", BARE + extra + "\n")
    assert detect_exercise(load_submission(path), specs).id == winner


def test_the_same_code_is_ambiguous_without_a_distinguishing_feature(tmp_path: Path) -> None:
    path = write(tmp_path, "homework.py", BARE)
    with pytest.raises(UsageError) as caught:
        detect(path)
    message = str(caught.value)
    for name in ("mnist_callback", "mnist_callback_98", "mnist_convolutions"):
        assert name in message
    assert "--exercise" in message and "fashion_mnist" not in message


def test_the_file_name_and_the_notebook_metadata_decide(tmp_path: Path) -> None:
    assert detect(write(tmp_path, "mnist_callback_98_homework.py", BARE)) == "mnist_callback_98"
    assert detect(write(tmp_path, "mnist_convolutions.py", BARE)) == "mnist_convolutions"
    notebook = json.loads((SOLUTIONS / "mnist_callback.ipynb").read_text())
    notebook["metadata"]["grader"] = {"exercise": "mnist_convolutions"}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook))
    assert detect(path) == "mnist_convolutions"


def test_the_cli_exits_2_naming_the_candidates(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from grader.cli import main

    path = write(tmp_path, "homework.py", BARE)
    result = CliRunner().invoke(main, ["check", str(path), "--no-html"])
    assert result.exit_code == 2
    assert "mnist_callback_98" in result.output and "--exercise" in result.output
