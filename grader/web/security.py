"""The workbench's safety, in one place: who may talk to it, which forms it accepts, what the
browser may do with its pages, and which files it may read.

    Guard       ASGI middleware on every request: the Host header (on loopback: DNS rebinding),
                the access token (on any other address), the per-session CSRF cookie, and the
                security headers (CSP, nosniff, no referrer, no caching)
    csrf_ok     a form's CSRF field against the session's cookie, in constant time
    safe_file   a path inside a served folder, or None: no `..`, no absolute path, no symlink out
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The workbench's own pages: scripts and styles from itself only, no inline script.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'self'; base-uri 'none'; "
    "object-src 'none'"
)
# A report (framed by the submission page) and any file of a served folder: the static reports'
# own policy (no script at all), sandboxed, framable by the workbench only.
FILE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"
)
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")
# What a served folder may hand out: the reports and exports `grader grade` writes.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
}


def is_loopback(host: str) -> bool:
    """Whether binding to `host` reaches this machine only."""
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def same(a: str, b: str) -> bool:
    """Constant-time equality of two secrets (any text; never raises)."""
    return hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8", "replace"))


@dataclass(frozen=True)
class GuardConfig:
    port: int
    token: str | None  # None: bound to loopback, no token asked
    loopback: bool

    @property
    def token_cookie(self) -> str:
        return f"grader_token_{self.port}"

    @property
    def csrf_cookie(self) -> str:
        return f"grader_csrf_{self.port}"

    @property
    def user_cookie(self) -> str:
        return f"grader_user_{self.port}"


def _host_ok(host_header: str) -> bool:
    """On loopback, only requests addressed to loopback (a rebound DNS name is refused)."""
    if host_header.startswith("["):  # [::1]:8000
        host = host_header[1:].split("]", 1)[0]
    else:
        host = host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header
    return is_loopback(host)


class Guard:
    """Every request passes here before it reaches a page (pure ASGI middleware)."""

    def __init__(self, app: ASGIApp, config: GuardConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        config = self.config
        csrf = request.cookies.get(config.csrf_cookie, "")
        fresh = not _TOKEN_SHAPE.fullmatch(csrf)
        if fresh:
            csrf = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf"] = csrf

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = PAGE_CSP
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["Cache-Control"] = "no-store"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if fresh:
                    headers.append("Set-Cookie", _cookie(config.csrf_cookie, csrf))
            await send(message)

        refusal = self._refusal(request)
        if refusal is not None:
            await refusal(scope, receive, send_guarded)
            return
        await self.app(scope, receive, send_guarded)

    def _refusal(self, request: Request) -> Response | None:
        """The response that stops this request here, if any."""
        config = self.config
        if config.loopback and not _host_ok(request.headers.get("host", "")):
            return PlainTextResponse(
                "refused: this server answers only to 127.0.0.1 and localhost", status_code=403
            )
        if config.token is None:
            return None
        given = request.query_params.get("token")
        if given is not None and same(given, config.token):
            # the token once in the URL, then a cookie; the URL loses it (history, screen shares)
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
            response = RedirectResponse(target, status_code=303)
            response.headers.append("Set-Cookie", _cookie(config.token_cookie, config.token))
            return response
        if same(request.cookies.get(config.token_cookie, ""), config.token):
            return None
        return PlainTextResponse(
            "a token is required: open the URL `grader serve` printed "
            "(http://HOST:PORT/?token=...)",
            status_code=403,
        )


def _cookie(name: str, value: str) -> str:
    """A session cookie scripts cannot read. `Lax`: sent when a link from elsewhere opens a page
    (so the token holds), never with another site's POST (and a change needs the CSRF field)."""
    return f"{name}={value}; Path=/; HttpOnly; SameSite=Lax"


def csrf_ok(request: Request, config: GuardConfig, field: object) -> bool:
    """Whether a form's CSRF field matches this session's cookie (both present)."""
    cookie = request.cookies.get(config.csrf_cookie, "")
    return isinstance(field, str) and bool(_TOKEN_SHAPE.fullmatch(cookie)) and same(field, cookie)


def safe_file(root: Path, relative: str) -> Path | None:
    """The regular file `relative` names inside `root` (resolved), or None: a `..` or `.`
    segment, an absolute path, a hidden name, a NUL or backslash, a symlink that leads out, the
    gradebook, or a kind of file `grader grade` does not write."""
    if not relative or "\x00" in relative or "\\" in relative or relative.startswith("/"):
        return None
    parts = relative.split("/")
    if any(not part or part.startswith(".") for part in parts):
        return None
    try:
        target = (root / relative).resolve(strict=True)
    except (OSError, ValueError, RuntimeError):
        return None
    if not target.is_relative_to(root) or not target.is_file():
        return None
    if target.suffix.lower() not in CONTENT_TYPES:
        return None  # the gradebook (.sqlite, -wal, -shm) and anything else
    return target
