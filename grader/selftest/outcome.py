"""What became of each mutant, and of the whole selftest: pure functions over results.

A mutant is `caught` when a check it was expected to fail failed with a hint that names the
mistake; `no_hint` when an expected check failed with another hint; `caught_other` when only
other checks failed; `survived` when every check passed. A mistake the catalogue accepts with a
note (`>` where the task says "or greater": a run almost never lands on the threshold exactly)
is `noted` when every check passed and an expected one carries the hint that names it: the
student is told, not failed, as designed. Only such a mutant can be `noted`, and it counts as
caught.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from grader.grading.rules import Finding
from grader.results import CheckResult, SubmissionResult
from grader.selftest.mutants import Mutant, NotApplied

Outcome = Literal["caught", "noted", "caught_other", "no_hint", "survived"]
OUTCOMES: tuple[Outcome, ...] = ("caught", "noted", "caught_other", "no_hint", "survived")
AS_EXPECTED: tuple[Outcome, ...] = ("caught", "noted")
FAILED = ("fail", "error")


@dataclass(frozen=True)
class MutantRow:
    """One mutant's row of the selftest page and JSON."""

    id: str
    mistake: str
    row: int | None  # docs/mistakes.md
    expected_check: str
    failed_checks: list[str]
    hint: str
    hint_id: str
    line: int | None  # the line the hint points at
    outcome: Outcome
    seconds: float
    judged: str  # "run" (the real pipeline) or "static" (`--quick`: the static rules only)
    trained: bool = False  # at least one epoch ran
    report: str = ""  # the mutant's own report, relative to the selftest page
    diff: str = ""  # against the reference

    @property
    def as_expected(self) -> bool:
        return self.outcome in AS_EXPECTED


def _line(check: CheckResult | None, result: SubmissionResult) -> int | None:
    source = check.details.get("source") if check is not None else None
    if isinstance(source, dict) and isinstance(source.get("line"), int):
        return int(source["line"])
    return result.error_location.line if result.error_location else None


def judge_run(mutant: Mutant, result: SubmissionResult) -> tuple[Outcome, CheckResult | None]:
    """The mutant's outcome from its verdict, and the check whose hint the row shows."""
    failed = [c for c in result.checks if c.status in FAILED]
    if not failed:
        if mutant.accepted:
            noted = [
                c
                for c in result.checks
                if c.id in mutant.expected_checks and c.hint_id in mutant.hints
            ]
            if noted:
                return "noted", noted[0]
        return "survived", None
    expected = [c for c in failed if c.id in mutant.expected_checks]
    fitting = [c for c in expected if c.hint_id in mutant.hints]
    if fitting:
        return "caught", fitting[0]
    if expected:
        return "no_hint", expected[0]
    return "caught_other", failed[0]


def run_row(mutant: Mutant, result: SubmissionResult, report: str, diff: str) -> MutantRow:
    outcome, shown = judge_run(mutant, result)
    return MutantRow(
        id=mutant.id,
        mistake=mutant.mistake,
        row=mutant.row,
        expected_check=mutant.expected_check,
        failed_checks=[c.id for c in result.checks if c.status in FAILED],
        hint=shown.hint if shown else "",
        hint_id=shown.hint_id if shown else "",
        line=_line(shown, result) if shown else None,
        outcome=outcome,
        seconds=result.duration_s,
        judged="run",
        trained=bool(result.training.get("epochs_run")),
        report=report,
        diff=diff,
    )


def static_row(
    mutant: Mutant, findings: tuple[Finding, ...], seconds: float, diff: str
) -> MutantRow:
    """`--quick`: the mutant judged by the static rules alone (no child process)."""
    mistakes = [f for f in findings if f.kind == "mistake"]
    fitting = [f for f in mistakes if f.hint_id in mutant.hints]
    shown = (fitting or mistakes or [None])[0]
    outcome: Outcome
    if fitting:
        expected = [f for f in fitting if any(f.explains(c) for c in mutant.expected_checks)]
        outcome, shown = ("caught", expected[0]) if expected else ("caught_other", fitting[0])
    else:
        outcome = "no_hint" if mistakes else "survived"
    return MutantRow(
        id=mutant.id,
        mistake=mutant.mistake,
        row=mutant.row,
        expected_check=mutant.expected_check,
        failed_checks=sorted({f.check for f in mistakes}),
        hint=shown.hint_id if shown else "",
        hint_id=shown.hint_id if shown else "",
        line=shown.line if shown else None,
        outcome=outcome,
        seconds=round(seconds, 3),
        judged="static",
        diff=diff,
    )


@dataclass(frozen=True)
class SeedVerdict:
    seed: int
    passed: bool
    failed_checks: list[str]


@dataclass(frozen=True)
class ReferenceVerdict:
    path: str
    passed: bool
    seeds: list[SeedVerdict]
    failed_check: str = ""  # the first check that failed, when it did
    message: str = ""  # why it failed, in the grader's words
    report: str = ""
    judged: str = "run"  # or "static"


@dataclass(frozen=True)
class SampleVerdict:
    """A sample of the exercise's class against what its manifest says it demonstrates."""

    id: str
    demonstrates: str
    expected_pass: bool
    expected_failures: list[str]
    passed: bool
    failed_checks: list[str]
    agrees: bool
    report: str = ""


@dataclass(frozen=True)
class SelftestResult:
    exercise: str
    reference: ReferenceVerdict
    mutants: list[MutantRow]
    not_applied: list[NotApplied]
    quick: bool
    seconds: float
    training_seconds: float  # in gradings that trained at least one epoch
    grading_seconds: float  # every grading this run did (not those reused from the gradebook)
    reused: int  # verdicts taken from the gradebook
    not_run: list[str] = field(default_factory=list)  # `--quick`: the mutants that need a run
    samples: list[SampleVerdict] = field(default_factory=list)
    sample_problems: list[str] = field(default_factory=list)
    spec_problems: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {o: sum(1 for r in self.mutants if r.outcome == o) for o in OUTCOMES}

    @property
    def as_expected(self) -> int:
        """The mutants caught as expected (the noted ones included)."""
        return sum(1 for r in self.mutants if r.as_expected)

    @property
    def passed(self) -> bool:
        return (
            self.reference.passed
            and all(r.as_expected for r in self.mutants)
            and all(s.agrees for s in self.samples)
            and not self.sample_problems
            and not self.spec_problems
        )

    @property
    def training_share(self) -> float:
        return self.training_seconds / self.grading_seconds if self.grading_seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        data["counts"] = self.counts
        data["training_share"] = round(self.training_share, 3)
        return data
