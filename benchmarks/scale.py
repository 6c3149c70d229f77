"""A class of 2,000, 10,000 and 100,000: what `grader grade` and `grader serve` cost as it grows.

    python benchmarks/scale.py [--sizes 2000 10000] [--written 100000] [--requests 10]

For each of SIZES, writes a class of distinct submissions that each get a quick verdict (a
module with a syntax error: nothing trains, the grading child stops at once) and times the real
`grader grade` over it (`--isolation process -j 2 --no-similarity`: similarity compares every
pair, a cost of its own), then the same command again with nothing changed. A class of WRITTEN
submissions is not graded (hours on two cores): it is written directly into a gradebook through
the library, its rows copied from the largest graded class and the exercise's recorded real
gradings (with training curves) under new ids, every tenth a day late, and only served.
Then starts one real `grader serve` over every class (loopback, a free port) and times each page,
WARMUP requests first, then REQUESTS sequential ones: median and p95 in ms. Prints the growth of
each figure from one size to the next (10,000 vs 2,000 is 5x the class).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote, unquote_plus

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workbench
from workbench import get, p95, serve

from grader.classroom.gradebook import FILENAME, Gradebook, RunInfo
from grader.classroom.overrides import with_context
from grader.results import read_results
from grader.results.adjustments import LateNote

GRADER = [str(Path(sys.executable).parent / "grader")]  # --grader: another command
EXERCISE = "mnist_callback"
PAGES = {
    "home": "/",
    "overview": "/c/{slug}/",
    "overview, filtered and sorted": "/c/{slug}/?status=graded&result=failed&sort=score&order=desc",
    "overview, a later page": "/c/{slug}/?after={cursor}",
    "overview, failing a check": "/c/{slug}/?failing=stop_message&sort=score&order=desc",
    "review queue": "/c/{slug}/review",
    "review queue, one kind": "/c/{slug}/review?kind=late",
    "item analysis": "/c/{slug}/analysis",
    "item analysis, one curve": "/c/{slug}/analysis?student=student_00201",
    "feedback release": "/c/{slug}/release",
    "one submission": "/c/{slug}/s/student_00001",
    "live view": "/c/{slug}/live",
}


def write_class(folder: Path, size: int) -> None:
    folder.mkdir(parents=True)
    for number in range(size):
        sid = f"student_{number:05d}"
        (folder / f"{sid}.py").write_text(
            f"# {sid}\nimport tensorflow as tf\n\ndef model_{number}(:\n    return {number}\n",
            encoding="utf-8",
        )


def grade(folder: Path, out: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [*GRADER, "grade", str(folder), "-e", EXERCISE, "--out", str(out), "--isolation",
         "process", "-j", "2", "--no-similarity"],
        capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: some submissions failed (all do here)
        sys.exit(f"grader grade failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


RECORDED = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reports"
# A day late (every tenth row of a written class): a review item each.
LATE = LateNote("2026-03-02T10:00:00+00:00", "file modification time", "x.py",
                "2026-03-01T23:59:00+00:00", 36000.0, 1, "day", 10.0, 1.0, True,
                "Handed in one day late: 10% of the points taken off.")  # fmt: skip


def write_directly(source: Path, out: Path, size: int) -> float:
    """A class of `size` written into a new gradebook through the library (no grading): the
    rows of the graded class at `source` and the recorded real gradings of the exercise
    (tests/fixtures/reports: training curves, hints, grading times), repeated under new ids,
    every tenth row a day late (an item of the review queue each)."""
    started = time.perf_counter()
    out.mkdir(parents=True)
    recorded = [read_results(p).submissions[0] for p in sorted(RECORDED.glob(f"{EXERCISE}-*"))]
    with Gradebook(source / FILENAME) as book:
        run_id = book.latest_run(EXERCISE)
        assert run_id is not None
        rows = book.class_results(run_id) + recorded
        run = book.run(run_id)
    assert run is not None
    with Gradebook(out / FILENAME) as book:
        args = {**json.loads(run["args"]), "out_dir": str(out.resolve())}
        identity = {"grader": run["grader_version"], "tensorflow": run["tensorflow_version"],
                    "keras": run["keras_version"], "python": run["python_version"],
                    "platform": run["platform"]}  # fmt: skip
        info = RunInfo(EXERCISE, run["spec_hash"], run["spec_key"], run["source"], args,
                       run["executor"], run["isolation"], run["timeout_s"], identity)  # fmt: skip
        new_run = book.start_run(info)
        for start in range(0, size, 5000):
            batch = [
                with_context(
                    replace(rows[n % len(rows)], id=f"student_{n:05d}",
                            path=f"class/student_{n:05d}.py", adjustments=None),
                    None, LATE if n % 10 == 0 else None,
                )
                for n in range(start, min(size, start + 5000))
            ]  # fmt: skip
            book.record_class_rows(new_run, batch)
        book.finish_run(new_run, "finished", {"submissions": size})
    return time.perf_counter() - started


def later_page(port: int, slug: str) -> str:
    """The cursor of the overview's third page (or its last), as its 'next page' link has it."""
    cursor = ""
    for _ in range(2):
        body = get_body(port, f"/c/{slug}/" + (f"?after={quote(cursor)}" if cursor else ""))
        marker = 'id="next-page" href="?after='
        if marker not in body:
            break
        start = body.index(marker) + len(marker)
        cursor = unquote_plus(body[start : body.index('"', start)].replace("&amp;", "&"))
    return quote(cursor)


