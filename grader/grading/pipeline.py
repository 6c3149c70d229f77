"""Grade one submission end to end: load, static checks, isolated run, evaluation, checks."""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.grading import as_ran, data
from grader.grading.checks import CheckContext, RunSummary, run_checks
from grader.grading.checks.training import input_scale
from grader.grading.checks.trust import forgery
from grader.grading.cores import available_cores
from grader.grading.evaluate import Evaluator, Measurement
from grader.grading.evidence import Evidence, parse_events
from grader.grading.hints import hint_text
from grader.grading.notices import run_notices
from grader.grading.rules import Finding, find_mistakes
from grader.grading.sandbox import IsolationLevel, Job, Limits, choose_level, run_isolated
from grader.grading.sandbox.levels import downgrade_note
from grader.grading.submissions import (
    Submission,
    SubmissionError,
    find_syntax_error,
    in_student_lines,
    load_submission,
    write_runnable,
)
from grader.locations import IMPORT_ROOT
from grader.results import CheckResult, SourceLocation, SubmissionResult
from grader.spec.environment import place_support_files, seed_matplotlib_config
from grader.spec.exercise import ExerciseSpec, all_exercises

EventHandler = Callable[[dict[str, Any]], None]
EVALUATOR_TIMEOUT_S = 300.0
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass(frozen=True)
class GradeOptions:
    timeout_s: float | None = None  # None: the exercise's own budget
    isolation: str | None = None  # the minimum level demanded; None: the strongest available
    exact_isolation: bool = False  # run at exactly `isolation` (benchmarks, the hostile suite)
    threads: int = 0  # CPU threads for TensorFlow in the child; 0: every core
    keep_workdir: bool = False
    plots: bool = True  # capture the figures the submission draws (benchmarks turn it off)
    # A robustness run (grader.grading.robustness): the student's own seed calls get the spec's
    # seed instead.
    seed_override: bool = False


def detect_exercise(
    submission: Submission, specs: list[ExerciseSpec] | None = None
) -> ExerciseSpec:
    """The exercise the submission answers (`grader.grading.detection`)."""
    from grader.grading.detection import detect_exercise as detect

    return detect(submission, specs if specs is not None else all_exercises())


def _child_env(spec: ExerciseSpec, job: Job, threads: int) -> dict[str, str]:
    """A small, explicit environment: nothing from the grader's own (no tokens, no secrets)."""
    env = {
        **spec.environment.lab_variables(job.work, job.home),  # the lab's first: ours win
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": str(job.home),
        "KERAS_HOME": str(job.home / ".keras"),
        "MPLCONFIGDIR": str(job.home / ".matplotlib"),
        # Modules draw off-screen and `plt.show()` hands figures to the report (notebook
        # kernels use the inline backend: see grader.grading.harness.run).
        "MPLBACKEND": "module://grader.grading.harness.mpl_backend",
        "GRADER_RECORD_DIR": str(job.out / "record"),
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "GRADER_DATASET": spec.dataset,
        "GRADER_SEED": str(spec.seed),
        "GRADER_ENTRY_POINT": spec.entry_point,
        "GRADER_ENTRY_ARGS": ",".join(spec.entry_point_args),
        "GRADER_ENTRY_SCALE": spec.entry_point_scale,
        "GRADER_MODEL_PATH": str(job.out / "model.keras"),
        "GRADER_GRADED_FIT": spec.graded_fit,
        "GRADER_MAX_EPOCHS": str(spec.max_epochs),  # no fit trains past it (harness)
    }
    if spec.accuracy_threshold is not None:  # the callback probe's threshold
        env["GRADER_PROBE_THRESHOLD"] = str(spec.accuracy_threshold)
    if threads:
        env.update(
            GRADER_THREADS=str(threads),
            OMP_NUM_THREADS=str(threads),
            TF_NUM_INTRAOP_THREADS=str(threads),
            TF_NUM_INTEROP_THREADS="1",
        )
    env["PYTHONPATH"] = str(IMPORT_ROOT)
    return env


def _excerpt(source: str, line: int, around: int = 2) -> list[tuple[int, str]]:
    lines = source.split("\n")
    start, end = max(line - around, 1), min(line + around, len(lines))
    return [(n, lines[n - 1]) for n in range(start, end + 1)]


