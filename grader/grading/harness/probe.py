"""The callback probe, inside the child: the harness calls each callback on made-up epoch logs.

After the submission's code has run, every callback the graded `fit` received (and any callback
the student's top level holds) is called the way the course's own unit tests call it: a fresh
copy on a stand-in model, one `on_epoch_end` per probe, with synthetic logs under the metric
names the student trained with (below, just below, exactly at and just above the threshold, and
for loss keys a few low values). Each probe records whether `stop_training` was set and what was
printed; one that raises is recorded with its line; one that takes longer than a second counts as
failed and ends the probing of that callback.

The probe cannot be steered by the submission: the references it needs (Keras's `Callback`
methods, threads, streams) are saved by `capture()` before any student code runs and restored for
the probe. The grader interprets the records (`grader.grading.checks.probe`).
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Callable
from typing import Any

CALL_TIMEOUT_S = 1.0
NEUTRAL = 0.5  # a value no 99% callback stops at: the other keys sit here while one key varies
LOSS_LOWS = (0.3, 0.1, 0.01)  # where a callback that watches the loss usually stops
LOSS_HIGH = 2.5  # an untrained model's loss
_MAX_PRINTED = 500

_GENUINE: dict[str, Any] = {}
_Thread = threading.Thread  # saved at import, before any student code: a patched Thread is moot
_StringIO = io.StringIO


def capture(keras: Any) -> None:
    """Remember Keras's own Callback class and its machinery before student code can patch it."""
    callback = keras.callbacks.Callback
    _GENUINE["class"] = callback
    _GENUINE["attrs"] = {
        name: callback.__dict__[name]
        for name in ("__init__", "set_params", "set_model", "model", "on_epoch_end")
        if name in callback.__dict__
    }


def _restore() -> Any:
    callback = _GENUINE["class"]
    for name, value in _GENUINE["attrs"].items():
        if callback.__dict__.get(name) is not value:
            setattr(callback, name, value)
    return callback


class StandInModel:
    """What a callback sees as `self.model` during the probe: a stop flag and nothing else."""

    def __init__(self) -> None:
        self.stop_training = False


def probe_points(threshold: float) -> list[tuple[str, float]]:
    """The labelled values each key takes, in order: clearly below, just below, at, above."""
    return [
        ("clearly_below", round(threshold - 0.09, 6)),
        ("just_below", round(threshold - 0.001, 6)),
        ("at", threshold),
        ("just_above", round(threshold + 0.001, 6)),
    ]


def probe_logs(keys: list[str], threshold: float) -> list[tuple[str, str, float, dict[str, float]]]:
    """(key varied, label, value, logs) per call; the first call is the neutral baseline."""
    base = {key: NEUTRAL for key in keys}
    calls: list[tuple[str, str, float, dict[str, float]]] = [("", "neutral", NEUTRAL, dict(base))]
    for key in keys:
        points = probe_points(threshold)
        if "loss" in key:
            points += [(f"low_{v:g}", v) for v in LOSS_LOWS] + [("high", LOSS_HIGH)]
        for label, value in points:
            calls.append((key, label, value, {**base, key: value}))
    return calls


def _fresh_copy(callback: Any) -> Any:
    """A new object of the callback's class with the instance's attributes, no __init__ run."""
    genuine = _GENUINE["class"]
    cls = callback if isinstance(callback, type) else type(callback)
    fresh = object.__new__(cls)
    if isinstance(callback, type):
        if issubclass(cls, genuine):
            _GENUINE["attrs"]["__init__"](fresh)
    else:
        fresh.__dict__.update(getattr(callback, "__dict__", {}))
    return fresh


def _attach(fresh: Any, model: StandInModel) -> None:
    if isinstance(fresh, _GENUINE["class"]):
        _GENUINE["attrs"]["set_model"](fresh, model)
    else:
        fresh.__dict__["model"] = model  # not a Keras callback: give it the attribute directly
    fresh.__dict__.pop("stop_training", None)