def get_body(port: int, path: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
    body = conn.getresponse().read().decode()
    conn.close()
    return body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--written", type=int, default=100000)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="build the classes here (and keep them)")
    parser.add_argument(
        "--grader",
        help="the grader command to time (default: this environment's); e.g. one running a "
        "frozen copy of the tree, so that edits made meanwhile do not change the grading code "
        "between a run and its re-run",
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="time the pages of the classes an earlier run built in --keep (no grading)",
    )
    args = parser.parse_args()
    if args.grader:
        GRADER[:] = [args.grader]
        workbench.GRADER = args.grader  # `grader serve` too
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        outs: dict[int, Path] = {}
        print(f"{'class':>8} {'grade, first run':>17} {'unchanged re-run':>17}")
        previous = None
        for size in args.sizes:
            folder, out = root / f"class-{size}", root / f"out-{size}"
            if args.pages_only:
                outs[size] = out
                continue
            write_class(folder, size)
            first = grade(folder, out)
            again = grade(folder, out)
            growth = (
                f"   x{first / previous[0]:.1f} / x{again / previous[1]:.1f} for x"
                f"{size / previous[2]:.0f} the class"
                if previous
                else ""
            )
            print(f"{size:8,d} {first:16.1f}s {again:16.1f}s{growth}", flush=True)
            previous = (first, again, size)
            outs[size] = out
        if args.written and args.pages_only:
            outs[args.written] = root / f"out-{args.written}"
        elif args.written:
            out = root / f"out-{args.written}"
            seconds = write_directly(outs[max(outs)], out, args.written)
            print(f"{args.written:8,d} written into a gradebook directly in {seconds:.1f} s "
                  "(not graded)", flush=True)  # fmt: skip
            outs[args.written] = out
        process, port = serve(*outs.values())
        try:
            slugs = {size: out.name for size, out in outs.items()}
            print(f"\n{args.requests} GETs per page after {args.warmup}, loopback, ms "
                  "(median / p95):")  # fmt: skip
            print(f"{'page':32}" + "".join(f"{size:>20,d}" for size in outs))
            for name, pattern in PAGES.items():
                cells, medians = [], []
                for slug in slugs.values():
                    cursor = later_page(port, slug) if "{cursor}" in pattern else ""
                    path = pattern.format(slug=slug, cursor=cursor)
                    for _ in range(args.warmup):
                        get(port, path)
                    seconds = [get(port, path)[0] for _ in range(args.requests)]
                    medians.append(statistics.median(seconds))
                    cells.append(f"{medians[-1] * 1000:8.1f} / {p95(seconds) * 1000:7.1f}")
                growth = " ".join(f"x{b / a:.1f}" for a, b in itertools.pairwise(medians))
                print(f"{name:32}" + "".join(f"{c:>20}" for c in cells) + f"   growth {growth}",
                      flush=True)  # fmt: skip
        finally:
            process.terminate()
            process.wait(30)


if __name__ == "__main__":
    main()
