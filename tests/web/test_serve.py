"""`grader serve` for real: the command started as a process on a free port, talked to over
HTTP with a small client that sends paths exactly as written (no `..` tidied away) and keeps its
own cookies. The class is graded first without training (served_class.py). What a change does is
read back from the gradebook with sqlite3 and from the files `grader grade` wrote."""

from __future__ import annotations

import contextlib
import csv
import http.client
import re
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
from live_server import Server, serving
from served_class import HOSTILE, build_class

from grader.classroom.gradebook import FILENAME

pytestmark = pytest.mark.integration  # starts `grader serve`

POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'self'",
)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return build_class(tmp_path)


@pytest.fixture
def server(out: Path) -> Iterator[Server]:
    with serving(str(out), "--user", "Ada Lovelace") as running:
        yield running


def hidden(html: str, form_id: str = "override-form") -> dict[str, str]:
    """The csrf and version fields of one form of a page."""
    part = html[html.index(f'id="{form_id}"') :]
    found = dict(re.findall(r'<input type="hidden" name="(csrf|version)" value="([^"]*)"', part))
    assert set(found) == {"csrf", "version"}, part[:500]
    return found


def grades(out: Path) -> dict[str, dict[str, str]]:
    with (out / "grades.csv").open(encoding="utf-8") as f:
        return {row["id"]: row for row in csv.DictReader(f)}


def rows(out: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(out / FILENAME)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


SUBMISSION = "/c/week2/s/wrong_message"


def test_the_pages_render_with_the_policy_and_no_inline_script(server: Server) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}/"
    client = server.client()
    home = client.get("/")
    assert home.status == 200 and '<a href="/c/week2/">week2</a>' in home.text
    overview = client.get("/c/week2/")
    assert overview.status == 200 and 'href="/c/week2/s/no_flatten"' in overview.text
    assert "<img src=x" not in overview.text
    page = client.get(SUBMISSION)
    assert page.status == 200 and 'src="/c/week2/report/wrong_message"' in page.text
    hostile = client.get("/c/week2/s/" + quote(HOSTILE, safe=""))
    assert hostile.status == 200 and "<img src=x" not in hostile.text
    for reply in (home, overview, page, hostile):
        policy = reply.headers["content-security-policy"]
        assert all(directive in policy for directive in POLICY), policy
        assert re.findall(r"<script[^>]*>", reply.text) == [
            '<script src="/static/workbench.js" defer>'
        ]
    report = client.get("/c/week2/report/wrong_message")
    assert report.status == 200 and "sandbox" in report.headers["content-security-policy"]
    assert "<script" not in report.text


def test_override_remove_and_comment_from_the_page(server: Server, out: Path) -> None:
    client = server.client()
    fields = hidden(client.get(SUBMISSION).text)
    assert fields["version"] == "0"
    saved = client.post(
        "/c/week2/override/wrong_message",
        {**fields, "check": "stop_message", "score": "2", "reason": "a typo, not a mistake"},
    )
    assert saved.status == 303, saved.text
    assert saved.headers["location"] == f"{SUBMISSION}?saved=override#corrections"
    assert rows(
        out, "SELECT submission_id, check_id, score, reason, user, removed_at FROM overrides"
    ) == [("wrong_message", "stop_message", 2.0, "a typo, not a mistake", "Ada Lovelace", None)]
    report = (out / "wrong_message.html").read_text(encoding="utf-8")
    assert "Changed by your instructor" in report and "a typo, not a mistake" in report
    row = grades(out)["wrong_message"]
    assert (row["score"], row["raw_score"]) == ("10", "8") and "stop_message=2" in row["overrides"]
    assert "override: stop_message" in (out / "index.html").read_text(encoding="utf-8")

    page = client.get(f"{SUBMISSION}?saved=override")
    assert "Override saved" in page.text and "a typo, not a mistake" in page.text
    fields = hidden(page.text)
    assert fields["version"] == "1"
    removed = client.post("/c/week2/remove/wrong_message", {**fields, "check": "stop_message"})
    assert removed.status == 303
    ((removed_at, removed_by),) = rows(out, "SELECT removed_at, removed_by FROM overrides")
    assert removed_at and removed_by == "Ada Lovelace"
    assert grades(out)["wrong_message"]["score"] == "8"
    assert "Changed by your instructor" not in (out / "wrong_message.html").read_text("utf-8")

    fields = hidden(client.get(SUBMISSION).text, "comment-form")
    assert fields["version"] == "2"
    note = "Your callback is right; print the message exactly: Reached 99% ..."
    assert client.post("/c/week2/comment/wrong_message", {**fields, "text": note}).status == 303
    assert rows(out, "SELECT submission_id, text, user FROM comments") == [
        ("wrong_message", note, "Ada Lovelace")
    ]
    history = client.get(SUBMISSION).text.split('id="corrections"')[1]
    kinds = re.findall(r'<li data-kind="(\w+)">', history)
    assert kinds == ["override", "removed", "comment"]  # every correction kept, in order


