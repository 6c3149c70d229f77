# mistake: 28 fit_generator: Keras 3 trains on a generator with fit itself
import numpy as np
import tensorflow as tf

fashion_mnist = tf.keras.datasets.fashion_mnist
(train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()
train_images, test_images = train_images / 255.0, test_images / 255.0


def shuffled_batches(images, labels, size=64):
    while True:
        order = np.random.permutation(len(images))
        for start in range(0, len(images) - size + 1, size):
            pick = order[start:start + size]
            yield images[pick], labels[pick]


model = tf.keras.Sequential([
    tf.keras.Input(shape=(28, 28)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(128, activation='relu'),
    tf.keras.layers.Dense(10, activation='softmax'),
])
model.compile(optimizer='adam',
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])

model.fit_generator(shuffled_batches(train_images, train_labels),
                    steps_per_epoch=len(train_images) // 64, epochs=5)
print(model.evaluate(test_images, test_labels))
