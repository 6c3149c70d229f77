"""`grader.grading.cells`: the one reader of submission files. Bytes to cells or the grader's
own error naming the file and cell; cells read as IPython reads them (automagics asked of
IPython's shell, names that shadow them, cell magics); lines the grader names are the student's.
"""

from __future__ import annotations

import builtins
import json
import sys
import traceback
from pathlib import Path
from typing import Any

import nbformat
import pytest

from grader.classroom.keys import content_key
from grader.grading.cells import Cell, SubmissionError, automagic_names, read_code, read_file
from grader.grading.cells.ipython import _ipython
from grader.grading.rules import find_mistakes
from grader.grading.submissions import (
    find_syntax_error,
    load_submission,
    read_submission,
    write_runnable,
)
from grader.spec.exercise import load_exercise


def notebook(*sources: str, tags: dict[int, list[str]] | None = None) -> bytes:
    document = nbformat.v4.new_notebook()
    for index, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source)
        if tags and index in tags:
            cell.metadata["tags"] = tags[index]
        document.cells.append(cell)
    return nbformat.writes(document).encode()


def raw_notebook(*cells: dict[str, Any], **top: Any) -> bytes:
    document = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": list(cells)}
    document.update(top)
    return json.dumps(document).encode()


def code_cell(**fields: Any) -> dict[str, Any]:
    cell = {"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": []}
    cell.update(fields)
    return cell


def refusal(name: str, raw: bytes) -> str:
    with pytest.raises(SubmissionError) as caught:
        read_submission(Path(name), raw)
    message = str(caught.value)
    assert message.startswith(name) and "\n" not in message, message
    return message


# -- IPython's reading: automagics, shadowing, cell magics ---------------------------------------


def test_automagic_names_are_ipythons_own() -> None:
    names = automagic_names()
    # Line magics of IPython (`pip`, `cd`, `env`), its default shell aliases (`ls`, `mkdir`) and
    # the ones Jupyter's kernel adds (`clear`, `less`): asked of the shell, not listed here.
    assert {"pip", "conda", "cd", "env", "ls", "mkdir", "clear", "less"} <= names
    assert "print" not in names and "tensorflow_version" not in names


def test_pip_without_percent_is_ignored_like_percent_pip() -> None:
    """Issue 30: `pip install ...` alone in a cell runs as `%pip` in Jupyter."""
    raw = notebook(
        "pip install pandas numpy matplotlib", "import tensorflow as tf", "%pip install x"
    )
    submission = read_submission(Path("lab.ipynb"), raw)
    assert find_syntax_error(submission) is None
    assert [n.describe() for n in submission.neutralised] == [
        "cell 1, line 1: `pip install pandas numpy matplotlib` ignored "
        "(package installs do not run while grading)",
        "cell 3, line 1: `%pip install x` ignored (package installs do not run while grading)",
    ]
    (command,) = read_code(read_file("lab.ipynb", raw).cells, "notebook")[0].commands
    assert (command.kind, command.name, command.automagic) == ("line_magic", "pip", True)


def test_other_automagics_run_as_magics() -> None:
    raw = notebook("\n\nls -l", "cd ..", "env")
    cells = read_code(read_file("lab.ipynb", raw).cells, "notebook")
    assert [(c.commands[0].name, c.commands[0].line) for c in cells] == [
        ("ls", 3),
        ("cd", 1),
        ("env", 1),
    ]
    assert all(c.commands[0].automagic for c in cells)
    assert find_syntax_error(read_submission(Path("lab.ipynb"), raw)) is None


def test_a_name_assigned_earlier_is_not_an_automagic() -> None:
    """IPython's AutoMagicChecker: a variable that shadows the magic wins, as in Jupyter."""
    raw = notebook("ls = [1, 2]", "ls", "pip = 3", "pip install pandas")
    cells = read_code(read_file("lab.ipynb", raw).cells, "notebook")
    assert [c.commands for c in cells] == [(), (), (), ()]
    problem = find_syntax_error(read_submission(Path("lab.ipynb"), raw))
    assert problem is not None and (problem.cell, problem.line) == (4, 1)
    assert "no variable is named `pip`: write `%pip ...`" in problem.message


