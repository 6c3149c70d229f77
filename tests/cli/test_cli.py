"""The `grader` command: help, exit codes, plain one-line errors, JSON output. No training here.

Most cases run in-process through click's CliRunner; two run the installed `grader` script in a
real subprocess, as a user or CI job does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from paths import SOLUTIONS, SUBMISSIONS

from grader.cli import main

pytestmark = pytest.mark.integration  # spawns a grading child or the CLI

SYNTAX_ERROR = SUBMISSIONS / "mnist_callback" / "syntax_error.py"
SOLUTION = SOLUTIONS / "mnist_callback.py"
GRADER = Path(sys.executable).parent / "grader"

SUBMISSION_KEYS = {
    "id",
    "path",
    "sha256",
    "passed",
    "status",
    "score",
    "max_score",
    "checks",
    "training",
    "test_accuracy",
    "isolation",
    "versions",
    "seed",
    "duration_s",
}
CHECK_KEYS = {"id", "status", "score", "max_score", "message", "hint"}


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command runs in an empty folder: default report paths land there."""
    monkeypatch.chdir(tmp_path)


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def assert_plain_error(result: Result, *words: str) -> str:
    """Exit 2 and one plain line on stderr naming `words`; nothing that looks like a crash."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def assert_documented_shape(report: dict, exercise: str) -> dict:
    assert set(report) == {"exercise", "submissions"}
    assert report["exercise"] == exercise
    (submission,) = report["submissions"]
    assert set(submission) >= SUBMISSION_KEYS, SUBMISSION_KEYS - set(submission)
    assert submission["checks"]
    for check in submission["checks"]:
        assert set(check) >= CHECK_KEYS, CHECK_KEYS - set(check)
    return submission


# --- Help ---------------------------------------------------------------------------------------


def test_main_help_lists_the_commands_and_where_to_start() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for text in ("check", "grade", "data", "exercises", "grader data fetch", "Start here"):
        assert text in result.output, text
    assert invoke("-h").output == result.output


def test_check_help_describes_its_options() -> None:
    result = invoke("check", "--help")
    assert result.exit_code == 0
    for option in ("--exercise", "--json", "--html", "--timeout", "--isolation", "--quiet"):
        assert option in result.output, option
    assert "Grade one SUBMISSION" in result.output


def test_data_and_grade_help() -> None:
    data = invoke("data", "--help")
    assert data.exit_code == 0 and "fetch" in data.output and "verify" in data.output
    grade = invoke("grade", "--help")
    assert grade.exit_code == 0 and "--exercise" in grade.output and "--out" in grade.output


# --- Plain errors, exit 2 -----------------------------------------------------------------------


def test_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_notebook.ipynb"
    assert_plain_error(invoke("check", str(missing)), "no such file", str(missing))
    with_exercise = invoke("check", str(missing), "--exercise", "mnist_callback", "--no-html")
    assert_plain_error(with_exercise, "no such file")


def test_a_long_path_stays_on_one_line(tmp_path: Path) -> None:
    deep = tmp_path / ("very_long_folder_name_" * 4) / "a_student_with_a_long_name.ipynb"
    line = assert_plain_error(invoke("check", str(deep)), str(deep))
    assert len(line) > 120


def test_a_file_name_with_brackets_is_shown_as_is(tmp_path: Path) -> None:
    for name in ("answer [final].ipynb", "answer [/b].ipynb"):
        assert_plain_error(invoke("check", str(tmp_path / name)), name)


def test_an_unknown_exercise() -> None:
    result = invoke("check", str(SOLUTION), "--exercise", "nope", "--no-html")
    assert_plain_error(result, "unknown exercise 'nope'", "fashion_mnist", "mnist_callback")


def test_a_folder_given_to_check(tmp_path: Path) -> None:
    assert_plain_error(invoke("check", str(tmp_path)), "is a folder", "give a .ipynb or .py file")
    result = invoke("check", str(tmp_path), "--exercise", "mnist_callback", "--no-html")
    assert_plain_error(result, "is a folder")


def test_an_unreadable_file_without_an_exercise() -> None:
    broken = SUBMISSIONS / "fashion_mnist" / "broken_json.ipynb"
    assert_plain_error(invoke("check", str(broken)), "its JSON is broken", "pass --exercise")


def test_an_unknown_isolation_level() -> None:
    result = invoke(
        "check", str(SYNTAX_ERROR), "-e", "mnist_callback", "--isolation", "docker", "--no-html"
    )
    assert_plain_error(result, "unknown isolation level 'docker'", "namespaces")


def test_grade_a_path_that_is_not_a_folder(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    result = invoke("grade", str(missing), "--exercise", "mnist_callback")
    assert_plain_error(result, str(missing))


def test_data_not_provisioned(tmp_path: Path) -> None:
    empty = tmp_path / "empty-cache"
    empty.mkdir()
    started = time.monotonic()
    result = invoke(
        "check",
        str(SOLUTION),
        "--exercise",
        "mnist_callback",
        "--no-html",
        env={"GRADER_DATA_DIR": str(empty)},
    )
    assert time.monotonic() - started < 10
    assert_plain_error(result, "MNIST is not provisioned", str(empty), "`grader data fetch`")


# --- Grading without training: a syntax error ---------------------------------------------------


def test_a_syntax_error_fails_with_the_documented_json(tmp_path: Path) -> None:
    out = tmp_path / "out" / "result.json"
    started = time.monotonic()
    result = invoke("check", str(SYNTAX_ERROR), "--json", str(out), "--no-html")
    assert time.monotonic() - started < 5
    assert result.exit_code == 1, result.output
    assert "syntax_error: FAILED 0/10" in result.stdout
    assert "exercise: mnist_callback (detected" in result.stderr
    submission = assert_documented_shape(json.loads(out.read_text()), "mnist_callback")
    assert submission["id"] == "syntax_error"
    assert submission["path"] == str(SYNTAX_ERROR)
    assert submission["passed"] is False and submission["score"] == 0
    assert submission["max_score"] == 10
    assert submission["status"] == "graded"
    runs = submission["checks"][0]
    assert (runs["id"], runs["status"]) == ("runs", "fail")
    assert runs["message"].startswith("SyntaxError: expected ':' at line 11")
    assert runs["hint"]
    assert submission["error_location"]["line"] == 11


def test_quiet_prints_one_line() -> None:
    result = invoke("check", str(SYNTAX_ERROR), "--quiet", "--no-html")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [result.stdout.strip()]
    assert result.stdout.startswith("syntax_error: FAILED 0/10 (mnist_callback, ")
    assert result.stderr == ""


def test_quiet_stays_one_line_for_a_long_name(tmp_path: Path) -> None:
    long_name = tmp_path / "syntax_error_from_a_student_with_a_rather_long_file_name.py"
    shutil.copy(SYNTAX_ERROR, long_name)
    result = invoke("check", str(long_name), "--quiet", "--no-html")
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 1, result.stdout


def test_the_html_report_is_written_where_asked(tmp_path: Path) -> None:
    report = tmp_path / "reports" / "mine.html"
    result = invoke("check", str(SYNTAX_ERROR), "--html", str(report))
    assert result.exit_code == 1
    assert report.is_file() and "<html" in report.read_text().lower()
    assert f"Report: {report}" in result.stdout.replace("\n", "")


# --- Other commands -----------------------------------------------------------------------------


def test_exercises_lists_every_exercise_with_its_model() -> None:
    from grader.spec.exercise import all_exercises

    result = invoke("exercises")
    assert result.exit_code == 0
    for spec in all_exercises():
        assert f"{spec.id}: {spec.title}" in result.stdout
        assert f"model: {spec.architecture.summary()}" in result.stdout
    assert "mnist_callback: MNIST: stop training at 99% accuracy with a callback" in result.stdout
    assert "fashion_mnist: Fashion-MNIST" in result.stdout
    assert "early_stop (3)" in result.stdout and "test_accuracy (3)" in result.stdout


def test_data_verify_passes_on_the_provisioned_cache() -> None:
    result = invoke("data", "verify")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("mnist: ok - MNIST verified in ")
    assert "fashion_mnist: ok - Fashion-MNIST verified in " in result.stdout


def test_data_verify_fails_on_an_empty_cache(tmp_path: Path) -> None:
    result = invoke("data", "verify", env={"GRADER_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert "mnist: FAILED - MNIST is not provisioned" in result.stdout
    assert "Traceback" not in result.output


# --- The installed script, in a real subprocess ------------------------------------------------


def run_grader(
    *args: str, env: dict[str, str] | None = None, cwd: Path
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(GRADER), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "60", **(env or {})},
    )


def test_the_installed_script_grades_a_syntax_error(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    done = run_grader("check", str(SYNTAX_ERROR), "--json", str(out), "--quiet", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout.count("\n") == 1 and done.stdout.startswith("syntax_error: FAILED 0/10")
    assert "Traceback" not in done.stderr
    assert_documented_shape(json.loads(out.read_text()), "mnist_callback")
    # The default HTML report lands under reports/ in the working folder.
    assert (tmp_path / "reports" / "syntax_error.html").is_file()


def test_the_installed_script_without_data(tmp_path: Path) -> None:
    started = time.monotonic()
    done = run_grader(
        "check",
        str(SOLUTION),
        "-e",
        "mnist_callback",
        "--no-html",
        env={"GRADER_DATA_DIR": str(tmp_path)},
        cwd=tmp_path,
    )
    assert time.monotonic() - started < 15
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "run `grader data fetch`" in lines[0], done.stderr
    assert done.stdout == ""
