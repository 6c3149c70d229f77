"""The mutation operators: each turns the reference into the same solution with one classic
mistake of docs/mistakes.md, read from the spec (its layers, threshold, message, epoch limit),
never written by hand for an exercise. LibCST edits keep every other character as it was. The
edits themselves live by subject: `model_ops`, `callback_ops`, `training_ops`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from grader.selftest.callback_ops import (
    callback_base,
    callback_class_passed,
    callback_not_passed,
    comparison_turned,
    history_key,
    hook_misspelled,
    message,
    message_slash_n,
    metric_key,
    model_assigned,
    self_stop_training,
    threshold_lowered,
)
from grader.selftest.edits import Edit
from grader.selftest.model_ops import (
    activations,
    class_name_case,
    drop_layers,
    input_shape,
    output_units,
)
from grader.selftest.training_ops import (
    epochs_raised,
    import_removed,
    loss_changed,
    metrics_removed,
    nb_epoch,
    optimizer_changed,
    optimizer_class,
    optimizer_tf1,
    other_data,
    scaling_removed,
)
from grader.spec.exercise import ExerciseSpec

Apply = Callable[[cst.Module, ExerciseSpec], list[Edit]]


@dataclass(frozen=True)
class Operator:
    code: str
    row: int | None  # the row of docs/mistakes.md it plays (None: a mistake only the run shows)
    mistake: str
    checks: tuple[str, ...]  # the checks expected to catch it (those the exercise has count)
    hints: tuple[str, ...]  # the hint ids that name this mistake
    static: bool  # a static rule must see it: judged without training by `--quick`
    needs: str  # what the reference must contain for it to apply
    apply: Apply
    # docs/mistakes.md accepts it with a note (design/mistakes.md: "Accept, but note"): the
    # grader must not fail it but must name it; a passing check carrying its hint is `noted`.
    accepted: bool = False


OPERATORS: tuple[Operator, ...] = (
    # the model
    Operator("drop", 13, "a required layer dropped", ("architecture", "runs"),
             ("missing_flatten", "architecture_pattern", "output_units", "input_shape"),
             False, "a `Sequential([...])` model", drop_layers),
    Operator("output_units", 14, "the output layer's units changed", ("architecture", "runs"),
             ("output_units",), True, "the output layer's units as a number", output_units),
    Operator("activation", None, "a layer's activation changed", ("architecture", "compile"),
             ("architecture_pattern", "logits_without_flag"), False,
             "a layer whose pattern names its activation", activations),
    Operator("input_shape", 15, "the input shape changed", ("architecture", "runs"),
             ("input_shape",), True, "a declared input shape", input_shape),
    Operator("class_case", 29, "a Keras class in lower case", ("runs",),
             ("class_name_case",), True, "a layer written `module.Class(...)`", class_name_case),
    # the callback
    Operator("threshold_lowered", 21, "the threshold lowered", ("early_stop", "train_accuracy"),
             ("stop_condition",), True, "a comparison with the threshold", threshold_lowered),
    Operator("comparison_turned", 3, "`>=` turned into `>`", ("early_stop", "callback_probe"),
             ("greater_than",), False, "a `>=` comparison with the threshold", comparison_turned,
             accepted=True),
    Operator("metric_key", 1, "the metric read under its Keras 2 name", ("runs", "early_stop"),
             ("acc_key",), True, "the callback reading 'accuracy'", metric_key),
    Operator("history_key", 2, "the history read under its Keras 2 name", ("runs",),
             ("history_acc_key",), True, "`history.history['accuracy']`", history_key),
    Operator("message", 5, "the stop message changed", ("stop_message",),
             ("message_text",), True, "the stop message as a string", message),
    Operator("message_slash_n", 4, "`/n` for `\\n`", ("stop_message",),
             ("message_slash_n",), True, "the message printed after `\\n`", message_slash_n),
    Operator("callback_not_passed", 7, "the callback not given to `fit`",
             ("early_stop", "stop_message"), ("callback_not_passed",), True,
             "a callback given to `fit`", callback_not_passed),
    Operator("callback_class_passed", 9, "the callback class, not an instance",
             ("runs",), ("callback_class_passed",), True,
             "a callback instance made with `Class()`", callback_class_passed),
    Operator("callback_base", 10, "the callback not a `Callback` subclass", ("runs",),
             ("callback_base_class",), True, "a callback class", callback_base),
    Operator("hook_misspelled", 11, "the callback's hook misspelled",
             ("early_stop", "stop_message"), ("callback_signature",), True,
             "an `on_epoch_end` hook", hook_misspelled),
    Operator("self_stop_training", 8, "stopping via `self.stop_training`",
             ("early_stop",), ("self_stop_training",), True,
             "`self.model.stop_training`", self_stop_training),
    Operator("model_assigned", 27, "a Keras 2 callback assigning `self.model`", ("runs",),
             ("callback_model_assigned",), True, "a callback class", model_assigned),
    # training
    Operator("epochs_raised", 6, "the epochs raised past the limit", ("epoch_limit",),
             ("epochs_limit",), True, "`fit(..., epochs=N)`", epochs_raised),
    Operator("nb_epoch", 31, "a Keras 1 argument", ("runs",), ("renamed_argument",), True,
             "`fit(..., epochs=N)`", nb_epoch),
    Operator("scaling_removed", 18, "the pixel scaling removed",
             ("normalization", "train_accuracy", "early_stop", "test_accuracy"),
             ("normalize_pixels",), True, "a division by 255", scaling_removed),
    Operator("loss_changed", None, "the loss changed", ("compile", "runs"),
             ("sparse_loss",), False, "`loss='sparse_categorical_crossentropy'`", loss_changed),
    Operator("optimizer_changed", None, "the optimizer changed",
             ("compile", "train_accuracy", "early_stop", "test_accuracy"),
             ("keep_training", "low_test_accuracy"), False, "`optimizer=` as a string",
             optimizer_changed),
    Operator("optimizer_tf1", 17, "a TensorFlow 1 optimizer argument", ("runs",), ("tf1_api",),
             True, "`optimizer='adam'`", optimizer_tf1),
    Operator("optimizer_class", 34, "the optimizer class without `()`", ("runs",),
             ("optimizer_class",), True, "`optimizer='adam'`", optimizer_class),
    Operator("metrics_removed", 19, "no accuracy metric in `compile`",
             ("compile", "runs", "early_stop", "train_accuracy"), ("missing_metrics",), True,
             "`compile(..., metrics=...)`", metrics_removed),
    Operator("import_removed", 24, "`import tensorflow as tf` left out", ("runs",),
             ("missing_import",), True, "`import tensorflow as tf`", import_removed),
    Operator("other_data", 20, "the model trained on other data",
             ("test_accuracy", "train_accuracy", "early_stop"), ("train_on_test",), False,
             "the test split named beside the training one", other_data),
)  # fmt: skip

# Rows of docs/mistakes.md no operator plays, and why (the selftest page lists them).
ROWS_NOT_PLAYED: dict[int, str] = {
    12: "the callback class moved into a function: a change of layout, not one edit",
    16: "a softmax output with `from_logits=True` is accepted (a note, not a mistake)",
    22: "an entry point never called is accepted: the grader calls it (a note)",
    23: "Colab-only lines are neutralised, not failed (a note)",
    25: "a module outside the course environment depends on the machine, not the exercise",
    26: "the starter handed in unfilled is the starter, not a mutant of the reference",
    28: "the references call no removed model method (`predict_classes`...)",
    30: "the references use no TensorFlow 1 name beyond row 17's",
    32: "the references import no Keras 2 module path",
    33: "the references save no model",
}
