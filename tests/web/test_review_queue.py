"""The review queue through the real `grader serve`: each kind of item listed with its reason and
a link to the submission, resolving one (CSRF, who, when, note in the gradebook), a regrade with
the same figures keeping it resolved, and new figures reopening it (and raising an override
whose automatic verdict changed). The class is built without training (review_class.py); the
finer refusals are checked in process."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from live_server import serving
from review_class import build_review_class, passing, robustness
from served_class import recorded
from starlette.testclient import TestClient

from grader.classroom.gradebook import FILENAME
from grader.web.app import create_app
from grader.web.classes import find_classes
from grader.web.security import GuardConfig

pytestmark = pytest.mark.integration  # starts `grader serve`

QUEUE = "/c/review/review"
FIRST = {
    ("forged", "evidence"),
    ("slow", "error"),
    ("seeds_split", "seeds"),
    ("copied", "similar:original"),
    ("ghost", "missing"),
    ("late_one", "late"),
}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return build_review_class(tmp_path)


def items(html: str, section: str) -> dict[tuple[str, str], str]:
    """(submission id, item key) -> its row's HTML, in the section `open` or `resolved`."""
    part = html.split(f'<section id="{section}">')[1].split("</section>")[0]
    found = {}
    for row in re.findall(r"<tr id=\"item-.*?</tr>", part, flags=re.S):
        sid = re.search(r'data-id="([^"]*)"', row)
        key = re.search(r'data-item="([^"]*)"', row)
        assert sid and key, row
        found[(sid[1], key[1])] = row
    return found


def fields(row: str) -> dict[str, str]:
    found = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', row))
    assert set(found) == {"csrf", "item", "fingerprint"}, row
    return found


def resolutions(out: Path) -> list[tuple]:
    db = sqlite3.connect(out / FILENAME)
    try:
        return db.execute(
            "SELECT submission_id, item, note, user, created_at, fingerprint FROM resolutions "
            "ORDER BY id"
        ).fetchall()
    finally:
        db.close()


def test_the_queue_lists_each_kind_and_a_resolution_follows_the_figures(
    out: Path, tmp_path: Path
) -> None:
    with serving(str(out), "--user", "Ada Lovelace") as server:
        client = server.client()
        home = client.get("/")
        assert re.search(r'href="/c/review/review" class="review-count">6<', home.text)
        assert 'href="/c/review/review" id="review-link"' in client.get("/c/review/").text

        page = client.get(QUEUE)
        assert page.status == 200
        found = items(page.text, "open")
        assert set(found) == FIRST
        reasons = {
            ("forged", "evidence"): "did not change the model&#39;s weights",
            ("slow", "error"): "Timed out: the run passed its time limit",
            ("seeds_split", "seeds"): "the seeds disagreed (early_stop 5/5, stop_message 2/5)",
            ("copied", "similar:original"): "100% alike with &#39;original&#39;",
            ("ghost", "missing"): "On the roster (Grace Hopper), no submission found",
            ("late_one", "late"): "Late by 1 d 1 h",
        }
        for (sid, key), says in reasons.items():
            assert says in found[(sid, key)], (sid, found[(sid, key)])
            assert f'href="/c/review/s/{sid}"' in found[(sid, key)]
        assert 'href="/c/review/s/original"' in found[("copied", "similar:original")]
        assert "1 verdict(s) confirmed on several seeds where the seeds agreed" in page.text
        assert items(page.text, "resolved") == {}

        # resolving needs the CSRF value; with it: who, when and the note are recorded
        form = fields(found[("seeds_split", "seeds")])
        note = "2 of 5 seeds print the message: the majority rule stands"
        sent = {"item": form["item"], "fingerprint": form["fingerprint"], "note": note}
        assert client.post("/c/review/resolve/seeds_split", sent).status == 403
        assert server.client().post("/c/review/resolve/seeds_split", {**form, **sent}).status == 403
        assert resolutions(out) == []
        done = client.post("/c/review/resolve/seeds_split", {**form, "note": note})
        assert done.status == 303 and done.headers["location"] == f"{QUEUE}?saved=1#resolved"
        ((sid, key, kept, user, at, fingerprint),) = resolutions(out)
        assert (sid, key, kept, user) == ("seeds_split", "seeds", note, "Ada Lovelace")
        assert datetime.fromisoformat(at).tzinfo is not None and fingerprint == form["fingerprint"]
        page = client.get(f"{QUEUE}?saved=1")
        assert set(items(page.text, "open")) == FIRST - {("seeds_split", "seeds")}
        settled = items(page.text, "resolved")[("seeds_split", "seeds")]
        assert "Ada Lovelace" in settled and note in settled

        # the same form again: someone resolved it meanwhile; refused, the note typed kept
        again = client.post("/c/review/resolve/seeds_split", {**form, "note": "my second look"})
        assert again.status == 409
        assert "resolved it meanwhile" in again.text and "my second look" in again.text
        assert len(resolutions(out)) == 1

        # an override on flip, made before the regrades
        sub = client.get("/c/review/s/flip").text
        hidden = dict(
            re.findall(
                r'<input type="hidden" name="(csrf|version)" value="([^"]*)"',
                sub[sub.index('id="override-form"') :],
            )
        )
        override = {**hidden, "check": "stop_message", "score": "2", "reason": "a typo"}
        assert client.post("/c/review/override/flip", override).status == 303

        # a regrade with the same figures: still resolved, nothing new
        build_review_class(tmp_path, regrade=True)
        page = client.get(QUEUE)
        assert set(items(page.text, "open")) == FIRST - {("seeds_split", "seeds")}
        assert ("seeds_split", "seeds") in items(page.text, "resolved")

        # new figures: the seeds' item reopens, flip's override asks for a look
        wrong = recorded()["wrong_message"]
        changes = {
            "seeds_split": replace(wrong, robustness=robustness(1, agreed=False)),
            "flip": passing(wrong, "stop_message"),
        }
        build_review_class(tmp_path, regrade=True, changes=changes)
        page = client.get(QUEUE)
        found = items(page.text, "open")
        assert set(found) == FIRST | {("flip", "override:stop_message")}
        reopened = found[("seeds_split", "seeds")]
        assert "stop_message 1/5" in reopened and "Reopened" in reopened and note in reopened
        assert "was fail 0, now pass 2" in found[("flip", "override:stop_message")]
        assert items(page.text, "resolved") == {}
        assert 'class="review-count">7<' in client.get("/").text


