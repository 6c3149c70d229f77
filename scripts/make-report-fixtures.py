#!/usr/bin/env python3
"""Regenerate tests/fixtures/reports/*.json from real gradings of the test submissions.

Run it from the repository (about ten real trainings, a few minutes):

    .venv/bin/python scripts/make-report-fixtures.py

Each fixture is the `results.json` shape of one grading, stamped with the result model's
fingerprint (`grader.results.schema`); tests/results/test_fixtures.py fails when the model changed since.
The
hand-made hostile fixture (synthetic/hostile.json: markup in every field, which no real grading
produces in all places at once) is re-read and re-written through the result model, so it gains
new fields with their defaults, and stamped too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.grading.pipeline import GradeOptions, grade_submission  # noqa: E402
from grader.results import GradeReport, read_results  # noqa: E402
from grader.results.schema import schema_fingerprint  # noqa: E402
from grader.spec.exercise import load_exercise  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "reports"
SUBMISSIONS = Path("tests") / "submissions"
# (exercise, submission): each becomes tests/fixtures/reports/<exercise>-<file stem>.json
GRADED = [
    *(("mnist_callback", SUBMISSIONS / "mnist_callback" / name) for name in (
        "callback_not_passed.py", "gt_threshold.py", "no_flatten.ipynb",
        "published_solution.ipynb", "slash_n_message.ipynb", "syntax_error.py",
        "wrong_message.py",
    )),
    # a model the evaluator refuses to load: a check with status "error"
    ("mnist_callback", SUBMISSIONS / "hostile" / "lambda_model.py"),
    *(("fashion_mnist", SUBMISSIONS / "fashion_mnist" / name) for name in (
        "broken_json.ipynb", "last_layer_5.ipynb", "no_metrics.py", "no_normalization.py",
        "too_many_epochs.py",
    )),
]  # fmt: skip


def write(report: GradeReport, target: Path) -> None:
    data = {"schema": schema_fingerprint(), **report.to_dict()}
    target.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}", flush=True)


def main() -> None:
    only = set(sys.argv[1:])  # file names: regenerate just these
    for exercise, relative in GRADED:
        if only and relative.name not in only:
            continue
        result = grade_submission(relative, load_exercise(exercise), GradeOptions())
        write(GradeReport(exercise, [result]), FIXTURES / f"{exercise}-{relative.stem}.json")
    hostile = FIXTURES / "synthetic" / "hostile.json"
    if not only:
        write(read_results(hostile), hostile)


if __name__ == "__main__":
    main()
