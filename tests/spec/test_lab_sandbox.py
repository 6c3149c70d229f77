"""The course lab's environment inside the sandbox, at every isolation level (issue 30): the lab's
variables (`COURSE_ROOT`), the working folder, and TensorBoard writing its logs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from grader.grading.pipeline import GradeOptions, grade_submission
from grader.grading.sandbox.levels import LEVELS
from grader.spec.environment import EnvironmentSpec
from grader.spec.exercise import load_exercise

pytestmark = pytest.mark.integration  # each case grades a tiny module in a child

# Like the lab's template: the data path built from COURSE_ROOT, then a TensorBoard callback
# as the C1W3 experiments add it, its logs under the course folder and under /tmp.
LAB_HABITS = """\
import os
import shutil
import tensorflow as tf

PATH = os.environ["COURSE_ROOT"]
TMP_LOGS = f"/tmp/lab-logs-{os.getpid()}"
print("course root is the working folder:", os.path.samefile(PATH, os.getcwd()))
data_path = os.path.join(PATH, "data/mnist.npz")
(x_train, y_train), _ = tf.keras.datasets.mnist.load_data(path=data_path)
x_train, y_train = x_train[:256] / 255.0, y_train[:256]

model = tf.keras.Sequential([
    tf.keras.Input(shape=(28, 28)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
boards = [
    tf.keras.callbacks.TensorBoard(log_dir=os.path.join(PATH, "logs", "fit")),
    tf.keras.callbacks.TensorBoard(log_dir=TMP_LOGS),
]
model.fit(x_train, y_train, epochs=1, verbose=0, callbacks=boards)
for name, folder in (("COURSE_ROOT/logs", os.path.join(PATH, "logs")), ("/tmp", TMP_LOGS)):
    written = [file for _, _, files in os.walk(folder) for file in files]
    print(name, "event files:", sum("tfevents" in file for file in written))
shutil.rmtree(TMP_LOGS)  # below the namespaces level, /tmp is the machine's own
"""


@pytest.mark.parametrize("level", list(LEVELS))
def test_the_labs_variables_and_tensorboard_work_at_every_level(tmp_path: Path, level: str) -> None:
    usable, why = LEVELS[level].available()
    assert usable, why
    submission = tmp_path / "lab_habits.py"
    submission.write_text(LAB_HABITS, encoding="utf-8")
    result = grade_submission(
        submission,
        load_exercise("mnist_callback"),
        GradeOptions(isolation=level, exact_isolation=True, timeout_s=300),
    )
    assert result.isolation == level
    runs = next(c for c in result.checks if c.id == "runs")
    assert runs.status == "pass", (runs.message, result.output[-2000:])
    assert "course root is the working folder: True" in result.output
    assert "COURSE_ROOT/logs event files: 1" in result.output, result.output[-2000:]
    assert "/tmp event files: 1" in result.output


def test_a_variant_without_the_variable_fails_as_the_lab_would(tmp_path: Path) -> None:
    """`variables = {}`: the spec, not the grader's code, decides what the lab provides."""
    submission = tmp_path / "reads_root.py"
    submission.write_text('import os\nprint(os.environ["COURSE_ROOT"])\n', encoding="utf-8")
    spec = load_exercise("mnist_callback")
    provided = grade_submission(submission, spec, GradeOptions(timeout_s=60))
    assert "KeyError" not in (provided.error or ""), provided.error
    bare = replace(spec, environment=EnvironmentSpec(variables=()))
    withheld = grade_submission(submission, bare, GradeOptions(timeout_s=60))
    runs = next(c for c in withheld.checks if c.id == "runs")
    assert "KeyError: 'COURSE_ROOT'" in runs.message
