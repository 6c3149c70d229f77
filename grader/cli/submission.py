"""`grader check`: grade one submission, as a student or CI does."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.cli.common import (
    EXIT_FAIL,
    EXIT_PASS,
    err_console,
    exercise_option,
    out_console,
    output_file,
    plain_errors,
    seeds_option,
    timeout_option,
)
from grader.errors import UsageError

REPORTS = Path("reports")  # where the HTML report goes without --html


@click.command()
@click.argument("submission", type=click.Path(path_type=Path))
@exercise_option()
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path),
    callback=output_file,
    help="Write the result as JSON here.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path),
    callback=output_file,
    help="Write the HTML report here (default: reports/<submission>.html).",
)
@click.option("--no-html", is_flag=True, help="Do not write an HTML report.")
@click.option(
    "--junit",
    "junit_path",
    type=click.Path(path_type=Path),
    callback=output_file,
    help="Write JUnit XML here (for CI).",
)
@click.option(
    "--github",
    is_flag=True,
    help="Emit GitHub Actions annotations and append a summary to $GITHUB_STEP_SUMMARY.",
)
@timeout_option("Wall-clock budget in seconds (default: the exercise's).")
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
@seeds_option()
@plain_errors
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
    seeds: int | None,
) -> None:
    """Grade one SUBMISSION (.ipynb notebook or .py module).

    Shows each epoch while it trains, then every check with its mark, the first failing
    check's hint, the failing line of your code and the path of the HTML report.

    \b
    Examples:
      grader check my_notebook.ipynb
      grader check solution.py --exercise mnist_callback --json result.json
      grader check my_notebook.ipynb --junit junit.xml --github     # in CI
      grader check my_notebook.ipynb --seeds 5      # is my pass luck? judge it on 5 seeds
    """
    from grader.api import resolve_exercise
    from grader.grading.pipeline import GradeOptions
    from grader.grading.seeded import grade_on_seeds
    from grader.report.terminal import Progress, print_verdict, verdict_line
    from grader.results import GradeReport

    if not no_html and html_path is None and REPORTS.exists() and not REPORTS.is_dir():
        raise UsageError(
            f"{REPORTS} is a file, and the HTML report goes in a folder of that name; "
            "give --html PATH or --no-html"
        )
    spec, detected = resolve_exercise(submission, exercise)
    if detected and not quiet:
        err_console.print(f"exercise: {spec.id} (detected from the code it runs)")
    progress = None if quiet else Progress(err_console, submission.name)
    options = GradeOptions(timeout_s=timeout, isolation=isolation, exact_isolation=exact_isolation)
    if isolation is None:
        from grader.grading.sandbox.levels import choose_level, downgrade_note

        if note := downgrade_note(choose_level(None)):  # said before it runs, not only after
            err_console.print(f"warning: {note}", markup=False)
    result = grade_on_seeds(submission, spec, options, on_event=progress, seeds=seeds)
    report = GradeReport(spec.id, [result])
    if json_path:
        report.write_json(json_path)
    if not no_html:
        from grader.classroom.batch import report_filename
        from grader.report import write_report

        html_path = html_path or REPORTS / report_filename(result.id)
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
