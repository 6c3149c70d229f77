"""A graded class for the workbench tests, built without training a model: `grader grade`'s own
batch (grade_folder: gradebook, reports, exports, index) with grading itself replaced by the
recorded real results of tests/fixtures/reports, as tests/exports/test_exports.py does, and the
isolation probe (which would start bubblewrap) pinned to the `process` level.

Imported as a top-level module (pytest puts tests/web/ on sys.path: no __init__.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from paths import FIXTURES

import grader.classroom.batch
import grader.classroom.executors
from grader.grading.sandbox.levels import LEVELS
from grader.results import SubmissionResult, read_results

EXERCISE = "mnist_callback"
HOSTILE = '<img src=x onerror="alert(1)">#?'  # a submission id a browser must not run
NON_ASCII = "José Nuñez"


def recorded() -> dict[str, SubmissionResult]:
    """The ids of the class and the recorded verdict each gets."""
    found = {
        p.stem.removeprefix(f"{EXERCISE}-"): read_results(p).submissions[0]
        for p in sorted(FIXTURES.glob(f"{EXERCISE}-*.json"))
    }
    found[NON_ASCII] = found["wrong_message"]
    found[HOSTILE] = read_results(FIXTURES / "synthetic" / "hostile.json").submissions[0]
    return found


def build_class(
    root: Path,
    name: str = "week2",
    verdicts: Mapping[str, SubmissionResult] | None = None,
    contents: Mapping[str, str] | None = None,
    mtimes: Mapping[str, float] | None = None,
    **settings: Any,
) -> Path:
    """Grade the class into `root/<name>` (its --out folder, with gradebook.sqlite); return it.

    `verdicts`: submission id -> the result its grading gives (default: `recorded()`);
    `contents`: the file's text (default `# <id>`); `mtimes`: the file's modification time;
    `settings`: grade_folder's (roster, deadline, similarity, regrade...). Called again on the
    same root and name, it grades the class again (a new run), with `regrade=True` every
    submission's verdict anew."""
    verdicts = dict(verdicts if verdicts is not None else recorded())
    folder = root / f"{name}-submissions"
    folder.mkdir(parents=True, exist_ok=True)
    for sid in verdicts:
        path = folder / f"{sid}.py"
        path.write_text((contents or {}).get(sid, f"# {sid}\n"), encoding="utf-8")
        if mtimes and sid in mtimes:
            os.utime(path, (mtimes[sid], mtimes[sid]))

    def fake_grade(path: Path, spec: object, options: object, **kwargs: object) -> SubmissionResult:
        return replace(verdicts[path.stem], id=path.stem, path=str(path))  # as grading names it

    out = root / name
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grader.classroom.executors, "grade_submission", fake_grade)
        patch.setattr(grader.classroom.batch, "choose_level", lambda *a, **k: LEVELS["process"])
        grader.classroom.batch.grade_folder(
            folder, EXERCISE, out, **{"similarity": False, **settings}
        )
    return out
