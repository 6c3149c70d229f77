"""The course platform's own habits, graded for real without training anything heavy.

The current week-2 notebook imports the platform's `unittests` module and calls its tests, tags
itself with a shell line and saves itself with a `%%javascript` cell. The fixture does all of that
and then trains for `epochs=0`: one grading (about 20 s, no epoch) shows that the helper's
stand-in is placed beside the code and answers every call, that the platform lines are
neutralised, and that a model which never trained earns nothing for training.
"""

from __future__ import annotations

import pytest
from paths import ROOT

from grader.results import SubmissionResult

pytestmark = pytest.mark.integration

FIXTURE = "tests/submissions/mnist_callback_98/platform_helpers_zero_epochs.ipynb"
TRAINING_CHECKS = ("epoch_limit", "early_stop", "stop_message", "train_accuracy")


@pytest.fixture(scope="module")
def result(graded) -> SubmissionResult:
    return graded(FIXTURE, "mnist_callback_98")


def test_the_course_helper_module_is_answered_by_the_stand_in(result: SubmissionResult) -> None:
    assert "No module named" not in result.output
    for name in ("test_EarlyStoppingCallback", "test_create_and_compile_model"):
        assert f"(grader) unittests.{name}: the course's own test does not run here" in (
            result.output
        )
    assert "(grader) The model has 203,530 parameters." in result.output


def test_platform_lines_are_neutralised_and_said(result: SubmissionResult) -> None:
    notes = "\n".join(result.notices)
    assert "`!python tag_for_submission.py --notebook week2.ipynb` ignored" in notes
    assert "`%%javascript` ignored (a cell that runs in the browser" in notes


def test_a_model_that_never_trained_earns_nothing_for_training(result: SubmissionResult) -> None:
    checks = {c.id: c for c in result.checks}
    assert checks["architecture"].status == "pass"  # what can be judged still is
    assert (checks["runs"].status, checks["runs"].hint_id) == ("fail", "zero_epochs")
    for check_id in TRAINING_CHECKS:
        check = checks[check_id]
        assert (check.status, check.hint_id) == ("fail", "zero_epochs"), check
        assert "`epochs=0`" in check.message and "error" not in check.message
    assert "never called" not in checks["runs"].hint and "1 to 10" in checks["runs"].hint
    assert (ROOT / FIXTURE).is_file()
