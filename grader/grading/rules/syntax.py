"""Reading a submission for the static rules: code cells parsed, facts gathered in one walk.

The cells are read by `grader.grading.cells` (IPython syntax made Python, lines numbered as the
student sees them); a cell that does not parse is skipped (the syntax check reports it).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from grader.grading.submissions import Submission

# -- parsing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    order: int  # execution order among code cells
    number: int | None
    tree: ast.Module  # numbered in the student's own lines
    lines: list[str]

    def text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


def parse(submission: Submission) -> list[Cell]:
    """Each code cell's syntax tree, in order; cells that do not parse are left out."""
    cells = []
    for order, cell in enumerate(submission.cells):
        tree = cell.tree()
        if tree is not None:
            cells.append(Cell(order, cell.number, tree, cell.source.split("\n")))
    return cells


# -- facts gathered in one walk ----------------------------------------------------------------

Pos = tuple[int, int]  # (cell order, line): execution order, top to bottom


@dataclass
class Node:
    node: Any
    cell: Cell
    # the enclosing functions, outermost first
    funcs: tuple[ast.FunctionDef | ast.AsyncFunctionDef, ...]
    classes: tuple[ast.ClassDef, ...]

    @property
    def pos(self) -> Pos:
        return (self.cell.order, self.node.lineno)

    @property
    def top_level(self) -> bool:
        return not self.funcs and not self.classes


@dataclass
class Facts:
    classes: list[Node] = field(default_factory=list)
    functions: list[Node] = field(default_factory=list)
    calls: list[Node] = field(default_factory=list)
    loads: list[Node] = field(default_factory=list)
    assigns: list[Node] = field(default_factory=list)
    attributes: list[Node] = field(default_factory=list)
    compares: list[Node] = field(default_factory=list)
    subscripts: list[Node] = field(default_factory=list)
    top_bindings: dict[str, list[Pos]] = field(default_factory=dict)
    stores: dict[str, int] = field(default_factory=dict)  # how often each name is assigned
    identifiers: set[str] = field(default_factory=set)
    has_255: bool = False
    has_division: bool = False


class Collector(ast.NodeVisitor):
    def __init__(self, cell: Cell, facts: Facts) -> None:
        self.cell, self.facts = cell, facts
        self.funcs: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.classes: list[ast.ClassDef] = []

    def _at(self, node: Any) -> Node:
        return Node(node, self.cell, tuple(self.funcs), tuple(self.classes))

    def _bind_top(self, name: str, node: Any) -> None:
        if not self.funcs and not self.classes:
            self.facts.top_bindings.setdefault(name, []).append((self.cell.order, node.lineno))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.facts.functions.append(self._at(node))
        self._bind_top(node.name, node)
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit(node.args)
        self.funcs.append(node)
        for stmt in node.body:
            self.visit(stmt)
        self.funcs.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.facts.classes.append(self._at(node))
        self._bind_top(node.name, node)
        for expr in [*node.bases, *node.decorator_list, *(k.value for k in node.keywords)]:
            self.visit(expr)
        self.classes.append(node)
        for stmt in node.body:
            self.visit(stmt)
        self.classes.pop()

    def visit_Call(self, node: ast.Call) -> None:
        self.facts.calls.append(self._at(node))
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        self.facts.identifiers.add(node.id)
        if isinstance(node.ctx, ast.Load):
            self.facts.loads.append(self._at(node))
        else:
            self.facts.stores[node.id] = self.facts.stores.get(node.id, 0) + 1
            self._bind_top(node.id, node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.facts.identifiers.add(node.attr)
        self.facts.attributes.append(self._at(node))
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            self._bind_top((alias.asname or alias.name).split(".")[0], node)
            self.facts.identifiers.add(alias.name.split(".")[-1])

    visit_ImportFrom = visit_Import

    def visit_Assign(self, node: ast.Assign | ast.AnnAssign) -> None:
        self.facts.assigns.append(self._at(node))
        self.generic_visit(node)

    visit_AnnAssign = visit_Assign

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.op, ast.Div):
            self.facts.has_division = True
        self.facts.assigns.append(self._at(node))
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Div | ast.FloorDiv):
            self.facts.has_division = True
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        self.facts.compares.append(self._at(node))
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.facts.subscripts.append(self._at(node))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, int | float) and not isinstance(value, bool) and value == 255:
            self.facts.has_255 = True
