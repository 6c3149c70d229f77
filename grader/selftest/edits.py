"""LibCST helpers the mutation operators share: find nodes of the reference, and replace or
remove exactly those nodes, so that everything else keeps its formatting and comments."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m


@dataclass(frozen=True)
class Edit:
    """One mutant an operator made: a suffix for its id, what it changed, the new module."""

    suffix: str
    detail: str
    module: cst.Module


def one(suffix: str, detail: str, module: cst.Module) -> list[Edit]:
    return [Edit(suffix, detail, module)]


# A node stands for itself (LibCST nodes compare by value, so two equal strings would merge).
Replacement = cst.CSTNode | cst.RemovalSentinel


class _Swap(cst.CSTTransformer):
    def __init__(self, changes: Mapping[int, Replacement]) -> None:
        super().__init__()
        self.changes = changes

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Replacement:  # type: ignore[override]
        return self.changes.get(id(original_node), updated_node)


def swap(module: cst.Module, changes: Mapping[cst.CSTNode, Replacement]) -> cst.Module:
    """The module with each key node replaced by its value (`cst.RemoveFromParent()` removes)."""
    by_identity = {id(node): new for node, new in changes.items()}
    result = module.visit(_Swap(by_identity))
    assert isinstance(result, cst.Module)
    return result


def swap_one(module: cst.Module, old: cst.CSTNode, new: Replacement) -> cst.Module:
    return swap(module, {old: new})


def called_name(call: cst.Call) -> str:
    """The last name of what is called: `tf.keras.layers.Dense(...)` -> "Dense"."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return ""


def calls_named(node: cst.CSTNode, *names: str) -> list[cst.Call]:
    """Every call of one of `names` under `node`, in reading order."""
    found = m.findall(node, m.Call())
    return [c for c in found if isinstance(c, cst.Call) and called_name(c) in names]


def fit_calls(module: cst.Module) -> list[cst.Call]:
    return calls_named(module, "fit")


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def positional(call: cst.Call, index: int) -> cst.Arg | None:
    plain = [a for a in call.args if a.keyword is None and not a.star]
    return plain[index] if index < len(plain) else None


def without_arg(call: cst.Call, arg: cst.Arg) -> cst.Call:
    """The call without `arg`; the comma before a removed last argument goes with it."""
    args = [a for a in call.args if a is not arg]
    if args and call.args[-1] is arg:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return call.with_changes(args=args)


def number(node: cst.BaseExpression) -> float | None:
    if isinstance(node, cst.Integer | cst.Float):
        return float(node.evaluated_value)
    return None


def strings(node: cst.CSTNode) -> Iterator[cst.SimpleString]:
    for found in m.findall(node, m.SimpleString()):
        if isinstance(found, cst.SimpleString):
            yield found


def string_value(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def same_quotes(node: cst.SimpleString, text: str) -> cst.SimpleString:
    """A string literal holding `text`, written with the node's own prefix and quotes."""
    quote = node.quote
    return node.with_changes(value=f"{node.prefix}{quote}{text}{quote}")


def callback_classes(module: cst.Module) -> list[cst.ClassDef]:
    """Classes whose bases name a `Callback` (the student's stopping callbacks)."""
    found = []
    for node in m.findall(module, m.ClassDef()):
        if isinstance(node, cst.ClassDef) and any(
            "Callback" in cst.Module([]).code_for_node(base.value) for base in node.bases
        ):
            found.append(node)
    return found


def source_of(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def layer_list(module: cst.Module) -> list[cst.Element]:
    """The elements of the first `Sequential([...])` list: the model's layers as written."""
    for call in calls_named(module, "Sequential"):
        first = positional(call, 0)
        if first is not None and isinstance(first.value, cst.List):
            return list(first.value.elements)
    return []


def layer_type(element: cst.Element) -> str:
    return called_name(element.value) if isinstance(element.value, cst.Call) else ""
