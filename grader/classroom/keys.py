"""Content-addressed keys: the same work, graded by the same grader, gets the same key.

A result is reused when its cache key matches, and the key holds everything a verdict depends
on: the submission's code (a notebook's metadata, outputs and execution counts left out), the
exercise spec (as parsed, so a comment in `exercise.toml` changes nothing) with the bytes of the
files the grading reads from that exercise's folder (its support files and starter code; nothing
of other exercises), the grading code and the TensorFlow and Keras versions, the time limit and
the isolation level.

The grading code is an allow-list, `GRADING_CODE`: the packages and modules a verdict is computed
by (the spec, grading one submission, the result model and the formats its messages use). The
rest (reports, exports, the class side, the command line, integrations) is not part of the key:
changing a template or the late policy re-renders, it does not re-train. Paths are hashed
relative to the package, so an editable and an installed copy of one commit agree.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import grader.version
from grader.grading.cells import SubmissionError, read_file
from grader.locations import PACKAGE_DIR
from grader.spec.exercise import ExerciseSpec

PACKAGE = PACKAGE_DIR
# What computes a verdict, relative to the package: every .py and .toml file under these.
GRADING_CODE = (
    "spec",
    "grading",
    "results",
    "formatting.py",
    "registry.py",
    "errors.py",
    "version.py",
)
# Files of an exercise's folder that the grading reads besides `exercise.toml`.
STARTER_FILES = ("starter.py", "starter.ipynb")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()


def content_key(filename: str, raw: bytes) -> str:
    """What the grader will run, hashed: notebooks by their cells' code, modules by their bytes.

    Cell types stay in (a notebook's error locations count every cell), and so do code cells'
    tags (`raises-exception` changes how a notebook runs). A file that is not a readable notebook
    is keyed by its bytes.
    """
    suffix = Path(filename).suffix.lower()
    if suffix == ".ipynb":
        cells = _notebook_cells(filename, raw)
        if cells is not None:
            return _sha(_canonical({"kind": "notebook", "cells": cells}))
    return _sha(_canonical({"kind": suffix, "sha256": _sha(raw)}))


def _notebook_cells(filename: str, raw: bytes) -> list[list[Any]] | None:
    try:
        notebook = read_file(filename, raw)
    except SubmissionError:  # not a notebook the grader reads: grading will say why
        return None
    return [
        [cell.kind, cell.source, sorted(cell.tags)] if cell.kind == "code" else [cell.kind]
        for cell in notebook.cells
    ]


def spec_key(spec: ExerciseSpec) -> str:
    """The spec as parsed (not its text, not where it lives), and the bytes of the files the
    grading reads from its folder: support files and starter code."""
    fields = dataclasses.asdict(spec)
    # `robustness` decides which seeds run, not what one run concludes: each seed's run is keyed
    # by the spec without it and its own seed, so turning robustness on reuses every first run.
    for name in ("folder", "spec_hash", "title", "robustness"):
        fields.pop(name, None)
    return _sha(_canonical({"spec": fields, "files": exercise_files(spec)}))


def exercise_files(spec: ExerciseSpec) -> dict[str, str]:
    """The SHA-256 of each support and starter file of the exercise ("absent" if missing)."""
    if spec.folder is None:
        return {}
    names = (*spec.environment.support_files, *STARTER_FILES)
    hashed = {}
    for name in names:
        path = spec.folder / name
        hashed[name] = _sha(path.read_bytes()) if path.is_file() else "absent"
    return hashed


def _package_version(*names: str) -> str:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "absent"


@functools.cache
def grading_code_hash() -> str:
    """The grading code itself: a release's version alone misses a changed check in a checkout."""
    return code_hash(PACKAGE, GRADING_CODE)


def code_hash(package: Path, allowed: tuple[str, ...]) -> str:
    """The .py and .toml files under `allowed` (relative to `package`), paths and bytes."""
    digest = hashlib.sha256()
    for entry in allowed:
        root = package / entry
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if not path.is_file() or path.suffix not in (".py", ".toml"):
                continue
            if "__pycache__" in path.parts:
                continue
            rel = path.relative_to(package).as_posix()
            digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def grader_identity() -> dict[str, str]:
    """What this machine grades with; every worker must match the machine that schedules."""
    return {
        "grader": f"{grader.version.__version__}+{grading_code_hash()[:12]}",
        "tensorflow": _package_version("tensorflow-cpu", "tensorflow"),
        "keras": _package_version("keras"),
        "python": platform.python_version(),
        "platform": f"{sys.platform}-{platform.machine()}",
    }


def verdict_inputs(spec: ExerciseSpec, timeout_s: float, isolation: str) -> dict[str, Any]:
    """Everything besides the content that a verdict depends on."""
    identity = grader_identity()
    return {
        "exercise": spec.id,
        "spec": spec_key(spec),
        "grader": identity["grader"],
        "tensorflow": identity["tensorflow"],
        "keras": identity["keras"],
        "timeout_s": float(timeout_s),
        "isolation": isolation,
    }


def cache_key(content: str, inputs: dict[str, Any]) -> str:
    return _sha(_canonical({"content": content, **inputs}))
