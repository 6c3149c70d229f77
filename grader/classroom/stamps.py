"""What a class folder's files were written from, so that an unchanged re-run writes nothing.

`grader grade` over a class already graded finds every verdict in the gradebook; what it would
still spend its time on is rendering the same 10,000 reports and exports again. Each file (a
report, the exports, similarity.json) is written with a stamp: the SHA-256 of everything it is
drawn from (the result as the gradebook keeps it, the overrides applied, the code that renders
it). The stamps live beside the class, in `.grader-stamps.json`; a file whose stamp has not
moved, and which is still there, is left as it is.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from grader.classroom.keys import PACKAGE, code_hash

STAMPS = ".grader-stamps.json"
# The code that turns a result into the class folder's files (besides the grading code, whose
# hash is in every verdict's key already).
RENDERING_CODE = ("report", "exports", "formatting.py", "results", "classroom")


@functools.cache
def rendering_code() -> str:
    return code_hash(PACKAGE, RENDERING_CODE)


def stamp(*parts: Any) -> str:
    """The SHA-256 of the parts as canonical JSON, and of the rendering code."""
    text = json.dumps([rendering_code(), *parts], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Stamps:
    """The stamps of one class folder: read once at the start of a run, saved at its end."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / STAMPS
        self.out_dir = out_dir
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            self.files: dict[str, str] = {str(k): str(v) for k, v in loaded.items()}
        except (OSError, ValueError, AttributeError):
            self.files = {}

    def current(self, name: str, value: str) -> bool:
        """Whether `name` (relative to the folder) was written from `value` and is still there."""
        return self.files.get(name) == value and (self.out_dir / name).is_file()

    def wrote(self, name: str, value: str) -> None:
        self.files[name] = value

    def forget(self, name: str) -> None:
        self.files.pop(name, None)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.files, sort_keys=True) + "\n", encoding="utf-8")
