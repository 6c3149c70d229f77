"""GitHub Actions output: workflow-command annotations on the student's lines and a job summary."""

from __future__ import annotations

import os
from pathlib import Path

from grader.formatting import STATUS_MARKS, points
from grader.results import SubmissionResult


def _escape_data(text: str) -> str:
    # Workflow commands end at a newline; GitHub documents these escapes for the message part.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(result: SubmissionResult) -> list[str]:
    """One `::error` per failing check (`::warning` for a passing check with a hint).

    The failing line of the student's code is attached where the grader knows it.
    """
    lines = []
    location = result.error_location
    for check in result.checks:
        if check.status in ("pass", "skip") and not (check.status == "pass" and check.hint):
            continue
        level = "warning" if check.status == "pass" else "error"
        props = [f"file={_escape_property(result.path)}", f"title={_escape_property(check.id)}"]
        if location is not None and check.id == "runs":
            props.append(f"line={location.line}")
        message = check.message + (f" Hint: {check.hint}" if check.hint else "")
        lines.append(f"::{level} {','.join(props)}::{_escape_data(message)}")
    return lines


MARKS = {status: mark.emoji for status, mark in STATUS_MARKS.items()}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_summary(results: list[SubmissionResult]) -> str:
    """A Markdown job summary: one table per submission, hints for what failed."""
    parts = []
    for result in results:
        verdict = "passed" if result.passed else "not passed yet"
        parts.append(
            f"### {MARKS['pass' if result.passed else 'fail']} `{_cell(result.id)}` — {verdict}: "
            f"{points(result.score)}/{points(result.max_score)} ({result.exercise})\n"
        )
        parts.append("| | check | points | what the grader found |\n|---|---|---|---|")
        for check in result.checks:
            parts.append(
                f"| {MARKS[check.status]} {check.status} | `{check.id}` | "
                f"{points(check.score)}/{points(check.max_score)} | {_cell(check.message)} |"
            )
        first = result.first_failure()
        if first is not None and first.hint:
            parts.append(f"\n**Hint ({first.id}):** {_cell(first.hint)}")
        parts.append("")
    return "\n".join(parts) + "\n"


def report_to_github(results: list[SubmissionResult]) -> list[str]:
    """Print-ready annotation lines; appends the summary to $GITHUB_STEP_SUMMARY when set."""
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with Path(summary_path).open("a", encoding="utf-8") as handle:
            handle.write(markdown_summary(results))
    return [line for result in results for line in annotations(result)]
