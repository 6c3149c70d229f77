# Every form of `fit` that Keras 3 accepts, each on a tiny model and tiny made-up data.
#
# Run twice by tests/grading/test_fit_forms.py: once as plain Python, once under the grader's
# harness. Each form writes what Keras returned (the History's epochs, or the error it raised)
# and every call the form's tallying callback received, in order, to the JSON file named by
# FORMS_OUT. The two runs must agree call for call, and the harness's evidence must count the
# epochs the History counts.
import inspect
import json
import os

import keras
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(7)
features = rng.random((48, 6)).astype("float32")
labels = (features[:, 0] > 0.5).astype("int32")


def small_model(units=4):
    model = keras.Sequential(
        [keras.Input(shape=(6,)), keras.layers.Dense(units, activation="relu"),
         keras.layers.Dense(2, activation="softmax")]
    )
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class Tally(keras.callbacks.Callback):
    """Writes down every hook Keras calls, with its epoch or batch, and the logs' keys."""

    def __init__(self, stop_at=None):
        super().__init__()
        self.calls = []
        self.stop_at = stop_at

    def _note(self, hook, number, logs):
        self.calls.append([hook, number, sorted(logs or {})])

    def on_train_begin(self, logs=None):
        self._note("train_begin", None, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._note("epoch_begin", epoch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._note("batch_end", batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._note("epoch_end", epoch, logs)
        if self.stop_at is not None and epoch >= self.stop_at:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self._note("train_end", None, logs)


def batches_forever(size=16):
    """A Python generator of (x, y) batches: Keras needs `steps_per_epoch` to end an epoch."""
    while True:
        for start in range(0, len(features), size):
            yield features[start:start + size], labels[start:start + size]


class Batches(keras.utils.PyDataset):
    def __len__(self):
        return 3

    def __getitem__(self, index):
        part = slice(index * 16, index * 16 + 16)
        return features[part], labels[part]


# form name -> (the `fit` parameters it exercises, how to call fit on a model with a tally)
FORMS = {
    "callbacks_list": (["callbacks"], lambda m, t: m.fit(features, labels, epochs=2, verbose=0, callbacks=[t])),
    "callbacks_single": (["callbacks"], lambda m, t: m.fit(features, labels, epochs=2, verbose=0, callbacks=t)),
    "callbacks_tuple": (["callbacks"], lambda m, t: m.fit(features, labels, epochs=2, verbose=0, callbacks=(t,))),
    "callbacks_nested": (["callbacks"], lambda m, t: m.fit(features, labels, epochs=2, verbose=0, callbacks=[[t]])),
    "callbacks_none": (["callbacks"], lambda m, t: m.fit(features, labels, epochs=2, verbose=0, callbacks=None)),
    "callbacks_empty": (["callbacks"], lambda m, t: m.fit(features, labels, epochs=2, verbose=0, callbacks=[])),
    "callbacks_callbacklist": (
        ["callbacks"],
        lambda m, t: m.fit(
            features, labels, epochs=2, verbose=0,
            callbacks=keras.callbacks.CallbackList([t], add_history=True, model=m),
        ),
    ),
    "callbacks_stop_early": (["callbacks"], lambda m, t: m.fit(features, labels, epochs=3, verbose=0, callbacks=[Tally(stop_at=0), t])),
    "epochs_numpy_int": (["epochs"], lambda m, t: m.fit(features, labels, epochs=np.int64(2), verbose=0, callbacks=[t])),
    "epochs_float": (["epochs"], lambda m, t: m.fit(features, labels, epochs=2.0, verbose=0, callbacks=[t])),
    "epochs_capped": (["epochs"], lambda m, t: m.fit(features, labels, epochs=5, verbose=0, callbacks=[t])),
    "initial_epoch": (["initial_epoch"], lambda m, t: m.fit(features, labels, epochs=3, initial_epoch=1, verbose=0, callbacks=[t])),
    "x_dataset": (
        ["x"],
        lambda m, t: m.fit(tf.data.Dataset.from_tensor_slices((features, labels)).batch(16), epochs=2, verbose=0, callbacks=[t]),
    ),
    "x_generator": (
        ["x", "steps_per_epoch"],
        lambda m, t: m.fit(batches_forever(), steps_per_epoch=3, epochs=2, verbose=0, callbacks=[t]),
    ),
    "x_pydataset": (["x"], lambda m, t: m.fit(Batches(), epochs=2, verbose=0, callbacks=[t])),
    "validation_data": (
        ["validation_data"],
        lambda m, t: m.fit(features, labels, epochs=2, verbose=0, validation_data=(features, labels), callbacks=[t]),
    ),
    "validation_split": (
        ["validation_split"],
        lambda m, t: m.fit(features, labels, epochs=2, verbose=0, validation_split=0.25, callbacks=[t]),
    ),
    "steps_per_epoch": (
        ["steps_per_epoch"],
        lambda m, t: m.fit(features, labels, batch_size=8, steps_per_epoch=2, epochs=2, verbose=0, callbacks=[t]),
    ),
    # Keras's own order: x, y, batch_size, epochs, verbose, callbacks
    "positional": (
        ["x", "y", "batch_size", "epochs", "verbose", "callbacks"],
        lambda m, t: m.fit(features, labels, 16, 2, 0, [t]),
    ),
}

results = {
    "fit_parameters": list(inspect.signature(keras.Model.fit).parameters),
    "forms": {},
}
for name, (parameters, call) in FORMS.items():
    keras.utils.set_random_seed(3)
    tally = Tally()
    model = small_model()
    outcome = {"parameters": parameters}
    try:
        history = call(model, tally)
        outcome["history_epochs"] = list(history.epoch)
    except Exception as exc:
        outcome["raised"] = f"{type(exc).__name__}: {exc}"
    outcome["calls"] = tally.calls
    results["forms"][name] = outcome

# Two models: the first compiled with its metric and trained; the second compiled without one
# and trained; then the first trained on. The first is graded (the model of the last fit), and
# its own compile is the one to judge, not the last compile of all.
first = small_model(units=3)
first.fit(features, labels, epochs=1, verbose=0)
second = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(2, activation="softmax")])
second.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
second.fit(features, labels, epochs=1, verbose=0)
first.fit(features, labels, epochs=2, initial_epoch=1, verbose=0)

with open(os.environ["FORMS_OUT"], "w", encoding="utf-8") as out:
    json.dump(results, out)
