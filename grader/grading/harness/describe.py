"""Keras objects described as plain JSON values for the evidence stream (inside the child): the
data passed to `fit`, the loss, the optimizer, the metrics and the layers."""

from __future__ import annotations

import contextlib
import inspect
from typing import Any

import numpy as np


def describe_data(x: Any) -> dict[str, Any] | None:
    if x is None:
        return None
    try:
        shape = list(x.shape)
    except AttributeError:
        return {"kind": type(x).__name__}
    info: dict[str, Any] = {"kind": type(x).__name__, "shape": shape, "dtype": str(x.dtype)}
    try:
        array = np.asarray(x)
        if array.size and np.issubdtype(array.dtype, np.number):
            info["min"] = float(array.min())
            info["max"] = float(array.max())
    except Exception:  # a tensor type numpy cannot read: shape is enough
        pass
    return info


def name_of(obj: Any) -> str:
    if isinstance(obj, str):
        return obj
    if hasattr(obj, "name") and isinstance(obj.name, str) and not inspect.isfunction(obj):
        return f"{type(obj).__name__}"
    return getattr(obj, "__name__", type(obj).__name__)


def describe_loss(loss: Any) -> dict[str, Any]:
    from_logits = False
    config: dict[str, Any] = {}
    if hasattr(loss, "get_config"):
        try:
            config = loss.get_config() or {}
        except Exception:
            config = {}
        from_logits = bool(config.get("from_logits", getattr(loss, "from_logits", False)))
    return {"name": name_of(loss) if loss is not None else None, "from_logits": from_logits}


def describe_optimizer(optimizer: Any) -> dict[str, Any]:
    info: dict[str, Any] = {"name": name_of(optimizer)}
    lr = getattr(optimizer, "learning_rate", None)
    if lr is not None:
        with contextlib.suppress(TypeError, ValueError):
            info["learning_rate"] = float(np.asarray(lr))
    return info


def describe_metrics(metrics: Any) -> list[str]:
    if metrics is None:
        return []
    if isinstance(metrics, dict):
        metrics = [m for value in metrics.values() for m in np.atleast_1d(value)]
    if not isinstance(metrics, (list, tuple)):
        metrics = [metrics]
    return [name_of(m) for m in metrics]


def describe_layers(model: Any) -> list[dict[str, Any]]:
    layers = []
    for layer in getattr(model, "layers", []):
        activation = getattr(layer, "activation", None)
        try:
            # The batch dimension as None, as the evaluator reports it (a lazily built model
            # records its first batch's size there).
            output_shape = [None, *list(layer.output.shape)[1:]]
        except Exception:
            output_shape = None
        layers.append(
            {
                "class": type(layer).__name__,
                "units": getattr(layer, "units", None),
                "activation": getattr(activation, "__name__", None) if activation else None,
                "output_shape": output_shape,
            }
        )
    return layers
