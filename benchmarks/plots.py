"""Figures of the course corpus: plot capture's cost, report sizes, verdicts as a teacher's.

    python benchmarks/plots.py [--repeat N] [--epochs E] [--corpus-out DIR] [--skip-overhead]

Prints:
  - grading with plot capture / the same submission without it (`GradeOptions(plots=False)`:
    modules draw with plain Agg, notebooks without the inline backend), for a module and a
    notebook of the corpus that draw figures and train; pairs alternate their order so drift
    on a noisy machine hits both sides; the ratio is the median of the pairs' ratios. With
    --epochs E, copies that train E epochs instead of 5 (shorter runs: more pairs, and a
    harsher ratio, capture being a larger share of a short run).
  - the size of the corpus's HTML reports (median, max) and how many of the corpus's
    submissions got the verdict `tests/corpus/expected.toml` gives them.
  - for each corpus submission that drew figures, its grading time over the same time less the
    seconds the child spent drawing and keeping them (counted in the run: `as_ran.capture_s`).
With --corpus-out DIR, the corpus results already in DIR/<exercise>/ are read instead of
grading the corpus again (e.g. a `grader grade` run of each exercise's corpus folder).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.classroom.batch import BatchSettings, grade_class, report_filename  # noqa: E402
from grader.grading.pipeline import GradeOptions, grade_submission  # noqa: E402
from grader.results import SubmissionResult, read_results  # noqa: E402
from grader.spec.exercise import load_exercise  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
PAIRS = [
    ("module", CORPUS / "fashion_mnist" / "seed002_subplots.py"),
    ("notebook", CORPUS / "fashion_mnist" / "seed001_tutorial.ipynb"),
]


def timed_grade(path: Path, plots: bool) -> float:
    spec = load_exercise("fashion_mnist")
    started = time.perf_counter()
    result = grade_submission(path, spec, GradeOptions(plots=plots))
    elapsed = time.perf_counter() - started
    kept = (result.as_ran or {}).get("plots_kept", 0)
    if result.checks[0].status != "pass" or (kept == 0) == plots:
        sys.exit(
            f"benchmark run went wrong: {path.name} plots={plots} kept={kept} "
            f"({result.status}: {result.checks[0].message})"
        )
    return elapsed


def with_epochs(path: Path, epochs: int | None, folder: Path) -> Path:
    if epochs is None:
        return path
    copy = folder / path.name
    text = path.read_text()
    assert text.count("epochs=5") == 1, path
    copy.write_text(text.replace("epochs=5", f"epochs={epochs}"))
    return copy


def overhead(repeat: int, epochs: int | None, folder: Path) -> None:
    for kind, original in PAIRS:
        path = with_epochs(original, epochs, folder)
        pairs = []
        for i in range(repeat):
            if i % 2:
                with_plots = timed_grade(path, True)
                without = timed_grade(path, False)
            else:
                without = timed_grade(path, False)
                with_plots = timed_grade(path, True)
            pairs.append((without, with_plots))
        ratio = statistics.median(w / b for b, w in pairs)
        print(
            f"plot capture, {kind:<8} {path.name}: {statistics.median(p[1] for p in pairs):.1f} s "
            f"with / {statistics.median(p[0] for p in pairs):.1f} s without = {ratio:.3f} "
            f"(median of {repeat} alternating pair(s))",
            flush=True,
        )


def matches(result: SubmissionResult, expected: dict) -> bool:
    """The verdict expected.toml gives: pass/fail, each hint, the figures shown."""
    checks = {c.id: c for c in result.checks}
    shown = result.as_ran or {}
    return (
        result.passed is expected["passed"]
        and all(checks[c].hint_id == h for c, h in expected.get("fails", {}).items())
        and shown.get("plots_kept", 0) == expected.get("figures", 0)
    )


def corpus_figures(out: Path | None) -> None:
    expected = tomllib.loads((CORPUS / "expected.toml").read_text())
    sizes, good, total = [], 0, 0
    in_run: list[tuple[float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for exercise, table in expected.items():
            folder = (out / exercise) if out else Path(tmp) / exercise
            if out is None:
                grade_class(CORPUS / exercise, exercise, folder, BatchSettings(workers=2))
            for result in read_results(folder / "results.json").submissions:
                total += 1
                good += matches(result, table[result.id])
                sizes.append((folder / report_filename(result.id)).stat().st_size)
                shown = result.as_ran or {}
                spent = shown.get("capture_s", 0.0)
                if shown.get("plots_kept") and result.duration_s > spent:
                    ratio = result.duration_s / (result.duration_s - spent)
                    in_run.append(
                        (ratio, f"{result.id} {spent:.2f} s of {result.duration_s:.0f} s")
                    )
    print(f"corpus graded as a teacher would: {good}/{total}")
    print(
        f"report size: median {statistics.median(sizes) / 1024:.0f} KiB, "
        f"max {max(sizes) / 1024:.0f} KiB ({len(sizes)} reports)"
    )
    # The child counts the seconds it spends drawing and keeping figures (PNG rendering in the
    # kernel or module, writing the record): the same run with and without them, side by side.
    in_run.sort()
    print(
        f"plot capture, counted inside each run that drew figures ({len(in_run)}): median "
        f"{statistics.median(r for r, _ in in_run):.4f}, max {in_run[-1][0]:.4f} "
        f"({in_run[-1][1]})"
    )
    for ratio, label in in_run:
        print(f"  {ratio:.4f}  {label}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="pairs of runs per submission")
    parser.add_argument("--epochs", type=int, help="train this many epochs (default: 5)")
    parser.add_argument("--corpus-out", type=Path, help="read corpus results from here")
    parser.add_argument("--skip-overhead", action="store_true")
    args = parser.parse_args()
    if not args.skip_overhead:
        with tempfile.TemporaryDirectory() as folder:
            overhead(args.repeat, args.epochs, Path(folder))
    corpus_figures(args.corpus_out)


if __name__ == "__main__":
    main()
