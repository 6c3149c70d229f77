"""MNIST: stop training at 98% accuracy with `EarlyStoppingCallback`

The course's current version of the callback exercise. Train a classifier for the MNIST
handwritten digits and let a Keras callback end the training as soon as the model is good
enough: at the end of the first epoch whose training accuracy is 98% or more.

Start from `starter.ipynb` (or `starter.py`) and fill in the `# YOUR CODE HERE` parts.

## What to build

- **The data**: load MNIST with `tf.keras.datasets.mnist.load_data(path=data_path)`, where
  `data_path` is `data/mnist.npz` in the current folder, and scale the pixel values to [0, 1].
- **The callback**: a class `EarlyStoppingCallback`, a subclass of
  `tf.keras.callbacks.Callback`, with `on_epoch_end(self, epoch, logs=None)`. When
  `logs['accuracy']` is 0.98 or more, it sets `self.model.stop_training = True` and prints
  exactly `Reached 98% accuracy so cancelling training!`.
- **The model**: `tf.keras.Input(shape=(28, 28))`, `Flatten`, a `Dense` hidden layer with ReLU
  (512 units work well), `Dense(10, softmax)`; compiled with `adam`,
  `sparse_categorical_crossentropy` and `metrics=['accuracy']`.
- **The entry point**: `train_mnist(x_train, y_train)` takes the training images and labels,
  builds the model, trains it with `fit(..., epochs=10, callbacks=[...])` and returns the
  history. Call it as `hist = train_mnist(x_train, y_train)`. If you forget the call, the grader
  calls it for you, with the training data scaled as your notebook scaled it, and says so.
"""

import os
import tensorflow as tf

current_dir = os.getcwd()
data_path = os.path.join(current_dir, "data/mnist.npz")

(x_train, y_train), _ = tf.keras.datasets.mnist.load_data(path=data_path)

# YOUR CODE HERE: scale the pixel values of x_train to [0, 1]


class EarlyStoppingCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        # YOUR CODE HERE: when logs['accuracy'] is 0.98 or more, stop training and print
        # "Reached 98% accuracy so cancelling training!"
        pass


def train_mnist(x_train, y_train):
    callbacks = EarlyStoppingCallback()

    model = tf.keras.models.Sequential([
        tf.keras.Input(shape=(28, 28)),
        # YOUR CODE HERE: Flatten, Dense(512, relu), Dense(10, softmax)
    ])

    model.compile(optimizer='adam',
                  loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])

    # YOUR CODE HERE: train on x_train, y_train for at most 10 epochs, with your callback
    history = None

    return history


hist = train_mnist(x_train, y_train)
