"""`grader grade`, `grader override`, `grader report`: a class, its corrections, its reports."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.cli.common import (
    EXIT_ERROR,
    EXIT_FAIL,
    EXIT_PASS,
    MAX_JOBS,
    FiniteRange,
    err_console,
    exercise_option,
    isolation_option,
    out_console,
    output_file,
    output_folder,
    plain_errors,
    seeds_option,
    timeout_option,
)
from grader.errors import GraderError, UsageError

# A re-run that graded nothing lists its verdicts only up to this size: beyond it, printing
# every line to the terminal costs more than the run (3 s for 10,000; issue 28).
LIST_LIMIT = 1000


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@exercise_option(required=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("reports"),
    show_default=True,
    callback=output_folder,
    help="Folder for results.json, the HTML reports, the exports and the gradebook.",
)
@click.option(
    "-j",
    "--jobs",
    "workers",
    type=click.IntRange(min=1, max=MAX_JOBS),
    help="Gradings at once; CPU threads are split between them "
    "(default: one per core, as memory allows; on a cluster: all its slots).",
)
@timeout_option("Wall-clock budget per submission, in seconds.")
@isolation_option("Refuse to grade below this isolation level.")
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where gradings run: threads here, or a Dask distributed cluster.",
)
@click.option("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786.")
@click.option(
    "--gradebook",
    "gradebook_path",
    type=click.Path(path_type=Path),
    callback=output_file,
    help="SQLite gradebook to keep verdicts and runs in (default: OUT/gradebook.sqlite).",
)
@click.option("--regrade", is_flag=True, help="Grade everything again, ignoring earlier verdicts.")
@click.option(
    "--regrade-only",
    "regrade_only",
    multiple=True,
    metavar="ID",
    help="Grade this submission again (repeatable); reuse every other verdict.",
)
# -- the instructor's last mile (roster, deadline, LMS, similarity): grader.classroom.classbook --
@click.option(
    "--roster",
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV of the students (id, name, email, lms_id, login, sis_id, section, submitted_at): "
    "matches submissions to students, lists who is missing, writes canvas.csv and moodle.csv.",
)
@click.option("--due", help="Due date, e.g. 2026-03-01T23:59 (over exercise.toml's [deadline]).")
@click.option(
    "--late-penalty", help="Percent of the maximum score per started day or hour: 10/day, 2/hour."
)
@click.option(
    "--late-cap", type=FiniteRange(0, 100), help="The late penalty never exceeds this percent."
)
@click.option("--last-accepted", help="After this time a submission scores 0.")
@click.option(
    "--grace", "grace_minutes", type=FiniteRange(0), help="Minutes after --due still on time."
)
@click.option("--timezone", help="Zone of times without an offset, e.g. Europe/Berlin.")
@click.option(
    "--lms-assignment",
    default="",
    help='Grade column of canvas.csv/moodle.csv, e.g. "Week 2 callback (123456)" for Canvas.',
)
@click.option("--no-similarity", is_flag=True, help="Do not write similarity.html.")
@seeds_option()
@plain_errors
def grade(
    path: Path,
    exercise: str,
    out_dir: Path,
    workers: int | None,
    timeout: float | None,
    isolation: str | None,
    executor: str,
    scheduler: str | None,
    gradebook_path: Path | None,
    regrade: bool,
    regrade_only: tuple[str, ...],
    roster: Path | None,
    due: str | None,
    late_penalty: str | None,
    late_cap: float | None,
    last_accepted: str | None,
    grace_minutes: float | None,
    timezone: str | None,
    lms_assignment: str,
    no_similarity: bool,
    seeds: int | None,
) -> None:
    """Grade a class: every submission in PATH, each distinct one once, in parallel.

    PATH is a folder of .ipynb/.py files (alice.ipynb), a folder of student folders (alice/...),
    an nbgrader tree (submitted/STUDENT/ASSIGNMENT/), or a .zip of any of these. Verdicts are
    kept in a SQLite gradebook: a re-run grades only new or changed submissions, and a run that
    was stopped picks up where it was.

    \b
    Examples:
      grader grade samples/mnist_callback --exercise mnist_callback --out reports/mnist_callback
      grader grade class.zip -e fashion_mnist --out reports/fashion -j 2 --timeout 300
      grader grade submitted/ -e mnist_callback --executor dask --scheduler tcp://10.0.0.5:8786
      grader grade samples/fashion_mnist -e fashion_mnist --out reports/f --seeds 5
    """
    import os

    from grader.classroom.batch import BatchSettings, grade_class
    from grader.classroom.late import parse_penalty
    from grader.report.terminal import verdict_line

    penalty, per = parse_penalty(late_penalty) if late_penalty else (None, None)
    deadline = {
        "due": due,
        "penalty_percent": penalty,
        "per": per,
        "cap_percent": late_cap,
        "last_accepted": last_accepted,
        "grace_minutes": grace_minutes,
        "timezone": timezone,
    }
    settings = BatchSettings(
        roster=roster,
        deadline=deadline,
        lms_assignment=lms_assignment,
        similarity=not no_similarity,
        timeout_s=timeout,
        isolation=isolation,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
        gradebook=gradebook_path,
        regrade=regrade,
        regrade_only=frozenset(regrade_only),
        seeds=seeds,
        args={"argv": sys.argv[1:], "cwd": str(Path.cwd())},
    )
    try:
        outcome = grade_class(path, exercise, out_dir, settings, console=err_console)
    except (GraderError, KeyboardInterrupt):
        raise
    except Exception as exc:  # a bug or a lost cluster: still one line and exit 2
        if os.environ.get("GRADER_DEBUG"):
            raise
        raise GraderError(
            f"the batch stopped: {type(exc).__name__}: {exc} (finished verdicts are in the "
            "gradebook; run again to resume; GRADER_DEBUG=1 shows the traceback)"
        ) from None
    report, counts = outcome.report, outcome.counts
    if counts["graded"] == 0 and len(report.submissions) > LIST_LIMIT:
        out_console.print(
            f"Nothing graded in this run: every verdict of the {len(report.submissions)} "
            f"submissions is the gradebook's, not listed here ({out_dir}/index.html and "
            "results.json list them).",
            markup=False,
            soft_wrap=True,
        )
    else:
        for result in report.submissions:
            out_console.print(verdict_line(result), markup=False, soft_wrap=True)
    passed = sum(r.passed for r in report.submissions)
    out_console.print(
        f"{passed}/{len(report.submissions)} passed ({counts['graded']} graded, "
        f"{counts['duplicates']} duplicate(s), {counts['reused']} from the gradebook"
        + (
            f", {counts['borderline']} borderline confirmed on {counts['seed_runs']} more seed "
            f"run(s), {counts['seed_jobs']} graded now"
            if counts["borderline"]
            else ""
        )
        + ") in "
        f"{counts['wall_s']:.1f} s; reports in {out_dir}/, gradebook {outcome.gradebook}",
        markup=False,
        soft_wrap=True,
    )
    if counts["failed_jobs"]:
        err_console.print(
            f"error: the grader itself failed on {counts['failed_jobs']} submission(s) (see their "
            "reports); run again to retry them",
            markup=False,
            soft_wrap=True,
        )
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_PASS if passed == len(report.submissions) else EXIT_FAIL)


@click.command()
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.argument("submission", required=False)
@click.option("--check", "check_id", default="", help="The check to correct (default: the score).")
@click.option("--score", type=float, help="The points to give.")
@click.option("--reason", default="", help="Why (shown to the student and kept in the gradebook).")
@click.option("--list", "list_them", is_flag=True, help="List the overrides in force.")
@click.option("--remove", is_flag=True, help="Remove the override of SUBMISSION (and --check).")
@click.option(
    "--gradebook",
    "gradebook_path",
    type=click.Path(path_type=Path),
    help="The gradebook (default: OUT_DIR/gradebook.sqlite).",
)
@plain_errors
def override(
    out_dir: Path,
    submission: str | None,
    check_id: str,
    score: float | None,
    reason: str,
    list_them: bool,
    remove: bool,
    gradebook_path: Path | None,
) -> None:
    """Correct a verdict by hand: a check's points, or a submission's whole score.

    Kept in the gradebook with who and when; survives regrades and reruns; marked in every
    report and export. The reports in OUT_DIR are written again at once.

    \b
    Examples:
      grader override reports/week2 alice --check early_stop --score 3 --reason "callback fine"
      grader override reports/week2 bob --score 8 --reason "agreed in office hours"
      grader override reports/week2 --list
      grader override reports/week2 alice --check early_stop --remove
    """
    from grader.classroom.overriding import list_overrides, set_override

    if list_them:
        for line in list_overrides(out_dir, gradebook_path):
            out_console.print(line, markup=False, soft_wrap=True)
        return
    if not submission:
        raise UsageError("name the SUBMISSION to correct (or use --list)")
    message = set_override(
        out_dir, submission, check_id, score, reason, remove=remove, gradebook=gradebook_path
    )
    out_console.print(message, markup=False, soft_wrap=True)


@click.command()
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--gradebook", "gradebook_path", type=click.Path(path_type=Path))
@click.option("--exercise", "-e", help="Which exercise's latest run (in a shared gradebook).")
@plain_errors
def report(out_dir: Path, gradebook_path: Path | None, exercise: str | None) -> None:
    """Write OUT_DIR's reports and exports again from the gradebook (no grading), with the
    overrides in force now."""
    from grader.classroom.classbook import regenerate

    result = regenerate(out_dir, gradebook_path, exercise)
    out_console.print(
        f"{len(result.submissions)} result(s) of {result.exercise} written to {out_dir}/",
        markup=False,
        soft_wrap=True,
    )
