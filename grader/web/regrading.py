"""Gradings started from the workbench: the class's last `grader grade` run again, in the
background, with the same command line (so on the same executor, local or Dask, with the same
limits), either for every stale submission (a plain rerun regrades exactly those whose cache key
changed: a new spec or grader) or for one submission (`--regrade-only ID`). The class page then
follows it live (grader.web.live).

    POST /c/<class>/regrade    which=stale | which=<submission id>    (CSRF)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from grader.classroom.gradebook import Gradebook
from grader.web.actions import form_field, read_form
from grader.web.classes import ServedClass, has_submission
from grader.web.live import live_view
from grader.web.state import workbench

# Flags of the original command line a rerun drops: it decides what is graded again itself.
DROPPED_FLAGS = ("--regrade",)
DROPPED_OPTIONS = ("--regrade-only",)  # each followed by its value


def rerun_argv(args: dict[str, Any], which: str) -> list[str]:
    """The last run's `grader grade` arguments, for a rerun of `which` ("stale" or an id)."""
    argv = [str(a) for a in args.get("argv") or []]
    if not argv or argv[0] != "grade":
        raise HTTPException(409, "this class's last run was not started by `grader grade`")
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in DROPPED_FLAGS:
            continue
        if arg in DROPPED_OPTIONS:
            skip = True
            continue
        if any(arg.startswith(f"{option}=") for option in DROPPED_OPTIONS):
            continue
        kept.append(arg)
    return kept if which == "stale" else [*kept, "--regrade-only", which]


def start_regrade(served: ServedClass, which: str, user: str) -> subprocess.Popen[bytes]:
    """Start the rerun as its own process (it outlives a page; the gradebook records it)."""
    with Gradebook(served.gradebook) as book:
        run_id = book.latest_run(None, str(served.out_dir))
        if run_id is None:
            raise HTTPException(404, "this class has no graded run to start again")
        args = book.run_args(run_id)
    argv = rerun_argv(args, which)
    cwd = Path(args.get("cwd") or served.out_dir)
    log = served.out_dir / "workbench-grading.log"
    env = {**os.environ, "GRADER_STARTED_BY": user}
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "grader.cli", *argv],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # not the server's: stopping the server leaves it running
        )


async def regrade(request: Request) -> Response:
    form = await read_form(request)
    served = workbench(request).served(request.path_params["slug"])
    which = form_field(form, "which", limit=300).strip()
    if which != "stale" and not has_submission(served, which):
        raise HTTPException(404, f"no submission {which[:80]!r} in this class")
    if live_view(served).running:
        raise HTTPException(409, "a grading of this class is running: wait for it to finish")
    start_regrade(served, which, workbench(request).who(request))
    return RedirectResponse(f"/c/{served.slug}/", status_code=303)


__all__ = ["regrade", "rerun_argv", "start_regrade"]
