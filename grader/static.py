"""Static pre-checks: the mistakes that can be seen in the code without running it.

Everything here reads the syntax tree of the module, or of the notebook's code cells (turned into
Python by IPython's TransformerManager, as `grader.submissions` does). Nothing is imported from
TensorFlow and nothing of the student's is executed; a whole submission takes milliseconds.

Each `Finding` names a hint of the catalogue (`hints.toml`), the student's own line (cell and
line, as the report shows them) and the check whose verdict it explains. The checks decide what a
finding is worth (`grader.checks.findings`): runtime evidence always has the last word on the
status; a finding only sharpens the hint and points at the line. Every rule here is deliberately
conservative: a variant the task accepts must never produce a finding (false alarms are bugs).
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from grader.submissions import Submission

if TYPE_CHECKING:
    from grader.exercises import ExerciseSpec

FindingKind = Literal["mistake", "note"]


@dataclass(frozen=True)
class Finding:
    """One mistake (or, for `kind="note"`, an accepted variant worth a remark) in the code."""

    hint_id: str
    check: str  # the check whose verdict this finding explains
    cell: int | None  # 1-based among all notebook cells; None for a module
    line: int  # 1-based within the cell (or module)
    text: str  # the student's line, as written
    kind: FindingKind = "mistake"
    also: tuple[str, ...] = ()  # other checks whose generic verdict it can explain
    values: tuple[tuple[str, str], ...] = ()  # the hint's {placeholders}, e.g. the import line

    def explains(self, check_id: str) -> bool:
        return check_id == self.check or check_id in self.also

    def label(self) -> str:
        return (
            f"cell {self.cell}, line {self.line}" if self.cell is not None else f"line {self.line}"
        )

    def describe(self) -> str:
        return f"{self.label()}: `{self.text.strip()}`"

    def to_dict(self) -> dict[str, Any]:
        return {
            "hint_id": self.hint_id,
            "check": self.check,
            "cell": self.cell,
            "line": self.line,
            "text": self.text,
            "kind": self.kind,
        }


# -- names the rules know ----------------------------------------------------------------------

ACC_KEYS = frozenset({"accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy"})
KERAS_HOOKS = frozenset(
    f"on_{stage}_{edge}"
    for stage in (
        "epoch",
        "batch",
        "train",
        "test",
        "predict",
        "train_batch",
        "test_batch",
        "predict_batch",
    )
    for edge in ("begin", "end")
) | {"set_model", "set_params"}
OPTIMIZERS = frozenset(
    {"Adam", "AdamW", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lion"}
)
_TF1 = re.compile(
    r"^(tf|tensorflow)\.((compat\.v1\.)?train\.\w*Optimizer|"
    r"Session|InteractiveSession|placeholder|global_variables_initializer)$"
)
# Layers that neither flatten nor reshape: a Dense after only these still sees 28x28 images.
_PASS_THROUGH = frozenset(
    {
        "Input",
        "InputLayer",
        "Dropout",
        "BatchNormalization",
        "LayerNormalization",
        "Rescaling",
        "Normalization",
        "GaussianNoise",
        "Activation",
    }
)
_SCALING_NAMES = frozenset(
    {
        "Rescaling",
        "Normalization",
        "normalize",
        "convert_image_dtype",
        "per_image_standardization",
        "StandardScaler",
        "MinMaxScaler",
    }
)


# -- parsing -----------------------------------------------------------------------------------


@dataclass
class _Cell:
    order: int  # execution order among code cells
    number: int | None
    tree: ast.Module
    lines: list[str]

    def text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


def _python(source: str, transformer: Any) -> str:
    if transformer is None:
        return source
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        # A cell magic wraps the whole cell in one call; blank the magic to keep the lines.
        # A body that is not Python (`%%bash`) simply does not parse and is left alone.
        return "\n".join(["", *lines[1:]])
    return transformer.transform_cell(source)


def _parse(submission: Submission) -> list[_Cell]:
    transformer = None
    if submission.kind == "notebook":
        from IPython.core.inputtransformer2 import TransformerManager

        transformer = TransformerManager()
    cells = []
    for order, cell in enumerate(submission.cells):
        try:
            tree = ast.parse(_python(cell.source, transformer))
        except (SyntaxError, ValueError):
            continue  # the syntax check reports it; the other cells are still read
        cells.append(_Cell(order, cell.number, tree, cell.source.split("\n")))
    return cells


# -- facts gathered in one walk ----------------------------------------------------------------

Pos = tuple[int, int]  # (cell order, line): execution order, top to bottom


@dataclass
class _Node:
    node: Any
    cell: _Cell
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
class _Facts:
    classes: list[_Node] = field(default_factory=list)
    functions: list[_Node] = field(default_factory=list)
    calls: list[_Node] = field(default_factory=list)
    loads: list[_Node] = field(default_factory=list)
    assigns: list[_Node] = field(default_factory=list)
    attributes: list[_Node] = field(default_factory=list)
    compares: list[_Node] = field(default_factory=list)
    subscripts: list[_Node] = field(default_factory=list)
    top_bindings: dict[str, list[Pos]] = field(default_factory=dict)
    stores: dict[str, int] = field(default_factory=dict)  # how often each name is assigned
    identifiers: set[str] = field(default_factory=set)
    has_255: bool = False
    has_division: bool = False


class _Collector(ast.NodeVisitor):
    def __init__(self, cell: _Cell, facts: _Facts) -> None:
        self.cell, self.facts = cell, facts
        self.funcs: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.classes: list[ast.ClassDef] = []

    def _at(self, node: Any) -> _Node:
        return _Node(node, self.cell, tuple(self.funcs), tuple(self.classes))

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


# -- small helpers -----------------------------------------------------------------------------


def dotted(node: Any) -> str:
    """`tf.keras.layers.Dense` for the attribute chain; '' when it is not a plain chain."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _last_name(node: Any) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _kwarg(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _has_star_kwargs(call: ast.Call) -> bool:
    return any(k.arg is None for k in call.keywords) or any(
        isinstance(a, ast.Starred) for a in call.args
    )


