"""The first epoch at the training threshold has one home (fit_evidence.first_epoch_reaching_in):
the robustness figures and the report's chart marker agree on it, also when a history row has
no accuracy (a row the robustness figures used to drop, renumbering every epoch after it)."""

from __future__ import annotations

from dataclasses import replace

from paths import FIXTURES

from grader.grading.fit_evidence import EpochRecord, first_epoch_reaching, first_epoch_reaching_in
from grader.grading.robustness import reached_epoch
from grader.report.submission_view import chart_view
from grader.results import read_results
from grader.spec.exercise import load_exercise

HISTORY = [
    {"epoch": 1, "loss": 0.5, "accuracy": 0.90},
    {"epoch": 2, "loss": 0.4},  # no accuracy logged for this epoch
    {"epoch": 3, "loss": 0.3, "accuracy": 0.97},
    {"epoch": 4, "loss": 0.2, "accuracy": 0.99},
]


def test_a_row_without_accuracy_does_not_renumber_the_epochs_after_it() -> None:
    assert first_epoch_reaching_in(HISTORY, 0.95) == 3
    assert first_epoch_reaching_in([{"acc": 0.2}, {"loss": 1.0}, {"acc": 0.96}], 0.95) == 3
    assert first_epoch_reaching_in(HISTORY, 0.999) is None


def test_robustness_and_the_chart_agree_on_the_epoch() -> None:
    spec = load_exercise("mnist_callback")
    assert spec.accuracy_threshold is not None
    base = read_results(FIXTURES / "mnist_callback-gt_threshold.json").submissions[0]
    history = [
        {**row, "accuracy": spec.accuracy_threshold + 0.001 * n} if "accuracy" in row else row
        for n, row in enumerate(HISTORY)
    ]
    history[0]["accuracy"] = spec.accuracy_threshold - 0.1
    result = replace(base, training={**base.training, "history": history}, checks=[])
    chart = chart_view(result, spec)
    assert chart is not None and chart.first_point is not None
    assert reached_epoch(result, spec.accuracy_threshold) == chart.first_point.epoch == 3


def test_the_checks_and_the_history_ask_the_same_rule() -> None:
    """The checks read the recorder's epochs (0-based), the report and robustness read the
    history rows (1-based): one rule, so an epoch without accuracy is passed over by both."""
    epochs = tuple(
        EpochRecord(epoch=n, logs={k: v for k, v in row.items() if k != "epoch"},
                    stop_training=False, callback_stop_flag=False, t=float(n))
        for n, row in enumerate(HISTORY)
    )  # fmt: skip
    for threshold in (0.5, 0.95, 0.98, 0.999):
        found = first_epoch_reaching(epochs, threshold)
        in_history = first_epoch_reaching_in(HISTORY, threshold)
        assert (found.epoch + 1 if found else None) == in_history, threshold
    assert first_epoch_reaching(epochs, 0.95) == epochs[2]
