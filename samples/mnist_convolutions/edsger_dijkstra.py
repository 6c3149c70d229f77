import os
import numpy as np
import tensorflow as tf

# Load the data
current_dir = os.getcwd()
data_path = os.path.join(current_dir, "data/mnist.npz")

(training_images, training_labels), _ = tf.keras.datasets.mnist.load_data(path=data_path)


def reshape_and_normalize(images):

    # Reshape the images to add an extra dimension
    images = np.expand_dims(images, axis=-1)

    # Normalize pixel values
    images = images / 255.0

    return images


# Apply your function
training_images = reshape_and_normalize(training_images)

print(f"Maximum pixel value after normalization: {np.max(training_images)}\n")
print(f"Shape of training set after reshaping: {training_images.shape}\n")


class myCallback(tf.keras.callbacks.Callback):
    # Define the method that checks the accuracy at the end of each epoch
    def on_epoch_end(self, epoch, logs=None):
        if logs.get('accuracy') >= 0.995:
            print("\nReached 99.5% accuracy so cancelling training!")
            self.model.stop_training = True


def convolutional_model():
    # Define the model
    model = tf.keras.models.Sequential([
        tf.keras.Input(shape=(28, 28, 1)),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(512, activation='relu'),
        tf.keras.layers.Dense(10, activation='softmax'),
    ])

    # Compile the model
    model.compile(optimizer='adam',
                  loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])

    return model


# Save your untrained model
model = convolutional_model()

# Instantiate the callback class
callbacks = myCallback()

# Train your model (this can take up to 5 minutes)
history = model.fit(training_images, training_labels, epochs=10, callbacks=[callbacks])
