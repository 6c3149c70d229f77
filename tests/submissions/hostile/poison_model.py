# attack: interference - let the grader save the model, then overwrite the file at exit
import atexit
import os
import tensorflow as tf

def poison():
    with open(os.environ["GRADER_MODEL_PATH"], "wb") as handle:
        handle.write(b"PK\x03\x04 not a model at all")

atexit.register(poison)
(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
model = tf.keras.Sequential([tf.keras.Input(shape=(28, 28)), tf.keras.layers.Flatten(),
                             tf.keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train[:2000] / 255.0, y_train[:2000], epochs=1, verbose=0)
