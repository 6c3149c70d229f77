"""The registry of static rules: each is a small function, registered with what it detects.

    @rule("self_stop_training", "early_stop", ("self_stop_training",),
          "`self.stop_training = True` instead of `self.model.stop_training`")
    def self_stop_training(a: Analysis) -> None: ...

A rule receives the `Analysis` (facts of the code and the exercise spec) and adds findings with
`a.add(...)`, or returns them (any iterable of `Finding`). A pure function of
`(submission, spec)` returning findings registers the same way. `code` names the rule, `check` is
the check whose verdict it sharpens, `hints` the hint ids it may give, `summary` a one-line
template of what it detects, filled from the spec (`{threshold_value}`, `{stop_message}`...).
The mistakes catalogue (docs/mistakes.md) lists every rule by code with its hint ids.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.exercises import ExerciseSpec
    from grader.rules.analysis import Analysis


@dataclass(frozen=True)
class Rule:
    code: str
    check: str
    hints: tuple[str, ...]
    summary: str
    fn: Callable[..., Any]

    def describe(self, spec: ExerciseSpec) -> str:
        """The summary filled from the exercise (`{threshold_value}` -> 0.99)."""
        from grader.hints import _Keep

        return self.summary.format_map(_Keep(spec.template_values()))

    def apply(self, a: Analysis) -> None:
        takes_submission = len(inspect.signature(self.fn).parameters) == 2
        found = self.fn(a.submission, a.spec) if takes_submission else self.fn(a)
        if found is not None:
            a.findings.extend(_as_findings(found))


RULES: list[Rule] = []


def _as_findings(found: Iterable[Any]) -> list[Any]:
    return list(found)


def rule(
    code: str, check: str, hints: tuple[str, ...], summary: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a static rule (codes are unique)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if any(r.code == code for r in RULES):
            raise ValueError(f"static rule {code!r} is registered twice")
        RULES.append(Rule(code, check, hints, summary, fn))
        return fn

    return register


def registered_rules() -> list[Rule]:
    """Every rule, in the order they run (importing the rule modules registers them)."""
    import grader.rules.callbacks
    import grader.rules.imports
    import grader.rules.model
    import grader.rules.starter
    import grader.rules.training  # noqa: F401

    return list(RULES)
