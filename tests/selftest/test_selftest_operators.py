"""Each mutation operator of `grader selftest` (grader/selftest/*_ops.py) on the real reference
solutions: it applies, the mutant parses, every line it did not mean to touch is kept byte for
byte (comments and formatting included), and the change is the one mistake it names."""

from __future__ import annotations

import ast
import difflib
import functools

import libcst as cst
import pytest
from paths import SOLUTIONS

from grader.selftest.mutants import Mutant, derive_mutants
from grader.selftest.operators import OPERATORS, ROWS_NOT_PLAYED
from grader.spec.exercise import available_exercises, load_exercise

EXERCISES = available_exercises()


@functools.cache
def mutants_of(exercise: str) -> tuple[str, dict[str, Mutant]]:
    source = (SOLUTIONS / f"{exercise}.py").read_text(encoding="utf-8")
    made, _ = derive_mutants(source, load_exercise(exercise))
    return source, {m.id: m for m in made}


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines removed and the lines added (as a line diff sees them)."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


# (exercise, mutant id, the only lines removed, the only lines added): the exact mistake.
EXPECTED = [
    ("mnist_callback", "drop_flatten_1", ["        tf.keras.layers.Flatten(),"], []),
    ("mnist_callback", "drop_dense_3",
     ["        tf.keras.layers.Dense(10, activation='softmax'),"], []),
    ("mnist_callback", "output_units", ["        tf.keras.layers.Dense(10, activation='softmax'),"],
     ["        tf.keras.layers.Dense(9, activation='softmax'),"]),
    ("mnist_callback", "activation_dense_2",
     ["        tf.keras.layers.Dense(512, activation='relu'),"],
     ["        tf.keras.layers.Dense(512, activation='sigmoid'),"]),
    ("mnist_callback", "input_shape", ["        tf.keras.Input(shape=(28, 28)),"],
     ["        tf.keras.Input(shape=(784,)),"]),
    ("mnist_convolutions", "input_shape", ["        tf.keras.Input(shape=(28, 28, 1)),"],
     ["        tf.keras.Input(shape=(28, 28)),"]),
    ("mnist_callback", "class_case", ["        tf.keras.layers.Flatten(),"],
     ["        tf.keras.layers.flatten(),"]),
    ("mnist_callback", "threshold_lowered", ["        if logs['accuracy'] >= 0.99:"],
     ["        if logs['accuracy'] >= 0.97:"]),
    ("mnist_convolutions", "threshold_lowered", ["        if logs.get('accuracy') >= 0.995:"],
     ["        if logs.get('accuracy') >= 0.975:"]),
    ("mnist_callback", "comparison_turned", ["        if logs['accuracy'] >= 0.99:"],
     ["        if logs['accuracy'] > 0.99:"]),
    ("mnist_callback", "metric_key", ["        if logs['accuracy'] >= 0.99:"],
     ["        if logs['acc'] >= 0.99:"]),
    ("mnist_callback", "history_key",
     ["    return history.epoch, history.history['accuracy'][-1]"],
     ["    return history.epoch, history.history['acc'][-1]"]),
    ("mnist_callback", "message_case",
     ['            print("\\nReached 99% accuracy so cancelling training!")'],
     ['            print("\\nreached 99% accuracy so cancelling training!")']),
    ("mnist_callback_98", "message_punctuation",
     ['            print("\\nReached 98% accuracy so cancelling training!")'],
     ['            print("\\nReached 98% accuracy so cancelling training")']),
    ("mnist_convolutions", "message_wording",
     ['            print("\\nReached 99.5% accuracy so cancelling training!")'],
     ['            print("\\nReached 99.5% accuracy so canceling training!")']),
    ("mnist_callback", "message_slash_n",
     ['            print("\\nReached 99% accuracy so cancelling training!")'],
     ['            print("/nReached 99% accuracy so cancelling training!")']),
    ("mnist_callback", "callback_not_passed",
     ["    history = model.fit(x_train, y_train, epochs=10, callbacks=[callbacks])"],
     ["    history = model.fit(x_train, y_train, epochs=10)"]),
    ("mnist_callback_98", "callback_class_passed", ["    callbacks = EarlyStoppingCallback()"],
     ["    callbacks = EarlyStoppingCallback"]),
    ("mnist_callback", "callback_base", ["class myCallback(tf.keras.callbacks.Callback):"],
     ["class myCallback:"]),
    ("mnist_callback", "hook_misspelled", ["    def on_epoch_end(self, epoch, logs=None):"],
     ["    def on_epoch_ends(self, epoch, logs=None):"]),
    ("mnist_callback", "self_stop_training", ["            self.model.stop_training = True"],
     ["            self.stop_training = True"]),
    ("mnist_callback", "model_assigned", [],
     ["    def set_model(self, model):", "        self.model = model"]),
    ("fashion_mnist", "epochs_raised", ["model.fit(train_images, train_labels, epochs=5)"],
     ["model.fit(train_images, train_labels, epochs=15)"]),
    ("fashion_mnist", "nb_epoch", ["model.fit(train_images, train_labels, epochs=5)"],
     ["model.fit(train_images, train_labels, nb_epoch=5)"]),
    ("fashion_mnist", "scaling_removed",
     ["train_images = train_images / 255.0", "test_images = test_images / 255.0"],
     ["train_images = train_images", "test_images = test_images"]),
    ("fashion_mnist", "loss_changed", ["              loss='sparse_categorical_crossentropy',"],
     ["              loss='categorical_crossentropy',"]),
    ("fashion_mnist", "optimizer_changed", ["model.compile(optimizer='adam',"],
     ["model.compile(optimizer='sgd',"]),
    ("fashion_mnist", "optimizer_tf1", ["model.compile(optimizer='adam',"],
     ["model.compile(optimizer=tf.keras.optimizers.Adam(lr=0.001),"]),
    ("fashion_mnist", "optimizer_class", ["model.compile(optimizer='adam',"],
     ["model.compile(optimizer=tf.keras.optimizers.Adam,"]),
    ("fashion_mnist", "metrics_removed",
     ["              loss='sparse_categorical_crossentropy',",
      "              metrics=['accuracy'])"],
     ["              loss='sparse_categorical_crossentropy')"]),
    ("fashion_mnist", "import_removed", ["import tensorflow as tf"], []),
    ("fashion_mnist", "other_data", ["model.fit(train_images, train_labels, epochs=5)"],
     ["model.fit(test_images, test_labels, epochs=5)"]),
]  # fmt: skip


