"""Mutation operators on training: epochs, arguments, scaling, loss, optimizer, metrics, data,
imports."""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from grader.selftest.edits import (
    Edit,
    called_name,
    calls_named,
    fit_calls,
    keyword,
    number,
    one,
    positional,
    same_quotes,
    source_of,
    string_value,
    swap,
    swap_one,
    without_arg,
)
from grader.spec.exercise import ExerciseSpec


def epochs_raised(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    more = spec.max_epochs + 5
    changes = {}
    for call in fit_calls(module):
        arg = keyword(call, "epochs")
        if arg is not None and number(arg.value) is not None:
            changes[arg.value] = cst.Integer(str(more))
    if not changes:
        return []
    return one("", f"`epochs={more}` (the limit is {spec.max_epochs})", swap(module, changes))


def nb_epoch(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    for call in fit_calls(module):
        arg = keyword(call, "epochs")
        if arg is not None and arg.keyword is not None:
            new = arg.with_changes(keyword=cst.Name("nb_epoch"))
            return one("", "Keras 1's `nb_epoch=` for `epochs=`", swap_one(module, arg, new))
    return []


def scaling_removed(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    found = [
        n
        for n in m.findall(module, m.BinaryOperation(operator=m.Divide()))
        if isinstance(n, cst.BinaryOperation) and number(n.right) == 255
    ]
    if not found:
        return []
    changes = {n: n.left for n in found}
    return one("", "pixels left at 0-255 (no `/ 255`)", swap(module, changes))


def _compile_arg(module: cst.Module, name: str) -> cst.Arg | None:
    for call in calls_named(module, "compile"):
        if (arg := keyword(call, name)) is not None:
            return arg
    return None


def loss_changed(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    arg = _compile_arg(module, "loss")
    if arg is None or string_value(arg.value) != "sparse_categorical_crossentropy":
        return []
    assert isinstance(arg.value, cst.SimpleString)
    new = same_quotes(arg.value, "categorical_crossentropy")
    return one(
        "", "`categorical_crossentropy` for integer labels", swap_one(module, arg.value, new)
    )


def optimizer_changed(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    arg = _compile_arg(module, "optimizer")
    if arg is None or not isinstance(arg.value, cst.SimpleString):
        return []
    other = "sgd" if string_value(arg.value) != "sgd" else "rmsprop"
    new = same_quotes(arg.value, other)
    return one(
        "",
        f"optimizer `{other}` instead of `{string_value(arg.value)}`",
        swap_one(module, arg.value, new),
    )


def _tf_alias(module: cst.Module) -> str:
    return "tf" if "import tensorflow as tf" in module.code else ""


def optimizer_tf1(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    arg = _compile_arg(module, "optimizer")
    if arg is None or string_value(arg.value) != "adam" or not _tf_alias(module):
        return []
    new = arg.with_changes(value=cst.parse_expression("tf.keras.optimizers.Adam(lr=0.001)"))
    return one("", "`Adam(lr=0.001)`, the TensorFlow 1 argument", swap_one(module, arg, new))


def optimizer_class(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    arg = _compile_arg(module, "optimizer")
    if arg is None or string_value(arg.value) != "adam" or not _tf_alias(module):
        return []
    new = arg.with_changes(value=cst.parse_expression("tf.keras.optimizers.Adam"))
    return one("", "the optimizer class without `()`", swap_one(module, arg, new))


def metrics_removed(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    for call in calls_named(module, "compile"):
        if (arg := keyword(call, "metrics")) is not None:
            return one(
                "", "`compile` without `metrics=`", swap_one(module, call, without_arg(call, arg))
            )
    return []


def import_removed(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine) and source_of(statement).strip() == (
            "import tensorflow as tf"
        ):
            return one(
                "",
                "`import tensorflow as tf` left out",
                swap_one(module, statement, cst.RemoveFromParent()),
            )
    return []


def other_data(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    """`fit` given the test split that `load_data()` returned beside the training one."""
    test_names: list[str] = []
    for node in m.findall(module, m.Assign(value=m.Call())):
        assert isinstance(node, cst.Assign)
        if not (isinstance(node.value, cst.Call) and called_name(node.value) == "load_data"):
            continue
        target = node.targets[0].target
        if isinstance(target, cst.Tuple) and len(target.elements) == 2:
            second = target.elements[1].value
            if isinstance(second, cst.Tuple):
                test_names = [source_of(e.value) for e in second.elements]
    if len(test_names) != 2 or "_" in test_names:
        return []
    for call in fit_calls(module):
        x, y = positional(call, 0), positional(call, 1)
        if x is not None and y is not None:
            changes = {x.value: cst.Name(test_names[0]), y.value: cst.Name(test_names[1])}
            return one(
                "", f"`fit` on {', '.join(test_names)} (the test split)", swap(module, changes)
            )
    return []
