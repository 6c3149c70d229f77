"""A class beyond its verdicts: whose each submission is, when it came in, who handed nothing in,
and writing (or re-writing, after an override) every output from the gradebook.

    class_context  roster matching + each submission's time, once per run
    publish        results.json, grades.csv, junit.xml, LMS gradebooks, index.html
    regenerate     `grader report OUT_DIR`: all of it again from the gradebook, overrides applied
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.classroom.gradebook import FILENAME, Gradebook
from grader.classroom.late import (
    DeadlineSpec,
    SubmissionTime,
    best_time,
    late_penalty,
    parse_nbgrader_timestamp,
)
from grader.classroom.lms import write_lms_exports
from grader.classroom.lms_names import parse_lms_name
from grader.classroom.overrides import finalize, with_context
from grader.classroom.roster import Student, match_roster, read_roster
from grader.classroom.sources import SubmissionSource
from grader.errors import UsageError
from grader.exports import write_exports
from grader.report import RosterView, write_index, write_report
from grader.results import CheckResult, GradeReport, SubmissionResult
from grader.results.adjustments import StudentMatch
from grader.spec.exercise import ExerciseSpec, load_exercise


def report_filename(submission_id: str) -> str:
    """A safe file name for a submission's report; ids keep spaces and non-ASCII letters."""
    return re.sub(r"[^\w\- .]", "_", submission_id).strip() + ".html"


