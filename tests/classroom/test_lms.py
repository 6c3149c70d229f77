"""LMS gradebooks and the roster end to end: `grader grade --roster` on submissions graded in
milliseconds, the class overview's roster, the gradebook's class rows, and each LMS file parsed
back and checked against the format's documented rules with the roster's ids."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from grader.classroom.lms import CANVAS_COLUMNS, feedback
from grader.classroom.roster import parse_roster
from grader.exports import gradescope_results
from grader.results import read_results

GRADER = str(Path(sys.executable).parent / "grader")
ROSTER = """id,name,email,lms_id,login,sis_id,section
s001,José Nuñez,jose.nunez@uni.example,12345,jnunez,20230001,Sección A
s002,Zoë Müller,zm@uni.example,12346,zmueller,20230002,B
s003,Ada Lovelace,ada@uni.example,12347,alovelace,20230003,A
s004,Grace Hopper,grace@uni.example,12348,ghopper,20230004,B
s005,"=cmd|' /C calc'!A0",evil@uni.example,12349,evil,20230005,B
"""
DUE = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)


def syntax_error(tag: str) -> str:
    return f"# {tag}\nimport tensorflow as tf\nmodel = tf.keras.Sequential([\n"


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A class graded once for real: roster matches by name, e-mail and a Blackboard name."""
    root = tmp_path_factory.mktemp("lms")
    cls = root / "class"
    cls.mkdir()
    files = {
        "jose nunez.py": DUE.timestamp(),  # on time, by its mtime
        "zm.py": DUE.timestamp() + 1,  # one second late
        "Week 2_alovelace_attempt_2026-03-04-09-00-00_hw2.py": 0.0,  # 3 days late, by its name
        "mallory.py": DUE.timestamp(),  # not on the roster
        "evil.py": DUE.timestamp(),
    }
    for name, stamp in files.items():
        # mallory handed in evil's file, byte for byte: the cache's duplicate
        (cls / name).write_text(syntax_error("evil.py" if name == "mallory.py" else name))
        if stamp:
            os.utime(cls / name, (stamp, stamp))
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    proc = subprocess.run(
        [
            GRADER,
            "grade",
            str(cls),
            "-e",
            "mnist_callback",
            "--out",
            str(root / "out"),
            "--roster",
            str(root / "roster.csv"),
            "--due",
            DUE.isoformat(),
            "--late-penalty",
            "10/day",
            "--late-cap",
            "50",
            "--timezone",
            "UTC",
            "--lms-assignment",
            "Week 2: callback (123456)",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 1, proc.stderr
    return root / "out"


def test_every_student_has_a_row_and_unknown_submissions_are_kept(graded: Path) -> None:
    report = read_results(graded / "results.json")
    by_id = {s.id: s for s in report.submissions}
    assert set(by_id) == {
        "jose nunez",
        "zm",
        "Week 2_alovelace_attempt_2026-03-04-09-00-00_hw2",
        "mallory",
        "evil",
        "s004",
    }
    missing = by_id["s004"]
    assert missing.status == "missing" and missing.score == 0 and not missing.passed
    assert missing.adjustments and missing.adjustments.student
    assert missing.adjustments.student.name == "Grace Hopper"
    assert by_id["mallory"].adjustments and by_id["mallory"].adjustments.student is None
    rules = {
        sid: s.adjustments.student.rule
        for sid, s in by_id.items()
        if s.adjustments and s.adjustments.student and s.status != "missing"
    }
    assert rules == {
        "jose nunez": "normalised name",
        "zm": "e-mail",
        "Week 2_alovelace_attempt_2026-03-04-09-00-00_hw2": "LMS file name",
        "evil": "e-mail",  # the local part of evil@uni.example
    }
    index = (graded / "index.html").read_text()
    roster = index[index.index('id="roster"') :]
    assert "mallory" in roster[roster.index('id="roster-unknown"') :]
    assert (
        "s004" in roster[roster.index('id="roster-missing"') : roster.index('id="roster-unknown"')]
    )
    assert "Zoë Müller (e-mail)" in index and 'data-figure="missing"><b>1</b>' in index
    assert 'href="similarity.html"' in index and 'href="canvas.csv"' in index
    similarity = (graded / "similarity.html").read_text()
    duplicates = similarity[similarity.index('class="duplicate"') :]
    assert duplicates.index("evil") < duplicates.index("mallory") < duplicates.index("</li>")
    with sqlite3.connect(graded / "gradebook.sqlite") as db:
        rows = dict(db.execute("SELECT submission_id, match_rule FROM class_rows"))
    assert rows["zm"] == "e-mail" and rows["mallory"] is None and rows["s004"] == ""


def test_late_penalties_use_the_best_time_source(graded: Path) -> None:
    by_id = {s.id: s for s in read_results(graded / "results.json").submissions}
    zm = by_id["zm"].adjustments.late  # type: ignore[union-attr]
    assert zm and zm.time_source == "file modification time" and zm.units == 1
    ada = by_id["Week 2_alovelace_attempt_2026-03-04-09-00-00_hw2"].adjustments.late  # type: ignore[union-attr]
    assert ada and ada.time_source == "blackboard file name" and ada.units == 3
    assert ada.penalty_percent == 30
    jose = by_id["jose nunez"].adjustments.late  # type: ignore[union-attr]
    assert jose and jose.late_s == 0 and jose.explanation.startswith("On time")


def test_canvas_csv_follows_the_import_rules(graded: Path) -> None:
    raw = (graded / "canvas.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, as Canvas's own export
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    assert tuple(header[:5]) == CANVAS_COLUMNS  # Canvas's required leading columns, in order
    assert len(header) == 6 and re.fullmatch(r".+ \(\d+\)", header[5])  # "Name (assignment id)"
    roster = {s.lms_id: s for s in parse_roster(ROSTER)}
    assert {r[1] for r in body} == set(roster)  # every roster student once, by Canvas user id
    for name, lms_id, sis_id, login, section, score in body:
        student = roster[lms_id]
        assert (sis_id, login) == (student.sis_id, student.login)
        assert name.lstrip("'") == student.name and section == student.section
        assert 0 <= float(score) <= 10
        assert not name.startswith(("=", "+", "-", "@"))  # no formula reaches a spreadsheet
    by_id = {r[1]: r for r in body}
    assert by_id["12345"][0] == "José Nuñez" and by_id["12345"][4] == "Sección A"
    assert by_id["12348"][5] == "0"  # missing: 0 points


def test_moodle_csv_follows_the_import_rules(graded: Path) -> None:
    raw = (graded / "moodle.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # plain UTF-8, Moodle's default encoding
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert list(rows[0]) == [
        "Email address",
        "ID number",
        "Username",
        "Full name",
        "Week 2: callback (123456)",
        "Feedback",
    ]
    roster = {s.email: s for s in parse_roster(ROSTER)}
    assert [r["Email address"] for r in rows].count("zm@uni.example") == 1
    assert {r["Email address"] for r in rows} == set(roster)  # an identifier Moodle can map
    for row in rows:
        student = roster[row["Email address"]]
        assert row["ID number"] == student.sis_id and row["Username"] == student.login
        assert 0 <= float(row["Week 2: callback (123456)"]) <= 10
    by_mail = {r["Email address"]: r for r in rows}
    ada = by_mail["ada@uni.example"]["Feedback"]
    assert "Automatic score 0/10" in ada and "3 started day(s) x 10% = 30%" in ada
    assert by_mail["grace@uni.example"]["Feedback"] == "No submission."
    assert by_mail["jose.nunez@uni.example"]["Full name"] == "José Nuñez"


def test_grades_csv_and_gradescope_keep_raw_and_penalised(graded: Path) -> None:
    with (graded / "grades.csv").open(encoding="utf-8", newline="") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    assert rows["zm"]["raw_score"] == "0" and rows["zm"]["late_percent"] == "10"
    assert rows["zm"]["late_penalty"] == "0"  # 10% of 10 points, but a score stays >= 0
    assert rows["zm"]["time_source"] == "file modification time"
    assert rows["s004"]["status"] == "missing" and rows["mallory"]["student_id"] == ""
    zm = {s.id: s for s in read_results(graded / "results.json").submissions}["zm"]
    gs = gradescope_results(zm)
    assert gs["score"] == zm.score and gs["extra_data"]["raw_score"] == 0.0
    assert gs["extra_data"]["late_penalty"] == 0.0 and "Late by 1 s" in gs["output"]
    json.dumps(gs)
    assert "Late by 1 s" in feedback(zm)
