"""Late penalties at the boundaries, for every source of a submission time, on real files:
a folder (file mtime), a zip (the entry's time), Blackboard and Brightspace download names,
nbgrader's timestamp.txt and the roster."""

from __future__ import annotations

import os
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grader.classroom.classbook import submission_time
from grader.classroom.late import DeadlineSpec, late_penalty, merged, parse_deadline, parse_penalty
from grader.classroom.roster import Student
from grader.classroom.sources import SubmissionSource, find_submissions
from grader.errors import UsageError
from grader.spec.exercise import load_exercise

DUE = datetime(2026, 3, 1, 23, 59, 0, tzinfo=UTC)
POLICY = parse_deadline(
    {"due": DUE, "penalty_percent": 10, "per": "day", "cap_percent": 30, "timezone": "UTC"}
)
CODE = b"import tensorflow as tf\nprint('hello')\n"


def _source(tmp: Path, kind: str, when: datetime) -> tuple[SubmissionSource, Student | None]:
    """A real submission whose time, from the `kind` source, is `when` (UTC)."""
    naive = when.astimezone(UTC).replace(tzinfo=None)
    student = None
    if kind == "file modification time":
        path = tmp / "class" / "alice.py"
        path.parent.mkdir(parents=True)
        path.write_bytes(CODE)
        os.utime(path, (when.timestamp(), when.timestamp()))
        root = tmp / "class"
    elif kind == "zip entry time":
        root = tmp / "class.zip"
        with zipfile.ZipFile(root, "w") as z:
            z.writestr(zipfile.ZipInfo("alice.py", naive.timetuple()[:6]), CODE)
            z.writestr(zipfile.ZipInfo("bob.py", naive.timetuple()[:6]), CODE)
    elif kind == "blackboard file name":
        name = f"Week 2_alice_attempt_{naive:%Y-%m-%d-%H-%M-%S}_hw2.py"
        root = tmp / "class"
        root.mkdir()
        (root / name).write_bytes(CODE)
        os.utime(root / name, (0, 0))  # a wrong mtime: the name wins
    elif kind == "brightspace file name":
        stamp = naive.strftime("%b %-d, %Y %-I%M %p")
        root = tmp / "class"
        (root / f"1234-5678 - Alice Smith - {stamp} - hw2").mkdir(parents=True)
        (root / f"1234-5678 - Alice Smith - {stamp} - hw2" / "notebook.py").write_bytes(CODE)
    elif kind == "nbgrader timestamp.txt":
        folder = tmp / "course" / "submitted" / "alice" / "mnist_callback"
        folder.mkdir(parents=True)
        (folder / "mnist_callback.py").write_bytes(CODE)
        (folder / "timestamp.txt").write_text(f"{naive:%Y-%m-%d %H:%M:%S.%f} UTC\n")
        root = tmp / "course"
    elif kind == "roster":
        root = tmp / "class"
        root.mkdir()
        (root / "alice.py").write_bytes(CODE)
        student = Student("alice", "Alice Smith", submitted_at=when.isoformat())
        # the roster's time beats the file's modification time
    else:
        raise AssertionError(kind)
    sources = find_submissions(root, "mnist_callback")
    return sources[0], student


SOURCES = [
    ("file modification time", timedelta(seconds=1)),
    ("zip entry time", timedelta(seconds=2)),  # zip times have a 2-second resolution
    ("blackboard file name", timedelta(seconds=1)),
    ("brightspace file name", timedelta(minutes=1)),  # Brightspace names give minutes
    ("nbgrader timestamp.txt", timedelta(seconds=1)),
    ("roster", timedelta(seconds=1)),
]


@pytest.mark.parametrize(("kind", "tick"), SOURCES, ids=[k for k, _ in SOURCES])
@pytest.mark.parametrize(
    ("case", "delta_ticks", "grace", "points"),
    [
        ("on time", 0, 0, 0.0),
        ("one tick late", 1, 0, 1.0),  # a started day costs 10% of 10 points
        ("past the cap", 6 * 86400, 0, 3.0),  # 6 days x 10%, capped at 30%
        ("in the grace period", 1, 5, 0.0),
        ("just past the grace period", 301, 5, 1.0),
    ],
)
def test_penalty_at_the_boundaries(
    tmp_path: Path, kind: str, tick: timedelta, case: str, delta_ticks: int, grace: float, points
) -> None:
    delta = (
        tick * delta_ticks if case != "just past the grace period" else timedelta(minutes=5) + tick
    )
    when = DUE + delta
    source, student = _source(tmp_path, kind, when)
    policy = parse_deadline({**_table(POLICY), "grace_minutes": grace})
    found = submission_time(source, student, policy)
    assert found.source == kind
    assert found.at is not None and policy.aware(found.at) == when
    note = late_penalty(policy, found, 10.0, 10.0)
    assert note is not None
    assert note.penalty_points == points, note.explanation
    assert note.time_source == kind and note.accepted
    if points:
        assert "Late by" in note.explanation and f"-{points:g}" in note.explanation
    else:
        assert note.explanation.startswith("On time")


def _table(spec: DeadlineSpec) -> dict:
    return {
        k: getattr(spec, k) for k in ("due", "penalty_percent", "per", "cap_percent", "timezone")
    }


