# Like the course lab's template: the data path built from COURSE_ROOT, then a TensorBoard
# callback as the C1W3 experiments add it, its logs under the course folder and under /tmp.
# (Graded at every isolation level by tests/spec/test_lab_sandbox.py.)
import os
import shutil
import tensorflow as tf

PATH = os.environ["COURSE_ROOT"]
TMP_LOGS = f"/tmp/lab-logs-{os.getpid()}"
print("course root is the working folder:", os.path.samefile(PATH, os.getcwd()))
data_path = os.path.join(PATH, "data/mnist.npz")
(x_train, y_train), _ = tf.keras.datasets.mnist.load_data(path=data_path)
x_train, y_train = x_train[:256] / 255.0, y_train[:256]

model = tf.keras.Sequential([
    tf.keras.Input(shape=(28, 28)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
boards = [
    tf.keras.callbacks.TensorBoard(log_dir=os.path.join(PATH, "logs", "fit")),
    tf.keras.callbacks.TensorBoard(log_dir=TMP_LOGS),
]
model.fit(x_train, y_train, epochs=1, verbose=0, callbacks=boards)
for name, folder in (("COURSE_ROOT/logs", os.path.join(PATH, "logs")), ("/tmp", TMP_LOGS)):
    written = [file for _, _, files in os.walk(folder) for file in files]
    print(name, "event files:", sum("tfevents" in file for file in written))
shutil.rmtree(TMP_LOGS)  # below the namespaces level, /tmp is the machine's own
