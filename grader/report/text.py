"""Untrusted text made safe to show: invisible characters named, terminal output replayed, cuts.

Everything here returns plain strings; HTML escaping is the templates' job (autoescape is on).
These helpers only make text *readable and honest*: a control or bidi character a student printed
shows as an escape instead of silently reordering or hiding what is around it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

MESSAGE_LIMIT = 500  # characters of a check's message shown before it is cut

# C0 controls but tab and newline, DEL and C1, bidi overrides/isolates and marks, BOM, and lone
# surrogates (from undecodable output); all shown as escapes.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
_TERMINAL_TOKEN = re.compile(r"(\r|\x08+)")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """`text` with every invisible or direction-changing character written as an escape."""
    return _INVISIBLE.sub(_escape_char, text) if _INVISIBLE.search(text) else text


def replay_line(line: str) -> str:
    """One line as a terminal leaves it: `\\r` returns to column 0, backspaces move left."""
    if "\r" not in line and "\x08" not in line:
        return line
    screen, cursor = "", 0
    for token in _TERMINAL_TOKEN.split(line):
        if token == "\r":
            cursor = 0
        elif token.startswith("\x08"):
            cursor = max(0, cursor - len(token))
        elif token:
            screen = screen[:cursor] + token + screen[cursor + len(token) :]
            cursor += len(token)
    return screen.rstrip()


def replay_terminal(text: str) -> str:
    """Captured output as it looked in a terminal: progress bars collapse to their last state."""
    text = text.replace("\r\n", "\n")
    return "\n".join(replay_line(line) for line in text.split("\n"))


@dataclass(frozen=True)
class CutText:
    """Text shown with its middle cut out: `head`, a marker saying what was cut, then `tail`."""

    head: str
    tail: str = ""
    cut_lines: int = 0
    cut_chars: int = 0

    @property
    def was_cut(self) -> bool:
        return self.cut_lines > 0 or self.cut_chars > 0


def cut_middle(
    text: str, head_lines: int = 60, tail_lines: int = 160, max_chars: int = 40_000
) -> CutText:
    """Keep the first and last lines (the start and the end are what explain a run)."""
    lines = text.split("\n")
    if len(lines) <= head_lines + tail_lines and len(text) <= max_chars:
        return CutText(text)
    head_part, tail_part = lines[:head_lines], lines[-tail_lines:]
    if len(lines) <= head_lines + tail_lines:  # few but very long lines
        head_part, tail_part = lines, []
    head = "\n".join(head_part)
    tail = "\n".join(tail_part)
    budget = max_chars // 3
    if len(head) > budget:
        head = head[:budget]
    if len(tail) > 2 * budget:
        tail = tail[-2 * budget :]
    kept_lines = len(head_part) + len(tail_part)
    cut_lines = max(0, len(lines) - kept_lines)
    cut_chars = max(0, len(text) - len(head) - len(tail))
    return CutText(head, tail, cut_lines, cut_chars)


def shorten(text: str, limit: int = 600) -> tuple[str, bool]:
    """The first `limit` characters of a long message, and whether it was shortened."""
    if len(text) <= limit:
        return text, False
    return text[:limit].rstrip() + " …", True


@dataclass(frozen=True)
class Segment:
    text: str
    kind: str  # "same", "removed" (only in what was expected), "added" (only in what was printed)


def _shown(text: str, changed: bool) -> str:
    text = clean(text).replace("\n", "\\n").replace("\t", "\\t")
    return text.replace(" ", "\u2423") if changed else text  # a changed space shows as ␣


def char_diff_segments(expected: str, printed: str) -> tuple[list[Segment], list[Segment]]:
    """Character diff for display: the expected text with what is missing marked, and the
    printed text with what was added marked."""
    left: list[Segment] = []
    right: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=expected, b=printed, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            left.append(Segment(_shown(expected[a1:a2], False), "same"))
            right.append(Segment(_shown(printed[b1:b2], False), "same"))
            continue
        if a2 > a1:
            left.append(Segment(_shown(expected[a1:a2], True), "removed"))
        if b2 > b1:
            right.append(Segment(_shown(printed[b1:b2], True), "added"))
    return left, right
