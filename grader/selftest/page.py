"""A selftest as the instructor reads it: lines on the terminal, one HTML page (rendered with the
reports' own template environment) that links each mutant's report, and JSON for CI."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from grader.report import template_environment
from grader.selftest.outcome import SelftestResult

_env = template_environment("selftest/templates")


def terminal_lines(result: SelftestResult) -> list[str]:
    """What `grader selftest` prints: the reference, one line per mutant, the totals."""
    ref = result.reference
    lines = []
    if ref.passed:
        where = "static checks" if ref.judged == "static" else f"{len(ref.seeds)} seed(s)"
        lines.append(f"reference: passes ({where}) {ref.path}")
    else:
        lines.append(f"reference: FAILS {ref.path}: {ref.message}")
    lines += [f"spec: {p}" for p in result.spec_problems]
    for row in result.mutants:
        mark = "✓" if row.as_expected else "✗"
        line = f" at line {row.line}" if row.line is not None else ""
        failed = ", ".join(row.failed_checks) or "nothing failed"
        lines.append(
            f"  {mark} {row.outcome:<12} {row.id:<24} expected {row.expected_check}; "
            f"failed: {failed}; hint {row.hint_id or '-'}{line} ({row.seconds:.1f} s)"
        )
    if result.not_run:
        lines.append(f"  not run (need training; run without --quick): {', '.join(result.not_run)}")
    for sample in result.samples:
        mark = "✓" if sample.agrees else "✗"
        verdict = "passes" if sample.passed else "fails " + ", ".join(sample.failed_checks)
        lines.append(f"  {mark} sample {sample.id}: {verdict} ({sample.demonstrates})")
    lines += [f"samples: {p}" for p in result.sample_problems]
    counts = result.counts
    lines.append(
        f"{result.exercise}: {result.as_expected}/{len(result.mutants)} mutants "
        f"caught as expected"
        + (f" ({counts['noted']} noted, as designed)" if counts["noted"] else "")
        + f", {counts['caught_other']} by another check, "
        f"{counts['no_hint']} without a fitting hint, "
        f"{counts['survived']} survived; {result.seconds / 60:.1f} min"
        + (
            f", {result.training_share:.0%} of {result.grading_seconds:.0f} s of grading spent "
            "in gradings that trained"
            if result.grading_seconds
            else ""
        )
        + (f", {result.reused} verdict(s) from the gradebook" if result.reused else "")
    )
    return lines


def render_page(result: SelftestResult) -> str:
    return _env.get_template("selftest.html.j2").render(r=result)


def write_page(result: SelftestResult, path: Path, out_dir: Path | None) -> Path:
    """The page at `path`; links to the reports under `out_dir` made relative to it."""
    if out_dir is not None:
        base = Path(os.path.relpath(out_dir, path.parent))
        result = replace(
            result,
            mutants=[replace(m, report=_link(base, m.report)) for m in result.mutants],
            reference=replace(result.reference, report=_link(base, result.reference.report)),
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_page(result), encoding="utf-8")
    return path


def _link(base: Path, report: str) -> str:
    return (base / report).as_posix() if report else ""


def write_json(result: SelftestResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    return path
