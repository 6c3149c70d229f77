"""End to end: real submissions, real training on the real data, every check's status asserted.

Slow (each case trains a real model for 10-40 s); run in CI with the rest of the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from paths import ROOT, SUBMISSIONS

from grader.results import SubmissionResult
from grader.spec.exercise import load_exercise

pytestmark = pytest.mark.slow

MNIST_CHECKS = tuple(load_exercise("mnist_callback").check_ids)  # from the spec
FASHION_CHECKS = tuple(load_exercise("fashion_mnist").check_ids)  # from the spec


def statuses(result: SubmissionResult) -> dict[str, str]:
    return {check.id: check.status for check in result.checks}


def hint_of(result: SubmissionResult, check_id: str) -> str:
    return next(c.hint_id for c in result.checks if c.id == check_id)


Grade = Callable[[str, str], SubmissionResult]  # conftest's `graded`: each file graded once


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize(
    ("path", "exercise"),
    [
        ("solutions/mnist_callback.py", "mnist_callback"),
        # The callback reference as a notebook is graded for real, every check passing, by the
        # Gradescope autograder test (tests/integrations/test_integrations.py), and the corpus's
        # tutorial notebook (seed003_callbacks) passes in full: not trained a third time here.
        # Fashion-MNIST as a module here; as notebooks, the corpus's tutorials pass in full
        # (tests/test_corpus.py: seed001_tutorial, seed004_logits, lab_also_loads_digits).
        ("solutions/fashion_mnist.py", "fashion_mnist"),
    ],
)
def test_reference_solutions_pass_every_check(graded: Grade, path: str, exercise: str) -> None:
    result = graded(path, exercise)
    assert result.passed, [(c.id, c.status, c.message) for c in result.checks]
    assert result.score == result.max_score
    assert result.status == "graded"
    assert result.versions["tensorflow"].startswith("2.")
    if exercise == "mnist_callback":
        stopped = result.training["epochs_run"]
        assert result.training["stopped_early"] and stopped < 10
        assert result.training["history"][stopped - 1]["accuracy"] >= 0.99
        assert all(row["accuracy"] < 0.99 for row in result.training["history"][: stopped - 1])
        assert result.train_accuracy is not None and result.train_accuracy >= 0.98
        early_stop = next(c for c in result.checks if c.id == "early_stop")
        assert early_stop.details["probe"]["kind"] == "ok"
        assert early_stop.details["probe"]["printed_when_stopping"].strip() == (
            "Reached 99% accuracy so cancelling training!"
        )
    else:
        assert result.test_accuracy is not None and 0.85 <= result.test_accuracy <= 0.92


# (file, expected statuses of the checks that are not "pass", {check: hint id})
MNIST_MISTAKES = [
    (
        "acc_key.py",
        {"runs": "fail", "early_stop": "skip", "stop_message": "skip", "train_accuracy": "skip"},
        {"runs": "acc_key"},
    ),
    (
        "published_solution.ipynb",
        {"runs": "fail", "early_stop": "skip", "stop_message": "skip", "train_accuracy": "skip"},
        {"runs": "acc_key"},
    ),
    ("slash_n_message.ipynb", {"stop_message": "fail"}, {"stop_message": "message_slash_n"}),
    ("wrong_message.py", {"stop_message": "fail"}, {"stop_message": "message_text"}),
    ("too_many_epochs.ipynb", {"epoch_limit": "fail"}, {"epoch_limit": "epochs_limit"}),
    (
        "callback_not_passed.py",
        {"early_stop": "fail", "stop_message": "fail"},
        {"early_stop": "callback_not_passed", "stop_message": "callback_not_passed"},
    ),
    ("self_stop_training.ipynb", {"early_stop": "fail"}, {"early_stop": "self_stop_training"}),
    (
        "class_not_instance.py",
        {"runs": "fail", "early_stop": "skip", "stop_message": "skip", "train_accuracy": "skip"},
        {"runs": "callback_class_passed"},
    ),
    (
        "no_flatten.ipynb",
        {
            "runs": "fail",
            "architecture": "fail",
            "early_stop": "skip",
            "stop_message": "skip",
            "train_accuracy": "skip",
        },
        {"runs": "missing_flatten", "architecture": "missing_flatten"},
    ),
    (
        "loss_threshold.py",
        {"early_stop": "fail", "stop_message": "fail", "train_accuracy": "fail"},
        {"early_stop": "stop_condition"},
    ),
    ("never_called.py", {}, {"runs": "entry_point_called"}),
    ("colab_lines.ipynb", {}, {"runs": "colab_lines"}),
    ("gt_threshold.py", {}, {}),
]


# What the callback probe finds in each of them: (kind, where the callback was found)
MNIST_PROBE = {
    "acc_key.py": ("raises", "fit"),  # logs.get('acc') is None: '>' fails, at line 11
    "published_solution.ipynb": ("raises", "fit"),
    "slash_n_message.ipynb": ("ok", "fit"),
    "wrong_message.py": ("ok", "fit"),
    "too_many_epochs.ipynb": ("ok", "fit"),
    "callback_not_passed.py": ("ok", "namespace"),  # right, but fit never received it
    "self_stop_training.ipynb": ("self_flag", "fit"),
    "class_not_instance.py": ("ok", "fit"),  # the class, probed on a fresh instance
    "no_flatten.ipynb": ("ok", "fit"),  # the model is wrong, the callback is right
    "loss_threshold.py": ("wrong_key", "fit"),
    "never_called.py": ("ok", "fit"),
    "colab_lines.ipynb": ("ok", "fit"),
    "gt_threshold.py": ("strict", "fit"),  # `>`: does not stop at exactly 99%
}


def probe_of(result: SubmissionResult) -> dict:
    return next(c for c in result.checks if c.id == "early_stop").details["probe"]


@pytest.mark.parametrize(
    ("name", "failing", "hints"), MNIST_MISTAKES, ids=[m[0] for m in MNIST_MISTAKES]
)
def test_mnist_callback_mistakes(
    graded: Grade, name: str, failing: dict[str, str], hints: dict[str, str]
) -> None:
    result = graded(relative(SUBMISSIONS / "mnist_callback" / name), "mnist_callback")
    expected = {check: failing.get(check, "pass") for check in MNIST_CHECKS}
    assert statuses(result) == expected, [(c.id, c.status, c.message) for c in result.checks]
    for check_id, hint_id in hints.items():
        assert hint_of(result, check_id) == hint_id
    assert result.passed == (not failing)
    # The probe, on this same grading: what the callback does on its own.
    probe = probe_of(result)
    assert (probe["kind"], probe["source"]) == MNIST_PROBE[name], probe["sentence"]
    early_stop = next(c for c in result.checks if c.id == "early_stop")
    if probe["kind"] != "ok":
        assert probe["sentence"] in early_stop.message
    if name == "acc_key.py":
        assert probe["line"] == 11 and "TypeError" in probe["sentence"]
    if name == "loss_threshold.py":
        assert "`loss` falls to 0.3 or below" in early_stop.message


FASHION_MISTAKES = [
    (
        "no_normalization.py",
        {"normalization": "fail", "test_accuracy": "fail"},
        {"normalization": "normalize_pixels"},
    ),
    (
        "last_layer_5.ipynb",
        {"runs": "fail", "architecture": "fail", "test_accuracy": "skip"},
        {"runs": "output_units", "architecture": "output_units"},
    ),
    (
        "no_metrics.py",
        {"runs": "fail", "compile": "fail"},
        {"runs": "missing_metrics", "compile": "missing_metrics"},
    ),
    ("train_on_test.ipynb", {"test_accuracy": "fail"}, {"test_accuracy": "train_on_test"}),
    (
        "tf1_optimizer.ipynb",
        # The notebook runs on past the failing compile: the model it built is judged, its fit
        # raises too, nothing trained.
        {"runs": "fail", "compile": "skip", "test_accuracy": "skip"},
        {"runs": "tf1_api"},
    ),
    ("too_many_epochs.py", {"epoch_limit": "fail"}, {"epoch_limit": "epochs_limit"}),
    ("logits_from_logits.py", {}, {}),
]


@pytest.mark.parametrize(
    ("name", "failing", "hints"), FASHION_MISTAKES, ids=[m[0] for m in FASHION_MISTAKES]
)
def test_fashion_mnist_mistakes(
    graded: Grade, name: str, failing: dict[str, str], hints: dict[str, str]
) -> None:
    result = graded(relative(SUBMISSIONS / "fashion_mnist" / name), "fashion_mnist")
    expected = {check: failing.get(check, "pass") for check in FASHION_CHECKS}
    assert statuses(result) == expected, [(c.id, c.status, c.message) for c in result.checks]
    for check_id, hint_id in hints.items():
        assert hint_of(result, check_id) == hint_id


def test_error_location_points_at_the_students_line(graded: Grade) -> None:
    result = graded(relative(SUBMISSIONS / "mnist_callback" / "acc_key.py"), "mnist_callback")
    assert result.error_location is not None
    assert result.error_location.cell is None and result.error_location.line == 11
    assert any("logs.get('acc')" in text for _, text in result.error_location.excerpt)


def test_notebook_error_location_names_the_cell(graded: Grade) -> None:
    path = relative(SUBMISSIONS / "fashion_mnist" / "tf1_optimizer.ipynb")
    result = graded(path, "fashion_mnist")
    assert result.error_location is not None
    assert (result.error_location.cell, result.error_location.line) == (3, 8)


# That a grading done twice gives identical numbers (each epoch's accuracy, the test accuracy, the
# verdict) is shown by tests/classroom/test_robustness_class.py, which trains a seed again from
# scratch on resume: a second training of the Fashion reference here proved nothing more.
