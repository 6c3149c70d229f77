"""Mutation operators on the model: layers dropped, units, activations, the input shape."""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from grader.selftest.edits import (
    Edit,
    called_name,
    calls_named,
    keyword,
    layer_list,
    layer_type,
    number,
    one,
    positional,
    same_quotes,
    swap_one,
)
from grader.spec.exercise import ExerciseSpec
from grader.spec.pattern import ANY


def _aligned(module: cst.Module, spec: ExerciseSpec) -> list[tuple[int, list[cst.Element]]]:
    """The reference's layers aligned with the spec's pattern, in order: (pattern index, the
    elements it covers). A "one or more" entry covers the run of its type, leaving what the
    next entries of the same type need."""
    elements = [e for e in layer_list(module) if layer_type(e) not in ("Input", "InputLayer")]
    pattern = spec.architecture.layers
    aligned, at = [], 0
    for index, layer in enumerate(pattern):
        while at < len(elements) and layer_type(elements[at]) != layer.type:
            at += 1
        if at == len(elements):
            break
        run = at
        while run < len(elements) and layer_type(elements[run]) == layer.type:
            run += 1
        after = sum(1 for p in pattern[index + 1 :] if p.type == layer.type)
        take = 1 if layer.repeat in ("once", "optional") else max(1, run - at - after)
        aligned.append((index, elements[at : at + take]))
        at += take
    return aligned


def drop_layers(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    edits = []
    pattern = spec.architecture.layers
    for index, covered in _aligned(module, spec):
        layer = pattern[index]
        if layer.repeat in ("optional", "any number"):
            continue
        changed = _without_elements(module, covered)
        role = "output " if index == len(pattern) - 1 else ""
        edits += one(
            f"{layer.type.lower()}_{index + 1}",
            f"the {role}{layer.type} layer ({layer.describe()}) dropped",
            changed,
        )
    return edits


def _without_elements(module: cst.Module, dropped: list[cst.Element]) -> cst.Module:
    """The module with `dropped` taken out of their list; a dropped last element leaves its
    comma and line break to the element before it, so the closing bracket stays in place."""
    for node in m.findall(module, m.List()):
        assert isinstance(node, cst.List)
        if any(e is dropped[0] for e in node.elements):
            kept = [e for e in node.elements if not any(e is d for d in dropped)]
            if kept and node.elements[-1] is dropped[-1]:
                kept[-1] = kept[-1].with_changes(comma=dropped[-1].comma)
            return swap_one(module, node, node.with_changes(elements=kept))
    return module


def _output(module: cst.Module, spec: ExerciseSpec) -> cst.Call | None:
    aligned = _aligned(module, spec)
    if not aligned or aligned[-1][0] != len(spec.architecture.layers) - 1:
        return None
    value = aligned[-1][1][-1].value
    return value if isinstance(value, cst.Call) else None


def output_units(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    units, call = spec.architecture.output_units, _output(module, spec)
    if call is None or units is None or units < 2:
        return []
    arg = keyword(call, "units") or positional(call, 0)
    if arg is None or number(arg.value) != units:
        return []
    new = arg.with_changes(value=cst.Integer(str(units - 1)))
    return one("", f"{units - 1} output units instead of {units}", swap_one(module, arg, new))


def _activation_edit(module: cst.Module, call: cst.Call, to: str) -> cst.Module | None:
    arg = keyword(call, "activation")
    if arg is None or not isinstance(arg.value, cst.SimpleString):
        return None
    return swap_one(module, arg.value, same_quotes(arg.value, to))


def activations(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    """Every layer whose pattern names an activation gets another one."""
    edits = []
    pattern = spec.architecture.layers
    for index, covered in _aligned(module, spec):
        wanted = pattern[index].activation
        call = covered[0].value
        if wanted == ANY or not isinstance(call, cst.Call):
            continue
        other = "sigmoid" if wanted != "sigmoid" else "relu"
        changed = _activation_edit(module, call, other)
        if changed is not None:
            edits += one(
                f"{pattern[index].type.lower()}_{index + 1}",
                f"{pattern[index].type} with {other} instead of {wanted}",
                changed,
            )
    return edits


def input_shape(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    shape = list(spec.architecture.input_shape)
    flat = 1
    for size in shape:
        flat *= size
    other = [flat] if len(shape) == 2 else shape[:-1]  # the flat size; the channel left out
    text = "(" + ", ".join(map(str, other)) + ("," if len(other) == 1 else "") + ")"
    for call in calls_named(module, "Input", "InputLayer", *_layer_types(spec)):
        arg = keyword(call, "shape") or keyword(call, "input_shape")
        if arg is None and called_name(call) in ("Input", "InputLayer"):
            arg = positional(call, 0)
        if arg is not None and isinstance(arg.value, cst.Tuple | cst.List):
            new = arg.with_changes(value=cst.parse_expression(text))
            return one("", f"input shape {text} instead of the spec's", swap_one(module, arg, new))
    return []


def _layer_types(spec: ExerciseSpec) -> tuple[str, ...]:
    return tuple({p.type for p in spec.architecture.layers})


def class_name_case(module: cst.Module, spec: ExerciseSpec) -> list[Edit]:
    for element in layer_list(module):
        call = element.value
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute):
            name = call.func.attr.value
            if name[:1].isupper() and name not in ("Input", "InputLayer"):
                func = call.func.with_changes(attr=cst.Name(name.lower()))
                return one("", f"`{name.lower()}` for `{name}`", swap_one(module, call.func, func))
    return []
