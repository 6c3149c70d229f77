"""Static pre-checks (`grader.grading.rules`): one real submission per finding, and zero false
alarms.

Fast: nothing here imports TensorFlow or runs student code. Each case is the reference solution
with one mistake written in, as a module or a notebook (built with nbformat, with a markdown cell
first so cell numbers count every cell, as Jupyter shows them).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import FrozenInstanceError
from pathlib import Path

import nbformat
import pytest
from paths import ROOT, SOLUTIONS, SUBMISSIONS

from grader.grading.pipeline import grade_submission
from grader.grading.rules import Finding, find_mistakes
from grader.grading.submissions import find_syntax_error, load_submission
from grader.spec.exercise import ExerciseSpec, available_exercises, load_exercise

MNIST = (SOLUTIONS / "mnist_callback.py").read_text()
FASHION = (SOLUTIONS / "fashion_mnist.py").read_text()
BASES = {"mnist_callback": MNIST, "fashion_mnist": FASHION}


def spec(exercise: str) -> ExerciseSpec:
    return load_exercise(exercise)


def mutate(text: str, *edits: tuple[str, str]) -> str:
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} must occur once"
        text = text.replace(old, new)
    return text


def line_of(text: str, marker: str) -> int:
    lines = [n for n, line in enumerate(text.split("\n"), start=1) if marker in line]
    assert len(lines) == 1, f"{marker!r} must be on exactly one line"
    return lines[0]


def findings_of(path: Path, exercise: str) -> tuple[Finding, ...]:
    return find_mistakes(load_submission(path), spec(exercise))


def mistakes(found: tuple[Finding, ...]) -> list[Finding]:
    return [f for f in found if f.kind == "mistake"]


def write_module(tmp_path: Path, text: str, name: str = "submission.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def write_notebook(tmp_path: Path, cells: list[str], name: str = "submission.ipynb") -> Path:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# My exercise")]
        + [nbformat.v4.new_code_cell(source) for source in cells]
    )
    path = tmp_path / name
    nbformat.write(notebook, path)
    return path


def solution_cells(exercise: str) -> list[str]:
    notebook = nbformat.read(SOLUTIONS / f"{exercise}.ipynb", as_version=4)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


# -- one module per finding -----------------------------------------------------------------------
# (id, exercise, edits to the reference solution, hint, check it explains, kind, marker on the line)
CALLBACK = """class myCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if logs['accuracy'] >= 0.99:
            print("\\nReached 99% accuracy so cancelling training!")
            self.model.stop_training = True
