"""Grading a class, as ratios measured side by side in one run (absolute times are noise here).

    python benchmarks/batch.py [--jobs 2] [--timeout 60] [--compare-jobs]

The class is `benchmarks/class/` (12 submissions: correct and wrong ones of both exercises, two
exact duplicates, two syntax errors, one that hangs; see its README). For each exercise in turn:

  - plain `python` on every submission, one after another (notebooks as their code cells joined),
    the data served as the grader serves it (benchmarks/plain_run.py); the hang is cut at the
    same time limit the grader uses
  - `grader grade -j N --timeout T` on the exercise's folder (a fresh output folder)
  - `jupyter nbconvert --execute` on every submission's notebook version (modules as one cell),
    the data served by an IPython startup file (as benchmarks/overhead.py does), same cut

then prints grader / plain python and grader / nbconvert over the whole class, the wall time of
a second, unchanged `grader grade` of both exercises, a resume test (SIGKILL after half the
class, then a re-run: what was graded again), and the per-submission cost with what a class of
1,000 costs on N workers. `--compare-jobs` also grades the Fashion-MNIST half with -j 1 and -j 2
(fresh each time), the measurement behind the default -j.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLASS = ROOT / "benchmarks" / "class"
EXERCISES = ("mnist_callback", "fashion_mnist")
sys.path.insert(0, str(ROOT / "benchmarks"))

from overhead import nbconvert_env  # noqa: E402


def run_cut(argv: list[str], timeout: float, env: dict[str, str] | None = None) -> float:
    """Wall time of a command, its whole process group killed at `timeout` (as the grader does)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return time.perf_counter() - started


def as_module(path: Path, folder: Path) -> Path:
    if path.suffix == ".py":
        return path
    notebook = nbformat.read(path, as_version=4)
    lines = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            lines += [
                ln for ln in cell.source.splitlines() if not ln.lstrip().startswith(("%", "!"))
            ]
            lines.append("")
    target = folder / f"{path.stem}.py"
    target.write_text("\n".join(lines), encoding="utf-8")
    return target


def as_notebook(path: Path, folder: Path) -> Path:
    if path.suffix == ".ipynb":
        return path
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(path.read_text(encoding="utf-8"))]
    target = folder / f"{path.stem}.ipynb"
    nbformat.write(notebook, target)
    return target


