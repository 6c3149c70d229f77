"""The strongest isolation never falls away in silence: `doctor`, `grade`'s refusal, `check`'s note,
and `namespaces` from a checkout whose parent folder is private.

The commands run for real, as subprocesses; "bubblewrap missing" is a PATH without it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from needs import missing
from paths import ROOT, SUBMISSIONS

from grader.grading.sandbox.levels import level_report

pytestmark = pytest.mark.integration  # spawns a grading child or the CLI

SYNTAX_ERROR = SUBMISSIONS / "mnist_callback" / "syntax_error.py"
USABLE = {name for name, usable, _, _ in level_report() if usable}


def grader(*args: str, path: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture
def no_bwrap(tmp_path: Path) -> str:
    """A PATH on which bubblewrap cannot be found."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "python3").symlink_to(sys.executable)
    return str(folder)


def test_doctor_names_each_level_and_the_data_sets() -> None:
    proc = grader("doctor")
    assert proc.returncode == 0, proc.stderr
    for name in ("process", "limits", "namespaces"):
        state = "available" if name in USABLE else "not available"
        assert f"isolation {name:<11} {state}" in proc.stdout
    assert "data mnist" in proc.stdout and "data fashion_mnist" in proc.stdout


def test_doctor_says_what_to_install_without_bubblewrap(no_bwrap: str) -> None:
    proc = grader("doctor", path=no_bwrap)
    assert "isolation namespaces  not available: bubblewrap is not installed" in proc.stdout
    assert "apt-get install bubblewrap" in proc.stdout


def test_grade_refuses_to_run_below_the_strongest_level_unasked(
    no_bwrap: str, tmp_path: Path
) -> None:
    (tmp_path / "class").mkdir()
    shutil.copy(SYNTAX_ERROR, tmp_path / "class" / "alice.py")
    args = ("grade", str(tmp_path / "class"), "-e", "mnist_callback", "--out", str(tmp_path / "o"))
    refused = grader(*args, path=no_bwrap)
    assert refused.returncode == 2
    line = refused.stderr.strip()
    assert "isolation level 'namespaces' is not available here" in line
    assert "bubblewrap is not installed" in line and "--isolation limits" in line
    assert not (tmp_path / "o" / "results.json").exists()  # nothing ran
    asked = grader(*args, "--isolation", "limits", path=no_bwrap)
    assert asked.returncode == 1, asked.stderr  # graded, at the level asked for: a failing verdict
    result = json.loads((tmp_path / "o" / "results.json").read_text())["submissions"][0]
    assert result["isolation"] == "limits"


def test_check_runs_at_the_best_level_and_says_so(no_bwrap: str, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    html = tmp_path / "r.html"
    proc = grader(
        "check", str(SYNTAX_ERROR), "-e", "mnist_callback", "--json", str(out),
        "--html", str(html), path=no_bwrap,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "warning: isolation: ran at 'limits', not 'namespaces'" in proc.stderr
    result = json.loads(out.read_text())["submissions"][0]
    assert result["isolation"] == "limits"
    assert result["notices"][0].startswith("isolation: ran at 'limits', not 'namespaces'")
    assert "bubblewrap is not installed" in result["notices"][0]
    page = html.read_text()
    assert page.index("isolation: ran at") < page.index('id="checks"')  # above the checks
    assert "note isolation: ran at 'limits'" in proc.stdout


def test_check_refuses_a_demanded_level_it_lacks(no_bwrap: str) -> None:
    proc = grader(
        "check", str(SYNTAX_ERROR), "-e", "mnist_callback", "--isolation", "namespaces",
        "--no-html", path=no_bwrap,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "isolation level 'namespaces' is not available here" in proc.stderr
    assert "apt-get install bubblewrap" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.fixture
def private_clone() -> Iterator[Path]:
    """This repository cloned into a 0700 folder (what `mktemp -d` makes), with its own venv.

    The venv is this one copied as hard links (`cp -al`, a second on one file system; a plain
    copy elsewhere): its own prefix inside the private folder, as a fresh `make setup` has.
    """
    folder = Path(tempfile.mkdtemp())
    assert (folder.stat().st_mode & 0o777) == 0o700
    try:
        clone = folder / "grader"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
        venv = Path(sys.prefix)
        copied = subprocess.run(["cp", "-al", str(venv), str(clone / ".venv")], check=False)
        if copied.returncode != 0:
            shutil.rmtree(clone / ".venv", ignore_errors=True)
            subprocess.run(["cp", "-a", str(venv), str(clone / ".venv")], check=True)
        yield clone
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_namespaces_from_a_clone_in_a_private_folder(private_clone: Path, tmp_path: Path) -> None:
    if "namespaces" not in USABLE:
        missing("bubblewrap namespaces are not available here")
    python = str(private_clone / ".venv" / "bin" / "python")
    submission = tmp_path / "tiny.py"
    submission.write_text(
        "import tensorflow as tf\n"
        "(x, y), _ = tf.keras.datasets.mnist.load_data()\n"
        "model = tf.keras.Sequential([tf.keras.Input(shape=(28, 28)), tf.keras.layers.Flatten(),\n"
        "                             tf.keras.layers.Dense(10, activation='softmax')])\n"
        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy',\n"
        "              metrics=['accuracy'])\n"
        "model.fit(x[:256] / 255.0, y[:256], epochs=1, verbose=0)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [python, "-m", "grader.cli", *args], capture_output=True, text=True,
            cwd=private_clone, env=env, timeout=600,
        )  # fmt: skip

    doctor = run("doctor")
    assert "isolation namespaces  available" in doctor.stdout, doctor.stdout
    out = tmp_path / "r.json"
    check = run("check", str(submission), "-e", "mnist_callback", "--json", str(out), "--no-html")
    result = json.loads(out.read_text())["submissions"][0]
    assert result["isolation"] == "namespaces", check.stderr[-2000:]
    assert not any(n.startswith("isolation:") for n in result.get("notices", []))
    assert result["training"]["epochs_run"] == 1
    runs = next(c for c in result["checks"] if c["id"] == "runs")
    assert runs["status"] == "pass", runs["message"]
