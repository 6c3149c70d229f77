"""Feedback release through the real `grader serve`: a class downloaded from Moodle and Canvas
(its submissions named as they name their downloads), the zip of each layout with names that
grader.classroom.lms_names parses back to the same participant, the comments in the released
reports (and not in the class folder's), the release recorded in the gradebook, and a later
override marking the submission "not yet released"."""

from __future__ import annotations

import io
import re
import sqlite3
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from live_server import Client, serving
from served_class import build_class, recorded

from grader.classroom.gradebook import FILENAME
from grader.classroom.lms_names import parse_lms_name
from grader.results import SubmissionResult

pytestmark = pytest.mark.integration  # starts `grader serve`

ADA = "Ada Lovelace_402_assignsubmission_file_"  # Moodle's folder names
JOSE = "José Nuñez_403_assignsubmission_file_"
LOVELACE = "lovelaceada_12345_6789012_hw2"  # Canvas's file names (the .py dropped)
SMITH = "smithjohn_LATE_12346_6789013_hw2"
PLAIN = "alice"
COMMENT = "Nice callback. Print the message exactly as the task writes it."


def verdicts() -> dict[str, SubmissionResult]:
    found = recorded()
    return {
        ADA: found["wrong_message"],
        JOSE: found["gt_threshold"],
        LOVELACE: found["callback_not_passed"],
        SMITH: found["wrong_message"],
        PLAIN: found["syntax_error"],
    }


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return build_class(tmp_path, "lms", verdicts())


def hidden(html: str, form_id: str) -> dict[str, str]:
    part = html[html.index(f'id="{form_id}"') :]
    return dict(re.findall(r'<input type="hidden" name="(csrf|version)" value="([^"]*)"', part))


def feedback_cell(client: Client, sid: str) -> str:
    page = client.get("/c/lms/").text
    row = page.split(f'data-id="{sid}"')[1].split("</tr>")[0]
    return row.split('class="feedback">')[1]


def releases(out: Path) -> list[tuple]:
    db = sqlite3.connect(out / FILENAME)
    try:
        return db.execute(
            "SELECT submission_id, layout, name, user, fingerprint, released_at FROM releases "
            "ORDER BY id"
        ).fetchall()
    finally:
        db.close()


