"""How the grader writes numbers and statuses, in every output: one home for each format.

Messages, hints, the terminal, the HTML reports and the exports all format through here, so a
threshold reads the same everywhere ("99.5%", never "100%") and a status has one mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def percent(value: float | None) -> str:
    """A threshold as the spec writes it: 0.995 -> "99.5%", 0.99 -> "99%" (no needless decimals)."""
    return "n/a" if value is None else f"{round(value * 100, 6):g}%"


def fixed_percent(value: float | None, decimals: int = 2) -> str:
    """A measured fraction with fixed decimals: 0.98734 -> "98.73%"."""
    return "n/a" if value is None else f"{value * 100:.{decimals}f}%"


def points(value: float) -> str:
    """Points as people write them: 2 -> "2", 1.5 -> "1.5", 2/3 -> "0.67"."""
    return f"{round(value, 2):g}"


@dataclass(frozen=True)
class StatusMark:
    """A check status shown as a mark *and* a word (never colour alone), with its terminal
    colour."""

    mark: str
    word: str
    colour: str
    emoji: str  # where colour cannot be set (GitHub's Markdown job summary)


STATUS_MARKS: dict[str, StatusMark] = {
    "pass": StatusMark("✓", "pass", "green", "✅"),
    "fail": StatusMark("✗", "fail", "red", "❌"),
    "error": StatusMark("!", "error", "red", "⚠️"),
    "skip": StatusMark("–", "skipped", "dim", "➖"),
}


def status_mark(status: str) -> tuple[str, str]:
    """The mark and the word of a check status; an unknown status shows as itself."""
    known = STATUS_MARKS.get(status)
    return (known.mark, known.word) if known else ("?", status)


def duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 90:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def when(iso: str) -> str:
    if not iso:
        return "unknown time"
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    zone = when.strftime("%Z") if when.tzinfo else ""
    zone = "UTC" if zone in ("UTC", "UTC+00:00") else zone
    return when.strftime("%Y-%m-%d %H:%M") + (f" {zone}" if zone else "")


def size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"
