"""The shell and Python examples of the docs (README.md and docs/), read from their fences.

Every ```sh / ```python block is an example the tests run (tests/test_docs_examples.py) unless
the line just before its fence says otherwise:

    <!-- example: exit 1 -->              runs; its exit code must be 1 (a failing verdict)
    <!-- example: slow -->                runs in the slow tier (it trains a model)
    <!-- example: slow, exit 1 -->        both
    <!-- example: not run: REASON -->     shown, never run, for the reason given

Imported as a top-level module, like paths.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from paths import ROOT

SHELL = ("sh", "bash", "shell")
PYTHON = ("python", "py")
MARKER = re.compile(r"^<!--\s*example:\s*(?P<body>.*?)\s*-->$")
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w+-]*)")


@dataclass(frozen=True)
class Example:
    path: Path  # the Markdown file
    line: int  # the line of the opening fence, from 1
    language: str  # "sh" or "python"
    code: str
    exit_code: int = 0
    slow: bool = False
    not_run: str = ""  # the reason it is not run, if it is not

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


class MarkerError(ValueError):
    """A marker the runner cannot read: the file, the line and what is wrong."""


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _marker(path: Path, number: int, body: str) -> dict[str, object]:
    if body.startswith("not run"):
        reason = body.removeprefix("not run").lstrip(" :").strip()
        if not reason:
            raise MarkerError(f"{path}:{number}: 'not run' needs a reason: not run: WHY")
        return {"not_run": reason}
    fields: dict[str, object] = {}
    for word in (w.strip() for w in body.split(",")):
        if word == "slow":
            fields["slow"] = True
        elif re.fullmatch(r"exit \d+", word):
            fields["exit_code"] = int(word.split()[1])
        else:
            raise MarkerError(
                f"{path}:{number}: unknown example marker {word!r} "
                "(known: slow, exit N, not run: REASON)"
            )
    return fields


def examples(path: Path) -> list[Example]:
    """The shell and Python examples of one Markdown file, with their markers."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Example] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, lang = opening["indent"], opening["lang"]
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith("```"):
            end += 1
        if lang in SHELL + PYTHON:
            before = next(
                (lines[i].strip() for i in range(index - 1, -1, -1) if lines[i].strip()), ""
            )
            marked = MARKER.match(before)
            fields = _marker(path, index, marked["body"]) if marked else {}
            code = "\n".join(line.removeprefix(indent) for line in lines[index + 1 : end])
            language = "sh" if lang in SHELL else "python"
            found.append(Example(path, index + 1, language, code + "\n", **fields))  # type: ignore[arg-type]
        index = end + 1
    return found


def all_examples() -> list[Example]:
    return [example for path in doc_files() for example in examples(path)]
