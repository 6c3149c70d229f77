"""The class roster: who the students are, and which submission is whose.

A roster is a CSV file (UTF-8, a BOM is fine) with a header row. Column names are matched
case-insensitively; only `id` and `name` are required:

    id            the student's id in the course (also matched against submission names)
    name          full name, e.g. "Nuñez, José" or "José Nuñez"
    email         e-mail address
    lms_id        the LMS's own user number (Canvas "ID"; also `canvas_id`, `user_id`)
    login         the LMS login (Canvas "SIS Login ID", Moodle/Blackboard username)
    sis_id        the institution's student number (Canvas "SIS User ID", Moodle idnumber)
    section       the section or group
    submitted_at  a submission time, when the LMS gave one (ISO 8601)

Submission ids (file or folder names) are matched case- and accent-insensitively, by the first
rule that names exactly one student: the exact id, the e-mail (or its local part), the ids an
LMS export writes in its file names (Canvas user id, or its "lastfirst" name when the roster
has no LMS ids; Blackboard username; Moodle/Brightspace name), the login, then the normalised
name ("José Nuñez", "nunez jose", "nunezjose").
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.classroom.lms_names import parse_lms_name
from grader.errors import UsageError
from grader.results.adjustments import StudentMatch

COLUMNS = {
    "id": ("id", "student_id", "student id", "studentid"),
    "name": ("name", "student", "full_name", "full name", "student name"),
    "email": ("email", "e-mail", "email address", "mail"),
    "lms_id": ("lms_id", "canvas_id", "user_id", "canvas user id"),
    "login": ("login", "username", "sis login id", "login_id", "sis_login_id"),
    "sis_id": ("sis_id", "sis user id", "sis_user_id", "idnumber", "id number"),
    "section": ("section", "group"),
    "submitted_at": ("submitted_at", "submitted", "submission time", "timestamp"),
}


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    email: str = ""
    lms_id: str = ""
    login: str = ""
    sis_id: str = ""
    section: str = ""
    submitted_at: str = ""

    def matched(self, rule: str) -> StudentMatch:
        return StudentMatch(
            self.id,
            self.name,
            self.email,
            self.lms_id,
            self.login,
            self.sis_id,
            self.section,
            rule,
        )


@dataclass(frozen=True)
class RosterMatch:
    """Which student each submission belongs to; who handed nothing in; what nobody owns."""

    owners: dict[str, tuple[Student, str]]  # submission id -> (student, rule)
    missing: list[Student]
    unknown: list[str]  # submission ids no roster student owns
    shared: dict[str, list[str]]  # student id -> submission ids, when more than one


def fold(text: str) -> str:
    """Case- and accent-insensitive form: 'José NÚÑEZ' -> 'jose nunez'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("ß", "ss").split())


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\W_]+", fold(text)) if w]


def name_keys(text: str) -> set[str]:
    """Forms a name takes in file names: 'José Nuñez', 'Nuñez, José', 'nunezjose', 'jose_nunez'."""
    words = _words(text)
    if not words:
        return set()
    return {"".join(words), "".join(reversed(words)), " ".join(sorted(words))}


DELIMITERS = ",;\t"  # what spreadsheets write: comma, semicolon (a decimal-comma locale), tab


