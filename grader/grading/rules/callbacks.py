"""Static rules about the callback: the metric key, the stop condition, the message, passing it
to `fit`, its class and hook (mistake rows 1-5, 7-12)."""

from __future__ import annotations

import ast
import difflib

from grader.grading.rules.analysis import Analysis
from grader.grading.rules.nodes import (
    ACC_KEYS,
    accepts_epoch_and_logs,
    argument,
    dotted,
    has_star_kwargs,
    last_name,
    looks_like_epoch_end,
    number,
    string,
)
from grader.grading.rules.rule import rule
from grader.grading.rules.syntax import Node


@rule(
    "logs_acc",
    "runs",
    ("acc_key",),
    "the callback reads `logs['acc']` (or `.get('acc')`) while compile logs 'accuracy'",
)
def logs_acc(a: Analysis) -> None:
    if not a.acc_is_wrong_key():
        return
    for item in [*a.in_callbacks(ast.Subscript), *a.in_callbacks(ast.Call)]:
        if a.metric_key(item.node) == "acc":
            a.add("acc_key", "runs", item, also=("early_stop", "stop_message"))


@rule(
    "history_acc",
    "runs",
    ("history_acc_key",),
    "`history.history['acc']` while compile logs 'accuracy'",
)
def history_acc(a: Analysis) -> None:
    if not a.acc_is_wrong_key():
        return
    for item in a.facts.subscripts:
        node = item.node
        if (
            isinstance(node.value, ast.Attribute)
            and node.value.attr == "history"
            and string(node.slice) in ("acc", "val_acc")
        ):
            a.add("history_acc_key", "runs", item)


@rule(
    "stop_condition",
    "early_stop",
    (
        "stop_condition",
        "greater_than",
    ),
    "on_epoch_end compares the loss, a validation metric or a number other than "
    "{threshold_value}; `>` noted",
)
def stop_condition(a: Analysis) -> None:
    threshold = a.spec.accuracy_threshold
    if threshold is None:
        return
    for item in a.in_callbacks(ast.Compare):
        hook = item.funcs[-1] if item.funcs else None
        if hook is None or hook.name != "on_epoch_end":
            continue
        aliases = a.aliases(hook)
        node = item.node
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
            key_l, key_r = a.metric_key(left, aliases), a.metric_key(right, aliases)
            key = key_l or key_r
            if key is None:
                continue
            if key == "loss" or key.startswith("val_"):
                a.add(
                    "stop_condition",
                    "early_stop",
                    item,
                    also=("stop_message", "train_accuracy"),
                )
                continue
            if key not in ACC_KEYS:
                continue
            value = number(right if key_l else left, a.constants)
            if value is None:
                continue
            strict = isinstance(op, ast.Gt) if key_l else isinstance(op, ast.Lt)
            if abs(value - threshold) > 1e-9:
                a.add(
                    "stop_condition",
                    "early_stop",
                    item,
                    also=("stop_message", "train_accuracy"),
                )
            elif strict:
                a.add("greater_than", "early_stop", item, kind="note")


@rule(
    "message",
    "stop_message",
    (
        "message_slash_n",
        "message_text",
    ),
    "the callback prints a near miss of: {stop_message}",
)
def message(a: Analysis) -> None:
    expected = a.spec.stop_message
    if not expected or "stop_message" not in a.spec.points:
        return
    printed: list[tuple[str, Node]] = []
    for item in a.in_callbacks(ast.Call):
        call = item.node
        if last_name(call.func) != "print":
            continue
        parts = [string(arg) for arg in call.args]
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
        a.add("message_slash_n", "stop_message", item)
    elif difflib.SequenceMatcher(a=expected, b=text.strip()).ratio() >= 0.5:
        a.add("message_text", "stop_message", item)


@rule(
    "callbacks_in_fit",
    "early_stop",
    (
        "callback_not_passed",
        "callback_class_passed",
    ),
    "a callback class is defined but not passed to `fit`, or passed as a class",
)
def callbacks_in_fit(a: Analysis) -> None:
    fits = a.method_calls("fit")
    given = [(f, argument(f.node, "callbacks", 5)) for f in fits]
    if (
        "early_stop" in a.spec.points
        and fits
        and a.callback_classes()
        and not any(has_star_kwargs(f.node) for f in fits)
        and all(v is None or (isinstance(v, ast.List | ast.Tuple) and not v.elts) for _, v in given)
    ):
        a.add("callback_not_passed", "early_stop", fits[-1], also=("stop_message",))
    for fit, value in given:
        if value is None:
            continue
        elements = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
        for elt in elements:
            where = a.class_reference(elt, fit)
            if where is not None:
                a.add("callback_class_passed", "runs", where, also=("early_stop",))


@rule(
    "self_stop_training",
    "early_stop",
    ("self_stop_training",),
    "`self.stop_training = True` instead of `self.model.stop_training`",
)
def self_stop_training(a: Analysis) -> None:
    for item in a.in_callbacks(ast.Attribute):
        node = item.node
        if (
            node.attr == "stop_training"
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            a.add("self_stop_training", "early_stop", item, also=("stop_message",))


@rule(
    "callback_class",
    "runs",
    (
        "callback_base_class",
        "callback_signature",
    ),
    "the callback does not subclass Callback, or its hook is misspelled or mis-signed",
)
def callback_class(a: Analysis) -> None:
    for c in a.callback_classes():
        node: ast.ClassDef = c.node
        methods = a.methods(node)
        bases = [dotted(b) for b in node.bases]
        if not bases or bases == ["object"]:
            a.add("callback_base_class", "runs", c, also=("early_stop",))
        hook = methods.get("on_epoch_end")
        if hook is None:
            for name, method in methods.items():
                if looks_like_epoch_end(name):
                    a.add(
                        "callback_signature",
                        "early_stop",
                        (c.cell, method.lineno),
                        also=("stop_message",),
                    )
            continue
        if not accepts_epoch_and_logs(hook):
            a.add("callback_signature", "runs", (c.cell, hook.lineno), also=("early_stop",))


@rule(
    "name_visibility",
    "runs",
    ("name_not_defined",),
    "a class used where it is not defined: nested in a function, or defined later",
)
def name_visibility(a: Analysis) -> None:
    """A class used where it is not defined (yet): nested in a function, or defined later."""
    for c in a.facts.classes:
        name = c.node.name
        loads = [u for u in a.facts.loads if u.node.id == name]
        if c.funcs:
            # Defined inside a function: not visible outside it.
            if name in a.facts.top_bindings:
                continue
            outside = [u for u in loads if c.funcs[-1] not in u.funcs and not a.bound_in(u, name)]
            if outside:
                a.add("name_not_defined", "runs", min(outside, key=lambda u: u.pos))
            continue
        if c.classes:
            continue
        defined = c.pos
        earlier = [p for p in a.facts.top_bindings.get(name, []) if p < defined]
        if earlier:
            continue
        needed = [u for u in loads if u.top_level and u.pos < defined]
        for call in a.facts.calls:
            if not call.top_level or call.pos >= defined:
                continue
            called = call.node.func.id if isinstance(call.node.func, ast.Name) else ""
            needed += [
                u
                for u in loads
                if u.funcs
                and u.funcs[0].name == called
                and not a.bound_in(u, name)
                and a.is_top_function(u.funcs[0])
            ]
        if needed:
            a.add("name_not_defined", "runs", min(needed, key=lambda u: u.pos))
