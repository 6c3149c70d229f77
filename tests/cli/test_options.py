"""The instructor's options are checked before anything runs: a bad value is exit 2 and one
plain line naming the option, never a traceback and never after a training. In-process
through click's CliRunner; a test that got past the checks would start a grading, which the
unit tier refuses (no child process), so each refusal here is proven to come first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from paths import SOLUTIONS

from grader.cli import main

SOLUTION = SOLUTIONS / "mnist_callback.py"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def refused(result: Result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


@pytest.mark.parametrize("value", ["nan", "inf", "-5", "0", "-inf", "soon"])
@pytest.mark.parametrize("command", ["check", "grade", "gradescope"])
def test_a_timeout_must_be_a_finite_number_of_seconds_above_0(
    command: str, value: str, tmp_path: Path
) -> None:
    args = {
        "check": ["check", SOLUTION, "-e", "mnist_callback"],
        "grade": ["grade", tmp_path, "-e", "mnist_callback", "--out", tmp_path / "out"],
        "gradescope": ["gradescope", "--root", tmp_path, "-e", "mnist_callback"],
    }[command]
    refused(run(*args, "--timeout", value), "Invalid value for '--timeout'", repr(value))


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("-j", "0", "0 is not in the range 1<=x<=256"),
        ("-j", "100000", "not in the range"),
        ("--seeds", "0", "not in the range 1<=x<=100"),
        ("--seeds", "1000", "not in the range"),
        ("--late-cap", "nan", "'nan': give a number from 0 to 100"),
        ("--late-cap", "150", "'150': give a number from 0 to 100"),
        ("--grace", "inf", "'inf': give a number from 0 or more"),
        ("--grace", "-1", "'-1': give a number from 0 or more"),
    ],
)
def test_counts_have_a_range(tmp_path: Path, option: str, value: str, says: str) -> None:
    result = run("grade", tmp_path, "-e", "mnist_callback", "--out", tmp_path / "o", option, value)
    refused(result, says)


@pytest.mark.parametrize("option", ["--json", "--html", "--junit"])
def test_a_report_path_that_is_a_folder_is_refused_before_grading(
    option: str, tmp_path: Path
) -> None:
    result = run("check", SOLUTION, "-e", "mnist_callback", option, tmp_path)
    refused(result, f"Invalid value for '{option}'", f"{tmp_path} is a folder; give a file's name")


def test_a_report_path_inside_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    result = run("check", SOLUTION, "--json", tmp_path / "notes.txt" / "result.json")
    refused(result, f"{tmp_path / 'notes.txt'} is a file, not a folder")


def test_the_class_output_folder_must_be_a_folder(tmp_path: Path) -> None:
    (tmp_path / "reports").write_text("x")
    result = run("grade", tmp_path, "-e", "mnist_callback", "--out", tmp_path / "reports")
    refused(result, "Invalid value for '--out'", "is a file; give a folder")
    result = run("grade", tmp_path, "-e", "x", "--gradebook", tmp_path, "--out", tmp_path / "o")
    refused(result, "Invalid value for '--gradebook'", "is a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_output_folder_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = run("check", SOLUTION, "--json", locked / "r.json")
    refused(result, "cannot write in", "permission denied")


def test_an_unexpected_exception_is_one_plain_line_unless_debugging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import grader.api

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(grader.api, "resolve_exercise", broken)
    result = run("check", SOLUTION)
    refused(result, "error: the grader itself failed (KeyError: 'a bug')", "GRADER_DEBUG=1")
    monkeypatch.setenv("GRADER_DEBUG", "1")
    result = run("check", SOLUTION)
    assert isinstance(result.exception, KeyError)


def test_the_default_report_folder_being_a_file_is_refused_before_grading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports").write_text("not a folder")
    refused(run("check", SOLUTION), "reports is a file", "give --html PATH or --no-html")
