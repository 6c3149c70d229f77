"""Roster matching: which submission is whose, by which rule; who is missing; what nobody owns."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.classroom.lms_names import parse_lms_name
from grader.classroom.roster import fold, match_roster, parse_roster, read_roster
from grader.errors import UsageError

ROSTER = """id,name,email,lms_id,login,sis_id,section
s001,José Nuñez,jose.nunez@uni.example,12345,jnunez,20230001,A
s002,Zoë Müller,zm@uni.example,12346,zmueller,20230002,B
s003,Ada Lovelace,ada@uni.example,12347,alovelace,20230003,A
s004,Grace Hopper,grace@uni.example,12348,ghopper,20230004,B
s005,Ngũgĩ wa Thiong'o,ngugi@uni.example,12349,nthiongo,20230005,A
"""


@pytest.fixture
def students():
    return parse_roster(ROSTER)


def owners(students, ids, filenames=None):
    names = filenames or {}
    matched = match_roster(ids, students, lambda sid: names.get(sid, ""))
    return {sid: (s.id, rule) for sid, (s, rule) in matched.owners.items()}, matched


def test_each_rule_in_order(students) -> None:
    found, matched = owners(
        students,
        [
            "S001",  # exact id, other case
            "zm",  # e-mail local part
            "ada@uni.example",  # whole e-mail
            "hoppergrace_12348_9876543_week2",  # Canvas download name: the user id
            "Week 2_nthiongo_attempt_2026-03-02-10-00-00_hw2",  # Blackboard: the username
        ],
    )
    assert found == {
        "S001": ("s001", "exact id"),
        "zm": ("s002", "e-mail"),
        "ada@uni.example": ("s003", "e-mail"),
        "hoppergrace_12348_9876543_week2": ("s004", "LMS file name"),
        "Week 2_nthiongo_attempt_2026-03-02-10-00-00_hw2": ("s005", "LMS file name"),
    }
    assert matched.missing == [] and matched.unknown == []


def test_names_match_without_accents_case_or_order(students) -> None:
    found, _ = owners(
        students,
        ["jose nunez", "MÜLLER, Zoë", "lovelaceada", "Ngugi_wa_Thiongo", "20230004"],
    )
    assert found["jose nunez"] == ("s001", "normalised name")
    assert found["MÜLLER, Zoë"] == ("s002", "normalised name")
    assert found["lovelaceada"] == ("s003", "normalised name")
    assert found["Ngugi_wa_Thiongo"] == ("s005", "normalised name")
    assert found["20230004"] == ("s004", "exact id")  # the SIS number counts as an id
    assert fold("  José\tNÚÑEZ ") == "jose nunez"


def test_login_rule(students) -> None:
    found, _ = owners(students, ["JNunez"])
    assert found == {"JNunez": ("s001", "login")}


def test_missing_and_unknown_are_listed(students) -> None:
    _, matched = owners(students, ["s001", "zm", "mallory", "bob smith"])
    assert [s.id for s in matched.missing] == ["s003", "s004", "s005"]
    assert matched.unknown == ["mallory", "bob smith"]


def test_an_ambiguous_name_is_not_guessed() -> None:
    twins = parse_roster("id,name\na1,Lee Kim\na2,Kim Lee\n")
    _, matched = owners(twins, ["kim lee"])
    assert matched.unknown == ["kim lee"] and not matched.owners


def test_two_submissions_of_one_student_are_reported(students) -> None:
    _, matched = owners(students, ["s001", "jose.nunez"])
    assert matched.shared == {"s001": ["s001", "jose.nunez"]}


def test_moodle_and_brightspace_folder_names(students) -> None:
    found, _ = owners(
        students,
        [
            "Zoë Müller_402_assignsubmission_file_",
            "123-456 - Ada Lovelace - Mar 2, 2026 1005 AM - notebook",
        ],
    )
    assert found["Zoë Müller_402_assignsubmission_file_"] == ("s002", "LMS file name")
    assert found["123-456 - Ada Lovelace - Mar 2, 2026 1005 AM - notebook"][1] == "LMS file name"


def test_the_file_name_is_used_when_the_id_says_nothing(students) -> None:
    found, _ = owners(students, ["submission-7"], {"submission-7": "ghopper_12348_555_hw.ipynb"})
    assert found == {"submission-7": ("s004", "LMS file name")}


def test_lms_names_parse() -> None:
    canvas = parse_lms_name("smithjohn_LATE_12345_6789012_hw2.ipynb")
    assert canvas and (canvas.lms, canvas.user, canvas.flagged_late) == ("canvas", "12345", True)
    bb = parse_lms_name("Week 2_jsmith_attempt_2024-01-31-23-59-59_hw2.ipynb")
    assert bb and bb.user == "jsmith" and str(bb.submitted_at) == "2024-01-31 23:59:59"
    d2l = parse_lms_name("78940-105765 - John Smith - Feb 3, 2020 907 AM - hw1.py")
    assert d2l and d2l.user == "John Smith" and str(d2l.submitted_at) == "2020-02-03 09:07:00"
    assert parse_lms_name("alice") is None and parse_lms_name("bob smith.py") is None


def test_roster_file_with_bom_semicolons_and_other_headers(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    text = "Student ID;Full Name;E-mail;Username\nx1;Zoë Müller;zm@uni.example;zmueller\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    (student,) = read_roster(path)
    assert (student.id, student.name, student.email, student.login) == (
        "x1",
        "Zoë Müller",
        "zm@uni.example",
        "zmueller",
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("name,email\nAda,a@x\n", "no 'id' column"),
        ("id,name\na1,Ada\nA1,Ada L\n", "appears twice"),
        ("", "empty roster"),
    ],
)
def test_bad_rosters_say_what_is_wrong(text: str, error: str) -> None:
    with pytest.raises(UsageError, match=error):
        parse_roster(text)


def test_canvas_names_without_lms_ids_in_the_roster() -> None:
    plain = parse_roster("id,name\nx1,José Nuñez\nx2,Grace Hopper\n")
    found, _ = owners(plain, ["nunezjose_12345_6789012_week2", "hoppergrace_LATE_9_8_hw"])
    assert found == {
        "nunezjose_12345_6789012_week2": ("x1", "LMS file name"),
        "hoppergrace_LATE_9_8_hw": ("x2", "LMS file name"),
    }


def test_a_roster_with_uneven_rows_is_read(tmp_path: Path) -> None:
    """A spreadsheet leaves trailing cells out; the CSV sniffer gives up on such rows ("Could
    not determine delimiter"), the header row still says what separates the columns."""
    for sep in (",", ";", "\t"):
        text = sep.join(["id", "name", "email", "section"]) + "\n"
        text += sep.join(["s1", "Ada Lovelace"]) + "\n" + sep.join(["s2", "Grace", "g@x", "B"])
        students = parse_roster(text + "\n")
        assert [(s.id, s.name, s.section) for s in students] == [
            ("s1", "Ada Lovelace", ""),
            ("s2", "Grace", "B"),
        ], sep


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("id,name\nx1,Zoë\n".encode("latin-1"), r"is not UTF-8 \(byte 0xeb at line 2\); save it as CSV UTF-8"),  # noqa: E501
        (b"", "empty roster"),
        (b"\xef\xbb\xbf\r\n\r\n", "empty roster"),
        (b"id\nx1\n", "no 'name' column"),
        (b'id,name\nx1,"' + b"a" * 200_000 + b'"\n', "not a CSV file the grader can read"),
        (b"id,name\nx1,Ada\n\nx1,Ada again\n", "line 4: the id 'x1' appears twice"),
    ],
)  # fmt: skip
def test_a_roster_file_that_cannot_be_read_names_itself(
    tmp_path: Path, raw: bytes, error: str
) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(raw)
    with pytest.raises(UsageError, match=error) as caught:
        read_roster(path)
    assert str(caught.value).startswith(f"the roster {path}")
