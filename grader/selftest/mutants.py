"""Mutants of an exercise's reference: every operator that applies, each mutant one mistake,
and the operators (and rows of docs/mistakes.md) that did not apply, with why."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import libcst as cst

from grader.errors import UsageError
from grader.selftest.operators import OPERATORS, ROWS_NOT_PLAYED, Operator
from grader.spec.exercise import ExerciseSpec


@dataclass(frozen=True)
class Mutant:
    """The reference with one classic mistake, and what should catch it."""

    id: str
    operator: str
    row: int | None  # docs/mistakes.md
    mistake: str
    expected_checks: tuple[str, ...]  # those of the exercise, in the operator's order
    hints: tuple[str, ...]  # hint ids that name the mistake
    static: bool  # a static rule must see it (judged by `--quick`)
    source: str
    accepted: bool = False  # accepted by design with a note: `noted` is as good as `caught`

    @property
    def expected_check(self) -> str:
        checks = " or ".join(self.expected_checks)
        return f"a note on {checks} (accepted by design)" if self.accepted else checks

    def diff(self, reference: str, name: str = "reference.py") -> str:
        return "".join(
            difflib.unified_diff(
                reference.splitlines(keepends=True),
                self.source.splitlines(keepends=True),
                name,
                f"{self.id}.py",
            )
        )


@dataclass(frozen=True)
class NotApplied:
    """An operator, or a catalogue row, that made no mutant of this reference."""

    what: str  # an operator code, or "row N"
    row: int | None
    reason: str


def parse_reference(source: str, where: str) -> cst.Module:
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise UsageError(
            f"{where}: the reference does not parse ({exc.message}, line {exc.raw_line})"
        ) from None


def derive_mutants(
    source: str, spec: ExerciseSpec, where: str = "reference"
) -> tuple[list[Mutant], list[NotApplied]]:
    """Every mutant the operators make of `source` for `spec`, and what did not apply."""
    module = parse_reference(source, where)
    mutants: list[Mutant] = []
    skipped: list[NotApplied] = []
    for operator in OPERATORS:
        checks = tuple(c for c in operator.checks if c in spec.points)
        if not checks:
            skipped.append(
                _skip(operator, "the exercise has none of the checks that would catch it")
            )
            continue
        edits = operator.apply(module, spec)
        made = [e for e in edits if e.module.code != source]
        if not made:
            skipped.append(_skip(operator, f"needs {operator.needs}; the reference has none"))
            continue
        for edit in made:
            mutants.append(
                Mutant(
                    id=operator.code + (f"_{edit.suffix}" if edit.suffix else ""),
                    operator=operator.code,
                    row=operator.row,
                    mistake=edit.detail,
                    expected_checks=checks,
                    hints=operator.hints,
                    static=operator.static,
                    source=edit.module.code,
                    accepted=operator.accepted,
                )
            )
    skipped += [NotApplied(f"row {row}", row, why) for row, why in sorted(ROWS_NOT_PLAYED.items())]
    return mutants, skipped


def _skip(operator: Operator, reason: str) -> NotApplied:
    return NotApplied(operator.code, operator.row, reason)
