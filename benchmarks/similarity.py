"""The similarity report's cost, as a ratio to grading, measured side by side in one run.

    python benchmarks/similarity.py [--size 200]

Builds a class of SIZE synthetic submissions from the five honest solutions of the similarity
fixture class (tests/submissions/similarity/mnist_callback/): each one a solution with its names
changed, its top-level blocks shuffled and a few lines of its own added. Two made from the same
solution are copies of each other (about a fifth of all pairs); two made from different ones are
honest pairs. Times the whole similarity report (copydetect's import, fingerprints, every pair,
the page), counts copies found and honest pairs listed, times one `grader check` of a real
solution that trains (benchmarks/class/mnist_callback/ada.py), and prints the ratios: the
similarity of the whole class over grading one submission, and over grading the whole class on
this machine's slots.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "submissions" / "similarity" / "mnist_callback"
HONEST = ["amara", "bilal", "chen", "dagny", "emeka"]
SOLUTION = ROOT / "benchmarks" / "class" / "mnist_callback" / "ada.py"
NAMES = ["model", "history", "callbacks", "x_train", "y_train", "epoch", "logs"]


def synthetic(rng: random.Random, number: int) -> tuple[str, str]:
    """(the honest solution it was made from, its code)."""
    base = rng.choice(HONEST)
    code = (FIXTURES / f"{base}.py").read_text()
    for name in rng.sample(NAMES, 3):
        code = re.sub(rf"\b{name}\b", f"{name}_{number}", code)
    blocks = re.split(r"\n(?=(?:def |class ))", code)
    head, rest = blocks[0], blocks[1:]
    rng.shuffle(rest)
    extra = [f"print('run {number}', {rng.randint(0, 999)})", f"SEED_{number} = {number}"]
    return base, "\n".join([head, *rest, *extra]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(15)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        bases = {}
        for number in range(args.size):
            base, code = synthetic(rng, number)
            bases[f"student{number:03d}"] = base
            (folder / f"student{number:03d}.py").write_text(code)
        started = time.perf_counter()
        # Timed from the import: copydetect brings matplotlib along, as in `grader grade`.
        from grader.classroom.similarity import class_codes, compare_class, starter_code
        from grader.classroom.sources import find_submissions
        from grader.report import write_similarity_page
        from grader.spec.exercise import load_exercise

        spec = load_exercise("mnist_callback")
        found = compare_class(
            class_codes(find_submissions(folder, spec.id)), starter_code(spec), spec.id
        )
        write_similarity_page(found, Path(tmp) / "similarity.html")
        similarity_s = time.perf_counter() - started
    copies = {
        (a, b) for a in bases for b in bases if a < b and bases[a] == bases[b]
    }  # made from the same solution: renamed and shuffled copies of each other
    listed = {(p.a, p.b) for p in found.pairs}
    started = time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).parent / "grader"),
            "check",
            str(SOLUTION),
            "--quiet",
            "--no-html",
        ],
        check=False,
        env={**os.environ},
    )
    grading_s = time.perf_counter() - started
    slots = max(1, (os.cpu_count() or 1))
    class_s = grading_s * args.size / slots
    print(
        f"similarity of {args.size} submissions ({found.compared} pairs): {similarity_s:.1f} s; "
        f"copies found {len(listed & copies)}/{len(copies)}, "
        f"other pairs listed {len(listed - copies)}/{found.compared - len(copies)}"
    )
    print(f"grading one submission (grader check, trains): {grading_s:.1f} s")
    print(f"ratio similarity(class) / grading(one): {similarity_s / grading_s:.2f}")
    print(
        f"ratio similarity(class) / grading(class, {args.size} x one / {slots} slots): "
        f"{similarity_s / class_s:.4f}"
    )


if __name__ == "__main__":
    main()
