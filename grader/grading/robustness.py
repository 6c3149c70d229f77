"""Verdicts that do not depend on luck: which results are borderline, and how the runs of other
seeds decide them (pure functions over results; `pipeline.grade_on_seeds` and the batch run them).

Only the checks whose outcome depends on how training went are decided across the seeds
(`SEED_CHECKS`); the others (the architecture, the compile settings, the epochs asked for) say
the same on every seed, so the spec seed's run judges them. Each seed-dependent check passes when
the spec's rule says so (`majority`: on at least half of the seeds, a tie going to the student);
the result takes, for each such check, the run of the spec seed if it agrees with the decision,
else the first seed's run that does, so that its message and hint are those of a run that saw it.
"""

from __future__ import annotations

from dataclasses import replace

from grader.formatting import fixed_percent, percent
from grader.grading.fit_evidence import accuracy_key, first_epoch_reaching_in
from grader.results import CheckResult, CheckStatus, Robustness, SeedRun, SubmissionResult
from grader.spec.exercise import ExerciseSpec
from grader.spec.robustness import decide

# The checks whose verdict depends on the run: how far training got, and when.
SEED_CHECKS = ("train_accuracy", "early_stop", "stop_message", "test_accuracy")
# A note in a report that a seed run replaced the submission's own seed (the harness says it).
SEED_REPLACED_NOTE = "Seed replaced:"


def seed_replaced_note(calls: tuple[str, ...], seed: int) -> str:
    """What a report says when a seed run replaced the submission's own seed calls."""
    return (
        f"{SEED_REPLACED_NOTE} on this run with seed {seed}, your code's "
        f"{', '.join(f'`{call}`' for call in calls)} used seed {seed} instead, so that each seed "
        "trains differently"
    )


def train_accuracies(result: SubmissionResult) -> list[float]:
    """The logged training accuracy of each epoch of the graded fit."""
    found = []
    for row in result.training.get("history", []):
        if (key := accuracy_key(row)) is not None:
            found.append(float(row[key]))
    return found


def reached_epoch(result: SubmissionResult, threshold: float | None) -> int | None:
    """The first epoch whose training accuracy reached the threshold (its number in the
    history: a row without an accuracy does not shift the ones after it)."""
    if threshold is None:
        return None
    return first_epoch_reaching_in(result.training.get("history", []), threshold)


def borderline(result: SubmissionResult, spec: ExerciseSpec) -> str:
    """Why this result is too close to a threshold to trust one seed with ("" if it is not)."""
    policy = spec.robustness
    if not policy.enabled or result.status == "error":
        return ""
    judged = {c.id: c for c in result.checks}
    if any(judged[c].status == "fail" for c in ("runs", "architecture") if c in judged):
        return ""  # it would fail on any seed
    test, threshold = result.test_accuracy, spec.test_accuracy_threshold
    if (
        "test_accuracy" in judged
        and test is not None
        and threshold is not None
        and abs(test - threshold) < policy.test_accuracy_margin
    ):
        return (
            f"test accuracy {fixed_percent(test)} is within "
            f"{_points(policy.test_accuracy_margin)} of the {percent(threshold)} threshold"
        )
    target = spec.accuracy_threshold
    accuracies = train_accuracies(result)
    if target is None or not accuracies or not ({"train_accuracy", "early_stop"} & set(judged)):
        return ""
    epoch = reached_epoch(result, target)
    if epoch is None:
        best = max(accuracies)
        if best >= target - policy.train_accuracy_margin:
            return (
                f"the best training accuracy, {fixed_percent(best)}, is within "
                f"{_points(policy.train_accuracy_margin)} of {percent(target)}"
            )
        return ""
    if policy.epoch_margin and epoch > spec.max_epochs - policy.epoch_margin:
        return (
            f"training first reached {percent(target)} at epoch {epoch} of at most "
            f"{spec.max_epochs}"
        )
    return ""


def seeds_reason(result: SubmissionResult, spec: ExerciseSpec, forced: bool = False) -> str:
    """Why `result` (the spec seed's run) must be run on more seeds ("" if it need not):
    `forced` (`--seeds N`) runs every submission that ran; otherwise only borderline ones."""
    policy = spec.robustness
    if not policy.enabled:
        return ""
    if forced:
        if result.status == "error" or not result.training:
            return ""  # it never trained: another seed cannot change a thing
        return f"--seeds {policy.seeds}: every submission runs on {policy.seeds} seeds"
    return borderline(result, spec)


