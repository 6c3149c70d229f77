"""The workbench in process (Starlette's TestClient, no server, no child): each page, each
correction and each refusal, read back from the gradebook and the files `grader grade` wrote.
The same flows against the real `grader serve` process are in test_serve.py."""

from __future__ import annotations

import csv
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from click.testing import CliRunner
from served_class import EXERCISE, HOSTILE, NON_ASCII, build_class, recorded
from starlette.testclient import TestClient

from grader.classroom.gradebook import FILENAME, Comment, Gradebook
from grader.cli import main
from grader.errors import UsageError
from grader.report import render_report
from grader.web.app import create_app
from grader.web.classes import ServedClass, SubmissionState, find_classes, read_submission
from grader.web.security import GuardConfig, is_loopback, safe_file

PORT = 8000
BASE = f"http://127.0.0.1:{PORT}"


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return build_class(tmp_path)


def client_for(out: Path, token: str | None = None, user: str = "ta") -> TestClient:
    config = GuardConfig(port=PORT, token=token, loopback=token is None)
    app = create_app(find_classes([out]), config, user)
    return TestClient(app, base_url=BASE, follow_redirects=False)


@pytest.fixture
def client(out: Path) -> TestClient:
    return client_for(out)


def page_url(sid: str) -> str:
    return f"/c/week2/s/{quote(sid, safe='')}"


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handlers += [f"{tag} {name}" for name, _ in attrs if name.startswith("on")]
        self.handlers += [f"{tag} {v}" for _, v in attrs if (v or "").startswith("javascript:")]


def handlers(html: str) -> list[str]:
    """Inline event handlers and javascript: URLs in a page (there must be none)."""
    parser = _Attributes()
    parser.feed(html)
    return parser.handlers


def form_of(html: str, form_id: str | None = None) -> dict[str, str]:
    """The hidden fields (csrf, version) of the page's first form, or of the form `form_id`."""
    if form_id:
        html = html[html.index(f'id="{form_id}"') :]
    fields = dict(re.findall(r'<input type="hidden" name="(csrf|version)" value="([^"]*)"', html))
    return fields


def post(client: TestClient, action: str, sid: str, fields: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(f"/c/week2/{action}/{quote(sid, safe='')}", data=fields)


def overrides_table(out: Path) -> list[tuple]:
    with sqlite3.connect(out / FILENAME) as db:
        return db.execute(
            "SELECT submission_id, check_id, score, reason, user, removed_at, removed_by "
            "FROM overrides ORDER BY id"
        ).fetchall()


# -- pages ---------------------------------------------------------------------------------------


def test_the_pages_list_the_class_and_render_each_submission(client: TestClient, out: Path) -> None:
    home = client.get("/")
    assert home.status_code == 200
    assert '<a href="/c/week2/">week2</a>' in home.text
    assert 'data-label="Submissions">10<' in home.text and 'data-label="Passed">1<' in home.text

    overview = client.get("/c/week2/")
    assert overview.status_code == 200
    for sid in ("wrong_message", "syntax_error", NON_ASCII):
        assert f'href="{page_url(sid)}"' in overview.text
    assert "<img src=x" not in overview.text  # the hostile id is text, never markup
    assert "&lt;img src=x onerror=" in overview.text
    row = overview.text.split('data-id="callback_not_passed"')[1].split("</tr>")[0]
    assert (
        "5 / 10" in row and "<code>early_stop</code>" in row and "<code>stop_message</code>" in row
    )

    page = client.get(page_url("wrong_message"))
    assert page.status_code == 200
    assert 'src="/c/week2/report/wrong_message"' in page.text and " sandbox " in page.text
    assert form_of(page.text)["version"] == "0" and len(form_of(page.text)["csrf"]) >= 40
    assert '<option value="stop_message" data-max="2.0" selected>' in page.text

    # the framed report is render_report's output, byte for byte the static file grade wrote
    report = client.get("/c/week2/report/wrong_message")
    assert report.status_code == 200
    assert report.text == (out / "wrong_message.html").read_text(encoding="utf-8")
    state = read_submission(find_classes([out])[0], "wrong_message")
    assert state is not None and report.text == render_report(state.final, state.spec())
    assert "sandbox" in report.headers["content-security-policy"]
    assert "script-src 'none'" in report.headers["content-security-policy"]

    hostile = client.get(page_url(HOSTILE))
    assert hostile.status_code == 200 and "<img src=x" not in hostile.text


def test_every_app_page_sends_the_policy_and_runs_no_inline_script(client: TestClient) -> None:
    pages = ("/", "/c/week2/", page_url("wrong_message"), page_url(NON_ASCII), "/c/week2/review")
    slices = ("/c/week2/analysis?student=" + quote(HOSTILE, safe=""), "/c/week2/release")
    for url in pages + slices:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<img src=x" not in response.text, url  # the hostile id is text, never markup
        policy = response.headers["content-security-policy"]
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ):
            assert directive in policy, (url, policy)
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert response.headers["x-content-type-options"] == "nosniff"
        scripts = re.findall(r"<script[^>]*>", response.text)
        assert scripts == ['<script src="/static/workbench.js" defer>'], scripts
        assert not handlers(response.text)
    js = client.get("/static/workbench.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")


