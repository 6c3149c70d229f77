"""Static pre-checks: the mistakes that can be seen in the code without running it.

Each rule is a small function registered under the check it sharpens (`registry.rule`), reads
the parsed code and the exercise spec (`analysis.Analysis`) and gives `finding.Finding`s: a hint
of the catalogue, the student's line and the check whose verdict it explains. Rules live by
subject: `callbacks`, `model`, `training`. The catalogue of the mistakes they implement, each with
its rule code and hint ids, is docs/mistakes.md.
"""

from grader.rules.analysis import find_mistakes
from grader.rules.finding import Finding, FindingKind
from grader.rules.registry import RULES, Rule, registered_rules, rule

__all__ = ["RULES", "Finding", "FindingKind", "Rule", "find_mistakes", "registered_rules", "rule"]
