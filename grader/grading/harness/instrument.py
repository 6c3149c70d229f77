"""Keras instrumentation inside the child: seeds and evidence of every fit (data sets: datasets.py).

Everything recorded here is a claim made from inside the student's process; the grader treats
it as evidence and re-measures what matters in its own evaluator.
"""

from __future__ import annotations

import inspect
import os
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np

from grader.grading import fingerprint
from grader.grading.harness import datasets, describe, fit_arguments, saving
from grader.grading.harness import probe as callback_probe
from grader.grading.harness.events import emit
from grader.grading.harness.saving import MODELS

_MAX_RECORDED_PRINT = 64 * 1024


class _State:
    """Where training is, so printed text can be placed relative to epoch ends."""

    def __init__(self) -> None:
        self.fit_index = -1
        self.epoch: int | None = None
        self.phase = "outside"  # outside | train | epoch_end
        self.recorded_print = 0
        self.fit_count = 0
        self.student_callbacks: list[Any] = []
        self.log_keys: list[str] = []  # the keys of the last epoch's logs, for the probe
        self.metric_names: list[str] = []
        self.locate: Any = None  # maps a code object's filename to the student's cell (or -1)


_GET_WEIGHTS: Any = None  # Keras's own Layer.get_weights, saved before student code runs


def weights_fingerprint(model: Any) -> str:
    """A SHA-256 of the model's weights, in order; the evaluator computes the same on the file."""
    try:
        return fingerprint.weights_fingerprint(_GET_WEIGHTS(model))
    except Exception as exc:  # a model whose weights cannot be read: say so, never crash
        return f"unreadable: {type(exc).__name__}"


STATE = _State()


# -- Keras patches -----------------------------------------------------------------------------


def _make_callbacks(keras: Any) -> tuple[Any, Any]:
    class _EpochEndOpened(keras.callbacks.Callback):
        """First in the list: from here until the recorder, prints belong to this epoch end."""

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            STATE.epoch, STATE.phase = epoch, "train"

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            STATE.epoch, STATE.phase = epoch, "epoch_end"

    class _EvidenceRecorder(keras.callbacks.Callback):
        """Last of the student's callbacks: sees the logs and stop flag they left behind."""

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            values = {}
            for key, value in (logs or {}).items():
                try:
                    values[str(key)] = float(np.asarray(value))
                except (TypeError, ValueError):
                    continue
            STATE.log_keys = list(values)
            flagged_on_callback = any(
                getattr(cb, "__dict__", {}).get("stop_training") is True
                for cb in STATE.student_callbacks
            )
            emit(
                "epoch",
                fit=STATE.fit_index,
                epoch=epoch,
                logs=values,
                stop_training=bool(getattr(self.model, "stop_training", False)),
                callback_stop_flag=flagged_on_callback,
                weights=weights_fingerprint(self.model),
            )
            STATE.phase = "train"

    return _EpochEndOpened, _EvidenceRecorder


