"""Static findings about imports: a conventional alias used but never imported, and a module
the course environment does not have.

Pure functions over the submission's syntax trees; they return `grader.grading.rules.Finding`s,
which
the checks use like every other finding (the `runs` check's NameError or ModuleNotFoundError
takes their hint, with the exact line to add or the list of what is installed).
"""

from __future__ import annotations

import ast
import sys
from typing import TYPE_CHECKING

from grader.grading.rules.finding import Finding
from grader.grading.rules.rule import rule
from grader.grading.rules.syntax import Cell, parse
from grader.grading.submissions import Submission
from grader.spec.environment import ALWAYS_AVAILABLE, BROUGHT_ALONG

if TYPE_CHECKING:
    from grader.spec.exercise import ExerciseSpec

# The names the course's notebooks use for their imports, and the line that binds each.
CONVENTIONAL_ALIASES: dict[str, str] = {
    "tf": "import tensorflow as tf",
    "np": "import numpy as np",
    "plt": "import matplotlib.pyplot as plt",
    "keras": "from tensorflow import keras",
    "pd": "import pandas as pd",
}


# One parsed cell for every static rule (`grader.grading.rules.syntax`).
ParsedCell = Cell


def parse_cells(submission: Submission) -> list[ParsedCell]:
    """Each code cell's syntax tree (IPython syntax made Python); unparsable cells skipped."""
    return parse(submission)


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name the code binds anywhere: imports, assignments, defs, parameters, targets."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            bound.add(node.name)
    return bound


def _star_import(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
        for node in ast.walk(tree)
    )


def missing_alias_imports(cells: list[ParsedCell]) -> list[Finding]:
    """`tf.keras...` with no `import tensorflow as tf` anywhere: the import line, at first use."""
    bound: set[str] = set()
    for cell in cells:
        bound |= _bound_names(cell.tree)
        if _star_import(cell.tree):
            return []  # a star import may bind anything: say nothing
    findings = []
    for alias, line in CONVENTIONAL_ALIASES.items():
        if alias in bound:
            continue
        first = _first_load(cells, alias)
        if first is None:
            continue
        cell, lineno = first
        findings.append(
            Finding(
                "missing_import",
                "runs",
                cell.number,
                lineno,
                cell.text(lineno),
                values=(("import_line", line), ("name", alias)),
            )
        )
    return findings


def _first_load(cells: list[ParsedCell], name: str) -> tuple[ParsedCell, int] | None:
    for cell in cells:
        lines = [
            node.lineno
            for node in ast.walk(cell.tree)
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
        ]
        if lines:
            return cell, min(lines)
    return None


def available_summary(spec: ExerciseSpec) -> str:
    names = sorted(spec.environment.importable_names(), key=str.lower)
    return ", ".join(f"`{name}`" for name in names) + " and Python's standard library"


def modules_outside_environment(
    cells: list[ParsedCell], spec: ExerciseSpec, local_modules: frozenset[str] = frozenset()
) -> list[Finding]:
    """Imports of a module outside the declared environment (the course's packages, what they
    bring along, the exercise's own list): the run would stop at that line. The declaration is
    the answer, not what happens to be installed on the grading machine."""
    declared = spec.environment.importable_names() | BROUGHT_ALONG
    findings = []
    seen: set[str] = set()
    for cell in cells:
        for node in ast.walk(cell.tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            for root in roots:
                if (
                    root in seen
                    or root in sys.stdlib_module_names
                    or root in ALWAYS_AVAILABLE
                    or root in local_modules
                    or root in declared
                ):
                    continue
                seen.add(root)
                findings.append(
                    Finding(
                        "module_not_available",
                        "runs",
                        cell.number,
                        node.lineno,
                        cell.text(node.lineno),
                        values=(("module", root), ("available", available_summary(spec))),
                    )
                )
    return findings


@rule(
    "missing_import",
    "runs",
    ("missing_import",),
    "a conventional alias (`tf`, `np`, `plt`, `keras`, `pd`) used but never imported",
)
def missing_import(submission: Submission, spec: ExerciseSpec) -> list[Finding]:
    return missing_alias_imports(parse_cells(submission))


@rule(
    "module_not_available",
    "runs",
    ("module_not_available",),
    "an import of a module outside the course environment (the grader installs nothing)",
)
def module_not_available(submission: Submission, spec: ExerciseSpec) -> list[Finding]:
    local = frozenset(
        name.rsplit("/", 1)[-1].removesuffix(".py")
        for name in spec.environment.support_files
        if name.endswith(".py")
    )
    return modules_outside_environment(parse_cells(submission), spec, local)


def find_import_problems(submission: Submission, spec: ExerciseSpec) -> list[Finding]:
    """Both import rules at once (the order the registry runs them in)."""
    return missing_import(submission, spec) + module_not_available(submission, spec)