def _call(
    callback: Any, epoch: int, logs: dict[str, float], locate: Callable[[str], int | None]
) -> dict[str, Any]:
    from grader.grading.harness.tracing import student_frames

    model = StandInModel()
    fresh = _fresh_copy(callback)
    _attach(fresh, model)
    outcome: dict[str, Any] = {}
    printed = _StringIO()

    def run() -> None:
        try:
            hook = getattr(fresh, "on_epoch_end", None)
            if hook is None:
                outcome["error"] = "AttributeError: the object has no on_epoch_end"
                return
            hook(epoch, dict(logs))
            outcome["done"] = True
        except BaseException as exc:  # the student's error is the finding
            frames = student_frames(exc.__traceback__, locate)
            outcome["error"] = f"{type(exc).__name__}: {exc}"[:300]
            if frames:
                outcome["line"], outcome["cell"] = frames[-1]["line"], frames[-1]["cell"]

    saved_stdout = sys.stdout
    sys.stdout = printed
    try:
        worker = _Thread(target=run, name="grader-probe", daemon=True)
        worker.start()
        worker.join(CALL_TIMEOUT_S)
    finally:
        sys.stdout = saved_stdout
    record: dict[str, Any] = {
        "stopped": model.stop_training is True,
        "self_flag": fresh.__dict__.get("stop_training") is True,
        "printed": printed.getvalue()[:_MAX_PRINTED],
        "error": "",
    }
    if worker.is_alive():
        record["error"] = f"did not finish within {CALL_TIMEOUT_S:g} s"
        record["timed_out"] = True
    elif "error" in outcome:
        record.update(
            {k: outcome[k] for k in ("error", "line", "cell") if outcome.get(k) is not None}
        )
    return record


def probe_callback(
    callback: Any, keys: list[str], threshold: float, locate: Callable[[str], int | None]
) -> list[dict[str, Any]]:
    results = []
    for key, label, value, logs in probe_logs(keys, threshold):
        try:
            record = _call(callback, 0, logs, locate)
        except Exception as exc:  # the object could not even be copied or attached
            record = {"stopped": False, "self_flag": False, "printed": ""}
            record["error"] = f"{type(exc).__name__}: {exc}"[:300]
            results.append({"key": key, "label": label, "value": value, **record})
            break
        results.append({"key": key, "label": label, "value": value, **record})
        if record.get("timed_out"):
            break  # the thread may still run: probing it again would pile them up
    return results


def describe(callback: Any) -> dict[str, Any]:
    """A callback (instance or class) as evidence: its name, whether it is a Keras callback and
    which hooks it overrides, judged against Keras's own `Callback` captured before student code
    ran (a submission that replaces `keras.callbacks.Callback` changes nothing here)."""
    cls = callback if isinstance(callback, type) else type(callback)
    genuine = _GENUINE["class"]
    hooks = sorted(
        name
        for klass in cls.__mro__
        if klass not in (genuine, object)
        for name, value in vars(klass).items()
        if name.startswith("on_") and callable(value)
    )
    return {
        "name": cls.__name__,
        "is_class": isinstance(callback, type),
        "is_keras_callback": issubclass(cls, genuine),
        "hooks": hooks,
        "builtin": cls.__module__.startswith("keras"),
    }


def run_probe(
    fit_callbacks: list[Any],
    namespace: dict[str, Any],
    keys: list[str],
    threshold: float,
    locate: Callable[[str], int | None],
) -> list[dict[str, Any]]:
    """Probe the graded fit's callbacks, then any other callback the student's globals hold."""
    if not _GENUINE:
        return []
    genuine = _restore()
    chosen: list[tuple[str, Any]] = []
    seen: set[int] = set()
    for callback in fit_callbacks:
        cls = callback if isinstance(callback, type) else type(callback)
        if cls.__module__.startswith("keras") or id(callback) in seen:
            continue
        seen.add(id(callback))
        chosen.append(("fit", callback))
    # Nothing reached fit: a callback the code holds, else a callback class it defines (the
    # instance often lives only inside the entry point, gone once it returned).
    values = list(namespace.values()) if not chosen else []
    instances = [v for v in values if isinstance(v, genuine)]
    classes = [v for v in values if isinstance(v, type) and issubclass(v, genuine)]
    for value in [*instances, *classes]:
        cls = value if isinstance(value, type) else type(value)
        if cls.__module__.startswith("keras") or any(
            (c if isinstance(c, type) else type(c)) is cls for _, c in chosen
        ):
            continue
        chosen.append(("namespace", value))
    probed = []
    for source, callback in chosen[:4]:
        probed.append(
            {
                **describe(callback),
                "source": source,
                "keys": keys,
                "threshold": threshold,
                "calls": probe_callback(callback, keys, threshold, locate),
            }
        )
    return probed