def _argument(call: ast.Call, name: str, position: int) -> ast.expr | None:
    """An argument given by keyword or at its (0-based) position."""
    value = _kwarg(call, name)
    if value is None and len(call.args) > position:
        arg = call.args[position]
        value = None if isinstance(arg, ast.Starred) else arg
    return value


def _number(node: Any, constants: dict[str, float]) -> float | None:
    """The value of a numeric literal, a simple constant expression or a module constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return None if isinstance(node.value, bool) else float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _number(node.operand, constants)
        return -value if value is not None else None
    if isinstance(node, ast.BinOp):
        left, right = _number(node.left, constants), _number(node.right, constants)
        if left is None or right is None:
            return None
        try:
            if isinstance(node.op, ast.Div):
                return left / right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Add):
                return left + right
        except ZeroDivisionError:
            return None
        return None
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _string(node: Any) -> str | None:
    """A string literal, or an f-string without placeholders; None for anything computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and all(
        isinstance(v, ast.Constant) and isinstance(v.value, str) for v in node.values
    ):
        return "".join(v.value for v in node.values)  # type: ignore[attr-defined]
    return None


def _shape(node: Any) -> tuple[int | None, ...] | None:
    if isinstance(node, ast.Tuple | ast.List):
        dims = []
        for elt in node.elts:
            if isinstance(elt, ast.Constant) and (elt.value is None or isinstance(elt.value, int)):
                dims.append(elt.value)
            else:
                return None
        return tuple(dims)
    return None


def _names_in(node: Any) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} if node is not None else set()


# -- the analysis ------------------------------------------------------------------------------


