"""The workbench's pages (GET): the classes, a class, a submission with its corrections panel,
the report it frames (`grader.report.render_report`, the one way a report is rendered), the
files `grader grade` wrote beside the class, and the page's own script.

Every handler is synchronous (Starlette runs it in its thread pool), opens the gradebook for the
time of the request and reads it through grader.web.classes.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from grader.report import render_report
from grader.report.class_view import index_page
from grader.results import GradeReport
from grader.web.classes import SubmissionState, class_stamp, read_class, read_submission
from grader.web.live import live_view
from grader.web.overview import read_overview
from grader.web.render import page, url_part
from grader.web.security import CONTENT_TYPES, FILE_CSP, safe_file
from grader.web.state import workbench

SAVED = {
    "override": "Override saved; the reports and exports in the class folder were written again.",
    "removed": "Override removed (kept in the history); the reports were written again.",
    "comment": "Comment saved.",
}


def common(request: Request) -> dict[str, Any]:
    """What every page's layout needs: who corrects, the CSRF value, where we are."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return {"user": workbench(request).who(request), "csrf": request.state.csrf, "here": here}


def home(request: Request) -> HTMLResponse:
    states = [read_class(c) for c in workbench(request).classes.values()]
    return HTMLResponse(page("wb_home.html.j2", classes=states, **common(request)))


def class_page(request: Request) -> HTMLResponse:
    """The class: its figures and one page of its rows (grader.web.overview: filtered, sorted
    and counted by SQL); the review queue's and the releases' counts from the class's state."""
    served = workbench(request).served(request.path_params["slug"])
    overview = read_overview(served, request.query_params)
    state = read_class(served)
    links = {r.id: f"/c/{served.slug}/s/{url_part(r.id)}" for r in overview.finals}
    view = index_page(GradeReport(state.exercise, overview.finals), links, state.title, [])
    return HTMLResponse(
        page(
            "wb_class.html.j2",
            state=state,
            view=view,
            o=overview,
            live=live_view(served),
            slug=served.slug,
            **common(request),
        )
    )


def _submission(request: Request) -> SubmissionState:
    served = workbench(request).served(request.path_params["slug"])
    state = read_submission(served, request.path_params["sid"])
    if state is None:
        raise HTTPException(404, "no such submission in this class's latest run")
    return state


def submission_page(request: Request) -> HTMLResponse:
    state = _submission(request)
    saved = SAVED.get(request.query_params.get("saved", ""), "")
    return HTMLResponse(
        page("wb_submission.html.j2", s=state, saved=saved, form=None, **common(request))
    )


def report(request: Request) -> HTMLResponse:
    """The submission's report, rendered now from the gradebook (as `grader report` writes it),
    sandboxed and without script, framed by the submission page."""
    state = _submission(request)
    if state.base.status == "missing":
        raise HTTPException(404, "no report: this student handed nothing in")
    html = render_report(state.final, state.spec())
    return HTMLResponse(html, headers={"Content-Security-Policy": FILE_CSP})


def class_file(request: Request) -> Response:
    """A file `grader grade` wrote into the class's folder (exports, static reports); nothing
    outside it, never the gradebook."""
    served = workbench(request).served(request.path_params["slug"])
    target = safe_file(served.out_dir, request.path_params["path"])
    if target is None:
        raise HTTPException(404, "no such file in this class's folder")
    return Response(
        target.read_bytes(),
        media_type=CONTENT_TYPES[target.suffix.lower()],
        headers={"Content-Security-Policy": FILE_CSP},
    )


def stamp(request: Request) -> PlainTextResponse:
    """The class's stamp now: a page drawn at another one shows it was overtaken (a correction
    made in another tab or by someone else, a run that ended)."""
    served = workbench(request).served(request.path_params["slug"])
    return PlainTextResponse(class_stamp(served), headers={"Cache-Control": "no-store"})


@cache
def _script() -> bytes:
    return (files("grader.web") / "static" / "workbench.js").read_bytes()


def script(request: Request) -> Response:
    return Response(_script(), media_type="text/javascript; charset=utf-8")
