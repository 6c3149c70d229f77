"""Properties of the one reader of submission files (`grader.grading.cells`) and of the loader
and static rules built on it: whatever the bytes, a value or the grader's own SubmissionError;
and for well-formed cells, every line the grader names is the student's own line.

Inputs: arbitrary bytes as `.py` and `.ipynb`; notebooks built valid with nbformat (version 4 and
3) and then pushed out of shape (one value swapped for a value of another JSON type); and cells
that mix Python with magics, shell escapes, automagics and leading blank lines.
"""

from __future__ import annotations

import ast
import copy
import json
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from grader.classroom.keys import content_key
from grader.grading.cells import Cell, SubmissionError, read_code, read_file
from grader.grading.rules import find_mistakes
from grader.grading.submissions import (
    Submission,
    find_syntax_error,
    read_submission,
    write_runnable,
)
from grader.spec.exercise import ExerciseSpec, load_exercise

pytestmark = pytest.mark.fuzz


@cache
def _spec() -> ExerciseSpec:
    return load_exercise("mnist_callback")


def _read_everything(name: str, raw: bytes) -> Submission | None:
    """All a class does before anything runs: key, read, load, syntax, rules, the file to run.
    Returns None when the file is refused in the grader's words; anything else raised fails."""
    content_key(name, raw)  # the cache key reads every file of a class before any grading
    try:
        read_file(name, raw)
        submission = read_submission(Path(name), raw)
    except SubmissionError as exc:
        message = str(exc)
        assert message.startswith(name), message  # the file is named first
        assert "Traceback" not in message
        return None
    find_syntax_error(submission)
    find_mistakes(submission, _spec())
    with tempfile.TemporaryDirectory() as folder:
        write_runnable(submission, Path(folder))  # the file the grading runs
    return submission


# -- arbitrary bytes -----------------------------------------------------------------------------


@given(st.binary(max_size=400))
@example(b"import os\nx = 1\x00\n")  # NUL bytes: a traceback from ast.parse before
@example(b"\xef\xbb\xbfx = 1\n")  # a UTF-8 byte order mark
@example(b"x = 1\r\ny = (\r")  # old Mac line ends: Python's line count, not str.split's
def test_any_bytes_as_a_module(raw: bytes) -> None:
    _read_everything("student.py", raw)


@given(st.binary(max_size=400))
@example(b"[" * 100_000)  # nested past json's recursion limit
@example(b"null")
@example(b'{"nbformat": 4, "cells": 1}')
def test_any_bytes_as_a_notebook(raw: bytes) -> None:
    _read_everything("student.ipynb", raw)


@given(st.text(max_size=300))
@example("%%time\n\x85x = 1")  # a character str.splitlines splits on and Python does not
@example("\n\n!pip install \\\n")  # a continued shell escape on the last line
@example("\x0c\n%ls")
def test_any_text_as_a_notebook_cell(text: str) -> None:
    raw = nbformat.writes(_notebook([nbformat.v4.new_code_cell(text)])).encode("utf-8", "replace")
    _read_everything("student.ipynb", raw)


# -- valid notebooks pushed out of shape --------------------------------------------------------

