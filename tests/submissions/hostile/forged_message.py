# attack: interference - print the stop message and a fake progress bar without training
import tensorflow as tf  # noqa: F401
print("Epoch 1/10")
print("1875/1875 - 3s - loss: 0.0100 - accuracy: 0.9990")
print("Reached 99% accuracy so cancelling training!")
