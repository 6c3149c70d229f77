"""The course environment (`grader.spec.environment`): the `[environment]` spec section, the check
before a class is graded, `grader doctor`, support files at every isolation level, and the
record of what a run showed (`grader.grading.as_ran`) with its caps.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from paths import EXERCISES, SAMPLES

from grader.errors import InfrastructureError, UsageError
from grader.grading.as_ran import collect
from grader.grading.harness.plots import MAX_PLOTS, PNG_MAGIC
from grader.grading.pipeline import GradeOptions, grade_submission
from grader.grading.sandbox import LEVELS
from grader.spec.environment import (
    COURSE_PACKAGES,
    EnvironmentSpec,
    package_status,
    parse_environment,
    require_environment,
)
from grader.spec.exercise import load_exercise

pytestmark = pytest.mark.integration  # spawns a grading child or the CLI

GRADER = Path(sys.executable).parent / "grader"


def exercise_copy(tmp_path: Path, environment: str, support: dict[str, str]) -> Path:
    """A copy of the exercises with `[environment]` of fashion_mnist replaced."""
    root = tmp_path / "exercises"
    shutil.copytree(EXERCISES, root)
    toml = root / "fashion_mnist" / "exercise.toml"
    text = toml.read_text()
    text = text[: text.index("[environment]")] + environment
    toml.write_text(text)
    for name, content in support.items():
        path = root / "fashion_mnist" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


# -- the spec section --------------------------------------------------------------------------


def test_course_packages_are_the_default_and_importable() -> None:
    spec = load_exercise("fashion_mnist")
    assert spec.environment == EnvironmentSpec()
    assert {"tensorflow", "numpy", "matplotlib"} <= set(COURSE_PACKAGES)
    assert all(ok for _, _, ok in package_status(spec.environment))  # installed by pip install .
    require_environment(spec.environment, spec.id)  # nothing missing: no error


def test_the_section_is_read_and_checked() -> None:
    env = parse_environment(
        {"packages": ["pandas", "scikit-learn"], "support_files": ["support/u.py"]}, "x.toml"
    )
    assert env.all_packages()["scikit-learn"] == "sklearn"
    assert "pandas" in env.importable_names()
    for bad in (
        {"packages": "pandas"},
        {"support_files": ["../../etc/passwd"]},
        {"support_files": ["/etc/passwd"]},
        {"pakages": []},
    ):
        with pytest.raises(UsageError):
            parse_environment(bad, "x.toml")


def test_a_missing_package_stops_the_class_with_the_install_command(tmp_path: Path) -> None:
    env = EnvironmentSpec(packages=("surely-not-installed-grader-pkg",))
    with pytest.raises(InfrastructureError, match="pip install surely-not-installed-grader-pkg"):
        require_environment(env, "fashion_mnist")
    files = EnvironmentSpec(support_files=("support/absent.py",))
    with pytest.raises(InfrastructureError, match=r"support file\(s\) .*: support/absent.py"):
        require_environment(files, "fashion_mnist", tmp_path)
    root = exercise_copy(
        tmp_path, '[environment]\npackages = ["surely-not-installed-grader-pkg"]\n', {}
    )
    proc = subprocess.run(
        [
            str(GRADER),
            "grade",
            str(SAMPLES / "fashion_mnist"),
            "-e",
            "fashion_mnist",
            "--out",
            str(tmp_path / "out"),
        ],
        env={**os.environ, "GRADER_EXERCISES_DIR": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "surely-not-installed-grader-pkg" in proc.stderr and "pip install" in proc.stderr
    assert not (tmp_path / "out" / "results.json").exists()  # no student was graded


def test_doctor_shows_each_exercises_environment(tmp_path: Path) -> None:
    root = exercise_copy(
        tmp_path,
        '[environment]\npackages = ["surely-not-installed-grader-pkg"]\n'
        'support_files = ["support/helper.py", "support/absent.csv"]\n',
        {"support/helper.py": "X = 1\n"},
    )
    proc = subprocess.run(
        [str(GRADER), "doctor"],
        env={**os.environ, "GRADER_EXERCISES_DIR": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = " ".join(proc.stdout.split())
    assert "environment mnist_callback: tensorflow, keras, numpy, matplotlib, Pillow" in out
    assert "surely-not-installed-grader-pkg (MISSING)" in out
    assert "pip install surely-not-installed-grader-pkg" in out
    assert "support files: support/helper.py, support/absent.csv (MISSING)" in out


# -- support files, at every isolation level ---------------------------------------------------

USES_SUPPORT = """\
import tensorflow as tf
import course_utils

fashion_mnist = tf.keras.datasets.fashion_mnist
print(course_utils.greet())
print(open("labels.txt").read().strip())
try:
    with open("course_utils.py", "a") as handle:
        handle.write("# changed")
    print("support file: writable")
