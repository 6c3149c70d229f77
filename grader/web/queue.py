"""The review queue of a class (grader.classroom.review): what needs a human, each item with its
reason and a link to the submission, and resolving an item with a note (a POST with CSRF, one
gradebook transaction). The form carries the fingerprint of the figures the page showed: if they
changed meanwhile (a regrade landed), or someone resolved the item first, nothing is written
and the queue comes back with 409, the note typed kept in its form.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from grader.classroom.gradebook import Gradebook, Resolution, now
from grader.classroom.review import KINDS, QueueEntry
from grader.web.actions import form_field, form_text, read_form
from grader.web.classes import ClassState, read_class
from grader.web.pages import common
from grader.web.render import page
from grader.web.state import workbench

NOTE_LIMIT = 2_000
_HEX = re.compile(r"[0-9a-f]{64}")


def _page(request: Request, state: ClassState, conflict: dict[str, Any] | None = None) -> str:
    return page(
        "wb_review.html.j2",
        state=state,
        q=state.queue,
        saved=request.query_params.get("saved") == "1",
        conflict=conflict,
        kinds=KINDS,
        **common(request),
    )


def review_page(request: Request) -> HTMLResponse:
    state = read_class(workbench(request).served(request.path_params["slug"]))
    return HTMLResponse(_page(request, state))


def _entry(state: ClassState, submission_id: str, key: str) -> QueueEntry:
    if state.result(submission_id) is None:
        raise HTTPException(404, "no such submission in this class's latest run")
    for entry in state.queue.open + state.queue.resolved:
        if entry.item.submission_id == submission_id and entry.item.key == key:
            return entry
    raise HTTPException(404, "no such review item on this submission (reload the queue)")


async def resolve(request: Request) -> Response:
    form = await read_form(request)
    wb = workbench(request)
    served = wb.served(request.path_params["slug"])
    submission_id = request.path_params["sid"]
    key = form_field(form, "item", limit=400)
    fingerprint = form_field(form, "fingerprint", limit=100)
    if not _HEX.fullmatch(fingerprint):
        raise HTTPException(400, "the form's fingerprint is missing or malformed (reload the page)")
    note = form_text(form, "note", NOTE_LIMIT, "the note")
    user = wb.who(request)

    def change() -> dict[str, Any] | None:
        """Resolve the item, or say why not (the check and the write under the class's lock)."""
        with wb.locks[served.slug]:
            state = read_class(served)
            entry = _entry(state, submission_id, key)
            conflict = {"anchor": entry.item.anchor, "note": note}
            if entry.item.fingerprint != fingerprint:
                return {**conflict, "why": "its figures changed since you opened the page"}
            if entry.resolution is not None:
                r = entry.resolution
                why = f"{r.user} resolved it meanwhile ({r.at}): {r.note}"
                return {**conflict, "why": why}
            settled = Resolution(
                0, state.exercise, submission_id, key, fingerprint, note, user, now()
            )
            with Gradebook(served.gradebook) as book:
                book.add_resolution(settled)
            return None

    conflict = await run_in_threadpool(change)
    if conflict is not None:
        fresh = await run_in_threadpool(read_class, served)
        conflict["open"] = any(e.item.anchor == conflict["anchor"] for e in fresh.queue.open)
        return HTMLResponse(_page(request, fresh, conflict), status_code=409)
    return RedirectResponse(f"/c/{served.slug}/review?saved=1#resolved", status_code=303)
