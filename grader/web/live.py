"""The class page's live view: while `grader grade` runs on a class (in another terminal), its
progress, ETA, the epoch of each grading in flight and the verdicts as they land, read from the
live board the grading process keeps in the gradebook's file (grader.classroom.live).

    GET /c/<class>/live    an HTML fragment; the page's script fetches it again every few
                           seconds and reloads the page once when a run ends
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from grader.classroom.gradebook import Gradebook
from grader.classroom.live import LiveJob, LiveProgress, read_live
from grader.web.classes import ServedClass
from grader.web.render import page
from grader.web.state import workbench

RECENT = 8  # verdicts shown as they land


@dataclass(frozen=True)
class LiveView:
    run: dict[str, Any] | None  # the newest run written to the class's folder
    progress: LiveProgress | None
    jobs: list[LiveJob]  # in flight
    recent: list[dict[str, Any]]  # the last verdicts recorded, newest first

    @property
    def running(self) -> bool:
        return self.run is not None and self.run["status"] == "running"

    @property
    def eta(self) -> str:
        """The time left, in words: the board's estimate less the time since it was written
        (the board is written at each epoch and verdict, the page reads it later)."""
        p = self.progress
        if p is None or p.eta_s is None or p.done >= p.total:
            return ""
        return eta_words(p.eta_s - seconds_since(p.updated_at))


def seconds_since(stamp: str) -> float:
    try:
        then = datetime.fromisoformat(stamp)
    except ValueError:
        return 0.0
    return max((datetime.now(UTC) - then).total_seconds(), 0.0)


def eta_words(left_s: float) -> str:
    """An ETA as a person reads it: never "0.0 min" while work remains."""
    if left_s < 60:
        return "under a minute"
    minutes = left_s / 60
    return f"about {round(minutes)} min" if minutes >= 1.5 else "about a minute"


def live_view(served: ServedClass) -> LiveView:
    with Gradebook(served.gradebook) as book:
        runs = [
            r
            for r in book.runs()
            if json.loads(r["args"] or "{}").get("out_dir") in (None, str(served.out_dir))
        ]
        run = runs[-1] if runs else None
        recent = book.recent_grades(run["id"], RECENT) if run else []
    if run is None:
        return LiveView(None, None, [], [])
    progress, jobs = read_live(served.gradebook, run["id"], running_only=True)
    return LiveView(run, progress, jobs, recent)


def live_fragment(request: Request) -> HTMLResponse:
    served = workbench(request).served(request.path_params["slug"])
    return HTMLResponse(page("wb_live.html.j2", live=live_view(served), slug=served.slug))
