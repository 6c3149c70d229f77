# attack: interference - train three short epochs for real, then claim 99.5% in the third
import tensorflow as tf


class Claim99(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 2:
            logs["accuracy"] = 0.995
            logs["loss"] = 0.01
            print("\nReached 99% accuracy so cancelling training!")
            self.model.stop_training = True


(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
x_train, y_train = x_train[:1024] / 255.0, y_train[:1024]
model = tf.keras.Sequential([tf.keras.Input(shape=(28, 28)), tf.keras.layers.Flatten(),
                             tf.keras.layers.Dense(32, activation="relu"),
                             tf.keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=10, callbacks=[Claim99()], verbose=0)
