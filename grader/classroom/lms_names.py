"""What an LMS's "download all submissions" puts in a file or folder name: who, and sometimes when.

    Canvas       smithjohn_12345_6789012_hw2.ipynb            login-ish name, user id, (no time)
                 smithjohn_LATE_12345_6789012_hw2.ipynb        Canvas marked it late
    Blackboard   Week 2_jsmith_attempt_2024-01-31-23-59-59_hw2.ipynb    username and time
    Brightspace  12345-67890 - John Smith - Jan 31, 2024 1159 PM - hw2.ipynb   name and time
    Moodle       John Smith_12345_assignsubmission_file_/hw2.ipynb    name (a participant number,
                 not the user id; no time)

Times in names are the LMS server's local time, without a zone: the caller gives the zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

_CANVAS = re.compile(r"^(?P<name>[^\W_]+)_(?:(?P<late>LATE)_)?(?P<uid>\d+)_(?P<sub>\d+)(?:_.*)?$")
_BLACKBOARD = re.compile(
    r"^(?P<assignment>.+?)_(?P<user>[^_]+)_attempt_"
    r"(?P<when>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?:_.*)?$"
)
_BRIGHTSPACE = re.compile(
    r"^\d+-\d+ - (?P<name>.+?) ?- (?P<when>[A-Z][a-z]{2} \d{1,2}, \d{4} \d{3,4} [AP]M)(?: - .*)?$"
)
_MOODLE = re.compile(r"^(?P<name>.+)_(?P<pid>\d+)_assignsubmission_(?:file|onlinetext)_?$")


@dataclass(frozen=True)
class LmsName:
    lms: str  # canvas, blackboard, brightspace, moodle
    user: str  # the identifying part of the name
    kind: str  # what `user` is: lms_id, login, name
    submitted_at: datetime | None  # naive: the LMS's local time
    flagged_late: bool = False  # Canvas's LATE marker
    name: str = ""  # Canvas: the name part, last and first name run together ("smithjohn")
    number: str = ""  # Canvas: the submission id; Moodle: the participant id


def parse_lms_name(name: str) -> LmsName | None:
    """Who (and when) an LMS export's file or folder name says, or None for a plain name."""
    stem = name.rsplit(".", 1)[0] if name.lower().endswith((".ipynb", ".py")) else name
    if m := _BLACKBOARD.match(stem):
        when = datetime.strptime(m["when"], "%Y-%m-%d-%H-%M-%S")
        return LmsName("blackboard", m["user"], "login", when)
    if m := _BRIGHTSPACE.match(stem):
        when = datetime.strptime(m["when"], "%b %d, %Y %I%M %p")
        return LmsName("brightspace", m["name"].strip(), "name", when)
    if m := _MOODLE.match(stem):
        return LmsName("moodle", m["name"].strip(), "name", None, number=m["pid"])
    if m := _CANVAS.match(stem):
        return LmsName("canvas", m["uid"], "lms_id", None, bool(m["late"]), m["name"], m["sub"])
    return None