# -- corrections ---------------------------------------------------------------------------------


def test_an_override_from_the_page_is_the_record_grader_override_writes(
    client: TestClient, out: Path
) -> None:
    fields = form_of(client.get(page_url("wrong_message")).text)
    done = post(
        client,
        "override",
        "wrong_message",
        {**fields, "check": "stop_message", "score": "2", "reason": "the message is fine"},
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/c/week2/s/wrong_message?saved=override#corrections"
    assert overrides_table(out) == [
        ("wrong_message", "stop_message", 2.0, "the message is fine", "ta", None, None)
    ]
    with Gradebook(out / FILENAME) as book:
        (o,) = book.overrides(EXERCISE)
        assert (o.auto_score, o.auto_status) == (0.0, "fail")
    # the static outputs were written again, as `grader override` does
    assert "Changed by your instructor" in (out / "wrong_message.html").read_text(encoding="utf-8")
    with (out / "grades.csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["id"] == "wrong_message")
    assert row["score"] == "10" and row["raw_score"] == "8" and "stop_message=2" in row["overrides"]

    page = client.get(page_url("wrong_message") + "?saved=override")
    assert "Override saved" in page.text and "10 / 10" in page.text
    assert form_of(page.text)["version"] == "1"
    assert 'data-check="stop_message"' in page.text


def test_a_stale_form_is_refused_with_both_versions(client: TestClient, out: Path) -> None:
    stale = form_of(client.get(page_url("syntax_error")).text)
    first = {**stale, "check": "", "score": "3", "reason": "discussed in class"}
    assert post(client, "override", "syntax_error", first).status_code == 303
    mine = {**stale, "text": "Look at the bracket on line 3, my note"}
    refused = post(client, "comment", "syntax_error", mine)
    assert refused.status_code == 409
    assert "discussed in class" in refused.text  # theirs
    assert "Look at the bracket on line 3, my note" in refused.text  # yours, kept
    with Gradebook(out / FILENAME) as book:
        assert book.comments(EXERCISE, "syntax_error") == []
    # sent again from the conflict page (it carries the new version): saved
    again = form_of(refused.text, "comment-form")
    assert again["version"] == "1"
    assert (
        post(client, "comment", "syntax_error", {**again, "text": mine["text"]}).status_code == 303
    )
    with Gradebook(out / FILENAME) as book:
        (comment,) = book.comments(EXERCISE, "syntax_error")
    assert comment.text == mine["text"] and comment.user == "ta"


def test_removing_an_override_keeps_it_in_the_history(client: TestClient, out: Path) -> None:
    fields = form_of(client.get(page_url(NON_ASCII)).text)
    set_it = {**fields, "check": "stop_message", "score": "1.5", "reason": "close enough"}
    assert post(client, "override", NON_ASCII, set_it).status_code == 303
    fields = form_of(client.get(page_url(NON_ASCII)).text)
    assert post(client, "remove", NON_ASCII, {**fields, "check": "stop_message"}).status_code == 303
    ((sid, check, score, _, user, removed_at, removed_by),) = overrides_table(out)
    assert (sid, check, score, user, removed_by) == (NON_ASCII, "stop_message", 1.5, "ta", "ta")
    assert removed_at
    page = client.get(page_url(NON_ASCII))
    assert "No override in force" in page.text and "Removed</span> by" in page.text
    assert form_of(page.text)["version"] == "2"


def test_the_name_given_on_the_page_is_who_corrects(client: TestClient, out: Path) -> None:
    fields = form_of(client.get("/").text)
    done = client.post("/user", data={**fields, "name": "Grace Hopper", "next": "//evil.example"})
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert "Grace Hopper" in client.get("/").text
    fields = form_of(client.get(page_url("wrong_message")).text)
    post(client, "comment", "wrong_message", {**fields, "text": "nice plots"})
    with Gradebook(out / FILENAME) as book:
        assert [c.user for c in book.comments(EXERCISE)] == ["Grace Hopper"]
    bad = client.post("/user", data={**fields, "name": "x\x07y"})
    assert bad.status_code == 400


# -- refusals ------------------------------------------------------------------------------------


def test_a_change_without_the_csrf_value_is_refused(client: TestClient, out: Path) -> None:
    fields = form_of(client.get(page_url("wrong_message")).text)
    change = {"check": "", "score": "1", "reason": "x", "version": fields["version"]}
    for sent in (change, {**change, "csrf": "A" * 43}, {**change, "csrf": ""}):
        refused = post(client, "override", "wrong_message", sent)
        assert refused.status_code == 403 and "CSRF" in refused.text
    stranger = client_for(out)  # a fresh session: no cookie, the field copied from another
    refused = post(stranger, "override", "wrong_message", {**change, "csrf": fields["csrf"]})
    assert refused.status_code == 403
    assert overrides_table(out) == []


@pytest.mark.parametrize(
    ("action", "sid", "fields", "status", "says"),
    [
        ("override", "wrong_message", {"check": "", "score": "abc", "reason": "r"}, 400, "number"),
        ("override", "wrong_message", {"check": "", "score": "nan", "reason": "r"}, 400, "finite"),
        ("override", "wrong_message", {"check": "", "score": "11", "reason": "r"}, 400, "between"),
        ("override", "wrong_message", {"check": "nope", "score": "1", "reason": "r"}, 400, "check"),
        ("override", "wrong_message", {"check": "", "score": "1", "reason": "  "}, 400, "reason"),
        ("override", "wrong_message", {"score": "1", "reason": "r"}, 400, "'check'"),
        ("remove", "wrong_message", {"check": "runs"}, 400, "no override"),
        ("comment", "wrong_message", {"text": ""}, 400, "empty"),
        ("comment", "nobody", {"text": "hi"}, 404, "no such submission"),
    ],
)
def test_a_malformed_change_gets_a_plain_4xx(  # type: ignore[no-untyped-def]
    client: TestClient, out: Path, action, sid, fields, status, says
) -> None:
    hidden = form_of(client.get(page_url("wrong_message")).text)
    response = post(client, action, sid, {**hidden, **fields})
    assert response.status_code == status, response.text
    assert says in response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert overrides_table(out) == []


def test_other_malformed_requests_get_a_plain_4xx(client: TestClient) -> None:
    hidden = form_of(client.get("/").text)
    form = {"content-type": "application/x-www-form-urlencoded"}
    comment = "/c/week2/comment/wrong_message"
    cases = [
        (client.get("/c/nope/"), 404, "no such class"),
        (client.get(page_url("nobody")), 404, "no such submission"),
        (client.get("/c/week2/report/nobody"), 404, "no such submission"),
        (client.get("/nowhere"), 404, "Not Found"),
        (client.post("/c/week2/"), 405, "Method Not Allowed"),
        (client.post(comment, data={**hidden, "version": "x", "text": "t"}), 400, "version"),
        (client.post(comment, data={**hidden, "text": "t"}), 400, "version"),
        (
            client.post(
                comment,
                data={**hidden, "version": "0", "text": "t"},
                files={"upload": ("a.txt", b"x")},
            ),
            400,
            "form could not be read",
        ),
        (
            client.post(
                comment,
                content=b"--broken\r\n",
                headers={"content-type": "multipart/form-data; boundary=zzz"},
            ),
            400,
            "form could not be read",
        ),
        (client.post(comment, content=b"text=" + b"x" * (2 * 1024 * 1024), headers=form), 413, ""),
        (
            client.post(
                comment,
                content=urlencode([*hidden.items(), ("text", "a"), ("text", "b")]),
                headers=form,
            ),
            400,
            "more than once",
        ),
    ]
    for response, status, says in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert says in response.text, response.text
        assert "Traceback" not in response.text and 'File "' not in response.text


def test_files_of_the_class_folder_and_nothing_else(client: TestClient, out: Path) -> None:
    secret = out.parent / "secret.txt"
    secret.write_text("TOP SECRET outside the class folder")
    (out / "leak.txt").symlink_to(secret)
    (out / "leakdir").symlink_to(out.parent, target_is_directory=True)
    assert safe_file(out.resolve(), "grades.csv") == (out / "grades.csv").resolve()
    for relative in (
        "../secret.txt",
        "./grades.csv",
        "/etc/passwd",
        str(secret),
        "leak.txt",
        "leakdir/secret.txt",
        FILENAME,
        FILENAME + "-wal",
        "a\x00b.csv",
        "..\\secret.txt",
        ".hidden.txt",
        "",
    ):
        assert safe_file(out.resolve(), relative) is None, relative
    assert client.get("/c/week2/files/grades.csv").status_code == 200
    for url in (
        "/c/week2/files/leak.txt",
        "/c/week2/files/leakdir/secret.txt",
        "/c/week2/files/%2e%2e/secret.txt",
        "/c/week2/files/%2e%2e%2fsecret.txt",
        "/c/week2/files/%2Fetc%2Fpasswd",
        f"/c/week2/files/{FILENAME}",
    ):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert "TOP SECRET" not in response.text and "root:" not in response.text


def test_a_token_is_required_off_loopback(out: Path) -> None:
    token = "t" * 43
    client = client_for(out, token=token)
    assert client.get("/").status_code == 403
    assert client.get("/?token=" + "x" * 43).status_code == 403
    entered = client.get(f"/c/week2/?token={token}")
    assert entered.status_code == 303 and entered.headers["location"] == "/c/week2/"
    assert f"grader_token_{PORT}={token}" in entered.headers["set-cookie"]
    assert "HttpOnly" in entered.headers["set-cookie"]
    assert client.get("/c/week2/").status_code == 200  # the cookie now


def test_on_loopback_a_foreign_host_header_is_refused(client: TestClient) -> None:
    """DNS rebinding: a page of evil.example resolved to 127.0.0.1 must not read the class."""
    assert client.get("/", headers={"host": "evil.example:8000"}).status_code == 403
    assert client.get("/", headers={"host": "localhost:8000"}).status_code == 200
    assert client.get("/", headers={"host": "[::1]:8000"}).status_code == 200
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("0.0.0.0")


# -- the command ---------------------------------------------------------------------------------


def test_serve_refuses_a_folder_without_a_graded_class(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", str(tmp_path)])
    assert result.exit_code == 2
    assert "no gradebook" in result.output and "Traceback" not in result.output
    with pytest.raises(UsageError, match="not a folder"):
        find_classes([tmp_path / "missing"])


def test_classes_get_distinct_names_and_a_shared_gradebook_lists_its_classes(
    tmp_path: Path,
) -> None:
    a = build_class(tmp_path / "one", "week2")
    b = build_class(tmp_path / "two", "week2")
    assert [c.slug for c in find_classes([a, b, a])] == ["week2", "week2-2"]
    # the runs of a gradebook name the folders they wrote
    with Gradebook(a / FILENAME) as book:
        assert book.latest_run(None, str(a.resolve())) is not None
    (served,) = find_classes([], a / FILENAME)
    assert served.out_dir == a.resolve()


def test_the_history_keeps_the_order_of_corrections_made_within_one_second() -> None:
    """An override replaced, then removed, then a comment, all stamped the same second."""
    at = "2026-03-02T10:00:00+00:00"

    def row(number: int, score: float, removed: bool) -> dict[str, object]:
        return {
            "id": number, "check_id": "runs", "score": score, "auto_score": 0.0,
            "auto_status": "fail", "reason": f"r{number}", "user": "ta", "created_at": at,
            "removed_at": at if removed else None, "removed_by": "ta" if removed else None,
        }  # fmt: skip

    result = recorded()["syntax_error"]
    state = SubmissionState(
        ServedClass("week2", Path("."), Path(FILENAME)),
        result,
        result,
        [row(1, 1.0, True), row(2, 0.5, True)],
        [Comment(1, EXERCISE, result.id, "see line 3", "ta", at)],
        5,
        "1-0.0.0.0",
    )
    events = [(e.kind, e.text.split(" (")[0]) for e in state.events]
    assert events == [
        ("override", "check runs set to 1"),
        ("removed", "removed the override of check runs"),
        ("override", "check runs set to 0.5"),
        ("removed", "removed the override of check runs"),
        ("comment", "see line 3"),
    ]
    assert len(events) == state.version
