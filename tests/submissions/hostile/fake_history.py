# attack: interference - train briefly, then rewrite the logged accuracy so the history lies
import tensorflow as tf

class Liar(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        logs["accuracy"] = 0.999
        print("\nReached 99% accuracy so cancelling training!")
        self.model.stop_training = True

(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
x_train = x_train[:2000] / 255.0
model = tf.keras.Sequential([tf.keras.Input(shape=(28, 28)), tf.keras.layers.Flatten(),
                             tf.keras.layers.Dense(16, activation="relu"),
                             tf.keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train[:2000], epochs=10, callbacks=[Liar()], verbose=0)
