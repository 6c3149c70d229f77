# A clear pass: a wide network reaches the threshold in its second epoch and stops there.
import tensorflow as tf


class StopAtThreshold(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if logs.get("accuracy", 0) >= 0.94:
            print("Reached 94% accuracy so cancelling training!")
            self.model.stop_training = True


(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
x_train = x_train / 255.0
net = tf.keras.Sequential(
    [
        tf.keras.Input(shape=(28, 28)),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(512, activation="relu"),
        tf.keras.layers.Dense(10, activation="softmax"),
    ]
)
net.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
net.fit(x_train, y_train, epochs=3, callbacks=[StopAtThreshold()])
