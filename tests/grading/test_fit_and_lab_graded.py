"""Issue 30's reproduction and issue 26's two-model lab, graded for real (the slow tier: each file
is graded once, on the full data set). The forms themselves are tested on tiny models in
test_fit_forms.py; these two need the real pipeline end to end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from paths import SOLUTIONS

from grader.grading.pipeline import grade_submission
from grader.results import SubmissionResult
from grader.spec.exercise import load_exercise

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reference_single_callback(tmp_path_factory: pytest.TempPathFactory) -> SubmissionResult:
    """The course's reference solution with `callbacks=[callbacks]` written `callbacks=callbacks`
    (one callback, no list: Keras 3 accepts it). It once scored 2/10, "trained for 0 epochs"."""
    source = (SOLUTIONS / "mnist_callback.py").read_text(encoding="utf-8")
    assert source.count("callbacks=[callbacks]") == 1
    path = tmp_path_factory.mktemp("issue30") / "mnist_callback_single.py"
    path.write_text(source.replace("callbacks=[callbacks]", "callbacks=callbacks"), "utf-8")
    return grade_submission(path, load_exercise("mnist_callback"))


def test_the_reference_with_one_callback_not_in_a_list_scores_full_marks(
    reference_single_callback: SubmissionResult,
) -> None:
    result = reference_single_callback
    failing = [(c.id, c.status, c.message) for c in result.checks if c.status != "pass"]
    assert not failing, failing
    assert result.score == result.max_score == 10
    early = next(c for c in result.checks if c.id == "early_stop")
    assert "fit never received it" not in early.message
    assert result.training["epochs_run"] >= 1


def test_a_lab_with_course_root_tensorboard_and_a_digits_model_is_judged_on_its_own_model(
    graded: Callable[[str, str], SubmissionResult],
) -> None:
    """Fashion-MNIST lab: the data path from COURSE_ROOT, a single TensorBoard callback, then a
    digits model compiled without metrics in the last cell. The Fashion model is graded, on its
    own compile (it has the accuracy metric)."""
    result = graded(
        "tests/submissions/fashion_mnist/lab_course_root_two_models.ipynb", "fashion_mnist"
    )
    by_id = {c.id: c for c in result.checks}
    assert by_id["runs"].status == "pass", (by_id["runs"].message, result.output[-1500:])
    assert by_id["compile"].status == "pass", by_id["compile"].message
    assert "metrics ['accuracy']" in by_id["compile"].message
    assert result.passed, [(c.id, c.status, c.message) for c in result.checks]
    assert Path(result.path).name == "lab_course_root_two_models.ipynb"
