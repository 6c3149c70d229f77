"""Running untrusted submissions: isolation levels and the child launcher."""

from grader.sandbox.launcher import RunOutcome, run_isolated
from grader.sandbox.levels import LEVELS, IsolationLevel, Job, Limits, choose_level

__all__ = [
    "LEVELS",
    "IsolationLevel",
    "Job",
    "Limits",
    "RunOutcome",
    "choose_level",
    "run_isolated",
]
