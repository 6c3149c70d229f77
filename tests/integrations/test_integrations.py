"""Students, CI and Gradescope: the Python API, GitHub output, JUnit, init-ci, the pytest
plugin and the Gradescope autograder scripts, each run for real (fast: static verdicts)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from junitparser import JUnitXml
from paths import FIXTURES, ROOT, SOLUTIONS, SUBMISSIONS

from grader.integrations.ci import render_workflow
from grader.integrations.github import annotations, markdown_summary
from grader.results import read_results

pytestmark = pytest.mark.integration  # spawns a grading child or the CLI

SYNTAX_ERROR = SUBMISSIONS / "mnist_callback" / "syntax_error.py"
BROKEN_JSON = SUBMISSIONS / "fashion_mnist" / "broken_json.ipynb"
GRADER = [sys.executable, "-m", "grader.cli"]


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    kwargs = {"cwd": ROOT, "timeout": 120, **kwargs}
    return subprocess.run(argv, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]


def test_python_api_returns_the_result_and_displays_as_a_report() -> None:
    from grader import check

    result = check(SYNTAX_ERROR)
    assert not result.passed and result.exercise == "mnist_callback"
    assert result.checks[0].hint_id == "syntax_error"
    html = result._repr_html_()
    assert html.startswith("<iframe") and "srcdoc=" in html
    assert "<script" not in html.split("srcdoc=")[1][:50]  # the report is escaped inside srcdoc


def test_github_annotations_point_at_the_students_line() -> None:
    result = read_results(FIXTURES / "mnist_callback-syntax_error.json").submissions[0]
    lines = annotations(result)
    assert len(lines) == 1
    assert lines[0].startswith("::error file=")
    assert ",line=11::" in lines[0] and "Hint:" in lines[0]
    assert "\n" not in lines[0]


def test_markdown_summary_has_a_table_and_the_hint() -> None:
    result = read_results(FIXTURES / "mnist_callback-slash_n_message.json").submissions[0]
    summary = markdown_summary([result])
    assert "| ❌ fail | `stop_message` |" in summary
    assert "**Hint (stop_message):**" in summary


def test_check_writes_junit_and_github_output(tmp_path: Path) -> None:
    step_summary = tmp_path / "summary.md"
    junit = tmp_path / "junit.xml"
    proc = run(
        [
            *GRADER,
            "check",
            str(SYNTAX_ERROR),
            "--junit",
            str(junit),
            "--github",
            "--html",
            str(tmp_path / "r.html"),
        ],
        env={**os.environ, "GITHUB_STEP_SUMMARY": str(step_summary)},
    )
    assert proc.returncode == 1, proc.stderr
    assert "::error file=" in proc.stdout
    assert "syntax_error" in step_summary.read_text()
    suites = list(JUnitXml.fromfile(str(junit)))
    assert suites[0].name == "syntax_error"
    assert suites[0].failures == 1 and suites[0].skipped == 5
    assert (tmp_path / "r.html").is_file()


def test_quiet_check_prints_one_plain_line(tmp_path: Path) -> None:
    proc = run([*GRADER, "check", str(SYNTAX_ERROR), "--quiet", "--no-html"], cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.count("\n") == 1 and "FAILED 0/10" in proc.stdout
    assert "\x1b[" not in proc.stdout  # no colours when not a terminal
    assert not (tmp_path / "reports").exists()


def test_init_ci_writes_a_valid_workflow(tmp_path: Path) -> None:
    path = tmp_path / ".github" / "workflows" / "grader.yml"
    proc = run([*GRADER, "init-ci", "--exercise", "mnist_callback", "--path", str(path)])
    assert proc.returncode == 0, proc.stderr
    workflow = yaml.safe_load(path.read_text())
    assert workflow[True]["pull_request"]["paths"] == ["submissions/**"]  # YAML 1.1: on → True
    steps = [step["name"] for step in workflow["jobs"]["grade"]["steps"]]
    assert steps == [
        "Check out the pull request",
        "Set up Python",
        "Install the grader",
        "Cache the data sets",
        "Provision the data sets",
        "Find the changed submissions",
        "Grade",
        "Upload the reports",
    ]
    again = run([*GRADER, "init-ci", "--exercise", "mnist_callback", "--path", str(path)])
    assert again.returncode == 2 and "--force" in again.stderr
    unknown = run([*GRADER, "init-ci", "--exercise", "nope", "--path", str(tmp_path / "x.yml")])
    assert unknown.returncode == 2 and "unknown exercise" in unknown.stderr


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_workflow_shell_steps_run_locally(tmp_path: Path) -> None:
    """The 'find' and 'grade' steps, run with bash in a real repository with a real PR branch."""
    workflow = yaml.safe_load(render_workflow("mnist_callback"))
    steps = {step["name"]: step for step in workflow["jobs"]["grade"]["steps"]}
    origin, repo = tmp_path / "origin", tmp_path / "repo"
    origin.mkdir()
    _git(origin, "init", "-q", "-b", "main")
    _git(
        origin,
        "-c",
        "user.email=t@t",
        "-c",
        "user.name=t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "course",
    )
    _git(tmp_path, "clone", "-q", str(origin), str(repo))
    _git(repo, "checkout", "-q", "-b", "student")
    (repo / "submissions").mkdir()
    shutil.copy(SYNTAX_ERROR, repo / "submissions" / "alice.py")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "my work")
    env = {
        **os.environ,
        "BASE_REF": "main",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    find = subprocess.run(
        ["bash", "-e", "-c", steps["Find the changed submissions"]["run"]],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    assert find.returncode == 0, find.stderr
    assert (repo / "changed-submissions.txt").read_text().split() == ["submissions/alice.py"]
    grade = subprocess.run(
        ["bash", "-e", "-c", steps["Grade"]["run"]],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert grade.returncode == 1  # a failing check fails the job
    assert "::error file=submissions/alice.py" in grade.stdout
    assert (repo / "grader-reports" / "alice.html").is_file()
    assert (repo / "grader-reports" / "alice.junit.xml").is_file()


def test_pytest_plugin_turns_checks_into_test_items(tmp_path: Path) -> None:
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.copy(SYNTAX_ERROR, submissions / "bob.py")
    junit = tmp_path / "junit.xml"
    proc = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "--grader-exercise",
            "mnist_callback",
            str(submissions),
            f"--junitxml={junit}",
            "-rA",
        ],
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stdout
    assert "1 failed, 5 skipped" in proc.stdout
    assert "runs: SyntaxError: expected ':' at line 11" in proc.stdout
    assert "Hint: Python cannot read this code" in proc.stdout
    cases = [case.name for suite in JUnitXml.fromfile(str(junit)) for case in suite]
    assert cases == [
        "runs",
        "architecture",
        "epoch_limit",
        "early_stop",
        "stop_message",
        "train_accuracy",
    ]


def test_pytest_plugin_is_inert_without_its_option(tmp_path: Path) -> None:
    shutil.copy(SYNTAX_ERROR, tmp_path / "carol.py")
    proc = run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(tmp_path)], cwd=tmp_path
    )
    assert proc.returncode == 5  # nothing collected: submissions are not tests by default


@pytest.mark.parametrize("upload", [SYNTAX_ERROR, BROKEN_JSON])
def test_gradescope_run_autograder_writes_results(tmp_path: Path, upload: Path) -> None:
    root = tmp_path / "autograder"
    (root / "submission" / "nested").mkdir(parents=True)
    shutil.copy(upload, root / "submission" / "nested" / upload.name)
    env = {
        **os.environ,
        "AUTOGRADER_ROOT": str(root),
        "GRADER_BIN": str(Path(sys.executable).parent / "grader"),
        "GRADER_EXERCISE": "mnist_callback" if upload == SYNTAX_ERROR else "fashion_mnist",
    }
    # Static verdicts need no data set: the script's default data dir need not exist here.
    proc = run(["bash", str(ROOT / "gradescope" / "run_autograder")], env=env)
    assert proc.returncode == 0, proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0
    assert results["tests"][0]["status"] == "failed"
    assert {t["visibility"] for t in results["tests"]} == {"visible"}
    assert all({"name", "score", "max_score", "output"} <= set(t) for t in results["tests"])


def test_gradescope_setup_script_is_valid_bash() -> None:
    for script in ("setup.sh", "run_autograder"):
        assert run(["bash", "-n", str(ROOT / "gradescope" / script)]).returncode == 0


@pytest.mark.slow
@pytest.mark.timeout(2400)  # apt, a venv, `pip install .` and a real training run
def test_gradescope_setup_builds_an_autograder_that_grades_for_real(tmp_path: Path) -> None:
    """setup.sh as Gradescope runs it (apt, a venv, `pip install .`, data), then run_autograder
    on the reference solution: a real training run in the installed copy."""
    base = Path(tempfile.mkdtemp(prefix="grader-gradescope-", dir="/var/tmp"))
    try:
        base.chmod(0o755)  # the sandbox user must read the venv, as in /opt on Gradescope
        prefix, data = base / "venv", base / "data"
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        env |= {"GRADER_PREFIX": str(prefix), "GRADER_DATA_DIR": str(data)}
        setup = run(
            ["bash", str(ROOT / "gradescope" / "setup.sh")], env=env, timeout=1800, cwd=tmp_path
        )
        assert setup.returncode == 0, setup.stderr[-3000:]
        installed = prefix / "bin" / "grader"
        assert installed.is_file()
        assert run([str(installed), "data", "verify"], env=env).returncode == 0

        root = tmp_path / "autograder"
        (root / "submission").mkdir(parents=True)
        # The callback reference's notebook form: its one real grading in the suite (test_e2e
        # grades the module form), so it stays the notebook, and every check must pass.
        shutil.copy(SOLUTIONS / "mnist_callback.ipynb", root / "submission" / "hw.ipynb")
        env |= {"AUTOGRADER_ROOT": str(root), "GRADER_BIN": str(installed)}
        proc = run(
            ["bash", str(ROOT / "gradescope" / "run_autograder")],
            env=env,
            timeout=900,
            cwd=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        results = json.loads((root / "results" / "results.json").read_text())
        tests = results["tests"]
        assert {t["status"] for t in tests} == {"passed"}, tests
        assert results["score"] == sum(t["max_score"] for t in tests) == 10
    finally:
        shutil.rmtree(base, ignore_errors=True)
