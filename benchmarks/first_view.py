"""What the first view of the review queue and the item analysis computes after a class changed.

    python benchmarks/first_view.py OUT [OUT ...]

Each page keeps its figures until the class changes (a run, rows landing, a correction, a
resolution, a release); the first view after a change computes them again. For each `--out`
folder of a graded (or `benchmarks/scale.py`-written) class, times that computation in process:
the review queue's tally of its items and the item analysis's figures, both SQL over the
gradebook (grader.classroom.book_review, grader.classroom.book_analysis).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from grader.classroom.gradebook import Gradebook
from grader.web.classes import find_classes
from grader.web.insights import class_figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="+", help="a class's --out folder")
    args = parser.parse_args()
    for out in args.out:
        served = find_classes([out])[0]
        with Gradebook(served.gradebook) as book:
            run_id = book.latest_run(None, str(served.out_dir))
            assert run_id is not None
            exercise = book.run_exercise(run_id)
            rows = book.scalar("SELECT COUNT(*) FROM class_rows WHERE run_id = ?", (run_id,))
            started = time.perf_counter()
            book.review_tally(run_id, exercise)
            tallied = time.perf_counter()
            class_figures(book, served, run_id)
            analysed = time.perf_counter()
        print(
            f"{out}: {rows:,} rows; the review queue's tally {tallied - started:.2f} s, "
            f"the item analysis {analysed - tallied:.2f} s"
        )


if __name__ == "__main__":
    main()
