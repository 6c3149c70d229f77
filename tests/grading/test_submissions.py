"""`grader.grading.submissions`: real notebooks and modules, Colab lines, syntax errors, bad
files."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import nbformat
import pytest
from paths import SOLUTIONS, SUBMISSIONS

from grader.errors import UsageError
from grader.grading.pipeline import detect_exercise
from grader.grading.submissions import (
    MAX_SUBMISSION_BYTES,
    SubmissionError,
    detect_dataset,
    find_syntax_error,
    load_submission,
)
from grader.spec.exercise import all_exercises

MNIST = SUBMISSIONS / "mnist_callback"
FASHION = SUBMISSIONS / "fashion_mnist"
HOSTILE = SUBMISSIONS / "hostile"


def write_notebook(path: Path, *cells: tuple[str, str]) -> Path:
    """A notebook of (cell_type, source) pairs, written by nbformat as Jupyter would."""
    notebook = nbformat.v4.new_notebook()
    for kind, source in cells:
        maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        notebook.cells.append(maker(source))
    nbformat.write(notebook, path)
    return path


def refusal(path: Path) -> str:
    with pytest.raises(SubmissionError) as caught:
        load_submission(path)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message, message
    return message


# --- Reading ------------------------------------------------------------------------------------


def test_module_is_one_cell_with_the_file_text() -> None:
    path = SOLUTIONS / "mnist_callback.py"
    submission = load_submission(path)
    assert submission.kind == "module"
    assert submission.id == "mnist_callback"
    assert len(submission.cells) == 1 and submission.cells[0].number is None
    assert submission.code == path.read_text(encoding="utf-8")
    assert submission.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert submission.neutralised == []


def test_notebook_code_cells_keep_their_numbers() -> None:
    submission = load_submission(SOLUTIONS / "mnist_callback.ipynb")
    assert submission.kind == "notebook"
    assert [cell.number for cell in submission.cells] == [1, 2, 3, 4, 5]
    assert submission.cells[0].source == "import tensorflow as tf"
    assert submission.cell_source(5) == "train_mnist()"
    assert submission.cell_source(99) == ""
    assert "class myCallback(tf.keras.callbacks.Callback):" in submission.code


def test_cell_numbers_count_markdown_cells(tmp_path: Path) -> None:
    path = write_notebook(
        tmp_path / "mixed.ipynb",
        ("markdown", "# Exercise"),
        ("code", "import tensorflow as tf"),
        ("markdown", "Now the data:"),
        ("code", "x = 1"),
    )
    submission = load_submission(path)
    assert [(cell.number, cell.source) for cell in submission.cells] == [
        (2, "import tensorflow as tf"),
        (4, "x = 1"),
    ]


@pytest.mark.parametrize(
    "path",
    [p for p in sorted([*MNIST.iterdir(), *FASHION.iterdir()]) if p.name != "broken_json.ipynb"],
    ids=lambda p: p.name,
)
def test_every_real_mistake_file_loads(path: Path) -> None:
    submission = load_submission(path)
    assert submission.cells and submission.code.strip()
    assert submission.kind == ("notebook" if path.suffix == ".ipynb" else "module")


def test_an_explicit_id_wins_over_the_file_name() -> None:
    submission = load_submission(SOLUTIONS / "fashion_mnist.py", submission_id="student-042")
    assert submission.id == "student-042"


def test_names_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    target = tmp_path / "Zoë Smith.ipynb"
    shutil.copy(SOLUTIONS / "mnist_callback.ipynb", target)
    submission = load_submission(target)
    assert submission.id == "Zoë Smith"
    assert submission.path == target
    assert submission.kind == "notebook" and len(submission.cells) == 5
    odd = load_submission(HOSTILE / "odd name ü ñ.py")
    assert odd.id == "odd name ü ñ" and odd.kind == "module"


def test_uppercase_suffix_is_accepted(tmp_path: Path) -> None:
    target = tmp_path / "ANSWER.PY"
    shutil.copy(SOLUTIONS / "mnist_callback.py", target)
    assert load_submission(target).kind == "module"


# --- Colab lines --------------------------------------------------------------------------------


def test_colab_lines_are_neutralised_with_line_numbers_kept() -> None:
    path = MNIST / "colab_lines.ipynb"
    original = nbformat.read(path, as_version=4).cells[0].source
    submission = load_submission(path)
    first = submission.cells[0]
    assert first.number == 1
    lines, before = first.source.split("\n"), original.split("\n")
    assert len(lines) == len(before)
    assert lines[0] == before[0]  # the comment stays
    assert lines[1] == "pass  # grader: %tensorflow_version 2.x"
    assert lines[2] == "pass  # grader: !pip install -q tensorflow"
    assert [(n.cell, n.line, n.text) for n in submission.neutralised] == [
        (1, 2, "%tensorflow_version 2.x"),
        (1, 3, "!pip install -q tensorflow"),
    ]
    assert submission.neutralised[0].describe() == (
        "cell 1, line 2: `%tensorflow_version 2.x` ignored (Colab's %tensorflow_version magic)"
    )
    assert "package installs do not run" in submission.neutralised[1].describe()
    assert find_syntax_error(submission) is None
    # The rest of the notebook is untouched.
    assert submission.cells[1].source == "import tensorflow as tf"


def test_indented_colab_lines_stay_valid_python(tmp_path: Path) -> None:
    path = write_notebook(
        tmp_path / "indented.ipynb",
        ("code", "from google.colab import drive\ndrive.mount('/content/drive')"),
        ("code", "if True:\n    !ls /content\n    x = 1"),
    )
    submission = load_submission(path)
    assert submission.cells[0].source.split("\n") == [
        "pass  # grader: from google.colab import drive",
        "pass  # grader: drive.mount('/content/drive')",
    ]
    assert submission.cells[1].source.split("\n")[1] == "    pass  # grader: !ls /content"
    assert [(n.cell, n.line) for n in submission.neutralised] == [(1, 1), (1, 2), (2, 2)]
    assert find_syntax_error(submission) is None


def test_course_platform_cells_are_neutralised(tmp_path: Path) -> None:
    """The course platform's habits: a shell line that tags the notebook, and a `%%javascript`
    cell that saves it in the browser (its body is not Python: the whole cell goes)."""
    path = write_notebook(
        tmp_path / "platform.ipynb",
        ("code", "import tensorflow as tf\n!python tag_notebook.py --name this.ipynb"),
        ("code", "%%javascript\nIPython.notebook.save_notebook();\n\nconsole.log('saved')"),
    )
    submission = load_submission(path)
    assert submission.cells[0].source.split("\n")[1].startswith("pass  # grader: !python")
    assert submission.cells[1].source.split("\n") == [
        "pass  # grader: %%javascript",
        "pass  # grader: IPython.notebook.save_notebook();",
        "",
        "pass  # grader: console.log('saved')",
    ]
    assert [(n.cell, n.line) for n in submission.neutralised] == [(1, 2), (2, 1)]
    assert "runs in the browser" in submission.neutralised[1].describe()
    assert find_syntax_error(submission) is None


def test_colab_lines_in_a_module_are_left_alone(tmp_path: Path) -> None:
    # A .py file with `!pip` is not valid Python: a syntax error to report, not to hide.
    path = tmp_path / "shell.py"
    path.write_text("import tensorflow as tf\n!pip install tensorflow\n")
    submission = load_submission(path)
    assert submission.neutralised == []
    problem = find_syntax_error(submission)
    assert problem is not None and (problem.cell, problem.line) == (None, 2)


# --- Syntax errors ------------------------------------------------------------------------------


def test_syntax_error_in_a_module_is_located() -> None:
    problem = find_syntax_error(load_submission(MNIST / "syntax_error.py"))
    assert problem is not None
    assert (problem.cell, problem.line) == (None, 11)
    assert "expected ':'" in problem.message
    assert problem.text.strip() == "if logs['accuracy'] >= 0.99"


def test_syntax_error_in_a_notebook_names_the_cell(tmp_path: Path) -> None:
    path = write_notebook(
        tmp_path / "bad.ipynb",
        ("code", "import tensorflow as tf\nx = 1"),
        ("code", "def train():\n    return (1,\n\nprint('never')"),
        ("code", "this is not python either"),
    )
    problem = find_syntax_error(load_submission(path))
    assert problem is not None
    assert problem.cell == 2  # the first cell that does not parse
    assert problem.line == 2
    assert "never closed" in problem.message


def test_syntax_error_cell_counts_markdown_cells(tmp_path: Path) -> None:
    path = write_notebook(
        tmp_path / "bad.ipynb",
        ("markdown", "# Title"),
        ("code", "x = 1"),
        ("code", "y = 2\nfor i in range(3)\n    y += i"),
    )
    problem = find_syntax_error(load_submission(path))
    assert problem is not None and (problem.cell, problem.line) == (3, 2)


def test_ipython_syntax_in_a_notebook_is_not_a_syntax_error(tmp_path: Path) -> None:
    path = write_notebook(
        tmp_path / "magics.ipynb",
        ("code", "%matplotlib inline\nimport numpy as np"),
        ("code", "%%time\nx = np.zeros(3)"),
        ("code", "np.zeros?"),
    )
    assert find_syntax_error(load_submission(path)) is None


def test_correct_code_has_no_syntax_error() -> None:
    solutions = sorted(SOLUTIONS.iterdir())
    assert solutions, f"no reference solution in {SOLUTIONS}"
    for path in solutions:
        assert find_syntax_error(load_submission(path)) is None, path.name


# --- Files that are not submissions ------------------------------------------------------------


def test_broken_notebook_json_is_a_plain_refusal() -> None:
    message = refusal(FASHION / "broken_json.ipynb")
    assert message == (
        "broken_json.ipynb is not a valid notebook: its JSON is broken "
        "(line 38, column 5: Unterminated string starting at)"
    )


def test_invalid_notebook_structure_is_refused() -> None:
    message = refusal(HOSTILE / "invalid_json.ipynb")
    assert message.startswith("invalid_json.ipynb is not a valid notebook")


def test_empty_module_is_refused(tmp_path: Path) -> None:
    assert refusal(HOSTILE / "empty.py") == "empty.py is empty"
    blank = tmp_path / "blank.py"
    blank.write_text("\n   \n\t\n")
    assert refusal(blank) == "blank.py is empty"


def test_binary_bytes_are_refused(tmp_path: Path) -> None:
    assert refusal(HOSTILE / "binary_bytes.py").startswith("binary_bytes.py is not UTF-8 text")
    as_notebook = tmp_path / "binary.ipynb"
    shutil.copy(HOSTILE / "binary_bytes.py", as_notebook)
    assert refusal(as_notebook).startswith("binary.ipynb is not a text file")


def test_notebook_without_code_is_refused(tmp_path: Path) -> None:
    message = refusal(HOSTILE / "no_code_cells.ipynb")
    assert message == "no_code_cells.ipynb has no code cells to run"
    blank_code = write_notebook(
        tmp_path / "blank.ipynb", ("markdown", "answer below"), ("code", "   \n")
    )
    assert refusal(blank_code) == "blank.ipynb has no code cells to run"


def test_an_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.ipynb"
    with huge.open("wb") as handle:
        handle.truncate(MAX_SUBMISSION_BYTES + 1)  # sparse: costs no disk
    message = refusal(huge)
    assert "at most 20 MB" in message and "clear the notebook's outputs" in message


def test_wrong_paths_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        load_submission(tmp_path / "missing.ipynb")
    with pytest.raises(UsageError, match="is a folder"):
        load_submission(tmp_path)
    other = tmp_path / "answer.txt"
    other.write_text("print(1)")
    with pytest.raises(UsageError, match=r"expected a \.ipynb notebook or a \.py module"):
        load_submission(other)


# --- Which data set ----------------------------------------------------------------------------


def test_detect_dataset_of_the_solutions() -> None:
    assert detect_dataset(load_submission(SOLUTIONS / "mnist_callback.py")) == "mnist"
    assert detect_dataset(load_submission(SOLUTIONS / "mnist_callback.ipynb")) == "mnist"
    assert detect_dataset(load_submission(SOLUTIONS / "fashion_mnist.py")) == "fashion_mnist"
    assert detect_dataset(load_submission(SOLUTIONS / "fashion_mnist.ipynb")) == "fashion_mnist"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("from tensorflow.keras.datasets import fashion_mnist\n", "fashion_mnist"),
        ("import tensorflow as tf\ndata = tf.keras.datasets.mnist", "mnist"),
        # Both names appear: the fashion data set is the more specific one.
        ("# after mnist, try this\nds = tf.keras.datasets.fashion_mnist", "fashion_mnist"),
        ("import tensorflow as tf\nprint(tf.__version__)", None),
        ("my_mnist_helper = 1", None),  # part of a longer name is not the data set
    ],
)
def test_detect_dataset_from_code(tmp_path: Path, code: str, expected: str | None) -> None:
    path = tmp_path / "code.py"
    path.write_text(code)
    assert detect_dataset(load_submission(path)) == expected


def test_detect_exercise_from_the_data_set(tmp_path: Path) -> None:
    specs = all_exercises()
    assert detect_exercise(load_submission(SOLUTIONS / "fashion_mnist.py"), specs).id == (
        "fashion_mnist"
    )
    assert detect_exercise(load_submission(MNIST / "acc_key.py"), specs).id == "mnist_callback"
    unknown = tmp_path / "cifar.py"
    unknown.write_text("import tensorflow as tf\ntf.keras.datasets.cifar10.load_data()")
    with pytest.raises(UsageError, match="pass --exercise"):
        detect_exercise(load_submission(unknown), specs)
