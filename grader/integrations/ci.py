"""`grader init-ci`: a GitHub Actions workflow grading the submissions a pull request changes."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, StrictUndefined

DEFAULT_PATH = Path(".github/workflows/grader.yml")

# GitHub's own `${{ ... }}` expressions are written through jinja's variable syntax below.
_WORKFLOW = """\
# Written by `grader init-ci`. Grades the submissions a pull request adds or changes under
# {{ folder }}/, annotates the student's lines, uploads the HTML reports and fails the job
# when a check fails.
name: grade submissions

on:
  pull_request:
    paths:
      - "{{ folder }}/**"

permissions:
  contents: read

jobs:
  grade:
    runs-on: ubuntu-latest
    timeout-minutes: 60
    steps:
      - name: Check out the pull request
        uses: actions/checkout@v4
        with:
          fetch-depth: 0

      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "3.11"

      - name: Install the grader
        run: |
          sudo apt-get update -q
          sudo apt-get install -y -q bubblewrap dataset-fashion-mnist || true
          python -m pip install --upgrade pip
          python -m pip install {{ install }}

      - name: Cache the data sets
        uses: actions/cache@v4
        with:
          path: ~/.cache/grader/datasets
          key: grader-datasets-v1

      - name: Provision the data sets
        run: grader data fetch

      - name: Find the changed submissions
        env:
          BASE_REF: {{ gh("github.base_ref") }}
        run: |
          # In a git pathspec `*` also matches `/`: these find files at any depth.
          git diff --name-only --diff-filter=AMR "origin/$BASE_REF...HEAD" -- \\
            '{{ folder }}/*.ipynb' '{{ folder }}/*.py' | sort -u > changed-submissions.txt
          echo "Changed submissions:"
          cat changed-submissions.txt

      - name: Grade
        run: |
          mkdir -p grader-reports
          status=0
          while IFS= read -r file; do
            [ -n "$file" ] || continue
            name=$(basename "${file%.*}")
            grader check "$file" --exercise {{ exercise }} --github \\
              --html "grader-reports/$name.html" --junit "grader-reports/$name.junit.xml" \\
              || { code=$?; [ "$code" -gt "$status" ] && status=$code; }
          done < changed-submissions.txt
          exit $status

      - name: Upload the reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: grader-reports
          path: grader-reports/
          if-no-files-found: ignore
"""


def render_workflow(exercise: str, folder: str = "submissions", install: str = "grader") -> str:
    environment = Environment(undefined=StrictUndefined, keep_trailing_newline=True)
    template = environment.from_string(_WORKFLOW)
    return template.render(
        exercise=exercise,
        folder=folder.strip("/"),
        install=install,
        gh=lambda expression: "${{ " + expression + " }}",
    )


def write_workflow(
    exercise: str,
    path: Path = DEFAULT_PATH,
    folder: str = "submissions",
    install: str = "grader",
    force: bool = False,
) -> Path:
    from grader.errors import UsageError

    if path.exists() and not force:
        raise UsageError(f"{path} exists; pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_workflow(exercise, folder, install), encoding="utf-8")
    return path
