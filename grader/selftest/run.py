"""Running a selftest: the reference on every robustness seed, then each mutant, then the sample
class, all through the batch (`grader.classroom.batch`): its executor, `-j`, Dask, and its
gradebook, so that a second run reuses every verdict whose inputs did not change.

`--quick` runs no child process at all: the reference's static checks, and the mutants a static
rule must see, judged by the static rules alone (seconds).
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console

from grader.classroom.batch import BatchSettings, ClassGrading, grade_class
from grader.classroom.classbook import report_filename
from grader.errors import UsageError
from grader.grading.hints import hint_text
from grader.grading.rules import find_mistakes
from grader.grading.submissions import find_syntax_error, load_submission
from grader.locations import IMPORT_ROOT
from grader.results import SubmissionResult
from grader.selftest.mutants import derive_mutants
from grader.selftest.outcome import (
    MutantRow,
    ReferenceVerdict,
    SeedVerdict,
    SelftestResult,
    run_row,
    static_row,
)
from grader.selftest.samples import check_samples, sample_folder
from grader.selftest.sanity import spec_problems
from grader.spec.exercise import ExerciseSpec, load_exercise

NOT_PASSABLE = "no student can pass this exercise as written"


@dataclass(frozen=True)
class SelftestOptions:
    reference: Path | None = None  # None: solutions/<id>.py, else solution.py in its folder
    quick: bool = False
    out_dir: Path | None = None  # None: reports/selftest/<id>
    workers: int | None = None  # -j
    executor: str = "local"
    scheduler: str | None = None
    isolation: str | None = None
    timeout_s: float | None = None
    samples: bool = True


def find_reference(spec: ExerciseSpec, given: Path | None) -> Path:
    """The exercise's reference solution, or a usage error that says what is needed."""
    if given is not None:
        if not given.is_file():
            raise UsageError(f"--reference {given}: no such file")
        return given
    candidates = [IMPORT_ROOT / "solutions" / f"{spec.id}.py"]
    if spec.folder is not None:
        candidates.append(spec.folder / "solution.py")
    for path in candidates:
        if path.is_file():
            return path
    raise UsageError(
        f"{spec.id}: no reference solution found (looked for "
        f"{', '.join(str(p) for p in candidates)}): pass --reference FILE, a module that passes "
        "every check"
    )


def read_reference(path: Path) -> str:
    if path.suffix != ".py":
        raise UsageError(
            f"{path}: the reference must be a Python module (.py); mutants are made of one file "
            "of code (export a notebook with `jupyter nbconvert --to script`)"
        )
    return path.read_text(encoding="utf-8")


def selftest(
    exercise: str, options: SelftestOptions = SelftestOptions(), console: Console | None = None
) -> SelftestResult:
    """Grade the exercise's reference and its mutants (and its sample class); see the module."""
    started = time.monotonic()
    spec = load_exercise(exercise)
    reference_path = find_reference(spec, options.reference)
    source = read_reference(reference_path)
    mutants, not_applied = derive_mutants(source, spec, str(reference_path))
    problems = spec_problems(spec)
    if options.quick:
        return _quick(spec, reference_path, mutants, not_applied, problems, started)
    out = options.out_dir or Path("reports") / "selftest" / spec.id
    return _full(
        spec, reference_path, source, mutants, not_applied, problems, out, options, console, started
    )


# -- quick: the static rules only ----------------------------------------------------------


def _quick(spec, reference_path, mutants, not_applied, problems, started) -> SelftestResult:  # type: ignore[no-untyped-def]
    reference = _static_reference(spec, reference_path)
    rows: list[MutantRow] = []
    source = reference_path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="grader-selftest-") as folder:
        for mutant in (m for m in mutants if m.static):
            began = time.monotonic()
            path = Path(folder) / f"{mutant.id}.py"
            path.write_text(mutant.source, encoding="utf-8")
            findings = find_mistakes(load_submission(path), spec)
            row = static_row(mutant, findings, time.monotonic() - began, mutant.diff(source))
            text = hint_text(row.hint_id, **spec.template_values()) if row.hint_id else ""
            rows.append(_with_hint(row, text))
    samples_problems = check_samples(spec, None)[1]
    return SelftestResult(
        exercise=spec.id,
        reference=reference,
        mutants=rows,
        not_applied=not_applied,
        quick=True,
        seconds=round(time.monotonic() - started, 3),
        training_seconds=0.0,
        grading_seconds=0.0,
        reused=0,
        not_run=[m.id for m in mutants if not m.static],
        sample_problems=samples_problems,
        spec_problems=problems,
    )


def _with_hint(row: MutantRow, text: str) -> MutantRow:
    return replace(row, hint=text)


def _static_reference(spec: ExerciseSpec, path: Path) -> ReferenceVerdict:
    submission = load_submission(path)
    problem = find_syntax_error(submission)
    if problem is not None:
        return ReferenceVerdict(
            str(path), False, [], "runs", f"SyntaxError: {problem.message} at line {problem.line}",
            judged="static",
        )  # fmt: skip
    mistakes = [f for f in find_mistakes(submission, spec) if f.kind == "mistake"]
    if mistakes:
        first = mistakes[0]
        return ReferenceVerdict(
            str(path), False, [], first.check,
            f"a static rule flags the reference: {first.hint_id} at {first.label()} "
            f"({first.text.strip()})",
            judged="static",
        )  # fmt: skip
    return ReferenceVerdict(str(path), True, [], judged="static")


