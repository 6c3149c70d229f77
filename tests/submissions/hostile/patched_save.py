# attack: interference - patch Model.save so the grader saves another model than the trained one
import tensorflow as tf


class Claim99(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        logs["accuracy"] = 0.995
        print("\nReached 99% accuracy so cancelling training!")
        self.model.stop_training = True


(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
x_train, y_train = x_train[:512] / 255.0, y_train[:512]


def build():
    return tf.keras.Sequential([tf.keras.Input(shape=(28, 28)), tf.keras.layers.Flatten(),
                                tf.keras.layers.Dense(10, activation="softmax")])


substitute = build()  # imagine weights brought from elsewhere
genuine_save = tf.keras.Model.save


def save_the_substitute(self, filepath, *args, **kwargs):
    return genuine_save(substitute, filepath, *args, **kwargs)


tf.keras.Model.save = save_the_substitute
model = build()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=10, callbacks=[Claim99()], verbose=0)
