"""The full `grader selftest` stops at a reference that fails, before any mutant: the batch grades
it in a real child process (a module that never names TensorFlow: no training, under a second),
and the command says which check failed and that no student can pass the exercise as written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.selftest import SelftestOptions, selftest
from grader.selftest.run import NOT_PASSABLE

pytestmark = pytest.mark.integration


def test_a_failing_reference_stops_the_selftest_with_the_check(tmp_path: Path) -> None:
    reference = tmp_path / "reference.py"
    reference.write_text("print('the wrong file handed in as the reference')\n")
    options = SelftestOptions(
        reference=reference, out_dir=tmp_path / "out", isolation="limits", workers=1
    )
    result = selftest("mnist_callback", options)
    assert not result.reference.passed and not result.passed
    assert result.reference.failed_check == "runs"
    assert result.reference.message.startswith(f"{NOT_PASSABLE}: runs failed")
    assert result.mutants == [] and result.samples == []
    assert (tmp_path / "out" / "reference" / "reference.html").is_file()
    assert json.loads(json.dumps(result.to_dict()))["reference"]["seeds"][0]["passed"] is False
