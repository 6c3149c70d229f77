"""Rosters and deadlines fuzzed: any text and any bytes as a roster CSV, any values in a
`[deadline]` table (or the command line's deadline options). The property: the reader returns
its value or raises the grader's own `UsageError` naming the file; a deadline it accepts then
prices any submission time without an error."""

from __future__ import annotations

import math
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from grader.classroom.late import SubmissionTime, late_penalty, parse_deadline
from grader.classroom.roster import fold, match_roster, parse_roster, read_roster
from grader.errors import UsageError
from grader.spec.schema import SECTIONS

pytestmark = pytest.mark.fuzz

CELLS = st.text(alphabet=st.characters(codec="utf-8"), max_size=8) | st.sampled_from(
    ["id", "name", "email", '"', ",", ";", "\t", "\r\n", "\n", "\x00", "Student ID", "Full Name"]
)
# Rows of cells joined by a separator, most with a header naming id and name: closer to a
# spreadsheet's export than any text, so the parser's later stages are reached too.
CSV_LIKE = st.builds(
    lambda header, rows, sep: "\n".join(sep.join(r) for r in [header, *rows]),
    st.lists(CELLS, max_size=4).map(lambda h: ["id", "name", *h]) | st.lists(CELLS, max_size=4),
    st.lists(st.lists(CELLS, max_size=5), max_size=6),
    st.sampled_from([",", ";", "\t", "|"]),
)


def _roster(text: str) -> None:
    try:
        students = parse_roster(text, "the roster r.csv")
    except UsageError as exc:
        assert str(exc).startswith("the roster r.csv")
        return
    ids = [s.id for s in students]
    assert all(ids) and len({fold(i) for i in ids}) == len(ids)  # no id twice
    match_roster([*ids[:3], "someone else"], students)  # matching what was read never fails


@given(CSV_LIKE)
@example("id,name,email,section\ns1,Ada\ns2,Grace,g@x,B\n")  # uneven rows: the sniffer gave up
@example('id,name\ns1,"Ada\n')  # an unclosed quote
@example("id,name\ns1,Ada\x00\n")
@example("\ufeffid;name\r\ns1;Ada\r\n")
def test_a_csv_like_roster_is_read_or_refused_naming_it(text: str) -> None:
    _roster(text)


@given(st.text(max_size=200))
def test_any_text_as_a_roster_is_read_or_refused_naming_it(text: str) -> None:
    _roster(text)


@given(st.binary(max_size=200))
@example("id,name\nx1,Zoë\n".encode("latin-1"))
@example(b"\xef\xbb\xbf")
@example(b"")
def test_any_bytes_as_a_roster_file_are_read_or_refused_naming_it(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.csv"
        path.write_bytes(raw)
        try:
            read_roster(path)
        except UsageError as exc:
            assert str(exc).startswith(f"the roster {path}") or str(path) in str(exc)


DEADLINE_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.text(max_size=25),
    st.sampled_from(["day", "hour", "Europe/Berlin", "UTC", "Mars/Olympus", "../../etc/passwd"]),
    st.datetimes(timezones=st.none() | st.just(UTC)),
    st.dates(),
    st.sampled_from(["2026-03-01T23:59:00Z", "2026-03-01", "9999-12-31T23:59:59", "tomorrow"]),
    st.none(),
)
DEADLINE = st.dictionaries(
    st.sampled_from(sorted(SECTIONS["deadline"] or {})) | st.text(max_size=6),
    DEADLINE_VALUES,
    max_size=5,
)


@given(DEADLINE, st.datetimes(timezones=st.none() | st.just(UTC)), st.floats(0, 1000))
@example({"due": datetime(2026, 3, 1), "grace_minutes": math.inf}, datetime(2026, 3, 2), 10.0)
@example({"due": datetime(2026, 3, 1), "penalty_percent": math.nan}, datetime(2026, 3, 2), 10.0)
@example({"due": datetime(9999, 12, 31, 23, 59)}, datetime(1, 1, 1), 10.0)
@example({"due": date(1, 1, 1), "timezone": "Pacific/Kiritimati"}, datetime(9999, 12, 31), 1.0)
@example({"due": "2026-03-01", "timezone": "x" * 300}, datetime(2026, 3, 2), 1.0)  # was OSError
@example({"due": date(2026, 3, 1), "grace_minutes": 1.44e12}, datetime(2000, 1, 1), 0.0)
def test_a_deadline_table_is_read_or_refused_and_prices_any_time(
    table: dict, submitted: datetime, max_score: float
) -> None:
    try:
        spec = parse_deadline(table, "[deadline]")
    except UsageError as exc:
        assert str(exc).startswith("[deadline]")
        return
    note = late_penalty(spec, SubmissionTime(submitted, "test"), max_score, max_score)
    if note is not None:
        assert 0 <= note.penalty_points <= max_score
        assert note.explanation
    assert spec.due is None or isinstance(spec.due, datetime)
    assert 0 <= spec.grace_minutes < math.inf and 0 <= spec.cap_percent <= 100
