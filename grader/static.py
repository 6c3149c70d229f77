"""Static pre-checks: the mistakes that can be seen in the code without running it.

The rules live in `grader.rules` (one small registered function per mistake, reading the
exercise spec); this module keeps the stable names the rest of the grader imports. Nothing here
imports TensorFlow or runs student code; a whole submission takes milliseconds.

Each `Finding` names a hint of the catalogue (`hints.toml`), the student's own line and the check
whose verdict it explains. The checks decide what a finding is worth (`grader.checks.findings`):
runtime evidence always has the last word on the status; a finding only sharpens the hint and
points at the line. Every rule is deliberately conservative: a variant the task accepts must
never produce a finding (false alarms are bugs).
"""

from grader.rules import Finding, FindingKind, find_mistakes, rule
from grader.rules.nodes import dotted

__all__ = ["Finding", "FindingKind", "dotted", "find_mistakes", "rule"]
