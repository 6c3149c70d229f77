"""The checks: pure functions from evidence, measurement and spec to a verdict, by id."""

from __future__ import annotations

from grader.grading.checks.accuracy import test_accuracy, train_accuracy
from grader.grading.checks.base import CheckContext, CheckFn, RunSummary, Verdict
from grader.grading.checks.findings import explain
from grader.grading.checks.message import stop_message
from grader.grading.checks.model import architecture, compile_settings
from grader.grading.checks.probe import callback_probe
from grader.grading.checks.runs import runs
from grader.grading.checks.training import early_stop, epoch_limit, normalization
from grader.grading.checks.trust import confirmation_problem
from grader.grading.hints import hint_text
from grader.registry import Registry
from grader.results import CheckResult
from grader.spec.check_ids import CHECK_IDS

CHECKS: Registry[CheckFn] = Registry(
    "check",
    {
        "runs": runs,
        "architecture": architecture,
        "compile": compile_settings,
        "epoch_limit": epoch_limit,
        "early_stop": early_stop,
        "stop_message": stop_message,
        "train_accuracy": train_accuracy,
        "normalization": normalization,
        "test_accuracy": test_accuracy,
        "callback_probe": callback_probe,  # scored only when the spec's [probe] gives it points
    }.items(),
)
# The spec owns the ids; every id it knows has exactly one function here.
if tuple(CHECKS) != CHECK_IDS:
    raise RuntimeError("grader.spec.check_ids and the registered checks differ")


# Checks judged on the child's per-epoch reports alone; they earn nothing when the evaluator
# cannot confirm that the reported training happened. `train_accuracy` compares the two itself,
# and earns nothing either when the epochs are shown to be forged.
EVIDENCE_ONLY_CHECKS = frozenset({"early_stop", "stop_message", "train_accuracy"})
UNCONFIRMED = Verdict(
    "fail",
    "the training this run reported could not be confirmed",
    hint_id="accuracy_not_confirmed",
)


def run_checks(ctx: CheckContext) -> list[CheckResult]:
    """Every check the exercise lists, in its order, scored with the exercise's points."""
    results = []
    values = ctx.spec.template_values()  # hints are templates filled from the spec
    for check_id, points in ctx.spec.points.items():
        verdict = explain(check_id, CHECKS[check_id](ctx), ctx)
        if verdict.status == "pass" and check_id in EVIDENCE_ONLY_CHECKS:
            problem = confirmation_problem(ctx)
            if problem:
                verdict = Verdict(
                    "fail",
                    f"{UNCONFIRMED.message}: {problem}",
                    hint_id=UNCONFIRMED.hint_id,
                    details={**verdict.details, "unconfirmed": problem},
                )
        results.append(
            CheckResult(
                id=check_id,
                status=verdict.status,
                score=points if verdict.status == "pass" else 0.0,
                max_score=points,
                message=verdict.message,
                hint=hint_text(verdict.hint_id, **{**values, **verdict.hint_values})
                if verdict.hint_id
                else "",
                hint_id=verdict.hint_id,
                details=verdict.details,
            )
        )
    return results


__all__ = ["CHECKS", "CheckContext", "CheckFn", "RunSummary", "Verdict", "run_checks"]