def test_refusals_in_process(out: Path) -> None:
    app = create_app(find_classes([out]), GuardConfig(port=8000, token=None, loopback=True), "ta")
    client = TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False)
    form = fields(items(client.get(QUEUE).text, "open")[("late_one", "late")])
    url = "/c/review/resolve/late_one"
    cases = [
        (client.post(url, data={**form, "note": "  "}), 400, "the note is empty"),
        (client.post(url, data={**form, "fingerprint": "xyz", "note": "n"}), 400, "fingerprint"),
        (client.post(url, data={**form, "item": "late:nope", "note": "n"}), 404, "no such review"),
        (client.post("/c/review/resolve/nobody", data={**form, "note": "n"}), 404, "submission"),
        (client.post("/c/nope/resolve/late_one", data={**form, "note": "n"}), 404, "no such class"),
    ]
    for response, status, says in cases:
        assert response.status_code == status, response.text
        assert says in response.text and "Traceback" not in response.text
    # figures other than the page showed (a regrade landed meanwhile): 409, the note kept
    stale = client.post(url, data={**form, "fingerprint": "0" * 64, "note": "looked at it"})
    assert stale.status_code == 409
    assert "its figures changed" in stale.text and ">looked at it</textarea>" in stale.text
    assert resolutions(out) == []
    assert client.post(url, data={**form, "note": "agreed extension"}).status_code == 303
    assert [r[:4] for r in resolutions(out)] == [("late_one", "late", "agreed extension", "ta")]


def test_one_kind_a_page_at_a_time_in_process(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The kind links list one kind; with pages of 2 the next-page links walk every open item
    once, in the queue's order; a kind or cursor the page never offers is refused."""
    app = create_app(find_classes([out]), GuardConfig(port=8000, token=None, loopback=True), "ta")
    client = TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False)
    every = list(items(client.get(QUEUE).text, "open"))
    assert set(every) == FIRST
    late = client.get(QUEUE + "?kind=late").text
    assert list(items(late, "open")) == [("late_one", "late")] and 'id="kind-shown"' in late
    assert 'href="?kind=error" class="kind-filter"' in late
    monkeypatch.setattr("grader.web.queue.PAGE_SIZE", 2)
    walked, url = [], QUEUE
    while True:
        html = client.get(url).text
        walked += list(items(html, "open"))
        found = re.search(r'<a href="\?([^"]+)" id="open-next"', html)
        if not found:
            break
        url = QUEUE + "?" + found[1].replace("&amp;", "&")
    assert walked == every and len(walked) > 2
    assert client.get(QUEUE + "?kind=nope").status_code == 400
    assert client.get(QUEUE + "?after=nope").status_code == 400