def test_release_zips_name_each_student_as_their_lms_does(out: Path) -> None:
    with serving(str(out), "--user", "Ada's TA") as server:
        client = server.client()
        page = client.get(f"/c/lms/s/{quote(ADA, safe='')}").text
        comment = {**hidden(page, "comment-form"), "text": COMMENT}
        assert client.post(f"/c/lms/comment/{quote(ADA, safe='')}", comment).status == 303
        csrf = comment["csrf"]

        overview = client.get("/c/lms/release").text
        assert 'id="pending-count">5<' in overview
        assert f"<code>{ADA}/feedback.html</code>" in overview

        # no CSRF value: refused, nothing recorded
        refused = client.post("/c/lms/release", {"layout": "moodle", "which": "all"})
        assert refused.status == 403 and releases(out) == []
        bad = client.post("/c/lms/release", {"csrf": csrf, "layout": "blackboard", "which": "all"})
        assert bad.status == 400 and releases(out) == []

        moodle = zip_of(client, csrf, "moodle")
        assert set(moodle) == {f"{ADA}/feedback.html", f"{JOSE}/feedback.html"}
        for name, sid in ((ADA, ADA), (JOSE, JOSE)):
            parsed = parse_lms_name(name)
            expected = parse_lms_name(sid)
            assert parsed is not None and expected is not None
            assert (parsed.lms, parsed.user, parsed.number) == (
                "moodle",
                expected.user,
                expected.number,
            )
        assert COMMENT in moodle[f"{ADA}/feedback.html"]
        assert "From your instructor" not in moodle[f"{JOSE}/feedback.html"]
        static = (out / f"{ADA}.html").read_text(encoding="utf-8")
        assert COMMENT not in static  # the class folder's report: as grader grade wrote it
        preview = client.get(f"/c/lms/feedback/{quote(ADA, safe='')}")
        assert preview.text == moodle[f"{ADA}/feedback.html"]  # what the zip holds
        assert "sandbox" in preview.headers["content-security-policy"]
        recorded_rows = releases(out)
        assert [(r[0], r[1], r[2], r[3]) for r in recorded_rows] == [
            (ADA, "moodle", f"{ADA}/feedback.html", "Ada's TA"),
            (JOSE, "moodle", f"{JOSE}/feedback.html", "Ada's TA"),
        ]
        assert all(re.fullmatch(r"[0-9a-f]{64}", r[4]) and r[5] for r in recorded_rows)
        assert feedback_cell(client, ADA).startswith("released ")
        assert "not yet released" in feedback_cell(client, PLAIN)
        build_class(out.parent, "lms", verdicts(), regrade=True)  # the same verdicts again
        assert feedback_cell(client, ADA).startswith("released ")

        canvas = zip_of(client, csrf, "canvas")
        assert set(canvas) == {
            "lovelaceada_12345_6789012_feedback.html",
            "smithjohn_LATE_12346_6789013_feedback.html",
        }
        for name, sid in zip(sorted(canvas), (LOVELACE, SMITH), strict=True):
            parsed, expected = parse_lms_name(name), parse_lms_name(sid)
            assert parsed is not None and expected is not None
            assert (parsed.lms, parsed.user, parsed.number, parsed.flagged_late) == (
                "canvas",
                expected.user,
                expected.number,
                expected.flagged_late,
            )
        assert parse_lms_name(sorted(canvas)[1]).flagged_late  # type: ignore[union-attr]
        assert set(zip_of(client, csrf, "files")) == {
            f"{sid}.html" for sid in (ADA, JOSE, LOVELACE, SMITH, PLAIN)
        }

        # a later override: Ada's feedback is no longer what she was given
        page = client.get(f"/c/lms/s/{quote(ADA, safe='')}").text
        override = {
            **hidden(page, "override-form"),
            "check": "stop_message",
            "score": "2",
            "reason": "the message is right in spirit",
        }
        assert client.post(f"/c/lms/override/{quote(ADA, safe='')}", override).status == 303
        flagged = feedback_cell(client, ADA)
        assert 'data-flag="not-released"' in flagged and "changed since the release" in flagged
        assert feedback_cell(client, JOSE).startswith("released ")

        # released again, only what is not yet released as it stands: Ada, with both changes
        again = zip_of(client, csrf, "moodle", "pending")
        assert set(again) == {f"{ADA}/feedback.html"}
        assert COMMENT in again[f"{ADA}/feedback.html"]
        assert "the message is right in spirit" in again[f"{ADA}/feedback.html"]
        assert feedback_cell(client, ADA).startswith("released ")
        nothing = client.post(
            "/c/lms/release", {"csrf": csrf, "layout": "moodle", "which": "pending"}
        )
        assert nothing.status == 400 and "already released" in nothing.text
        # a comment after the release changes the feedback too
        page = client.get(f"/c/lms/s/{quote(JOSE, safe='')}").text
        note = {**hidden(page, "comment-form"), "text": "Well done."}
        assert client.post(f"/c/lms/comment/{quote(JOSE, safe='')}", note).status == 303
        assert 'data-flag="not-released"' in feedback_cell(client, JOSE)


def zip_of(client: Client, csrf: str, layout: str, which: str = "all") -> dict[str, str]:
    """POST the release form; the zip's files, name -> text."""
    reply = client.post("/c/lms/release", {"csrf": csrf, "layout": layout, "which": which})
    assert reply.status == 200, reply.text
    assert reply.headers["content-type"] == "application/zip"
    assert f'filename="lms-feedback-{layout}.zip"' in reply.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(reply.body)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
