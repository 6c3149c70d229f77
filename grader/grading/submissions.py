"""Reading a submission (notebook or module) into code cells, with Colab-only lines neutralised."""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from grader.errors import UsageError

SubmissionKind = Literal["notebook", "module"]
SUBMISSION_SUFFIXES = (".ipynb", ".py")
MAX_SUBMISSION_BYTES = 20 * 1024 * 1024

# Lines that only make sense on Colab or in a shell; replaced by `pass` so line numbers stay.
_NEUTRALISE = [
    (re.compile(r"^\s*%tensorflow_version\b"), "Colab's %tensorflow_version magic"),
    (re.compile(r"^\s*[!%]\s*pip\b"), "package installs do not run while grading"),
    (re.compile(r"^\s*%conda\b"), "package installs do not run while grading"),
    (re.compile(r"^\s*!"), "shell commands do not run while grading"),
    (re.compile(r"^\s*(from\s+google\.colab\b|import\s+google\.colab\b)"), "Colab-only import"),
    (re.compile(r"^\s*drive\.mount\("), "Colab's Google Drive mount"),
]


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
class CodeCell:
    """One code cell (a module is one cell). `number` is 1-based among all notebook cells."""

    number: int | None
    source: str


@dataclass(frozen=True)
class Submission:
    id: str
    path: Path
    kind: SubmissionKind
    cells: list[CodeCell]
    sha256: str
    neutralised: list[NeutralisedLine] = field(default_factory=list)

    @property
    def code(self) -> str:
        return "\n\n".join(cell.source for cell in self.cells)

    def cell_source(self, number: int | None) -> str:
        for cell in self.cells:
            if cell.number == number:
                return cell.source
        return ""


class SubmissionError(Exception):
    """The file cannot be read as a submission; the message is for the student."""


# Cells whose body is not Python but runs in the browser (the course platform's `%%javascript`
# cell that saves the notebook before submitting): the whole cell is neutralised.
_BROWSER_CELL = re.compile(r"^\s*%%(javascript|js|html|svg|latex|markdown)\b")


def _neutralise(source: str, cell: int | None) -> tuple[str, list[NeutralisedLine]]:
    lines = source.split("\n")
    first = next((text for text in lines if text.strip()), "")
    if _BROWSER_CELL.match(first):
        reason = "a cell that runs in the browser, not while grading"
        line = lines.index(first) + 1
        quiet = [f"pass  # grader: {text.strip()}" if text.strip() else "" for text in lines]
        return "\n".join(quiet), [NeutralisedLine(cell, line, first, reason)]
    found = []
    for number, text in enumerate(lines, start=1):
        for pattern, reason in _NEUTRALISE:
            if pattern.match(text):
                indent = text[: len(text) - len(text.lstrip())]
                lines[number - 1] = f"{indent}pass  # grader: {text.strip()}"
                found.append(NeutralisedLine(cell, number, text, reason))
                break
    return "\n".join(lines), found


def _read_notebook(path: Path) -> tuple[list[CodeCell], list[NeutralisedLine]]:
    import nbformat

    try:
        notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"{path.name} is not a text file ({exc.reason})") from exc
    except (json.JSONDecodeError, nbformat.reader.NotJSONError) as exc:
        raise SubmissionError(f"{path.name} is not a valid notebook: its JSON is broken") from exc
    except Exception as exc:  # nbformat raises several kinds for malformed notebooks
        raise SubmissionError(f"{path.name} is not a valid notebook: {exc}") from exc
    cells, neutralised = [], []
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        source, found = _neutralise(cell.get("source", ""), index + 1)
        cells.append(CodeCell(number=index + 1, source=source))
        neutralised.extend(found)
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
    digest = hashlib.sha256(raw).hexdigest()
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        kind: SubmissionKind = "notebook"
        cells, neutralised = _read_notebook(path)
    elif suffix == ".py":
        kind = "module"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SubmissionError(f"{path.name} is not UTF-8 text ({exc.reason})") from exc
        if not text.strip():
            raise SubmissionError(f"{path.name} is empty")
        cells, neutralised = [CodeCell(number=None, source=text)], []
    else:
        raise UsageError(f"{path.name}: expected a .ipynb notebook or a .py module")
    return Submission(
        id=submission_id or path.stem,
        path=path,
        kind=kind,
        cells=cells,
        sha256=digest,
        neutralised=neutralised,
    )


@dataclass(frozen=True)
class SyntaxProblem:
    cell: int | None
    line: int
    message: str
    text: str


def _python_source(cell: CodeCell, kind: SubmissionKind) -> str:
    if kind == "module":
        return cell.source
    # IPython syntax (magics, `?`) is valid in a notebook; turn it into Python before parsing.
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(cell.source)


def find_syntax_error(submission: Submission) -> SyntaxProblem | None:
    """The first cell that does not parse, without running or importing anything heavy."""
    for cell in submission.cells:
        try:
            ast.parse(_python_source(cell, submission.kind))
        except SyntaxError as exc:
            return SyntaxProblem(
                cell=cell.number,
                line=exc.lineno or 1,
                message=exc.msg,
                text=(exc.text or "").rstrip("\n"),
            )
    return None


def detect_dataset(submission: Submission) -> str | None:
    """Which data set the code loads: 'fashion_mnist', 'mnist', or None when it loads neither."""
    code = submission.code
    if re.search(r"\bfashion_mnist\b", code):
        return "fashion_mnist"
    if re.search(r"\bmnist\b", code):
        return "mnist"
    return None
