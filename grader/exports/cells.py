"""Values made safe for the file formats the exports write: XML text, CSV cells, file names."""

from __future__ import annotations

import re
from collections.abc import Iterable

from grader.results import SubmissionResult

# Characters XML 1.0 cannot hold at all, even escaped; untrusted output may contain them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def csv_cell(text: str) -> str:
    """A text cell that a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def safe_name(submission_id: str) -> str:
    return re.sub(r"[^\w\- .]", "_", submission_id).strip() or "submission"


def check_ids(submissions: Iterable[SubmissionResult]) -> list[str]:
    """Every check id in the order the exercise lists them (first seen first)."""
    ids: list[str] = []
    for s in submissions:
        for c in s.checks:
            if c.id not in ids:
                ids.append(c.id)
    return ids