def with_seeds(spec: ExerciseSpec, seeds: int | None) -> ExerciseSpec:
    """`spec` with `--seeds N` applied (None: the spec's own `[robustness]`)."""
    if seeds is None:
        return spec
    return replace(spec, robustness=replace(spec.robustness, seeds=seeds))


def _points(margin: float) -> str:
    value = round(margin * 100, 2)
    return f"{value:g} point" + ("" if value == 1 else "s")


def seed_run(result: SubmissionResult, spec: ExerciseSpec) -> SeedRun:
    """What one seed's run showed, for the seed table and the decision."""
    judged = {c.id: c for c in result.checks}
    checks: dict[str, CheckStatus] = {}
    unjudged = []
    for check in SEED_CHECKS:
        if check not in judged:
            continue
        status = judged[check].status
        if status in ("skip", "error"):
            unjudged.append(check)
            status = "fail"  # a run that could not judge a check counts against it
        checks[check] = status
    note = ""
    if unjudged:
        why = {"timeout": "timed out", "error": "could not run"}.get(result.status, "")
        why = why or (result.error.split("\n")[0] if result.error else "did not finish")
        note = f"{why}: counts as failing {', '.join(unjudged)}"
    accuracies = train_accuracies(result)
    return SeedRun(
        seed=result.seed,
        status=result.status,
        checks=checks,
        test_accuracy=result.test_accuracy,
        train_accuracies=accuracies,
        reached_epoch=reached_epoch(result, spec.accuracy_threshold),
        seed_replaced=any(n.startswith(SEED_REPLACED_NOTE) for n in result.notices),
        note=note,
    )


def combine(
    main: SubmissionResult, others: list[SubmissionResult], spec: ExerciseSpec, reason: str
) -> SubmissionResult:
    """The verdict of the spec seed's run `main` with the seed-dependent checks decided across
    `main` and `others` by the spec's rule."""
    rule = spec.robustness.rule
    runs = [seed_run(r, spec) for r in (main, *others)]
    decided: dict[str, CheckStatus] = {}
    passes: dict[str, int] = {}
    by_seed = [{c.id: c for c in r.checks} for r in (main, *others)]
    checks: list[CheckResult] = []
    for check in main.checks:
        if check.id not in runs[0].checks:
            checks.append(check)
            continue
        passed = sum(run.checks.get(check.id) == "pass" for run in runs)
        decision: CheckStatus = "pass" if decide(passed, len(runs), rule) else "fail"
        decided[check.id], passes[check.id] = decision, passed
        # A run that judged it as decided; failing that, one that could not judge it (counted
        # as failing), whose message says why.
        judged_so = [j[c] for j in by_seed if (c := check.id) in j and j[c].status == decision]
        counted_so = [
            j[check.id] for j, run in zip(by_seed, runs, strict=True)
            if check.id in j and run.checks.get(check.id) == decision
        ]  # fmt: skip
        chosen = (judged_so or counted_so or [check])[0]
        checks.append(_decided(chosen, decision, passed, len(runs), rule))
    agreed = all(len({run.checks.get(c) for run in runs}) == 1 for c in decided)
    robustness = Robustness(reason, rule, runs, decided, passes, agreed)
    score = sum(c.score for c in checks)
    return replace(
        main,
        checks=checks,
        score=score,
        passed=bool(checks) and all(c.status == "pass" for c in checks),
        robustness=robustness,
        duration_s=round(main.duration_s + sum(r.duration_s for r in others), 3),
    )


def _decided(
    chosen: CheckResult, decision: CheckStatus, passed: int, total: int, rule: str
) -> CheckResult:
    """The check as decided across the seeds, its message saying on how many seeds it passed.
    `chosen` judged it as decided, or could not judge it at all (then it fails with no points)."""
    if chosen.status != decision:
        chosen = replace(chosen, status=decision, score=0.0)
    return replace(
        chosen,
        message=f"{chosen.message}; passed on {passed} of {total} seeds ({rule} rule)",
        details={**chosen.details, "seeds": {"passed": passed, "total": total, "rule": rule}},
    )
