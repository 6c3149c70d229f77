"""Overhead of each isolation level on the reference solution, as a ratio to `process`.

    python benchmarks/isolation.py [--repeat N] [--exercise mnist_callback]

Levels run in rotation (process, limits, namespaces, process, ...) so drift on a noisy machine
hits every level alike; the figure is the median wall time of `grader check` at each level
over the median at `process`, all from this one run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from grader.grading.sandbox.levels import level_report

ROOT = Path(__file__).resolve().parent.parent


def grade_seconds(submission: Path, level: str) -> float:
    argv = [sys.executable, "-m", "grader.cli", "check", str(submission), "--quiet",
            "--isolation", level, "--exact-isolation"]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0 or f"isolation {level}" not in proc.stdout:
        sys.exit(f"grading at {level} failed: {proc.stdout}{proc.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="rounds over all levels")
    parser.add_argument("--exercise", default="mnist_callback")
    args = parser.parse_args()
    submission = ROOT / "solutions" / f"{args.exercise}.py"
    levels = [name for name, usable, _, _ in level_report() if usable]
    times: dict[str, list[float]] = {level: [] for level in levels}
    for _ in range(args.repeat):
        for level in levels:
            times[level].append(grade_seconds(submission, level))
    base = statistics.median(times["process"])
    print(f"reference: solutions/{args.exercise}.py, rounds: {args.repeat}")
    for level in levels:
        median = statistics.median(times[level])
        print(f"{level:<11} {median:6.1f} s   ratio to process {median / base:.3f}")
    for name, usable, why, _ in level_report():
        if not usable:
            print(f"{name:<11} not available here: {why}")


if __name__ == "__main__":
    main()
