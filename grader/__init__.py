"""grader: an automated grader for the TensorFlow course exercises."""

__version__ = "0.1.0"