LINES = st.sampled_from(
    [
        "",
        "   ",
        "import tensorflow as tf",
        "x = 1",
        "model.fit(x, y, nb_epoch=5)",
        "if x:",
        "    y = 2",
        "%matplotlib inline",
        "%time x = 1",
        "!pip install -q tensorflow",
        "!ls \\",
        "pip install pandas",
        "ls -l",
        "cd ..",
        "np.zeros?",
        "files = !ls",
        "%%time",
        "%%javascript",
        "from google.colab import drive",
        "def f(:",
    ]
)
SOURCES = st.lists(LINES, max_size=8).map("\n".join)
TAGS = st.lists(st.sampled_from(["raises-exception", "skip", "solution"]), max_size=2)
ANY_CHARACTER = st.characters(exclude_categories=())  # lone surrogates too: JSON can hold them
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(ANY_CHARACTER, max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


@st.composite
def notebooks(draw: st.DrawFn) -> dict[str, Any]:
    cells = []
    for source, kind, tags in draw(st.lists(st.tuples(SOURCES, st.integers(0, 2), TAGS))):
        maker = [nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell, nbformat.v4.new_raw_cell]
        cell = maker[kind](source)
        if tags:
            cell.metadata["tags"] = tags
        cells.append(cell)
    return json.loads(nbformat.writes(_notebook(cells)))


def _notebook(cells: list[Any]) -> Any:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = cells
    return notebook


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document a value sits."""
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


def _swap(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    changed = copy.deepcopy(document)
    holder = changed
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return changed


@given(notebooks())
def test_valid_notebooks_are_read(document: dict[str, Any]) -> None:
    raw = json.dumps(document).encode()
    read = read_file("student.ipynb", raw)
    assert len(read.cells) == len(document["cells"])
    _read_everything("student.ipynb", raw)


def _one_cell(**fields: Any) -> dict[str, Any]:
    cell = {"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": []}
    cell.update(fields)
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}


@given(notebooks(), st.data(), JSON_VALUES)
@example(  # `metadata.tags` a number: stopped a whole class at every rerun (classroom/keys.py)
    {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": "code",
                "source": "x = 1",
                "metadata": {"tags": 5},
                "outputs": [],
                "execution_count": None,
                "id": "a",
            }
        ],
    },
    None,
    None,
).via("issue 26: tags a number")
@example(_one_cell(source=None), None, None).via("source null: a traceback from the loader")
@example(_one_cell(source=["x = 1", 2]), None, None).via("a list source: stopped the batch")
@example(_one_cell(source="\ud800"), None, None).via("a lone surrogate: the cache key crashed")
@example(_one_cell(source="x\u0000"), None, None).via("a NUL in a cell: ast.parse's ValueError")
@example(_one_cell(metadata=[]), None, None).via("metadata a list: nbformat's own words")
@example(_one_cell(cell_type="markdown", source="\ud800"), None, None).via("surrogate, markdown")
@example(_one_cell(cell_type="\ud800"), None, None).via("a lone surrogate as the cell type")
@example(_one_cell(metadata={"tags": ["\udfff"]}), None, None).via("a lone surrogate as a tag")
def test_notebooks_out_of_shape(document: dict[str, Any], data: Any, value: Any) -> None:
    if data is not None:
        path = data.draw(st.sampled_from(_paths(document)))
        document = _swap(document, path, value)
    _read_everything("student.ipynb", json.dumps(document).encode())


@given(st.lists(st.tuples(SOURCES, st.booleans()), max_size=4), st.data(), JSON_VALUES)
def test_old_notebooks_out_of_shape(cells: list[Any], data: Any, value: Any) -> None:
    from nbformat import v3

    worksheet = v3.new_worksheet(
        cells=[
            v3.new_code_cell(input=source) if code else v3.new_text_cell("markdown", source=source)
            for source, code in cells
        ]
    )
    document = json.loads(v3.writes_json(v3.new_notebook(worksheets=[worksheet])))
    _read_everything("student.ipynb", json.dumps(document).encode())
    path = data.draw(st.sampled_from(_paths(document)))
    _read_everything("student.ipynb", json.dumps(_swap(document, path, value)).encode())


@given(st.integers(-3, 9), st.integers(-1, 9))
def test_any_nbformat_version(major: int, minor: int) -> None:
    document = json.loads(nbformat.writes(_notebook([nbformat.v4.new_code_cell("x = 1")])))
    document.update(nbformat=major, nbformat_minor=minor)
    read = _read_everything("student.ipynb", json.dumps(document).encode())
    if major == 4:
        assert read is not None


# -- lines the grader names are the student's own ----------------------------------------------

PYTHON_OR_IPYTHON = st.sampled_from(
    ["", "%matplotlib inline", "!echo hi", "%time y = 1", "z = 3", "files = !ls", "    "]
)


@given(
    st.integers(0, 4),
    st.lists(st.tuples(st.booleans(), PYTHON_OR_IPYTHON), min_size=1, max_size=8),
)
@example(2, [(True, "")])  # two blank lines, then the marker: line 3, not line 1
def test_marked_lines_keep_the_student_numbers(blank: int, body: list[Any]) -> None:
    lines = [""] * blank
    for index, (marked, other) in enumerate(body):
        lines.append(f"marker_{index} = {index}" if marked else other)
    source = "\n".join(lines)
    (code,) = read_code([Cell(1, "code", source)], "notebook")
    tree = code.tree()
    if tree is None:
        return  # a line mix IPython cannot compile: nothing is named from it
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id.startswith("marker_"):
            assert code.text(node.lineno) == f"{node.id} = {node.id.split('_')[1]}"


@given(st.integers(0, 4), st.lists(PYTHON_OR_IPYTHON, max_size=4), st.integers(0, 3))
@example(2, [], 0)  # a cell that starts with two blank lines: the error's line, quoted
def test_a_syntax_error_names_the_student_line(blank: int, before: list[str], after: int) -> None:
    broken = "if marker > 1"
    lines = [*[""] * blank, *before, broken, *["pass"] * after]
    document = _notebook([nbformat.v4.new_code_cell("\n".join(lines))])
    submission = read_submission(Path("student.ipynb"), nbformat.writes(document).encode())
    problem = find_syntax_error(submission)
    assert problem is not None
    assert (problem.line, problem.text) == (lines.index(broken) + 1, broken)
