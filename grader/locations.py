"""Where the grader's own files are: one home for every path computed from the package itself."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent  # the `grader` package folder
IMPORT_ROOT = PACKAGE_DIR.parent  # the folder `grader` is imported from (a checkout, site-packages)
CHECKOUT_EXERCISES = IMPORT_ROOT / "exercises"  # a checkout's exercise folders
INSTALLED_EXERCISES = PACKAGE_DIR / "_exercises"  # the copy `pip install .` ships in the package
