"""Grading a class: find the submissions, grade each distinct one once, keep every verdict.

    sources (folder, folder of folders, nbgrader tree, zip)
      -> content keys (notebook metadata and outputs left out) + spec, grader, limits = cache key
      -> verdicts already in the gradebook are reused; duplicates in the class share one grading
      -> the rest run on an executor (local threads, or a Dask cluster), each one the same
         `grade_submission` as `grader check`
      -> as each verdict arrives: one gradebook transaction, the HTML report of every submission
         it decides, the progress display
      -> at the end: results.json, grades.csv, junit.xml and the class index

A run killed at any point loses only what was in flight: the next run finds every finished
verdict in the gradebook under its key.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from grader.classroom.classbook import (
    class_context,
    missing_result,
    publish,
    report_filename,
    report_names,
)
from grader.classroom.executors import GradeJob, JobOutcome, make_executor
from grader.classroom.gradebook import FILENAME, CachedVerdict, Gradebook, Graded, RunInfo
from grader.classroom.keys import cache_key, content_key, grader_identity, verdict_inputs
from grader.classroom.late import deadline_of, merged
from grader.classroom.overrides import finalize
from grader.classroom.progress import BatchProgress
from grader.classroom.sources import SubmissionSource, find_submissions
from grader.classroom.verdicts import as_submission, grader_failure_result, problem_result
from grader.errors import InfrastructureError
from grader.grading.pipeline import GradeOptions
from grader.grading.sandbox import choose_level
from grader.report import write_report
from grader.results import GradeReport, SubmissionResult, submission_result_from_dict
from grader.spec.environment import require_environment
from grader.spec.exercise import ExerciseSpec, load_exercise

__all__ = [
    "BatchSettings",
    "ClassGrading",
    "find_submissions",
    "grade_class",
    "grade_folder",
    "report_filename",
]


@dataclass(frozen=True)
class BatchSettings:
    timeout_s: float | None = None  # None: the exercise's own budget
    isolation: str | None = None  # the minimum level demanded; None: the strongest here
    workers: int | None = None  # -j; None: what the machine suits (executors.default_workers)
    executor: str = "local"
    scheduler: str | None = None  # the Dask scheduler's address
    gradebook: Path | None = None  # None: OUT_DIR/gradebook.sqlite
    regrade: bool = False  # grade everything again, whatever the gradebook holds
    args: Mapping[str, Any] = field(default_factory=dict)  # recorded with the run
    roster: Path | None = None  # CSV of the class's students (grader.classroom.roster)
    deadline: Mapping[str, Any] = field(default_factory=dict)  # over exercise.toml's [deadline]
    lms_assignment: str = ""  # the grade column of canvas.csv / moodle.csv
    similarity: bool = True  # write similarity.html (grader.classroom.similarity)


@dataclass(frozen=True)
class ClassGrading:
    """What a batch did: the report, and how it came by each verdict."""

    report: GradeReport
    run_id: int
    gradebook: Path
    counts: dict[str, Any]
    executor: str


@dataclass
class _Group:
    """The submissions of one class that share a cache key: graded once."""

    key: str
    content: str
    members: list[tuple[SubmissionSource, str]]  # (source, sha256 of its bytes)


def _sha256(raw: bytes) -> str:
    import hashlib

    return hashlib.sha256(raw).hexdigest()


def _group(
    sources: list[SubmissionSource], inputs: Mapping[str, str]
) -> tuple[list[SubmissionSource], dict[str, _Group]]:
    """The sources the grader cannot read (each a problem to report), and the others grouped by
    cache key: identical submissions share one grading."""
    problems: list[SubmissionSource] = []
    groups: dict[str, _Group] = {}
    for source in sources:
        if source.problem:
            problems.append(source)
            continue
        try:
            raw = source.read()
        except (OSError, ValueError) as exc:
            problems.append(replace(source, problem=f"{source.filename} cannot be read: {exc}"))
            continue
        content = content_key(source.filename, raw)
        key = cache_key(content, inputs)
        group = groups.setdefault(key, _Group(key, content, []))
        group.members.append((source, _sha256(raw)))
    return problems, groups


@dataclass
class _ClassRun:
    """One run of the batch over the gradebook: every verdict, as it lands, is recorded in one
    transaction, finalised with the instructor's overrides and written as a report."""

    spec: ExerciseSpec
    book: Gradebook
    run_id: int
    context: Any  # classbook.ClassContext: roster, late policy
    overrides: Any
    links: dict[str, str]
    out_dir: Path
    results: dict[str, SubmissionResult] = field(default_factory=dict)
    counts: dict[str, Any] = field(
        default_factory=lambda: dict.fromkeys(("graded", "duplicates", "reused", "failed_jobs"), 0)
    )

    def keep(self, graded: list[Graded], verdict: CachedVerdict | None = None) -> None:
        self.book.record(self.run_id, graded, verdict)
        bases = [self.context.base(item.result) for item in graded]
        self.book.record_class_rows(self.run_id, bases)
        for base in bases:
            final = finalize(base, self.overrides)
            self.results[final.id] = final
            write_report(final, self.spec, self.out_dir / self.links[final.id])

    def reuse(
        self, groups: Mapping[str, _Group], cached: Mapping[str, SubmissionResult]
    ) -> list[Graded]:
        reused = [
            Graded(as_submission(cached[g.key], source, sha), g.key, "cache")
            for g in groups.values()
            if g.key in cached
            for source, sha in g.members
        ]
        if reused:
            self.keep(reused)
            self.counts["reused"] = len(reused)
        return reused

    def report_problems(self, problems: list[SubmissionSource]) -> list[Graded]:
        instant = [Graded(problem_result(s, self.spec), None, "graded") for s in problems]
        if instant:
            self.keep(instant)
            self.counts["graded"] += len(instant)
        return instant

    def settle(
        self, group: _Group, outcome: JobOutcome, spec_key: str, identity: Mapping[str, str]
    ) -> list[Graded]:
        graded = _settle(group, outcome, self.spec)
        verdict = None
        if graded[0].origin == "graded":  # a grader failure is reported, never cached
            verdict = CachedVerdict(
                group.key, group.content, spec_key, identity["grader"], outcome.worker,
                graded[0].result,
            )  # fmt: skip
        self.keep(graded, verdict)
        self.counts["graded"] += 1
        self.counts["duplicates"] += len(graded) - 1
        self.counts["failed_jobs"] += graded[0].origin == "failed"
        return graded