@dataclass
class _Layer:
    cls: str
    node: ast.Call
    cell: _Cell

    @property
    def units(self) -> int | None:
        value = _argument(self.node, "units", 0) if self.cls == "Dense" else None
        if isinstance(value, ast.Constant) and isinstance(value.value, int):
            return value.value
        return None

    @property
    def activation(self) -> str | None:
        value = _kwarg(self.node, "activation")
        if value is None and self.cls == "Dense" and len(self.node.args) > 1:
            value = self.node.args[1]
        if value is None and self.cls == "Activation" and self.node.args:
            value = self.node.args[0]
        if value is None:
            return "softmax" if self.cls == "Softmax" else None
        text = _string(value)
        if text is not None:
            return text
        name = _last_name(value)
        return {"softmax_v2": "softmax"}.get(name, name) or "?"

    def input_shape(self) -> tuple[ast.expr, tuple[int | None, ...] | None] | None:
        """The node giving this layer's input shape and its value (None: not a literal)."""
        for key in ("shape", "input_shape", "batch_input_shape", "batch_shape"):
            value = _kwarg(self.node, key)
            if value is None and key == "shape" and self.cls == "Input" and self.node.args:
                value = self.node.args[0]
            if value is not None:
                shape = _shape(value)
                if shape is not None and key.startswith("batch"):
                    shape = shape[1:]
                return value, shape
        return None


