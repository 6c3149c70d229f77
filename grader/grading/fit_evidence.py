"""The records of one `compile` and one `fit` call, as the child reported them (part of the
`Evidence`, `grader.grading.evidence`): the callbacks, the data, each epoch's logs and what Keras's
own History said ran."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
ACCURACY_KEYS = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")


def accuracy_key(row: Mapping[str, Any]) -> str | None:
    """The key a history row (an epoch's logs) holds its training accuracy under, if any."""
    return next((k for k in ACCURACY_KEYS if isinstance(row.get(k), int | float)), None)


def row_accuracy(row: Mapping[str, Any]) -> float | None:
    """A history row's (or an epoch's logs') training accuracy; None if it logged none."""
    key = accuracy_key(row)
    return None if key is None else float(row[key])


def first_reaching(
    rows: Iterable[T], accuracy: Callable[[T], float | None], threshold: float
) -> T | None:
    """The first of `rows` whose training accuracy is at or over `threshold`; a row without an
    accuracy is passed over. The one home of the rule: the checks (over the epochs the recorder
    saw), the charts, the report's marker and the robustness figures (over history rows) all
    ask it, through the two adapters below."""
    return next((r for r in rows if (a := accuracy(r)) is not None and a >= threshold), None)


def first_epoch_reaching(epochs: Iterable[EpochRecord], threshold: float) -> EpochRecord | None:
    """The first epoch the recorder saw at or over `threshold` (its `epoch` is 0-based)."""
    return first_reaching(epochs, EpochRecord.accuracy, threshold)


def first_epoch_reaching_in(history: Sequence[Mapping[str, Any]], threshold: float) -> int | None:
    """The epoch number of the first history row at or over `threshold` (its own `epoch`, else
    its 1-based place): a row without an accuracy never renumbers the rows after it."""
    found = first_reaching(
        enumerate(history, start=1), lambda numbered: row_accuracy(numbered[1]), threshold
    )
    return None if found is None else int(found[1].get("epoch", found[0]))


@dataclass(frozen=True)
class CallbackInfo:
    name: str
    is_class: bool
    is_keras_callback: bool
    hooks: tuple[str, ...]
    builtin: bool


@dataclass(frozen=True)
class DataInfo:
    kind: str
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    logs: dict[str, float]
    stop_training: bool
    callback_stop_flag: bool
    t: float
    weights: str = ""  # fingerprint of the model's weights at this epoch's end

    def accuracy(self) -> float | None:
        return row_accuracy(self.logs)


@dataclass(frozen=True)
class FitCall:
    index: int
    epochs_requested: int | None
    callbacks: tuple[CallbackInfo, ...]
    callbacks_given: bool
    x: DataInfo | None
    on_test_set: bool
    on_train_set: bool
    layers: tuple[dict[str, Any], ...]
    epochs: tuple[EpochRecord, ...] = ()
    error: str = ""
    start_weights: str = ""  # fingerprints of the weights when fit began and when it returned
    end_weights: str = ""
    model: int = 0  # the model's number, in the order models were first trained
    capped_to: int | None = None  # asked for more epochs than the limit: trained only these
    initial_epoch: int = 0  # `fit(initial_epoch=...)`: Keras trains epochs initial..epochs-1
    # How many epochs Keras's own History says this fit ran (None: unknown, e.g. it raised).
    epochs_run: int | None = None
    identity: int | None = None  # the model among all compiled or fitted (matches a compile)
    callbacks_form: str = ""  # the type of the `callbacks` argument: list, tuple, a Callback...

    @property
    def student_callbacks(self) -> tuple[CallbackInfo, ...]:
        return tuple(cb for cb in self.callbacks if not cb.builtin)

    @property
    def epochs_to_train(self) -> int:
        """The epochs this call asked to train: `epochs - initial_epoch` (Keras trains
        `range(initial_epoch, epochs)`), never the `epochs` argument alone."""
        return max((self.epochs_requested or 0) - self.initial_epoch, 0)

    @property
    def unfollowed_epochs(self) -> int:
        """Epochs Keras ran (its History) that the grader's recorder did not see: the grader's
        blind spot, never the student's mistake."""
        if self.epochs_run is None:
            return 0
        return max(self.epochs_run - len(self.epochs), 0)


@dataclass(frozen=True)
class CompileInfo:
    loss: str | None
    from_logits: bool
    optimizer: str | None
    metrics: tuple[str, ...]
    identity: int | None = None  # which model was compiled (FitCall.identity of its fits)
    fits_before: int = 0  # how many `fit` calls had started when this compile ran
