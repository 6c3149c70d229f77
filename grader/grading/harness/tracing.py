"""Turn an exception's traceback into frames in the student's own code."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any


def student_frames(
    tb: TracebackType | None, locate: Callable[[str], int | None]
) -> list[dict[str, Any]]:
    """Frames whose file is the student's; `locate` maps a filename to a cell key or None."""
    frames = []
    for frame in traceback.extract_tb(tb):
        key = locate(frame.filename)
        if key is not None:
            frames.append(
                {"cell": key if key >= 0 else None, "line": frame.lineno, "function": frame.name}
            )
    return frames