@pytest.mark.parametrize(("exercise", "mutant_id", "removed", "added"), EXPECTED)
def test_the_mutant_is_the_reference_with_exactly_one_mistake(
    exercise: str, mutant_id: str, removed: list[str], added: list[str]
) -> None:
    source, made = mutants_of(exercise)
    assert mutant_id in made, sorted(made)
    assert changed_lines(source, made[mutant_id].source) == (removed, added)


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_mutant_parses_and_keeps_the_comments(exercise: str) -> None:
    source, made = mutants_of(exercise)
    comments = [line.strip() for line in source.splitlines() if line.strip().startswith("#")]
    assert made
    for mutant in made.values():
        ast.parse(mutant.source)  # raises on a mutant that is not Python
        assert mutant.source != source, mutant.id
        kept = [line.strip() for line in mutant.source.splitlines()]
        assert all(c in kept for c in comments), mutant.id


def test_every_operator_applies_to_some_shipped_reference() -> None:
    applied = {m.operator for exercise in EXERCISES for m in mutants_of(exercise)[1].values()}
    assert applied == {o.code for o in OPERATORS}


def test_an_operator_that_does_not_apply_says_why() -> None:
    source = (SOLUTIONS / "fashion_mnist.py").read_text(encoding="utf-8")
    _, skipped = derive_mutants(source, load_exercise("fashion_mnist"))
    reasons = {s.what: s.reason for s in skipped}
    assert "the exercise has none of the checks" in reasons["message"]  # no stop message
    assert "the reference has none" in reasons["callback_base"]  # no callback class
    assert all(f"row {row}" in reasons for row in ROWS_NOT_PLAYED)


def test_every_catalogue_row_is_played_or_said_not_to_apply() -> None:
    played = {o.row for o in OPERATORS if o.row is not None}
    assert played.isdisjoint(ROWS_NOT_PLAYED)
    assert played | set(ROWS_NOT_PLAYED) == set(range(1, 35))


def test_a_variant_spec_gets_its_own_mutants() -> None:
    """An instructor's variant: the operators read its threshold and message, not a copy."""
    spec = load_exercise("mnist_callback_98")
    source = (SOLUTIONS / "mnist_callback_98.py").read_text(encoding="utf-8")
    made = {m.id: m for m in derive_mutants(source, spec)[0]}
    assert ">= 0.96:" in made["threshold_lowered"].source
    assert "reached 98% accuracy" in made["message_case"].source
    assert "epochs=15" in made["epochs_raised"].source


def test_a_reference_that_does_not_parse_is_refused_with_its_line() -> None:
    from grader.errors import UsageError

    with pytest.raises(UsageError, match=r"ref\.py: the reference does not parse"):
        derive_mutants("def f(:\n", load_exercise("mnist_callback"), "ref.py")


def test_the_diff_names_the_reference_and_the_mutant() -> None:
    source, made = mutants_of("mnist_callback")
    diff = made["callback_base"].diff(source)
    assert diff.startswith("--- reference.py\n+++ callback_base.py\n")
    assert "-class myCallback(tf.keras.callbacks.Callback):" in diff


def test_libcst_keeps_what_string_replacement_would_touch() -> None:
    """Only the comparison changes, not an equal number elsewhere (a comment, another call)."""
    source = (
        "import tensorflow as tf\n"
        "class C(tf.keras.callbacks.Callback):\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        "        # stop at 0.99\n"
        "        if logs['accuracy'] >= 0.99:\n"
        "            self.model.stop_training = True\n"
        "x = 0.99\n"
    )
    made = {m.id: m for m in derive_mutants(source, load_exercise("mnist_callback"))[0]}
    mutated = made["threshold_lowered"].source
    assert "# stop at 0.99" in mutated and "x = 0.99" in mutated
    assert changed_lines(source, mutated) == (
        ["        if logs['accuracy'] >= 0.99:"],
        ["        if logs['accuracy'] >= 0.97:"],
    )
    assert cst.parse_module(mutated).code == mutated
