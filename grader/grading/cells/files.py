"""Bytes to cells: every cell of a notebook (numbered as Jupyter shows them, markdown included)
with its source and tags, or the one cell of a module; or a `SubmissionError` naming the file,
cell and line. Any bytes, any JSON and any nbformat version give one or the other: old notebooks
(nbformat 1 to 3) are upgraded by nbformat, newer ones (5 and later) refused. Only code cells
must be well formed: the grader never reads the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

SubmissionKind = Literal["notebook", "module"]
NOTEBOOK_SUFFIX = ".ipynb"
MODULE_SUFFIX = ".py"
NEWEST_NBFORMAT = 4  # the major version the grader reads; 1 to 3 are upgraded to it
RAISES_EXCEPTION = "raises-exception"  # nbclient's tag for a cell that may raise


class SubmissionError(Exception):
    """The file cannot be read as a submission; the message is for the student."""

    def __init__(self, message: str, hint: str = "not_a_submission") -> None:
        super().__init__(message)
        self.hint = hint  # the hints.toml entry that fits: the file's bytes, or its shape


@dataclass(frozen=True)
class Cell:
    """One cell of a file as written: a module is one code cell."""

    number: int | None  # 1-based among all of a notebook's cells (markdown counts); None: module
    kind: str  # "code", "markdown", "raw", or another type some tool wrote (never run)
    source: str  # the student's text, line endings made "\n"
    tags: tuple[str, ...] = ()

    @property
    def may_raise(self) -> bool:
        """Tagged `raises-exception`: the cell's error is noted, not held against the run."""
        return RAISES_EXCEPTION in self.tags


@dataclass(frozen=True)
class SourceFile:
    name: str
    kind: SubmissionKind
    cells: tuple[Cell, ...]
    nbformat: int | None = None  # the major version the notebook was written in

    @property
    def code_cells(self) -> tuple[Cell, ...]:
        return tuple(cell for cell in self.cells if cell.kind == "code")


# -- bytes to cells ------------------------------------------------------------------------------


def read_file(name: str, raw: bytes) -> SourceFile:
    """The cells of a `.ipynb` or `.py` file's bytes, or a SubmissionError naming the file."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in (NOTEBOOK_SUFFIX, MODULE_SUFFIX):
        raise SubmissionError(f"{name}: expected a .ipynb notebook or a .py module")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        what = "is not UTF-8 text" if suffix == MODULE_SUFFIX else "is not a text file"
        raise SubmissionError(
            f"{name} {what} ({exc.reason}: byte 0x{raw[exc.start]:02x} on line {line})",
            hint="not_text",
        ) from exc
    if suffix == MODULE_SUFFIX:
        source = _normal_newlines(text)
        _check_text(name, None, source)
        return SourceFile(name, "module", (Cell(None, "code", source),))
    return _read_notebook(name, text)


def _read_notebook(name: str, text: str) -> SourceFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionError(
            f"{name} is not a valid notebook: its JSON is broken "
            f"(line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    except RecursionError as exc:
        raise SubmissionError(f"{name} is not a valid notebook: its JSON nests too deep") from exc
    if not isinstance(document, dict):
        raise SubmissionError(
            f"{name} is not a valid notebook: its JSON is {_a(document)}, not an object"
        )
    version = document.get("nbformat")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        found = "missing" if version is None else _a(version)
        raise SubmissionError(
            f"{name} is not a valid notebook: its `nbformat` version is {found} (Jupyter writes 4)"
        )
    if version > NEWEST_NBFORMAT:
        raise SubmissionError(
            f"{name} is written in nbformat {version}, newer than the grader reads "
            f"({NEWEST_NBFORMAT}); save it from Jupyter as a version {NEWEST_NBFORMAT} notebook"
        )
    if version < NEWEST_NBFORMAT:
        document = _upgraded(name, document, version)
    cells = document.get("cells")
    if not isinstance(cells, list):
        found = "missing" if cells is None else _a(cells)
        raise SubmissionError(f"{name} is not a valid notebook: its `cells` is {found}, not a list")
    return SourceFile(
        name,
        "notebook",
        tuple(_cell(name, number, value) for number, value in enumerate(cells, start=1)),
        nbformat=version,
    )


def _upgraded(name: str, document: dict[str, Any], version: int) -> dict[str, Any]:
    import nbformat

    try:
        upgraded = nbformat.converter.convert(nbformat.from_dict(document), NEWEST_NBFORMAT)
    except Exception as exc:  # nbformat's converters assume a well-formed old notebook
        raise SubmissionError(
            f"{name} is an nbformat {version} notebook that cannot be upgraded to version "
            f"{NEWEST_NBFORMAT} ({type(exc).__name__}); open it in Jupyter and save it again"
        ) from exc
    return dict(upgraded)


def _cell(name: str, number: int, value: object) -> Cell:
    where = f"{name}, cell {number}"
    if not isinstance(value, dict):
        raise SubmissionError(f"{where} is {_a(value)}, not a cell (a JSON object)")
    kind = value.get("cell_type")
    if not isinstance(kind, str):
        found = "missing" if kind is None else _a(kind)
        raise SubmissionError(f'{where}: its `cell_type` is {found}; expected "code" or "markdown"')
    if kind != "code":  # never run, only counted: kept as text whatever it holds
        return Cell(number, _as_text(kind), _as_text(_joined(value.get("source")) or ""))
    source = _joined(value.get("source"))
    if source is None:
        raise SubmissionError(f"{where}: {_source_problem(value.get('source'))}")
    source = _normal_newlines(source)
    _check_text(name, number, source)
    return Cell(number, "code", source, _tags(where, value.get("metadata")))


def _joined(source: object) -> str | None:
    """nbformat's two forms of a source: one string, or a list of lines."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return None