def test_automagic_only_alone_in_its_cell_as_in_jupyter() -> None:
    problem = find_syntax_error(
        read_submission(Path("lab.ipynb"), notebook("pip install pandas\nimport pandas"))
    )
    assert problem is not None and (problem.line, problem.text) == (1, "pip install pandas")
    assert "only when the line is alone in its cell" in problem.message


def test_a_continued_shell_escape_is_ignored_whole() -> None:
    raw = notebook("!pip install \\\n    numpy\nx = 1")
    submission = read_submission(Path("lab.ipynb"), raw)
    assert submission.cells[0].source.split("\n") == [
        "pass  # grader: !pip install \\",
        "    # grader: numpy",
        "x = 1",
    ]
    assert find_syntax_error(submission) is None


def test_a_cell_magic_body_is_read_by_the_rules_at_its_own_lines() -> None:
    (cell,) = read_code([Cell(1, "code", "\n%%time\nmodel.fit(x, y, nb_epoch=3)")], "notebook")
    assert [(c.kind, c.name, c.line) for c in cell.commands] == [("cell_magic", "time", 2)]
    tree = cell.tree()
    assert tree is not None and tree.body[0].lineno == 3


# -- the student's own line, whatever the cell starts with -------------------------------------

LEADING = "\n\n"  # a cell that starts with two blank lines


def test_hints_name_and_quote_the_student_line_after_blank_lines() -> None:
    raw = notebook(
        "import tensorflow as tf",
        LEADING + "model = build()\nmodel.fit(x, y, nb_epoch=5)\nlabels = model.predict_classes(x)",
    )
    findings = find_mistakes(
        read_submission(Path("lab.ipynb"), raw), load_exercise("mnist_callback")
    )
    found = {f.hint_id: (f.cell, f.line, f.text) for f in findings}
    assert found["renamed_argument"] == (2, 4, "model.fit(x, y, nb_epoch=5)")
    assert found["removed_model_method"] == (2, 5, "labels = model.predict_classes(x)")


def test_a_syntax_error_after_blank_lines_names_and_quotes_its_line() -> None:
    raw = notebook("x = 1", LEADING + "y = 2\nif y > 1\n    print(y)")
    problem = find_syntax_error(read_submission(Path("lab.ipynb"), raw))
    assert problem is not None
    assert (problem.cell, problem.line, problem.text) == (2, 4, "if y > 1")


def test_a_runtime_error_maps_back_to_the_student_line() -> None:
    """What the kernel runs is IPython's Python: its traceback's line is the cell's less the
    blank lines IPython dropped; `student_line` gives the line the student sees."""
    (cell,) = read_code([Cell(1, "code", LEADING + "x = 1\nx / 0")], "notebook")
    try:
        exec(compile(cell.python, "<cell>", "exec"), {})
    except ZeroDivisionError as exc:
        ran = traceback.extract_tb(exc.__traceback__)[-1].lineno
    assert ran == 2  # IPython ran the cell without its two blank lines
    assert cell.student_line(ran) == 4 and cell.text(4) == "x / 0"
    submission = read_submission(Path("lab.ipynb"), notebook("y = 0", LEADING + "x = 1\nx / 0"))
    assert submission.student_line(2, 2) == 4


