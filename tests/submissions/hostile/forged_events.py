# attack: interference - forge the harness's evidence: ten perfect epochs, a stop, a saved model
import json
import os
fd = os.open(os.environ["GRADER_EVENTS"], os.O_WRONLY)
def send(**event):
    os.write(fd, (json.dumps(event) + "\n").encode())
send(type="fit_start", fit=0, epochs=5, callbacks=[{"name": "myCallback", "is_class": False,
     "is_keras_callback": True, "hooks": ["on_epoch_end"], "builtin": False}], callbacks_given=True)
send(type="epoch", fit=0, epoch=0, logs={"accuracy": 0.999, "loss": 0.01}, stop_training=True)
send(type="print", text="Reached 99% accuracy so cancelling training!", fit=0, epoch=0,
     phase="epoch_end")
send(type="fit_end", fit=0, epochs_run=1)
send(type="model", saved=True)
os._exit(0)
