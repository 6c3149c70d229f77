"""Verdicts that do not depend on luck: what robustness changes and what it costs, measured side
by side in one run (absolute times are noise on these machines).

    python benchmarks/robustness.py [--jobs 2] [--seeds 5]

The class: every dense sample (samples/fashion_mnist, mnist_callback, mnist_callback_98), the
dense reference solutions, and the borderline Fashion-MNIST fixtures of the robustness tests
(tests/submissions/robustness/fashion). Convnets are left out: they cost minutes each. For each
exercise, in fresh gradebooks:

  1. `--seeds 1`: one run per submission (robustness off)
  2. the spec's own [robustness]: borderline submissions also run on the extra seeds
  3. `--seeds N` in the gradebook of 2: every submission on N seeds (first runs reused)

and prints: the cost of 2 against 1 (the target is <= 1.10 when nothing is borderline), the
verdicts that change between 1 and 3, and the spread of test accuracy and of the epoch at which
the training threshold is first reached across the N seeds of each reference solution.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.classroom.batch import BatchSettings, grade_class  # noqa: E402
from grader.results import SubmissionResult  # noqa: E402

EXERCISES = ("fashion_mnist", "mnist_callback", "mnist_callback_98")


def class_folder(exercise: str, into: Path) -> Path:
    folder = into / exercise
    folder.mkdir(parents=True)
    for sample in sorted((ROOT / "samples" / exercise).iterdir()):
        shutil.copy(sample, folder / sample.name)
    shutil.copy(ROOT / "solutions" / f"{exercise}.py", folder / f"reference_{exercise}.py")
    if exercise == "fashion_mnist":
        for extra in sorted((ROOT / "tests" / "submissions" / "robustness" / "fashion").glob("*")):
            shutil.copy(extra, folder / f"borderline_{extra.name}")
    return folder


def grade(
    folder: Path, exercise: str, out: Path, jobs: int, seeds: int | None
) -> tuple[float, dict[str, SubmissionResult], dict[str, int]]:
    settings = BatchSettings(isolation="limits", workers=jobs, similarity=False, seeds=seeds)
    started = time.perf_counter()
    grading = grade_class(folder, exercise, out, settings)
    took = time.perf_counter() - started
    return took, {r.id: r for r in grading.report.submissions}, dict(grading.counts)


def spread(result: SubmissionResult) -> str:
    robustness = result.robustness
    if robustness is None:
        return "one seed only"
    tests = [r.test_accuracy for r in robustness.runs if r.test_accuracy is not None]
    epochs = [r.reached_epoch for r in robustness.runs]
    parts = []
    if tests:
        parts.append(f"test accuracy {min(tests):.2%}-{max(tests):.2%}")
    if any(e is not None for e in epochs):
        parts.append("threshold first reached at epoch " + ", ".join(str(e) for e in epochs))
    return "; ".join(parts) or "no figures"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    off_total = on_total = 0.0
    changed: list[str] = []
    graded = borderline = 0
    with tempfile.TemporaryDirectory(prefix="grader-robustness-") as tmp:
        work = Path(tmp)
        for exercise in EXERCISES:
            folder = class_folder(exercise, work / "classes")
            off_s, off, _ = grade(folder, exercise, work / "off" / exercise, args.jobs, 1)
            on_s, on, counts = grade(folder, exercise, work / "on" / exercise, args.jobs, None)
            _, forced, _ = grade(folder, exercise, work / "on" / exercise, args.jobs, args.seeds)
            off_total, on_total = off_total + off_s, on_total + on_s
            graded += len(off)
            borderline += counts["borderline"]
            print(f"\n{exercise}: {len(off)} submissions, {counts['borderline']} borderline")
            print(f"  robustness off {off_s:.0f} s, on {on_s:.0f} s: ratio {on_s / off_s:.2f}")
            for sid in sorted(off):
                one, default, many = off[sid], on[sid], forced[sid]
                mark = "" if one.passed == many.passed else "  <- verdict changes"
                if mark:
                    changed.append(f"{exercise}/{sid}")
                print(
                    f"  {sid}: one seed {'pass' if one.passed else 'fail'} {one.score:g}, "
                    f"spec's robustness {'pass' if default.passed else 'fail'} {default.score:g} "
                    f"({'borderline' if default.robustness else 'clear'}), "
                    f"{args.seeds} seeds {'pass' if many.passed else 'fail'} {many.score:g}; "
                    f"{spread(many)}{mark}"
                )
    print(
        f"\nall: {graded} submissions, {borderline} borderline; robustness on / off "
        f"{on_total / off_total:.2f}; verdicts changed by {args.seeds} seeds instead of one: "
        f"{len(changed)} ({', '.join(changed) or 'none'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
