"""Overhead of grading, as ratios measured side by side in one run (absolute times are noise here).

    python benchmarks/overhead.py [--repeat N] [--exercise mnist_callback]

Prints:
  - `grader check` on the reference module  /  plain `python` on the same module
  - `grader check` on the reference notebook  /  `jupyter nbconvert --execute` of it
  - seconds to a verdict for a submission with a syntax error (no TensorFlow on that path)
Each pair's order alternates (plain then grader, grader then plain, ...) so drift on a noisy
machine hits both sides; a ratio is the median of the pairs' ratios.
Both sides get the data from the grader's verified cache (Keras cannot download it offline).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SYNTAX_ERROR = ROOT / "tests" / "submissions" / "mnist_callback" / "syntax_error.py"


def timed(argv: list[str], env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode not in ok:
        sys.exit(
            f"benchmark run failed ({proc.returncode}): {' '.join(argv)}\n{proc.stderr[-2000:]}"
        )
    return elapsed


def nbconvert_env(home: Path) -> dict[str, str]:
    """An IPython profile whose startup file serves the data sets, for the nbconvert baseline."""
    startup = home / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-data.py").write_text(
        f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n"
        "import plain_run; plain_run.serve_datasets(); plain_run.same_seed()\n"
    )
    return {**os.environ, "IPYTHONDIR": str(home), "PYTHONPATH": str(ROOT)}


def ratio(pairs: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Median times, and the median of the per-pair ratios (robust to a slow spell)."""
    base = statistics.median(p[0] for p in pairs)
    grader = statistics.median(p[1] for p in pairs)
    return base, grader, statistics.median(g / b for b, g in pairs)


def pair(baseline: Callable[[], float], graded: Callable[[], float], i: int) -> tuple[float, float]:
    """One baseline and one graded run, in alternating order so drift favours neither."""
    if i % 2:
        g = graded()
        return baseline(), g
    b = baseline()
    return b, graded()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="pairs of runs per comparison")
    parser.add_argument("--exercise", default="mnist_callback")
    args = parser.parse_args()
    module = ROOT / "solutions" / f"{args.exercise}.py"
    notebook = ROOT / "solutions" / f"{args.exercise}.ipynb"
    grader = str(BIN / "grader")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    syntax = [timed([grader, "check", str(SYNTAX_ERROR), "-q"], ok=(1,)) for _ in range(3)]

    module_pairs = []
    plain_argv = [sys.executable, str(ROOT / "benchmarks" / "plain_run.py"), str(module)]
    for i in range(args.repeat):
        module_pairs.append(
            pair(
                lambda: timed(plain_argv, env),
                lambda: timed([grader, "check", str(module), "-q"]),
                i,
            )
        )

    notebook_pairs = []
    with tempfile.TemporaryDirectory() as tmp:
        nb_env = nbconvert_env(Path(tmp) / "ipython")
        out = Path(tmp) / "executed.ipynb"
        nbconvert = [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                     "--output", str(out), str(notebook)]  # fmt: skip
        for i in range(args.repeat):
            notebook_pairs.append(
                pair(
                    lambda: timed(nbconvert, nb_env),
                    lambda: timed([grader, "check", str(notebook), "-q"]),
                    i,
                )
            )

    print(
        f"exercise: {args.exercise}, pairs per comparison: {args.repeat}, cores: {os.cpu_count()}"
    )
    base, graded, r = ratio(module_pairs)
    print(
        f"grader check / plain python (module):      {r:.3f}  ({graded:.1f} s vs {base:.1f} s)"
        f"  target <= 1.15"
    )
    base, graded, r = ratio(notebook_pairs)
    print(
        f"grader check / nbconvert --execute (notebook): {r:.3f}  ({graded:.1f} s vs {base:.1f} s)"
        f"  target <= 1.10"
    )
    print(
        f"syntax error to verdict:                   {statistics.median(syntax):.2f} s"
        f"  target < 1.5 s"
    )


if __name__ == "__main__":
    main()
