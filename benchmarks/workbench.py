"""What `grader serve` costs on a large class, over HTTP, measured side by side in one run.

    python benchmarks/workbench.py [--submissions 1000] [--small 10] [--requests 30] [--warmup 3]

Builds two classes through `grader grade`'s own batch (grade_folder: gradebook, reports,
exports, index), with grading replaced by the real recorded results of tests/fixtures/reports
(the eight mnist_callback ones and a hostile one, taken in turn, each submission's recorded
grading time varied), so nothing trains: one of SUBMISSIONS distinct submissions and one of
SMALL. Then starts the real `grader serve` on both (a subprocess on a free loopback port) and
times, after WARMUP requests each, REQUESTS sequential requests of each page: the class overview
(`/c/<class>/`), a submission page (`/c/<class>/s/<id>`), a report (`/c/<class>/report/<id>`)
and the live fragment. Prints the median and p95 of each, each page's size in bytes (the
overview's grows with the class), and the ratio of each page's median on the large class to the
small one: how its cost scales with the class.
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from unittest import mock
from urllib.parse import quote, urlsplit

import grader.classroom.batch
import grader.classroom.executors
from grader.grading.sandbox.levels import LEVELS
from grader.results import SubmissionResult, read_results

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "reports"
EXERCISE = "mnist_callback"
GRADER = str(Path(sys.executable).parent / "grader")


def recorded() -> list[SubmissionResult]:
    found = [read_results(p).submissions[0] for p in sorted(FIXTURES.glob(f"{EXERCISE}-*.json"))]
    found.append(read_results(FIXTURES / "synthetic" / "hostile.json").submissions[0])
    return found


def build_class(root: Path, name: str, size: int) -> tuple[Path, float]:
    """Grade `size` distinct submissions into root/<name> without training; (folder, seconds)."""
    rng = random.Random(size)
    bases = recorded()
    folder = root / f"{name}-submissions"
    folder.mkdir(parents=True)
    verdicts: dict[str, SubmissionResult] = {}
    for number in range(size):
        sid = f"student_{number:04d}"
        (folder / f"{sid}.py").write_text(f"# {sid}\n", encoding="utf-8")  # distinct: no duplicate
        base = bases[number % len(bases)]
        verdicts[sid] = replace(base, duration_s=round(base.duration_s * rng.uniform(0.5, 1.5), 2))

    def grading(path: Path, spec: object, options: object, **kwargs: object) -> SubmissionResult:
        return replace(verdicts[path.stem], id=path.stem, path=str(path))

    out = root / name
    started = time.perf_counter()
    with (
        mock.patch.object(grader.classroom.executors, "grade_submission", grading),
        mock.patch.object(
            grader.classroom.batch, "choose_level", lambda *a, **k: LEVELS["process"]
        ),
    ):
        grader.classroom.batch.grade_folder(folder, EXERCISE, out, similarity=False)
    return out, time.perf_counter() - started


def serve(*dirs: Path) -> tuple[subprocess.Popen[str], int]:
    """`grader serve DIRS --port 0`, once it says where it listens."""
    process = subprocess.Popen(
        [GRADER, "serve", *map(str, dirs), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("Open http://127.0.0.1:"):
                found.append(line.split()[1])
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(120) or not found:
        process.kill()
        sys.exit("grader serve did not start")
    port = urlsplit(found[0]).port
    assert port is not None
    return process, port


def get(port: int, path: str) -> tuple[float, int]:
    """One GET on a fresh connection (as a browser's first request): (seconds, bytes)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    seconds = time.perf_counter() - started
    if response.status != 200:
        sys.exit(f"GET {path}: {response.status} {body[:200]!r}")
    return seconds, len(body)


def timed(port: int, path: str, requests: int, warmup: int) -> tuple[list[float], int]:
    for _ in range(warmup):
        get(port, path)
    measured = [get(port, path) for _ in range(requests)]
    return [s for s, _ in measured], measured[-1][1]


def p95(seconds: list[float]) -> float:
    return statistics.quantiles(seconds, n=20, method="inclusive")[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        large, built_large = build_class(root, "large", args.submissions)
        small, built_small = build_class(root, "small", args.small)
        book = (large / "gradebook.sqlite").stat().st_size
        print(f"classes built through grade_folder (recorded verdicts, nothing trains): "
              f"{args.submissions} submissions in {built_large:.1f} s (gradebook "
              f"{book / 1024 / 1024:.1f} MiB), {args.small} in {built_small:.1f} s")  # fmt: skip
        process, port = serve(large, small)
        try:
            pages = {
                "class overview": "/c/{slug}/",
                "submission page": "/c/{slug}/s/" + quote("student_0001", safe=""),
                "report": "/c/{slug}/report/" + quote("student_0001", safe=""),
                "live fragment": "/c/{slug}/live",
            }
            print(f"\n{args.requests} sequential GETs of each page after {args.warmup} to warm "
                  "up, each on a new connection, loopback (ms):")  # fmt: skip
            large_n, small_n = f"{args.submissions} subm.", f"{args.small} subm."
            print(f"{'':16} {large_n:>19} {small_n:>19} {'ratio of':>9} {'bytes':>10}")
            print(f"{'page':16} {'median':>9} {'p95':>9} {'median':>9} {'p95':>9} "
                  f"{'medians':>9} {'(large)':>10}")  # fmt: skip
            for name, pattern in pages.items():
                large_s, size = timed(
                    port, pattern.format(slug="large"), args.requests, args.warmup
                )
                small_s, _ = timed(port, pattern.format(slug="small"), args.requests, args.warmup)
                ratio = statistics.median(large_s) / statistics.median(small_s)
                print(f"{name:16} {statistics.median(large_s) * 1000:9.1f} "
                      f"{p95(large_s) * 1000:9.1f} {statistics.median(small_s) * 1000:9.1f} "
                      f"{p95(small_s) * 1000:9.1f} {ratio:9.1f} {size:10,d}")  # fmt: skip
        finally:
            process.terminate()
            process.wait(30)


if __name__ == "__main__":
    main()
