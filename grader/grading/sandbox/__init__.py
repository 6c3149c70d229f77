"""Running untrusted submissions: isolation levels and the child launcher."""

from grader.grading.sandbox.launcher import RunOutcome, run_isolated
from grader.grading.sandbox.levels import LEVELS, IsolationLevel, Job, Limits, choose_level

__all__ = [
    "LEVELS",
    "IsolationLevel",
    "Job",
    "Limits",
    "RunOutcome",
    "choose_level",
    "run_isolated",
]
