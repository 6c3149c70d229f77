"""`grader selftest`: an exercise proves itself. Its reference must pass on every robustness seed,
and each mutant of the reference (one classic mistake of docs/mistakes.md, made by a LibCST
operator from the spec) must be caught by the check expected to catch it, with a hint that names
the mistake. Stages: `operators` and `mutants` (making them), `run` (grading them through the
batch), `outcome` (what became of each), `samples` and `sanity` (the sample class and the task
text), `page` (the terminal, HTML and JSON)."""

from grader.selftest.outcome import MutantRow, SelftestResult
from grader.selftest.run import NOT_PASSABLE, SelftestOptions, selftest

__all__ = ["NOT_PASSABLE", "MutantRow", "SelftestOptions", "SelftestResult", "selftest"]
