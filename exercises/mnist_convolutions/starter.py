"""MNIST with convolutions: stop training at 99.5% accuracy

The course's week-3 exercise. Improve the MNIST classifier with a convolution and a pooling
layer, and stop the training with a callback at the end of the first epoch whose training
accuracy is 99.5% or more.

Start from `starter.ipynb` (or `starter.py`) and fill in the `# YOUR CODE HERE` parts.

## What to build

- **The data**: load MNIST with `tf.keras.datasets.mnist.load_data(path=data_path)`
  (`data/mnist.npz` in the current folder). Write `reshape_and_normalize(images)`: add a channel
  dimension (`(60000, 28, 28)` becomes `(60000, 28, 28, 1)`) and scale the pixels to [0, 1].
- **The callback**: a subclass of `tf.keras.callbacks.Callback` whose `on_epoch_end` stops the
  training (`self.model.stop_training = True`) when `logs['accuracy']` is 0.995 or more, and
  prints exactly `Reached 99.5% accuracy so cancelling training!`.
- **The model**: `convolutional_model()` returns a compiled model:
  `tf.keras.Input(shape=(28, 28, 1))`, `Conv2D(32, (3, 3), relu)`, `MaxPooling2D(2, 2)`,
  `Flatten`, `Dense(128, relu)`, `Dense(10, softmax)`, with `adam`,
  `sparse_categorical_crossentropy` and `metrics=['accuracy']`. More convolution and pooling
  blocks are fine; keep it small, it must train in a few minutes.
- **Training**: `model.fit(training_images, training_labels, epochs=10, callbacks=[callbacks])`.
"""

import os
import numpy as np
import tensorflow as tf

current_dir = os.getcwd()
data_path = os.path.join(current_dir, "data/mnist.npz")

(training_images, training_labels), _ = tf.keras.datasets.mnist.load_data(path=data_path)


def reshape_and_normalize(images):
    # YOUR CODE HERE: add a channel dimension (np.expand_dims) and scale the pixels to [0, 1]
    return images


training_images = reshape_and_normalize(training_images)
print(f"Shape of training set after reshaping: {training_images.shape}")


class myCallback(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        # YOUR CODE HERE: when logs['accuracy'] is 0.995 or more, print
        # "Reached 99.5% accuracy so cancelling training!" and stop training
        pass


def convolutional_model():
    model = tf.keras.models.Sequential([
        tf.keras.Input(shape=(28, 28, 1)),
        # YOUR CODE HERE: Conv2D(32, (3, 3), relu), MaxPooling2D(2, 2), Flatten,
        # Dense(128, relu), Dense(10, softmax)
    ])

    model.compile(optimizer='adam',
                  loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])
    return model


model = convolutional_model()
callbacks = myCallback()

# YOUR CODE HERE: train on training_images, training_labels for at most 10 epochs, with callbacks
history = None