"""
FIT = "history = model.fit(x_train, y_train, epochs=10, callbacks=[callbacks])"
MODULE_CASES = [
    (
        "logs_get_acc",
        "mnist_callback",
        [("logs['accuracy'] >= 0.99", "logs.get('acc') >= 0.99")],
        "acc_key",
        "runs",
        "mistake",
        "logs.get('acc')",
    ),
    (
        "logs_subscript_acc",
        "mnist_callback",
        [("logs['accuracy'] >= 0.99", "logs['acc'] >= 0.99")],
        "acc_key",
        "runs",
        "mistake",
        "logs['acc']",
    ),
    (
        "history_acc",
        "mnist_callback",
        [("history.history['accuracy']", "history.history['acc']")],
        "history_acc_key",
        "runs",
        "mistake",
        "history.history['acc']",
    ),
    (
        "greater_than",
        "mnist_callback",
        [(">= 0.99", "> 0.99")],
        "greater_than",
        "early_stop",
        "note",
        "> 0.99",
    ),
    (
        "slash_n",
        "mnist_callback",
        [('"\\nReached', '"/nReached')],
        "message_slash_n",
        "stop_message",
        "mistake",
        "/nReached",
    ),
    (
        "message_text",
        "mnist_callback",
        [("so cancelling training!", "accuracy, stopping")],
        "message_text",
        "stop_message",
        "mistake",
        "stopping",
    ),
    (
        "epochs_over_limit",
        "mnist_callback",
        [("epochs=10", "epochs=15")],
        "epochs_limit",
        "epoch_limit",
        "mistake",
        "epochs=15",
    ),
    (
        "epochs_from_a_constant",
        "fashion_mnist",
        [
            (
                "model.fit(train_images, train_labels, epochs=5)",
                "EPOCHS = 20\nmodel.fit(train_images, train_labels,\n          epochs=EPOCHS)",
            )
        ],
        "epochs_limit",
        "epoch_limit",
        "mistake",
        "epochs=EPOCHS",
    ),
    (
        "callbacks_not_passed",
        "mnist_callback",
        [(", callbacks=[callbacks])", ")")],
        "callback_not_passed",
        "early_stop",
        "mistake",
        "model.fit(",
    ),
    (
        "class_passed",
        "mnist_callback",
        [("callbacks=[callbacks]", "callbacks=[myCallback]")],
        "callback_class_passed",
        "runs",
        "mistake",
        "callbacks=[myCallback]",
    ),
    (
        "class_passed_through_a_name",
        "mnist_callback",
        [("callbacks = myCallback()", "callbacks = myCallback")],
        "callback_class_passed",
        "runs",
        "mistake",
        "callbacks = myCallback",
    ),
    (
        "self_stop_training",
        "mnist_callback",
        [("self.model.stop_training = True", "self.stop_training = True")],
        "self_stop_training",
        "early_stop",
        "mistake",
        "self.stop_training",
    ),
    (
        "not_a_callback_subclass",
        "mnist_callback",
        [("class myCallback(tf.keras.callbacks.Callback):", "class myCallback(object):")],
        "callback_base_class",
        "runs",
        "mistake",
        "class myCallback",
    ),
    (
        "hook_signature",
        "mnist_callback",
        [("def on_epoch_end(self, epoch, logs=None):", "def on_epoch_end(self, logs):")],
        "callback_signature",
        "runs",
        "mistake",
        "def on_epoch_end",
    ),
    (
        "hook_misspelled",
        "mnist_callback",
        [
            (
                "def on_epoch_end(self, epoch, logs=None):",
                "def on_epoch_ends(self, epoch, logs=None):",
            )
        ],
        "callback_signature",
        "early_stop",
        "mistake",
        "def on_epoch_ends",
    ),
    (
        "class_nested_in_another_function",
        "mnist_callback",
        [
            (
                CALLBACK,
                "def setup():\n"
                + "".join("    " + line + "\n" for line in CALLBACK.splitlines())
                + "    return myCallback()\n",
            )
        ],
        "name_not_defined",
        "runs",
        "mistake",
        "callbacks = myCallback()",
    ),
    (
        "class_defined_after_use",
        "mnist_callback",
        [(CALLBACK, ""), ("\ntrain_mnist()\n", "\ntrain_mnist()\n\n\n" + CALLBACK)],
        "name_not_defined",
        "runs",
        "mistake",
        "callbacks = myCallback()",
    ),
    (
        "no_flatten",
        "mnist_callback",
        [("        tf.keras.layers.Flatten(),\n", "")],
        "missing_flatten",
        "architecture",
        "mistake",
        "Dense(512",
    ),
    (
        "no_flatten_no_input",
        "fashion_mnist",
        [("    tf.keras.Input(shape=(28, 28)),\n    tf.keras.layers.Flatten(),\n", "")],
        "missing_flatten",
        "architecture",
        "mistake",
        "Dense(128",
    ),
    (
        "last_layer_not_10",
        "fashion_mnist",
        [("Dense(10, activation='softmax')", "Dense(5, activation='softmax')")],
        "output_units",
        "architecture",
        "mistake",
        "Dense(5",
    ),
    (
        "input_shape_wrong",
        "fashion_mnist",
        [("tf.keras.Input(shape=(28, 28)),", "tf.keras.Input(shape=(784,)),")],
        "input_shape",
        "architecture",
        "mistake",
        "shape=(784,)",
    ),
    (
        "softmax_and_from_logits",
        "fashion_mnist",
        [
            (
                "loss='sparse_categorical_crossentropy',",
                "loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),",
            )
        ],
        "softmax_and_logits",
        "compile",
        "note",
        "from_logits=True",
    ),
    (
        "tf1_adam_optimizer",
        "fashion_mnist",
        [("optimizer='adam',", "optimizer=tf.train.AdamOptimizer(),")],
        "tf1_api",
        "runs",
        "mistake",
        "tf.train.AdamOptimizer",
    ),
    (
        "tf1_session",
        "fashion_mnist",
        [("print('Test accuracy:', test_acc)", "sess = tf.Session()\nprint(test_acc)")],
        "tf1_api",
        "runs",
        "mistake",
        "tf.Session()",
    ),
    (
        "adam_lr",
        "fashion_mnist",
        [("optimizer='adam',", "optimizer=tf.keras.optimizers.Adam(lr=0.001),")],
        "tf1_api",
        "runs",
        "mistake",
        "Adam(lr=",
    ),
    (
        "no_normalization",
        "fashion_mnist",
        [("train_images = train_images / 255.0\ntest_images = test_images / 255.0\n", "")],
        "normalize_pixels",
        "normalization",
        "mistake",
        "load_data()",
    ),
    (
        "no_metrics",
        "fashion_mnist",
        [(",\n              metrics=['accuracy'])", ")")],
        "missing_metrics",
        "compile",
        "mistake",
        "model.compile(",
    ),
    (
        "fit_on_test_set",
        "fashion_mnist",
        [("model.fit(train_images, train_labels", "model.fit(test_images, test_labels")],
        "train_on_test",
        "test_accuracy",
        "mistake",
        "model.fit(test_images",
    ),
    (
        "evaluate_on_training_set",
        "fashion_mnist",
        [
            (
                "model.evaluate(test_images, test_labels)",
                "model.evaluate(train_images, train_labels)",
            )
        ],
        "train_on_test",
        "test_accuracy",
        "note",
        "model.evaluate(train_images",
    ),
    (
        "threshold_on_loss",
        "mnist_callback",
        [("logs['accuracy'] >= 0.99", "logs['loss'] < 0.4")],
        "stop_condition",
        "early_stop",
        "mistake",
        "logs['loss']",
    ),
    (
        "threshold_not_099",
        "mnist_callback",
        [("logs['accuracy'] >= 0.99", "logs['accuracy'] >= 0.95")],
        "stop_condition",
        "early_stop",
        "mistake",
        ">= 0.95",
    ),
    (
        "entry_point_never_called",
        "mnist_callback",
        [("\n\ntrain_mnist()\n", "\n")],
        "entry_point_called",
        "runs",
        "note",
        "def train_mnist",
    ),
]


@pytest.mark.parametrize(
    ("exercise", "edits", "hint", "check", "kind", "marker"),
    [case[1:] for case in MODULE_CASES],
    ids=[case[0] for case in MODULE_CASES],
)
def test_module_finding(
    tmp_path: Path,
    exercise: str,
    edits: list[tuple[str, str]],
    hint: str,
    check: str,
    kind: str,
    marker: str,
) -> None:
    text = mutate(BASES[exercise], *edits)
    found = findings_of(write_module(tmp_path, text), exercise)
    expected = Finding(
        hint, check, None, line_of(text, marker), text.split("\n")[line_of(text, marker) - 1], kind
    )
    assert [(f.hint_id, f.check, f.cell, f.line, f.text, f.kind) for f in found] == [
        (
            expected.hint_id,
            expected.check,
            expected.cell,
            expected.line,
            expected.text,
            expected.kind,
        )
    ]


# -- notebooks: the cell is counted among all cells (the markdown cell first is cell 1) ----------
# code cells of the solution: 0 import, 1 data, 2 callback class, 3 train_mnist, 4 the call
NOTEBOOK_CASES = [
    ("slash_n", 2, ('"\\nReached', '"/nReached'), "message_slash_n", "/nReached", 4, 4),
    (
        "self_stop",
        2,
        ("self.model.stop_training", "self.stop_training"),
        "self_stop_training",
        "self.stop_training",
        4,
        5,
    ),
    (
        "no_flatten",
        3,
        ("        tf.keras.layers.Flatten(),\n", ""),
        "missing_flatten",
        "Dense(512",
        5,
        6,
    ),
    ("epochs", 3, ("epochs=10", "epochs=12"), "epochs_limit", "epochs=12", 5, 15),
    (
        "logs_get_acc",
        2,
        ("logs['accuracy'] >= 0.99", "logs.get('acc') >= 0.99"),
        "acc_key",
        "logs.get('acc')",
        4,
        3,
    ),
]


@pytest.mark.parametrize(
    ("index", "edit", "hint", "marker", "cell", "line"),
    [case[1:] for case in NOTEBOOK_CASES],
    ids=[case[0] for case in NOTEBOOK_CASES],
)
def test_notebook_finding_names_cell_and_line(
    tmp_path: Path,
    index: int,
    edit: tuple[str, str],
    hint: str,
    marker: str,
    cell: int,
    line: int,
) -> None:
    cells = solution_cells("mnist_callback")
    cells[index] = mutate(cells[index], edit)
    found = mistakes(findings_of(write_notebook(tmp_path, cells), "mnist_callback"))
    assert [(f.hint_id, f.cell, f.line) for f in found] == [(hint, cell, line)]
    assert marker in found[0].text


def test_notebook_class_defined_in_a_later_cell(tmp_path: Path) -> None:
    imports, data, callback, train, call = solution_cells("mnist_callback")
    path = write_notebook(tmp_path, [imports, data, train, call, callback])
    found = findings_of(path, "mnist_callback")
    assert [(f.hint_id, f.cell, f.line, f.text.strip()) for f in found] == [
        ("name_not_defined", 4, 2, "callbacks = myCallback()")
    ]


def test_notebook_colab_lines_are_notes_with_their_original_text(tmp_path: Path) -> None:
    cells = solution_cells("mnist_callback")
    cells[0] = "%tensorflow_version 2.x\n!pip install -q tensorflow\n" + cells[0]
    cells.insert(1, "from google.colab import drive\ndrive.mount('/content/drive')")
    found = findings_of(write_notebook(tmp_path, cells), "mnist_callback")
    assert [(f.hint_id, f.kind, f.cell, f.line, f.text) for f in found] == [
        ("colab_lines", "note", 2, 1, "%tensorflow_version 2.x"),
        ("colab_lines", "note", 2, 2, "!pip install -q tensorflow"),
        ("colab_lines", "note", 3, 1, "from google.colab import drive"),
        ("colab_lines", "note", 3, 2, "drive.mount('/content/drive')"),
    ]


def test_cell_magic_keeps_line_numbers(tmp_path: Path) -> None:
    cells = solution_cells("mnist_callback")
    cells[3] = "%%time\n" + cells[3].replace("epochs=10", "epochs=30")
    found = mistakes(findings_of(write_notebook(tmp_path, cells), "mnist_callback"))
    assert [(f.hint_id, f.cell, f.line) for f in found] == [("epochs_limit", 5, 16)]
    assert "epochs=30" in found[0].text


def test_unparsable_cell_is_skipped_and_the_rest_still_read(tmp_path: Path) -> None:
    cells = solution_cells("mnist_callback")
    cells.insert(1, "def broken(:\n    pass")
    cells[4] = cells[4].replace("epochs=10", "epochs=11")
    found = mistakes(findings_of(write_notebook(tmp_path, cells), "mnist_callback"))
    assert [(f.hint_id, f.cell) for f in found] == [("epochs_limit", 6)]


def test_findings_are_frozen_and_serialisable(tmp_path: Path) -> None:
    text = mutate(MNIST, ("epochs=10", "epochs=15"))
    (finding,) = findings_of(write_module(tmp_path, text), "mnist_callback")
    with pytest.raises(FrozenInstanceError):
        finding.line = 1  # type: ignore[misc]
    assert finding.to_dict() == {
        "hint_id": "epochs_limit",
        "check": "epoch_limit",
        "cell": None,
        "line": line_of(text, "epochs=15"),
        "text": "    history = model.fit(x_train, y_train, epochs=15, callbacks=[callbacks])",
        "kind": "mistake",
    }
    assert finding.describe().startswith(f"line {finding.line}: `history = model.fit(")


# -- the files under tests/submissions ---------------------------------------------------------
EXISTING = [
    ("mnist_callback/acc_key.py", "acc_key", None, 11),
    ("mnist_callback/published_solution.ipynb", "acc_key", 2, 8),
    ("mnist_callback/slash_n_message.ipynb", "message_slash_n", 3, 4),
    ("mnist_callback/wrong_message.py", "message_text", None, 12),
    ("mnist_callback/too_many_epochs.ipynb", "epochs_limit", 4, 15),
    ("mnist_callback/callback_not_passed.py", "callback_not_passed", None, 30),
    ("mnist_callback/self_stop_training.ipynb", "self_stop_training", 3, 5),
    ("mnist_callback/class_not_instance.py", "callback_class_passed", None, 28),
    ("mnist_callback/no_flatten.ipynb", "missing_flatten", 4, 6),
    ("mnist_callback/loss_threshold.py", "stop_condition", None, 11),
    ("fashion_mnist/last_layer_5.ipynb", "output_units", 3, 5),
    ("fashion_mnist/tf1_optimizer.ipynb", "tf1_api", 3, 8),
    ("fashion_mnist/no_normalization.py", "normalize_pixels", None, 5),
    ("fashion_mnist/no_metrics.py", "missing_metrics", None, 17),
    ("fashion_mnist/train_on_test.ipynb", "train_on_test", 4, 1),
    ("fashion_mnist/too_many_epochs.py", "epochs_limit", None, 21),
]


@pytest.mark.parametrize(("name", "hint", "cell", "line"), EXISTING, ids=[e[0] for e in EXISTING])
def test_existing_mistake_files(name: str, hint: str, cell: int | None, line: int) -> None:
    exercise = name.split("/")[0]
    found = mistakes(findings_of(SUBMISSIONS / name, exercise))
    assert (hint, cell, line) == (found[0].hint_id, found[0].cell, found[0].line)


def test_published_solution_shows_all_three_of_its_mistakes() -> None:
    found = findings_of(
        SUBMISSIONS / "mnist_callback" / "published_solution.ipynb", "mnist_callback"
    )
    assert [(f.hint_id, f.kind, f.cell, f.line) for f in found] == [
        ("acc_key", "mistake", 2, 8),
        ("greater_than", "note", 2, 8),
        ("message_slash_n", "mistake", 2, 9),
        ("history_acc_key", "mistake", 2, 43),
    ]


# -- zero false alarms: what the task accepts --------------------------------------------------
ACCEPTED = [
    (
        "mnist_input_shape_kwarg",
        "mnist_callback",
        [
            (
                "tf.keras.Input(shape=(28, 28)),\n        tf.keras.layers.Flatten(),",
                "tf.keras.layers.Flatten(input_shape=(28, 28)),",
            ),
        ],
    ),
    (
        "mnist_input_with_channel",
        "mnist_callback",
        [
            ("tf.keras.Input(shape=(28, 28)),", "tf.keras.Input(shape=(28, 28, 1)),"),
        ],
    ),
    (
        "mnist_no_input_declared",
        "mnist_callback",
        [
            ("        tf.keras.Input(shape=(28, 28)),\n", ""),
        ],
    ),
    (
        "acc_metric_read_as_acc",
        "mnist_callback",
        [
            ("metrics=['accuracy']", "metrics=['acc']"),
            ("logs['accuracy']", "logs['acc']"),
            ("history.history['accuracy']", "history.history['acc']"),
        ],
    ),
    (
        "logs_get_accuracy_with_alias",
        "mnist_callback",
        [
            (
                "        if logs['accuracy'] >= 0.99:",
                "        acc = logs.get('accuracy')\n        if acc >= 0.99:",
            ),
        ],
    ),
    (
        "threshold_from_a_constant",
        "mnist_callback",
        [
            ("class myCallback", "ACCURACY_THRESHOLD = 0.99\n\n\nclass myCallback"),
            (">= 0.99", ">= ACCURACY_THRESHOLD"),
        ],
    ),
    ("no_leading_newline", "mnist_callback", [('"\\nReached', '"Reached')]),
    ("f_string_message", "mnist_callback", [('print("\\nReached', 'print(f"\\nReached')]),
    (
        "entry_point_returns_anything",
        "mnist_callback",
        [
            ("return history.epoch, history.history['accuracy'][-1]", "return model"),
        ],
    ),
    (
        "entry_point_called_under_main",
        "mnist_callback",
        [
            (
                "\ntrain_mnist()\n",
                "\nif __name__ == '__main__':\n    epochs, accuracy = train_mnist()\n",
            ),
        ],
    ),
    (
        "callbacks_positional_list_variable",
        "mnist_callback",
        [
            ("callbacks = myCallback()", "callbacks = [myCallback()]"),
            ("callbacks=[callbacks]", "callbacks=callbacks"),
        ],
    ),
    (
        "hook_with_args",
        "mnist_callback",
        [
            (
                "def on_epoch_end(self, epoch, logs=None):",
                "def on_epoch_end(self, *args, **kwargs):",
            ),
            ("logs['accuracy']", "args[1]['accuracy']"),
        ],
    ),
    (
        "model_add_style",
        "mnist_callback",
        [
            (
                """    model = tf.keras.models.Sequential([
        tf.keras.Input(shape=(28, 28)),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(512, activation='relu'),
        tf.keras.layers.Dense(10, activation='softmax'),
    ])""",
                """    model = tf.keras.models.Sequential()
    model.add(tf.keras.Input(shape=(28, 28)))
    model.add(tf.keras.layers.Flatten())
    model.add(tf.keras.layers.Dense(512, activation=tf.nn.relu))
    model.add(tf.keras.layers.Dense(10, activation=tf.nn.softmax))""",
            ),
        ],
    ),
    (
        "data_reshaped_to_vectors",
        "mnist_callback",
        [
            (
                "x_train, x_test = x_train / 255.0, x_test / 255.0",
                "x_train = x_train.reshape(-1, 784) / 255.0\n"
                "x_test = x_test.reshape(-1, 784) / 255.0",
            ),
            (
                "tf.keras.Input(shape=(28, 28)),\n        tf.keras.layers.Flatten(),",
                "tf.keras.Input(shape=(784,)),",
            ),
        ],
    ),
    (
        "inplace_scaling",
        "fashion_mnist",
        [
            (
                "train_images = train_images / 255.0\ntest_images = test_images / 255.0",
                "train_images = train_images.astype('float32')\ntrain_images /= 255\n"
                "test_images = test_images.astype('float32')\ntest_images /= 255",
            ),
        ],
    ),
    (
        "rescaling_layer",
        "fashion_mnist",
        [
            ("train_images = train_images / 255.0\ntest_images = test_images / 255.0\n", ""),
            (
                "tf.keras.layers.Flatten(),",
                "tf.keras.layers.Rescaling(1 / 255.0),\n    tf.keras.layers.Flatten(),",
            ),
        ],
    ),
    (
        "logits_with_from_logits",
        "fashion_mnist",
        [
            ("Dense(10, activation='softmax')", "Dense(10)"),
            (
                "loss='sparse_categorical_crossentropy',",
                "loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),",
            ),
        ],
    ),
    (
        "softmax_as_its_own_layer",
        "fashion_mnist",
        [
            ("Dense(10, activation='softmax'),", "Dense(10),\n    tf.keras.layers.Softmax(),"),
        ],
    ),
    (
        "metric_object",
        "fashion_mnist",
        [
            ("metrics=['accuracy']", "metrics=[tf.keras.metrics.SparseCategoricalAccuracy()]"),
        ],
    ),
    (
        "adam_learning_rate",
        "fashion_mnist",
        [
            ("optimizer='adam',", "optimizer=tf.keras.optimizers.Adam(learning_rate=0.001),"),
        ],
    ),
    (
        "evaluate_on_both",
        "fashion_mnist",
        [
            (
                "test_loss, test_acc =",
                "model.evaluate(train_images, train_labels)\ntest_loss, test_acc =",
            ),
        ],
    ),
    (
        "validation_on_test",
        "fashion_mnist",
        [
            ("epochs=5)", "epochs=5, validation_data=(test_images, test_labels))"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("exercise", "edits"), [a[1:] for a in ACCEPTED], ids=[a[0] for a in ACCEPTED]
)
def test_accepted_variant_has_no_findings(
    tmp_path: Path, exercise: str, edits: list[tuple[str, str]]
) -> None:
    text = mutate(BASES[exercise], *edits)
    assert findings_of(write_module(tmp_path, text), exercise) == ()


@pytest.mark.parametrize(
    "name",
    ["mnist_callback.py", "mnist_callback.ipynb", "fashion_mnist.py", "fashion_mnist.ipynb"],
)
def test_reference_solutions_have_no_findings(name: str) -> None:
    assert findings_of(SOLUTIONS / name, name.split(".")[0]) == ()


@pytest.mark.parametrize(
    "name",
    [
        "mnist_callback/correct_variants.py",
        "fashion_mnist/logits_from_logits.py",
    ],
)
def test_correct_variant_files_have_no_findings(name: str) -> None:
    assert findings_of(SUBMISSIONS / name, name.split("/")[0]) == ()


def test_greater_than_is_only_a_note() -> None:
    found = findings_of(SUBMISSIONS / "mnist_callback" / "gt_threshold.py", "mnist_callback")
    assert [(f.hint_id, f.kind, f.line) for f in found] == [("greater_than", "note", 11)]


def test_accepted_notebook_solution_with_a_cell_magic(tmp_path: Path) -> None:
    cells = solution_cells("fashion_mnist")
    cells[3] = "%%time\n" + cells[3]
    cells.insert(0, "%matplotlib inline\nimport numpy as np")
    assert findings_of(write_notebook(tmp_path, cells), "fashion_mnist") == ()


def test_exercise_without_a_callback_ignores_callback_rules(tmp_path: Path) -> None:
    # Fashion-MNIST has no stop message or threshold: a print in a callback is the student's own.
    text = FASHION.replace(
        "model.fit(train_images, train_labels, epochs=5)",
        "class Log(tf.keras.callbacks.Callback):\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        "        print('epoch done', logs['loss'] < 0.5)\n\n\n"
        "model.fit(train_images, train_labels, epochs=5, callbacks=[Log()])",
    )
    assert findings_of(write_module(tmp_path, text), "fashion_mnist") == ()


# -- speed ------------------------------------------------------------------------------------


def test_static_stage_reads_every_submission_of_the_suite() -> None:
    """The static stage takes every real submission without raising (its speed is measured in
    benchmarks/overhead.py, not here: timed tests fail on a busy machine)."""
    paths = [
        p
        for p in sorted(SUBMISSIONS.glob("*/*"))
        if p.is_file() and p.parent.name in available_exercises() and p.name != "broken_json.ipynb"
    ]
    assert len(paths) > 20
    for path in paths:
        submission = load_submission(path)
        find_syntax_error(submission)
        find_mistakes(submission, spec(path.parent.name))


SYNTAX_ERROR_TIMING = """
import sys, time
from pathlib import Path
started = time.perf_counter()
from grader.spec.exercise import load_exercise
from grader.grading.pipeline import grade_submission
result = grade_submission(Path(sys.argv[1]), load_exercise("mnist_callback"))
elapsed = time.perf_counter() - started
print(f"{elapsed:.3f} {result.checks[0].status} {result.checks[0].hint_id}")
print("tensorflow imported" if "tensorflow" in sys.modules else "no tensorflow")
"""


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["module", "notebook"])
def test_syntax_error_verdict_is_static_without_tensorflow(tmp_path: Path, kind: str) -> None:
    if kind == "module":
        path = SUBMISSIONS / "mnist_callback" / "syntax_error.py"
    else:
        cells = solution_cells("mnist_callback")
        cells[2] = cells[2].replace("if logs['accuracy'] >= 0.99:", "if logs['accuracy'] >= 0.99")
        path = write_notebook(tmp_path, cells)
    # The static stage alone, as `grade_submission` runs it.
    result = grade_submission(path, spec("mnist_callback"))
    assert result.checks[0].hint_id == "syntax_error"
    assert all(c.status == "skip" for c in result.checks[1:])
    assert result.error_location is not None
    assert result.error_location.line == (11 if kind == "module" else 3)
    # A fresh interpreter, grader imports included: no TensorFlow is ever imported.
    out = subprocess.run(
        [sys.executable, "-c", SYNTAX_ERROR_TIMING, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    assert out[1:] == ["fail", "syntax_error", "no", "tensorflow"]