def _patch_keras(keras: Any) -> None:
    model_cls = keras.Model
    original_fit = model_cls.fit
    original_compile = model_cls.compile
    fit_signature = inspect.signature(original_fit)
    compile_signature = inspect.signature(original_compile)
    opener_cls, recorder_cls = _make_callbacks(keras)
    callback_list = keras.callbacks.CallbackList

    def compile(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            bound = compile_signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = bound.arguments
            emit(
                "compile",
                identity=MODELS.identity(self),
                loss=describe.describe_loss(arguments.get("loss")),
                optimizer=describe.describe_optimizer(arguments.get("optimizer")),
                metrics=describe.describe_metrics(arguments.get("metrics")),
            )
            STATE.metric_names = describe.describe_metrics(arguments.get("metrics"))
        except TypeError:
            pass  # Keras raises the student's own error below
        MODELS.last_compiled = self
        return original_compile(self, *args, **kwargs)

    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            bound = fit_signature.bind(self, *args, **kwargs)
        except TypeError:
            return original_fit(self, *args, **kwargs)  # Keras raises the student's own error
        bound.apply_defaults()
        arguments = bound.arguments
        given = arguments.get("callbacks")
        student = fit_arguments.flattened_callbacks(given, callback_list, keras.tree.flatten)
        STATE.fit_index += 1
        STATE.fit_count += 1
        STATE.student_callbacks = student
        x = arguments.get("x")
        on_train_set = datasets.is_train_set(x)
        MODELS.fitted(self, x, other_data=not on_train_set and datasets.is_other_set(x))
        limit = int(os.environ.get("GRADER_MAX_EPOCHS", "0") or 0)
        asked = fit_arguments.as_number(arguments.get("epochs"))
        capped_to = fit_arguments.cap_epochs(arguments, limit)
        emit(
            "fit_start",
            fit=STATE.fit_index,
            model=MODELS.number(self),
            identity=MODELS.identity(self),
            epochs=asked,
            capped_to=None if capped_to is None else capped_to[1],
            initial_epoch=fit_arguments.as_number(arguments.get("initial_epoch")),
            callbacks=[callback_probe.describe(cb) for cb in student],
            callbacks_given=given is not None,
            callbacks_form=type(given).__name__,
            x=describe.describe_data(x),
            y=describe.describe_data(arguments.get("y")),
            validation=arguments.get("validation_data") is not None
            or bool(arguments.get("validation_split")),
            on_test_set=datasets.is_test_set(x),
            on_train_set=on_train_set,
            layers=describe.describe_layers(self),
            weights=weights_fingerprint(self),
        )
        arguments["callbacks"], undo = fit_arguments.with_recorders(
            given, opener_cls(), recorder_cls(), self, callback_list, keras.tree.flatten
        )
        STATE.phase = "train"
        try:
            history = original_fit(*bound.args, **bound.kwargs)
        except BaseException as exc:
            emit(
                "fit_end",
                fit=STATE.fit_index,
                error=f"{type(exc).__name__}: {exc}",
                weights=weights_fingerprint(self),
            )
            raise
        finally:
            STATE.phase, STATE.epoch = "outside", None
            undo()
        emit(
            "fit_end",
            fit=STATE.fit_index,
            # Keras's own count (History), against which the recorder's epochs are checked.
            epochs_run=fit_arguments.epochs_in(history),
            history_keys=sorted(getattr(history, "history", {}) or {}),
            weights=weights_fingerprint(self),
        )
        return history

    model_cls.fit = fit
    model_cls.compile = compile


# -- printed output ----------------------------------------------------------------------------


class TaggedStdout:
    """Forwards writes to the real stream and records, with their epoch, those a callback made."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if STATE.phase in ("epoch_end", "outside") and STATE.recorded_print < _MAX_RECORDED_PRINT:
            STATE.recorded_print += len(text)
            emit("print", text=text, fit=STATE.fit_index, epoch=STATE.epoch, phase=STATE.phase)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


# -- set-up and finish -------------------------------------------------------------------------


def _keep_the_grader_seed(seed: int, keras: Any, tf: Any) -> None:
    """On a robustness run, the student's own seed calls get the grader's seed instead (else every
    seed would agree): each call is reported once, with the seed the student asked for."""
    reported: set[str] = set()
    inside: list[bool] = [False]  # keras.utils.set_random_seed calls the others: report it alone

    def replacing(name: str, original: Any, value: int) -> Any:
        def set_seed(asked: Any = None, *args: Any, **kwargs: Any) -> Any:
            if inside[0]:
                return original(value)
            if name not in reported:
                reported.add(name)
                emit("seed_replaced", call=name, asked=repr(asked)[:40], used=value)
            inside[0] = True
            try:
                return original(value)
            finally:
                inside[0] = False

        return set_seed

    targets = [
        (keras.utils, "set_random_seed", "keras.utils.set_random_seed", seed),
        (tf.random, "set_seed", "tf.random.set_seed", seed),
        (np.random, "seed", "np.random.seed", seed),
        (random, "seed", "random.seed", seed),
    ]
    tf_keras_utils = getattr(getattr(tf, "keras", None), "utils", None)
    if tf_keras_utils is not None and tf_keras_utils is not keras.utils:
        targets.append((tf_keras_utils, "set_random_seed", "tf.keras.utils.set_random_seed", seed))
    for module, attribute, name, value in targets:
        original = getattr(module, attribute, None)
        if original is not None:
            setattr(module, attribute, replacing(name, original, value))


def install(keras_used: bool = True) -> None:
    """Prepare the process before student code runs. Reads its settings from GRADER_* vars.

    `keras_used=False` (a module whose text, and whose helpers', never names TensorFlow or
    Keras): neither is imported, which saves seconds per grading; such code cannot train, and
    code that builds the name at run time runs uninstrumented, so it earns nothing either."""
    seed = int(os.environ.get("GRADER_SEED", "1234"))
    threads = int(os.environ.get("GRADER_THREADS", "0"))
    if keras_used:
        versions = _install_keras(seed, threads)
    else:
        random.seed(seed)
        np.random.seed(seed)
        versions = {name: _installed_version(name) for name in ("tensorflow", "keras")}
    sys.stdout = TaggedStdout(sys.stdout)
    emit(
        "start",
        versions={"python": sys.version.split()[0], **versions, "numpy": np.__version__},
        seed=seed,
        threads=threads,
    )


def _install_keras(seed: int, threads: int) -> dict[str, str]:
    """Seeds, threads, determinism, the verified data sets and the patches of `fit`."""
    import keras
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    if os.environ.get("GRADER_SEED_OVERRIDE") == "1":
        _keep_the_grader_seed(seed, keras, tf)
    global _GET_WEIGHTS
    _GET_WEIGHTS = keras.layers.Layer.get_weights
    callback_probe.capture(keras)
    datasets.serve()
    _patch_keras(keras)
    return {"tensorflow": tf.__version__, "keras": keras.__version__}


def _installed_version(package: str) -> str:
    """The version of the distribution that installs `package` (tensorflow comes as
    tensorflow-cpu too), without importing it."""
    from importlib.metadata import PackageNotFoundError, packages_distributions, version

    for distribution in packages_distributions().get(package, [package]):
        try:
            return version(distribution)
        except PackageNotFoundError:
            continue
    return "not installed"


KERAS_NAMES = ("tensorflow", "keras")


def keras_used(source: str, folder: Path) -> bool:
    """Whether code may reach Keras: its text, or that of a module beside it (a course helper
    placed in the work folder), names TensorFlow or Keras."""
    texts = [source]
    for helper in sorted(folder.rglob("*.py"))[:200]:
        try:
            texts.append(helper.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return any(name in text for text in texts for name in KERAS_NAMES)


def record_error(exc: BaseException, frames: list[dict[str, Any]]) -> None:
    """Report the student's exception with the frames that lie in the student's own code."""
    emit(
        "error",
        exc_type=type(exc).__name__,
        message=str(exc),
        frames=frames[-5:],
    )


def finish(namespace: dict[str, Any], after_error: bool) -> None:
    """Call the entry point if training never ran, then save the trained model for the grader."""
    entry = os.environ.get("GRADER_ENTRY_POINT", "")
    if not after_error and STATE.fit_count == 0 and entry and callable(namespace.get(entry)):
        from grader.grading.harness.entry import entry_arguments

        arguments = entry_arguments(namespace, namespace[entry])
        emit("entry_point", name=entry)
        namespace[entry](*arguments)
    save_model()
    probe_callbacks(namespace)


def probe_callbacks(namespace: dict[str, Any]) -> None:
    """Probe the student's callbacks on made-up logs (see `grader.grading.harness.probe`), once."""
    threshold = os.environ.get("GRADER_PROBE_THRESHOLD", "")
    if not threshold or STATE.phase == "probe":
        return
    STATE.phase = "probe"  # from here on, nothing printed counts as the run's output
    keys = STATE.log_keys or [*STATE.metric_names, "loss"]
    keys = [k for k in dict.fromkeys(keys) if not k.startswith("val_")]
    locate = STATE.locate or (lambda name: None)
    try:
        probed = callback_probe.run_probe(
            list(STATE.student_callbacks), namespace, keys, float(threshold), locate
        )
    except Exception as exc:  # the probe must never cost the submission its grading
        emit("probe_error", error=f"{type(exc).__name__}: {exc}")
        return
    for index, callback in enumerate(probed):
        calls = callback.pop("calls")
        emit("probe_callback", index=index, **callback)
        for call in calls:  # one event per call: each stays far below the stream's line limit
            emit("probe_call", callback=index, **call)


def save_model() -> None:
    path = os.environ.get("GRADER_MODEL_PATH")
    model = MODELS.graded(os.environ.get("GRADER_GRADED_FIT", "last"))
    if not path or model is None:
        # Nothing to save (`runs` says why); the model the grader would judge, if any.
        identity = None if model is None else MODELS.identity(model)
        emit("model", saved=False, reason="", identity=identity)
        return
    try:
        saving.canonical_activations(model)
        twin = saving.sequential_twin(model, MODELS.sample)
        if twin is not None:
            emit("model_twin", name=type(model).__name__)
        (twin or model).save(path)
    except Exception as exc:
        emit(
            "model",
            saved=False,
            reason=f"{type(exc).__name__}: {exc}",
            identity=MODELS.identity(model),
        )
        return
    emit(
        "model",
        saved=True,
        number=MODELS.number(model) if MODELS.trained else None,
        identity=MODELS.identity(model),
        trained=len(MODELS.trained),
        layers=describe.describe_layers(model),
        weights=weights_fingerprint(model),
    )
