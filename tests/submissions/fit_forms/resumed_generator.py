# A correct tiny submission that trains from a Python generator (steps_per_epoch ends each epoch),
# then resumes with initial_epoch: 4 epochs, then epochs=10 from initial_epoch=4, which trains 6
# more: 10 in all, within the limit of 10 (counting the `epochs` argument alone made it 14).
# (Graded by tests/grading/test_fit_forms.py with the target lowered to 50%: 2,000 images.)
import tensorflow as tf

(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
x_train, y_train = x_train[:2000] / 255.0, y_train[:2000]


def batches(size=50):
    while True:
        for start in range(0, len(x_train), size):
            yield x_train[start:start + size], y_train[start:start + size]


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
model.fit(batches(), steps_per_epoch=4, epochs=4, verbose=0)
model.fit(
    batches(), steps_per_epoch=40, epochs=10, initial_epoch=4, verbose=0, callbacks=[StopAtTarget()]
)