def test_a_save_based_on_a_stale_view_is_refused_and_nothing_typed_is_lost(
    server: Server, out: Path
) -> None:
    ada, grace = server.client(), server.client()  # two people, two sessions
    ada_form = hidden(ada.get(SUBMISSION).text)
    grace_form = hidden(grace.get(SUBMISSION).text)
    assert ada_form["version"] == grace_form["version"] == "0"
    assert ada_form["csrf"] != grace_form["csrf"]
    first = {**ada_form, "check": "", "score": "9", "reason": "Ada: agreed in office hours"}
    assert ada.post("/c/week2/override/wrong_message", first).status == 303

    mine = {**grace_form, "check": "", "score": "7", "reason": "Grace: too generous"}
    refused = grace.post("/c/week2/override/wrong_message", mine)
    assert refused.status == 409
    theirs = refused.text.split('id="theirs"')[1].split('id="yours"')[0]
    yours = refused.text.split('id="yours"')[1]
    assert "Ada: agreed in office hours" in theirs
    assert "Grace: too generous" in yours and 'value="7"' in yours
    assert rows(out, "SELECT score, reason FROM overrides") == [
        (9.0, "Ada: agreed in office hours")
    ]
    assert grades(out)["wrong_message"]["score"] == "9"

    # Grace reads theirs, and sends hers again from the conflict page: now it is saved
    again = hidden(refused.text)
    assert again["version"] == "1"
    resent = grace.post("/c/week2/override/wrong_message", {**mine, **again})
    assert resent.status == 303
    assert rows(out, "SELECT score, removed_at IS NULL FROM overrides ORDER BY id") == [
        (9.0, 0),
        (7.0, 1),
    ]
    assert grades(out)["wrong_message"]["score"] == "7"


def test_a_change_without_the_csrf_token_is_refused(server: Server, out: Path) -> None:
    client = server.client()
    fields = hidden(client.get(SUBMISSION).text)
    change = {"check": "", "score": "1", "reason": "forged", "version": fields["version"]}
    assert client.post("/c/week2/override/wrong_message", change).status == 403
    wrong = {**change, "csrf": fields["csrf"][::-1]}
    assert client.post("/c/week2/override/wrong_message", wrong).status == 403
    outsider = server.client()  # a page elsewhere that copied a token but has no cookie
    forged = {**change, "csrf": fields["csrf"]}
    assert outsider.post("/c/week2/override/wrong_message", forged).status == 403
    assert outsider.post("/user", {"name": "mallory", "csrf": fields["csrf"]}).status == 403
    assert rows(out, "SELECT COUNT(*) FROM overrides") == [(0,)]


def test_off_loopback_every_request_needs_the_token(out: Path) -> None:
    with serving(str(out), "--host", "0.0.0.0") as server:
        assert any("needs the token" in line for line in server.output), server.output
        token = dict(p.split("=") for p in urlsplit(server.url).query.split("&"))["token"]
        assert len(token) >= 32
        client = server.client()
        for path in ("/", "/c/week2/", SUBMISSION, "/c/week2/files/grades.csv"):
            refused = client.get(path)
            assert refused.status in (401, 403) and "token" in refused.text
            assert "wrong_message" not in refused.text
        assert client.get("/?token=not-the-token").status in (401, 403)
        entered = client.get(f"/c/week2/?token={token}")
        assert entered.status == 303 and entered.headers["location"] == "/c/week2/"
        assert client.get("/c/week2/").status == 200  # the cookie from now on
        page = client.get(SUBMISSION)
        assert page.status == 200
        change = {"check": "", "score": "1", "reason": "no csrf", "version": "0"}
        assert client.post("/c/week2/override/wrong_message", change).status == 403


