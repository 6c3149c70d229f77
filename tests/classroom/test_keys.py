"""The cache key's allow-list (`grader.classroom.keys`): what a verdict depends on is in the key,
and nothing else. Real files: a copy of the package, a copy of the exercises, a built wheel."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from paths import EXERCISES, ROOT

from grader.classroom.keys import GRADING_CODE, code_hash, spec_key
from grader.spec.exercise import load_exercise


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "grader"
    shutil.copytree(ROOT / "grader", copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


@pytest.mark.parametrize(
    "class_side",
    [
        "classroom/late.py",
        "classroom/roster.py",
        "classroom/lms.py",
        "classroom/similarity.py",
        "classroom/overrides.py",
        "report/templates/submission.html.j2",
        "exports/junit.py",
        "cli/classroom.py",
    ],
)
def test_editing_the_class_side_reuses_every_verdict(package_copy: Path, class_side: str) -> None:
    before = code_hash(package_copy, GRADING_CODE)
    _append(package_copy / class_side, "\n# an edit\n")
    (package_copy / "report" / "new_display_module.py").write_text("X = 1\n")
    assert code_hash(package_copy, GRADING_CODE) == before


@pytest.mark.parametrize(
    "grading_side",
    [
        "grading/checks/runs.py",
        "grading/hints.toml",
        "grading/harness/instrument.py",
        "spec/pattern.py",
        "results/model.py",
        "formatting.py",
    ],
)
def test_editing_the_grading_side_recomputes(package_copy: Path, grading_side: str) -> None:
    before = code_hash(package_copy, GRADING_CODE)
    _append(package_copy / grading_side, "\n# an edit\n")
    assert code_hash(package_copy, GRADING_CODE) != before


def test_a_new_grading_module_joins_the_key(package_copy: Path) -> None:
    before = code_hash(package_copy, GRADING_CODE)
    (package_copy / "grading" / "checks" / "new_check.py").write_text("X = 1\n")
    assert code_hash(package_copy, GRADING_CODE) != before


def test_an_exercise_key_holds_its_own_files_and_no_other(tmp_path: Path) -> None:
    root = tmp_path / "exercises"
    shutil.copytree(EXERCISES, root)
    spec = load_exercise("mnist_callback_98", root)
    before = spec_key(spec)
    _append(root / "mnist_callback" / "starter.py", "\n# another exercise's starter\n")
    _append(root / "mnist_callback" / "exercise.toml", "\n# another exercise's spec\n")
    assert spec_key(load_exercise("mnist_callback_98", root)) == before
    _append(root / "mnist_callback_98" / "exercise.toml", "\n# a comment in its own spec\n")
    assert spec_key(load_exercise("mnist_callback_98", root)) == before
    _append(root / "mnist_callback_98" / "starter.py", "\n# its own starter changed\n")
    assert spec_key(load_exercise("mnist_callback_98", root)) != before


def test_an_exercise_key_holds_its_support_files(tmp_path: Path) -> None:
    root = tmp_path / "exercises"
    shutil.copytree(EXERCISES / "mnist_callback", root / "course")
    toml = root / "course" / "exercise.toml"
    text = toml.read_text().replace('id = "mnist_callback"', 'id = "course"')
    text = re.sub(r"(?m)^support_files = .*$", "", text)
    toml.write_text(
        text.replace("[environment]\n", '[environment]\nsupport_files = ["helper.py"]\n')
    )
    (root / "course" / "helper.py").write_text("def check():\n    return True\n")
    before = spec_key(load_exercise("course", root))
    (root / "course" / "helper.py").write_text("def check():\n    return False\n")
    assert spec_key(load_exercise("course", root)) != before


@pytest.mark.integration
def test_an_installed_copy_and_the_checkout_agree(tmp_path: Path) -> None:
    """A wheel built from this checkout (as `pip install .` installs it) hashes the same.

    Built from a copy without `grader.egg-info`: a file list left there by an editable install
    would put the exercises in the wheel even where the build configuration leaves them out (as a
    fresh clone in CI showed).
    """
    source = tmp_path / "source"
    for name in ("grader", "exercises"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "wheel"), str(source)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path / "site")
    installed = tmp_path / "site" / "grader"
    assert (installed / "_exercises" / "mnist_callback" / "exercise.toml").is_file()
    assert code_hash(installed, GRADING_CODE) == code_hash(ROOT / "grader", GRADING_CODE)