# -- any file: a value or the grader's own words ------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"[1, 2]", "lab.ipynb is not a valid notebook: its JSON is a list, not an object"),
        (raw_notebook(cells={"a": 1}), "lab.ipynb is not a valid notebook: its `cells` is an "),
        (raw_notebook(nbformat=None), "lab.ipynb is not a valid notebook: its `nbformat` version"),
        (raw_notebook(nbformat=5), "lab.ipynb is written in nbformat 5, newer than the grader"),
        (raw_notebook(nbformat=6), "lab.ipynb is written in nbformat 6"),
        (raw_notebook(7), "lab.ipynb, cell 1 is a number, not a cell"),
        (raw_notebook(code_cell(cell_type=3)), "lab.ipynb, cell 1: its `cell_type` is a number"),
        (raw_notebook(code_cell(source=None)), "lab.ipynb, cell 1: the code cell's `source` is "),
        (raw_notebook(code_cell(source=12)), "lab.ipynb, cell 1: the code cell's `source` is a n"),
        (raw_notebook(code_cell(source=["x", 1])), "lab.ipynb, cell 1: the code cell's `source` h"),
        (raw_notebook(code_cell(metadata=[])), "lab.ipynb, cell 1: its `metadata` is a list"),
        (raw_notebook(code_cell(metadata={"tags": 5})), "lab.ipynb, cell 1: its `metadata.tags` "),
        (
            raw_notebook(code_cell(metadata={"tags": "raises-exception"})),
            'lab.ipynb, cell 1: its `metadata.tags` is a string ("raises-exception"); Jupyter '
            'writes tags as a list of strings, such as ["raises-exception"]',
        ),
        (raw_notebook(code_cell(source="x = 1\ny\u0000")), "lab.ipynb, cell 1, line 2 holds a NUL"),
        (raw_notebook(code_cell(source="\ud800")), "lab.ipynb, cell 1, line 1 holds a broken char"),
        (b"\xff\xfe{}", "lab.ipynb is not a text file (invalid start byte: byte 0xff on line 1)"),
    ],
)
def test_a_broken_notebook_is_refused_in_plain_words(raw: bytes, expected: str) -> None:
    assert refusal("lab.ipynb", raw).startswith(expected)


def test_a_module_with_nul_or_foreign_bytes_is_refused_with_its_line() -> None:
    assert refusal("lab.py", b"import os\nx = 1\x00\n") == (
        "lab.py, line 2 holds a NUL character: a binary file's bytes, not Python text"
    )
    assert refusal("lab.py", b"x = 1\ny = '\xe9'\n").startswith(
        "lab.py is not UTF-8 text (invalid continuation byte: byte 0xe9 on line 2)"
    )


def test_markdown_cells_of_any_shape_are_only_counted() -> None:
    raw = raw_notebook(
        {"cell_type": "markdown", "source": None, "metadata": 5},
        code_cell(source=["import tensorflow as tf\n", "x = 1"]),
    )
    read = read_file("lab.ipynb", raw)
    assert [(c.number, c.kind, c.source) for c in read.cells] == [
        (1, "markdown", ""),
        (2, "code", "import tensorflow as tf\nx = 1"),
    ]


def test_old_notebooks_are_upgraded_and_minor_versions_read() -> None:
    from nbformat import v3

    worksheet = v3.new_worksheet(
        cells=[v3.new_text_cell("markdown", source="# Lab"), v3.new_code_cell(input="x = 1")]
    )
    old = v3.writes_json(v3.new_notebook(worksheets=[worksheet])).encode()
    read = read_file("old.ipynb", old)
    assert read.nbformat == 3
    assert [(c.number, c.kind, c.source) for c in read.cells] == [
        (1, "markdown", "# Lab"),
        (2, "code", "x = 1"),
    ]
    first = raw_notebook(code_cell(), nbformat_minor=0)
    assert read_file("first.ipynb", first).cells[0].source == "x = 1"


def test_tags_are_read_and_a_bad_tag_no_longer_stops_the_cache_key() -> None:
    raw = notebook("x = 1", "1 / 0", tags={1: ["raises-exception"]})
    cells = read_file("lab.ipynb", raw).cells
    assert [c.may_raise for c in cells] == [False, True]
    bad = raw_notebook(code_cell(metadata={"tags": 5}))
    assert content_key("a.ipynb", bad) != content_key("a.ipynb", bad + b" ")  # keyed by bytes


