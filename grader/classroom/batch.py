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

import dataclasses
import functools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from grader.classroom.class_files import write_class_files
from grader.classroom.classbook import (
    class_context,
    missing_result,
    report_filename,
    report_names,
)
from grader.classroom.confirm import SeedWork, Waiting, confirm, waiting_for
from grader.classroom.executors import Executor, JobOutcome, make_executor
from grader.classroom.gradebook import FILENAME, CachedVerdict, Gradebook, Graded, RunInfo
from grader.classroom.groups import FileMemo, Group, grade_jobs, group_sources, settle
from grader.classroom.keys import grader_identity, verdict_inputs
from grader.classroom.late import deadline_of, merged
from grader.classroom.live import LiveBoard
from grader.classroom.overrides import finalize
from grader.classroom.progress import BatchProgress
from grader.classroom.sources import SubmissionSource, find_submissions
from grader.classroom.stamps import Stamps, stamp
from grader.classroom.verdicts import as_submission, problem_result
from grader.grading.pipeline import GradeOptions
from grader.grading.robustness import seeds_reason, with_seeds
from grader.grading.sandbox import choose_level
from grader.report import write_report
from grader.results import GradeReport, SubmissionResult
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
    regrade_only: frozenset[str] = frozenset()  # grade these ids again, reuse the rest
    args: Mapping[str, Any] = field(default_factory=dict)  # recorded with the run
    roster: Path | None = None  # CSV of the class's students (grader.classroom.roster)
    deadline: Mapping[str, Any] = field(default_factory=dict)  # over exercise.toml's [deadline]
    lms_assignment: str = ""  # the grade column of canvas.csv / moodle.csv
    similarity: bool = True  # write similarity.html (grader.classroom.similarity)
    seeds: int | None = None  # --seeds N: every submission on N seeds; None: borderline ones only


@dataclass(frozen=True)
class ClassGrading:
    """What a batch did: the report, and how it came by each verdict."""

    report: GradeReport
    run_id: int
    gradebook: Path
    counts: dict[str, Any]
    executor: str


