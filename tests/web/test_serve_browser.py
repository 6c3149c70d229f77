"""`grader serve` in headless Chromium: from the class page to a submission, its report framed
(sandboxed, no script), and an override sent from the form, all under the workbench's CSP
(its one script, a static file, runs; nothing is blocked, nothing reaches another host), and the
page saying so when someone else corrects the same submission meanwhile."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import ARGS, CHROMIUM, DESKTOP, require, shoot
from live_server import serving
from served_class import EXERCISE, build_class

from grader.classroom.gradebook import FILENAME, Comment, Gradebook

pytestmark = pytest.mark.integration  # starts `grader serve` and a browser

playwright_api = require()


def test_an_override_sent_from_the_browser(tmp_path: Path) -> None:
    out = build_class(tmp_path)
    with serving(str(out), "--user", "Ada") as server, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport=DESKTOP)
            problems: list[str] = []
            requests: list[str] = []
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("dialog", lambda d: (problems.append(d.message), d.dismiss()))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("request", lambda r: requests.append(r.url))

            page.goto(f"{server.url}c/week2/")
            page.click('a[href="/c/week2/s/wrong_message"]')
            page.wait_for_url("**/c/week2/s/wrong_message")
            report = page.frame_locator("#report")
            assert report.locator("#submission-name").inner_text() == "wrong_message"
            # the static script ran: the points field follows the check chosen
            page.select_option("#override-check", "stop_message")
            assert page.get_attribute("#override-score", "placeholder") == "0 to 2"
            page.fill("#override-score", "2")
            page.fill("#override-reason", "the message differs by a typo")
            page.click("#override-form button[type=submit]")
            page.wait_for_url("**saved=override**")
            assert "Override saved" in page.inner_text("#saved")
            assert "10 / 10" in page.inner_text("#final-score")
            changed = report.locator('[data-adjustment="override"]')
            assert "the message differs by a typo" in changed.inner_text()
            shoot(page, "workbench-submission.png")
            # someone else comments on the same submission: the open page says it was overtaken
            assert page.is_hidden("#overtaken")
            with Gradebook(out / FILENAME) as book:
                book.add_comment(Comment(0, EXERCISE, "wrong_message", "see me", "Grace", "t"))
            page.wait_for_selector("#overtaken", state="visible", timeout=20_000)
            page.click("#overtaken a")
            page.wait_for_selector("text=see me")
            assert page.is_hidden("#overtaken")
            assert not problems, problems
            origin = server.url.rstrip("/")
            assert all(u.startswith(origin) or u.startswith("data:") for u in requests), requests
        finally:
            browser.close()
    with Gradebook(out / FILENAME) as book:
        (override,) = book.overrides()
    assert (override.check, override.score, override.user) == ("stop_message", 2.0, "Ada")