# -- what the grading runs ----------------------------------------------------------------------


def test_the_run_gets_a_clean_notebook_with_the_same_cells(tmp_path: Path) -> None:
    path = tmp_path / "lab.ipynb"
    path.write_bytes(
        raw_notebook(
            {"cell_type": "markdown", "source": None},
            code_cell(source="pip install pandas", metadata={"tags": ["raises-exception"]}),
            {"cell_type": "heading", "source": "old", "level": 1},
            code_cell(source="x = 1", outputs=[{"nonsense": True}]),
        )
    )
    written = write_runnable(load_submission(path), tmp_path)
    document = nbformat.read(written, as_version=4)
    nbformat.validate(document)
    assert [c.cell_type for c in document.cells] == ["markdown", "code", "raw", "code"]
    assert document.cells[1].source == "pass  # grader: pip install pandas"
    assert document.cells[1].metadata["tags"] == ["raises-exception"]
    assert document.cells[3].outputs == []


def test_the_reading_shell_leaves_the_process_alone() -> None:
    main, ipython_flag = sys.modules["__main__"], hasattr(builtins, "__IPYTHON__")
    shell, _ = _ipython.__wrapped__()  # a fresh one, not the cached shell
    assert shell.transform_cell("ls") == "get_ipython().run_line_magic('ls', '')\n"
    assert sys.modules["__main__"] is main
    assert hasattr(builtins, "__IPYTHON__") == ipython_flag
    assert not hasattr(builtins, "get_ipython")


def test_a_recorded_runtime_error_is_reported_at_the_student_line() -> None:
    """The events a kernel records for a cell that starts with two blank lines: its traceback's
    line 2 is the student's line 4, in the evidence every check reads."""
    from grader.grading.evidence import parse_events
    from grader.grading.submissions import in_student_lines

    submission = read_submission(Path("lab.ipynb"), notebook("y = 0", LEADING + "x = 1\nx / 0"))
    events = [
        {"type": "cell", "index": 1, "execution_count": 1},
        {
            "type": "error",
            "exc_type": "ZeroDivisionError",
            "message": "division by zero",
            "frames": [{"cell": 1, "line": 2}],
        },
        {"type": "probe_callback", "index": 0, "name": "MyCallback", "threshold": 0.99},
        {"type": "probe_call", "callback": 0, "value": 0.5, "error": "boom", "cell": 1, "line": 2},
    ]
    evidence = in_student_lines(parse_events(events), submission)
    (failure,) = evidence.failures
    assert (failure.cell, failure.line) == (2, 4)
    (call,) = evidence.probes[0].calls  # the callback probe's error, where the student sees it
    assert (call.cell, call.line) == (2, 4)


@pytest.mark.parametrize(
    ("name", "raw", "hint"),
    [
        ("binary.py", b"import os\x00\n", "not_text"),
        ("latin1.py", b"# caf\xe9\nprint(1)\n", "not_text"),
        ("broken.ipynb", b'{"cells": [', "not_a_submission"),
        ("tags.ipynb", b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": null}]}',
         "not_a_submission"),
    ],
)  # fmt: skip
def test_an_unreadable_file_gets_the_hint_for_its_fault(name: str, raw: bytes, hint: str) -> None:
    """Bytes that are not text are not a notebook saved by the wrong tool: each hint fits."""
    import tomllib

    from grader.grading.cells import SubmissionError
    from grader.grading.cells.files import read_file
    from grader.locations import PACKAGE_DIR

    with pytest.raises(SubmissionError) as caught:
        read_file(name, raw)
    assert caught.value.hint == hint
    hints = tomllib.loads((PACKAGE_DIR / "grading" / "hints.toml").read_text(encoding="utf-8"))
    assert hint in hints
