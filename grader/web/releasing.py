"""Feedback release (grader.classroom.release): the release page (GET), the zip for an LMS
(POST with CSRF: building it records the release, one gradebook transaction), and a preview of
one submission's feedback as released (its report with the overrides and the comments).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from grader.classroom.classbook import report_names
from grader.classroom.gradebook import Comment, Gradebook, Page, Release, RowFilter, now
from grader.classroom.overrides import finalize
from grader.classroom.release import (
    LAYOUTS,
    FeedbackState,
    ReleaseSummary,
    feedback_states,
    plan_release,
    release_summary,
    released_name,
    zip_bytes,
)
from grader.report import render_report
from grader.results import SubmissionResult
from grader.spec.exercise import load_exercise
from grader.web.actions import form_field, read_form
from grader.web.classes import (
    PerChange,
    ServedClass,
    exercise_title,
    read_class_results,
    read_submission,
    state_key,
)
from grader.web.pages import common
from grader.web.render import page
from grader.web.security import FILE_CSP
from grader.web.state import workbench

WHICH = {"all": "every submission", "pending": "only those not yet released as they stand"}


PAGE_SIZE = 50


@dataclass(frozen=True)
class Batch:
    """One release: who, when, in which layout, how many submissions."""

    at: str
    user: str
    layout: str
    count: int


@dataclass(frozen=True)
class ReleaseView:
    """What the release page shows: the class's figures (SQL), one page of its submissions with
    their feedback state and names in each layout, and the past releases."""

    slug: str
    title: str
    summary: ReleaseSummary
    page: Page
    finals: list[SubmissionResult]  # the page's submissions, overrides applied
    feedback: dict[str, FeedbackState]  # of the page's submissions
    names: dict[str, dict[str, tuple[str, str]]]  # id -> layout -> (name, why left out)
    chosen: str  # the layout the form offers first
    batches: list[Batch]


# Each class's report names (classbook.report_names: a name taken twice gets a number, so a
# name depends on the whole class), by the run and row count they were computed at.
_LINKS: dict[tuple[Path, Path], tuple[tuple[int, int], dict[str, str]]] = {}
_LINKS_LOCK = threading.Lock()


def _report_links(book: Gradebook, served: ServedClass, run_id: int) -> dict[str, str]:
    key = (run_id, int(book.scalar("SELECT COUNT(*) FROM class_rows WHERE run_id = ?", (run_id,))))
    where = (served.gradebook, served.out_dir)
    with _LINKS_LOCK:
        known = _LINKS.get(where)
    if known is not None and known[0] == key:
        return known[1]
    links = report_names(book.handed_ids(run_id))
    with _LINKS_LOCK:
        _LINKS[where] = (key, links)
    return links


# Each class's release figures and past releases: counted once per change of the class.
_FIGURES: PerChange[tuple[ReleaseSummary, list[Batch]]] = PerChange()


def _release_figures(
    book: Gradebook, served: ServedClass, run_id: int, exercise: str
) -> tuple[ReleaseSummary, list[Batch]]:
    return _FIGURES.get(
        served,
        state_key(book, served),
        lambda: (
            release_summary(book, run_id, exercise),
            [Batch(*row) for row in book.release_batches(exercise)],
        ),
    )


def read_release_view(served: ServedClass, after: str = "", before: str = "") -> ReleaseView:
    """The release page of a class at any size: its figures counted in SQL, one page of its
    submissions decoded (keyset, in the class's listing order)."""
    with Gradebook(served.gradebook) as book:
        run_id = book.latest_run(None, str(served.out_dir))
        if run_id is None:
            raise HTTPException(404, "the gradebook no longer has this class")
        exercise = book.run_exercise(run_id)
        summary, batches = _release_figures(book, served, run_id, exercise)
        try:
            page = book.class_page(
                run_id, exercise, RowFilter(handed_in=True), "id", False, after, before, PAGE_SIZE
            )
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        ids = [b.id for b in page.bases]
        overrides = book.overrides(exercise, ids)
        comments = book.comments_of(exercise, ids)
        releases = book.releases_of(exercise, ids)
        links = _report_links(book, served, run_id)
    finals = [finalize(b, overrides) for b in page.bases]
    notes: dict[str, list[Comment]] = {}
    for c in comments:
        notes.setdefault(c.submission_id, []).append(c)
    names = {
        r.id: {layout: released_name(r, layout, links.get(r.id, "")) for layout in LAYOUTS}
        for r in finals
    }
    named = [layout for layout in LAYOUTS if layout != "files" and summary.counts[layout]]
    chosen = max(named, key=lambda layout: summary.counts[layout]) if named else "files"
    return ReleaseView(
        served.slug, exercise_title(exercise), summary, page, finals,
        feedback_states(finals, notes, releases), names, chosen, batches,
    )  # fmt: skip


def release_page(request: Request) -> HTMLResponse:
    served = workbench(request).served(request.path_params["slug"])
    params = request.query_params
    view = read_release_view(
        served, params.get("after", "")[:2000], params.get("before", "")[:2000]
    )
    return HTMLResponse(
        page(
            "wb_release.html.j2",
            view=view,
            layouts=LAYOUTS,
            which=WHICH,
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
            state = read_class_results(served)  # the whole class: what the zip is made of
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
