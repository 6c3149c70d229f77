"""A small class of borderline submissions, graded for real: the clear ones run once, the
borderline ones on every seed of the spec, the verdict follows the rule, a resumed batch runs only
the seeds it lacks, and the report shows each seed.

Two instructor-written specs keep it short (tests/submissions/robustness/exercises): the
Fashion-MNIST exercise with three seeds, and a callback variant that stops at 94% within 3
epochs, where a narrow network gets there in its last epoch or just misses it. The clear results
that run once are the Fashion class's (a pass and a fail); that a callback reaching the threshold
early is not borderline is the rule's own unit test (tests/grading/test_robustness.py), so the
callback class is the narrow network alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from paths import SUBMISSIONS

from grader.classroom.batch import BatchSettings, ClassGrading, grade_class, report_filename
from grader.grading.robustness import SEED_CHECKS
from grader.results import SubmissionResult
from grader.spec.robustness import decide, derive_seeds

pytestmark = pytest.mark.slow

HERE = SUBMISSIONS / "robustness"
SETTINGS = BatchSettings(isolation="limits", workers=2, similarity=False)


@pytest.fixture(scope="module")
def exercises() -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    mp.setenv("GRADER_EXERCISES_DIR", str(HERE / "exercises"))
    yield
    mp.undo()


def _by_id(grading: ClassGrading) -> dict[str, SubmissionResult]:
    return {r.id: r for r in grading.report.submissions}


@pytest.fixture(scope="module")
def fashion(exercises: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("fashion-seeds")
    first = grade_class(HERE / "fashion", "fashion_three_seeds", out, SETTINGS)
    return {"out": out, "first": first}


@pytest.fixture(scope="module")
def callback(exercises: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("callback-seeds")
    first = grade_class(HERE / "callback", "late_callback", out, SETTINGS)
    return {"out": out, "first": first}


def _assert_decided_by_the_rule(result: SubmissionResult) -> None:
    robustness = result.robustness
    assert robustness is not None
    total = len(robustness.runs)
    # Something was decided across the seeds, and only what depends on the run.
    assert robustness.decided and set(robustness.decided) <= set(SEED_CHECKS), robustness.decided
    for check, status in robustness.decided.items():
        passes = sum(run.checks[check] == "pass" for run in robustness.runs)
        assert robustness.passes[check] == passes
        assert status == ("pass" if decide(passes, total, robustness.rule) else "fail")
        assert next(c for c in result.checks if c.id == check).status == status
    assert result.passed == all(c.status == "pass" for c in result.checks)


def test_clear_results_run_once_and_borderline_ones_on_every_seed(
    fashion: dict[str, Any],
) -> None:
    results = _by_id(fashion["first"])
    assert results["three_epochs"].robustness is None  # clear pass
    assert results["two_units"].robustness is None and not results["two_units"].passed
    borderline = results["one_epoch"]
    assert borderline.robustness is not None
    assert "within 1 point of the 85% threshold" in borderline.robustness.reason
    assert [r.seed for r in borderline.robustness.runs] == list(derive_seeds(1234, 3))
    _assert_decided_by_the_rule(borderline)
    counts = fashion["first"].counts
    assert (counts["graded"], counts["borderline"], counts["seed_jobs"]) == (3, 1, 2)


def test_the_report_shows_each_seed(fashion: dict[str, Any]) -> None:
    html = (fashion["out"] / report_filename("one_epoch")).read_text()
    for seed in derive_seeds(1234, 3):
        assert f'<tr data-seed="{seed}"' in html
    assert 'id="seed-test-accuracy"' in html and "needs 85%" in html
    index = (fashion["out"] / "index.html").read_text()
    assert "seeds agree (3)" in index or "seeds disagree (3)" in index


def test_a_resumed_batch_runs_only_the_missing_seeds(fashion: dict[str, Any]) -> None:
    out, first = fashion["out"], fashion["first"]
    again = grade_class(HERE / "fashion", "fashion_three_seeds", out, SETTINGS)
    assert (again.counts["graded"], again.counts["seed_jobs"]) == (0, 0)
    first_results, again_results = _by_id(first), _by_id(again)
    assert again_results.keys() == first_results.keys()
    for key, result in first_results.items():
        _assert_same_run(result, again_results[key])
    # A run killed before its last seed finished: that seed's verdict is not in the gradebook.
    last_seed = derive_seeds(1234, 3)[-1]
    with sqlite3.connect(out / "gradebook.sqlite") as con:
        deleted = con.execute(
            "DELETE FROM results WHERE json_extract(result, '$.seed') = ?", (last_seed,)
        ).rowcount
    assert deleted == 1
    resumed = grade_class(HERE / "fashion", "fashion_three_seeds", out, SETTINGS)
    assert (resumed.counts["graded"], resumed.counts["seed_jobs"]) == (0, 1)
    # Determinism: the seed trained again from scratch gives the same figures, epoch by epoch
    # (each epoch's training accuracy, the test accuracy, the checks), and the same verdict. This
    # is the suite's one proof that a grading done twice gives identical numbers.
    before, after = _by_id(first)["one_epoch"], _by_id(resumed)["one_epoch"]
    assert before.robustness is not None and after.robustness is not None
    retrained = after.robustness.runs[-1]
    assert retrained.seed == last_seed and len(retrained.train_accuracies) == 1
    assert after.robustness.runs == before.robustness.runs
    assert (after.passed, after.score) == (before.passed, before.score)


def _assert_same_run(first: SubmissionResult, again: SubmissionResult) -> None:
    """`again` reports the run of `first`: the same verdict, figures and seeds."""
    assert (again.passed, again.score, again.test_accuracy) == (
        first.passed,
        first.score,
        first.test_accuracy,
    )
    assert again.robustness == first.robustness


def test_a_late_callback_is_decided_on_three_seeds_with_its_own_seed_replaced(
    callback: dict[str, Any],
) -> None:
    results = _by_id(callback["first"])
    assert results.keys() == {"narrow"}
    assert callback["first"].counts["borderline"] == 1
    narrow = results["narrow"]
    robustness = narrow.robustness
    assert robustness is not None, narrow.checks
    assert "epoch 3 of at most 3" in robustness.reason or "best training" in robustness.reason
    _assert_decided_by_the_rule(narrow)
    # Its `tf.random.set_seed(3)` was kept on the spec's run and replaced on the others: the
    # extra runs trained differently.
    assert [r.seed_replaced for r in robustness.runs] == [False, True, True]
    curves = {tuple(r.train_accuracies) for r in robustness.runs}
    assert len(curves) == 3
