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

from grader.results import CheckResult, SubmissionResult
from grader.schema import schema_fingerprint

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "reports"
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
    script = _script()
    made = {
        FIXTURES / f"{exercise}-{Path(name).stem}.json"
        for exercise, names in script.GRADED.items()  # type: ignore[attr-defined]
        for name in names
    }
    made.add(FIXTURES / "synthetic" / "hostile.json")
    assert set(ALL) == made
    for path in made - {FIXTURES / "synthetic" / "hostile.json"}:
        submission = json.loads(path.read_text())["submissions"][0]
        assert (ROOT / submission["path"]).is_file()  # a real submission, graded for real
        assert submission["versions"]["tensorflow"]
