"""Static pre-checks: the mistakes that can be seen in the code without running it.

Nothing here imports TensorFlow or runs student code; a whole submission takes milliseconds.
Each rule is a small function declared with `rule.rule` under the check it sharpens; it reads the
parsed code and the exercise spec (`analysis.Analysis`) and gives `finding.Finding`s: a hint of
the catalogue, the student's line and the check whose verdict it explains. Rules live by
subject (`callbacks`, `imports`, `model`, `starter`, `training`) and are registered here, in one
place, in the order they run. The checks decide what a finding is worth
(`grader.grading.checks.findings`): runtime evidence always has the last word on the status.
Every rule is deliberately conservative: a variant the task accepts must never produce a finding.
The catalogue of the mistakes they implement, each with its rule code and hint ids, is
docs/mistakes.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from grader.grading.rules import callbacks, imports, keras2, model, starter, training
from grader.grading.rules.analysis import Analysis
from grader.grading.rules.finding import Finding, FindingKind
from grader.grading.rules.nodes import dotted
from grader.grading.rules.rule import Rule, rule, rules_in
from grader.grading.submissions import Submission
from grader.registry import Registry
from grader.spec.exercise import ExerciseSpec

RULES: Registry[Rule] = Registry(
    "static rule",
    (
        (found.code, found)
        for module in (callbacks, imports, model, starter, training, keras2)
        for found in rules_in(module)
    ),
)


def find_mistakes(
    submission: Submission, spec: ExerciseSpec, rules: Iterable[Rule] | None = None
) -> tuple[Finding, ...]:
    """Every static finding in the submission, in reading order (cells top to bottom)."""
    chosen = RULES.values() if rules is None else rules
    return tuple(Analysis(submission, spec).run(chosen))


__all__ = ["RULES", "Finding", "FindingKind", "Rule", "dotted", "find_mistakes", "rule"]
