"""Keras 2 / TensorFlow 1 code on Keras 3 (issue 19, docs/mistakes.md rows 27-34).

Old tutorial code that today's Keras 3 / TensorFlow 2.16+ refuses: each pattern is recognised
statically (a finding at the student's line, under `runs`), and the `runs` check's hint for the
error the run raises is that finding's, never the generic runtime hint. The error texts below were
measured in the course environment (Keras 3.15, TensorFlow 2.21) by grading the fixtures under
tests/submissions/*/keras2_*.py for real. Correct modern code gets no finding.

Unit tests only (no child process), except the one real grading of the `set_model` fixture, which
fails as soon as `fit` starts: nothing trains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from paths import ROOT, SOLUTIONS, SUBMISSIONS

from grader.grading.checks import CheckContext, RunSummary, run_checks
from grader.grading.checks.runs import hint_for_failure
from grader.grading.evaluate import Measurement
from grader.grading.evidence import Evidence, RuntimeFailure
from grader.grading.hints import catalogue
from grader.grading.pipeline import grade_submission
from grader.grading.rules import RULES, Finding, find_mistakes, keras2
from grader.grading.rules.rule import rules_in
from grader.grading.submissions import load_submission
from grader.results import CheckResult
from grader.spec.exercise import load_exercise

KERAS2_HINTS = frozenset(h for r in rules_in(keras2) for h in r.hints)


def findings_of(path: Path, exercise: str) -> tuple[Finding, ...]:
    return find_mistakes(load_submission(path), load_exercise(exercise))


def mistakes(found: tuple[Finding, ...]) -> list[tuple[str, int | None, int]]:
    return [(f.hint_id, f.cell, f.line) for f in found if f.kind == "mistake"]


def runs_after(exercise: str, failure: RuntimeFailure, found: tuple[Finding, ...]) -> CheckResult:
    """The `runs` check of a run that raised `failure` before any epoch, given the findings."""
    spec = load_exercise(exercise)
    ctx = CheckContext(
        spec,
        Evidence(started=True, failures=(failure,)),
        Measurement(),
        RunSummary(False, 1, 10.0, spec.timeout_s),
        findings=found,
    )
    return next(c for c in run_checks(ctx) if c.id == "runs")


# -- one fixture per pattern: the finding, and the hint the run's error gets -------------------


@dataclass(frozen=True)
class Case:
    name: str  # under tests/submissions/
    hint: str
    lines: tuple[int, ...]  # where the rules see it (every mistake in the file)
    exc_type: str  # what grading it raised (measured)
    message: str
    failed_at: int  # the line the run raised at
    says: str  # in the hint the student reads

    @property
    def exercise(self) -> str:
        return self.name.split("/")[0]


CASES = [
    Case(
        "mnist_callback/keras2_set_model.py",
        "callback_model_assigned",
        (11,),
        "AttributeError",
        "property 'model' of 'myCallback' object has no setter",
        11,
        "`super().set_model(model)`",
    ),
    Case(  # pattern 2 is row 17's (`rule: tf1`): the same hint, no second finding
        "fashion_mnist/keras2_rmsprop_lr.py",
        "tf1_api",
        (15,),
        "ValueError",
        "Argument(s) not recognized: {'lr': 0.001}",
        15,
        "`tf.keras.optimizers.Adam(learning_rate=0.001)`",
    ),
    Case(
        "fashion_mnist/keras2_lowercase_layers.py",
        "class_name_case",
        (9, 10, 11),
        "AttributeError",
        "module 'keras._tf_keras.keras' has no attribute 'input'",
        9,
        "`tf.keras.input` does not exist: Keras classes are capitalised. Write `tf.keras.Input`.",
    ),
    Case(
        "fashion_mnist/keras2_predict_classes.py",
        "removed_model_method",
        (22,),
        "AttributeError",
        "'Sequential' object has no attribute 'predict_classes'",
        22,
        "`np.argmax(model.predict(test_images), axis=-1)`",
    ),
    Case(
        "fashion_mnist/keras2_fit_generator.py",
        "removed_model_method",
        (28,),
        "AttributeError",
        "'Sequential' object has no attribute 'fit_generator'",
        28,
        "Keras 3 has no `fit_generator`: call `model.fit(...)`",
    ),
    Case(
        "fashion_mnist/keras2_tf1_names.py",
        "tf1_name",
        (4, 5),
        "AttributeError",
        "module 'tensorflow' has no attribute 'logging'",
        4,
        "`tf.logging` is TensorFlow 1 and does not exist in TensorFlow 2: delete the line",
    ),
    Case(
        "mnist_callback/keras2_nb_epoch.py",
        "renamed_argument",
        (26,),
        "TypeError",
        "TensorFlowTrainer.fit() got an unexpected keyword argument 'nb_epoch'",
        26,
        "`nb_epoch=`: write `epochs=` instead",
    ),
    Case(  # raised by fit's first step (line 17), not by the optimizer's line
        "fashion_mnist/keras2_epsilon_none.py",
        "epsilon_none",
        (14,),
        "ValueError",
        "None values not supported.",
        17,
        "delete `epsilon=None`",
    ),
    Case(
        "fashion_mnist/keras2_module_path.py",
        "keras2_module",
        (2,),
        "ModuleNotFoundError",
        "No module named 'keras.layers.core'",
        2,
        "`from tensorflow.keras.layers import Dense`",
    ),
    Case(
        "fashion_mnist/keras2_save_path.py",
        "save_extension",
        (20,),
        "ValueError",
        "Invalid filepath extension for saving. Please add either a `.keras` extension for the "
        "native Keras format (recommended) or a `.h5` extension. Use `model.export(filepath)` if "
        "you want to export a SavedModel for use with TFLite/TFServing/etc. Received: "
        "filepath=fashion_classifier.",
        20,
        "`model.save('my_model.keras')`",
    ),
    Case(
        "fashion_mnist/keras2_optimizer_class.py",
        "optimizer_class",
        (15,),
        "ValueError",
        "Could not interpret optimizer identifier: <class 'keras.src.optimizers.adam.Adam'>",
        15,
        "`optimizer=Adam()` (with the parentheses)",
    ),
]
IDS = [Path(c.name).stem for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fixture_is_recognised_at_its_lines(case: Case) -> None:
    found = findings_of(SUBMISSIONS / case.name, case.exercise)
    assert mistakes(found) == [(case.hint, None, line) for line in case.lines]
    for finding in found:
        assert finding.check == "runs"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_runs_error_gets_the_fixture_hint_at_its_line(case: Case) -> None:
    failure = RuntimeFailure(case.exc_type, case.message, None, case.failed_at)
    runs = runs_after(case.exercise, failure, findings_of(SUBMISSIONS / case.name, case.exercise))
    assert (runs.status, runs.hint_id) == ("fail", case.hint), runs.message
    assert runs.details["source"]["line"] == case.lines[0]
    assert case.says in runs.hint
    assert "{" not in runs.hint  # every placeholder filled from the finding


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_without_the_finding_the_error_alone_is_not_misread(case: Case) -> None:
    """The runtime mapping alone: the specific hint where the message says it all, else the
    generic one the finding then sharpens; never another row's hint."""
    hint = hint_for_failure(RuntimeFailure(case.exc_type, case.message, None, case.failed_at))
    specific = {"callback_model_assigned", "keras2_module", "tf1_api"}
    assert hint == (case.hint if case.hint in specific else "runtime_error")


