import tensorflow as tf
import matplotlib.pyplot as plt

fashion_mnist = tf.keras.datasets.fashion_mnist
(train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()

# look at many samples, one figure each
for i in range(30):
    plt.figure(figsize=(2, 2))
    plt.imshow(train_images[i], cmap='gray')
    plt.title(str(train_labels[i]))
    plt.show()

# (training still to come)
