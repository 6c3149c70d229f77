"""What the running workbench holds: the classes it serves, its safety settings, the default
name corrections are made under, and one lock per class (a correction and the reports written
again after it are one step: two at once would race on the same files)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from starlette.exceptions import HTTPException
from starlette.requests import Request

from grader.web.classes import ServedClass
from grader.web.security import GuardConfig

NAME_LIMIT = 80


def valid_name(name: str) -> str | None:
    """A name to record corrections under, tidied; None if it is empty, too long or holds
    control characters."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_LIMIT or not name.isprintable():
        return None
    return name


@dataclass
class Workbench:
    classes: dict[str, ServedClass]
    config: GuardConfig
    user: str  # --user, else the OS user: who corrects when the page did not say
    locks: dict[str, threading.Lock] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.locks = {slug: threading.Lock() for slug in self.classes}

    def served(self, slug: str) -> ServedClass:
        if slug not in self.classes:
            raise HTTPException(404, "no such class is served here")
        return self.classes[slug]

    def who(self, request: Request) -> str:
        """The name given on the page (a cookie), else the server's default."""
        given = request.cookies.get(self.config.user_cookie)
        return (valid_name(unquote(given)) if given else None) or self.user

    def user_cookie(self, name: str) -> str:
        value = quote(name, safe="")
        return (
            f"{self.config.user_cookie}={value}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"
        )


def workbench(request: Request) -> Workbench:
    found: Workbench = request.app.state.workbench
    return found
