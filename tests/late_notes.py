"""The late note the gradebook tests give a row handed in a day late (shared, not a test)."""

from __future__ import annotations

from grader.results.adjustments import LateNote


def late_note(percent: float = 10.0) -> LateNote:
    """A submission one day after a deadline, with a penalty of `percent`."""
    return LateNote(
        "2026-03-02T10:00:00+00:00", "file modification time", "x.py", "2026-03-01T23:59:00+00:00",
        36000.0, 1, "day", percent, 1.0, True, "one day late",
    )  # fmt: skip
