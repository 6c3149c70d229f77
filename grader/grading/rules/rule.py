"""What a static rule is: a small function, declared with what it detects.

    @rule("self_stop_training", "early_stop", ("self_stop_training",),
          "`self.stop_training = True` instead of `self.model.stop_training`")
    def self_stop_training(a: Analysis) -> None: ...

A rule receives the `Analysis` (facts of the code and the exercise spec) and adds findings with
`a.add(...)`, or returns them (any iterable of `Finding`). A pure function of
`(submission, spec)` returning findings is declared the same way. `code` names the rule, `check`
is the check whose verdict it sharpens, `hints` the hint ids it may give, `summary` a one-line
template of what it detects, filled from the spec (`{threshold_value}`, `{stop_message}`...).
The decorator only declares: `grader.grading.rules` registers every rule in one place, and the
mistakes catalogue (docs/mistakes.md) lists every rule by code with its hint ids.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from grader.grading.hints import fill
from grader.spec.exercise import ExerciseSpec


@dataclass(frozen=True)
class Rule:
    code: str
    check: str
    hints: tuple[str, ...]
    summary: str
    fn: Callable[..., Any]

    @property
    def takes_submission(self) -> bool:
        """True for a pure function of `(submission, spec)`; False for one of the `Analysis`."""
        return len(inspect.signature(self.fn).parameters) == 2

    def describe(self, spec: ExerciseSpec) -> str:
        """The summary filled from the exercise (`{threshold_value}` -> 0.99)."""
        return fill(self.summary, spec.template_values())


def rule(
    code: str, check: str, hints: tuple[str, ...], summary: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the decorated function a static rule; the function itself is unchanged."""

    def declare(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__rule__ = Rule(code, check, hints, summary, fn)  # type: ignore[attr-defined]
        return fn

    return declare


def rules_in(module: ModuleType) -> list[Rule]:
    """The rules a module defines, in the order it defines them (imported ones left out)."""
    return [
        value.__rule__
        for value in vars(module).values()
        if hasattr(value, "__rule__") and value.__module__ == module.__name__
    ]
