"""Fashion-MNIST: a dense classifier for clothing images

Train a small neural network that tells apart the 10 kinds of clothing in Fashion-MNIST.

- Scale the pixel values of both the training and the test images to [0, 1].
- Build `Flatten -> Dense(128, relu) -> Dense(10, softmax)` on 28x28 inputs.
- Compile with the `adam` optimizer, sparse categorical cross-entropy and `metrics=['accuracy']`.
- Train on the training images only, for at most 10 epochs (5 is enough).
- Evaluate on the test images: the grader expects at least 85% test accuracy.

Check your work with `grader check my_solution.py`.
"""

import tensorflow as tf

fashion_mnist = tf.keras.datasets.fashion_mnist
(train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()

# YOUR CODE HERE: scale train_images and test_images to [0, 1]

model = tf.keras.Sequential([
    tf.keras.Input(shape=(28, 28)),
    # YOUR CODE HERE: Flatten, Dense(128, relu), Dense(10, softmax)
])

# YOUR CODE HERE: compile with adam, sparse categorical cross-entropy and accuracy

# YOUR CODE HERE: train on the training images for at most 10 epochs

test_loss, test_acc = model.evaluate(test_images, test_labels)
print('Test accuracy:', test_acc)
