"""Gradescope's autograder results format (`results.json`), one file per submission."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar

from grader.exports.cells import safe_name
from grader.formatting import points
from grader.results import GradeReport, SubmissionResult


def gradescope_results(result: SubmissionResult) -> dict[str, Any]:
    """Gradescope's autograder `results.json` for one submission.

    Gradescope knows only "passed" and "failed": a skipped check (nothing to judge because an
    earlier one failed) earned no points and is reported as failed, its output saying why.
    """
    tests = []
    for c in result.checks:
        lines = [("Skipped: " if c.status == "skip" else "") + c.message]
        if c.status == "error":
            lines[0] = "The grader could not check this: " + c.message
        if c.hint:
            lines.append(f"Hint: {c.hint}")
        if "override" in c.details:
            lines.append(f"Score set by your instructor: {c.details['override'].get('reason', '')}")
        tests.append(
            {
                "name": c.id,
                "score": c.score,
                "max_score": c.max_score,
                "status": "passed" if c.status == "pass" else "failed",
                "output": "\n\n".join(lines),
                "output_format": "text",
                "visibility": "visible",
            }
        )
    first = result.first_failure()
    summary = (
        f"{'Passed' if result.passed else 'Not passed yet'}: "
        f"{points(result.score)} / {points(result.max_score)} points."
    )
    if first is not None:
        summary += f"\nFirst thing to fix ({first.id}): {first.message}"
        if first.hint:
            summary += f"\nHint: {first.hint}"
    if result.status == "timeout":
        summary += "\nThe run was stopped at the time limit."
    adj = result.adjustments
    if adj is not None:
        for o in adj.overrides:
            if o.applied:
                what = f"check {o.check}" if o.check else "the score"
                summary += f"\nYour instructor set {what} to {points(o.score)}: {o.reason}"
        if adj.late is not None and adj.late.late_s > 0:
            summary += f"\n{adj.late.explanation}"
    return {
        "score": result.score,
        "execution_time": round(result.duration_s, 3),
        "output": summary,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "submission": result.id,
            "exercise": result.exercise,
            "sha256": result.sha256,
            "status": result.status,
            "max_score": result.max_score,
            "graded_at": result.graded_at,
            "isolation": result.isolation,
            "raw_score": adj.raw_score if adj else result.score,
            "late_penalty": adj.late.penalty_points if adj and adj.late else 0.0,
            "overrides": [asdict(o) for o in adj.overrides] if adj else [],
            "student": asdict(adj.student) if adj and adj.student else None,
        },
    }


def write_gradescope(result: SubmissionResult, path: Path) -> Path:
    """Write `gradescope_results(result)` as JSON (e.g. to /autograder/results/results.json)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(gradescope_results(result), indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8", errors="replace")
    return path


class GradescopeExporter:
    """gradescope/<id>.json: one Gradescope results file per submission."""

    name: ClassVar[str] = "gradescope"
    folder: ClassVar[str] = "gradescope"

    def write(self, report: GradeReport, out_dir: Path) -> list[Path]:
        written, used = [], set()
        for s in report.submissions:
            stem = safe_name(s.id)
            while stem in used:
                stem += "_"
            used.add(stem)
            written.append(write_gradescope(s, out_dir / self.folder / f"{stem}.json"))
        return written
