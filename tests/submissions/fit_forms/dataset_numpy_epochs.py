# A correct tiny submission that trains on a tf.data.Dataset, with epochs as a numpy integer and
# its callback in a tuple.
# (Graded by tests/grading/test_fit_forms.py with the target lowered to 50%: 2,000 images.)
import numpy as np
import tensorflow as tf

(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
x_train, y_train = x_train[:2000] / 255.0, y_train[:2000]


class StopAtTarget(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if logs["accuracy"] >= 0.5:
            print("\nReached 99% accuracy so cancelling training!")
            self.model.stop_training = True


model = tf.keras.Sequential([
    tf.keras.Input(shape=(28, 28)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
batches = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(32)
model.fit(batches, epochs=np.int64(5), verbose=0, callbacks=(StopAtTarget(),))