# What a run counts: jobs graded, duplicates, verdicts reused, jobs the grader failed on, and
# the borderline verdicts with their extra seed runs (all, and those graded in this run).
COUNTS = ("graded", "duplicates", "reused", "failed_jobs", "borderline", "seed_runs", "seed_jobs")


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
    stamps: Stamps
    # The latest earlier run into this folder and its class rows' keys: rows it holds as this
    # run would write them are copied (book_rows.row_key).
    prior: tuple[int, dict[str, str]] | None = None
    forced: bool = False  # --seeds N: every result runs on the spec's seeds, borderline or not
    results: dict[str, SubmissionResult] = field(default_factory=dict)
    # Groups whose first verdict is borderline, waiting for their extra seeds (classroom.confirm).
    waiting: dict[str, Waiting] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))

    def wait_for_seeds(self, group: Group, main: SubmissionResult, origin: str) -> bool:
        """Keep `group` back for its extra seeds if its first verdict needs them."""
        reason = seeds_reason(main, self.spec, self.forced)
        if not reason:
            return False
        self.waiting[group.key] = waiting_for(group, main, origin, reason, self.spec)
        self.counts["borderline"] += 1
        return True

    def decided(self, item: Waiting) -> list[Graded]:
        """A waiting group's verdict, decided across its seeds, kept like any other."""
        graded = item.verdicts(self.spec)
        self.keep(graded)
        self.counts["seed_runs"] += len(item.seeds)
        del self.waiting[item.group.key]
        return graded

    def keep(self, graded: list[Graded], verdict: CachedVerdict | None = None) -> None:
        """One transaction for the verdict and its rows; each report written unless the one
        in the folder was drawn from the same row, overrides and code (an unchanged re-run)."""
        bases = [self.context.base(item.result) for item in graded]
        keys = self.book.keep(self.run_id, graded, verdict, bases, self.prior)
        for base, key in zip(bases, keys, strict=True):
            mine = self.overrides_of.get(base.id, [])
            final = finalize(base, mine)
            self.results[final.id] = final
            name = self.links[final.id]
            made_of = key or base.to_dict()  # no key: a grader failure, stamped by its content
            drawn_from = stamp(made_of, [dataclasses.astuple(o) for o in mine], self.spec.spec_hash)
            if not self.stamps.current(name, drawn_from):
                write_report(final, self.spec, self.out_dir / name)
                self.stamps.wrote(name, drawn_from)

    @functools.cached_property
    def overrides_of(self) -> dict[str, list[Any]]:
        """The overrides in force by submission id (finalize looks at a submission's own)."""
        found: dict[str, list[Any]] = {}
        for o in self.overrides:
            found.setdefault(o.submission_id, []).append(o)
        return found

    def reuse(
        self, groups: Mapping[str, Group], cached: Mapping[str, SubmissionResult]
    ) -> list[Graded]:
        reused: list[Graded] = []
        for g in groups.values():
            if g.key not in cached:
                continue
            if self.wait_for_seeds(g, as_submission(cached[g.key], *g.members[0]), "cache"):
                continue  # borderline: decided once its extra seeds are in
            reused += [
                Graded(as_submission(cached[g.key], source, sha), g.key, "cache")
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
        self, group: Group, outcome: JobOutcome, spec_key: str, identity: Mapping[str, str]
    ) -> list[Graded]:
        graded = settle(group, outcome, self.spec)
        verdict = None
        if graded[0].origin == "graded":  # a grader failure is reported, never cached
            verdict = CachedVerdict(
                group.key, group.content, spec_key, identity["grader"], outcome.worker,
                graded[0].result,
            )  # fmt: skip
        self.counts["graded"] += 1
        self.counts["duplicates"] += len(graded) - 1
        self.counts["failed_jobs"] += graded[0].origin == "failed"
        if verdict is not None and self.wait_for_seeds(group, graded[0].result, "graded"):
            self.book.record(self.run_id, [], verdict)  # kept; its rows come with the seeds
            return []
        self.keep(graded, verdict)
        return graded


def _run_info(
    spec: ExerciseSpec, path: Path, out_dir: Path, settings: BatchSettings, spec_key: str,
    described: str, slots: int, level: str, timeout: float, identity: dict[str, str],
) -> RunInfo:  # fmt: skip
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
            "regrade_only": sorted(settings.regrade_only),
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


def _reusable(
    book: Gradebook, groups: Mapping[str, Group], settings: BatchSettings
) -> dict[str, SubmissionResult]:
    """The verdicts the gradebook already holds, less those asked to be graded again."""
    if settings.regrade:
        return {}
    again = set(settings.regrade_only)
    return {
        key: result
        for key, result in book.cached(groups).items()
        if not again & {source.id for source, _ in groups[key].members}
    }


def _confirm_seeds(
    run: _ClassRun, work: SeedWork, executor: Executor, display: BatchProgress
) -> None:
    """The extra seeds of the borderline submissions, on the same executor."""

    def decided(item: Waiting) -> None:
        display.decided([g.result for g in run.decided(item)])

    waiting = list(run.waiting.values())
    run.counts["seed_jobs"] += confirm(
        waiting, work, run.book, run.run_id, executor, display, decided
    )


