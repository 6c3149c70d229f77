"""Every shell and Python example of the docs runs as written (issue 29).

The examples of one page run in order in one scratch folder, as a reader types them one after
the other; the folder sees the checkout's folders (exercises, samples, solutions, tests, ...)
through symbolic links, so a command writes its reports there and never into the checkout.
`grader` and `python` are the virtualenv's. An example that trains is marked `slow`
(docs_examples.py says how) and runs in that tier; one that cannot run as it stands is marked
`not run` with the reason, and shows here as a skip with that reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from docs_examples import Example, all_examples
from paths import ROOT

pytestmark = pytest.mark.integration

# What an example may name relative to the checkout's root.
SHARED = ("exercises", "samples", "solutions", "tests", "benchmarks", "gradescope", "scripts")


def _params() -> list[object]:
    params = []
    for example in all_examples():
        marks: list[pytest.MarkDecorator] = []
        if example.slow:
            marks += [pytest.mark.slow, pytest.mark.timeout(1200)]
        if example.not_run:
            marks.append(pytest.mark.skip(reason=f"not run: {example.not_run}"))
        params.append(pytest.param(example, id=example.name, marks=marks))
    return params


_SCRATCH: dict[Path, Path] = {}  # a page's folder, made at its first example


def _scratch(page: Path, factory: pytest.TempPathFactory) -> Path:
    if page not in _SCRATCH:
        folder = factory.mktemp(page.stem)
        for name in SHARED:
            (folder / name).symlink_to(ROOT / name, target_is_directory=True)
        venv = Path(sys.executable).parent.parent
        (folder / ".venv").symlink_to(venv, target_is_directory=True)
        _SCRATCH[page] = folder
    return _SCRATCH[page]


@pytest.mark.parametrize("example", _params())
def test_the_example_runs(example: Example, tmp_path_factory: pytest.TempPathFactory) -> None:
    scratch = _scratch(example.path, tmp_path_factory)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    if example.language == "sh":
        command = ["bash", "-e", "-o", "pipefail", "-c", example.code]
    else:
        command = [sys.executable, "-c", example.code]
    run = subprocess.run(
        command,
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        timeout=1100 if example.slow else 300,
        check=False,
    )
    assert run.returncode == example.exit_code, (
        f"{example.name} exited {run.returncode}, expected {example.exit_code}\n"
        f"--- code\n{example.code}--- stdout\n{run.stdout[-3000:]}\n--- stderr\n"
        f"{run.stderr[-3000:]}"
    )
