"""The workbench's changes (POST): override a check or the score, remove an override, leave a
comment, say who you are. Each is one gradebook transaction, made only if the submission's
corrections are still at the version the form was based on; a stale form gets 409 and a page
with both versions (what changed meanwhile, and what was typed, ready to send again).

Overrides are the records `grader override` writes (`grader.classroom.overriding.set_override`,
which also writes the class's reports and exports again); comments go to the gradebook's
`comments` table. Every form carries the session's CSRF value; a field that is missing, doubled
or malformed is refused with 400 and a plain sentence.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from grader.classroom.gradebook import Comment, Gradebook, StaleVersion, now
from grader.classroom.overriding import set_override
from grader.web.classes import ServedClass, SubmissionState, read_submission
from grader.web.pages import common
from grader.web.render import page, url_part
from grader.web.security import csrf_ok
from grader.web.state import Workbench, valid_name, workbench

REASON_LIMIT = 2_000
COMMENT_LIMIT = 10_000
CHECK_LIMIT = 200


async def read_form(request: Request) -> FormData:
    """The posted form, once its CSRF field matches the session's cookie (else 403)."""
    try:
        form = await request.form(max_files=0, max_fields=20, max_part_size=64 * 1024)
    except HTTPException as exc:
        raise HTTPException(400, f"the form could not be read: {exc.detail}") from None
    if not csrf_ok(request, workbench(request).config, form_field(form, "csrf", required=False)):
        raise HTTPException(
            403, "refused: the form's CSRF token is missing or wrong (reload the page, then send)"
        )
    return form


def form_field(form: FormData, name: str, required: bool = True, limit: int = 100) -> str:
    values = form.getlist(name)
    if len(values) > 1:
        raise HTTPException(400, f"the form field {name!r} was sent more than once")
    value = values[0] if values else None
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise HTTPException(400, f"the form field {name!r} is missing")
    if len(value) > limit:
        raise HTTPException(400, f"the form field {name!r} is longer than {limit} characters")
    return value


def form_text(form: FormData, name: str, limit: int, what: str) -> str:
    value = form_field(form, name, limit=limit).strip()
    if not value:
        raise HTTPException(400, f"{what} is empty")
    return value


def _score(form: FormData) -> float:
    raw = form_field(form, "score", limit=40).strip()
    try:
        score = float(raw)
    except ValueError:
        raise HTTPException(400, f"the score must be a number, not {raw[:40]!r}") from None
    if not math.isfinite(score):
        raise HTTPException(400, "the score must be a finite number")
    return score


def _version(form: FormData) -> int:
    raw = form_field(form, "version", limit=20)
    if not (raw.isascii() and raw.isdigit()):  # "²" is a digit to str.isdigit, not to int()
        raise HTTPException(400, "the form's version is missing or not a number (reload the page)")
    return int(raw)


async def _target(request: Request) -> tuple[Workbench, ServedClass, SubmissionState]:
    wb = workbench(request)
    served = wb.served(request.path_params["slug"])
    state = await run_in_threadpool(read_submission, served, request.path_params["sid"])
    if state is None:
        raise HTTPException(404, "no such submission in this class's latest run")
    return wb, served, state


def _back(served: ServedClass, submission_id: str, saved: str) -> RedirectResponse:
    url = f"/c/{served.slug}/s/{url_part(submission_id)}?saved={saved}#corrections"
    return RedirectResponse(url, status_code=303)


async def _save(
    request: Request,
    wb: Workbench,
    state: SubmissionState,
    kind: str,
    yours: dict[str, Any],
    change: Callable[[], object],
) -> Response:
    """Make `change` under the class's lock; a stale version gives the 409 page."""

    def locked() -> None:
        with wb.locks[state.served.slug]:
            change()

    try:
        await run_in_threadpool(locked)
    except StaleVersion as stale:
        now_state = await run_in_threadpool(read_submission, state.served, state.base.id)
        assert now_state is not None
        html = page(
            "wb_conflict.html.j2",
            s=now_state,
            kind=kind,
            yours=yours,
            based_on=stale.expected,
            theirs=now_state.events[stale.expected :],
            **common(request),
        )
        return HTMLResponse(html, status_code=409)
    return _back(state.served, state.base.id, kind)


async def override(request: Request) -> Response:
    form = await read_form(request)
    wb, served, state = await _target(request)
    check = form_field(form, "check", limit=CHECK_LIMIT)
    score = _score(form)
    reason = form_text(form, "reason", REASON_LIMIT, "the reason")
    version = _version(form)
    user = wb.who(request)

    def change() -> None:
        set_override(
            served.out_dir, state.base.id, check, score, reason,
            gradebook=served.gradebook, user=user, expected=version,
        )  # fmt: skip

    yours = {"check": check, "score": score, "reason": reason}
    return await _save(request, wb, state, "override", yours, change)


async def remove(request: Request) -> Response:
    form = await read_form(request)
    wb, served, state = await _target(request)
    check = form_field(form, "check", limit=CHECK_LIMIT)
    version = _version(form)
    user = wb.who(request)

    def change() -> None:
        set_override(
            served.out_dir, state.base.id, check, None, "", remove=True,
            gradebook=served.gradebook, user=user, expected=version,
        )  # fmt: skip

    return await _save(request, wb, state, "removed", {"check": check}, change)


async def comment(request: Request) -> Response:
    form = await read_form(request)
    wb, served, state = await _target(request)
    text = form_text(form, "text", COMMENT_LIMIT, "the comment")
    version = _version(form)
    note = Comment(0, state.base.exercise, state.base.id, text, wb.who(request), now())

    def change() -> None:
        with Gradebook(served.gradebook) as book:
            book.add_comment(note, expected=version)

    return await _save(request, wb, state, "comment", {"text": text}, change)


async def set_user(request: Request) -> Response:
    """Record corrections under this name from now on (a cookie of this browser)."""
    form = await read_form(request)
    name = valid_name(form_field(form, "name", limit=200))
    if name is None:
        raise HTTPException(400, "give a name of 1 to 80 printable characters")
    target = form_field(form, "next", required=False, limit=2_000)
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"  # only a page of this server
    response = RedirectResponse(target, status_code=303)
    response.headers.append("Set-Cookie", workbench(request).user_cookie(name))
    return response