def grade_class(
    path: Path,
    exercise: str,
    out_dir: Path,
    settings: BatchSettings = BatchSettings(),
    console: Console | None = None,
) -> ClassGrading:
    """Grade every submission under `path`; write reports, exports and the gradebook."""
    started = time.monotonic()
    spec = with_seeds(load_exercise(exercise), settings.seeds)
    require_environment(spec.environment, spec.id, spec.folder)  # else every student would fail
    sources = find_submissions(path, spec.id)
    # Refuses here, before anything runs; below the strongest level only when asked for.
    level = choose_level(settings.isolation, require_strongest=settings.isolation is None)
    timeout = settings.timeout_s or spec.timeout_s
    inputs = verdict_inputs(spec, timeout, level.name)
    options = GradeOptions(timeout_s=timeout, isolation=level.name, exact_isolation=True)
    book_path = settings.gradebook or out_dir / FILENAME
    deadline = merged(deadline_of(spec.folder), dict(settings.deadline))
    context = class_context(sources, settings.roster, deadline)  # a bad roster: refused here
    memo = FileMemo.read(book_path, sources)  # what earlier runs hashed each file to
    problems, groups = group_sources(sources, inputs, memo)
    links = report_names([s.id for s in sources])
    out_dir.mkdir(parents=True, exist_ok=True)
    executor = make_executor(settings.executor, settings.workers, settings.scheduler)
    described = executor.describe()
    identity = grader_identity()
    with Gradebook(book_path) as book:
        info = _run_info(
            spec, path, out_dir, settings, inputs["spec"], described, executor.slots,
            level.name, timeout, identity,
        )  # fmt: skip
        book.remember_files(memo.learned)
        prior_run = book.latest_run(spec.id, str(out_dir.resolve()))
        prior = (prior_run, book.row_keys(prior_run)) if prior_run is not None else None
        run = _ClassRun(
            spec, book, book.start_run(info), context, book.overrides(spec.id), links, out_dir,
            Stamps(out_dir), prior, forced=settings.seeds is not None,
        )  # fmt: skip
        status = "failed"
        board: LiveBoard | None = None
        ordered: list[SubmissionResult] = []
        missing: list[SubmissionResult] = []
        try:
            cached = _reusable(book, groups, settings)
            to_grade = [g for g in groups.values() if g.key not in cached]
            if to_grade:
                executor.check(identity)
            board = LiveBoard(book_path, run.run_id)  # for the workbench: grader.classroom.live
            display = BatchProgress(
                console,
                total=len(sources),
                jobs=len(to_grade),
                slots=executor.slots,
                prior_duration_s=book.typical_duration(spec.id),
                board=board,
            )
            display.publish()
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
                names = {key: g.members[0][0].id for key, g in by_key.items()}  # live epochs
                gone: list[SubmissionSource] = []  # unreadable, or changed, when its job came
                jobs = grade_jobs(to_grade, spec, options, gone.extend)
                for job, outcome in executor.run(jobs, lambda k, e: display.event(k, names[k], e)):
                    graded = run.settle(by_key[job.key], outcome, inputs["spec"], identity)
                    display.finished(job.key, [g.result for g in graded], graded=True)
                if gone:
                    display.finished(None, [g.result for g in run.report_problems(gone)], False)
                if run.waiting:
                    work = SeedWork(spec, options, timeout, level.name, identity, settings.regrade)
                    _confirm_seeds(run, work, executor, display)
            missing = [missing_result(student, spec) for student in context.missing]
            if missing:
                book.record_class_rows(run.run_id, missing)
            status = "finished"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            executor.close(aborted=status != "finished")
            if board is not None:
                board.close()
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
            if status != "finished":
                book.finish_run(run.run_id, status, run.counts)
        # A finished run is marked so once its files are written: a page following the run
        # (the workbench) reloads then and finds the class's exports and similarity.json.
        status = "failed"
        report = GradeReport(spec.id, ordered)
        try:
            write_class_files(
                report, sources, groups, spec, out_dir, settings.roster, settings.lms_assignment,
                settings.similarity, links, run.stamps, display.log,
            )  # fmt: skip
            book.record_similar_items(run.run_id, out_dir)  # the review queue's similar pairs
            status = "finished"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            run.stamps.save()
            book.finish_run(run.run_id, status, run.counts)
    return ClassGrading(report, run.run_id, book_path, run.counts, described)


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
