"""What `grader selftest` concludes from verdicts (grader/selftest/outcome.py, run.py, samples.py,
sanity.py, page.py): each mutant's outcome, the reference on every seed, the sample class against
its manifest, the task text's message, and the page and JSON that say it. The verdicts are real
`SubmissionResult`s as the pipeline makes them, with the checks set as each case needs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from paths import SOLUTIONS

from grader.results import CheckResult, Robustness, SeedRun, SourceLocation, SubmissionResult
from grader.selftest.mutants import derive_mutants
from grader.selftest.outcome import (
    ReferenceVerdict,
    SelftestResult,
    judge_run,
    run_row,
    static_row,
)
from grader.selftest.page import render_page, terminal_lines, write_json, write_page
from grader.selftest.samples import check_samples
from grader.selftest.sanity import spec_problems
from grader.spec.exercise import load_exercise, parse_spec

SPEC = load_exercise("mnist_callback")
SOURCE = (SOLUTIONS / "mnist_callback.py").read_text(encoding="utf-8")
MUTANTS = {m.id: m for m in derive_mutants(SOURCE, SPEC)[0]}


def verdict(sample_id: str = "m", **statuses: tuple[str, str]) -> SubmissionResult:
    """A result of mnist_callback where each named check has (status, hint id); others pass."""
    checks = []
    for check_id, points in SPEC.points.items():
        status, hint_id = statuses.get(check_id, ("pass", ""))
        details = {"source": {"cell": None, "line": 12, "text": "x"}} if hint_id else {}
        hint = f"the {hint_id} hint" if hint_id else ""
        score = points if status == "pass" else 0.0
        checks.append(CheckResult(check_id, status, score, points, "msg", hint, hint_id, details))  # type: ignore[arg-type]
    return SubmissionResult(
        id=sample_id, path=f"{sample_id}.py", sha256="0" * 64, exercise=SPEC.id, status="graded",
        passed=all(c.status == "pass" for c in checks), score=sum(c.score for c in checks),
        max_score=SPEC.max_score, checks=checks, training={"epochs_run": 4}, test_accuracy=0.97,
        train_accuracy=0.99, isolation="limits", versions={}, seed=SPEC.seed, duration_s=30.0,
    )  # fmt: skip


def test_caught_by_the_expected_check_with_a_fitting_hint() -> None:
    mutant = MUTANTS["self_stop_training"]
    outcome, shown = judge_run(mutant, verdict(early_stop=("fail", "self_stop_training")))
    assert outcome == "caught" and shown is not None and shown.id == "early_stop"


def test_the_expected_check_with_another_hint_is_no_hint() -> None:
    mutant = MUTANTS["self_stop_training"]
    outcome, _ = judge_run(mutant, verdict(early_stop=("fail", "stopped_late")))
    assert outcome == "no_hint"


def test_only_another_check_failing_is_caught_other() -> None:
    mutant = MUTANTS["epochs_raised"]  # expected: epoch_limit
    outcome, shown = judge_run(mutant, verdict(train_accuracy=("fail", "keep_training")))
    assert outcome == "caught_other" and shown is not None and shown.id == "train_accuracy"


def test_every_check_passing_is_survived() -> None:
    assert judge_run(MUTANTS["comparison_turned"], verdict()) == ("survived", None)
    assert judge_run(MUTANTS["message_case"], verdict()) == ("survived", None)


def test_an_accepted_mistake_is_noted_only_when_the_grader_names_it() -> None:
    """`>` for `>=` is accepted with a note by design: every check passing is `noted` only when the
    expected check carries the hint that names it, and a note is never enough for a mistake the
    grader must fail."""
    accepted = MUTANTS["comparison_turned"]
    assert accepted.accepted and "accepted by design" in accepted.expected_check
    outcome, shown = judge_run(accepted, verdict(early_stop=("pass", "greater_than")))
    assert outcome == "noted" and shown is not None and shown.id == "early_stop"
    assert judge_run(accepted, verdict(early_stop=("pass", "stopped_late")))[0] == "survived"
    assert judge_run(accepted, verdict(early_stop=("fail", "greater_than")))[0] == "caught"
    must_fail = MUTANTS["message_case"]
    assert judge_run(must_fail, verdict(stop_message=("pass", "message_text")))[0] == "survived"
    noted = run_row(accepted, verdict(early_stop=("pass", "greater_than")), "", "")
    result = SelftestResult(
        SPEC.id, ReferenceVerdict("reference.py", True, []), [noted], [], False, 1.0, 0.0, 0.0, 0
    )
    assert result.passed and result.counts["noted"] == 1
    assert "1/1 mutants caught as expected (1 noted, as designed)" in terminal_lines(result)[-1]
    assert "1 of 1 mutants caught as expected (1 noted, as designed)" in render_page(result)


def test_a_row_carries_the_hint_its_line_and_the_failed_checks() -> None:
    result = verdict(runs=("fail", "acc_key"), early_stop=("skip", ""))
    row = run_row(MUTANTS["metric_key"], result, "mutants/metric_key.html", "diff")
    assert (row.outcome, row.hint_id, row.line) == ("caught", "acc_key", 12)
    assert row.failed_checks == ["runs"] and row.hint == "the acc_key hint"
    located = replace(result, error_location=SourceLocation(None, 10))
    no_source = replace(located, checks=[replace(c, details={}) for c in located.checks])
    assert run_row(MUTANTS["metric_key"], no_source, "", "").line == 10


def test_a_static_finding_under_another_check_is_caught_other() -> None:
    from grader.grading.rules import Finding

    mutant = MUTANTS["self_stop_training"]
    right = Finding("self_stop_training", "early_stop", None, 12, "self.stop_training = True")
    elsewhere = replace(right, check="runs")
    assert static_row(mutant, (right,), 0.0, "").outcome == "caught"
    assert static_row(mutant, (elsewhere,), 0.0, "").outcome == "caught_other"
    assert (
        static_row(mutant, (replace(right, hint_id="stopped_late"),), 0.0, "").outcome == "no_hint"
    )
    assert static_row(mutant, (replace(right, kind="note"),), 0.0, "").outcome == "survived"


def seeds_result(lost_on: int | None) -> SubmissionResult:
    """The reference decided on three seeds (majority rule); `lost_on`: the seed that failed."""
    runs = [
        SeedRun(
            seed, "graded", {"early_stop": "fail" if seed == lost_on else "pass"}, 0.97, [0.99], 4
        )
        for seed in (1234, 11, 12)
    ]
    robust = Robustness(
        "--seeds", "majority", runs, {"early_stop": "pass"}, {"early_stop": 3}, True
    )
    return replace(verdict("reference"), robustness=robust)


def test_the_reference_must_pass_on_every_seed_not_by_majority() -> None:
    from grader.selftest.run import NOT_PASSABLE, _reference_verdict

    good = _reference_verdict(seeds_result(None), Path("ref.py"), "reference/reference.html")
    assert good.passed and [s.seed for s in good.seeds] == [1234, 11, 12]
    bad = _reference_verdict(seeds_result(11), Path("ref.py"), "")
    assert not bad.passed and bad.failed_check == "early_stop"
    assert [s.passed for s in bad.seeds] == [True, False, True]
    failing = _reference_verdict(
        verdict("reference", train_accuracy=("fail", "keep_training")), Path("r.py"), ""
    )
    assert failing.message.startswith(f"{NOT_PASSABLE}: train_accuracy failed")


def test_each_sample_is_held_to_its_manifest() -> None:
    spec = load_exercise("mnist_callback_98")
    graded = [
        replace(verdict("rosalind_franklin"), exercise=spec.id),
        replace(
            verdict(
                "alan_kay",
                stop_message=("fail", "message_text"),
                early_stop=("fail", "stopped_late"),
            )
        ),
        # claimed to fail early_stop; fails, but another check
        replace(verdict("barbara_liskov", runs=("fail", "runtime_error"))),
    ]
    samples, problems = check_samples(spec, graded)
    agrees = {s.id: s.agrees for s in samples}
    assert agrees == {"rosalind_franklin": True, "alan_kay": True, "barbara_liskov": False}
    assert problems == []
    _, lost = check_samples(spec, [replace(verdict("rosalind_franklin", runs=("fail", "x")))])
    assert any("no sample passes" in p for p in lost)


def test_every_shipped_sample_class_has_a_manifest_with_a_passing_sample() -> None:
    for exercise in ("mnist_callback", "fashion_mnist", "mnist_callback_98", "mnist_convolutions"):
        assert check_samples(load_exercise(exercise), None) == ([], []), exercise


def test_a_message_the_task_text_does_not_state_is_flagged(tmp_path: Path) -> None:
    folder = tmp_path / "mnist_callback"
    folder.mkdir()
    (folder / "README.md").write_text("Print exactly `Reached 97% accuracy, stopping!`.\n")
    text = (SPEC.folder / "exercise.toml").read_text().replace("0.99 ", "0.97 ")  # type: ignore[operator]
    text = text.replace(
        "Reached 99% accuracy so cancelling training!",
        "Reached 97% accuracy so cancelling training!",
    )
    variant = parse_spec(text, "mnist_callback/exercise.toml", folder=folder)
    [problem] = spec_problems(variant)
    assert "Reached 97% accuracy so cancelling training!" in problem
    assert "it says `Reached 97% accuracy, stopping!`" in problem
    assert spec_problems(SPEC) == []  # the shipped task text states its message


@pytest.fixture
def result() -> SelftestResult:
    caught = run_row(
        MUTANTS["callback_base"],
        verdict(runs=("fail", "callback_base_class")),
        "mutants/callback_base.html",
        MUTANTS["callback_base"].diff(SOURCE),
    )
    survived = run_row(
        MUTANTS["comparison_turned"], verdict(), "mutants/comparison_turned.html", ""
    )
    reference = ReferenceVerdict(
        "solutions/mnist_callback.py", True, [], report="reference/reference.html"
    )
    return SelftestResult(SPEC.id, reference, [caught, survived], [], False, 600.0, 300.0, 400.0, 0)


def test_the_page_links_each_report_and_shows_each_diff(
    result: SelftestResult, tmp_path: Path
) -> None:
    page = write_page(result, tmp_path / "pages" / "selftest.html", tmp_path / "out")
    html = page.read_text()
    assert 'href="../out/mutants/callback_base.html"' in html
    assert '<span class="del">-class myCallback(tf.keras.callbacks.Callback):</span>' in html
    assert "✗ survived" in html and "1 of 2 mutants caught as expected" in html
    assert "<script" not in render_page(result)


def test_the_json_and_the_terminal_say_the_same(result: SelftestResult, tmp_path: Path) -> None:
    data = json.loads(write_json(result, tmp_path / "s.json").read_text())
    assert data["passed"] is False and data["counts"]["survived"] == 1
    assert data["reference"]["passed"] is True
    row = data["mutants"][0]
    for key in ("id", "mistake", "expected_check", "failed_checks", "hint", "outcome"):
        assert key in row
    lines = terminal_lines(result)
    assert lines[-1].startswith("mnist_callback: 1/2 mutants caught as expected")
    assert "75% of 400 s of grading" in lines[-1]
