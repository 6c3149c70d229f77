"""Starter code recognised: the parts of the exercise's own starter a submission has not written.

The exercise folder holds its starter (`starter.ipynb`, `starter.py`); each `YOUR CODE HERE`
(or `START CODE HERE ... END CODE HERE`) comment marks a part for the student to write. A part
is still to be written when the submission holds the marker with exactly the starter's code
around it: the line before, the marker (and its placeholder lines, such as `history = None`,
up to `END CODE HERE`), and the line after. Code written anywhere inside that window breaks it,
so a filled part is never reported, whether the student kept the comment or not.

Pure functions; the findings are `grader.grading.rules.Finding`s with the hint `starter_unfilled`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from grader.grading.cells import SubmissionError, read_file
from grader.grading.rules.finding import Finding
from grader.grading.rules.rule import rule
from grader.grading.submissions import Submission

if TYPE_CHECKING:
    from grader.spec.exercise import ExerciseSpec

MARKER = re.compile(r"(YOUR|START)\s+CODE\s+HERE|END\s+CODE\s+HERE|\bTODO\b", re.IGNORECASE)
_START, _END = re.compile(r"START\s+CODE\s+HERE", re.I), re.compile(r"END\s+CODE\s+HERE", re.I)
_PREFIX = re.compile(r"^#+\s*(YOUR\s+CODE\s+HERE|START\s+CODE\s+HERE|TODO)\W*", re.IGNORECASE)
MAX_PARTS_NAMED = 4

# Which check a part concerns, from the words of its marker (first match; else `runs`).
_PART_CHECKS: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"^\W*(train|fit)\b", re.I), ("runs",)),
    (re.compile(r"callback|on_epoch_end|stop", re.I), ("early_stop",)),
    (re.compile(r"scale|normali[sz]e|255|\[0, ?1\]", re.I), ("normalization", "train_accuracy")),
    (re.compile(r"flatten|dense|layer|model", re.I), ("architecture",)),
    (re.compile(r"compile|optimi[sz]er|loss", re.I), ("compile", "runs")),
    (re.compile(r"train|fit|epoch", re.I), ("runs",)),
]


@dataclass(frozen=True)
class Line:
    text: str  # stripped, inner whitespace collapsed
    cell: int | None
    line: int
    marker: bool


def code_lines(cells: list[tuple[int | None, str]]) -> list[Line]:
    """The lines that matter for comparing: code, and marker comments with their continuation."""
    lines: list[Line] = []
    for cell, source in cells:
        in_marker = False
        for number, raw in enumerate(source.split("\n"), start=1):
            text = " ".join(raw.split())
            if not text:
                continue
            if text.startswith("#"):
                if MARKER.search(text) or in_marker:
                    lines.append(Line(text, cell, number, True))
                    in_marker = True
                continue
            in_marker = False
            lines.append(Line(text, cell, number, False))
    return lines


@dataclass(frozen=True)
class Part:
    """One part of the starter for the student to write: the window that shows it unwritten."""

    window: tuple[str, ...]
    marker_offset: int  # where the first marker line sits in the window
    description: str


def _starts_part(line: Line) -> bool:
    return line.marker and bool(MARKER.search(line.text)) and not _END.search(line.text)


def starter_parts(starter: list[Line]) -> list[Part]:
    """Each marker (with its comment lines, and up to `END CODE HERE` after a START) is a part."""
    parts = []
    for first, line in enumerate(starter):
        if not _starts_part(line):
            continue
        last = first
        while (
            last + 1 < len(starter)
            and starter[last + 1].marker
            and not _starts_part(starter[last + 1])
        ):
            last += 1
        if _START.search(line.text):
            ends = [k for k in range(first + 1, len(starter)) if _END.search(starter[k].text)]
            if ends:
                last = ends[0]
        begin, stop = max(first - 1, 0), min(last + 2, len(starter))
        window = tuple(line.text for line in starter[begin:stop])
        parts.append(Part(window, first - begin, _describe(starter[first : last + 1])))
    return parts


def _describe(lines: list[Line]) -> str:
    words = " ".join(
        _PREFIX.sub("", line.text).lstrip("# ").strip() for line in lines if line.marker
    )
    words = " ".join(w for w in words.split() if not _END.search(w))
    words = _END.sub("", words).strip(" #:")
    if words:
        return words
    placeholders = [line.text for line in lines if not line.marker]
    return "; ".join(placeholders) or "a part marked in the starter"


def _find(window: tuple[str, ...], texts: list[str]) -> int | None:
    size = len(window)
    for start in range(len(texts) - size + 1):
        if tuple(texts[start : start + size]) == window:
            return start
    return None


def unfilled_parts(submission_lines: list[Line], starter: list[Line]) -> list[tuple[Part, Line]]:
    """Each starter part still unwritten in the submission, with the submission's marker line."""
    texts = [line.text for line in submission_lines]
    found = []
    for part in starter_parts(starter):
        start = _find(part.window, texts)
        if start is not None:
            found.append((part, submission_lines[start + part.marker_offset]))
    return found


@cache
def _starter_sources(folder: Path) -> tuple[tuple[tuple[int | None, str], ...], ...]:
    """The exercise's starters (notebook and module) as (cell number, source) lists."""
    sources = []
    for name in ("starter.ipynb", "starter.py"):
        path = folder / name
        if not path.is_file():
            continue
        try:
            read = read_file(name, path.read_bytes())
        except SubmissionError:
            continue  # a starter the reader refuses recognises nothing
        sources.append(tuple((cell.number, cell.source) for cell in read.code_cells))
    return tuple(sources)


def _check_for(description: str, spec: ExerciseSpec) -> tuple[str, tuple[str, ...]]:
    for pattern, preferred in _PART_CHECKS:
        if pattern.search(description):
            usable = [c for c in preferred if c in spec.points]
            if usable:
                check = usable[0]
                return check, ("runs",) if "runs" in preferred and check != "runs" else ()
    return "runs", ()


@rule(
    "starter_unfilled",
    "runs",
    ("starter_unfilled",),
    "parts of the exercise's own starter code still unwritten (placeholders, empty functions)",
)
def find_unfilled_starter(submission: Submission, spec: ExerciseSpec) -> list[Finding]:
    """One finding per starter part the submission still holds unwritten."""
    if spec.folder is None:
        return []
    mine = code_lines([(cell.number, cell.source) for cell in submission.cells])
    best: list[tuple[Part, Line]] = []
    for starter in _starter_sources(spec.folder):
        found = unfilled_parts(mine, code_lines(list(starter)))
        if len(found) > len(best):
            best = found
    if not best:
        return []
    named = [f"“{part.description}”" for part, _ in best[:MAX_PARTS_NAMED]]
    if len(best) > MAX_PARTS_NAMED:
        named.append(f"and {len(best) - MAX_PARTS_NAMED} more")
    parts = "; ".join(named)
    findings = []
    for part, line in best:
        check, also = _check_for(part.description, spec)
        source = submission.cell_source(line.cell) if submission.kind == "notebook" else ""
        text = source.split("\n")[line.line - 1] if source else _module_line(submission, line)
        findings.append(
            Finding(
                "starter_unfilled",
                check,
                line.cell,
                line.line,
                text,
                also=also,
                values=(("parts", parts), ("count", str(len(best)))),
            )
        )
    return findings


def _module_line(submission: Submission, line: Line) -> str:
    lines = submission.code.split("\n")
    return lines[line.line - 1] if 0 < line.line <= len(lines) else ""