# -- full: the real pipeline -----------------------------------------------------------------


def _settings(options: SelftestOptions, book: Path, seeds: int | None) -> BatchSettings:
    return BatchSettings(
        timeout_s=options.timeout_s,
        isolation=options.isolation,
        workers=options.workers,
        executor=options.executor,
        scheduler=options.scheduler,
        gradebook=book,
        similarity=False,
        seeds=seeds,
        args={"selftest": True},
    )


def _full(  # type: ignore[no-untyped-def]
    spec, reference_path, source, mutants, not_applied, problems, out, options, console, started
) -> SelftestResult:
    out.mkdir(parents=True, exist_ok=True)
    book = out / "gradebook.sqlite"
    timing = _Timing()
    # The reference, on every seed of [robustness] (it must pass on each).
    ref_src = out / "reference" / "code"
    _fresh(ref_src, {"reference.py": source})
    seeds = spec.robustness.seeds if spec.robustness.enabled else None
    ref_run = grade_class(
        ref_src, spec.id, out / "reference", _settings(options, book, seeds), console
    )
    timing.add(ref_run)
    reference = _reference_verdict(
        ref_run.report.submissions[0], reference_path, "reference/reference.html"
    )
    rows: list[MutantRow] = []
    samples, sample_problems = [], []
    if reference.passed:
        mut_src = out / "mutants" / "code"
        _fresh(mut_src, {f"{m.id}.py": m.source for m in mutants})
        mut_run = grade_class(
            mut_src, spec.id, out / "mutants", _settings(options, book, None), console
        )
        timing.add(mut_run)
        by_id = {r.id: r for r in mut_run.report.submissions}
        rows = [
            run_row(m, by_id[m.id], f"mutants/{report_filename(m.id)}", m.diff(source))
            for m in mutants
        ]
        folder = sample_folder(spec)
        if options.samples and folder is not None:
            sample_run = grade_class(
                folder, spec.id, out / "samples", _settings(options, book, None), console
            )
            timing.add(sample_run)
            samples, sample_problems = check_samples(spec, sample_run.report.submissions)
        else:
            sample_problems = check_samples(spec, None)[1]
    return SelftestResult(
        exercise=spec.id,
        reference=reference,
        mutants=rows,
        not_applied=not_applied,
        quick=False,
        seconds=round(time.monotonic() - started, 3),
        training_seconds=round(timing.training, 3),
        grading_seconds=round(timing.grading, 3),
        reused=timing.reused,
        not_run=[] if reference.passed else [m.id for m in mutants],
        samples=samples,
        sample_problems=sample_problems,
        spec_problems=problems,
    )


def _fresh(folder: Path, files: dict[str, str]) -> None:
    """The folder holds exactly `files` (a mutant an older run made is not graded again)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.py"):
        if old.name not in files:
            old.unlink()
    for name, text in files.items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


class _Timing:
    """Seconds of grading this run did (the gradebook says which verdicts it graded itself)."""

    def __init__(self) -> None:
        self.training = self.grading = 0.0
        self.reused = 0

    def add(self, run: ClassGrading) -> None:
        with sqlite3.connect(f"file:{run.gradebook}?mode=ro", uri=True) as db:
            origins = dict(
                db.execute(
                    "SELECT submission_id, origin FROM grades WHERE run_id = ?", (run.run_id,)
                ).fetchall()
            )
        for result in run.report.submissions:
            if origins.get(result.id) != "graded":
                self.reused += origins.get(result.id) == "cache"
                continue
            runs = len(result.robustness.runs) if result.robustness else 1
            seconds = result.duration_s * runs  # seed runs took about as long as the first
            self.grading += seconds
            if result.training.get("epochs_run"):
                self.training += seconds


def _reference_verdict(result: SubmissionResult, path: Path, report: str) -> ReferenceVerdict:
    seeds: list[SeedVerdict] = []
    failed = [c for c in result.checks if c.status != "pass"]
    if result.robustness is not None:
        seed_checks = set(result.robustness.decided)
        steady = [c.id for c in result.checks if c.id not in seed_checks and c.status != "pass"]
        for run in result.robustness.runs:
            lost = [check for check, status in run.checks.items() if status != "pass"]
            seeds.append(
                SeedVerdict(
                    run.seed, run.status == "graded" and not lost and not steady, steady + lost
                )
            )
    else:
        seeds.append(SeedVerdict(result.seed, result.passed, [c.id for c in failed]))
    passed = result.passed and all(s.passed for s in seeds)
    if passed:
        return ReferenceVerdict(str(path), True, seeds, report=report)
    first = failed[0] if failed else None
    lost_on = [s for s in seeds if not s.passed]
    check = first.id if first else (lost_on[0].failed_checks or ["?"])[0]
    why = first.message if first else f"failed on seed {lost_on[0].seed}"
    hint = f" Hint: {first.hint}" if first and first.hint else ""
    return ReferenceVerdict(
        str(path),
        False,
        seeds,
        check,
        f"{NOT_PASSABLE}: {check} failed: {why}.{hint}",
        report=report,
    )


__all__ = ["NOT_PASSABLE", "SelftestOptions", "find_reference", "selftest"]
