"""The similarity report's cost, as a ratio to grading, measured side by side in one run.

    python benchmarks/similarity.py [--size 200]

Builds a class of SIZE synthetic submissions from the honest solutions of the similarity
fixture class (tests/submissions/similarity/mnist_callback/): each one a solution with its names
changed, its top-level blocks shuffled and a few lines of its own added, so that most pairs are
alike only as honest work is; then times the whole similarity report (copydetect's import,
fingerprints, every pair, the page) and one `grader check` of a real solution that trains
(benchmarks/class/mnist_callback/ada.py), and prints the ratio: similarity of the whole class
over grading one submission, and over grading the whole class on this machine's slots.
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


def synthetic(rng: random.Random, number: int) -> str:
    code = (FIXTURES / f"{rng.choice(HONEST)}.py").read_text()
    for name in rng.sample(NAMES, 3):
        code = re.sub(rf"\b{name}\b", f"{name}_{number}", code)
    blocks = re.split(r"\n(?=(?:def |class ))", code)
    head, rest = blocks[0], blocks[1:]
    rng.shuffle(rest)
    extra = [f"print('run {number}', {rng.randint(0, 999)})", f"SEED_{number} = {number}"]
    return "\n".join([head, *rest, *extra]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(15)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        for number in range(args.size):
            (folder / f"student{number:03d}.py").write_text(synthetic(rng, number))
        started = time.perf_counter()
        # A fresh process: copydetect's import (matplotlib) counts, as it does in `grader grade`.
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; "
                "from grader.batch.sources import find_submissions; "
                "from grader.exercises import load_exercise; "
                "from grader.similarity import write_similarity; "
                "spec = load_exercise('mnist_callback'); "
                "write_similarity(find_submissions(Path(sys.argv[1]), spec.id), [], spec, "
                "Path(sys.argv[2]))",
                str(folder),
                tmp,
            ],
            check=True,
        )
        similarity_s = time.perf_counter() - started
        pairs = (Path(tmp) / "similarity.html").read_text().count('class="pair"')
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
    print(f"similarity of {args.size} submissions: {similarity_s:.1f} s ({pairs} pairs listed)")
    print(f"grading one submission (grader check, trains): {grading_s:.1f} s")
    print(f"ratio similarity(class) / grading(one): {similarity_s / grading_s:.2f}")
    print(
        f"ratio similarity(class) / grading(class, {args.size} x one / {slots} slots): "
        f"{similarity_s / class_s:.4f}"
    )


if __name__ == "__main__":
    main()
