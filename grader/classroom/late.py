"""Due dates and the late policy: when a submission came in, and what lateness costs.

Set per exercise in `exercise.toml` and per run on the command line (which wins, key by key):

    [deadline]
    due = 2026-03-01T23:59:00+01:00   # TOML date-time; without an offset: in `timezone`
    penalty_percent = 10              # of the maximum score, per started day (or hour)
    per = "day"                       # day or hour
    cap_percent = 50                  # the penalty never exceeds this
    last_accepted = 2026-03-05T23:59:00+01:00   # after it: not accepted, 0 points
    grace_minutes = 15                # this long after `due` still counts as on time
    timezone = "Europe/Berlin"        # for times without an offset (default: this machine's)

The submission time comes from the best source available, in this order: an LMS export's time
stamp in the file name (Blackboard, Brightspace), nbgrader's `timestamp.txt`, a time in the
roster, the file's modification time (a zip member: the time stored in the zip entry).
Lateness is counted from `due`; every started day (hour) counts. Within the grace period there
is no penalty at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grader.errors import UsageError
from grader.results.adjustments import LateNote
from grader.spec.exercise import read_toml
from grader.spec.schema import SECTIONS, check_table
from grader.spec.vocabulary import DEADLINE_UNITS_S as UNIT_S

# The keys, their types and limits: one home, the spec's schema (`[deadline]`).
DEADLINE_KEYS = SECTIONS["deadline"] or {}
KEYS = tuple(DEADLINE_KEYS)


@dataclass(frozen=True)
class DeadlineSpec:
    """The `[deadline]` section of exercise.toml (also built from command-line options)."""

    due: datetime | None = None
    penalty_percent: float = 0.0
    per: str = "day"
    cap_percent: float = 100.0
    last_accepted: datetime | None = None
    grace_minutes: float = 0.0
    timezone: str = ""

    def zone(self) -> tzinfo:
        if not self.timezone:
            return datetime.now().astimezone().tzinfo or ZoneInfo("UTC")
        return ZoneInfo(self.timezone)

    def aware(self, when: datetime) -> datetime:
        return when if when.tzinfo else when.replace(tzinfo=self.zone())


def _time(value: Any, where: str, key: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59, 59))
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    raise UsageError(f"{where}: {key} must be a date-time like 2026-03-01T23:59:00, got {value!r}")


def parse_deadline(table: dict[str, Any], where: str = "[deadline]") -> DeadlineSpec:
    """The `[deadline]` table (or the command line's equivalents), checked."""
    check_table(table, DEADLINE_KEYS, where)  # types and ranges; NaN and infinity refused
    spec = DeadlineSpec(
        due=_time(table["due"], where, "due") if table.get("due") is not None else None,
        penalty_percent=float(table.get("penalty_percent", 0.0)),
        per=str(table.get("per", "day")),
        cap_percent=float(table.get("cap_percent", 100.0)),
        last_accepted=(
            _time(table["last_accepted"], where, "last_accepted")
            if table.get("last_accepted") is not None
            else None
        ),
        grace_minutes=float(table.get("grace_minutes", 0.0)),
        timezone=str(table.get("timezone", "")),
    )
    if spec.timezone:
        try:
            ZoneInfo(spec.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise UsageError(f"{where}: unknown timezone {spec.timezone!r}") from None
    if spec.due is None and (spec.last_accepted or spec.penalty_percent):
        raise UsageError(f"{where}: a late policy needs a due date (due = ...)")
    return spec


def deadline_of(folder: Path | None) -> DeadlineSpec | None:
    """The `[deadline]` section of an exercise folder's exercise.toml, if it has one."""
    if folder is None or not (folder / "exercise.toml").is_file():
        return None
    path = folder / "exercise.toml"
    table = read_toml(path)[1].get("deadline")
    if table is not None and not isinstance(table, dict):
        raise UsageError(f"{path}: 'deadline' must be a table, a section [deadline]")
    return parse_deadline(table, f"{path} [deadline]") if table else None


def merged(base: DeadlineSpec | None, changes: dict[str, Any]) -> DeadlineSpec | None:
    """The exercise's deadline with the command line's options on top (None values ignored)."""
    given = {k: v for k, v in changes.items() if v is not None}
    if base is None and not given:
        return None
    table = {k: getattr(base, k) for k in KEYS} if base else {}
    table = {k: v for k, v in table.items() if v is not None}
    table.update(given)
    return parse_deadline(table, "the deadline options")


def parse_penalty(text: str) -> tuple[float, str]:
    """'10/day', '10%/day', '2/hour' -> (percent, unit)."""
    number, _, unit = text.replace("%", "").partition("/")
    try:
        percent = float(number)
    except ValueError:
        raise UsageError(f"--late-penalty: expected e.g. 10/day or 2/hour, got {text!r}") from None
    unit = unit.strip() or "day"
    if unit not in UNIT_S:
        raise UsageError(f"--late-penalty: the unit is day or hour, got {unit!r}")
    return percent, unit


# -- submission time --------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionTime:
    at: datetime | None
    source: str  # "LMS file name", "nbgrader timestamp.txt", "roster", "file mtime", ...
    detail: str = ""


NO_TIME = SubmissionTime(None, "none", "no time stamp found")


def parse_nbgrader_timestamp(text: str) -> datetime | None:
    """nbgrader writes e.g. `2024-01-31 23:59:59.123456 UTC` (older: without a zone)."""
    text = text.strip()
    zone = None
    for suffix in (" UTC", " GMT", "Z"):
        if text.endswith(suffix):
            text, zone = text[: -len(suffix)].strip(), ZoneInfo("UTC")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.replace(tzinfo=zone) if zone and when.tzinfo is None else when


def best_time(candidates: list[SubmissionTime]) -> SubmissionTime:
    """The first candidate that has a time (callers list them best first)."""
    return next((c for c in candidates if c.at is not None), NO_TIME)


# -- the penalty ------------------------------------------------------------------------------


def _fmt(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def _duration(seconds: float) -> str:
    delta = timedelta(seconds=round(seconds))
    days, rest = delta.days, delta.seconds
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours)
    parts += [f"{minutes} min"] * bool(minutes) + [f"{secs} s"] * bool(secs)
    return " ".join(parts) or "0 s"


def late_penalty(
    spec: DeadlineSpec, when: SubmissionTime, score: float, max_score: float
) -> LateNote | None:
    """How much lateness costs this submission under `spec` (None: no due date set)."""
    if spec.due is None:
        return None
    due = spec.aware(spec.due)
    note = LateNote(
        submitted_at="",
        time_source=when.source,
        time_detail=when.detail,
        due=_fmt(due),
        late_s=0.0,
        units=0,
        per=spec.per,
        penalty_percent=0.0,
        penalty_points=0.0,
        accepted=True,
        explanation="",
    )
    if when.at is None:
        return replace(note, explanation="No submission time was found, so no late penalty.")
    at = spec.aware(when.at)
    late_s = (at - due).total_seconds()
    note = replace(note, submitted_at=_fmt(at), late_s=late_s)
    source = f"submitted {_fmt(at)} (from the {when.source})"
    if late_s <= 0:
        return replace(note, explanation=f"On time: {source}, due {_fmt(due)}.")
    grace_s = spec.grace_minutes * 60
    if late_s <= grace_s:
        return replace(
            note,
            explanation=f"On time within the {spec.grace_minutes:g}-minute grace period: "
            f"{source}, {_duration(late_s)} after the due date {_fmt(due)}.",
        )
    if spec.last_accepted is not None and at > spec.aware(spec.last_accepted):
        return replace(
            note,
            accepted=False,
            penalty_percent=100.0,
            penalty_points=max_score,
            explanation=f"Not accepted: {source}, after the last accepted time "
            f"{_fmt(spec.aware(spec.last_accepted))}; scored 0.",
        )
    units = math.ceil(late_s / UNIT_S[spec.per])
    percent = min(spec.cap_percent, units * spec.penalty_percent)
    points = round(max_score * percent / 100, 4)
    capped = " (the cap)" if units * spec.penalty_percent > spec.cap_percent else ""
    return replace(
        note,
        units=units,
        penalty_percent=percent,
        penalty_points=points,
        explanation=f"Late by {_duration(late_s)}: {source}, due {_fmt(due)}. "
        f"{units} started {spec.per}(s) x {spec.penalty_percent:g}% = {percent:g}%{capped} "
        f"of {max_score:g} points: -{points:g} (a score never goes below 0).",
    )