def _run_info(
    spec: ExerciseSpec,
    path: Path,
    out_dir: Path,
    settings: BatchSettings,
    spec_key: str,
    described: str,
    slots: int,
    level: str,
    timeout: float,
    identity: dict[str, str],
) -> RunInfo:
    return RunInfo(
        exercise=spec.id,
        spec_hash=spec.spec_hash,
        spec_key=spec_key,
        source=str(path),
        args={
            **settings.args,
            "workers": slots,
            "timeout_s": timeout,
            "regrade": settings.regrade,
            "out_dir": str(out_dir.resolve()),
            "roster": str(settings.roster) if settings.roster else "",
            "deadline": {k: str(v) for k, v in settings.deadline.items() if v is not None},
            "lms_assignment": settings.lms_assignment,
        },
        executor=described,
        isolation=level,
        timeout_s=timeout,
        identity=identity,
    )


def _show_event(
    display: BatchProgress, by_key: Mapping[str, _Group], key: str, event: dict[str, Any]
) -> None:
    """A job's live event (an epoch), shown under its first submission's name."""
    display.event(key, by_key[key].members[0][0].id, event)


def grade_class(
    path: Path,
    exercise: str,
    out_dir: Path,
    settings: BatchSettings = BatchSettings(),
    console: Console | None = None,
) -> ClassGrading:
    """Grade every submission under `path`; write reports, exports and the gradebook."""
    started = time.monotonic()
    spec = load_exercise(exercise)
    require_environment(spec.environment, spec.id, spec.folder)  # else every student would fail
    sources = find_submissions(path, spec.id)
    # Refuses here, before anything runs; below the strongest level only when asked for.
    level = choose_level(settings.isolation, require_strongest=settings.isolation is None)
    timeout = settings.timeout_s or spec.timeout_s
    inputs = verdict_inputs(spec, timeout, level.name)
    options = GradeOptions(timeout_s=timeout, isolation=level.name, exact_isolation=True)
    problems, groups = _group(sources, inputs)

    deadline = merged(deadline_of(spec.folder), dict(settings.deadline))
    context = class_context(sources, settings.roster, deadline)
    links = report_names([s.id for s in sources])
    book_path = settings.gradebook or out_dir / FILENAME
    out_dir.mkdir(parents=True, exist_ok=True)
    executor = make_executor(settings.executor, settings.workers, settings.scheduler)
    described = executor.describe()
    identity = grader_identity()
    with Gradebook(book_path) as book:
        info = _run_info(
            spec, path, out_dir, settings, inputs["spec"], described, executor.slots,
            level.name, timeout, identity,
        )  # fmt: skip
        run = _ClassRun(
            spec, book, book.start_run(info), context, book.overrides(spec.id), links, out_dir
        )
        status = "failed"
        ordered: list[SubmissionResult] = []
        missing: list[SubmissionResult] = []
        try:
            cached = {} if settings.regrade else book.cached(groups)
            to_grade = [g for g in groups.values() if g.key not in cached]
            if to_grade:
                executor.check(identity)
            display = BatchProgress(
                console,
                total=len(sources),
                jobs=len(to_grade),
                slots=executor.slots,
                prior_duration_s=book.typical_duration(spec.id),
            )
            display.log(
                f"{spec.id}: {len(sources)} submission(s) in {path}; "
                f"{sum(len(g.members) for g in groups.values() if g.key in cached)} from the "
                f"gradebook, {sum(len(g.members) - 1 for g in to_grade)} duplicate(s), "
                f"{len(to_grade) + len(problems)} to grade on {described}"
            )
            with display:
                for instant in (run.reuse(groups, cached), run.report_problems(problems)):
                    if instant:
                        display.finished(None, [g.result for g in instant], graded=False)
                by_key = {g.key: g for g in to_grade}
                jobs = _jobs(to_grade, spec, options)
                on_event = functools.partial(_show_event, display, by_key)
                for job, outcome in executor.run(jobs, on_event):
                    graded = run.settle(by_key[job.key], outcome, inputs["spec"], identity)
                    display.finished(job.key, [g.result for g in graded], graded=True)
            missing = [missing_result(student, spec) for student in context.missing]
            if missing:
                book.record_class_rows(run.run_id, missing)
            status = "finished"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            executor.close(aborted=status != "finished")
            ordered = [run.results[s.id] for s in sources if s.id in run.results]
            if status == "finished":
                ordered += [finalize(m, run.overrides) for m in missing]
            passed = sum(r.passed for r in ordered)
            run.counts.update(
                submissions=len(sources),
                passed=passed,
                failed=len(ordered) - passed,
                wall_s=round(time.monotonic() - started, 3),
            )
            book.finish_run(run.run_id, status, run.counts)
    report = GradeReport(spec.id, ordered)
    if settings.similarity:
        from grader.classroom.similarity import write_similarity

        write_similarity(sources, groups_of(groups), spec, out_dir)
    run_args = {"roster": str(settings.roster or ""), "lms_assignment": settings.lms_assignment}
    publish(report, out_dir, {r.id: links[r.id] for r in ordered if r.id in links}, run_args)
    return ClassGrading(report, run.run_id, book_path, run.counts, described)


