"""Static rules for real course notebooks: a conventional alias never imported and a module
outside the course environment (`grader.grading.rules.imports`), and the exercise's starter code
left
unwritten (`grader.grading.rules.starter`); and how the checks word them. Fast: nothing runs, no
TensorFlow.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from paths import EXERCISES, SAMPLES, SOLUTIONS

from grader.grading.checks import CheckContext, RunSummary, run_checks
from grader.grading.evaluate import Measurement
from grader.grading.evidence import Evidence, RuntimeFailure
from grader.grading.rules import Finding, find_mistakes
from grader.grading.submissions import load_submission
from grader.spec.exercise import available_exercises, load_exercise

FASHION = (SOLUTIONS / "fashion_mnist.py").read_text()
MNIST = (SOLUTIONS / "mnist_callback.py").read_text()


def findings(path: Path, exercise: str, hint_id: str) -> list[Finding]:
    found = find_mistakes(load_submission(path), load_exercise(exercise))
    return [f for f in found if f.hint_id == hint_id]


def module(tmp_path: Path, text: str, name: str = "submission.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def notebook(tmp_path: Path, cells: list[str]) -> Path:
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Exercise")]
        + [nbformat.v4.new_code_cell(c) for c in cells]
    )
    path = tmp_path / "submission.ipynb"
    nbformat.write(nb, path)
    return path


def references() -> list[tuple[Path, str]]:
    """Every reference solution and sample with its own exercise (a solution is named after it, a
    sample sits in its folder); every exercise has at least one, so no glob can come back empty."""
    solutions = [(path, path.stem) for path in SOLUTIONS.iterdir()]
    samples = [(path, path.parent.name) for path in SAMPLES.glob("*/*")]
    assert {exercise for _, exercise in solutions} == set(available_exercises()), SOLUTIONS
    assert samples, f"no sample submission found in {SAMPLES}"
    return solutions + samples


def verdicts(exercise: str, found: tuple[Finding, ...], failure: RuntimeFailure, **evidence):
    ctx = CheckContext(
        load_exercise(exercise),
        Evidence(started=True, failures=(failure,), **evidence),
        Measurement(),
        RunSummary(False, 1, 5.0, 600.0),
        findings=found,
    )
    return {c.id: c for c in run_checks(ctx)}


# -- a conventional alias used, never imported -------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "import_line"),
    [
        ("tf", "import tensorflow as tf"),
        ("np", "import numpy as np"),
        ("plt", "import matplotlib.pyplot as plt"),
        ("keras", "from tensorflow import keras"),
        ("pd", "import pandas as pd"),
    ],
)
def test_an_alias_never_imported_gets_its_import_line(
    tmp_path: Path, alias: str, import_line: str
) -> None:
    text = f"import os\n\nvalue = {alias}.something(1)\nother = {alias}.other\n"
    found = findings(module(tmp_path, text), "fashion_mnist", "missing_import")
    assert len(found) == 1
    assert (found[0].line, found[0].check) == (3, "runs")
    assert dict(found[0].values) == {"import_line": import_line, "name": alias}


def test_the_published_solution_without_import_tensorflow(tmp_path: Path) -> None:
    text = FASHION.replace("import tensorflow as tf\n", "")
    path = notebook(tmp_path, ["# the import cell was not copied", text])
    found = findings(path, "fashion_mnist", "missing_import")
    assert [(f.cell, dict(f.values)["import_line"]) for f in found] == [
        (3, "import tensorflow as tf")
    ]
    first = next(n for n, line in enumerate(text.split("\n"), 1) if "tf." in line)
    assert found[0].line == first
    # At run time: NameError at that line; `runs` names the line to add, not "used before defined".
    failure = RuntimeFailure("NameError", "name 'tf' is not defined", 3, first)
    runs = verdicts("fashion_mnist", tuple(found), failure)["runs"]
    assert runs.hint_id == "missing_import"
    assert "Add `import tensorflow as tf`" in runs.hint


@pytest.mark.parametrize(
    "binding",
    [
        "import tensorflow as tf",
        "import tensorflow\ntf = tensorflow",
        "from tensorflow import *",  # may bind anything: no finding
        "def f(tf):\n    return tf",
    ],
)
def test_no_finding_when_the_alias_is_bound(tmp_path: Path, binding: str) -> None:
    text = FASHION.replace("import tensorflow as tf\n", binding + "\n")
    assert findings(module(tmp_path, text), "fashion_mnist", "missing_import") == []


def test_every_reference_solution_has_no_import_finding() -> None:
    for path, exercise in references():
        found = find_mistakes(load_submission(path), load_exercise(exercise))
        bad = [f for f in found if f.hint_id in ("missing_import", "module_not_available")]
        assert bad == [], path


# -- a module outside the environment ----------------------------------------------------------


def test_a_module_the_course_lacks_is_named_with_what_is_available(tmp_path: Path) -> None:
    text = (
        "import os, json\nimport plotly.express as px\nfrom shap import Explainer\n"
        "import pandas as pd\nimport seaborn as sns\nfrom sklearn.metrics import f1_score\n"
        + FASHION
    )
    found = findings(module(tmp_path, text), "fashion_mnist", "module_not_available")
    # plotly and shap are outside the course environment; what the survey added is inside.
    assert [(f.line, dict(f.values)["module"]) for f in found] == [(2, "plotly"), (3, "shap")]
    available = dict(found[0].values)["available"]
    for name in ("`tensorflow`", "`numpy`", "`matplotlib`", "`PIL`", "`pandas`", "`sklearn`"):
        assert name in available
    failure = RuntimeFailure("ModuleNotFoundError", "No module named 'plotly'", None, 2)
    runs = verdicts("fashion_mnist", tuple(found), failure)["runs"]
    assert runs.hint_id == "module_not_available"
    assert "`plotly`" in runs.hint and "installs nothing" in runs.hint


def test_the_declared_environment_decides_not_the_machine(tmp_path: Path) -> None:
    """`pytest` is installed where the tests run, but no course notebook may count on it."""
    text = "import pytest\n" + FASHION
    found = findings(module(tmp_path, text), "fashion_mnist", "module_not_available")
    assert [dict(f.values)["module"] for f in found] == ["pytest"]


def test_a_module_error_with_no_static_finding_still_gets_the_hint() -> None:
    # `__import__('plotly')`: nothing to see statically; the run's error names the module.
    failure = RuntimeFailure("ModuleNotFoundError", "No module named 'plotly.express'", None, 3)
    runs = verdicts("fashion_mnist", (), failure)["runs"]
    assert runs.hint_id == "module_not_available"
    assert "`plotly`" in runs.hint and "`matplotlib`" in runs.hint


def test_course_packages_and_support_modules_are_no_finding(tmp_path: Path) -> None:
    from dataclasses import replace

    from grader.grading.rules.imports import find_import_problems
    from grader.spec.environment import EnvironmentSpec

    text = "import matplotlib.pyplot as plt\nimport numpy as np\nfrom PIL import Image\n"
    text += "import unittests\nfrom IPython.display import display\n" + FASHION
    spec = load_exercise("fashion_mnist")
    spec = replace(spec, environment=EnvironmentSpec(support_files=("support/unittests.py",)))
    assert find_import_problems(load_submission(module(tmp_path, text)), spec) == []


def test_input_gets_a_plain_hint() -> None:
    for exc, message in [
        ("EOFError", "EOF when reading a line"),
        ("StdinNotImplementedError", "raw_input was called, but this frontend does not support"),
    ]:
        runs = verdicts("fashion_mnist", (), RuntimeFailure(exc, message, 4, 1))["runs"]
        assert runs.hint_id == "input_call" and "`input()`" in runs.hint


# -- starter code ------------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", ["fashion_mnist", "mnist_callback"])
@pytest.mark.parametrize("kind", ["starter.py", "starter.ipynb"])
def test_the_starter_as_handed_out_is_recognised(exercise: str, kind: str) -> None:
    found = findings(EXERCISES / exercise / kind, exercise, "starter_unfilled")
    parts = dict(found[0].values)["parts"]
    assert len(found) == 4
    assert all("YOUR CODE HERE" in f.text for f in found)
    assert "Flatten, Dense(" in parts and "train on" in parts
    assert {f.check for f in found} >= {"architecture", "runs"}


def test_a_filled_part_is_no_longer_reported(tmp_path: Path) -> None:
    raw = json.loads((EXERCISES / "fashion_mnist" / "starter.ipynb").read_text())
    cells = ["".join(c["source"]) for c in raw["cells"] if c["cell_type"] == "code"]
    cells[1] += "\ntrain_images = train_images / 255.0\ntest_images = test_images / 255.0"
    found = findings(notebook(tmp_path, cells), "fashion_mnist", "starter_unfilled")
    parts = dict(found[0].values)["parts"]
    assert len(found) == 3 and "scale" not in parts


def test_markers_kept_above_written_code_are_no_finding(tmp_path: Path) -> None:
    text = (EXERCISES / "mnist_callback" / "starter.py").read_text()
    filled = text.replace(
        "        pass\n",
        "        if logs['accuracy'] >= 0.99:\n"
        "            print('Reached 99% accuracy so cancelling training!')\n"
        "            self.model.stop_training = True\n",
    )
    filled = filled.replace(
        "# YOUR CODE HERE: scale the pixel values of x_train and x_test to [0, 1]\n",
        "# YOUR CODE HERE: scale the pixel values of x_train and x_test to [0, 1]\n"
        "x_train, x_test = x_train / 255.0, x_test / 255.0\n",
    )
    filled = filled.replace(
        "        # YOUR CODE HERE: Flatten, Dense(512, relu), Dense(10, softmax)\n",
        "        # YOUR CODE HERE: Flatten, Dense(512, relu), Dense(10, softmax)\n"
        "        tf.keras.layers.Flatten(),\n"
        "        tf.keras.layers.Dense(512, activation='relu'),\n"
        "        tf.keras.layers.Dense(10, activation='softmax'),\n",
    )
    filled = filled.replace(
        "    history = None\n",
        "    history = model.fit(x_train, y_train, epochs=10, callbacks=[callbacks])\n",
    )
    assert findings(module(tmp_path, filled), "mnist_callback", "starter_unfilled") == []


def test_solutions_and_samples_are_not_starter_code() -> None:
    for path, exercise in references():
        assert findings(path, exercise, "starter_unfilled") == [], path


def test_starter_verdicts_say_what_is_left_and_nothing_about_lambda() -> None:
    path = EXERCISES / "mnist_callback" / "starter.py"
    found = find_mistakes(load_submission(path), load_exercise("mnist_callback"))
    failure = RuntimeFailure(
        "AttributeError", "'NoneType' object has no attribute 'epoch'", None, 47
    )
    ctx = CheckContext(
        load_exercise("mnist_callback"),
        Evidence(started=True, failures=(failure,), model_saved=True),
        # What the evaluator says of the starter's empty Sequential.
        Measurement(
            error="the evaluator failed: AttributeError: Sequential model 'sequential' "
            "has no defined inputs yet."
        ),
        RunSummary(False, 1, 5.0, 600.0),
        findings=found,
    )
    checks = {c.id: c for c in run_checks(ctx)}
    assert checks["runs"].hint_id == "starter_unfilled"
    assert "still to be written" in checks["runs"].hint
    assert checks["architecture"].status == "fail"
    assert checks["architecture"].hint_id == "starter_unfilled"
    assert "Flatten" in checks["architecture"].message
    assert all(c.hint_id != "unsafe_model" for c in checks.values())


def test_a_model_never_built_is_an_architecture_failure() -> None:
    ctx = CheckContext(
        load_exercise("fashion_mnist"),
        Evidence(started=True, model_saved=True),
        Measurement(),  # saved, loaded, and no layers at all
        RunSummary(False, 0, 5.0, 600.0),
    )
    architecture = {c.id: c for c in run_checks(ctx)}["architecture"]
    assert (architecture.status, architecture.hint_id) == ("fail", "model_not_built")


def test_an_alias_finding_does_not_explain_another_names_error(tmp_path: Path) -> None:
    text = "import tensorflow as tf\nprint(modle)\nx = np.zeros(3)\n"
    found = tuple(findings(module(tmp_path, text), "fashion_mnist", "missing_import"))
    assert [dict(f.values)["name"] for f in found] == ["np"]
    failure = RuntimeFailure("NameError", "name 'modle' is not defined", None, 2)
    runs = verdicts("fashion_mnist", found, failure)["runs"]
    assert runs.hint_id == "name_not_defined"  # the generic hint, not "import numpy"
    failure = RuntimeFailure("NameError", "name 'np' is not defined", None, 3)
    assert verdicts("fashion_mnist", found, failure)["runs"].hint_id == "missing_import"
