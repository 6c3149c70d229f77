"""`grader selftest EXERCISE --quick` for every shipped exercise, as CI runs it: the installed
command in a real process, no training, seconds. Every mutant a static rule must see is caught by
the check expected to catch it, the reference's static checks pass, the sample class keeps its
passing example; an instructor's variant with a failing reference stops with the reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from paths import EXERCISES, SOLUTIONS

from grader.spec.exercise import available_exercises

pytestmark = pytest.mark.integration

GRADER = Path(sys.executable).parent / "grader"


def selftest(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GRADER), "selftest", *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize("exercise", available_exercises())
def test_the_quick_selftest_of_a_shipped_exercise_passes(exercise: str, tmp_path: Path) -> None:
    out = tmp_path / "selftest.json"
    done = selftest(exercise, "--quick", "--json", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(out.read_text())
    assert data["exercise"] == exercise and data["passed"] is True
    assert data["reference"]["passed"] is True
    assert len(data["mutants"]) >= 10
    assert {m["outcome"] for m in data["mutants"]} == {"caught"}
    assert all(m["hint"] and m["line"] for m in data["mutants"])
    assert data["not_run"], "mutants only a run can judge are listed, not dropped"
    assert (
        f"{exercise}: {len(data['mutants'])}/{len(data['mutants'])} mutants caught" in done.stdout
    )


def test_a_reference_with_a_static_mistake_stops_the_selftest(tmp_path: Path) -> None:
    reference = tmp_path / "reference.py"
    text = (SOLUTIONS / "mnist_callback.py").read_text(encoding="utf-8")
    reference.write_text(text.replace("self.model.stop_training", "self.stop_training"))
    done = selftest("mnist_callback", "--quick", "--reference", str(reference), cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "self_stop_training" in done.stderr and "line 12" in done.stderr


def test_an_exercise_without_a_reference_says_what_it_needs(tmp_path: Path) -> None:
    root = tmp_path / "exercises"
    (root / "mnist_callback").mkdir(parents=True)
    spec = (EXERCISES / "mnist_callback" / "exercise.toml").read_text(encoding="utf-8")
    (root / "mnist_callback" / "exercise.toml").write_text(spec)
    env = {"PATH": "/usr/bin:/bin", "GRADER_EXERCISES_DIR": str(root), "HOME": str(tmp_path)}
    done = selftest(
        "mnist_callback", "--quick", "--reference", str(tmp_path / "none.py"), cwd=tmp_path, env=env
    )
    assert done.returncode == 2
    assert "--reference" in done.stderr and "no such file" in done.stderr
