"""The static rules' registry and the mistakes catalogue (docs/mistakes.md) agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from paths import ROOT

from grader.grading.checks import CHECKS
from grader.grading.hints import catalogue
from grader.grading.rules import RULES, Finding, find_mistakes, rule
from grader.grading.rules.rule import Rule
from grader.grading.submissions import load_submission
from grader.registry import Registry
from grader.spec.exercise import all_exercises

DOCS = ROOT / "docs" / "mistakes.md"


def catalogue_rows() -> dict[str, set[str]]:
    """rule code -> hint ids, from the catalogue's table."""
    rows: dict[str, set[str]] = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        match = re.search(r"rule: `(\w+)`", line)
        if match and line.startswith("|"):
            hints = set(re.findall(r"`(\w+)`", line.rsplit("|", 2)[-2]))
            rows.setdefault(match.group(1), set()).update(hints)
    return rows


def test_every_registered_rule_is_in_the_catalogue_and_back() -> None:
    documented = catalogue_rows()
    registered = {r.code: set(r.hints) for r in RULES.values()}
    assert set(documented) == set(registered)
    for code, hints in registered.items():
        assert documented[code] == hints, code


def test_every_rule_names_real_hints_and_a_check() -> None:
    hints = catalogue()
    for registered in RULES.values():
        assert set(registered.hints) <= set(hints), registered.code
        assert registered.check in CHECKS, registered.code


def test_rule_summaries_are_filled_from_each_spec() -> None:
    for spec in all_exercises():
        for registered in RULES.values():
            text = registered.describe(spec)
            unfilled = re.findall(r"\{\w*\}", text)
            assert unfilled == [], (spec.id, registered.code, text)
    stop = next(r for r in RULES.values() if r.code == "stop_condition")
    assert any("0.99" in stop.describe(s) for s in all_exercises())


def test_a_plain_function_declares_a_rule(tmp_path: Path) -> None:
    """A pure function of (submission, spec) returning findings is a rule like the others."""
    path = tmp_path / "sub.py"
    path.write_text("import tensorflow as tf\nprint('hello')  # TODO\n")

    @rule("todo_left", "runs", ("runtime_error",), "a TODO left in the code")
    def todo_left(submission, spec):  # type: ignore[no-untyped-def]
        return [Finding("runtime_error", "runs", None, 2, "print('hello')  # TODO", "note")]

    declared: Rule = todo_left.__rule__
    spec = all_exercises()[0]
    found = find_mistakes(load_submission(path), spec, rules=[declared])
    assert [(f.hint_id, f.line) for f in found] == [("runtime_error", 2)]
    assert "todo_left" not in RULES  # declaring is not registering: the registry is one list
    with pytest.raises(ValueError, match="registered twice"):
        Registry("static rule", [(declared.code, declared), (declared.code, declared)])