def test_rmsprop_lr_is_left_to_row_17() -> None:
    found = findings_of(SUBMISSIONS / "fashion_mnist" / "keras2_rmsprop_lr.py", "fashion_mnist")
    assert not {f.hint_id for f in found} & KERAS2_HINTS


# -- the runtime mapping: measured messages ----------------------------------------------------


@pytest.mark.parametrize(
    ("exc_type", "message", "hint_id"),
    [
        (
            "AttributeError",
            "property 'model' of 'myCallback' object has no setter",
            "callback_model_assigned",
        ),
        (
            "AttributeError",
            "property 'model' of 'EarlyStop' object has no setter",
            "callback_model_assigned",
        ),
        ("ModuleNotFoundError", "No module named 'keras.engine'", "keras2_module"),
        (
            "ModuleNotFoundError",
            "No module named 'tensorflow.keras.layers.experimental'",
            "keras2_module",
        ),
        ("ModuleNotFoundError", "No module named 'keras.utils.np_utils'", "keras2_module"),
        # A package that is not there at all is still that.
        ("ModuleNotFoundError", "No module named 'keras'", "module_not_available"),
        ("ModuleNotFoundError", "No module named 'seaborn'", "module_not_available"),
        # Generic on purpose: the finding on the failing line names the fix.
        (
            "AttributeError",
            "module 'keras._tf_keras.keras.layers' has no attribute 'flatten'",
            "runtime_error",
        ),
        (
            "ImportError",
            "cannot import name 'np_utils' from 'keras.utils' (/site-packages/keras/utils/"
            "__init__.py)",
            "runtime_error",
        ),
        (
            "ValueError",
            "Unrecognized keyword arguments passed to Dense: {'init': 'uniform'}",
            "runtime_error",
        ),
        (
            "ValueError",
            "The filename must end in `.weights.h5`. Received: filepath=w",
            "runtime_error",
        ),
    ],
)
def test_runtime_mapping_of_keras3_errors(exc_type: str, message: str, hint_id: str) -> None:
    assert hint_for_failure(RuntimeFailure(exc_type, message, None, 3)) == hint_id


