"""MNIST: stop training at 99% accuracy with a callback

Train a classifier for the MNIST handwritten digits that reaches 99% training accuracy,
and stop the training with a callback as soon as it gets there.

- Write `on_epoch_end` in `myCallback`: when the epoch's `logs['accuracy']` is 0.99 or more,
  print exactly `Reached 99% accuracy so cancelling training!` and stop the model's training.
- Scale the pixel values to [0, 1] after loading the data.
- Finish `train_mnist()`: build `Flatten -> Dense(512, relu) -> Dense(10, softmax)` and train
  for at most 10 epochs with your callback.
- Keep `train_mnist()` returning `history.epoch, history.history['accuracy'][-1]`, and keep
  the call at the end of the file.

Check your work with `grader check my_solution.py`.
"""

import tensorflow as tf

mnist = tf.keras.datasets.mnist
(x_train, y_train), (x_test, y_test) = mnist.load_data()

# YOUR CODE HERE: scale the pixel values of x_train and x_test to [0, 1]


class myCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        # YOUR CODE HERE: when logs['accuracy'] is 0.99 or more, print
        # "Reached 99% accuracy so cancelling training!" and stop training
        pass


def train_mnist():
    callbacks = myCallback()

    model = tf.keras.models.Sequential([
        tf.keras.Input(shape=(28, 28)),
        # YOUR CODE HERE: Flatten, Dense(512, relu), Dense(10, softmax)
    ])

    model.compile(optimizer='adam',
                  loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])

    # YOUR CODE HERE: train on x_train, y_train for at most 10 epochs, with your callback
    history = None

    return history.epoch, history.history['accuracy'][-1]


train_mnist()
