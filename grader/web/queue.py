"""The review queue of a class (grader.classroom.review): what needs a human, each item with its
reason and a link to the submission, and resolving an item with a note (a POST with CSRF, one
gradebook transaction). The form carries the fingerprint of the figures the page showed: if they
changed meanwhile (a regrade landed), or someone resolved the item first, nothing is written
and the queue comes back with 409, the note typed kept in its form.

The queue is read from the gradebook by SQL (grader.classroom.book_review), 50 items a page:

    /c/<class>/review?kind=late&after=<cursor>&rafter=<cursor>

`kind`: one kind of item ('' every kind); `after`, `rafter`: the keyset cursors of the next
page of the open and of the resolved items, as the page's links carry them.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from grader.classroom.book_review import ReviewTally
from grader.classroom.gradebook import Gradebook, Resolution, now
from grader.classroom.review import KINDS, Queue, QueueEntry
from grader.classroom.similarity import SIMILARITY_JSON
from grader.web.actions import form_field, form_text, read_form
from grader.web.classes import ClassHead, PerChange, ServedClass, read_head, state_key
from grader.web.pages import common
from grader.web.render import page
from grader.web.state import workbench

NOTE_LIMIT = 2_000
_HEX = re.compile(r"[0-9a-f]{64}")


PAGE_SIZE = 50
# Each class's items counted, kept until the class changes (a run, its rows, a human change: a
# resolution among them); a page then reads only the items it shows.
_TALLIES: PerChange[ReviewTally] = PerChange()


def _page(
    request: Request, head: ClassHead, q: Queue, conflict: dict[str, Any] | None = None
) -> str:
    query = {k: v for k, v in (("kind", q.kind),) if v}
    return page(
        "wb_review.html.j2",
        state=head,
        q=q,
        saved=request.query_params.get("saved") == "1",
        conflict=conflict,
        kinds=KINDS,
        link=lambda **changes: "?" + urlencode({**query, **changes}),
        **common(request),
    )


def read_queue(served: ServedClass, params: QueryParams) -> tuple[ClassHead, Queue]:
    """The class and the page of its queue a URL asks for (400 for a kind or cursor the page
    never offers)."""
    kind = params.get("kind", "")
    if kind and kind not in KINDS:
        raise HTTPException(400, f"kind={kind[:40]!r}: expected one of {', '.join(KINDS)}")
    similarity_read = (served.out_dir / SIMILARITY_JSON).is_file()
    with Gradebook(served.gradebook) as book:
        head = read_head(book, served)
        run_id = head.run["id"]
        tally = _TALLIES.get(
            served, state_key(book, served), lambda: book.review_tally(run_id, head.exercise)
        )
        try:
            queue = book.review_queue(
                run_id, head.exercise, kind, params.get("after", "")[:2000],
                params.get("rafter", "")[:2000], PAGE_SIZE, similarity_read, tally,
            )  # fmt: skip
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
    return head, queue


def review_page(request: Request) -> HTMLResponse:
    served = workbench(request).served(request.path_params["slug"])
    head, queue = read_queue(served, request.query_params)
    return HTMLResponse(_page(request, head, queue))


def _entry(book: Gradebook, head: ClassHead, submission_id: str, key: str) -> QueueEntry:
    run_id = head.run["id"]
    if book.class_result(run_id, submission_id) is None:
        raise HTTPException(404, "no such submission in this class's latest run")
    entry = book.review_entry(run_id, head.exercise, submission_id, key)
    if entry is None:
        raise HTTPException(404, "no such review item on this submission (reload the queue)")
    return entry


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
        with wb.locks[served.slug], Gradebook(served.gradebook) as book:
            head = read_head(book, served)
            entry = _entry(book, head, submission_id, key)
            conflict = {"anchor": entry.item.anchor, "note": note}
            if entry.item.fingerprint != fingerprint:
                return {**conflict, "why": "its figures changed since you opened the page"}
            if entry.resolution is not None:
                r = entry.resolution
                why = f"{r.user} resolved it meanwhile ({r.at}): {r.note}"
                return {**conflict, "why": why}
            settled = Resolution(
                0, head.exercise, submission_id, key, fingerprint, note, user, now()
            )
            book.add_resolution(settled)
            return None

    def still_open() -> bool:
        with Gradebook(served.gradebook) as book:
            head = read_head(book, served)
            entry = book.review_entry(head.run["id"], head.exercise, submission_id, key)
        return entry is not None and entry.resolution is None

    conflict = await run_in_threadpool(change)
    if conflict is not None:
        conflict["open"] = await run_in_threadpool(still_open)
        head, queue = await run_in_threadpool(read_queue, served, request.query_params)
        return HTMLResponse(_page(request, head, queue, conflict), status_code=409)
    return RedirectResponse(f"/c/{served.slug}/review?saved=1#resolved", status_code=303)
