"""A class of broken files is graded, not stopped (issue 26): one student of each kind of broken
notebook or module, and one good notebook with a syntax error in a cell that starts with blank
lines. `grader grade` (the installed script, as an instructor runs it) keeps every student, each
with a plain verdict naming the file and what is wrong; no one's row blames the grader. Nothing
trains: every file fails before the run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from click.testing import CliRunner

from grader.cli import main

pytestmark = pytest.mark.integration


def _notebook(*cells: dict[str, Any], **top: Any) -> str:
    document = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": list(cells)}
    document.update(top)
    return json.dumps(document)


def _code(**fields: Any) -> dict[str, Any]:
    cell = {"cell_type": "code", "source": "import tensorflow as tf", "metadata": {}}
    cell.update(outputs=[], execution_count=None, **fields)
    return cell


# Each file, and what its student's verdict must say.
BROKEN: dict[str, tuple[str | bytes, str]] = {
    "tags_number.ipynb": (_notebook(_code(metadata={"tags": 5})), "`metadata.tags` is a number"),
    "tags_string.ipynb": (
        _notebook(_code(metadata={"tags": "raises-exception"})),
        "`metadata.tags` is a string",
    ),
    "source_null.ipynb": (_notebook(_code(source=None)), "`source` is missing or null"),
    "source_number.ipynb": (_notebook(_code(source=7)), "`source` is a number"),
    "source_list.ipynb": (_notebook(_code(source=["x = 1\n", 2])), "`source` holds a number"),
    "cells_object.ipynb": (_notebook(cells={}), "`cells` is an object, not a list"),
    "json_list.ipynb": ("[1, 2]", "its JSON is a list, not an object"),
    "broken_json.ipynb": ('{"cells": [', "its JSON is broken (line 1, column 12"),
    "future.ipynb": (_notebook(_code(), nbformat=6), "written in nbformat 6"),
    "nul.py": (b"import os\nx = 1\x00\n", "line 2 holds a NUL character"),
    "latin1.py": (b"x = '\xe9'\n", "is not UTF-8 text"),
}


def test_a_class_of_broken_files_keeps_every_student(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for name, (content, _) in BROKEN.items():
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    good = nbformat.v4.new_notebook()
    good.cells = [
        nbformat.v4.new_code_cell("import tensorflow as tf"),
        nbformat.v4.new_code_cell("\n\nmnist = tf.keras.datasets.mnist\nif True\n    pass"),
    ]
    nbformat.write(good, folder / "syntax_error.ipynb")
    out = tmp_path / "out"
    grader = Path(sys.executable).parent / "grader"
    done = subprocess.run(
        [str(grader), "grade", str(folder), "-e", "mnist_callback", "--out", str(out), "-j", "2"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stderr  # students failed; the batch itself did not
    assert "Traceback" not in done.stderr + done.stdout
    assert "batch stopped" not in done.stderr
    rows = {r["id"]: r for r in json.loads((out / "results.json").read_text())["submissions"]}
    assert set(rows) == {Path(name).stem for name in BROKEN} | {"syntax_error"}
    for name, (_, expected) in BROKEN.items():
        row = rows[Path(name).stem]
        assert row["status"] == "error", row
        assert row["error"].startswith(name) and expected in row["error"], row["error"]
        runs = row["checks"][0]
        assert (runs["id"], runs["status"], runs["message"]) == ("runs", "fail", row["error"])
        assert "grader itself" not in json.dumps(row)
    syntax = rows["syntax_error"]
    assert syntax["checks"][0]["message"] == "SyntaxError: expected ':' at cell 2, line 4"
    assert syntax["error_location"]["excerpt"][2] == [4, "if True"]


def test_check_of_a_broken_notebook_is_the_students_verdict(tmp_path: Path) -> None:
    """`grader check` on a file the reader refuses: exit 1 (a failing submission, not a usage
    error or a crash), and the JSON and HTML reports are still written."""
    path = tmp_path / "tagged.ipynb"
    path.write_bytes(_notebook(_code(metadata={"tags": 5})).encode())
    report, page = tmp_path / "tagged.json", tmp_path / "tagged.html"
    args = ["check", str(path), "-e", "mnist_callback", "--json", str(report), "--html", str(page)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (row,) = json.loads(report.read_text())["submissions"]
    assert row["error"].startswith("tagged.ipynb, cell 1: its `metadata.tags` is a number")
    assert "metadata.tags" in page.read_text()
