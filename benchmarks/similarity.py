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

    python benchmarks/similarity.py --scale 500 1000 2000 5000 10000 [--every-up-to 1000]

The scale mode (issue 28): a generated class of honest variations of the mnist_callback solutions
with planted copies (tests/similar_class.py; each size is the first N of one class of the largest
size), compared by the method a class of that size gets (the shared fingerprints above 200), and
up to --every-up-to also by comparing every pair, in the same run: the times (wall and CPU) side
by side, their ratio, the pairs compared and listed, the planted copies found by each and
whether the pairs listed have the same figures both ways; then the growth from one size to the
next.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def _timed(compare: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = compare()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def scale(sizes: list[int], every_up_to: int, seed: int) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from similar_class import generate_class

    from grader.classroom.similarity import (
        EVERY_PAIR,
        compare_class,
        starter_code,
    )
    from grader.spec.exercise import load_exercise

    spec = load_exercise("mnist_callback")
    starter = starter_code(spec)
    compare_class({}, starter, spec.id)  # copydetect's import (and matplotlib's) not timed
    started = time.perf_counter()
    generated = generate_class(max(sizes), seed=seed)
    print(f"generated {max(sizes)} submissions in {time.perf_counter() - started:.0f} s")
    print(f"load average at the start: {os.getloadavg()[0]:.1f}")
    rows = []
    for size in sorted(sizes):
        codes = dict(list(generated.codes.items())[:size])
        planted = {(a, b) for a, b in generated.planted if a in codes and b in codes}
        report, wall, cpu = _timed(lambda codes=codes: compare_class(codes, starter, spec.id))
        listed = {(p.a, p.b): p.similarity for p in report.pairs}
        line = (
            f"{size:>6} {report.method}: {wall:7.1f} s wall, {cpu:6.1f} s CPU, "
            f"{report.compared} pairs compared, {len(listed)} listed, "
            f"planted copies found {len(planted & set(listed))}/{len(planted)}"
        )
        if report.common_over is not None:
            line += f"; {report.common_passages} passages in more than {report.common_over} common"
        every_wall = None
        if size <= every_up_to and report.method != EVERY_PAIR:
            every, every_wall, every_cpu = _timed(
                lambda codes=codes: compare_class(codes, starter, spec.id, method=EVERY_PAIR)
            )
            all_listed = {(p.a, p.b): p.similarity for p in every.pairs}
            reached = planted & set(all_listed)
            same = all(all_listed.get(pair) == value for pair, value in listed.items())
            line += (
                f"\n{'':>6} every pair: {every_wall:7.1f} s wall, {every_cpu:6.1f} s CPU, "
                f"{every.compared} pairs compared, {len(all_listed)} listed, planted copies "
                f"found {len(reached)}/{len(planted)}; of its pairs the index lists "
                f"{len(set(all_listed) & set(listed))}, of its planted ones "
                f"{len(reached & set(listed))}/{len(reached)}; same figures: {same}; "
                f"every pair / index: x{every_wall / wall:.1f} wall, x{every_cpu / cpu:.1f} CPU"
            )
        print(line, flush=True)
        rows.append((size, wall, cpu, report.compared))
    for (size, wall, cpu, compared), (before, wall0, cpu0, compared0) in zip(
        rows[1:], rows, strict=False
    ):
        print(
            f"{before} -> {size} (x{size / before:.1f}): wall x{wall / wall0:.1f}, "
            f"CPU x{cpu / cpu0:.1f}, pairs compared x{compared / max(compared0, 1):.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--scale", type=int, nargs="+", help="class sizes to time (scale mode)")
    parser.add_argument("--every-up-to", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    if args.scale:
        scale(args.scale, args.every_up_to, args.seed)
        return
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
