"""grader: an automated grader for the TensorFlow course exercises.

from grader import check
result = check("my_notebook.ipynb")   # a SubmissionResult; shows its report in Jupyter
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grader.version import __version__

__all__ = ["__version__", "check"]

if TYPE_CHECKING:
    from grader.api import check


def __getattr__(name: str) -> Any:
    # Imported on first use: `import grader` stays light for the CLI's fast paths.
    if name == "check":
        from grader.api import check

        return check
    raise AttributeError(name)
