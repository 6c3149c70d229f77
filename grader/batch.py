"""Grading a folder of submissions: one result model, one report each, and a class index."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console

from grader.exercises import load_exercise
from grader.exports import write_exports
from grader.pipeline import GradeOptions, grade_submission
from grader.report import write_index, write_report
from grader.results import GradeReport, SubmissionResult
from grader.terminal import Progress, verdict_line

SUBMISSION_SUFFIXES = (".ipynb", ".py")


def find_submissions(folder: Path) -> list[Path]:
    from grader.errors import UsageError

    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder of submissions")
    found = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUBMISSION_SUFFIXES)
    if not found:
        raise UsageError(f"no .ipynb or .py files in {folder}")
    return found


def report_filename(submission_id: str) -> str:
    """A safe file name for a submission's report; ids keep spaces and non-ASCII letters."""
    return re.sub(r"[^\w\- .]", "_", submission_id).strip() + ".html"


def grade_folder(
    folder: Path,
    exercise: str,
    out_dir: Path,
    timeout_s: float | None = None,
    isolation: str | None = None,
    console: Console | None = None,
) -> GradeReport:
    spec = load_exercise(exercise)
    options = GradeOptions(timeout_s=timeout_s, isolation=isolation)
    paths = find_submissions(folder)
    results: list[SubmissionResult] = []
    links: dict[str, str] = {}
    for number, path in enumerate(paths, start=1):
        if console:
            console.print(f"[{number}/{len(paths)}] grading {path.name}", markup=False)
        progress = Progress(console, path.name) if console else None
        result = grade_submission(path, spec, options, on_event=progress)
        results.append(result)
        links[result.id] = report_filename(result.id)
        write_report(result, spec, out_dir / links[result.id])
        if console:
            console.print(f"[{number}/{len(paths)}] {verdict_line(result)}", markup=False)
    report = GradeReport(spec.id, results)
    write_exports(report, out_dir)  # results.json, grades.csv, junit.xml
    write_index(report, links, out_dir / "index.html")
    return report