def test_nothing_outside_the_served_folder_can_be_read(server: Server, out: Path) -> None:
    secret = out.parent / "secret.txt"
    secret.write_text("TOP SECRET, outside the class folder", encoding="utf-8")
    (out / "link.txt").symlink_to(secret)
    (out / "linkdir").symlink_to(out.parent, target_is_directory=True)
    client = server.client()
    assert client.get("/c/week2/files/grades.csv").status == 200
    attempts = [
        "/c/week2/files/../secret.txt",
        "/c/week2/files/../../../../../../etc/passwd",
        "/c/week2/files/%2e%2e/secret.txt",
        "/c/week2/files/%2e%2e%2fsecret.txt",
        "/c/week2/files/%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/c/week2/files/..%2f..%2f..%2fetc%2fpasswd",
        "/c/week2/files//etc/passwd",
        "/c/week2/files/%2Fetc%2Fpasswd",
        "/c/week2/files/" + quote(str(secret), safe=""),
        "/c/week2/files/link.txt",
        "/c/week2/files/linkdir/secret.txt",
        "/c/week2/files/" + FILENAME,
        "/c/week2/files/%00../secret.txt",
        "/../../../etc/passwd",
        "/c/../../etc/passwd",
        "/static/../../etc/passwd",
        "/static/%2e%2e/classes.py",
        "/c/week2/report/../../secret.txt",
    ]
    for path in attempts:
        reply = client.get(path)
        assert reply.status in (400, 403, 404), (path, reply.status)
        assert "TOP SECRET" not in reply.text and "root:" not in reply.text, path
        assert "def " not in reply.text, path


def test_malformed_requests_get_a_plain_4xx_and_the_server_stays_up(server: Server) -> None:
    client = server.client()
    fields = hidden(client.get(SUBMISSION).text)
    override = "/c/week2/override/wrong_message"
    cases = [
        (client.get("/c/nope/"), 404),
        (client.get("/c/week2/s/nobody"), 404),
        (client.post(override, {**fields, "check": "", "score": "lots", "reason": "r"}), 400),
        (client.post(override, {**fields, "check": "", "score": "1e999", "reason": "r"}), 400),
        (client.post(override, {**fields, "check": "", "score": "-1", "reason": "r"}), 400),
        (client.post(override, {**fields, "check": "bogus", "score": "1", "reason": "r"}), 400),
        (client.post(override, {**fields, "score": "1", "reason": "r"}), 400),
        (client.post(override, {**fields, "check": "", "score": "1", "reason": ""}), 400),
        (client.post(override, {"csrf": fields["csrf"], "check": "", "score": "1"}), 400),
        (client.post("/c/nope/override/x", {**fields, "score": "1"}), 404),
        (client.post("/c/week2/comment/nobody", {**fields, "text": "t"}), 404),
        (client.request("PUT", "/c/week2/"), 405),
        (client.get("/c/week2/s/" + quote(HOSTILE, safe="") + "%FF"), 404),
    ]
    for reply, status in cases:
        assert reply.status == status, (status, reply.status, reply.text)
        assert reply.headers["content-type"].startswith("text/plain"), reply.headers
        assert "Traceback" not in reply.text and 'File "' not in reply.text, reply.text
    assert client.get("/").status == 200
    assert server.process.poll() is None


