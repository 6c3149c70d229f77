"""Grading again from the workbench: the class's last `grader grade` command line run again in
the background (the real CLI, twice), for the stale submissions or for one; refused while a run
of the class is in progress. The class: two submissions with a syntax error, so nothing trains."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import Server, serving

from grader.classroom.gradebook import FILENAME
from grader.web.regrading import rerun_argv

pytestmark = pytest.mark.integration  # runs `grader grade` and `grader serve`


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("ada", "bob"):
        (folder / f"{name}.py").write_text(f"print('{name}'\n")  # a syntax error: no training
    out = tmp_path / "out"
    graded = subprocess.run(
        [sys.executable, "-m", "grader.cli", "grade", str(folder), "-e", "mnist_callback",
         "--out", str(out), "--isolation", "process", "--no-similarity"],
        capture_output=True, cwd=tmp_path, timeout=300, text=True,
    )  # fmt: skip
    assert graded.returncode == 1, graded.stderr[-2000:]  # graded; both fail
    return out


@pytest.fixture
def server(out: Path) -> Iterator[Server]:
    with serving(str(out)) as running:
        yield running


def _runs(out: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(out / FILENAME) as db:
        return db.execute("SELECT id, status FROM runs ORDER BY id").fetchall()


def _origins(out: Path, run_id: int) -> dict[str, str]:
    with sqlite3.connect(out / FILENAME) as db:
        rows = db.execute("SELECT submission_id, origin FROM grades WHERE run_id = ?", (run_id,))
        return dict(rows.fetchall())


def _wait_for_run(out: Path, count: int) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        runs = _runs(out)
        if len(runs) >= count and runs[-1][1] != "running":
            return runs[-1][0]
        time.sleep(0.5)
    raise AssertionError(f"no finished run #{count}: {_runs(out)}")


def _csrf(html: str, form: str) -> str:
    part = html[html.index(f'id="{form}"') :]
    found = re.search(r'name="csrf" value="([^"]+)"', part)
    assert found, part[:300]
    return found.group(1)


def test_one_submission_and_the_stale_ones_are_graded_again_from_the_page(
    server: Server, out: Path
) -> None:
    client = server.client()
    page = client.get("/c/out/s/ada")
    assert page.status == 200, page.text[:300]
    reply = client.post("/c/out/regrade", {"csrf": _csrf(page.text, "regrade-one"), "which": "ada"})
    assert reply.status == 303
    second = _wait_for_run(out, 2)
    assert _origins(out, second) == {"ada": "graded", "bob": "cache"}

    page = client.get("/c/out/")
    reply = client.post(
        "/c/out/regrade", {"csrf": _csrf(page.text, "regrade-stale"), "which": "stale"}
    )
    assert reply.status == 303
    third = _wait_for_run(out, 3)
    assert _origins(out, third) == {"ada": "cache", "bob": "cache"}  # nothing changed since


def test_refused_without_csrf_for_an_unknown_id_and_while_a_run_goes_on(
    server: Server, out: Path
) -> None:
    client = server.client()
    csrf = _csrf(client.get("/c/out/").text, "regrade-stale")
    assert client.post("/c/out/regrade", {"which": "stale"}).status == 403
    unknown = client.post("/c/out/regrade", {"csrf": csrf, "which": "nobody"})
    assert unknown.status == 404 and "Traceback" not in unknown.text
    with sqlite3.connect(out / FILENAME) as db:  # a grading of the class in progress
        db.execute("UPDATE runs SET status = 'running' WHERE id = (SELECT MAX(id) FROM runs)")
    busy = client.post("/c/out/regrade", {"csrf": csrf, "which": "stale"})
    assert busy.status == 409 and "running" in busy.text
    assert len(_runs(out)) == 1  # nothing started


def test_the_rerun_keeps_the_command_line_and_decides_what_is_graded_again() -> None:
    args = {"argv": ["grade", "class", "-e", "x", "--regrade", "--regrade-only", "old", "-j", "2"]}
    assert rerun_argv(args, "stale") == ["grade", "class", "-e", "x", "-j", "2"]
    assert rerun_argv(args, "ada") == [
        "grade", "class", "-e", "x", "-j", "2", "--regrade-only", "ada"
    ]  # fmt: skip
