"""What the first view of a workbench page computes after a class changed.

    python benchmarks/first_view.py OUT [OUT ...]
    python benchmarks/first_view.py OUT [OUT ...] --pages 5 [--before TREE]

Each page keeps its figures until the class changes (a run, rows landing, a correction, a
resolution, a release); the first view after a change computes them again. For each `--out`
folder of a graded (or `benchmarks/scale.py`-written) class, times that computation in process:
the review queue's tally of its items and the item analysis's figures, both SQL over the
gradebook (grader.classroom.book_review, grader.classroom.book_analysis).

With `--pages N`: also the home page and the class page as a browser gets them, each on the
first view after a change, N times: a comment written through the library, then one GET of the
page through the whole app in process (Starlette's TestClient: middleware, SQL, templates; no
socket). The comments stay in the gradebook, by the user `first-view-benchmark`. With
`--before TREE` (a copy of another commit's tree, e.g. `git archive`), the same pages are timed
with that tree's grader first, in a child process over the same gradebooks, and both columns
printed side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from grader.classroom.gradebook import Comment, Gradebook, now
from grader.web.classes import find_classes
from grader.web.insights import class_figures

USER = "first-view-benchmark"


def time_figures(out: Path) -> None:
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


def time_pages(outs: list[Path], rounds: int) -> dict[str, list[float]]:
    """Seconds of each page's first view after a change: 'OUT home', 'OUT class page'."""
    from starlette.testclient import TestClient

    from grader.web.app import create_app
    from grader.web.security import GuardConfig

    found: dict[str, list[float]] = {}
    for out in outs:
        served = find_classes([out])[0]
        app = create_app([served], GuardConfig(port=8000, token=None, loopback=True), USER)
        client = TestClient(app, base_url="http://127.0.0.1:8000")
        with Gradebook(served.gradebook) as book:
            run_id = book.latest_run(None, str(served.out_dir))
            assert run_id is not None
            exercise = book.run_exercise(run_id)
            sid = book.scalar(
                "SELECT submission_id FROM class_rows WHERE run_id = ? ORDER BY sort_key LIMIT 1",
                (run_id,),
            )
        for page, url in (("home", "/"), ("class page", f"/c/{served.slug}/")):
            assert client.get(url).status_code == 200  # warm: templates, imports
            for _ in range(rounds):
                with Gradebook(served.gradebook) as book:
                    book.add_comment(Comment(0, exercise, sid, "a change", USER, now()))
                started = time.perf_counter()
                response = client.get(url)
                found.setdefault(f"{out} {page}", []).append(time.perf_counter() - started)
                assert response.status_code == 200, response.text[:500]
    return found


def before_pages(tree: Path, outs: list[Path], rounds: int) -> dict[str, list[float]]:
    """`time_pages` with the grader of `tree`, in a child process."""
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    child = subprocess.run(
        [sys.executable, __file__, *map(str, outs), "--pages", str(rounds), "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    print(*[line for line in child.stderr.splitlines() if "grader from" in line], sep="\n")
    return json.loads(child.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="+", help="a class's --out folder")
    parser.add_argument("--pages", type=int, default=0, help="time the pages, N rounds")
    parser.add_argument("--before", type=Path, help="another commit's tree, timed first")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # the child's
    args = parser.parse_args()
    if args.json:
        import grader

        print(f"grader from {Path(grader.__file__).parent}", file=sys.stderr)
        print(json.dumps(time_pages(args.out, args.pages)))
        return
    for out in args.out:
        time_figures(out)
    if not args.pages:
        return
    before = before_pages(args.before, args.out, args.pages) if args.before else {}
    after = time_pages(args.out, args.pages)
    print(f"\nfirst view after a change, median / max of {args.pages}, in ms:")
    print(f"{'page':<60} {'before':>14} {'after':>14}")
    for name, seconds in after.items():
        cells = [before.get(name), seconds]
        shown = [
            f"{statistics.median(s) * 1000:.0f} / {max(s) * 1000:.0f}" if s else "-" for s in cells
        ]
        print(f"{name:<60} {shown[0]:>14} {shown[1]:>14}")


if __name__ == "__main__":
    main()