def _raw(port: int, data: bytes) -> bytes:
    """Bytes straight on a socket, whatever they are; what came back until the server closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        with contextlib.suppress(OSError):  # it answered and closed before taking it all
            sock.sendall(data)
        reply = b""
        with contextlib.suppress(OSError):  # reset after the answer
            while chunk := sock.recv(65536):
                reply += chunk
    return reply


def test_garbage_on_the_wire_gets_a_4xx_and_the_server_stays_up(server: Server, out: Path) -> None:
    """What a browser never sends, through the real HTTP stack (uvicorn's parser, then the
    guard, then the pages): not HTTP at all, broken framing, a path that is not UTF-8, a body
    over the limit (with the session's cookie and form fields, so only the size is wrong). Each
    gets a 4xx, never a 5xx or a traceback; nothing is written."""
    client = server.client()
    fields = urlencode(hidden(client.get(SUBMISSION).text, "comment-form")).encode()
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items()).encode()
    head = b"Host: 127.0.0.1\r\nConnection: close\r\n"
    form = head + b"Content-Type: application/x-www-form-urlencoded\r\nCookie: " + cookies + b"\r\n"
    comment = b"POST /c/week2/comment/wrong_message HTTP/1.1\r\n"
    big = fields + b"&text=" + b"x" * 2**21
    chunk = b"Transfer-Encoding: chunked\r\n\r\nzz\r\nx\r\n0\r\n\r\n"
    garbage = {
        "a TLS hello": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),
        "a word": b"GARBAGE\r\n\r\n",
        "a header line without a colon": b"GET / HTTP/1.1\r\n" + head + b"no colon\r\n\r\n",
        "a NUL in the path": b"GET /\x00 HTTP/1.1\r\n" + head + b"\r\n",
        "no Host": b"GET / HTTP/1.1\r\n\r\n",
        "a negative length": comment + form + b"Content-Length: -5\r\n\r\n",
        "two lengths": comment + form + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "a broken chunk": comment + form + chunk,
        "a path that is not UTF-8": b"GET /c/week2/s/%ff%fe HTTP/1.1\r\n" + head + b"\r\n",
        "a body of 2 MiB": comment + form + b"Content-Length: %d\r\n\r\n" % len(big) + big,
    }
    for what, data in garbage.items():
        reply = _raw(server.port, data)
        status = reply.split(b"\r\n", 1)[0]
        assert re.fullmatch(rb"HTTP/1\.1 4\d\d .*", status), (what, reply[:300])
        assert b"Traceback" not in reply and b'File "' not in reply, (what, reply[:300])
    assert rows(out, "SELECT COUNT(*) FROM comments") == [(0,)]
    assert server.client().get("/c/week2/").status == 200
    assert server.process.poll() is None


def test_a_server_killed_mid_save_leaves_a_whole_gradebook(server: Server, out: Path) -> None:
    """SIGKILL while changes are being saved one after another: every change the server
    confirmed is in the gradebook, whole; the one in flight is there whole or not at all; the
    file passes SQLite's integrity check. The kill lands after three saves were confirmed, a
    quarter into the next one by their pace (about when its transaction runs): the test cannot
    pass on a server that never saved, and a save split in two is caught in its middle."""
    client = server.client()
    fields = hidden(client.get(SUBMISSION).text)
    assert fields["version"] == "0"
    confirmed: list[int] = []
    at: list[float] = []  # when each was confirmed
    refused: list[str] = []
    kill_after = 3

    def save_again_and_again() -> None:
        for n in range(60):
            # The form's version counts corrections: each override after the first also
            # removes the one before it, so the n-th is made at version 2n - 1.
            version = max(0, 2 * n - 1)
            form = {**fields, "version": str(version), "check": "runs", "score": "1"}
            try:
                reply = client.post(
                    "/c/week2/override/wrong_message", {**form, "reason": f"save {n}"}
                )
            except (OSError, http.client.HTTPException):
                return  # the server is gone
            if reply.status != 303:
                refused.append(f"{reply.status}: {reply.text[:300]}")
                return
            at.append(time.monotonic())
            confirmed.append(n)

    saver = threading.Thread(target=save_again_and_again, daemon=True)
    saver.start()
    deadline = time.monotonic() + 120
    while len(confirmed) < kill_after and saver.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    if len(at) >= kill_after:
        time.sleep((at[-1] - at[0]) / (len(at) - 1) / 4)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(15)
    saver.join(30)
    assert not refused, refused
    assert len(confirmed) >= kill_after, f"only {confirmed} saved before the kill"
    assert rows(out, "PRAGMA integrity_check") == [("ok",)]
    found = rows(out, "SELECT reason, score, user FROM overrides ORDER BY id")
    saved = [int(reason.removeprefix("save ")) for reason, _, _ in found]
    assert saved[: len(confirmed)] == confirmed, (saved, confirmed)
    assert len(saved) - len(confirmed) in (0, 1) and saved == list(range(len(saved)))
    assert {(score, user) for _, score, user in found} == {(1.0, "Ada Lovelace")}
    active = rows(out, "SELECT reason FROM overrides WHERE removed_at IS NULL")
    assert active == [(f"save {saved[-1]}",)]


def test_the_host_header_of_another_site_is_refused_on_loopback(server: Server) -> None:
    client = server.client()
    assert client.request("GET", "/", host="attacker.example").status == 403
    assert client.request("GET", "/", host=f"localhost:{server.port}").status == 200
