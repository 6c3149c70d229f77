"""What the static rules know about Keras code: names, literal values, layers, hooks.

Pure helpers over `ast` nodes; nothing here imports TensorFlow or runs student code.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass
from typing import Any

from grader.grading.evidence import ACCURACY_KEYS
from grader.grading.rules.syntax import Cell

# -- names the rules know ----------------------------------------------------------------------

ACC_KEYS = frozenset(ACCURACY_KEYS)  # the metric names that mean accuracy: one home, evidence
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
TF1 = re.compile(
    r"^(tf|tensorflow)\.((compat\.v1\.)?train\.\w*Optimizer|"
    r"Session|InteractiveSession|placeholder|global_variables_initializer)$"
)
# Layers that neither flatten nor reshape: a Dense after only these still sees 28x28 images.
PASS_THROUGH = frozenset(
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
SCALING_NAMES = frozenset(
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


def last_name(node: Any) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def has_star_kwargs(call: ast.Call) -> bool:
    return any(k.arg is None for k in call.keywords) or any(
        isinstance(a, ast.Starred) for a in call.args
    )


def argument(call: ast.Call, name: str, position: int) -> ast.expr | None:
    """An argument given by keyword or at its (0-based) position."""
    value = kwarg(call, name)
    if value is None and len(call.args) > position:
        arg = call.args[position]
        value = None if isinstance(arg, ast.Starred) else arg
    return value


def number(node: Any, constants: dict[str, float]) -> float | None:
    """The value of a numeric literal, a simple constant expression or a module constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return None if isinstance(node.value, bool) else float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = number(node.operand, constants)
        return -value if value is not None else None
    if isinstance(node, ast.BinOp):
        left, right = number(node.left, constants), number(node.right, constants)
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


def string(node: Any) -> str | None:
    """A string literal, or an f-string without placeholders; None for anything computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and all(
        isinstance(v, ast.Constant) and isinstance(v.value, str) for v in node.values
    ):
        return "".join(v.value for v in node.values)  # type: ignore[attr-defined]
    return None


def shape_of(node: Any) -> tuple[int | None, ...] | None:
    if isinstance(node, ast.Tuple | ast.List):
        dims = []
        for elt in node.elts:
            if isinstance(elt, ast.Constant) and (elt.value is None or isinstance(elt.value, int)):
                dims.append(elt.value)
            else:
                return None
        return tuple(dims)
    return None


def names_in(node: Any) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} if node is not None else set()


# -- the analysis ------------------------------------------------------------------------------


@dataclass
class Layer:
    type: str
    node: ast.Call
    cell: Cell

    @property
    def units(self) -> int | None:
        value = argument(self.node, "units", 0) if self.type == "Dense" else None
        if isinstance(value, ast.Constant) and isinstance(value.value, int):
            return value.value
        return None

    @property
    def activation(self) -> str | None:
        value = kwarg(self.node, "activation")
        if value is None and self.type == "Dense" and len(self.node.args) > 1:
            value = self.node.args[1]
        if value is None and self.type == "Activation" and self.node.args:
            value = self.node.args[0]
        if value is None:
            return "softmax" if self.type == "Softmax" else None
        text = string(value)
        if text is not None:
            return text
        name = last_name(value)
        return {"softmax_v2": "softmax"}.get(name, name) or "?"

    def input_shape(self) -> tuple[ast.expr, tuple[int | None, ...] | None] | None:
        """The node giving this layer's input shape and its value (None: not a literal)."""
        for key in ("shape", "input_shape", "batch_input_shape", "batch_shape"):
            value = kwarg(self.node, key)
            if value is None and key == "shape" and self.type == "Input" and self.node.args:
                value = self.node.args[0]
            if value is not None:
                shape = shape_of(value)
                if shape is not None and key.startswith("batch"):
                    shape = shape[1:]
                return value, shape
        return None


def product(values: tuple[int, ...]) -> int:
    total = 1
    for v in values:
        total *= v
    return total


def looks_like_epoch_end(name: str) -> bool:
    """`on_epoch_ends`, `on_epochs_end`, `onEpochEnd`: meant as `on_epoch_end`, never called."""
    if name in KERAS_HOOKS:
        return False
    squashed = name.lower().replace("_", "")
    return (
        squashed in ("onepochend", "onepochsend", "onepochends", "epochend")
        or difflib.SequenceMatcher(a="on_epoch_end", b=name).ratio() >= 0.85
    )


def accepts_epoch_and_logs(hook: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Keras calls `callback.on_epoch_end(epoch, logs)`: two positional arguments after self."""
    args = hook.args
    positional = [*args.posonlyargs, *args.args]
    if args.vararg is not None:
        return len(positional) - len(args.defaults) <= 3
    required = len(positional) - len(args.defaults)
    return len(positional) >= 3 and required <= 3