def test_a_finding_naming_an_attribute_does_not_explain_another_error() -> None:
    found = findings_of(
        SUBMISSIONS / "fashion_mnist" / "keras2_lowercase_layers.py", "fashion_mnist"
    )
    runs = runs_after(
        "fashion_mnist", RuntimeFailure("ZeroDivisionError", "division by zero", None, 30), found
    )
    assert runs.hint_id == "runtime_error"


def test_the_finding_on_the_failing_line_wins_among_several() -> None:
    found = findings_of(SUBMISSIONS / "fashion_mnist" / "keras2_tf1_names.py", "fashion_mnist")
    # Had line 4 been fixed, line 5 raises next: its own hint and line.
    failure = RuntimeFailure(
        "AttributeError", "module 'tensorflow' has no attribute 'set_random_seed'", None, 5
    )
    runs = runs_after("fashion_mnist", failure, found)
    assert (runs.hint_id, runs.details["source"]["line"]) == ("tf1_name", 5)
    assert "`tf.random.set_seed(...)`" in runs.hint


# -- variants: what each rule sees, and what it leaves alone -----------------------------------

MNIST = (SOLUTIONS / "mnist_callback.py").read_text()
FASHION = (SOLUTIONS / "fashion_mnist.py").read_text()
CALLBACK_LINE = "class myCallback(tf.keras.callbacks.Callback):\n"


