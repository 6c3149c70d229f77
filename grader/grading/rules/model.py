"""Static rules about the model (mistake rows 13-16), read against the exercise's layer pattern:
the declared input shape, a missing Flatten, the output units, softmax with `from_logits=True`."""

from __future__ import annotations

from grader.grading.rules.analysis import Analysis
from grader.grading.rules.nodes import PASS_THROUGH, Layer, product
from grader.grading.rules.rule import rule


def _declared_shape(layers: list[Layer]) -> tuple[object, tuple[int | None, ...] | None]:
    """The node declaring the model's input shape and its literal value (None, None: none)."""
    given = next((g for g in (layer.input_shape() for layer in layers) if g), None)
    return given if given else (None, None)


def _reshaped(a: Analysis) -> bool:
    return "reshape" in a.facts.identifiers or "Reshape" in a.facts.identifiers


@rule(
    "input_shape",
    "architecture",
    ("input_shape",),
    "the model declares an input shape other than {input_shape}",
)
def input_shape(a: Analysis) -> None:
    want = tuple(a.spec.architecture.input_shape)
    flat_ok = want[-1:] != (1,)  # a flat input + Reshape fits a dense task, not a conv one
    for layers in a.models():
        node, shape = _declared_shape(layers)
        if node is None or shape is None:
            continue
        fine = shape in (want, (*want, 1)) or (
            flat_ok and _reshaped(a) and len(shape) == 1 and shape[0] == product(want)
        )
        if not fine:
            line = node.lineno  # type: ignore[attr-defined]
            a.add("input_shape", a.check("architecture"), (layers[0].cell, line), also=("runs",))


@rule(
    "missing_flatten",
    "architecture",
    ("missing_flatten",),
    "a Dense layer sees whole images: no Flatten before it, as {network} asks",
)
def missing_flatten(a: Analysis) -> None:
    if "Flatten" not in a.spec.architecture.types:
        return
    for layers in a.models():
        node, shape = _declared_shape(layers)
        dense = [i for i, layer in enumerate(layers) if layer.type == "Dense"]
        if not dense or not all(layer.type in PASS_THROUGH for layer in layers[: dense[0]]):
            continue
        multi_dim = len(shape) >= 2 if shape is not None else (node is None and not _reshaped(a))
        if multi_dim:
            first = layers[dense[0]]
            a.add(
                "missing_flatten",
                a.check("architecture"),
                (first.cell, first.node.lineno),
                also=("runs",),
            )


@rule(
    "output_units",
    "architecture",
    ("output_units",),
    "the last Dense layer has other than {output_units} units",
)
def output_units(a: Analysis) -> None:
    want = a.spec.architecture.output_units
    for layers in a.models():
        last = a.output_layer(layers)
        if last is not None and want is not None and last.units not in (None, want):
            a.add(
                "output_units",
                a.check("architecture"),
                (last.cell, last.node.lineno),
                also=("runs",),
            )


@rule(
    "softmax_and_logits",
    "compile",
    ("softmax_and_logits",),
    "a softmax output with a loss that says from_logits=True",
)
def softmax_and_logits(a: Analysis) -> None:
    for layers in a.models():
        last = a.output_layer(layers)
        if last is not None and a.final_activation(layers) == "softmax":
            logits = a.from_logits_true()
            if logits is not None:
                a.add("softmax_and_logits", a.check("compile", "architecture"), logits, kind="note")