def read_roster(path: Path) -> list[Student]:
    """The roster file, read as UTF-8 (a BOM is fine); any fault is a `UsageError` naming it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the roster {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UsageError(
            f"the roster {path} is not UTF-8 (byte {raw[exc.start]:#04x} at line {line}); "
            "save it as CSV UTF-8"
        ) from None
    return parse_roster(text, f"the roster {path}")


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """How the columns are separated: the sniffer's guess from the first lines, else the
    separator the header row uses most (the sniffer gives up on rows of uneven length, which
    spreadsheets write when trailing cells are empty), else a comma."""
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=DELIMITERS)
    except csv.Error:
        pass
    header = text.lstrip("\r\n").splitlines()[0] if text.strip() else ""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])

    class Found(csv.excel):
        delimiter = best if counts[best] else ","

    return Found


def parse_roster(text: str, where: str = "roster") -> list[Student]:
    try:
        return _parse_roster(text, where)
    except csv.Error as exc:  # a field over the csv module's limit, a stray quote...
        raise UsageError(
            f"{where}: not a CSV file the grader can read ({exc}); save it again "
            "as CSV with a header row id,name"
        ) from None


def _parse_roster(text: str, where: str) -> list[Student]:
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise UsageError(f"{where}: empty roster (expected a header row with id and name)")
    position: dict[str, int] = {}
    for i, title in enumerate(header):
        key = fold(title)
        for field_name, aliases in COLUMNS.items():
            if key in aliases and field_name not in position:
                position[field_name] = i
    for required in ("id", "name"):
        if required not in position:
            raise UsageError(
                f"{where}: no '{required}' column (the header is {header}); the first row must "
                "name the columns, at least id and name, separated by commas"
            )
    students, seen = [], set()
    for row in reader:
        number = reader.line_num  # the file's line, also after a quoted cell with line breaks
        if not any(cell.strip() for cell in row):
            continue
        values = {f: (row[i].strip() if i < len(row) else "") for f, i in position.items()}
        if not values["id"]:
            raise UsageError(f"{where}, line {number}: the student has no id")
        if fold(values["id"]) in seen:
            raise UsageError(f"{where}, line {number}: the id {values['id']!r} appears twice")
        seen.add(fold(values["id"]))
        students.append(Student(**values))
    return students


def _rules(filename: Callable[[str], str]) -> list[tuple[str, Callable[[str, Student], bool]]]:
    def exact(sid: str, s: Student) -> bool:
        return fold(sid) in {fold(s.id), fold(s.sis_id)} - {""}

    def email(sid: str, s: Student) -> bool:
        mail = fold(s.email)
        return bool(mail) and fold(sid) in (mail, mail.split("@")[0])

    def lms_name(sid: str, s: Student) -> bool:
        parsed = parse_lms_name(sid) or parse_lms_name(filename(sid))
        if parsed is None:
            return False
        if parsed.kind == "lms_id":
            if s.lms_id:
                return parsed.user == s.lms_id.strip()
            return bool(parsed.name) and fold(parsed.name) in name_keys(s.name)
        if parsed.kind == "login":
            return fold(parsed.user) in {fold(s.login), fold(s.email).split("@")[0]} - {""}
        return bool(name_keys(parsed.user) & name_keys(s.name))

    def login(sid: str, s: Student) -> bool:
        return bool(s.login) and fold(sid) == fold(s.login)

    def name(sid: str, s: Student) -> bool:
        return bool(name_keys(sid) & name_keys(s.name))

    return [
        ("exact id", exact),
        ("e-mail", email),
        ("LMS file name", lms_name),
        ("login", login),
        ("normalised name", name),
    ]


def match_roster(
    submission_ids: Iterable[str],
    students: list[Student],
    filename: Callable[[str], str] = lambda sid: "",
) -> RosterMatch:
    """Tie each submission to one student; `filename(id)` gives the file's own name."""
    owners: dict[str, tuple[Student, str]] = {}
    unknown: list[str] = []
    for sid in submission_ids:
        for rule, test in _rules(filename):
            found = [s for s in students if test(sid, s)]
            if len(found) == 1:
                owners[sid] = (found[0], rule)
                break
        else:
            unknown.append(sid)
    by_student: dict[str, list[str]] = {}
    for sid, (student, _) in owners.items():
        by_student.setdefault(student.id, []).append(sid)
    owned = set(by_student)
    return RosterMatch(
        owners=owners,
        missing=[s for s in students if s.id not in owned],
        unknown=unknown,
        shared={k: v for k, v in by_student.items() if len(v) > 1},
    )