def _location(submission: Submission, cell: int | None, line: int | None) -> SourceLocation | None:
    if line is None:
        return None
    source = submission.cell_source(cell) if submission.kind == "notebook" else submission.code
    return SourceLocation(cell=cell, line=line, excerpt=_excerpt(source, line))


def _result(
    submission_id: str,
    path: Path,
    sha256: str,
    spec: ExerciseSpec,
    level: str,
    checks: list[CheckResult],
    started: float,
    **fields: Any,
) -> SubmissionResult:
    score = sum(c.score for c in checks)
    defaults: dict[str, Any] = {
        "status": "graded",
        "training": {},
        "test_accuracy": None,
        "train_accuracy": None,
        "versions": {},
        "seed": spec.seed,
    }
    defaults.update(fields)
    return SubmissionResult(
        id=submission_id,
        path=str(path),
        sha256=sha256,
        exercise=spec.id,
        passed=bool(checks) and all(c.status == "pass" for c in checks),
        score=score,
        max_score=spec.max_score,
        checks=checks,
        isolation=level,
        duration_s=round(time.monotonic() - started, 3),
        graded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        **defaults,
    )


def _static_failure(spec: ExerciseSpec, message: str, hint_id: str) -> list[CheckResult]:
    """`runs` fails with the message; every other check is skipped: nothing could run."""
    results = []
    for check_id, points in spec.points.items():
        if check_id == "runs":
            results.append(
                CheckResult(
                    "runs",
                    "fail",
                    0.0,
                    points,
                    message,
                    hint_text(hint_id, **spec.template_values()),
                    hint_id,
                )
            )
        else:
            results.append(
                CheckResult(
                    check_id, "skip", 0.0, points, "not checked: the submission could not run"
                )
            )
    return results


def unreadable_result(
    path: Path, spec: ExerciseSpec, error: SubmissionError, submission_id: str | None = None
) -> SubmissionResult:
    started = time.monotonic()
    raw = path.read_bytes() if path.is_file() else b""

    return _result(
        submission_id or path.stem,
        path,
        hashlib.sha256(raw).hexdigest(),
        spec,
        "none",
        _static_failure(spec, str(error), error.hint),
        started,
        status="error",
        error=str(error),
    )


def training_summary(evidence: Evidence) -> dict[str, Any]:
    fit = evidence.graded_fit
    if fit is None:
        return {}
    return {
        "fit_calls": len(evidence.fits),
        "epochs_requested": fit.epochs_requested,
        "epochs_run": len(fit.epochs),
        "stopped_early": bool(fit.epochs and fit.epochs[-1].stop_training),
        "history": [{"epoch": e.epoch + 1, **e.logs} for e in fit.epochs],
        "callbacks": [cb.name for cb in fit.student_callbacks],
        "compile": (
            {
                "loss": evidence.compile.loss,
                "from_logits": evidence.compile.from_logits,
                "optimizer": evidence.compile.optimizer,
                "metrics": list(evidence.compile.metrics),
            }
            if evidence.compile
            else {}
        ),
        "trained_on_test_set": fit.on_test_set,
        "input_range": [fit.x.min, fit.x.max] if fit.x else None,
    }


def grade_submission(
    path: Path,
    spec: ExerciseSpec,
    options: GradeOptions = GradeOptions(),
    on_event: EventHandler | None = None,
    submission_id: str | None = None,
) -> SubmissionResult:
    """Grade one file. Problems with the student's code become a result, never an exception."""
    started = time.monotonic()
    try:
        submission = load_submission(path, submission_id)
    except SubmissionError as exc:
        return unreadable_result(path, spec, exc, submission_id)
    level = choose_level(options.isolation, exact=options.exact_isolation)
    problem = find_syntax_error(submission)
    if problem is not None:
        location = _location(submission, problem.cell, problem.line)
        where = location.label() if location else ""
        return _result(
            submission.id,
            path,
            submission.sha256,
            spec,
            level.name,
            _static_failure(spec, f"SyntaxError: {problem.message} at {where}", "syntax_error"),
            started,
            error=f"SyntaxError: {problem.message}",
            error_location=location,
            notices=[
                *([note] if options.isolation is None and (note := downgrade_note(level)) else []),
                *(n.describe() for n in submission.neutralised),
            ],
        )
    findings = find_mistakes(submission, spec)  # static pre-checks: AST only, milliseconds
    data.load_verified(spec.dataset)  # fail fast, with the fix, if the data set is missing
    return _run_and_check(submission, spec, options, level, started, on_event, findings)