def test_after_the_last_accepted_time_scores_zero(tmp_path: Path) -> None:
    policy = parse_deadline({**_table(POLICY), "last_accepted": DUE + timedelta(days=2)})
    source, _ = _source(tmp_path, "file modification time", DUE + timedelta(days=2, seconds=1))
    note = late_penalty(policy, submission_time(source, None, policy), 7.0, 10.0)
    assert note and not note.accepted and "Not accepted" in note.explanation


def test_per_hour_penalty() -> None:
    from grader.classroom.late import SubmissionTime

    policy = parse_deadline({"due": DUE, "penalty_percent": 2, "per": "hour"})
    note = late_penalty(
        policy, SubmissionTime(DUE + timedelta(hours=3, seconds=1), "roster"), 10, 10
    )
    assert note and note.units == 4 and note.penalty_percent == 8 and note.penalty_points == 0.8


def test_no_time_found_means_no_penalty() -> None:
    from grader.classroom.late import NO_TIME

    note = late_penalty(POLICY, NO_TIME, 10, 10)
    assert note and note.penalty_points == 0 and "No submission time" in note.explanation


def test_naive_times_are_read_in_the_policy_zone() -> None:
    from grader.classroom.late import SubmissionTime

    berlin = parse_deadline(
        {"due": datetime(2026, 3, 1, 23, 59), "penalty_percent": 10, "timezone": "Europe/Berlin"}
    )
    # 23:30 in Berlin is on time; the same wall time read as UTC would not be
    on_time = late_penalty(berlin, SubmissionTime(datetime(2026, 3, 1, 23, 30), "x"), 10, 10)
    assert on_time and on_time.late_s < 0
    late = late_penalty(
        berlin, SubmissionTime(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "x"), 10, 10
    )
    assert late and late.penalty_points == 1.0


def test_the_command_line_wins_over_exercise_toml(tmp_path: Path) -> None:
    folder = tmp_path / "ex"
    folder.mkdir()
    spec = load_exercise("mnist_callback")
    text = (spec.folder / "exercise.toml").read_text()  # type: ignore[operator]
    text += "\n[deadline]\ndue = 2026-03-01T23:59:00Z\npenalty_percent = 10\ncap_percent = 50\n"
    (folder / "exercise.toml").write_text(text)
    from grader.classroom.late import deadline_of

    base = deadline_of(folder)
    assert base and base.penalty_percent == 10 and base.cap_percent == 50
    both = merged(base, {"penalty_percent": 5.0, "per": "hour", "due": None})
    assert both and (both.penalty_percent, both.per, both.cap_percent) == (5.0, "hour", 50.0)
    assert both.due == base.due
    assert parse_penalty("10%/day") == (10.0, "day") and parse_penalty("2/hour") == (2.0, "hour")


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ({"due": DUE, "per": "week"}, "'per' must be one of 'day', 'hour'"),
        ({"due": DUE, "per": "dya"}, "did you mean 'day'"),
        ({"due": DUE, "penalty_percent": float("nan")}, "'penalty_percent' must be a percentage"),
        ({"due": DUE, "grace_minutes": float("inf")}, "'grace_minutes' must be a finite number"),
        ({"due": DUE, "cap_percent": "50"}, "'cap_percent' must be a number"),
        ({"due": DUE, "timezone": "../../etc/passwd"}, "unknown timezone"),
        ({"penalty_percent": 10}, "needs a due date"),
        ({"due": DUE, "cap": 10}, "unknown key"),
        ({"due": "next friday"}, "must be a date-time"),
        ({"due": DUE, "timezone": "Mars/Olympus"}, "unknown timezone"),
    ],
)
def test_bad_deadlines_say_what_is_wrong(table: dict, error: str) -> None:
    with pytest.raises(UsageError, match=error):
        parse_deadline(table)


@pytest.mark.integration
def test_grade_reads_the_deadline_of_exercise_toml(tmp_path: Path) -> None:
    """End to end: a [deadline] in the exercise's own spec, a file one second late."""
    import json
    import shutil
    import subprocess
    import sys

    from grader.spec.exercise import exercises_root

    root = tmp_path / "exercises"
    shutil.copytree(exercises_root() / "mnist_callback", root / "mnist_callback")
    toml = root / "mnist_callback" / "exercise.toml"
    toml.write_text(
        toml.read_text() + "\n[deadline]\ndue = 2026-03-01T23:59:00Z\npenalty_percent = 10\n"
        'per = "hour"\ntimezone = "UTC"\n'
    )
    cls = tmp_path / "class"
    cls.mkdir()
    (cls / "alice.py").write_text("import tensorflow as tf\nmodel = tf.keras.Sequential([\n")
    late = DUE.timestamp() + 1
    os.utime(cls / "alice.py", (late, late))
    grader = str(Path(sys.executable).parent / "grader")
    proc = subprocess.run(
        [grader, "grade", str(cls), "-e", "mnist_callback", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "GRADER_EXERCISES_DIR": str(root)},
    )
    assert proc.returncode == 1, proc.stderr
    (alice,) = json.loads((tmp_path / "out" / "results.json").read_text())["submissions"]
    note = alice["adjustments"]["late"]
    assert note["per"] == "hour" and note["units"] == 1 and note["penalty_percent"] == 10
    assert note["time_source"] == "file modification time" and note["late_s"] == 1.0
