"""The workbench's forms and URLs fuzzed, in process (Starlette's TestClient, no server): posts
of any fields to every change, with and without the session's CSRF value, and GETs of every
page with any path parameter and query. The property: a page or a plain 4xx, never a 500 and
never a traceback; a refused change leaves the gradebook as it was."""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from paths import TESTS
from starlette.testclient import TestClient

from grader.web.app import create_app
from grader.web.classes import find_classes
from grader.web.security import GuardConfig

sys.path.insert(0, str(TESTS / "web"))
from served_class import build_class

pytestmark = pytest.mark.fuzz

BASE = "http://127.0.0.1:8000"
FIELDS = ["csrf", "version", "check", "score", "reason", "text", "name", "next", "item"]
FIELDS += ["fingerprint", "note", "layout", "which", "student", "saved"]
TEXT = st.text(max_size=30) | st.sampled_from(
    [
        "",
        "0",
        "-1",
        "1e309",
        "nan",
        "inf",
        "wrong_message",
        "runs",
        "..",
        "%00",
        "\x00",
        "//evil",
        "²",
        "٣",
    ]
)
SIDS = st.sampled_from(["wrong_message", "nobody", "../x", "%2e%2e", "a/b", ""]) | st.text(
    max_size=12
)
# The changes a form may post. `regrade` is left out: past its checks it starts `grader grade`
# in the background, which this tier (no child process) must not.
CHANGES = ["override", "remove", "comment", "resolve", "feedback"]
PAGES = ["s", "report", "files", "feedback"]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with tempfile.TemporaryDirectory() as root:
        out = build_class(Path(root))
        config = GuardConfig(port=8000, token=None, loopback=True)
        app = create_app(find_classes([out]), config, "ta")
        with TestClient(app, base_url=BASE, follow_redirects=False) as test_client:
            test_client.get("/")  # the session's CSRF cookie
            yield test_client


def _plain(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, (response.request.url, response.text[:300])
    assert "Traceback" not in response.text and 'File "/' not in response.text


def _csrf(client: TestClient) -> str:
    page = client.get("/c/week2/s/wrong_message").text
    found = re.search(r'name="csrf" value="([^"]*)"', page)
    return found.group(1) if found else ""


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    action=st.sampled_from([*CHANGES, "user", "release"]),
    sid=SIDS,
    fields=st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=5), TEXT, max_size=6),
    with_csrf=st.booleans(),
)
@example(
    action="override",
    sid="wrong_message",
    fields={"score": "1e309", "reason": "r", "check": "", "version": "0"},
    with_csrf=True,
)
@example(
    action="comment",
    sid="wrong_message",
    fields={"text": "\x00", "version": "9" * 20},
    with_csrf=True,
)
@example(action="user", sid="", fields={"name": "ta", "next": "//evil"}, with_csrf=True)
@example(  # "²".isdigit() is true, int("²") raises: was a 500
    action="comment", sid="wrong_message", fields={"text": "t", "version": "²"}, with_csrf=True
)
def test_any_form_post_gets_a_page_or_a_plain_4xx(
    client: TestClient, action: str, sid: str, fields: dict[str, str], with_csrf: bool
) -> None:
    data = dict(fields)
    if with_csrf:
        data["csrf"] = _csrf(client)
    if action == "user":
        url = "/user"
    elif action == "release":
        url = "/c/week2/release"
    else:
        url = f"/c/week2/{action}/{quote(sid, safe='')}"
    _plain(client.post(url, data=data))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    page=st.sampled_from(PAGES),
    slug=st.sampled_from(["week2", "nope", "..", "%00"]) | st.text(max_size=6),
    sid=SIDS,
    query=st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=5), TEXT, max_size=3),
)
@example(page="files", slug="week2", sid="../gradebook.sqlite", query={})
@example(page="s", slug="week2", sid="wrong_message", query={"saved": "\x00"})
def test_any_url_gets_a_page_or_a_plain_4xx(
    client: TestClient, page: str, slug: str, sid: str, query: dict[str, str]
) -> None:
    url = f"/c/{quote(slug, safe='')}/{page}/{quote(sid, safe='/')}"
    _plain(client.get(url, params=query))
    for tail in ("", "review", "analysis", "release", "live", "stamp"):
        _plain(client.get(f"/c/{quote(slug, safe='')}/{tail}", params=query))
