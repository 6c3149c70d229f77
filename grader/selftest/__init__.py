"""`grader selftest`: an exercise proves itself. Its reference must pass on every robustness seed,
and each mutant of the reference (one classic mistake of docs/mistakes.md, made by a LibCST
operator from the spec) must be caught by the check expected to catch it, with a hint that names
the mistake. Stages: `operators` and `mutants` (making them), `run` (grading them through the
batch), `outcome` (what became of each), `samples` and `sanity` (the sample class and the task
text), `page` (the terminal, HTML and JSON).

    from grader.selftest import selftest, SelftestOptions
    result = selftest("mnist_callback", SelftestOptions(quick=True))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["SelftestOptions", "selftest"]

if TYPE_CHECKING:
    from grader.selftest.run import SelftestOptions, selftest


def __getattr__(name: str) -> Any:
    # Imported on first use: making mutants needs neither the batch nor TensorFlow's side.
    if name in __all__:
        from grader.selftest import run

        return getattr(run, name)
    raise AttributeError(name)
