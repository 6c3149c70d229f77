"""The class page follows a running `grader grade` by itself: the grading process's live board
(grader.classroom.live), written by the same progress display a batch uses, read by the real
`grader serve` from another process; the page's script fetches the fragment again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import Server, serving
from served_class import build_class, recorded

from grader.classroom.gradebook import FILENAME, Gradebook, Graded, RunInfo
from grader.classroom.keys import grader_identity
from grader.classroom.live import LiveBoard
from grader.classroom.progress import BatchProgress

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
    assert "0/3 done" in running.text and "ETA" in running.text
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
