"""The report fixtures are real gradings in the current result model, not stale copies.

`scripts/make-report-fixtures.py` grades the test submissions and writes
tests/fixtures/reports/*.json stamped with the result model's fingerprint. When a result
dataclass changes, these tests fail until the fixtures are regenerated.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import fields
from pathlib import Path

import pytest
from paths import FIXTURES, ROOT

from grader.results import CheckResult, SubmissionResult
from grader.results.schema import schema_fingerprint

ALL = sorted(FIXTURES.rglob("*.json"))
REGENERATE = "regenerate them: .venv/bin/python scripts/make-report-fixtures.py"


def _script() -> object:
    spec = importlib.util.spec_from_file_location(
        "fixtures", ROOT / "scripts" / "make-report-fixtures.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_fixture_is_in_the_current_result_model(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data.get("schema") == schema_fingerprint(), (
        f"{path.name} predates the result model; {REGENERATE}"
    )
    for submission in data["submissions"]:
        assert set(submission) == {f.name for f in fields(SubmissionResult)}, REGENERATE
        for check in submission["checks"]:
            assert set(check) == {f.name for f in fields(CheckResult)}, REGENERATE


def test_every_fixture_comes_from_the_script() -> None:
    import hashlib

    script = _script()
    made = {
        FIXTURES / f"{exercise}-{relative.stem}.json": relative
        for exercise, relative in script.GRADED  # type: ignore[attr-defined]
    }
    assert set(ALL) == {*made, FIXTURES / "synthetic" / "hostile.json"}
    for path, relative in made.items():
        submission = json.loads(path.read_text())["submissions"][0]
        assert submission["path"] == str(relative)
        # a grading of the very file in the repository, as it is now
        digest = hashlib.sha256((ROOT / relative).read_bytes()).hexdigest()
        assert submission["sha256"] == digest, f"{path.name}: {REGENERATE}"
