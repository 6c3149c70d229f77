"""Evidence: what the child reported about its run, parsed from the event stream into dataclasses.

These are claims from the untrusted process; checks weigh them against the evaluator's own
measurements (see `grader.grading.evaluate`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

# The records of one compile and one fit have a module of their own; they are imported from here
# too, as part of the evidence.
from grader.grading.fit_evidence import (
    ACCURACY_KEYS,
    CallbackInfo,
    CompileInfo,
    DataInfo,
    EpochRecord,
    FitCall,
    accuracy_key,
)

__all__ = [
    "ACCURACY_KEYS",
    "CallbackInfo",
    "CallbackProbe",
    "CompileInfo",
    "DataInfo",
    "EpochRecord",
    "Evidence",
    "FitCall",
    "PrintedText",
    "ProbeCall",
    "RuntimeFailure",
    "accuracy_key",
    "parse_events",
    "summarize_exception_message",
]


@dataclass(frozen=True)
class PrintedText:
    text: str
    fit: int
    epoch: int | None
    phase: str  # epoch_end | outside


@dataclass(frozen=True)
class RuntimeFailure:
    """An exception the student's code raised, with its frames in the student's own code."""

    exc_type: str
    message: str
    cell: int | None  # 1-based cell number (notebooks)
    line: int | None

    def describe(self) -> str:
        summary = summarize_exception_message(self.message)
        return f"{self.exc_type}: {summary}" if summary else self.exc_type


def summarize_exception_message(message: str, limit: int = 300) -> str:
    """The line of an exception message a student needs; TensorFlow's graph errors bury it."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    if len(lines) > 1 and "Graph execution error" in lines[0]:
        # The cause is the last line that is not a stack frame or a node name.
        causes = [
            line
            for line in lines[1:]
            if not line.startswith(("File ", "Detected at node", "[", "defined at", "{{", '"'))
            and not line.endswith(":")
        ]
        if causes:
            lines = [causes[-1].split("[[")[0].strip()]
    first = lines[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"


@dataclass(frozen=True)
class ProbeCall:
    """One call of a callback's `on_epoch_end` on made-up logs, by the harness (the probe)."""

    key: str  # the log key varied ("" for the neutral baseline)
    label: str  # clearly_below | just_below | at | just_above | low_0.3 | ... | neutral
    value: float
    stopped: bool  # set `model.stop_training`
    self_flag: bool  # set `self.stop_training` (on the callback, which Keras never reads)
    printed: str
    error: str = ""
    line: int | None = None
    cell: int | None = None
    timed_out: bool = False


@dataclass(frozen=True)
class CallbackProbe:
    name: str
    source: str  # fit (the graded fit received it) | namespace (only found in the globals)
    is_class: bool
    is_keras_callback: bool
    hooks: tuple[str, ...]
    keys: tuple[str, ...]
    threshold: float
    calls: tuple[ProbeCall, ...] = ()


@dataclass(frozen=True)
class Evidence:
    started: bool = False
    versions: dict[str, str] = field(default_factory=dict)
    seed: int | None = None
    fits: tuple[FitCall, ...] = ()
    compiles: tuple[CompileInfo, ...] = ()
    prints: tuple[PrintedText, ...] = ()
    # Every exception the student's code raised, in order: a notebook runs on past a failing
    # cell, so there may be several; a module stops at its first.
    failures: tuple[RuntimeFailure, ...] = ()
    # Exceptions of cells tagged `raises-exception` (nbclient's convention): allowed, only noted.
    allowed_failures: tuple[RuntimeFailure, ...] = ()
    entry_point_called: str = ""
    model_saved: bool = False
    model_problem: str = ""
    model_weights: str = ""  # fingerprint of the weights the harness saved
    # The saved model's number among the models trained (the spec's `graded_fit` rule chose it),
    # and how many models were trained in all.
    graded_model: int | None = None
    models_trained: int = 0
    graded_identity: int | None = None  # the graded model among all compiled or fitted
    probes: tuple[CallbackProbe, ...] = ()
    # On a robustness run: the seed calls of the student's code that got the grader's seed
    # instead, as "tf.random.set_seed(42)".
    seeds_replaced: tuple[str, ...] = ()
    last_event_t: float = 0.0

    @property
    def failure(self) -> RuntimeFailure | None:
        """The first exception: the one hints and the error location speak about."""
        return self.failures[0] if self.failures else None

    @property
    def graded_fits(self) -> tuple[FitCall, ...]:
        """The fits that trained the graded model, in order (several `fit`s of it add up)."""
        if not self.fits:
            return ()
        if self.graded_model is None and self.graded_identity is not None:
            # Not saved, but the harness said which model it chose.
            chosen = tuple(fit for fit in self.fits if fit.identity == self.graded_identity)
            if chosen:
                return chosen
        # No saved model to say which (it could not be saved): the model of the last fit.
        number = self.fits[-1].model if self.graded_model is None else self.graded_model
        return tuple(fit for fit in self.fits if fit.model == number) or self.fits

    @property
    def graded_fit(self) -> FitCall | None:
        """The fit that produced the saved model: the graded model's last one."""
        fits = self.graded_fits
        return fits[-1] if fits else None

    @property
    def compile(self) -> CompileInfo | None:
        """The graded model's own compile: its last before its graded fit (a lab's other model,
        compiled later with other settings, is not judged here). Events without the model's
        identity (an older harness) fall back to the last compile of all."""
        identity = self.graded_identity
        fit = self.graded_fit
        if identity is None and fit is not None:
            identity = fit.identity
        if identity is None or all(c.identity is None for c in self.compiles):
            return self.compiles[-1] if self.compiles else None
        own = [c for c in self.compiles if c.identity == identity]
        if fit is not None:
            position = next(i for i, f in enumerate(self.fits) if f is fit)
            before = [c for c in own if c.fits_before <= position]
            own = before or own
        return own[-1] if own else None

    def epochs_finished(self) -> int:
        return sum(len(fit.epochs) for fit in self.fits)


def _callback(raw: dict[str, Any]) -> CallbackInfo:
    return CallbackInfo(
        name=str(raw.get("name", "?")),
        is_class=bool(raw.get("is_class")),
        is_keras_callback=bool(raw.get("is_keras_callback")),
        hooks=tuple(str(h) for h in raw.get("hooks", [])),
        builtin=bool(raw.get("builtin")),
    )


def _data(raw: dict[str, Any] | None) -> DataInfo | None:
    if not isinstance(raw, dict):
        return None
    shape = raw.get("shape")
    return DataInfo(
        kind=str(raw.get("kind", "?")),
        shape=tuple(int(s) if s is not None else -1 for s in shape) if shape else None,
        dtype=raw.get("dtype"),
        min=raw.get("min"),
        max=raw.get("max"),
    )


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: `Infinity` in the stream
        return None


def parse_events(events: list[dict[str, Any]]) -> Evidence:
    """Fold the event stream into Evidence. Unknown or malformed events are skipped."""
    fields: dict[str, Any] = {}
    fits: list[FitCall] = []
    epochs: dict[int, list[EpochRecord]] = {}
    fit_errors: dict[int, str] = {}
    fit_runs: dict[int, int] = {}  # epochs Keras's History says each fit ran
    compiles: list[CompileInfo] = []
    prints: list[PrintedText] = []
    cell_of_execution: dict[int, int] = {}
    probes: dict[int, CallbackProbe] = {}
    probe_calls: dict[int, list[ProbeCall]] = {}
    fit_weights: dict[int, str] = {}
    failures: list[RuntimeFailure] = []
    allowed: list[RuntimeFailure] = []
    running_may_raise = False  # the cell running now is tagged `raises-exception`
    for event in events:
        kind = event.get("type")
        try:
            if kind == "start":
                # Parsed in full before any field is set: a malformed start changes nothing.
                versions = {str(k): str(v) for k, v in event["versions"].items()}
                fields.update(started=True, versions=versions, seed=int(event["seed"]))
            elif kind == "cell":
                cell_of_execution[int(event["execution_count"])] = int(event["index"]) + 1
                running_may_raise = event.get("may_raise") is True
            elif kind == "compile":
                loss = event.get("loss") or {}
                compiles.append(
                    CompileInfo(
                        loss=loss.get("name"),
                        from_logits=bool(loss.get("from_logits")),
                        optimizer=(event.get("optimizer") or {}).get("name"),
                        metrics=tuple(str(m) for m in event.get("metrics") or []),
                        identity=_as_int(event.get("identity")),
                        fits_before=len(fits),
                    )
                )
            elif kind == "fit_start":
                fits.append(
                    FitCall(
                        index=int(event["fit"]),
                        epochs_requested=_as_int(event.get("epochs")),
                        callbacks=tuple(_callback(c) for c in event.get("callbacks", [])),
                        callbacks_given=bool(event.get("callbacks_given")),
                        x=_data(event.get("x")),
                        on_test_set=bool(event.get("on_test_set")),
                        on_train_set=bool(event.get("on_train_set")),
                        layers=tuple(event.get("layers") or ()),
                        start_weights=str(event.get("weights", "")),
                        model=_as_int(event.get("model")) or 0,
                        capped_to=_as_int(event.get("capped_to")),
                        initial_epoch=max(_as_int(event.get("initial_epoch")) or 0, 0),
                        identity=_as_int(event.get("identity")),
                        callbacks_form=str(event.get("callbacks_form", "")),
                    )
                )
            elif kind == "epoch":
                epochs.setdefault(int(event["fit"]), []).append(
                    EpochRecord(
                        epoch=int(event["epoch"]),
                        logs={str(k): float(v) for k, v in event["logs"].items()},
                        stop_training=bool(event.get("stop_training")),
                        callback_stop_flag=bool(event.get("callback_stop_flag")),
                        t=float(event.get("t", 0.0)),
                        weights=str(event.get("weights", "")),
                    )
                )
            elif kind == "fit_end":
                fit_weights[int(event["fit"])] = str(event.get("weights", ""))
                if (ran := _as_int(event.get("epochs_run"))) is not None:
                    fit_runs[int(event["fit"])] = ran
                if event.get("error"):
                    fit_errors[int(event["fit"])] = str(event["error"])
            elif kind == "probe_callback":
                probes[int(event["index"])] = _callback_probe(event)
            elif kind == "probe_call":
                probe_calls.setdefault(int(event["callback"]), []).append(_probe_call(event))
            elif kind == "print":
                prints.append(
                    PrintedText(
                        text=str(event.get("text", "")),
                        fit=int(event.get("fit", -1)),
                        epoch=_as_int(event.get("epoch")),
                        phase=str(event.get("phase", "outside")),
                    )
                )
            elif kind == "error":
                frames = event.get("frames") or []
                last = frames[-1] if frames else {}
                cell = _as_int(last.get("cell"))
                (allowed if running_may_raise else failures).append(
                    RuntimeFailure(
                        exc_type=str(event.get("exc_type", "Error")),
                        message=str(event.get("message", "")),
                        cell=cell_of_execution.get(cell, cell) if cell is not None else None,
                        line=_as_int(last.get("line")),
                    )
                )
            elif kind == "seed_replaced":
                replaced = f"{event['call']}({event['asked']})"
                fields["seeds_replaced"] = (*fields.get("seeds_replaced", ()), replaced)
            elif kind == "entry_point":
                fields["entry_point_called"] = str(event.get("name", ""))
            elif kind == "model":
                fields["model_saved"] = bool(event.get("saved"))
                fields["model_problem"] = str(event.get("reason", ""))
                fields["model_weights"] = str(event.get("weights", ""))
                fields["graded_model"] = _as_int(event.get("number"))
                fields["graded_identity"] = _as_int(event.get("identity"))
                fields["models_trained"] = _as_int(event.get("trained")) or 0
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            continue
        fields["last_event_t"] = float(event.get("t", 0.0) or 0.0)
    fits = [
        replace(
            fit,
            epochs=tuple(epochs.get(fit.index, [])),
            error=fit_errors.get(fit.index, ""),
            end_weights=fit_weights.get(fit.index, ""),
            epochs_run=fit_runs.get(fit.index),
        )
        for fit in fits
    ]
    fields["probes"] = tuple(
        replace(
            probe,
            calls=tuple(
                replace(call, cell=cell_of_execution.get(call.cell, call.cell))
                if call.cell is not None
                else call
                for call in probe_calls.get(index, [])
            ),
        )
        for index, probe in sorted(probes.items())
    )
    fields["failures"] = tuple(failures)
    fields["allowed_failures"] = tuple(allowed)
    return Evidence(fits=tuple(fits), compiles=tuple(compiles), prints=tuple(prints), **fields)


def _callback_probe(event: dict[str, Any]) -> CallbackProbe:
    return CallbackProbe(
        name=str(event["name"]),
        source=str(event.get("source", "fit")),
        is_class=bool(event.get("is_class")),
        is_keras_callback=bool(event.get("is_keras_callback")),
        hooks=tuple(str(h) for h in event.get("hooks", [])),
        keys=tuple(str(k) for k in event.get("keys", [])),
        threshold=float(event["threshold"]),
    )


def _probe_call(event: dict[str, Any]) -> ProbeCall:
    return ProbeCall(
        key=str(event.get("key", "")),
        label=str(event.get("label", "")),
        value=float(event["value"]),
        stopped=bool(event.get("stopped")),
        self_flag=bool(event.get("self_flag")),
        printed=str(event.get("printed", "")),
        error=str(event.get("error", "")),
        line=_as_int(event.get("line")),
        cell=_as_int(event.get("cell")),
        timed_out=bool(event.get("timed_out")),
    )
