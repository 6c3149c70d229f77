"""Cost of the HTML reports next to grading: render time and size per submission.

    python benchmarks/report.py [--repeat N] [results.json ...]

Reads recorded results (default: the real ones in tests/fixtures/reports/), renders each report
N times and prints the median render time, the page size, the grading time the result records
(`duration_s`) and their ratio; then the class index and the exports. Target: render < 1% of
grading time. No training runs here.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from grader.exports import write_exports
from grader.report import render_index, render_report
from grader.results import GradeReport, SubmissionResult, read_results
from grader.spec.exercise import load_exercise

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "reports"


def median_of(repeat: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("results", nargs="*", type=Path)
    args = parser.parse_args()
    paths = args.results or sorted(FIXTURES.glob("*.json"))
    first = read_results(paths[0]).submissions[0]
    started = time.perf_counter()
    render_report(first, load_exercise(first.exercise))
    print(
        f"first render in this process (loads and compiles the templates): "
        f"{(time.perf_counter() - started) * 1000:.1f} ms\n"
    )
    by_exercise: dict[str, list[SubmissionResult]] = {}
    print(f"{'submission':44} {'render':>9} {'size':>9} {'output':>9} {'grading':>9} {'ratio':>8}")
    ratios = []
    for path in paths:
        for result in read_results(path).submissions:
            by_exercise.setdefault(result.exercise, []).append(result)
            spec = load_exercise(result.exercise)
            html = render_report(result, spec)
            seconds = median_of(args.repeat, lambda r=result, s=spec: render_report(r, s))
            ratio = seconds / result.duration_s if result.duration_s else float("inf")
            if result.duration_s >= 1:
                ratios.append(ratio)
            print(
                f"{result.exercise + '/' + result.id:44} {seconds * 1000:7.2f}ms "
                f"{len(html.encode()) / 1024:7.1f}KB {len(result.output) / 1024:7.1f}KB "
                f"{result.duration_s:8.2f}s {ratio:8.4%}"
            )
    if ratios:
        print(
            f"\nrender / grading time over {len(ratios)} trained submissions: "
            f"median {statistics.median(ratios):.4%}, worst {max(ratios):.4%} (target < 1%)"
        )
    for exercise, results in by_exercise.items():
        report = GradeReport(exercise, results)
        links = {r.id: f"{r.id}.html" for r in results}
        seconds = median_of(args.repeat, lambda rep=report, ln=links: render_index(rep, ln))
        size = len(render_index(report, links).encode())
        with tempfile.TemporaryDirectory() as tmp:
            exports = median_of(
                max(1, args.repeat // 4), lambda rep=report, t=tmp: write_exports(rep, Path(t))
            )
        print(
            f"index {exercise} ({len(results)} submissions): {seconds * 1000:.2f} ms, "
            f"{size / 1024:.1f} KB; exports (json, csv, junit): {exports * 1000:.2f} ms"
        )
    sys.exit(0 if all(r < 0.01 for r in ratios) else 1)


if __name__ == "__main__":
    main()
