"""The workbench as an ASGI application: routes, the guard in front of them, and errors as one
plain sentence with a 4xx status (never a traceback; a bug is a plain 500, logged by the server).

    GET  /                           the classes served
    GET  /c/<class>/                 a class: every submission, its score, failures, corrections
    GET  /c/<class>/s/<id>           a submission: its report, framed, and the corrections panel
    GET  /c/<class>/report/<id>      the report itself (render_report; sandboxed, no script)
    GET  /c/<class>/files/<path>     a file `grader grade` wrote into the class's folder
    GET  /c/<class>/live             the live view: a run's progress, epochs in flight, verdicts
    GET  /c/<class>/review           the review queue: what needs a human, open and resolved
    GET  /c/<class>/analysis         item analysis: each check, the training band, durations
    GET  /c/<class>/release          feedback release: what each student would get, and when
    GET  /c/<class>/feedback/<id>    one student's feedback as released (report + comments)
    POST /c/<class>/override/<id>    override a check or the score     (CSRF, version)
    POST /c/<class>/remove/<id>      remove an override                (CSRF, version)
    POST /c/<class>/comment/<id>     leave a comment for the student   (CSRF, version)
    POST /c/<class>/resolve/<id>     resolve a review item with a note (CSRF, fingerprint)
    POST /c/<class>/release          the feedback zip; records the release (CSRF)
    POST /c/<class>/regrade          grade the class again: the stale ones, or one (CSRF)
    POST /user                       the name corrections are made under (a cookie)
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from grader.errors import GraderError, InfrastructureError
from grader.web import actions, insights, live, pages, queue, regrading, releasing
from grader.web.classes import ServedClass
from grader.web.security import Guard, GuardConfig
from grader.web.state import Workbench

MAX_BODY = 1024 * 1024  # a form is a few kilobytes


async def _http_error(request: Request, exc: Exception) -> PlainTextResponse:
    assert isinstance(exc, HTTPException)
    return PlainTextResponse(f"{exc.detail}\n", status_code=exc.status_code)


async def _grader_error(request: Request, exc: Exception) -> PlainTextResponse:
    """The library's own refusals (a score out of range, no such check): the request's fault,
    except a gradebook the machine cannot open or lock."""
    status = 503 if isinstance(exc, InfrastructureError) else 400
    return PlainTextResponse(f"{exc}\n", status_code=status)


async def _bug(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse("internal error: the server's log has the details\n", status_code=500)


def create_app(classes: Sequence[ServedClass], config: GuardConfig, user: str) -> Starlette:
    """The workbench over `classes`; `user` is the name corrections are made under by default."""
    routes = [
        Route("/", pages.home, methods=["GET"]),
        Route("/c/{slug}/", pages.class_page, methods=["GET"]),
        Route("/c/{slug}/s/{sid:path}", pages.submission_page, methods=["GET"]),
        Route("/c/{slug}/report/{sid:path}", pages.report, methods=["GET"]),
        Route("/c/{slug}/files/{path:path}", pages.class_file, methods=["GET"]),
        Route("/c/{slug}/live", live.live_fragment, methods=["GET"]),
        Route("/c/{slug}/stamp", pages.stamp, methods=["GET"]),
        Route("/c/{slug}/review", queue.review_page, methods=["GET"]),
        Route("/c/{slug}/analysis", insights.analysis_page, methods=["GET"]),
        Route("/c/{slug}/release", releasing.release_page, methods=["GET"]),
        Route("/c/{slug}/feedback/{sid:path}", releasing.feedback_preview, methods=["GET"]),
        Route("/c/{slug}/override/{sid:path}", actions.override, methods=["POST"]),
        Route("/c/{slug}/remove/{sid:path}", actions.remove, methods=["POST"]),
        Route("/c/{slug}/comment/{sid:path}", actions.comment, methods=["POST"]),
        Route("/c/{slug}/resolve/{sid:path}", queue.resolve, methods=["POST"]),
        Route("/c/{slug}/release", releasing.release, methods=["POST"]),
        Route("/c/{slug}/regrade", regrading.regrade, methods=["POST"]),
        Route("/user", actions.set_user, methods=["POST"]),
        Route("/static/workbench.js", pages.script, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard, config=config)],
        exception_handlers={
            HTTPException: _http_error,
            GraderError: _grader_error,
            Exception: _bug,
        },
        max_body_size=MAX_BODY,
    )
    app.state.workbench = Workbench({c.slug: c for c in classes}, config, user)
    return app
