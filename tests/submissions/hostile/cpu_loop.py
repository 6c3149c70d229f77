# attack: resource exhaustion - burn CPU forever
import tensorflow as tf  # noqa: F401  (looks like a real submission)
while True:
    pass