class _Analysis:
    def __init__(self, submission: Submission, spec: ExerciseSpec) -> None:
        self.submission, self.spec = submission, spec
        self.cells = _parse(submission)
        self.facts = _Facts()
        for cell in self.cells:
            _Collector(cell, self.facts).visit(cell.tree)
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
        where: _Node | tuple[_Cell, int],
        kind: FindingKind = "mistake",
        also: tuple[str, ...] = (),
    ) -> None:
        if isinstance(where, _Node):
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
                value = _number(a.node.value, {})
                if isinstance(target, ast.Name) and value is not None:
                    values[target.id] = value
        return {k: v for k, v in values.items() if self.facts.stores.get(k) == 1}

    def calls_named(self, *names: str) -> list[_Node]:
        return [c for c in self.facts.calls if _last_name(c.node.func) in names]

    def method_calls(self, method: str) -> list[_Node]:
        """`<something>.method(...)` calls (fit, compile, evaluate)."""
        return [
            c
            for c in self.facts.calls
            if isinstance(c.node.func, ast.Attribute) and c.node.func.attr == method
        ]

    # -- callbacks -----------------------------------------------------------------------------

    def callback_classes(self) -> list[_Node]:
        """Classes that are, or try to be, Keras callbacks."""
        found = []
        for c in self.facts.classes:
            bases = [dotted(b) or _last_name(b) for b in c.node.bases]
            methods = self.methods(c.node)
            if any(b.endswith("Callback") for b in bases) or any(
                name in KERAS_HOOKS or _looks_like_epoch_end(name) for name in methods
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

    def in_callbacks(self, kind: type) -> Iterator[_Node]:
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
            if _has_star_kwargs(c.node):
                return None
            metrics = _argument(c.node, "metrics", 3)
            if metrics is None:
                continue
            if not isinstance(metrics, ast.List | ast.Tuple):
                return None
            for elt in metrics.elts:
                text = _string(elt)
                if text is None:
                    return None  # a metric object: its logged name is not read here
                names.add(text)
        return names

    def acc_is_wrong_key(self) -> bool:
        declared = self.metrics_declared()
        return bool(self.method_calls("compile")) and declared is not None and "acc" not in declared

    # -- the rules, one per mistake row --------------------------------------------------------

    def run(self) -> list[Finding]:
        rules = (
            self.rule_logs_acc,  # 1
            self.rule_history_acc,  # 2
            self.rule_stop_condition,  # 3, 21
            self.rule_message,  # 4, 5
            self.rule_epochs,  # 6
            self.rule_callbacks_in_fit,  # 7, 9
            self.rule_self_stop_training,  # 8
            self.rule_callback_class,  # 10, 11
            self.rule_name_visibility,  # 12
            self.rule_model,  # 13, 14, 15, 16
            self.rule_tf1,  # 17
            self.rule_normalization,  # 18
            self.rule_metrics,  # 19
            self.rule_test_set,  # 20
            self.rule_entry_point,  # 22
        )
        for rule in rules:
            rule()
        self.rule_colab()  # 23
        unique: dict[tuple[str, int | None, int], Finding] = {}
        order = {cell.number: cell.order for cell in self.cells}
        for finding in self.findings:
            unique.setdefault((finding.hint_id, finding.cell, finding.line), finding)
        return sorted(unique.values(), key=lambda f: (order.get(f.cell, -1), f.line, f.hint_id))

    def _metric_key(self, node: Any, aliases: dict[str, str] | None = None) -> str | None:
        """'accuracy' for `logs['accuracy']`, `logs.get('accuracy', 0)` or an alias of either."""
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            return _string(node.slice)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.args
        ):
            return _string(node.args[0])
        if isinstance(node, ast.Name) and aliases:
            return aliases.get(node.id)
        return None

    def rule_logs_acc(self) -> None:
        if not self.acc_is_wrong_key():
            return
        for item in [*self.in_callbacks(ast.Subscript), *self.in_callbacks(ast.Call)]:
            if self._metric_key(item.node) == "acc":
                self.add("acc_key", "runs", item, also=("early_stop", "stop_message"))

    def rule_history_acc(self) -> None:
        if not self.acc_is_wrong_key():
            return
        for item in self.facts.subscripts:
            node = item.node
            if (
                isinstance(node.value, ast.Attribute)
                and node.value.attr == "history"
                and _string(node.slice) in ("acc", "val_acc")
            ):
                self.add("history_acc_key", "runs", item)

    def _aliases(self, func: Any) -> dict[str, str]:
        """`acc = logs.get('accuracy')` inside a hook: `acc` stands for the metric."""
        aliases = {}
        for stmt in ast.walk(func):
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
                key = self._metric_key(stmt.value)
                if isinstance(target, ast.Name) and key is not None:
                    aliases[target.id] = key
        return aliases

    def rule_stop_condition(self) -> None:
        threshold = self.spec.accuracy_threshold
        if threshold is None:
            return
        for item in self.in_callbacks(ast.Compare):
            hook = item.funcs[-1] if item.funcs else None
            if hook is None or hook.name != "on_epoch_end":
                continue
            aliases = self._aliases(hook)
            node = item.node
            operands = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
                key_l, key_r = self._metric_key(left, aliases), self._metric_key(right, aliases)
                key = key_l or key_r
                if key is None:
                    continue
                if key == "loss" or key.startswith("val_"):
                    self.add(
                        "stop_condition",
                        "early_stop",
                        item,
                        also=("stop_message", "train_accuracy"),
                    )
                    continue
                if key not in ACC_KEYS:
                    continue
                value = _number(right if key_l else left, self.constants)
                if value is None:
                    continue
                strict = isinstance(op, ast.Gt) if key_l else isinstance(op, ast.Lt)
                if abs(value - threshold) > 1e-9:
                    self.add(
                        "stop_condition",
                        "early_stop",
                        item,
                        also=("stop_message", "train_accuracy"),
                    )
                elif strict:
                    self.add("greater_than", "early_stop", item, kind="note")

    def rule_message(self) -> None:
        expected = self.spec.stop_message
        if not expected or "stop_message" not in self.spec.points:
            return
        printed: list[tuple[str, _Node]] = []
        for item in self.in_callbacks(ast.Call):
            call = item.node
            if _last_name(call.func) != "print":
                continue
            parts = [_string(arg) for arg in call.args]
            if not parts or any(p is None for p in parts):
                return  # a computed message: only the run can tell what it prints
            printed.append((" ".join(p for p in parts if p is not None), item))
        # The stop_message check compares whole printed lines, stripped: a leading "\n" is fine.
        if not printed or any(
            expected in (line.strip() for line in text.split("\n")) for text, _ in printed
        ):
            return
        text, item = max(
            printed, key=lambda p: difflib.SequenceMatcher(a=expected, b=p[0].strip()).ratio()
        )
        if "/n" in text and expected in text.replace("/n", "\n").split("\n"):
            self.add("message_slash_n", "stop_message", item)
        elif difflib.SequenceMatcher(a=expected, b=text.strip()).ratio() >= 0.5:
            self.add("message_text", "stop_message", item)

    def rule_epochs(self) -> None:
        limit = self.spec.max_epochs
        for item in self.method_calls("fit"):
            value = _argument(item.node, "epochs", 3)
            epochs = _number(value, self.constants) if value is not None else None
            if epochs is not None and epochs > limit:
                self.add("epochs_limit", self.check("epoch_limit"), (item.cell, value.lineno))

    def rule_callbacks_in_fit(self) -> None:
        fits = self.method_calls("fit")
        given = [(f, _argument(f.node, "callbacks", 5)) for f in fits]
        if (
            "early_stop" in self.spec.points
            and fits
            and self.callback_classes()
            and not any(_has_star_kwargs(f.node) for f in fits)
            and all(
                v is None or (isinstance(v, ast.List | ast.Tuple) and not v.elts) for _, v in given
            )
        ):
            self.add("callback_not_passed", "early_stop", fits[-1], also=("stop_message",))
        for fit, value in given:
            if value is None:
                continue
            elements = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
            for elt in elements:
                where = self._class_reference(elt, fit)
                if where is not None:
                    self.add("callback_class_passed", "runs", where, also=("early_stop",))

    def _class_reference(self, node: Any, use: _Node) -> _Node | tuple[_Cell, int] | None:
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

    def rule_self_stop_training(self) -> None:
        for item in self.in_callbacks(ast.Attribute):
            node = item.node
            if (
                node.attr == "stop_training"
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
            ):
                self.add("self_stop_training", "early_stop", item, also=("stop_message",))

    def rule_callback_class(self) -> None:
        for c in self.callback_classes():
            node: ast.ClassDef = c.node
            methods = self.methods(node)
            bases = [dotted(b) for b in node.bases]
            if not bases or bases == ["object"]:
                self.add("callback_base_class", "runs", c, also=("early_stop",))
            hook = methods.get("on_epoch_end")
            if hook is None:
                for name, method in methods.items():
                    if _looks_like_epoch_end(name):
                        self.add(
                            "callback_signature",
                            "early_stop",
                            (c.cell, method.lineno),
                            also=("stop_message",),
                        )
                continue
            if not _accepts_epoch_and_logs(hook):
                self.add("callback_signature", "runs", (c.cell, hook.lineno), also=("early_stop",))

    def rule_name_visibility(self) -> None:
        """A class used where it is not defined (yet): nested in a function, or defined later."""
        for c in self.facts.classes:
            name = c.node.name
            loads = [u for u in self.facts.loads if u.node.id == name]
            if c.funcs:
                # Defined inside a function: not visible outside it.
                if name in self.facts.top_bindings:
                    continue
                outside = [
                    u for u in loads if c.funcs[-1] not in u.funcs and not self._bound_in(u, name)
                ]
                if outside:
                    self.add("name_not_defined", "runs", min(outside, key=lambda u: u.pos))
                continue
            if c.classes:
                continue
            defined = c.pos
            earlier = [p for p in self.facts.top_bindings.get(name, []) if p < defined]
            if earlier:
                continue
            needed = [u for u in loads if u.top_level and u.pos < defined]
            for call in self.facts.calls:
                if not call.top_level or call.pos >= defined:
                    continue
                called = call.node.func.id if isinstance(call.node.func, ast.Name) else ""
                needed += [
                    u
                    for u in loads
                    if u.funcs
                    and u.funcs[0].name == called
                    and not self._bound_in(u, name)
                    and self._is_top_function(u.funcs[0])
                ]
            if needed:
                self.add("name_not_defined", "runs", min(needed, key=lambda u: u.pos))

    def _is_top_function(self, func: Any) -> bool:
        return any(f.node is func and f.top_level for f in self.facts.functions)

    def _bound_in(self, use: _Node, name: str) -> bool:
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

    def models(self) -> list[list[_Layer]]:
        """Layer lists of `Sequential([...])` models and of `Sequential()` + `.add(...)`."""
        found = []
        for item in self.calls_named("Sequential"):
            call = item.node
            layers_arg = _argument(call, "layers", 0)
            if isinstance(layers_arg, ast.List | ast.Tuple):
                if all(isinstance(e, ast.Call) for e in layers_arg.elts) and layers_arg.elts:
                    found.append(
                        [_Layer(_last_name(e.func), e, item.cell) for e in layers_arg.elts]
                    )
                continue
            if layers_arg is not None:
                continue
            added = self._added_layers(item)
            if added:
                found.append(added)
        return found

    def _added_layers(self, sequential: _Node) -> list[_Layer] | None:
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
        return [_Layer(_last_name(c.node.args[0].func), c.node.args[0], c.cell) for c in adds]

    def rule_model(self) -> None:
        arch = self.spec.architecture
        want = tuple(arch.input_shape)
        reshaped = "reshape" in self.facts.identifiers or "Reshape" in self.facts.identifiers
        architecture = self.check("architecture")
        for layers in self.models():
            given = next((g for g in (layer.input_shape() for layer in layers) if g), None)
            shape_node, shape = given if given else (None, None)
            if shape_node is not None and shape is not None:
                fine = shape in (want, (*want, 1)) or (
                    reshaped and len(shape) == 1 and shape[0] == _product(want)
                )
                if not fine:
                    self.add(
                        "input_shape",
                        architecture,
                        (layers[0].cell, shape_node.lineno),
                        also=("runs",),
                    )
            dense = [i for i, layer in enumerate(layers) if layer.cls == "Dense"]
            if dense and all(layer.cls in _PASS_THROUGH for layer in layers[: dense[0]]):
                multi_dim = (
                    len(shape) >= 2 if shape is not None else (shape_node is None and not reshaped)
                )
                if multi_dim:
                    first = layers[dense[0]]
                    self.add(
                        "missing_flatten",
                        architecture,
                        (first.cell, first.node.lineno),
                        also=("runs",),
                    )
            last = self._output_layer(layers)
            if last is not None and last.units is not None and last.units != arch.output_units:
                self.add(
                    "output_units", architecture, (last.cell, last.node.lineno), also=("runs",)
                )
            if last is not None and self._final_activation(layers) == "softmax":
                logits = self._from_logits_true()
                if logits is not None:
                    self.add(
                        "softmax_and_logits",
                        self.check("compile", "architecture"),
                        logits,
                        kind="note",
                    )

    @staticmethod
    def _output_layer(layers: list[_Layer]) -> _Layer | None:
        for layer in reversed(layers):
            if layer.cls == "Dense":
                return layer
            if layer.cls not in ("Activation", "Softmax", "Dropout"):
                return None
        return None

    @staticmethod
    def _final_activation(layers: list[_Layer]) -> str | None:
        for layer in reversed(layers):
            if layer.cls == "Dropout":
                continue
            activation = layer.activation
            if layer.cls in ("Activation", "Softmax"):
                return activation
            return activation or "linear"
        return None

    def _from_logits_true(self) -> _Node | None:
        for item in self.facts.calls:
            value = _kwarg(item.node, "from_logits")
            if isinstance(value, ast.Constant) and value.value is True:
                return item
        return None

    # -- training set-up -----------------------------------------------------------------------

    def rule_tf1(self) -> None:
        for item in self.facts.attributes:
            if _TF1.match(dotted(item.node)):
                self.add("tf1_api", "runs", item)
        for item in self.facts.calls:
            if _last_name(item.node.func) in OPTIMIZERS and _kwarg(item.node, "lr") is not None:
                lr = _kwarg(item.node, "lr")
                self.add("tf1_api", "runs", (item.cell, lr.lineno if lr is not None else 0))

    def rule_normalization(self) -> None:
        loads = self.calls_named("load_data")
        if not loads or self.facts.has_255 or self.facts.has_division:
            return
        if self.facts.identifiers & _SCALING_NAMES:
            return
        self.add(
            "normalize_pixels",
            self.check("normalization", "train_accuracy"),
            loads[0],
            also=("early_stop", "train_accuracy", "test_accuracy", "stop_message"),
        )

    def rule_metrics(self) -> None:
        compiles = self.method_calls("compile")
        if not compiles or any(_has_star_kwargs(c.node) for c in compiles):
            return
        given = [(c, _argument(c.node, "metrics", 3)) for c in compiles]
        check = self.check("compile", "early_stop")
        also = ("runs", "early_stop", "stop_message", "train_accuracy")
        if all(value is None for _, value in given):
            self.add("missing_metrics", check, compiles[-1], also=also)
            return
        for item, value in given:
            if not isinstance(value, ast.List | ast.Tuple):
                continue
            names = [_string(e) for e in value.elts]
            if all(n is not None for n in names) and not ACC_KEYS & set(names):
                self.add("missing_metrics", check, (item.cell, value.lineno), also=also)

    def rule_test_set(self) -> None:
        def named(node: Any, word: str, other: str) -> bool:
            names = [n.lower() for n in _names_in(node)]
            return any(word in n for n in names) and not any(other in n for n in names)

        measured = "test_accuracy" in self.spec.points
        for item in self.method_calls("fit"):
            x = _argument(item.node, "x", 0)
            if x is not None and named(x, "test", "train"):
                self.add(
                    "train_on_test",
                    self.check("test_accuracy", "train_accuracy"),
                    (item.cell, x.lineno),
                    kind="mistake" if measured else "note",
                )
        evaluations = self.method_calls("evaluate")
        if measured and evaluations:
            xs = [_argument(e.node, "x", 0) for e in evaluations]
            if not any(x is not None and named(x, "test", "train") for x in xs):
                for item, x in zip(evaluations, xs, strict=True):
                    if x is not None and named(x, "train", "test"):
                        self.add("train_on_test", "test_accuracy", item, kind="note")
                        break

    def rule_entry_point(self) -> None:
        entry = self.spec.entry_point
        if not entry:
            return
        defined = [f for f in self.facts.functions if f.top_level and f.node.name == entry]
        if defined and not any(u.node.id == entry for u in self.facts.loads):
            self.add("entry_point_called", "runs", defined[-1], kind="note")

    def rule_colab(self) -> None:
        for line in self.submission.neutralised:
            self.findings.append(
                Finding("colab_lines", "runs", line.cell, line.line, line.text, "note")
            )


