"""Fast integration: `grade_submission` on tiny synthetic submissions, through the real harness.

Each submission trains a small Dense model on 2,000 MNIST images for an epoch or two, so a case
takes seconds, yet goes through everything grading does: the isolated child with Keras
instrumentation, the evidence stream, the evaluator and the checks. Thresholds are lowered with
`dataclasses.replace` where a tiny run must be able to pass.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import nbformat
import pytest

from grader.grading.harness import instrument
from grader.grading.pipeline import GradeOptions, grade_submission
from grader.results import CheckResult, SubmissionResult
from grader.spec.exercise import ExerciseSpec, load_exercise

pytestmark = pytest.mark.integration  # spawns a grading child or the CLI

MESSAGE = "Reached 99% accuracy so cancelling training!"

DATA = """\
import tensorflow as tf
(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
x_train, y_train = x_train[:2000] / 255.0, y_train[:2000]
"""

MODEL = """\
model = tf.keras.models.Sequential([
    tf.keras.Input(shape=(28, 28)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(64, activation='relu'),
    tf.keras.layers.Dense(10, activation='softmax'),
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
"""


@pytest.fixture(scope="module")
def spec() -> ExerciseSpec:
    """The real MNIST callback exercise, with a threshold a tiny run reaches in one epoch."""
    return replace(load_exercise("mnist_callback"), accuracy_threshold=0.5)


def write(path: Path, source: str) -> Path:
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def line_of(source: str, marker: str) -> int:
    """The 1-based number of the line holding `marker`."""
    lines = textwrap.dedent(source).split("\n")
    return next(n for n, line in enumerate(lines, start=1) if marker in line)


def checks(result: SubmissionResult) -> dict[str, CheckResult]:
    return {check.id: check for check in result.checks}


def grade(path: Path, spec: ExerciseSpec, **options: Any) -> tuple[SubmissionResult, list[dict]]:
    events: list[dict[str, Any]] = []
    result = grade_submission(path, spec, GradeOptions(**options), on_event=events.append)
    return result, events


CALLBACK_RAISES = (
    DATA
    + """
class myCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if logs.get('acc') > 0.5:  # raises: Keras 3 logs 'accuracy'
            self.model.stop_training = True

"""
    + MODEL
    + "model.fit(x_train, y_train, epochs=2, verbose=0, callbacks=[myCallback()])\n"
)


def test_an_exception_in_a_callback_is_located_in_a_module(
    tmp_path: Path, spec: ExerciseSpec
) -> None:
    result, events = grade(write(tmp_path / "acc_key.py", CALLBACK_RAISES), spec)
    line = line_of(CALLBACK_RAISES, "# raises")
    runs = checks(result)["runs"]
    assert (runs.status, runs.hint_id) == ("fail", "acc_key")
    assert f"at line {line}" in runs.message
    assert "TypeError" in runs.message and "NoneType" in runs.message
    assert result.error.startswith("TypeError: '>' not supported")
    location = result.error_location
    assert location is not None and (location.cell, location.line) == (None, line)
    assert (line, "        if logs.get('acc') > 0.5:  # raises: Keras 3 logs 'accuracy'") in [
        tuple(row) for row in location.excerpt
    ]
    assert result.status == "graded" and not result.passed
    # The evidence streamed live: the harness started and the fit began before the error.
    kinds = [event["type"] for event in events]
    assert kinds.index("start") < kinds.index("fit_start") < kinds.index("error")
    for check_id in ("early_stop", "stop_message", "train_accuracy"):
        assert checks(result)[check_id].status == "skip", check_id


def test_an_exception_in_a_notebook_names_the_cell(tmp_path: Path, spec: ExerciseSpec) -> None:
    callback = (
        "class myCallback(tf.keras.callbacks.Callback):\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        "        if logs.get('acc') > 0.5:\n"
        "            self.model.stop_training = True"
    )
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# MNIST with a callback"),
        nbformat.v4.new_code_cell(DATA),
        nbformat.v4.new_code_cell(callback),  # cell 3: the line that raises
        nbformat.v4.new_markdown_cell("Now train it:"),
        nbformat.v4.new_code_cell(
            MODEL + "model.fit(x_train, y_train, epochs=2, verbose=0, callbacks=[myCallback()])"
        ),
    ]
    path = tmp_path / "acc_key.ipynb"
    nbformat.write(notebook, path)
    result, _ = grade(path, spec)
    runs = checks(result)["runs"]
    assert (runs.status, runs.hint_id) == ("fail", "acc_key")
    assert "at cell 3, line 3" in runs.message
    location = result.error_location
    assert location is not None and (location.cell, location.line) == (3, 3)
    assert (3, "        if logs.get('acc') > 0.5:") in [tuple(row) for row in location.excerpt]
    assert location.label() == "cell 3, line 3"


def test_a_cell_tagged_raises_exception_may_raise(tmp_path: Path, spec: ExerciseSpec) -> None:
    """nbclient's convention, as a course lab uses it ("remove Flatten and see the error"): the
    tagged cell's error is noted, the untagged one's fails `runs`."""
    allowed = nbformat.v4.new_code_cell("raise ValueError('the shapes do not match, as asked')")
    allowed.metadata["tags"] = ["raises-exception"]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        allowed,  # cell 2
        nbformat.v4.new_code_cell("y = 1 / 0"),  # cell 3
    ]
    path = tmp_path / "lab.ipynb"
    nbformat.write(notebook, path)
    result, _ = grade(path, spec)
    runs = checks(result)["runs"]
    assert runs.status == "fail" and "ZeroDivisionError" in runs.message
    assert "ValueError" not in runs.message
    assert any(
        "cell 2 raised ValueError" in note and "`raises-exception` tag allows" in note
        for note in result.notices
    ), result.notices


def test_a_defined_but_uncalled_entry_point_is_called(tmp_path: Path, spec: ExerciseSpec) -> None:
    source = (
        DATA
        + "\n\ndef train_mnist():\n"
        + textwrap.indent(MODEL, "    ")
        + "    history = model.fit(x_train, y_train, epochs=1, verbose=0)\n"
        + "    return history.epoch, history.history['accuracy'][-1]\n"
    )
    result, events = grade(write(tmp_path / "never_called.py", source), spec)
    runs = checks(result)["runs"]
    assert (runs.status, runs.hint_id) == ("pass", "entry_point_called")
    assert "the grader called `train_mnist()`" in runs.message
    assert "train_mnist()" in runs.hint
    assert [e["name"] for e in events if e["type"] == "entry_point"] == ["train_mnist"]
    assert result.training["epochs_run"] == 1


STOPS_WITH_MESSAGE = (
    DATA
    + """
class myCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if logs['accuracy'] >= 0.5:
            print("\\nReached 99% accuracy so cancelling training!")
            self.model.stop_training = True


def train_mnist():
"""
    + textwrap.indent(MODEL, "    ")
    + """\
    history = model.fit(x_train, y_train, epochs=5, callbacks=[myCallback()], verbose=0)
    return history.epoch, history.history['accuracy'][-1]


train_mnist()
print("done")
"""
)


def test_a_message_printed_at_the_epoch_end_is_tagged_with_it(
    tmp_path: Path, spec: ExerciseSpec
) -> None:
    result, events = grade(write(tmp_path / "stops.py", STOPS_WITH_MESSAGE), spec)
    by_id = checks(result)
    assert by_id["stop_message"].status == "pass", by_id["stop_message"].message
    assert by_id["stop_message"].message == "printed at the end of epoch 1"
    assert by_id["early_stop"].status == "pass", by_id["early_stop"].message
    prints = [e for e in events if e["type"] == "print" and MESSAGE in e["text"]]
    assert [(p["fit"], p["epoch"], p["phase"]) for p in prints] == [(0, 0, "epoch_end")]
    after = [e for e in events if e["type"] == "print" and "done" in e["text"]]
    assert [(p["epoch"], p["phase"]) for p in after] == [(None, "outside")]
    # With the lowered threshold the whole exercise passes, scored from the spec.
    assert result.passed, [(c.id, c.status, c.message) for c in result.checks]
    assert result.score == result.max_score == spec.max_score
    assert result.training["stopped_early"] and result.training["epochs_run"] == 1
    assert result.train_accuracy is not None and result.train_accuracy >= 0.5
    assert MESSAGE in result.output


def test_no_fit_trains_past_the_epoch_limit(tmp_path: Path, spec: ExerciseSpec) -> None:
    """Asked for 7 epochs with a limit of 3: three are trained and judged, the limit fails and
    says so; a later fit resumed with `initial_epoch` within the limit is left alone."""
    source = (
        DATA
        + MODEL
        + "model.fit(x_train, y_train, epochs=7, verbose=0)\n"
        + "model.fit(x_train, y_train, epochs=9, initial_epoch=7, verbose=0)\n"
    )
    result, events = grade(write(tmp_path / "long.py", source), replace(spec, max_epochs=3))
    starts = [(e["epochs"], e.get("capped_to")) for e in events if e["type"] == "fit_start"]
    assert starts == [(7, 3), (9, None)]
    epochs = [e["epoch"] for e in events if e["type"] == "epoch"]
    assert epochs == [0, 1, 2, 7, 8]  # Keras's own numbering: the second fit resumed at 7
    limit = checks(result)["epoch_limit"]
    assert limit.status == "fail" and "the grader trained 3 of them" in limit.message


def test_code_that_never_names_keras_runs_without_importing_it(
    tmp_path: Path, spec: ExerciseSpec
) -> None:
    """A module that names neither TensorFlow nor Keras (the wrong file handed in, a script):
    graded without importing them, which saves the seconds of that import; it fails `runs` as
    it did, and the result still names the versions."""
    source = "import sys\nprint('loaded:', sorted(m for m in sys.modules if 'flow' in m))\n"
    result, events = grade(write(tmp_path / "plain.py", source), spec)
    assert "loaded: []" in result.output
    (start,) = [e for e in events if e["type"] == "start"]
    assert start["versions"]["tensorflow"][0].isdigit() and start["versions"]["keras"][0].isdigit()
    assert checks(result)["runs"].hint_id == "no_training"
    helper = write(tmp_path / "helper.py", "import tensor" + "flow as tf\n")
    assert instrument.keras_used("import helper\n", tmp_path) and helper.is_file()
    assert not instrument.keras_used("print(1)\n", tmp_path / "empty")


def test_a_submission_that_hangs_times_out(tmp_path: Path, spec: ExerciseSpec) -> None:
    path = write(tmp_path / "sleeps.py", "import time\nimport tensorflow as tf\ntime.sleep(600)\n")
    timeout = 4.0
    started = time.monotonic()
    result, _ = grade(path, spec, timeout_s=timeout)
    elapsed = time.monotonic() - started
    assert result.status == "timeout"
    runs = checks(result)["runs"]
    assert (runs.status, runs.hint_id) == ("fail", "timeout")
    assert "4 s time limit" in runs.message
    assert not result.passed and result.score == 0
    assert elapsed < timeout + 15, elapsed


def test_a_syntax_error_never_starts_a_child(tmp_path: Path, spec: ExerciseSpec) -> None:
    source = DATA + "\nfor epoch in range(3)\n    print(epoch)\n"
    events: list[dict[str, Any]] = []
    started = time.monotonic()
    result = grade_submission(write(tmp_path / "typo.py", source), spec, on_event=events.append)
    assert time.monotonic() - started < 1.5
    assert result.duration_s < 1.5
    assert events == []  # no child, no evidence
    runs = checks(result)["runs"]
    assert (runs.status, runs.hint_id) == ("fail", "syntax_error")
    assert runs.message.startswith("SyntaxError: expected ':' at line 5")
    assert all(c.status == "skip" for c in result.checks if c.id != "runs")
    assert result.error_location is not None and result.error_location.line == 5
    assert result.versions == {} and result.training == {}


# -- the harness ends its run when the grader is gone -----------------------------------------

WATCHED = """\
import os, sys, time
from grader.grading.harness import events
events.watch_grader()
print("watching", flush=True)
time.sleep(60)
"""


def test_harness_ends_when_the_grader_stops_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    env = {**os.environ, "GRADER_EVENTS": str(fifo)}
    child = subprocess.Popen(
        [sys.executable, "-c", WATCHED],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # as the grader starts it: a process group of its own
    )
    assert child.stdout is not None and child.stdout.readline() == "watching\n"
    os.close(reader)  # what a dead grader does
    assert child.wait(timeout=10) == -signal.SIGKILL


def test_harness_does_not_wait_for_a_grader_that_is_gone(tmp_path: Path) -> None:
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)  # nobody reads it: a blocking open would wait forever
    env = {**os.environ, "GRADER_EVENTS": str(fifo)}
    child = subprocess.run(
        [sys.executable, "-c", WATCHED], env=env, timeout=30, start_new_session=True
    )
    assert child.returncode == -signal.SIGKILL
