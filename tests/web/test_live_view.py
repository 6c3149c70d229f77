"""The class page follows a running `grader grade` by itself: the grading process's live board
(grader.classroom.live), written by the same progress display a batch uses, read by the real
`grader serve` from another process; the page's script fetches the fragment again."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import Server, serving
from served_class import EXERCISE, build_class, recorded

import grader.classroom.batch
import grader.classroom.class_files
from grader.classroom.gradebook import FILENAME, Comment, Gradebook, Graded, RunInfo
from grader.classroom.keys import grader_identity
from grader.classroom.live import LiveBoard
from grader.classroom.progress import BatchProgress
from grader.web.live import eta_words, seconds_since

pytestmark = pytest.mark.integration  # starts `grader serve`


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return build_class(tmp_path)


@pytest.fixture
def server(out: Path) -> Iterator[Server]:
    with serving(str(out)) as running:
        yield running


def _start_run(out: Path) -> tuple[Gradebook, int]:
    """What `grader grade` does when it starts a run into `out` (another process's view)."""
    book = Gradebook(out / FILENAME)
    run_id = book.start_run(
        RunInfo(
            exercise="mnist_callback",
            spec_hash="a" * 64,
            spec_key="b" * 64,
            source="class/",
            args={"argv": ["grade"], "out_dir": str(out.resolve())},
            executor="2 local workers",
            isolation="limits",
            timeout_s=600.0,
            identity=grader_identity(),
        )
    )
    return book, run_id


def test_the_class_page_follows_a_running_batch(server: Server, out: Path) -> None:
    client = server.client()
    idle = client.get("/c/week2/live")
    assert idle.status == 200 and 'data-running="false"' in idle.text
    page = client.get("/c/week2/")
    assert 'data-live-src="/c/week2/live"' in page.text and "<script" in page.text

    book, run_id = _start_run(out)
    board = LiveBoard(out / FILENAME, run_id)
    display = BatchProgress(None, total=3, jobs=3, slots=2, prior_duration_s=40.0, board=board)
    display.publish()
    display.event("k1", "alice", {"type": "grading_start"})
    display.event("k1", "alice", {"type": "fit_start", "epochs": 10})
    display.event("k1", "alice", {"type": "epoch", "epoch": 3, "logs": {"accuracy": 0.9812}})
    running = client.get("/c/week2/live")
    assert f'data-run="{run_id}" data-running="true"' in running.text
    assert "0/3 done" in running.text
    assert re.search(r"ETA (under a minute|about a minute|about 1 min)<", running.text)
    assert "<code>alice</code>: epoch 4/10, accuracy 0.9812" in running.text

    verdict = recorded()["wrong_message"]
    book.record(run_id, [Graded(verdict, "key-1", "graded")])
    display.finished("k1", [verdict], graded=True)
    landed = client.get("/c/week2/live")
    assert "1/3 done, 0 passed, 1 failed" in landed.text
    assert '<li data-id="wrong_message"><code>wrong_message</code> failed' in landed.text
    assert "alice" not in landed.text.split('id="live-recent"')[0]  # no longer in flight

    book.finish_run(run_id, "finished", {"submissions": 3})
    board.close()
    book.close()
    done = client.get("/c/week2/live")
    assert 'data-running="false"' in done.text and f"Last run {run_id}: finished" in done.text


def test_the_script_polls_the_fragment(server: Server) -> None:
    script = server.client().get("/static/workbench.js").text
    assert "data-live-src" in script and "fetch(live.dataset.liveSrc" in script
    assert json.dumps("same-origin") in script


def test_the_eta_reads_as_time_left_never_zero_while_work_remains() -> None:
    assert eta_words(0) == eta_words(-30) == eta_words(59) == "under a minute"
    assert eta_words(60) == eta_words(89) == "about a minute"
    assert eta_words(150) == "about 2 min" and eta_words(3600) == "about 60 min"
    assert seconds_since("not a time") == 0.0
    assert seconds_since("2000-01-01T00:00:00+00:00") > 20 * 365 * 86400
    assert seconds_since("2999-01-01T00:00:00+00:00") == 0.0  # a clock ahead: no negative age


def test_a_run_is_marked_finished_once_its_files_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page reloads when the run ends: by then the exports must be there to link to."""
    seen: list[tuple[str, bool]] = []
    real = grader.classroom.class_files.publish

    def watching(report: object, out_dir: Path, *args: object) -> None:
        with Gradebook(out_dir / FILENAME) as book:
            seen.append((book.runs()[-1]["status"], (out_dir / "grades.csv").exists()))
        real(report, out_dir, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(grader.classroom.class_files, "publish", watching)
    out = build_class(tmp_path)
    assert seen == [("running", False)]
    with Gradebook(out / FILENAME) as book:
        assert book.runs()[-1]["status"] == "finished"
    assert (out / "grades.csv").is_file()


def test_a_page_can_tell_it_was_overtaken(server: Server, out: Path) -> None:
    client = server.client()
    page = client.get("/c/week2/s/wrong_message")
    drawn = re.search(r'data-stamp="([^"]+)" data-stamp-src="/c/week2/stamp"', page.text)
    assert drawn and 'id="overtaken"' in page.text
    assert client.get("/c/week2/stamp").text == drawn.group(1)
    with Gradebook(out / FILENAME) as book:  # another person, another process
        book.add_comment(Comment(0, EXERCISE, "syntax_error", "see me", "Grace", "t"))
    moved = client.get("/c/week2/stamp").text
    assert moved and moved != drawn.group(1)
    assert f'data-stamp="{moved}"' in client.get("/c/week2/").text
    assert client.get("/c/nope/stamp").status == 404
