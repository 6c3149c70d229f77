"""Feedback release (grader.classroom.release): the release page (GET), the zip for an LMS
(POST with CSRF: building it records the release, one gradebook transaction), and a preview of
one submission's feedback as released (its report with the overrides and the comments).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from grader.classroom.classbook import report_names
from grader.classroom.gradebook import Gradebook, Release, now
from grader.classroom.release import LAYOUTS, plan_release, released_name, zip_bytes
from grader.report import render_report
from grader.spec.exercise import load_exercise
from grader.web.actions import form_field, read_form
from grader.web.classes import ClassState, read_class, read_submission
from grader.web.pages import common
from grader.web.render import page
from grader.web.security import FILE_CSP
from grader.web.state import workbench

WHICH = {"all": "every submission", "pending": "only those not yet released as they stand"}


@dataclass(frozen=True)
class Batch:
    """One release: who, when, in which layout, how many submissions."""

    at: str
    user: str
    layout: str
    count: int


def _batches(state: ClassState) -> list[Batch]:
    found: dict[tuple[str, str, str], int] = {}
    for r in state.releases:
        key = (r.at, r.user, r.layout)
        found[key] = found.get(key, 0) + 1
    return [Batch(*key, count) for key, count in sorted(found.items(), reverse=True)]


def release_page(request: Request) -> HTMLResponse:
    state = read_class(workbench(request).served(request.path_params["slug"]))
    handed = [r for r in state.results if r.status != "missing"]
    links = report_names([r.id for r in handed])
    names = {
        r.id: {layout: released_name(r, layout, links[r.id]) for layout in LAYOUTS} for r in handed
    }
    counts = {layout: sum(1 for n in names.values() if n[layout][0]) for layout in LAYOUTS}
    pending = sum(1 for f in state.feedback.values() if not f.released)
    named = [layout for layout in LAYOUTS if layout != "files" and counts[layout]]
    chosen = max(named, key=lambda layout: counts[layout]) if named else "files"
    return HTMLResponse(
        page(
            "wb_release.html.j2",
            state=state,
            handed=handed,
            names=names,
            counts=counts,
            pending=pending,
            layouts=LAYOUTS,
            chosen=chosen,
            which=WHICH,
            batches=_batches(state),
            **common(request),
        )
    )


async def release(request: Request) -> Response:
    form = await read_form(request)
    wb = workbench(request)
    served = wb.served(request.path_params["slug"])
    layout = form_field(form, "layout", limit=20)
    if layout not in LAYOUTS:
        raise HTTPException(400, f"the layout must be one of {', '.join(LAYOUTS)}")
    which = form_field(form, "which", limit=20)
    if which not in WHICH:
        raise HTTPException(400, f"'which' must be one of {', '.join(WHICH)}")
    user = wb.who(request)

    def build() -> bytes:
        """The zip, and the release recorded: what is in it is what the gradebook says was
        released (one transaction, under the class's lock)."""
        with wb.locks[served.slug]:
            state = read_class(served)
            only = None
            if which == "pending":
                only = {sid for sid, f in state.feedback.items() if not f.released}
            spec = load_exercise(state.exercise)
            plan = plan_release(state.results, spec, state.notes, layout, only)
            if not plan.files:
                why = "every submission's feedback is already released as it stands"
                if only is None or only:
                    why = f"no submission of this class is named as {layout} names its downloads"
                raise HTTPException(400, f"nothing to release in the {layout} layout: {why}")
            data = zip_bytes(plan)
            at = now()
            released = [
                Release(0, state.exercise, f.submission_id, f.fingerprint, layout, f.name, user, at)
                for f in plan.files
            ]
            with Gradebook(served.gradebook) as book:
                book.add_releases(released)
        return data

    data = await run_in_threadpool(build)
    name = f"{served.slug}-feedback-{layout}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def feedback_preview(request: Request) -> HTMLResponse:
    """One submission's feedback as a release gives it: the report with the comments."""
    served = workbench(request).served(request.path_params["slug"])
    state = read_submission(served, request.path_params["sid"])
    if state is None:
        raise HTTPException(404, "no such submission in this class's latest run")
    if state.base.status == "missing":
        raise HTTPException(404, "no feedback: this student handed nothing in")
    html = render_report(state.final, state.spec(), state.comments)
    return HTMLResponse(html, headers={"Content-Security-Policy": FILE_CSP})