def groups_of(groups: Mapping[str, _Group]) -> list[list[str]]:
    """The ids of each set of identical submissions (same content, same verdict)."""
    return [[source.id for source, _ in g.members] for g in groups.values() if len(g.members) > 1]


def _jobs(groups: list[_Group], spec: ExerciseSpec, options: GradeOptions) -> Iterator[GradeJob]:
    """One job per group, its bytes read only when an executor is ready to send it."""
    for group in groups:
        source, _ = group.members[0]
        yield GradeJob(group.key, source.id, source.filename, source.read(), spec, options)


def _settle(group: _Group, outcome: JobOutcome, spec: ExerciseSpec) -> list[Graded]:
    """The verdict of every submission in `group` from one job's outcome."""
    if outcome.fatal:
        raise InfrastructureError(outcome.failure)
    if outcome.result is None:
        return [
            Graded(grader_failure_result(source, sha, spec, outcome.failure), None, "failed")
            for source, sha in group.members
        ]
    graded = submission_result_from_dict(outcome.result)
    (first, sha), *others = group.members
    primary = replace(graded, path=first.path, sha256=sha)
    return [Graded(primary, group.key, "graded")] + [
        Graded(as_submission(primary, source, sha), group.key, "duplicate")
        for source, sha in others
    ]


def grade_folder(
    folder: Path,
    exercise: str,
    out_dir: Path,
    timeout_s: float | None = None,
    isolation: str | None = None,
    console: Console | None = None,
    **settings: Any,
) -> GradeReport:
    """`grade_class` for callers that want only the report."""
    chosen = BatchSettings(timeout_s=timeout_s, isolation=isolation, **settings)
    return grade_class(folder, exercise, out_dir, chosen, console).report