def _run_and_check(
    submission: Submission,
    spec: ExerciseSpec,
    options: GradeOptions,
    level: IsolationLevel,
    started: float,
    on_event: EventHandler | None,
    findings: tuple[Finding, ...] = (),
) -> SubmissionResult:
    threads = options.threads or available_cores()
    timeout = options.timeout_s or spec.timeout_s
    limits = Limits(wall_clock_s=timeout)
    job = Job.create(*data.served_files(spec.dataset))
    try:
        target = write_runnable(submission, job.work)
        place_support_files(spec.environment, spec.folder, job.work)
        seed_matplotlib_config(job.home / ".matplotlib")
        env = _child_env(spec, job, threads)
        if not options.plots:
            env["GRADER_PLOTS"] = "0"
        if options.seed_override:
            env["GRADER_SEED_OVERRIDE"] = "1"
        # The evaluator never runs student code: it reads the data cache directly.
        evaluator = Evaluator(spec.dataset, {**env, "GRADER_DATA_DIR": str(data.data_dir())})
        try:
            outcome = run_isolated(
                [sys.executable, "-m", "grader.grading.harness.run", submission.kind, str(target)],
                env=env,
                job=job,
                limits=limits,
                level=level,
                on_event=on_event,
            )
            evidence = in_student_lines(parse_events(outcome.events), submission)
            code_cells = [(c.number, c.source) for c in submission.cells]
            shown = as_ran.collect(
                job.out / "record",
                outcome.events,
                code_cells if submission.kind == "notebook" else None,
            )
            measurement = _measure(evaluator, evidence, job.out / "model.keras", spec)
        finally:
            evaluator.close()
    finally:
        if not options.keep_workdir:
            job.remove()
    run = RunSummary(outcome.timed_out, outcome.returncode, outcome.duration_s, timeout)
    notes = run_notices(submission, evidence, spec)
    if options.isolation is None and (downgraded := downgrade_note(level)):
        notes.insert(0, downgraded)  # at the top of the report: the run had less protection
    confirmed = evidence_confirmed(evidence, measurement)
    checks = run_checks(
        CheckContext(
            spec,
            evidence,
            measurement,
            run,
            evidence_confirmed=confirmed,
            findings=findings,
            forged=forgery(evidence, measurement),
        )
    )
    failure = evidence.failure
    return _result(
        submission.id,
        submission.path,
        submission.sha256,
        spec,
        level.name,
        checks,
        started,
        status="timeout" if outcome.timed_out else "graded",
        training=training_summary(evidence),
        test_accuracy=measurement.test_accuracy,
        train_accuracy=measurement.train_accuracy,
        versions=evidence.versions,
        seed=evidence.seed if evidence.seed is not None else spec.seed,
        notices=notes,
        error=failure.describe() if failure else "",
        error_location=_location(submission, failure.cell, failure.line) if failure else None,
        output=_ANSI.sub(
            "", outcome.stdout + ("\n" + outcome.stderr if outcome.stderr.strip() else "")
        ),
        output_truncated=outcome.output_truncated,
        limits=level.applied_limits(limits),
        as_ran=shown,
    )


CONFIRMATION_GAP = 0.05  # Keras logs a running mean; the final weights usually score higher


def evidence_confirmed(evidence: Evidence, measurement: Measurement) -> bool:
    """Whether the evaluator's measurement backs the training the child reported."""
    fit = evidence.graded_fit
    if fit is None or not fit.epochs:
        return True  # nothing claimed
    if measurement.error or measurement.test_accuracy is None:
        return False
    logged, measured = fit.epochs[-1].accuracy(), measurement.train_accuracy
    if logged is None or measured is None:
        return True
    return measured >= logged - CONFIRMATION_GAP


def _measure(
    evaluator: Evaluator, evidence: Evidence, model: Path, spec: ExerciseSpec
) -> Measurement:
    if not evidence.model_saved or not model.is_file():
        evaluator.close()
        problem = evidence.model_problem
        return Measurement(error=f"the model could not be saved: {problem}" if problem else "")
    fit = evidence.graded_fit
    scale = input_scale(fit.x.max if fit and fit.x else None)
    return evaluator.measure(
        model, scale, train=spec.accuracy_threshold is not None, timeout_s=EVALUATOR_TIMEOUT_S
    )
