"""Loading a submission (notebook or module): its cells read by `grader.grading.cells`, with the
lines that cannot run while grading (Colab-only code, package installs, shell commands)
neutralised, and its first syntax error."""

from __future__ import annotations

import ast
import functools
import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from grader.errors import UsageError
from grader.grading.cells import (
    Cell,
    CodeCell,
    Command,
    SourceFile,
    SubmissionError,
    SubmissionKind,
    automagic_names,
    read_code,
    read_file,
)

if TYPE_CHECKING:
    from grader.grading.evidence import Evidence

SUBMISSION_SUFFIXES = (".ipynb", ".py")
MAX_SUBMISSION_BYTES = 20 * 1024 * 1024


# Lines that only make sense on Colab: Python that imports or mounts what only Colab has.
# Replaced by `pass` so line numbers stay.
_COLAB_PYTHON = [
    (re.compile(r"^\s*(from\s+google\.colab\b|import\s+google\.colab\b)"), "Colab-only import"),
    (re.compile(r"^\s*drive\.mount\("), "Colab's Google Drive mount"),
]
_PACKAGES = "package installs do not run while grading"
_SHELL = "shell commands do not run while grading"
_BROWSER = "a cell that runs in the browser, not while grading"


@dataclass(frozen=True)
class NeutralisedLine:
    cell: int | None
    line: int
    text: str
    reason: str

    def describe(self) -> str:
        where = f"cell {self.cell}, line {self.line}" if self.cell else f"line {self.line}"
        return f"{where}: `{self.text.strip()}` ignored ({self.reason})"


@dataclass(frozen=True)
class Submission:
    id: str
    path: Path
    kind: SubmissionKind
    cells: list[CodeCell]  # the code cells as they run (Colab-only lines neutralised)
    sha256: str
    neutralised: list[NeutralisedLine] = field(default_factory=list)
    # Every cell of the file as the student wrote it (markdown included, with tags).
    file_cells: tuple[Cell, ...] = ()

    @property
    def code(self) -> str:
        return "\n\n".join(cell.source for cell in self.cells)

    def cell_source(self, number: int | None) -> str:
        for cell in self.cells:
            if cell.number == number:
                return cell.source
        return ""

    def student_line(self, number: int | None, line: int | None) -> int | None:
        """A line of a cell as it ran (a traceback's) as the student's own line: IPython drops a
        cell's leading blank lines before it runs it."""
        if line is None:
            return None
        for cell in self.cells:
            if cell.number == number:
                return cell.student_line(line)
        return line


@functools.cache
def _package_magics() -> frozenset[str]:
    """IPython's package-install magics (`%pip`, `%conda`, ...), from IPython itself."""
    from IPython.core.magics.packaging import PackagingMagics

    return frozenset(PackagingMagics.magics["line"])


@functools.cache
def _browser_magics() -> frozenset[str]:
    """IPython's cell magics whose body the browser runs or shows (`%%javascript`, `%%html`)."""
    from IPython.core.magics.display import DisplayMagics

    return frozenset(name.lower() for name in DisplayMagics.magics["cell"])


def _ignored(command: Command) -> str | None:
    """Why the grader does not run a command, or None when it runs as in Jupyter."""
    if command.kind == "cell_magic":
        return _BROWSER if command.name.lower() in _browser_magics() else None
    if not command.statement:
        return None
    if command.kind == "line_magic" and command.name == "tensorflow_version":
        return "Colab's %tensorflow_version magic"
    if command.name in _package_magics():
        return _PACKAGES
    return _SHELL if command.kind == "shell" else None


def _neutralise(cell: CodeCell) -> tuple[str, list[NeutralisedLine]]:
    lines = cell.source.split("\n")
    found: list[NeutralisedLine] = []

    def quiet(number: int, reason: str | None, comment_only: bool = False) -> None:
        text = lines[number - 1]
        indent = text[: len(text) - len(text.lstrip())]
        lines[number - 1] = f"{indent}{'' if comment_only else 'pass  '}# grader: {text.strip()}"
        if reason is not None:
            found.append(NeutralisedLine(cell.number, number, text, reason))

    for command in cell.commands:
        reason = _ignored(command)
        if reason is None:
            continue
        if command.kind == "cell_magic":  # the body is not Python: the whole cell goes
            first = lines[command.line - 1]
            lines = [f"pass  # grader: {text.strip()}" if text.strip() else "" for text in lines]
            return "\n".join(lines), [NeutralisedLine(cell.number, command.line, first, reason)]
        quiet(command.line, reason)
        for continued in range(command.line + 1, command.end_line + 1):
            quiet(continued, None, comment_only=True)
    taken = {n.line for n in found}
    for number, text in enumerate(lines, start=1):
        for pattern, reason in _COLAB_PYTHON:
            if number not in taken and pattern.match(text):
                quiet(number, reason)
                break
    return "\n".join(lines), sorted(found, key=lambda n: n.line)


def read_submission(path: Path, raw: bytes, submission_id: str | None = None) -> Submission:
    """A submission from a file's bytes (its name says notebook or module), or SubmissionError."""
    source = read_file(path.name, raw)
    if source.kind == "module":
        if not source.cells[0].source.strip():
            raise SubmissionError(f"{path.name} is empty")
        cells, neutralised = list(read_code(source.cells, "module")), []
    else:
        cells, neutralised = _runnable(path, source)
    return Submission(
        id=submission_id or path.stem,
        path=path,
        kind=source.kind,
        cells=cells,
        sha256=hashlib.sha256(raw).hexdigest(),
        neutralised=neutralised,
        file_cells=source.cells,
    )


