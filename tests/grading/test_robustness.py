"""Verdicts that do not depend on luck: the seeds, the borderline rule and the decision across
seeds, on recorded real gradings (tests/fixtures/reports) varied where a seed would vary them."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest
from paths import EXERCISES, FIXTURES, SUBMISSIONS

from grader.classroom.confirm import seed_inputs
from grader.classroom.keys import spec_key, verdict_inputs
from grader.classroom.lms import feedback
from grader.errors import UsageError
from grader.exports import junit_xml
from grader.exports.tables import CsvExporter
from grader.grading.robustness import (
    borderline,
    combine,
    seed_run,
    seeds_reason,
    with_seeds,
)
from grader.report import render_index, render_report
from grader.results import (
    CheckResult,
    GradeReport,
    SubmissionResult,
    read_results,
    submission_result_from_dict,
)
from grader.spec.exercise import load_exercise, parse_spec
from grader.spec.robustness import RobustnessSpec, decide, derive_seeds

TEST_EXERCISES = SUBMISSIONS / "robustness" / "exercises"


def _recorded(name: str) -> SubmissionResult:
    return read_results(FIXTURES / f"{name}.json").submissions[0]


def _fashion(test_accuracy: float, seed: int = 1234) -> SubmissionResult:
    """A passing fashion grading whose test accuracy (and its check) is what a seed gave."""
    base = _recorded("fashion_mnist-too_many_epochs")
    checks = [
        replace(c, status="pass", score=c.max_score) if c.id == "epoch_limit" else c
        for c in base.checks
    ]
    passing = test_accuracy >= 0.85
    checks = [
        replace(
            c,
            status="pass" if passing else "fail",
            score=c.max_score if passing else 0.0,
            message=f"test accuracy {test_accuracy:.2%} on 10,000 test images",
        )
        if c.id == "test_accuracy"
        else c
        for c in checks
    ]
    score = sum(c.score for c in checks)
    return replace(
        base, test_accuracy=test_accuracy, checks=checks, seed=seed, score=score, passed=passing
    )


def _spec(name: str = "fashion_mnist", **robustness: object) -> object:
    spec = load_exercise(name, EXERCISES)
    return replace(spec, robustness=replace(spec.robustness, **robustness))


# -- the seeds ---------------------------------------------------------------------------------


def test_seeds_come_from_the_spec_seed_alone() -> None:
    seeds = derive_seeds(1234, 5)
    assert seeds[0] == 1234 and len(set(seeds)) == 5
    assert derive_seeds(1234, 5) == seeds  # rerun after rerun
    assert derive_seeds(1234, 3) == seeds[:3]  # more seeds extend, never reshuffle
    assert derive_seeds(99, 5)[1:] != seeds[1:]
    assert derive_seeds(1234, 1) == (1234,)


@pytest.mark.parametrize(
    ("passes", "total", "rule", "expected"),
    [
        (3, 5, "majority", True),
        (2, 5, "majority", False),
        (2, 4, "majority", True),  # a tie goes to the student
        (1, 5, "any", True),
        (0, 5, "any", False),
        (4, 5, "all", False),
        (5, 5, "all", True),
    ],
)
def test_the_rule_decides(passes: int, total: int, rule: str, expected: bool) -> None:
    assert decide(passes, total, rule) is expected


def test_robustness_is_read_from_the_spec_and_checked() -> None:
    text = (TEST_EXERCISES / "late_callback" / "exercise.toml").read_text()
    spec = parse_spec(text, "late_callback")
    assert spec.robustness == RobustnessSpec(
        seeds=3, rule="majority", train_accuracy_margin=0.01, epoch_margin=1
    )
    with pytest.raises(UsageError, match=r"rule.*must be one of"):
        parse_spec(text + 'rule = "most"\n', "late_callback")
    with pytest.raises(UsageError, match="seeds"):
        parse_spec(text.replace("seeds = 3", "seeds = 0"), "late_callback")


def test_every_shipped_exercise_confirms_borderline_verdicts() -> None:
    for name in ("fashion_mnist", "mnist_callback", "mnist_callback_98", "mnist_convolutions"):
        assert load_exercise(name, EXERCISES).robustness.enabled, name


def test_a_seed_run_is_keyed_by_the_spec_without_robustness_and_by_its_seed() -> None:
    spec = load_exercise("fashion_mnist", EXERCISES)
    # Turning robustness on or off, or changing its margins, reuses every first run.
    assert spec_key(spec) == spec_key(with_seeds(spec, 9))
    assert spec_key(spec) == spec_key(replace(spec, robustness=RobustnessSpec()))
    first = verdict_inputs(spec, 600, "limits")
    seeded = [seed_inputs(spec, seed, 600, "limits") for seed in derive_seeds(spec.seed, 3)[1:]]
    assert first not in seeded and seeded[0] != seeded[1]
    # The spec seed's own run is the first run, never a seed run (its seed calls are kept).
    assert seed_inputs(spec, spec.seed, 600, "limits") != first


# -- borderline ----------------------------------------------------------------------------------


def test_a_test_accuracy_within_the_margin_is_borderline() -> None:
    spec = _spec(seeds=5, test_accuracy_margin=0.01)
    assert "85.32%" in borderline(_fashion(0.8532), spec)
    assert "1 point of the 85% threshold" in borderline(_fashion(0.8476), spec)
    assert borderline(_fashion(0.8757), spec) == ""  # clear pass: one run
    assert borderline(_fashion(0.80), spec) == ""  # clear fail: one run
    assert borderline(_fashion(0.8532), _spec(seeds=1, test_accuracy_margin=0.01)) == ""


def test_a_result_that_fails_on_structure_is_never_borderline() -> None:
    result = _fashion(0.8532)
    broken = replace(
        result,
        checks=[replace(c, status="fail") if c.id == "architecture" else c for c in result.checks],
    )
    assert borderline(broken, _spec(seeds=5, test_accuracy_margin=0.01)) == ""


def _callback(accuracies: list[float]) -> SubmissionResult:
    base = _recorded("mnist_callback-gt_threshold")
    history = [{"epoch": i + 1, "accuracy": a, "loss": 0.1} for i, a in enumerate(accuracies)]
    return replace(base, training={**base.training, "history": history})


def test_reaching_the_threshold_late_or_nearly_is_borderline() -> None:
    spec = _spec("mnist_callback", seeds=5, train_accuracy_margin=0.003, epoch_margin=2)
    steady = [0.94, 0.975, 0.985, 0.9905]  # reached at epoch 4 of 10
    assert borderline(_callback(steady), spec) == ""
    late = [0.9, 0.95, 0.97, 0.98, 0.983, 0.985, 0.987, 0.988, 0.9895, 0.9901]
    assert "epoch 10 of at most 10" in borderline(_callback(late), spec)
    near = [*late[:-1], 0.9889]
    assert "98.95%" in borderline(_callback(near), spec)  # best, not last
    far = [0.9, 0.93, 0.95, 0.96, 0.97, 0.975, 0.978, 0.98, 0.981, 0.982]
    assert borderline(_callback(far), spec) == ""


def test_seeds_forced_run_everything_that_trained() -> None:
    spec = with_seeds(load_exercise("fashion_mnist", EXERCISES), 3)
    assert "--seeds 3" in seeds_reason(_fashion(0.88), spec, forced=True)
    assert seeds_reason(_recorded("mnist_callback-syntax_error"), spec, forced=True) == ""
    assert seeds_reason(_fashion(0.88), with_seeds(spec, 1), forced=True) == ""


# -- the decision ---------------------------------------------------------------------------------


def test_each_seed_dependent_check_follows_the_rule() -> None:
    spec = _spec(seeds=3, test_accuracy_margin=0.01)
    main = _fashion(0.8532)
    others = [_fashion(0.8410, seed=11), _fashion(0.8480, seed=12)]
    result = combine(main, others, spec, "borderline")
    test = next(c for c in result.checks if c.id == "test_accuracy")
    assert test.status == "fail" and test.score == 0
    assert "passed on 1 of 3 seeds (majority rule)" in test.message
    assert "84.10%" in test.message  # the message of a run that failed it, not the pass's
    assert not result.passed and result.score == main.score - test.max_score
    assert result.robustness is not None and not result.robustness.agreed
    assert result.robustness.passes == {"test_accuracy": 1}
    assert [r.seed for r in result.robustness.runs] == [1234, 11, 12]
    # the other checks are the spec seed's, untouched
    assert [c for c in result.checks if c.id != "test_accuracy"] == [
        c for c in main.checks if c.id != "test_accuracy"
    ]
    lenient = combine(
        main, others, replace(spec, robustness=replace(spec.robustness, rule="any")), ""
    )
    assert lenient.passed and lenient.score == main.score


def test_a_tie_goes_to_the_student() -> None:
    spec = _spec(seeds=4)
    runs = [_fashion(0.851, seed=2), _fashion(0.846, seed=3), _fashion(0.847, seed=4)]
    result = combine(_fashion(0.852), runs, spec, "borderline")
    assert result.passed and result.robustness is not None
    assert result.robustness.decided == {"test_accuracy": "pass"}


def test_seeds_that_agree_say_so() -> None:
    result = combine(_fashion(0.853), [_fashion(0.856), _fashion(0.852)], _spec(seeds=3), "x")
    assert result.passed and result.robustness is not None and result.robustness.agreed


def test_a_seed_run_that_timed_out_fails_what_it_could_not_judge() -> None:
    timed_out = replace(
        _fashion(0.86, seed=77),
        status="timeout",
        test_accuracy=None,
        checks=[
            replace(c, status="skip", score=0.0, message="not measured: the run timed out")
            if c.id == "test_accuracy"
            else c
            for c in _fashion(0.86).checks
        ],
    )
    run = seed_run(timed_out, _spec(seeds=3))
    assert run.checks == {"test_accuracy": "fail"}
    assert run.note == "timed out: counts as failing test_accuracy"
    result = combine(_fashion(0.853), [timed_out, _fashion(0.84)], _spec(seeds=3), "x")
    test = next(c for c in result.checks if c.id == "test_accuracy")
    assert test.status == "fail" and "passed on 1 of 3 seeds" in test.message


def test_a_replaced_seed_is_marked_on_its_run() -> None:
    from grader.grading.robustness import seed_replaced_note

    note = seed_replaced_note(("keras.utils.set_random_seed(7)",), 99)
    replaced = replace(_fashion(0.84, seed=99), notices=[note])
    assert seed_run(replaced, _spec(seeds=3)).seed_replaced
    assert "`keras.utils.set_random_seed(7)` used seed 99 instead" in note


# -- what the verdict says, everywhere ------------------------------------------------------------


@pytest.fixture
def decided() -> SubmissionResult:
    spec = _spec(seeds=3, test_accuracy_margin=0.01)
    reason = borderline(_fashion(0.8532), spec)
    return combine(_fashion(0.8532), [_fashion(0.841, 11), _fashion(0.848, 12)], spec, reason)


def test_the_json_keeps_every_seed(decided: SubmissionResult) -> None:
    data = json.loads(json.dumps(decided.to_dict()))
    assert data["robustness"]["agreed"] is False
    assert [r["seed"] for r in data["robustness"]["runs"]] == [1234, 11, 12]
    assert submission_result_from_dict(data) == decided


def test_csv_and_junit_mark_disagreeing_seeds(decided: SubmissionResult, tmp_path: Path) -> None:
    report = GradeReport("fashion_mnist", [decided, _fashion(0.88)])
    (path,) = CsvExporter().write(report, tmp_path)
    rows = list(csv.DictReader(path.open()))
    assert (rows[0]["seeds"], rows[0]["seeds_agree"]) == ("3", "false")
    assert (rows[1]["seeds"], rows[1]["seeds_agree"]) == ("1", "")
    suite = next(iter(junit_xml(report)))
    properties = {p.name: p.value for p in suite.properties()}
    assert properties["seeds"] == "3" and properties["seeds_agree"] == "false"


def test_lms_feedback_says_it_in_words_only(decided: SubmissionResult) -> None:
    assert "Decided on 3 seeds, majority rule, the seeds disagreed" in feedback(decided)


def test_the_report_shows_each_seed_and_the_overview_marks_it(decided: SubmissionResult) -> None:
    spec = load_exercise("fashion_mnist", EXERCISES)
    html = render_report(decided, spec)
    assert 'id="seeds" data-agreed="false"' in html
    for seed in (1234, 11, 12):
        assert f'<tr data-seed="{seed}"' in html or f'<tr data-seed="{seed}" ' in html
        assert f'data-seed="{seed}" points=' in html  # its training curve
        assert f'class="test-point{" main" if seed == 1234 else ""}" data-seed="{seed}"' in html
    assert "needs 85%" in html
    index = render_index(GradeReport("fashion_mnist", [decided]), {decided.id: "a.html"})
    assert "seeds disagree (3)" in index


def test_a_result_without_robustness_has_no_seed_section() -> None:
    html = render_report(_fashion(0.88), load_exercise("fashion_mnist", EXERCISES))
    assert 'id="seeds"' not in html


def test_a_check_result_keeps_its_shape() -> None:  # the decision adds details, not fields
    check = CheckResult("test_accuracy", "pass", 3, 3, "ok")
    assert set(check.__dataclass_fields__) == {
        "id", "status", "score", "max_score", "message", "hint", "hint_id", "details"
    }  # fmt: skip
