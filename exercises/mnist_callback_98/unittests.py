"""A stand-in for the course platform's `unittests` module, shipped by the grader.

The course's notebooks for this exercise `import unittests` (a file that sits beside the notebook
on the course platform) and call its tests, e.g. `unittests.test_EarlyStoppingCallback(...)`.
That file is not the student's work and is not published with it, so the grader puts this one
beside each submission instead. Every test here accepts whatever the notebook passes and only
says that the grader's own checks judge that part; `parameter_count(model)` prints the count.
"""

from __future__ import annotations

from typing import Any

_SAYS = (
    "(grader) unittests.{name}: the course's own test does not run here; "
    "the grader's checks judge this part."
)


def parameter_count(model: Any, *args: Any, **kwargs: Any) -> None:
    """Print the model's parameter count, as the course's helper does."""
    try:
        total = int(model.count_params())
    except Exception:  # a model not built yet, or not a model: say so and go on
        print("(grader) unittests.parameter_count: the model's parameters cannot be counted yet.")
        return
    print(f"(grader) The model has {total:,} parameters.")


def __getattr__(name: str) -> Any:
    """Any other helper the notebook calls (`test_...`): accept its arguments, change nothing."""
    if name.startswith("__"):
        raise AttributeError(name)

    def stand_in(*args: Any, **kwargs: Any) -> None:
        print(_SAYS.format(name=name))

    stand_in.__name__ = name
    return stand_in
