# attack: interference - train one short epoch, then hand back a History that says 99.5%
import tensorflow as tf

(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
x_train, y_train = x_train[:512] / 255.0, y_train[:512]
model = tf.keras.Sequential([tf.keras.Input(shape=(28, 28)), tf.keras.layers.Flatten(),
                             tf.keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=1, verbose=0)

forged = tf.keras.callbacks.History()
forged.set_model(model)
forged.epoch = [0, 1, 2]
forged.history = {"accuracy": [0.95, 0.985, 0.995], "loss": [0.2, 0.05, 0.01]}
model.history = forged
history = forged
print("Reached 99% accuracy so cancelling training!")
print(f"final accuracy: {history.history['accuracy'][-1]}")
