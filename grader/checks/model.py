"""`architecture` and `compile`: is the model the one the task asks for, set up to learn?"""

from __future__ import annotations

import re

from grader.checks.base import CheckContext, Verdict, failed, passed, skipped
from grader.evaluate import LayerInfo
from grader.exercises import ArchitectureSpec

SPARSE_LOSSES = {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"}
ACCURACY_METRICS = {"accuracy", "acc", "sparse_categorical_accuracy", "SparseCategoricalAccuracy"}
_STRUCTURAL = {"InputLayer", "Dropout", "BatchNormalization"}


def _layers(ctx: CheckContext) -> tuple[LayerInfo, ...]:
    return tuple(layer for layer in ctx.measurement.layers if layer.cls != "InputLayer")


def layer_table(layers: tuple[LayerInfo, ...]) -> list[dict[str, object]]:
    return [
        {
            "class": layer.cls,
            "units": layer.units,
            "activation": layer.activation,
            "output_shape": list(layer.output_shape) if layer.output_shape else None,
        }
        for layer in layers
    ]


def _row(cls: str, units: int | None, activation: str | None, shape: list | None) -> dict:
    return {"class": cls, "units": units, "activation": activation, "output_shape": shape}


def compare_layers(
    layers: tuple[LayerInfo, ...],
    arch: ArchitectureSpec,
    from_logits: bool = False,
    input_shape: tuple[int | None, ...] | None = None,
) -> list[dict[str, object]]:
    """The model side by side with the expected one: one row per layer, expected vs got.

    Rows: `role` (input, flatten, hidden, output, extra), `expected` and `got` (class, units,
    activation, output shape; None when the layer is missing or not part of the expected model),
    `match`, and `differs` (the fields that do not match). Hidden units are free (`units` None
    expected); an output of logits matches when the loss says `from_logits=True`; extra layers
    (Dropout, a second hidden Dense) are allowed and match.
    """
    flat = 1
    for dim in arch.input_shape:
        flat *= dim
    out_activation = "linear" if from_logits else "softmax"
    expected = {
        "flatten": _row("Flatten", None, None, [None, flat]),
        "hidden": _row("Dense", None, arch.hidden_activation, None),
        "output": _row("Dense", arch.output_units, out_activation, [None, arch.output_units]),
    }
    dense = [i for i, layer in enumerate(layers) if layer.cls == "Dense"]
    out_i = dense[-1] if dense else None
    first_dense = dense[0] if dense else len(layers)
    hidden = dense[:-1]
    hid_i = next(
        (i for i in hidden if layers[i].activation == arch.hidden_activation),
        hidden[0] if hidden else None,
    )
    flat_i = next((i for i in range(first_dense) if layers[i].cls in ("Flatten", "Reshape")), None)

    def missing(role: str) -> dict[str, object]:
        return {
            "role": role,
            "expected": expected[role],
            "got": None,
            "match": False,
            "differs": ["class"],
        }

    def compared(role: str, layer: LayerInfo) -> dict[str, object]:
        shape = list(layer.output_shape) if layer.output_shape else None
        got = _row(layer.cls, layer.units, layer.activation, shape)
        want = dict(expected[role])
        if role == "hidden":
            want["output_shape"] = [None, layer.units]
        differs = [
            key
            for key in ("class", "units", "activation", "output_shape")
            if want[key] is not None and want[key] != got[key]
        ]
        if role == "output" and "activation" in differs and layer.activation == "softmax":
            differs.remove("activation")  # softmax with from_logits=True: a warning elsewhere
        return {
            "role": role,
            "expected": want,
            "got": got,
            "match": not differs,
            "differs": differs,
        }

    rows: list[dict[str, object]] = []
    if input_shape is not None:
        want_shape = [None, *arch.input_shape]
        got_shape = list(input_shape)
        fine = got_shape in (want_shape, [*want_shape, 1])
        rows.append(
            {
                "role": "input",
                "expected": _row("Input", None, None, want_shape),
                "got": _row("Input", None, None, got_shape),
                "match": fine,
                "differs": [] if fine else ["output_shape"],
            }
        )
    if flat_i is None:
        rows.append(missing("flatten"))
    for i, layer in enumerate(layers):
        if i == out_i and hid_i is None:
            rows.append(missing("hidden"))
        if i == flat_i:
            rows.append(compared("flatten", layer))
        elif i == hid_i:
            rows.append(compared("hidden", layer))
        elif i == out_i:
            rows.append(compared("output", layer))
        else:
            shape = list(layer.output_shape) if layer.output_shape else None
            flat_enough = layer.cls != "Dense" or not shape or len(shape) <= 2
            rows.append(
                {
                    "role": "extra",
                    "expected": None,
                    "got": _row(layer.cls, layer.units, layer.activation, shape),
                    "match": flat_enough,
                    "differs": [] if flat_enough else ["output_shape"],
                }
            )
    if out_i is None:
        rows += [missing("hidden"), missing("output")]
    return rows


def describe_layer(layer: LayerInfo) -> str:
    """`Dense(512, relu)`, `Flatten`: a layer as a student would write it."""
    args = [str(a) for a in (layer.units, layer.activation) if a is not None]
    return f"{layer.cls}({', '.join(args)})" if args else layer.cls


_NEVER_BUILT = re.compile(
    r"no defined inputs|has no layers|has not (yet )?been built|never been built", re.IGNORECASE
)


def architecture(ctx: CheckContext) -> Verdict:
    m, arch = ctx.measurement, ctx.spec.architecture
    if not m.layers:
        if ctx.evidence.model_saved and (not m.error or _NEVER_BUILT.search(m.error)):
            # A model with no layers (the starter's empty `Sequential([...])`): nothing to load.
            return failed("the model was never built: it has no layers", "model_not_built")
        if ctx.evidence.model_saved or m.error:
            return Verdict("error", m.error or "the saved model has no layers", "unsafe_model")
        return skipped("no trained model was saved (see `runs`)")
    layers = _layers(ctx)
    compiled = ctx.evidence.compile
    details = {
        "layers": layer_table(layers),
        "expected": f"Input{list(arch.input_shape)} -> Flatten -> Dense(n, "
        f"{arch.hidden_activation}) -> Dense({arch.output_units})",
        "comparison": compare_layers(
            layers, arch, bool(compiled and compiled.from_logits), m.input_shape
        ),
    }
    dense = [layer for layer in layers if layer.cls == "Dense"]
    want_input = tuple(arch.input_shape)
    got_input = tuple(m.input_shape[1:]) if m.input_shape else None
    if got_input not in (want_input, (*want_input, 1)):
        return failed(
            f"the model's input shape is {got_input}, expected {want_input}",
            "input_shape",
            **details,
        )
    if not dense:
        return failed("the model has no Dense layer", "output_units", **details)
    first_dense = layers.index(dense[0])
    if not any(layer.cls in ("Flatten", "Reshape") for layer in layers[:first_dense]):
        return failed(
            f"no Flatten before the first Dense layer: the model's output shape is "
            f"{list(m.output_shape) if m.output_shape else '?'}, not one row per image",
            "missing_flatten",
            **details,
        )
    last = dense[-1]
    if last.units != arch.output_units:
        return failed(
            f"the last layer has {last.units} units; the task has {arch.output_units} classes",
            "output_units",
            **details,
        )
    hidden = [layer for layer in dense[:-1] if layer.activation == arch.hidden_activation]
    if not hidden:
        return failed(
            f"no hidden Dense layer with {arch.hidden_activation} activation",
            "missing_flatten" if not dense[:-1] else "",
            **details,
        )
    from_logits = compiled.from_logits if compiled else False
    if last.activation == "linear" and not from_logits:
        return failed(
            "the last layer outputs logits (no softmax) but the loss expects probabilities",
            "logits_without_flag",
            **details,
        )
    if last.activation not in ("softmax", "linear"):
        return failed(
            f"the last layer uses {last.activation}; use softmax (or logits with from_logits=True)",
            "logits_without_flag",
            **details,
        )
    return passed(" -> ".join(describe_layer(layer) for layer in layers), **details)


def compile_settings(ctx: CheckContext) -> Verdict:
    compiled = ctx.evidence.compile
    if compiled is None:
        return skipped("the model was never compiled (see `runs`)")
    details = {
        "loss": compiled.loss,
        "from_logits": compiled.from_logits,
        "optimizer": compiled.optimizer,
        "metrics": list(compiled.metrics),
    }
    if compiled.loss not in SPARSE_LOSSES:
        return failed(
            f"loss is {compiled.loss!r}; the labels are integers 0-9", "sparse_loss", **details
        )
    if not ACCURACY_METRICS.intersection(compiled.metrics):
        return failed(
            "compile has no accuracy metric"
            + (f" (metrics: {', '.join(compiled.metrics)})" if compiled.metrics else ""),
            "missing_metrics",
            **details,
        )
    last = next((layer for layer in reversed(_layers(ctx)) if layer.cls == "Dense"), None)
    if last is not None and last.activation == "linear" and not compiled.from_logits:
        return failed(
            "the model outputs logits but the loss expects probabilities",
            "logits_without_flag",
            **details,
        )
    message = f"{compiled.loss}, {compiled.optimizer}, metrics {list(compiled.metrics)}"
    if last is not None and last.activation == "softmax" and compiled.from_logits:
        return Verdict(
            "pass",
            message + " (warning: softmax output with from_logits=True)",
            hint_id="softmax_and_logits",
            details=details,
        )
    return passed(message, **details)
