"""The state every static rule reads: the parsed submission, its facts and the exercise spec.

`Analysis` gathers the facts once and offers the queries the rules share (calls by name, callback
classes, the model's layers, metric keys); `run` applies the rules it is given and returns the
findings in reading order (`grader.grading.rules.find_mistakes` gives it every registered rule).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from typing import Any

from grader.grading.rules.finding import Finding, FindingKind
from grader.grading.rules.nodes import (
    KERAS_HOOKS,
    Layer,
    argument,
    dotted,
    has_star_kwargs,
    kwarg,
    last_name,
    looks_like_epoch_end,
    number,
    string,
)
from grader.grading.rules.rule import Rule
from grader.grading.rules.syntax import Cell, Collector, Facts, Node, parse
from grader.grading.submissions import Submission
from grader.spec.exercise import ExerciseSpec


class Analysis:
    def __init__(self, submission: Submission, spec: ExerciseSpec) -> None:
        self.submission, self.spec = submission, spec
        self.cells = parse(submission)
        self.facts = Facts()
        for cell in self.cells:
            Collector(cell, self.facts).visit(cell.tree)
        self.constants = self._module_constants()
        self.findings: list[Finding] = []
        self.class_names = {c.node.name for c in self.facts.classes}

    # -- bookkeeping ---------------------------------------------------------------------------

    def check(self, *preferred: str) -> str:
        """The first of these checks the exercise has (findings explain checks that exist)."""
        return next((c for c in preferred if c in self.spec.points), "runs")

    def add(
        self,
        hint_id: str,
        check: str,
        where: Node | tuple[Cell, int],
        kind: FindingKind = "mistake",
        also: tuple[str, ...] = (),
    ) -> None:
        if isinstance(where, Node):
            cell, line = where.cell, where.node.lineno
        else:
            cell, line = where
        self.findings.append(
            Finding(hint_id, check, cell.number, line, cell.text(line), kind, also)
        )

    def _module_constants(self) -> dict[str, float]:
        """Names assigned exactly once, to a number: `EPOCHS = 10`, `THRESHOLD = 0.99`."""
        values: dict[str, float] = {}
        for a in self.facts.assigns:
            if not isinstance(a.node, ast.Assign):
                continue
            for target in a.node.targets:
                value = number(a.node.value, {})
                if isinstance(target, ast.Name) and value is not None:
                    values[target.id] = value
        return {k: v for k, v in values.items() if self.facts.stores.get(k) == 1}

    def calls_named(self, *names: str) -> list[Node]:
        return [c for c in self.facts.calls if last_name(c.node.func) in names]

    def method_calls(self, method: str) -> list[Node]:
        """`<something>.method(...)` calls (fit, compile, evaluate)."""
        return [
            c
            for c in self.facts.calls
            if isinstance(c.node.func, ast.Attribute) and c.node.func.attr == method
        ]

    # -- callbacks -----------------------------------------------------------------------------

    def callback_classes(self) -> list[Node]:
        """Classes that are, or try to be, Keras callbacks."""
        found = []
        for c in self.facts.classes:
            bases = [dotted(b) or last_name(b) for b in c.node.bases]
            methods = self.methods(c.node)
            if any(b.endswith("Callback") for b in bases) or any(
                name in KERAS_HOOKS or looks_like_epoch_end(name) for name in methods
            ):
                found.append(c)
        return found

    @staticmethod
    def methods(node: ast.ClassDef) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
        return {
            stmt.name: stmt
            for stmt in node.body
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
        }

    def in_callbacks(self, kind: type) -> Iterator[Node]:
        """Nodes of this type inside the methods of callback classes."""
        classes = [c.node for c in self.callback_classes()]
        source = {
            ast.Call: self.facts.calls,
            ast.Compare: self.facts.compares,
            ast.Subscript: self.facts.subscripts,
            ast.Assign: self.facts.assigns,
            ast.Attribute: self.facts.attributes,
        }[kind]
        for item in source:
            if any(cls in item.classes for cls in classes):
                yield item

    def metrics_declared(self) -> set[str] | None:
        """Metric names from every `compile`; None when any of them is not a plain literal."""
        names: set[str] = set()
        for c in self.method_calls("compile"):
            if has_star_kwargs(c.node):
                return None
            metrics = argument(c.node, "metrics", 3)
            if metrics is None:
                continue
            if not isinstance(metrics, ast.List | ast.Tuple):
                return None
            for elt in metrics.elts:
                text = string(elt)
                if text is None:
                    return None  # a metric object: its logged name is not read here
                names.add(text)
        return names

    def acc_is_wrong_key(self) -> bool:
        declared = self.metrics_declared()
        return bool(self.method_calls("compile")) and declared is not None and "acc" not in declared

    # -- the rules, one per mistake row --------------------------------------------------------

    def metric_key(self, node: Any, aliases: dict[str, str] | None = None) -> str | None:
        """'accuracy' for `logs['accuracy']`, `logs.get('accuracy', 0)` or an alias of either."""
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            return string(node.slice)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.args
        ):
            return string(node.args[0])
        if isinstance(node, ast.Name) and aliases:
            return aliases.get(node.id)
        return None

    def aliases(self, func: Any) -> dict[str, str]:
        """`acc = logs.get('accuracy')` inside a hook: `acc` stands for the metric."""
        aliases = {}
        for stmt in ast.walk(func):
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
                key = self.metric_key(stmt.value)
                if isinstance(target, ast.Name) and key is not None:
                    aliases[target.id] = key
        return aliases

    def class_reference(self, node: Any, use: Node) -> Node | tuple[Cell, int] | None:
        """Where a class (not an instance) is put into `callbacks=`; None for anything else."""
        if not isinstance(node, ast.Name):
            return None
        if node.id in self.class_names:
            return (use.cell, node.lineno)
        # `callbacks = myCallback` (no parentheses) in the same function, then `[callbacks]`.
        scope = use.funcs[-1] if use.funcs else None
        bound = [
            a
            for a in self.facts.assigns
            if isinstance(a.node, ast.Assign)
            and (a.funcs[-1] if a.funcs else None) is scope
            and any(isinstance(t, ast.Name) and t.id == node.id for t in a.node.targets)
            and a.pos <= use.pos
        ]
        if bound:
            last = max(bound, key=lambda a: a.pos)
            value = last.node.value
            if isinstance(value, ast.Name) and value.id in self.class_names:
                return last
        return None

    def is_top_function(self, func: Any) -> bool:
        return any(f.node is func and f.top_level for f in self.facts.functions)

    def bound_in(self, use: Node, name: str) -> bool:
        """Whether `name` is assigned, defined or a parameter in a function enclosing `use`."""
        for func in use.funcs:
            params = {
                a.arg for a in [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]
            }
            if name in params:
                return True
            for node in ast.walk(func):
                if isinstance(node, ast.ClassDef | ast.FunctionDef) and node.name == name:
                    return True
                if (
                    isinstance(node, ast.Name)
                    and node.id == name
                    and isinstance(node.ctx, ast.Store)
                ):
                    return True
        return False

    # -- the model -----------------------------------------------------------------------------

    def models(self) -> list[list[Layer]]:
        """Layer lists of `Sequential([...])` models and of `Sequential()` + `.add(...)`."""
        found = []
        for item in self.calls_named("Sequential"):
            call = item.node
            layers_arg = argument(call, "layers", 0)
            if isinstance(layers_arg, ast.List | ast.Tuple):
                if all(isinstance(e, ast.Call) for e in layers_arg.elts) and layers_arg.elts:
                    found.append([Layer(last_name(e.func), e, item.cell) for e in layers_arg.elts])
                continue
            if layers_arg is not None:
                continue
            added = self._added_layers(item)
            if added:
                found.append(added)
        return found

    def _added_layers(self, sequential: Node) -> list[Layer] | None:
        owner = next(
            (
                a
                for a in self.facts.assigns
                if isinstance(a.node, ast.Assign) and a.node.value is sequential.node
            ),
            None,
        )
        if owner is None or not isinstance(owner.node.targets[0], ast.Name):
            return None
        name = owner.node.targets[0].id
        scope = sequential.funcs[-1] if sequential.funcs else None
        adds = [
            c
            for c in self.method_calls("add")
            if isinstance(c.node.func.value, ast.Name)
            and c.node.func.value.id == name
            and (c.funcs[-1] if c.funcs else None) is scope
            and c.pos > sequential.pos
        ]
        adds.sort(key=lambda c: c.pos)
        if not adds or any(
            not (c.node.args and isinstance(c.node.args[0], ast.Call)) for c in adds
        ):
            return None
        return [Layer(last_name(c.node.args[0].func), c.node.args[0], c.cell) for c in adds]

    @staticmethod
    def output_layer(layers: list[Layer]) -> Layer | None:
        for layer in reversed(layers):
            if layer.type == "Dense":
                return layer
            if layer.type not in ("Activation", "Softmax", "Dropout"):
                return None
        return None

    @staticmethod
    def final_activation(layers: list[Layer]) -> str | None:
        for layer in reversed(layers):
            if layer.type == "Dropout":
                continue
            activation = layer.activation
            if layer.type in ("Activation", "Softmax"):
                return activation
            return activation or "linear"
        return None

    def from_logits_true(self) -> Node | None:
        for item in self.facts.calls:
            value = kwarg(item.node, "from_logits")
            if isinstance(value, ast.Constant) and value.value is True:
                return item
        return None

    # -- training set-up -----------------------------------------------------------------------

    def run(self, rules: Iterable[Rule]) -> list[Finding]:
        """Apply each rule; the findings without repeats, in reading order."""
        for registered in rules:
            if registered.takes_submission:
                found = registered.fn(self.submission, self.spec)
            else:
                found = registered.fn(self)
            if found is not None:
                self.findings.extend(found)
        unique: dict[tuple[str, int | None, int], Finding] = {}
        order = {cell.number: cell.order for cell in self.cells}
        for finding in self.findings:
            unique.setdefault((finding.hint_id, finding.cell, finding.line), finding)
        return sorted(unique.values(), key=lambda f: (order.get(f.cell, -1), f.line, f.hint_id))
