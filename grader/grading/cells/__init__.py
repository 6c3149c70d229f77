"""The one reader of submission files: a notebook's or a module's bytes become typed cells read
as IPython reads them, or a `SubmissionError` in the grader's words naming the file and cell.

Two steps: `read_file` (bytes to `Cell`s, `grader.grading.cells.files`) and `read_code` (code
cells to `CodeCell`s as IPython compiles them, lines mapped to the student's,
`grader.grading.cells.ipython`). The loader, the static rules, the import rules and the cache
key all read cells through here.
"""

from grader.grading.cells.files import (
    RAISES_EXCEPTION,
    Cell,
    SourceFile,
    SubmissionError,
    SubmissionKind,
    read_file,
)
from grader.grading.cells.ipython import CodeCell, Command, CommandKind, automagic_names, read_code

__all__ = [
    "RAISES_EXCEPTION",
    "Cell",
    "CodeCell",
    "Command",
    "CommandKind",
    "SourceFile",
    "SubmissionError",
    "SubmissionKind",
    "automagic_names",
    "read_code",
    "read_file",
]