def _runnable(path: Path, source: SourceFile) -> tuple[list[CodeCell], list[NeutralisedLine]]:
    """A notebook's code cells as they run, and the lines the grader neutralised."""
    as_written = read_code(source.cells, "notebook")
    runnable, neutralised = [], []
    for cell, code in zip(source.code_cells, as_written, strict=True):
        text, found = _neutralise(code)
        runnable.append(replace(cell, source=text))
        neutralised.extend(found)
    changed = any(c.source != r.source for c, r in zip(source.code_cells, runnable, strict=True))
    cells = list(read_code(runnable, "notebook")) if changed else list(as_written)
    if not any(cell.source.strip() for cell in cells):
        raise SubmissionError(f"{path.name} has no code cells to run")
    return cells, neutralised


def load_submission(path: Path, submission_id: str | None = None) -> Submission:
    """Read a `.ipynb` or `.py` file.

    Raises UsageError for a wrong path, SubmissionError for content that is not a submission.
    """
    if not path.exists():
        raise UsageError(f"no such file: {path}")
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a .ipynb or .py file")
    size = path.stat().st_size
    if size > MAX_SUBMISSION_BYTES:
        raise SubmissionError(
            f"{path.name} is {size / 1024**2:.0f} MB; a submission may be at most "
            f"{MAX_SUBMISSION_BYTES // 1024**2} MB (clear the notebook's outputs and try again)"
        )
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix not in SUBMISSION_SUFFIXES:
        raise UsageError(f"{path.name}: expected a .ipynb notebook or a .py module")
    return read_submission(path, raw, submission_id)


def write_runnable(submission: Submission, folder: Path) -> Path:
    """The file the grading runs: the submission with the lines it cannot run neutralised. A
    notebook is written afresh from the cells the grader read (a clean nbformat 4 notebook with
    the same cells, sources and tags), so the runner never meets what the reader refused."""
    if submission.kind == "module":
        target = folder / "submission.py"
        target.write_text(submission.cells[0].source, encoding="utf-8")
        return target
    import nbformat

    runnable = {cell.number: cell.source for cell in submission.cells}
    notebook = nbformat.v4.new_notebook()
    for cell in submission.file_cells:
        if cell.kind == "code":
            written = nbformat.v4.new_code_cell(runnable.get(cell.number, cell.source))
            if cell.tags:
                written.metadata["tags"] = list(cell.tags)
        elif cell.kind == "markdown":
            written = nbformat.v4.new_markdown_cell(cell.source)
        else:  # raw, or a type some tool wrote: kept, so cell numbers stay, and never run
            written = nbformat.v4.new_raw_cell(cell.source)
        notebook.cells.append(written)
    target = folder / "submission.ipynb"
    nbformat.write(notebook, target)
    return target


def in_student_lines(evidence: Evidence, submission: Submission) -> Evidence:
    """Errors (and the callback probe's) located in the student's own lines: IPython ran each
    cell without its leading blank lines, so a traceback's line is the cell's line less those."""
    return replace(
        evidence,
        failures=tuple(
            replace(f, line=submission.student_line(f.cell, f.line)) for f in evidence.failures
        ),
        allowed_failures=tuple(
            replace(f, line=submission.student_line(f.cell, f.line))
            for f in evidence.allowed_failures
        ),
        probes=tuple(
            replace(
                probe,
                calls=tuple(
                    replace(c, line=submission.student_line(c.cell, c.line)) for c in probe.calls
                ),
            )
            for probe in evidence.probes
        ),
    )


@dataclass(frozen=True)
class SyntaxProblem:
    cell: int | None
    line: int
    message: str
    text: str


def find_syntax_error(submission: Submission) -> SyntaxProblem | None:
    """The first cell that does not parse as IPython runs it, at the student's own line."""
    for cell in submission.cells:
        try:
            ast.parse(cell.python)
        except SyntaxError as exc:
            line = cell.student_line(exc.lineno or 1)
            message = exc.msg
            if submission.kind == "notebook":
                message += _automagic_note(cell.text(line))
            return SyntaxProblem(cell.number, line, message, cell.text(line))
        except (ValueError, RecursionError, MemoryError):
            line = 1
            message = "the cell nests too deep for Python to read"
            return SyntaxProblem(cell.number, line, message, cell.text(line))
    return None


def _automagic_note(text: str) -> str:
    """Why a line Jupyter can run as a magic did not run as one here (nor in Jupyter)."""
    words = text.split()
    if not words or words[0] not in automagic_names():
        return ""
    name = words[0]
    return (
        f" (IPython runs `{name} ...` as the magic `%{name}` only when the line is alone in its "
        f"cell and no variable is named `{name}`: write `%{name} ...`)"
    )


def detect_dataset(submission: Submission) -> str | None:
    """Which data set the code loads: 'fashion_mnist', 'mnist', or None when it loads neither."""
    code = submission.code
    if re.search(r"\bfashion_mnist\b", code):
        return "fashion_mnist"
    if re.search(r"\bmnist\b", code):
        return "mnist"
    return None
