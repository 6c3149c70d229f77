"""`architecture` and `compile`: is the model the one the task asks for, set up to learn?"""

from __future__ import annotations

import re
from typing import Any

from grader.grading.checks.base import CheckContext, Verdict, failed, passed, skipped
from grader.grading.evaluate import LayerInfo
from grader.spec.pattern import ArchitectureSpec, compare, input_fits

SPARSE_LOSSES = {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"}
ACCURACY_METRICS = {"accuracy", "acc", "sparse_categorical_accuracy", "SparseCategoricalAccuracy"}


def _layers(ctx: CheckContext) -> tuple[LayerInfo, ...]:
    return tuple(layer for layer in ctx.measurement.layers if layer.type != "InputLayer")


def layer_table(layers: tuple[LayerInfo, ...]) -> list[dict[str, object]]:
    return [
        {
            "class": layer.type,
            "units": layer.units,
            "activation": layer.activation,
            "output_shape": list(layer.output_shape) if layer.output_shape else None,
        }
        for layer in layers
    ]


def compare_layers(
    layers: tuple[LayerInfo, ...],
    arch: ArchitectureSpec,
    from_logits: bool = False,
    input_shape: tuple[int | None, ...] | None = None,
) -> list[dict[str, object]]:
    """The model side by side with the exercise's layer pattern (`grader.spec.pattern.compare`)."""
    return compare(layers, arch, from_logits, input_shape)


def describe_layer(layer: LayerInfo) -> str:
    """`Dense(64, relu)`, `Flatten`: a layer as a student would write it."""
    args = [str(a) for a in (layer.units, layer.activation) if a is not None]
    return f"{layer.type}({', '.join(args)})" if args else layer.type


def _missing(rows: list[dict[str, Any]], role: str) -> bool:
    return any(r["role"] == role and r["got"] is None for r in rows)


def _what_differs(rows: list[dict[str, Any]]) -> str:
    """`no Conv2D layer; Dense(128, relu) is not part of the asked model`: the differing rows."""
    parts = []
    for row in rows:
        if row["match"]:
            continue
        want, got = row["expected"], row["got"]
        if got is None:
            parts.append(f"no {_describe(want)} layer")
        elif want is None:
            parts.append(f"{_describe(got)} is not part of the asked model")
        else:
            fields = ", ".join(row["differs"])
            parts.append(f"{_describe(got)} where {_describe(want)} is asked ({fields} differ)")
    return "; ".join(parts)


def _describe(row: dict[str, Any]) -> str:
    args = [str(row[k]) for k in ("units", "activation") if row.get(k) is not None]
    return f"{row['class']}({', '.join(args)})" if args else str(row["class"])


_NEVER_BUILT = re.compile(
    r"no defined inputs|has no layers|has not (yet )?been built|never been built", re.IGNORECASE
)


def architecture(ctx: CheckContext) -> Verdict:
    m, arch = ctx.measurement, ctx.spec.architecture
    if m.subclassed:
        return failed(
            f"the model is a `{m.subclassed}`, a subclass of `keras.Model` whose `call` is not "
            "a plain stack of its layers: the grader cannot load it without running your code",
            "subclassed_model",
        )
    if not m.layers:
        if ctx.evidence.model_saved and (not m.error or _NEVER_BUILT.search(m.error)):
            # A model with no layers (the starter's empty `Sequential([...])`): nothing to load.
            return failed("the model was never built: it has no layers", "model_not_built")
        if ctx.evidence.model_saved or m.error:
            return Verdict("error", m.error or "the saved model has no layers", "unsafe_model")
        return skipped("no trained model was saved (see `runs`)")
    layers = _layers(ctx)
    compiled = ctx.evidence.compile
    from_logits = bool(compiled and compiled.from_logits)
    rows = compare_layers(layers, arch, from_logits, m.input_shape)
    details = {"layers": layer_table(layers), "expected": arch.summary(), "comparison": rows}
    if not input_fits(arch, m.input_shape):
        got_input = tuple(m.input_shape[1:]) if m.input_shape else None
        return failed(
            f"the model's input shape is {got_input}, expected {tuple(arch.input_shape)}",
            "input_shape",
            **details,
        )
    unflattened = any(
        r["got"] and r["got"]["class"] == "Dense" and len(r["got"]["output_shape"] or ()) > 2
        for r in rows
    )
    if "Flatten" in arch.types and (_missing(rows, "flatten") or unflattened):
        return failed(
            f"no Flatten before the first Dense layer: the model's output shape is "
            f"{list(m.output_shape) if m.output_shape else '?'}, not one row per image",
            "missing_flatten",
            **details,
        )
    output = next((r for r in rows if r["role"] == "output"), None)
    want = arch.layers[-1]
    if (
        output is not None
        and output["got"] is None
        and not any(layer.type == want.type for layer in layers)
    ):
        return failed(f"the model has no {want.type} layer", "output_units", **details)
    if output is not None and output["got"] is not None:
        got = output["got"]
        if "units" in output["differs"]:
            return failed(
                f"the last layer has {got['units']} units; the task has {want.units} classes",
                "output_units",
                **details,
            )
        if "activation" in output["differs"] and got["activation"] == "linear":
            return failed(
                "the last layer outputs logits (no softmax) but the loss expects probabilities",
                "logits_without_flag",
                **details,
            )
        if "activation" in output["differs"] and want.activation == "softmax":
            return failed(
                f"the last layer uses {got['activation']}; use softmax (or logits with "
                "from_logits=True)",
                "logits_without_flag",
                **details,
            )
    if not all(row["match"] for row in rows):
        return failed(
            f"not the asked model ({arch.network()}): {_what_differs(rows)}",
            "architecture_pattern",
            **details,
        )
    described = " -> ".join(describe_layer(layer) for layer in layers)
    if arch.max_params is not None and m.params is not None:
        details["params"], details["max_params"] = m.params, arch.max_params
        if m.params >= arch.max_params:
            return failed(
                f"the model has {m.params:,} parameters; the exercise allows fewer than "
                f"{arch.max_params:,} ({described})",
                "too_many_params",
                **details,
            )
        described += f" ({m.params:,} parameters, fewer than {arch.max_params:,})"
    return passed(described, **details)


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
    last = next((layer for layer in reversed(_layers(ctx)) if layer.type == "Dense"), None)
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
