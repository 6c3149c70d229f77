"""The expected model as data: an ordered pattern of layers, and how a model is compared to it.

An exercise's `[architecture]` section lists the layers the task asks for, in order:

    input_shape = [28, 28]
    allow_extra = ["Dropout", "Dense"]      # layer types that may stand beside the pattern
    layers = [
      { type = "Flatten" },
      { type = "Dense", units = "any", activation = "relu", repeat = "one or more" },
      { type = "Dense", units = 10, activation = "softmax" },
    ]

`repeat` is "once" (the default), "optional", "one or more" or "any number". `units` and
`activation` are a value or "any". A layer of the model that the pattern does not name counts as
"extra": allowed when its type is in `allow_extra`, a difference otherwise.

`compare` aligns the model's layers with the pattern (fewest differences first) and returns one
row per layer or missing item. The `architecture` check decides on these rows, and the report
shows the check's own rows: there is one comparison, not two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from grader.spec.vocabulary import ANY

# Layers that are never part of the task: the model's own input layer.
_IGNORED = frozenset({"InputLayer"})


@dataclass(frozen=True)
class LayerPattern:
    """One item of the pattern: a layer type, its units and activation, how often it repeats."""

    type: str
    units: int | str = ANY  # a number, or "any"
    activation: str = ANY  # "relu", "softmax", ..., or "any"
    repeat: str = "once"

    @property
    def optional(self) -> bool:
        return self.repeat in ("optional", "any number")

    @property
    def repeats(self) -> bool:
        return self.repeat in ("one or more", "any number")

    def describe(self) -> str:
        """`Dense(10, softmax)`, `Dense(n, relu)+`, `Flatten`: as a student would write it."""
        args = []
        if self.units != ANY or self.type == "Dense":
            args.append("n" if self.units == ANY else str(self.units))
        if self.activation != ANY:
            args.append(self.activation)
        text = f"{self.type}({', '.join(args)})" if args else self.type
        suffix = {"optional": "?", "one or more": "+", "any number": "*"}.get(self.repeat, "")
        return text + suffix


@dataclass(frozen=True)
class ArchitectureSpec:
    """The expected model: input shape, layer pattern, and the layer types allowed beside it."""

    input_shape: tuple[int, ...]
    layers: tuple[LayerPattern, ...]
    allow_extra: tuple[str, ...] = ()
    max_params: int | None = None  # a parameter budget ("fewer than N"), judged by `architecture`

    @property
    def output_units(self) -> int | None:
        """Units of the last item of the pattern (the classes), when the pattern fixes them."""
        last = self.layers[-1] if self.layers else None
        return last.units if last is not None and isinstance(last.units, int) else None

    @property
    def hidden_activation(self) -> str | None:
        hidden = [p for p in self.layers[:-1] if p.type == "Dense" and p.activation != ANY]
        return hidden[0].activation if hidden else None

    @property
    def types(self) -> frozenset[str]:
        return frozenset(p.type for p in self.layers)

    @property
    def flat_inputs(self) -> int:
        return math.prod(self.input_shape)

    def summary(self) -> str:
        """`Input(28, 28) -> Flatten -> Dense(n, relu)+ -> Dense(10, softmax)`."""
        shape = ", ".join(str(d) for d in self.input_shape)
        text = " -> ".join([f"Input({shape})", *(p.describe() for p in self.layers)])
        if self.allow_extra:
            text += f" (also allowed: {', '.join(self.allow_extra)})"
        return text

    def network(self) -> str:
        """The pattern alone, for hints: `Flatten -> Dense(n, relu)+ -> Dense(10, softmax)`."""
        return " -> ".join(p.describe() for p in self.layers)


def default_pattern(hidden_activation: str, output_units: int) -> tuple[LayerPattern, ...]:
    """The shorthand `hidden_activation` + `output_units`: Flatten -> Dense+ -> Dense(units)."""
    return (
        LayerPattern("Flatten"),
        LayerPattern("Dense", ANY, hidden_activation, "one or more"),
        LayerPattern("Dense", output_units, "softmax"),
    )


# -- comparing a model with the pattern --------------------------------------------------------


def _row(cls: str, units: Any, activation: Any, shape: Any) -> dict[str, Any]:
    return {"class": cls, "units": units, "activation": activation, "output_shape": shape}


def without_batch(shape: Any) -> list[Any]:
    """A shape's per-image part: a model built lazily by `fit` records its first batch's size
    where a model built from an `Input` says None, and both are the same model."""
    return list(shape)[1:]


def _got(layer: Any) -> dict[str, Any]:
    shape = [None, *without_batch(layer.output_shape)] if layer.output_shape else None
    return _row(layer.type, layer.units, layer.activation, shape)


def _expected(item: LayerPattern) -> dict[str, Any]:
    units = None if item.units == ANY else item.units
    activation = None if item.activation == ANY else item.activation
    shape = [None, units] if item.type == "Dense" and units is not None else None
    return _row(item.type, units, activation, shape)


def _differs(item: LayerPattern, layer: Any, from_logits: bool) -> list[str]:
    """The fields of `layer` that do not fit `item` (same type assumed)."""
    differs = []
    if item.units != ANY and layer.units != item.units:
        differs.append("units")
    if item.activation != ANY and layer.activation != item.activation:
        # Logits are the same model when the loss says so: `Dense(10)` + from_logits=True.
        logits_ok = item.activation == "softmax" and layer.activation == "linear" and from_logits
        if not logits_ok:
            differs.append("activation")
    want_shape = _expected(item)["output_shape"]
    got_shape = list(layer.output_shape) if layer.output_shape else None
    # The batch dimension (first) is never compared: see `without_batch`.
    if _unflattened_dense(layer) or (
        want_shape and got_shape and without_batch(got_shape) != without_batch(want_shape)
    ):
        differs.append("output_shape")
    return differs


def same_type(item: LayerPattern, layer: Any) -> bool:
    """The layer is of the item's type; a Reshape to one row per image counts as a Flatten."""
    if layer.type == item.type:
        return True
    shape = layer.output_shape
    return item.type == "Flatten" and layer.type == "Reshape" and bool(shape) and len(shape) == 2