def edited(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once"
    return text.replace(old, new)


def found_in(tmp_path: Path, text: str, exercise: str) -> list[tuple[str, int, dict[str, str]]]:
    path = tmp_path / "submission.py"
    path.write_text(text)
    return [
        (f.hint_id, f.line, dict(f.values))
        for f in findings_of(path, exercise)
        if f.kind == "mistake"
    ]


def line_of(text: str, marker: str) -> int:
    lines = [n for n, line in enumerate(text.split("\n"), start=1) if marker in line]
    assert len(lines) == 1, marker
    return lines[0]


def with_methods(methods: str, base: str = "tf.keras.callbacks.Callback") -> str:
    """The reference solution's callback class with these methods added first."""
    return edited(MNIST, CALLBACK_LINE, f"class myCallback({base}):\n{methods}\n")


SET_MODEL_FLAGGED = [
    ("override", with_methods("    def set_model(self, model):\n        self.model = model\n")),
    (
        "after_super",
        with_methods(
            "    def set_model(self, model):\n"
            "        super().set_model(model)\n"
            "        self.model = model\n"
        ),
    ),
    (
        "in_init",
        with_methods(
            "    def __init__(self):\n        super().__init__()\n        self.model = None\n"
        ),
    ),
    (
        "tuple_target",
        with_methods("    def set_model(self, model):\n        self.model, self.best = model, 0\n"),
    ),
    (
        "builtin_callback_subclass",
        with_methods(
            "    def set_model(self, model):\n        self.model = model\n",
            base="tf.keras.callbacks.EarlyStopping",
        ),
    ),
    (
        "through_own_base",
        edited(
            with_methods("    def set_model(self, model):\n        self.model = model\n", "Base"),
            "class myCallback(Base):\n",
            "class Base(tf.keras.callbacks.Callback):\n    pass\n\n\nclass myCallback(Base):\n",
        ),
    ),
]


@pytest.mark.parametrize(
    "text", [t for _, t in SET_MODEL_FLAGGED], ids=[i for i, _ in SET_MODEL_FLAGGED]
)
def test_callback_assigning_self_model_is_flagged(tmp_path: Path, text: str) -> None:
    found = found_in(tmp_path, text, "mnist_callback")
    marker = "self.model = " if "self.model = " in text else "self.model, self.best"
    assert found == [("callback_model_assigned", line_of(text, marker), {"name": "model"})]


SET_MODEL_ACCEPTED = [
    (
        "super_only",
        with_methods("    def set_model(self, model):\n        super().set_model(model)\n"),
    ),
    (
        "class_level_model",
        with_methods(
            "    model = None\n\n    def set_model(self, model):\n        self.model = model\n"
        ),
    ),
    ("stop_flag_on_the_model", MNIST),  # `self.model.stop_training = True`: the model's flag
    (
        "not_a_keras_callback",
        MNIST + "\n\nclass Trainer:\n    def __init__(self, model):\n        self.model = model\n",
    ),
]


@pytest.mark.parametrize(
    "text", [t for _, t in SET_MODEL_ACCEPTED], ids=[i for i, _ in SET_MODEL_ACCEPTED]
)
def test_callback_without_the_assignment_is_accepted(tmp_path: Path, text: str) -> None:
    assert found_in(tmp_path, text, "mnist_callback") == []


FASHION_FLAGGED = [
    (
        "layers_alias_lower_case",
        [
            (
                "import tensorflow as tf\n",
                "import tensorflow as tf\nfrom tensorflow.keras import layers\n",
            ),
            ("tf.keras.layers.Dense(128", "layers.dense(128"),
        ],
        "class_name_case",
        "layers.dense(128",
        {"name": "dense", "wrong": "layers.dense", "fix": "layers.Dense"},
    ),
    (
        "imported_lower_case",
        [
            (
                "import tensorflow as tf\n",
                "import tensorflow as tf\nfrom tensorflow.keras.layers import flatten\n",
            ),
        ],
        "class_name_case",
        "import flatten",
        {
            "name": "flatten",
            "wrong": "from tensorflow.keras.layers import flatten",
            "fix": "from tensorflow.keras.layers import Flatten",
        },
    ),
    (
        "top_level_dense",
        [("tf.keras.layers.Dense(128", "tf.keras.dense(128")],
        "class_name_case",
        "tf.keras.dense(",
        {"name": "dense", "wrong": "tf.keras.dense", "fix": "tf.keras.layers.Dense"},
    ),
    (
        "optimizer_lower_case",
        [("optimizer='adam',", "optimizer=tf.keras.optimizers.adam(),")],
        "class_name_case",
        "optimizers.adam",
        {"name": "adam", "wrong": "tf.keras.optimizers.adam", "fix": "tf.keras.optimizers.Adam"},
    ),
    (
        "predict_proba_of_a_keras_model",
        [("print('Test accuracy:', test_acc)", "print(model.predict_proba(test_images)[0])")],
        "removed_model_method",
        "predict_proba",
        {
            "name": "predict_proba",
            "fix": "use `model.predict(test_images)`, which already gives the probabilities",
        },
    ),
    (
        "keras_backend_session",
        [
            (
                "import tensorflow as tf\n",
                "import tensorflow as tf\nfrom tensorflow.keras import backend as K\n",
            ),
            ("print('Test accuracy:', test_acc)", "K.set_session(None)"),
        ],
        "tf1_name",
        "K.set_session",
        {
            "name": "set_session",
            "wrong": "K.set_session",
            "fix": "delete it (TensorFlow 2 runs eagerly and needs no session, graph or config)",
        },
    ),
    (
        "conv_border_mode",
        [
            (
                "tf.keras.layers.Flatten(),",
                (
                    "tf.keras.layers.Reshape((28, 28, 1)),\n"
                    "    tf.keras.layers.Conv2D(8, (3, 3), border_mode='same'),\n"
                    "    tf.keras.layers.Flatten(),"
                ),
            )
        ],
        "renamed_argument",
        "border_mode=",
        {"name": "border_mode", "fix": "padding"},
    ),
    (
        "np_utils_imported",
        [
            (
                "import tensorflow as tf\n",
                "import tensorflow as tf\nfrom keras.utils import np_utils\n",
            ),
            ("print('Test accuracy:', test_acc)", "print(np_utils.to_categorical(test_labels)[0])"),
        ],
        "keras2_module",
        "import np_utils",  # the import raises; the use later is not flagged again
        {},
    ),
    (
        "experimental_preprocessing",
        [
            (
                "tf.keras.layers.Flatten(),",
                (
                    "tf.keras.layers.experimental.preprocessing.Rescaling(1.0),\n"
                    "    tf.keras.layers.Flatten(),"
                ),
            )
        ],
        "keras2_module",
        "experimental",
        {},
    ),
    (
        "legacy_optimizer",
        [("optimizer='adam',", "optimizer=tf.keras.optimizers.legacy.Adam(),")],
        "keras2_module",
        "legacy",
        {},
    ),
    (
        "optimizer_class_by_its_path",
        [("optimizer='adam',", "optimizer=tf.keras.optimizers.SGD,")],
        "optimizer_class",
        "model.compile(",
        {"fix": "optimizer=tf.keras.optimizers.SGD()"},
    ),
    (
        "weights_without_the_double_extension",
        [("print('Test accuracy:', test_acc)", "model.save_weights('fashion.h5')")],
        "save_extension",
        "save_weights",
        {},
    ),
]


@pytest.mark.parametrize(
    ("edits", "hint", "marker", "values"),
    [c[1:] for c in FASHION_FLAGGED],
    ids=[c[0] for c in FASHION_FLAGGED],
)
def test_variant_is_flagged(
    tmp_path: Path, edits: list[tuple[str, str]], hint: str, marker: str, values: dict[str, str]
) -> None:
    text = FASHION
    for old, new in edits:
        text = edited(text, old, new)
    assert found_in(tmp_path, text, "fashion_mnist") == [(hint, line_of(text, marker), values)]


ACCEPTED = [
    (
        "learning_rate",
        [("optimizer='adam',", "optimizer=tf.keras.optimizers.RMSprop(learning_rate=0.001),")],
    ),
    (
        "optimizer_object",
        [("optimizer='adam',", "optimizer=tf.keras.optimizers.Adam(),")],
    ),
    (
        "own_class_named_like_an_optimizer",
        [
            ("import tensorflow as tf\n", "import tensorflow as tf\n\n\nclass Adam:\n    pass\n"),
            ("optimizer='adam',", "optimizer=Adam,"),
        ],
    ),
    (
        "optimizer_epsilon_and_decay",
        [("optimizer='adam',", "optimizer=tf.keras.optimizers.Adam(epsilon=1e-7, decay=1e-6),")],
    ),
    (
        "capitalised_classes_everywhere",
        [
            (
                "import tensorflow as tf\n",
                (
                    "import tensorflow as tf\n"
                    "from tensorflow.keras import layers\n"
                    "from tensorflow.keras.layers import Dense, Flatten\n"
                ),
            ),
            ("tf.keras.Input(shape=(28, 28)),", "tf.keras.layers.Input(shape=(28, 28)),"),
            ("tf.keras.layers.Flatten(),", "Flatten(),"),
            ("tf.keras.layers.Dense(128", "layers.Dense(128"),
        ],
    ),
    (
        "functional_merge_helpers",
        [
            (
                "print('Test accuracy:', test_acc)",
                "print(tf.keras.layers.concatenate, tf.keras.layers.add)",
            )
        ],
    ),
    (
        "argmax_of_predict",
        [
            ("import tensorflow as tf\n", "import numpy as np\nimport tensorflow as tf\n"),
            (
                "print('Test accuracy:', test_acc)",
                "print(np.argmax(model.predict(test_images), axis=-1)[:10])",
            ),
        ],
    ),
    (
        "fit_on_a_dataset",
        [
            (
                "model.fit(train_images, train_labels, epochs=5)",
                (
                    "pairs = (train_images, train_labels)\n"
                    "dataset = tf.data.Dataset.from_tensor_slices(pairs).batch(32)\n"
                    "model.fit(dataset, epochs=5)"
                ),
            ),
        ],
    ),
    (
        "scikit_learn_predict_proba",
        [
            (
                "print('Test accuracy:', test_acc)",
                (
                    "from sklearn.linear_model import LogisticRegression\n"
                    "flat = test_images.reshape(-1, 784)\n"
                    "clf = LogisticRegression().fit(flat[:100], test_labels[:100])\n"
                    "print(clf.predict_proba(flat[:1]))"
                ),
            ),
        ],
    ),
    (
        "own_predict_classes",
        [
            (
                "print('Test accuracy:', test_acc)",
                (
                    "class Wrapper:\n"
                    "    def predict_classes(self, x):\n"
                    "        return x\n"
                    "\n"
                    "\n"
                    "print(Wrapper().predict_classes(test_images)[0])"
                ),
            ),
        ],
    ),
    (
        "tensorflow_2_names",
        [
            (
                "import tensorflow as tf\n",
                (
                    "import tensorflow as tf\n"
                    "\n"
                    "tf.random.set_seed(7)\n"
                    "tf.get_logger().setLevel('ERROR')\n"
                    "tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)\n"
                    "config = tf.compat.v1.ConfigProto()\n"
                    "print(tf.math.log(2.0))\n"
                    "tf.keras.backend.clear_session()\n"
                ),
            ),
        ],
    ),
    (
        "modern_arguments",
        [
            (
                "tf.keras.layers.Dense(128, activation='relu')",
                "tf.keras.layers.Dense(128, activation='relu', kernel_initializer='uniform')",
            ),
            ("epochs=5)", "epochs=5, verbose=2)"),
        ],
    ),
    (
        "public_module_paths",
        [
            (
                "import tensorflow as tf\n",
                (
                    "import tensorflow as tf\n"
                    "from tensorflow.keras.layers import Dense\n"
                    "from keras.utils import to_categorical\n"
                    "from keras.optimizers import RMSprop\n"
                    "from keras.models import Sequential\n"
                ),
            ),
            (
                "tf.keras.layers.Flatten(),",
                "tf.keras.layers.Rescaling(1.0),\n    tf.keras.layers.Flatten(),",
            ),
        ],
    ),
    (
        "saves_with_extensions",
        [
            ("import tensorflow as tf\n", "import numpy as np\nimport tensorflow as tf\n"),
            (
                "print('Test accuracy:', test_acc)",
                (
                    "model.save('fashion.keras')\n"
                    "model.save('fashion.h5')\n"
                    "model.save_weights('fashion.weights.h5')\n"
                    "np.save('labels', test_labels)"
                ),
            ),
        ],
    ),
    (
        "names_not_from_keras",
        [
            (
                "print('Test accuracy:', test_acc)",
                "layers = {'dense': 1}\nprint(layers.get('dense'))",
            ),
        ],
    ),
]


@pytest.mark.parametrize("edits", [a[1] for a in ACCEPTED], ids=[a[0] for a in ACCEPTED])
def test_modern_code_gets_no_finding(tmp_path: Path, edits: list[tuple[str, str]]) -> None:
    text = FASHION
    for old, new in edits:
        text = edited(text, old, new)
    assert [f for f in found_in(tmp_path, text, "fashion_mnist") if f[0] in KERAS2_HINTS] == []


@pytest.mark.parametrize(
    "name", ["mnist_callback", "fashion_mnist", "mnist_callback_98", "mnist_convolutions"]
)
def test_reference_solutions_get_no_keras2_finding(name: str) -> None:
    paths = sorted(SOLUTIONS.glob(f"{name}.*"))
    assert [path.suffix for path in paths] == [".ipynb", ".py"], f"{name}: {paths}"
    for path in paths:
        assert not {f.hint_id for f in findings_of(path, name)} & KERAS2_HINTS, path.name


def test_notebook_finding_names_cell_and_line(tmp_path: Path) -> None:
    cells = [
        "import tensorflow as tf",
        "fashion_mnist = tf.keras.datasets.fashion_mnist\n"
        "(train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()\n"
        "train_images, test_images = train_images / 255.0, test_images / 255.0",
        "model = tf.keras.Sequential([\n"
        "    tf.keras.Input(shape=(28, 28)),\n"
        "    tf.keras.layers.Flatten(),\n"
        "    tf.keras.layers.Dense(128, activation='relu'),\n"
        "    tf.keras.layers.Dense(10, activation='softmax'),\n"
        "])\n"
        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy',\n"
        "              metrics=['accuracy'])\n"
        "model.fit(train_images, train_labels, nb_epoch=5)",
    ]
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Fashion")]
        + [nbformat.v4.new_code_cell(c) for c in cells]
    )
    path = tmp_path / "fashion.ipynb"
    nbformat.write(notebook, path)
    assert mistakes(findings_of(path, "fashion_mnist")) == [("renamed_argument", 4, 9)]