def report_names(ids: list[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    used: set[str] = set()
    for sid in ids:
        name = report_filename(sid)
        stem, number = name[: -len(".html")], 2
        while name.casefold() in used or name.casefold() in ("index.html", "similarity.html"):
            name, number = f"{stem}-{number}.html", number + 1
        used.add(name.casefold())
        names[sid] = name
    return names


@dataclass(frozen=True)
class ClassContext:
    """What the roster and the deadline say about each submission of a run."""

    roster_given: bool
    owners: dict[str, StudentMatch] = field(default_factory=dict)
    missing: list[Student] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    shared: dict[str, list[str]] = field(default_factory=dict)
    deadline: DeadlineSpec | None = None
    times: dict[str, SubmissionTime] = field(default_factory=dict)

    def base(self, result: SubmissionResult) -> SubmissionResult:
        """The automatic result with its student and lateness attached."""
        late = None
        if self.deadline is not None:
            when = self.times.get(result.id, SubmissionTime(None, "none"))
            late = late_penalty(self.deadline, when, result.score, result.max_score)
        return with_context(result, self.owners.get(result.id), late)


def submission_time(
    source: SubmissionSource, student: Student | None, deadline: DeadlineSpec
) -> SubmissionTime:
    """The best time stamp of a submission, best source first."""
    candidates: list[SubmissionTime] = []
    for name in (source.id, source.filename, *Path(source.path).parts[-3:-1]):
        parsed = parse_lms_name(name) if name else None
        if parsed and parsed.submitted_at:
            candidates.append(SubmissionTime(parsed.submitted_at, f"{parsed.lms} file name", name))
            break
    if source.timestamp_txt is not None:
        try:
            text = source.timestamp_txt().decode("utf-8", "replace")
        except (OSError, ValueError):
            text = ""
        candidates.append(
            SubmissionTime(parse_nbgrader_timestamp(text), "nbgrader timestamp.txt", text.strip())
        )
    if student is not None and student.submitted_at:
        try:
            text = student.submitted_at.replace("Z", "+00:00")
            at: datetime | None = datetime.fromisoformat(text)
        except ValueError:
            at = None
        candidates.append(SubmissionTime(at, "roster", student.submitted_at))
    if source.modified is not None:
        stamp, where = source.modified
        at = datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, float | int) else stamp
        candidates.append(SubmissionTime(at, where, source.filename))
    return best_time(candidates)


def class_context(
    sources: list[SubmissionSource], roster: Path | None, deadline: DeadlineSpec | None
) -> ClassContext:
    students = read_roster(roster) if roster is not None else []
    owners: dict[str, tuple[Student, str]] = {}
    if roster is not None:
        if not students:
            raise UsageError(f"the roster {roster} lists no students")
        names = {s.id: s.filename for s in sources}
        matched = match_roster([s.id for s in sources], students, lambda i: names.get(i, ""))
        owners = matched.owners
    times = {}
    if deadline is not None:
        times = {
            s.id: submission_time(s, owners[s.id][0] if s.id in owners else None, deadline)
            for s in sources
        }
    if roster is None:
        return ClassContext(False, deadline=deadline, times=times)
    return ClassContext(
        True,
        {sid: student.matched(rule) for sid, (student, rule) in owners.items()},
        matched.missing,
        matched.unknown,
        matched.shared,
        deadline,
        times,
    )


def missing_result(student: Student, spec: ExerciseSpec) -> SubmissionResult:
    """A roster student with no submission: status `missing`, 0 points."""
    message = "no submission was found for this student"
    checks = [CheckResult(cid, "skip", 0.0, pts, message) for cid, pts in spec.points.items()]
    result = SubmissionResult(
        id=student.id,
        path="",
        sha256="",
        exercise=spec.id,
        status="missing",
        passed=False,
        score=0.0,
        max_score=spec.max_score,
        checks=checks,
        training={},
        test_accuracy=None,
        train_accuracy=None,
        isolation="",
        versions={},
        seed=spec.seed,
        duration_s=0.0,
        error=message,
    )
    return with_context(result, student.matched(""), None)


def roster_view(results: list[SubmissionResult], roster_given: bool) -> RosterView | None:
    if not roster_given:
        return None
    unknown = [r.id for r in results if r.status != "missing" and not _student(r)]
    missing = [r.id for r in results if r.status == "missing"]
    rules: dict[str, int] = {}
    for r in results:
        student = _student(r)
        if student and student.rule:
            rules[student.rule] = rules.get(student.rule, 0) + 1
    return RosterView(
        students=sum(1 for r in results if _student(r)),
        matched=sum(rules.values()),
        missing=missing,
        unknown=unknown,
        rules=sorted(rules.items(), key=lambda kv: -kv[1]),
    )


def _student(result: SubmissionResult) -> StudentMatch | None:
    return result.adjustments.student if result.adjustments else None


def publish(
    report: GradeReport,
    out_dir: Path,
    links: Mapping[str, str],
    args: Mapping[str, Any],
) -> None:
    """Every class-level output: the exports, the LMS gradebooks (with a roster), the index."""
    write_exports(report, out_dir)  # results.json, grades.csv, junit.xml
    roster_given = bool(args.get("roster"))
    if roster_given:
        write_lms_exports(report, out_dir, args.get("lms_assignment") or "")
    write_index(
        report,
        links,
        out_dir / "index.html",
        roster=roster_view(report.submissions, roster_given),
    )


def regenerate(
    out_dir: Path, gradebook: Path | None = None, exercise: str | None = None
) -> GradeReport:
    """Write every report and export of the latest run into `out_dir` again, from the gradebook,
    with the overrides in force now (no grading)."""
    book_path = gradebook or out_dir / FILENAME
    if not book_path.is_file():
        raise UsageError(f"no gradebook at {book_path} (grade the class first, or --gradebook)")
    with Gradebook(book_path) as book:
        run_id = book.latest_run(exercise, str(out_dir.resolve()))
        if run_id is None:
            raise UsageError(f"the gradebook {book_path} has no graded class to report on")
        args = book.run_args(run_id)
        bases = book.class_results(run_id)
        overrides = book.overrides()
    if not bases:
        raise UsageError(f"run {run_id} in {book_path} has no results")
    spec = load_exercise(bases[0].exercise)
    # as `grader grade` lists them: submissions by id, then the roster's missing students
    bases.sort(key=lambda r: (r.status == "missing", r.id.casefold(), r.id))
    final = [finalize(b, overrides) for b in bases]
    links = report_names([r.id for r in final if r.status != "missing"])
    for result in final:
        if result.id in links:
            write_report(result, spec, out_dir / links[result.id])
    report = GradeReport(spec.id, final)
    publish(report, out_dir, links, args)
    return report
