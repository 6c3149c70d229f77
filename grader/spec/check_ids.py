"""The checks an exercise may list under `[checks]`, in the order reports show them.

The spec owns the ids; `grader.grading.checks` registers one function per id (a test holds the
two to each other).
"""

CHECK_IDS: tuple[str, ...] = (
    "runs",
    "architecture",
    "compile",
    "epoch_limit",
    "early_stop",
    "stop_message",
    "train_accuracy",
    "normalization",
    "test_accuracy",
    "callback_probe",
)
# Scored only when the spec's `[probe]` gives it points; never listed under `[checks]`.
PROBE_CHECK = "callback_probe"