# -- the catalogue: hints, rows and docs agree --------------------------------------------------


def test_every_keras2_hint_has_its_row_in_the_docs() -> None:
    docs = (ROOT / "docs" / "mistakes.md").read_text(encoding="utf-8")
    rows = {
        int(m.group(1)): line for line in docs.splitlines() if (m := re.match(r"\| (\d+) \|", line))
    }
    for registered in rules_in(keras2):
        assert registered.code in RULES
        for hint_id in registered.hints:
            row = catalogue()[hint_id].row
            assert row is not None and 27 <= row <= 34, hint_id
            assert f"rule: `{registered.code}`" in rows[row] and f"`{hint_id}`" in rows[row]


# -- for real: the set_model fixture crashes when fit starts ------------------------------------


@pytest.mark.integration
def test_set_model_override_graded_for_real() -> None:
    result = grade_submission(
        SUBMISSIONS / "mnist_callback" / "keras2_set_model.py", load_exercise("mnist_callback")
    )
    runs = next(c for c in result.checks if c.id == "runs")
    assert (runs.status, runs.hint_id) == ("fail", "callback_model_assigned"), runs.message
    assert "object has no setter" in runs.message
    assert runs.details["source"]["line"] == 11
    assert runs.details["source"]["text"].strip() == "self.model = model"
    assert "`super().set_model(model)`" in runs.hint
    assert result.training.get("epochs_run", 0) == 0  # nothing trained: cheap
    assert not result.passed