def _product(values: tuple[int, ...]) -> int:
    total = 1
    for v in values:
        total *= v
    return total


def _looks_like_epoch_end(name: str) -> bool:
    """`on_epoch_ends`, `on_epochs_end`, `onEpochEnd`: meant as `on_epoch_end`, never called."""
    if name in KERAS_HOOKS:
        return False
    squashed = name.lower().replace("_", "")
    return (
        squashed in ("onepochend", "onepochsend", "onepochends", "epochend")
        or difflib.SequenceMatcher(a="on_epoch_end", b=name).ratio() >= 0.85
    )


def _accepts_epoch_and_logs(hook: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Keras calls `callback.on_epoch_end(epoch, logs)`: two positional arguments after self."""
    args = hook.args
    positional = [*args.posonlyargs, *args.args]
    if args.vararg is not None:
        return len(positional) - len(args.defaults) <= 3
    required = len(positional) - len(args.defaults)
    return len(positional) >= 3 and required <= 3


def find_mistakes(submission: Submission, spec: ExerciseSpec) -> tuple[Finding, ...]:
    """Every static finding in the submission, in reading order (cells top to bottom)."""
    from grader.imports_check import find_import_problems
    from grader.starter import find_unfilled_starter

    found = _Analysis(submission, spec).run()
    found += find_import_problems(submission, spec) + find_unfilled_starter(submission, spec)
    return tuple(sorted(found, key=lambda f: (f.cell or 0, f.line)))  # stable: rules' order