except OSError:
    print("support file: read-only")
"""


@pytest.mark.parametrize("level", list(LEVELS))
def test_support_files_sit_read_only_beside_the_submission(tmp_path: Path, level: str) -> None:
    usable, why = LEVELS[level].available()
    assert usable, why
    root = exercise_copy(
        tmp_path,
        '[environment]\nsupport_files = ["support/course_utils.py", "support/labels.txt"]\n',
        {
            "support/course_utils.py": "def greet():\n    return 'hello from the course helper'\n",
            "support/labels.txt": "T-shirt/top,Trouser\n",
        },
    )
    submission = tmp_path / "uses_support.py"
    submission.write_text(USES_SUPPORT)
    spec = load_exercise("fashion_mnist", root)
    result = grade_submission(
        submission, spec, GradeOptions(isolation=level, exact_isolation=True, timeout_s=120)
    )
    assert result.isolation == level
    assert "hello from the course helper" in result.output, result.output
    assert "T-shirt/top,Trouser" in result.output
    checks = {c.id: c for c in result.checks}
    assert checks["runs"].hint_id == "no_training"  # it ran to the end: no import error
    if os.geteuid() != 0 or level == "namespaces":  # root ignores file modes
        assert "support file: read-only" in result.output
    assert (root / "fashion_mnist" / "support" / "course_utils.py").read_text().endswith("'\n")


# -- what a run showed, as the grader reads it back --------------------------------------------


def _png(size: int = 200) -> bytes:
    return PNG_MAGIC + b"\0" * (size - len(PNG_MAGIC))


def test_collect_keeps_announced_pngs_and_counts_the_rest(tmp_path: Path) -> None:
    events = []
    for i in range(1, MAX_PLOTS + 4):
        name = f"plot-{i:03d}.png"
        (tmp_path / name).write_bytes(_png())
        events.append({"type": "plot", "file": name, "cell": None, "line": i})
    (tmp_path / "plot-900.png").write_bytes(b"GIF89a not a png")
    (tmp_path / "secret.txt").write_text("nope")
    events += [
        {"type": "plot", "file": "plot-900.png", "cell": None, "line": 1},  # not a PNG
        {"type": "plot", "file": "../secret.txt", "cell": None, "line": 1},  # outside
        {"type": "plot", "file": "plot-999.png", "cell": None, "line": 1},  # never written
        {"type": "plot_dropped", "cell": None, "line": 5, "bytes": 10**7, "reason": "size"},
    ]
    shown = collect(tmp_path, events)
    assert shown["plots_kept"] == MAX_PLOTS
    assert shown["plots_dropped"] == 3 + 3 + 1
    assert [p["line"] for p in shown["plots"]] == list(range(1, MAX_PLOTS + 1))
    assert base64.b64decode(shown["plots"][0]["png"]) == _png()
    assert f"at most {MAX_PLOTS} figures" in shown["note"]


def test_collect_adds_up_the_seconds_capture_cost(tmp_path: Path) -> None:
    events = [
        {"type": "plot_time", "capture_s": 0.25},  # the kernel's running total
        {"type": "plot_time", "capture_s": 0.75},
        {"type": "cell_output", "cell": 2, "file": "cell-0002.json", "capture_s": 0.5},
        {"type": "plot_time", "capture_s": "forged"},
        {"type": "plot_dropped", "capture_s": -3},
    ]
    assert collect(tmp_path, events)["capture_s"] == 1.25


def test_collect_reads_cells_defensively(tmp_path: Path) -> None:
    (tmp_path / "plot-001.png").write_bytes(_png())
    (tmp_path / "cell-0002.json").write_text(
        '{"cell": 2, "execution_count": 1, "failed": false, "cut": false, "outputs": ['
        '{"kind": "stream", "name": "stdout", "text": "hi\\n"},'
        '{"kind": "image", "file": "plot-001.png"},'
        '{"kind": "image", "file": "/etc/passwd"},'
        '{"kind": "script", "text": "<script>"}, 7]}'
    )
    (tmp_path / "cell-0003.json").write_text("{not json")
    events = [
        {"type": "cell_output", "cell": 2, "file": "cell-0002.json"},
        {"type": "cell_output", "cell": 3, "file": "cell-0003.json"},
    ]
    shown = collect(tmp_path, events, [(1, "  \n"), (2, "print('hi')"), (3, "x = 1")])
    first, second = shown["cells"]
    assert [o["kind"] for o in first["outputs"]] == ["stream", "image", "dropped"]
    assert first["source"] == "print('hi')" and first["ran"]
    assert second == {"cell": 3, "execution_count": None, "failed": False, "cut": False,
                      "outputs": [], "ran": False, "source": "x = 1"}  # fmt: skip
