"""`grader selftest EXERCISE`: does the exercise prove itself? A thin shell over grader.selftest."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.cli.common import (
    EXIT_ERROR,
    EXIT_FAIL,
    EXIT_PASS,
    err_console,
    isolation_option,
    out_console,
    plain_errors,
    timeout_option,
)


@click.command("selftest")
@click.argument("exercise")
@click.option(
    "--reference",
    type=click.Path(path_type=Path),
    help="The reference solution (.py); default: solutions/<id>.py, else solution.py in the "
    "exercise's folder.",
)
@click.option(
    "--quick",
    is_flag=True,
    help="Only the static checks: the reference's, and the mutants a static rule must see "
    "(seconds, no training).",
)
@click.option(
    "--json", "json_path", type=click.Path(path_type=Path), help="Write the result as JSON."
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path),
    help="Write the page here (default: OUT/selftest.html).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Folder for the gradings, their reports and the gradebook "
    "(default: reports/selftest/<id>).",
)
@click.option("-j", "--jobs", "workers", type=int, help="Gradings at once (as grader grade -j).")
@click.option(
    "--executor", default="local", show_default=True, help="local or dask (as grader grade)."
)
@click.option("--scheduler", help="The Dask scheduler's address (with --executor dask).")
@click.option("--no-samples", is_flag=True, help="Do not grade the sample class.")
@timeout_option("Wall-clock budget of each grading, in seconds (default: the exercise's).")
@isolation_option("Minimum isolation level (as grader grade).")
@plain_errors
def selftest(
    exercise: str,
    reference: Path | None,
    quick: bool,
    json_path: Path | None,
    html_path: Path | None,
    out_dir: Path | None,
    workers: int | None,
    executor: str,
    scheduler: str | None,
    no_samples: bool,
    timeout: float | None,
    isolation: str | None,
) -> None:
    """Grade EXERCISE's reference on every robustness seed, then mutants of it (one classic
    mistake each), and its sample class; exit 0 only when every mutant is caught as expected."""
    from grader.selftest import SelftestOptions
    from grader.selftest import selftest as run_selftest
    from grader.selftest.page import terminal_lines, write_json, write_page

    out = out_dir or Path("reports") / "selftest" / exercise
    options = SelftestOptions(
        reference=reference,
        quick=quick,
        out_dir=out,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
        isolation=isolation,
        timeout_s=timeout,
        samples=not no_samples,
    )
    result = run_selftest(exercise, options, console=err_console)
    for line in terminal_lines(result):
        out_console.print(line, markup=False, highlight=False, soft_wrap=True)
    page = html_path or (None if quick else out / "selftest.html")
    if page is not None:
        write_page(result, page, None if quick else out)
        out_console.print(f"page: {page}", markup=False)
    if json_path is not None:
        write_json(result, json_path)
    if not result.reference.passed:
        err_console.print(
            f"error: {result.reference.message or 'the reference fails'}", markup=False
        )
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_PASS if result.passed else EXIT_FAIL)