def grade(exercise: str, out: Path, jobs: int, timeout: float, folder: Path | None = None) -> float:
    argv = [str(BIN / "grader"), "grade", str(folder or CLASS / exercise), "-e", exercise,
            "--out", str(out), "-j", str(jobs), "--timeout", str(timeout)]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        sys.exit(f"grader grade failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db, timeout=30) as con:
        return con.execute(sql, params).fetchall()


def resume_test(exercise: str, out: Path, jobs: int, timeout: float) -> dict[str, int]:
    """SIGKILL `grader grade` once half the class has a verdict; run it again; count."""
    total = len([p for p in (CLASS / exercise).iterdir() if p.suffix in (".py", ".ipynb")])
    book = out / "gradebook.sqlite"
    argv = [str(BIN / "grader"), "grade", str(CLASS / exercise), "-e", exercise,
            "--out", str(out), "-j", str(jobs), "--timeout", str(timeout)]  # fmt: skip
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    recorded = 0
    while recorded < (total + 1) // 2:
        if proc.poll() is not None:
            sys.exit("the batch finished before half of it was recorded; nothing to kill")
        time.sleep(0.2)
        if book.exists():
            recorded = query(book, "SELECT COUNT(*) FROM grades WHERE run_id = 1")[0][0]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = query(book, "SELECT COUNT(*) FROM grades WHERE run_id = 1")[0][0]
    verdicts_before = query(book, "SELECT COUNT(*) FROM results")[0][0]
    subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
    origins = dict(
        query(book, "SELECT origin, COUNT(*) FROM grades WHERE run_id = 2 GROUP BY origin")
    )
    rows, distinct = query(book, "SELECT COUNT(*), COUNT(DISTINCT cache_key) FROM results")[0]
    return {
        "total": total,
        "recorded_before_kill": before,
        "verdicts_before_kill": verdicts_before,
        "reused": origins.get("cache", 0),
        "regraded": origins.get("graded", 0),
        "duplicates": origins.get("duplicate", 0),
        "verdict_rows": rows,
        "duplicate_verdict_rows": rows - distinct,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", "-j", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--compare-jobs", action="store_true", help="also time -j 1 vs -j 2")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    plain_s, grader_s, nbconvert_s = {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        nb_env = nbconvert_env(work / "ipython")
        for exercise in EXERCISES:
            versions = work / "versions" / exercise
            versions.mkdir(parents=True)
            files = sorted(p for p in (CLASS / exercise).iterdir() if p.suffix in (".py", ".ipynb"))
            plain_s[exercise] = sum(
                run_cut(
                    [
                        sys.executable,
                        str(ROOT / "benchmarks" / "plain_run.py"),
                        str(as_module(p, versions)),
                    ],
                    args.timeout,
                    env,
                )
                for p in files
            )
            grader_s[exercise] = grade(exercise, work / "out" / exercise, args.jobs, args.timeout)
            nbconvert_s[exercise] = sum(
                run_cut(
                    [
                        str(BIN / "jupyter"),
                        "nbconvert",
                        "--to",
                        "notebook",
                        "--execute",
                        "--output",
                        str(work / "executed.ipynb"),
                        str(as_notebook(p, versions)),
                    ],
                    args.timeout,
                    nb_env,
                )
                for p in files
            )
        second = [grade(e, work / "out" / e, args.jobs, args.timeout) for e in EXERCISES]
        graded = []
        for exercise in EXERCISES:
            graded += query(
                work / "out" / exercise / "gradebook.sqlite",
                "SELECT status, duration_s, submission_id, passed FROM results",
            )
        resume = resume_test("fashion_mnist", work / "resume", args.jobs, args.timeout)
        comparison = {}
        if args.compare_jobs:
            for jobs in (1, 2):
                comparison[jobs] = grade("fashion_mnist", work / f"j{jobs}", jobs, args.timeout)

    total_grader, total_plain, total_nb = (
        sum(d.values()) for d in (grader_s, plain_s, nbconvert_s)
    )
    print(f"class: 12 submissions in {CLASS.relative_to(ROOT)}, -j {args.jobs}, "
          f"--timeout {args.timeout:g}, cores: {os.cpu_count()}")  # fmt: skip
    for exercise in EXERCISES:
        print(f"  {exercise:15} grader {grader_s[exercise]:6.1f} s   plain python "
              f"{plain_s[exercise]:6.1f} s   nbconvert {nbconvert_s[exercise]:6.1f} s")  # fmt: skip
    print(f"grader grade -j {args.jobs} / sequential plain python: {total_grader / total_plain:.3f}"
          f"  ({total_grader:.1f} s vs {total_plain:.1f} s)  target <= 0.8")  # fmt: skip
    print(f"grader grade -j {args.jobs} / sequential nbconvert --execute: "
          f"{total_grader / total_nb:.3f}  ({total_grader:.1f} s vs {total_nb:.1f} s)"
          "  target <= 0.7")  # fmt: skip
    print(f"second, unchanged run (both exercises): {sum(second):.2f} s "
          f"({' + '.join(f'{s:.2f}' for s in second)})  target < 3 s")  # fmt: skip
    print("resume after SIGKILL (fashion_mnist, 6 submissions): " + json.dumps(resume))
    print(
        "graded once each: "
        + ", ".join(
            f"{sid} {'passed' if ok else status if status != 'graded' else 'failed'} {d:.0f} s"
            for status, d, sid, ok in sorted(graded, key=lambda row: row[2])
        )
    )
    trainings = [d for status, d, _, _ in graded if status == "graded" and d > 1.0]
    hangs = [d for status, d, _, _ in graded if status == "timeout"]
    cost = statistics.mean(trainings)
    print(f"cost per submission that trains: {cost:.1f} worker-seconds on one {args.jobs}-way "
          f"shared core (mean of {len(trainings)}; a hang costs the --timeout, "
          f"{statistics.mean(hangs) if hangs else 0:.0f} s)")  # fmt: skip
    for workers in (2, 8, 32):
        print(f"  1,000 distinct submissions on {workers:2d} one-thread workers: "
              f"{1000 * cost / workers / 60:6.1f} min")  # fmt: skip
    if comparison:
        print(f"fashion_mnist half: -j 1 (2 threads) {comparison[1]:.1f} s, -j 2 (1 thread each) "
              f"{comparison[2]:.1f} s, ratio {comparison[2] / comparison[1]:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
