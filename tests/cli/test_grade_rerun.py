"""`grader grade` run again on an unchanged class (issue 28): above `LIST_LIMIT` submissions it
prints one line saying nothing was graded instead of every verdict; below it, or when anything
was graded, it lists each verdict as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import grader.cli.classroom
from grader.cli import main

pytestmark = pytest.mark.integration  # the first run spawns grading children


NAMES = ("Alpha", "Bravo", "Charlie", "Delta")


def syntax_error(tag: str) -> str:
    """A submission graded in milliseconds (no TensorFlow): distinct per tag."""
    return f"# {tag}\nimport tensorflow as tf\nmodel = tf.keras.Sequential([\n"


def grade(folder: Path, out: Path) -> str:
    args = ["grade", str(folder), "-e", "mnist_callback", "--out", str(out), "--no-similarity",
            "--isolation", "process", "-j", "2"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output  # every submission fails
    return result.stdout


def test_an_unchanged_large_class_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for name in NAMES:
        (folder / f"{name}.py").write_text(syntax_error(name), encoding="utf-8")
    out = tmp_path / "out"
    monkeypatch.setattr(grader.cli.classroom, "LIST_LIMIT", 3)
    first = grade(folder, out)
    assert all(name in first for name in NAMES)  # graded now: every verdict listed
    again = grade(folder, out)
    assert "Nothing graded in this run" in again and "4 submissions" in again
    assert not any(name in again for name in NAMES)
    assert "0/4 passed (0 graded, 0 duplicate(s), 4 from the gradebook)" in again
    (folder / "Charlie.py").write_text(syntax_error("changed"), encoding="utf-8")
    changed = grade(folder, out)  # one graded: the whole list again
    assert "Nothing graded" not in changed and all(name in changed for name in NAMES)
    monkeypatch.setattr(grader.cli.classroom, "LIST_LIMIT", 4)
    small = grade(folder, out)  # not above the limit: listed
    assert "Nothing graded" not in small and all(name in small for name in NAMES)