def _unflattened_dense(layer: Any) -> bool:
    shape = layer.output_shape
    return layer.type == "Dense" and bool(shape) and len(shape) > 2


def _extra_cost(layer: Any, arch: ArchitectureSpec) -> int:
    allowed = layer.type in arch.allow_extra and not _unflattened_dense(layer)
    return 0 if allowed else 1


def _role(index: int, item: LayerPattern, arch: ArchitectureSpec) -> str:
    if index == len(arch.layers) - 1:
        return "output"
    if item.type == "Dense":
        return "hidden"
    return item.type.lower()


def compare(
    layers: tuple[Any, ...],
    arch: ArchitectureSpec,
    from_logits: bool = False,
    input_shape: tuple[int | None, ...] | None = None,
) -> list[dict[str, Any]]:
    """The model side by side with the pattern: one row per layer or missing pattern item.

    Rows: `role` (input, output, hidden, the type's name, or extra), `expected` and `got`
    (class, units, activation, output shape; None when missing or not in the pattern), `match`,
    `differs` (the fields that differ; ["class"] for a missing item), `allowed` for extra layers.
    `layers` are `LayerInfo`s (cls, units, activation, output_shape), the input layer excluded.
    """
    model = [layer for layer in layers if layer.type not in _IGNORED]
    pattern = arch.layers
    n, m = len(model), len(pattern)
    inf = float("inf")
    # cost[i][j][u]: fewest differences aligning model[i:] with pattern[j:], where u says whether
    # pattern[j] has already matched a layer (a repeating item may then end or take another).
    cost = [[[inf, inf] for _ in range(m + 1)] for _ in range(n + 1)]
    move: dict[tuple[int, int, int], tuple[str, int, int, int]] = {}
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            for u in (1, 0):
                best, step = (0.0, ("end", i, j, u)) if i == n and j == m else (inf, None)
                options: list[tuple[float, tuple[str, int, int, int]]] = []
                if j < m:
                    item = pattern[j]
                    skip = 0 if (u or item.optional) else 1
                    options.append((skip + cost[i][j + 1][0], ("done", i, j + 1, 0)))
                    if i < n and same_type(item, model[i]):
                        diff = 1 if _differs(item, model[i], from_logits) else 0
                        nxt = (i + 1, j, 1) if item.repeats else (i + 1, j + 1, 0)
                        options.append((diff + cost[nxt[0]][nxt[1]][nxt[2]], ("match", *nxt)))
                if i < n:
                    extra = _extra_cost(model[i], arch)
                    options.append((extra + cost[i + 1][j][u] + 1e-3, ("extra", i + 1, j, u)))
                for value, option in options:
                    if value < best:
                        best, step = value, option
                cost[i][j][u] = best
                if step is not None:
                    move[(i, j, u)] = step
    rows: list[dict[str, Any]] = []
    if input_shape is not None:
        rows.append(_input_row(arch, input_shape))
    state = (0, 0, 0)
    while True:
        kind, i2, j2, u2 = move[state]
        i, j, u = state
        if kind == "end":
            break
        if kind == "done" and not u and not pattern[j].optional:
            rows.append(
                {
                    "role": _role(j, pattern[j], arch),
                    "expected": _expected(pattern[j]),
                    "got": None,
                    "match": False,
                    "differs": ["class"],
                }
            )
        elif kind == "match":
            differs = _differs(pattern[j], model[i], from_logits)
            rows.append(
                {
                    "role": _role(j, pattern[j], arch),
                    "expected": _expected(pattern[j]),
                    "got": _got(model[i]),
                    "match": not differs,
                    "differs": differs,
                }
            )
        elif kind == "extra":
            allowed = _extra_cost(model[i], arch) == 0
            rows.append(
                {
                    "role": "extra",
                    "expected": None,
                    "got": _got(model[i]),
                    "match": allowed,
                    "allowed": allowed,
                    "differs": [] if allowed else ["class"],
                }
            )
        state = (i2, j2, u2)
    return rows


def _input_row(arch: ArchitectureSpec, input_shape: tuple[int | None, ...]) -> dict[str, Any]:
    want = [None, *arch.input_shape]
    got = list(input_shape)
    fine = input_fits(arch, input_shape)
    return {
        "role": "input",
        "expected": _row("Input", None, None, want),
        "got": _row("Input", None, None, got),
        "match": fine,
        "differs": [] if fine else ["output_shape"],
    }


def input_fits(arch: ArchitectureSpec, input_shape: tuple[int | None, ...] | None) -> bool:
    """The model's input (batch dimension first) is the images as the task gives them; a
    trailing channel dimension of 1 is the same images."""
    got = tuple(without_batch(input_shape)) if input_shape else None
    want = tuple(arch.input_shape)
    return got in (want, (*want, 1)) or (want[-1:] == (1,) and got == want[:-1])
