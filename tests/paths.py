"""Where the tests find things: the checkout's folders, named once for every test module.

Imported as a top-level module, like needs.py (pytest puts tests/ on sys.path: no __init__.py).
A path only one test module uses stays in that module.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout
TESTS = ROOT / "tests"  # this folder
FIXTURES = TESTS / "fixtures" / "reports"  # recorded results (scripts/make-report-fixtures.py)
SUBMISSIONS = TESTS / "submissions"  # hand-written submissions, a folder per exercise
SOLUTIONS = ROOT / "solutions"  # the reference solutions, one per exercise
SAMPLES = ROOT / "samples"  # small sample classes, a folder per exercise
EXERCISES = ROOT / "exercises"  # the exercise specs (exercise.toml, starter, ...)