def _source_problem(source: object) -> str:
    if source is None:
        return "the code cell's `source` is missing or null; expected text"
    if isinstance(source, list):
        index, item = next((i, s) for i, s in enumerate(source) if not isinstance(s, str))
        return (
            f"the code cell's `source` holds {_a(item)} at position {index}; expected lines of text"
        )
    return f"the code cell's `source` is {_a(source)}; expected text"


def _tags(where: str, metadata: object) -> tuple[str, ...]:
    if metadata is None:
        return ()
    if not isinstance(metadata, dict):
        raise SubmissionError(f"{where}: its `metadata` is {_a(metadata)}, not an object")
    tags = metadata.get("tags")
    if tags is None:
        return ()
    if isinstance(tags, str):
        raise SubmissionError(
            f"{where}: its `metadata.tags` is a string ({json.dumps(tags)}); Jupyter writes "
            f"tags as a list of strings, such as [{json.dumps(tags)}]"
        )
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        what = _a(tags) if not isinstance(tags, list) else "a list holding something else than text"
        raise SubmissionError(
            f"{where}: its `metadata.tags` is {what}; Jupyter writes tags as a list of strings"
        )
    return tuple(_as_text(tag) for tag in tags)


def _as_text(text: str) -> str:
    """Text that can be written out again (JSON may hold lone surrogates, UTF-8 cannot)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _normal_newlines(text: str) -> str:
    # Python counts "\r\n" and "\r" as line ends too; one form keeps every line count equal.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _check_text(name: str, cell: int | None, source: str) -> None:
    """Characters Python cannot read, named with their line."""

    def where(index: int) -> str:
        line = source.count("\n", 0, index) + 1
        return f"{name}, cell {cell}, line {line}" if cell is not None else f"{name}, line {line}"

    if "\x00" in source:
        raise SubmissionError(
            f"{where(source.index(chr(0)))} holds a NUL character: a binary file's bytes, "
            f"not Python text",
            hint="not_text",
        )
    try:
        source.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SubmissionError(
            f"{where(exc.start)} holds a broken character (an unpaired surrogate, "
            f"\\u{ord(source[exc.start]):04x}) that is not text",
            hint="not_text",
        ) from exc


def _a(value: object) -> str:
    """A JSON value's type, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
