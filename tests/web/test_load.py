"""`grader serve` under a bounded load on loopback, while a batch grades into the class it serves:
20 clients at once, 2,000 requests in all (the class page, the live fragment, submission pages,
reports, and comments posted with their CSRF value and the version they were based on), within
a time limit. No 5xx, no connection error, and every comment the server accepted is in the
gradebook afterwards (a 409 on a stale version is a right answer: the client sends the comment
again with the version the conflict page gives, as a person would).

Nothing trains: the class is graded with recorded results (served_class.py), and the batch
running meanwhile is `grader grade`'s own batch (grade_folder, in a thread of this process),
grading two submissions again over and over with grading replaced by the recorded verdicts after
three short "epochs" each: it writes the live board and the gradebook's rows exactly as a real
run does. Latency percentiles are printed (`pytest -s` shows them).
"""

from __future__ import annotations

import http.client
import itertools
import random
import re
import sqlite3
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from live_server import Client, Reply, Server, serving
from served_class import EXERCISE, HOSTILE, NON_ASCII, build_class, recorded

import grader.classroom.batch
import grader.classroom.executors
from grader.classroom.gradebook import FILENAME
from grader.grading.sandbox.levels import LEVELS
from grader.results import SubmissionResult

pytestmark = pytest.mark.integration  # starts `grader serve`, 20 clients and a batch

CLIENTS = 20
REQUESTS = 2_000
LIMIT_S = 120.0  # the whole load, or the test fails
RETRIES = 30  # sends of one comment after a 409, at most
IN_FLIGHT = ("gt_threshold", "lambda_model")  # graded again by the batch, over and over
EPOCH_S = 0.15  # one simulated epoch of those gradings
COMMENTED = ("wrong_message", "no_flatten", "syntax_error", "slash_n_message", NON_ASCII, HOSTILE)
SLUG = "week2"
HIDDEN = re.compile(r'<input type="hidden" name="(csrf|version)" value="([^"]*)"')
# what each client does, and how often (a comment is a GET of the page, then a POST)
MIX = {"class": 20, "live": 30, "submission": 25, "report": 15, "comment": 10}


@dataclass
class Load:
    """What the clients did: every request's kind, status and time, and the comments."""

    tickets: Iterator[int]
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: list[tuple[str, int, float]] = field(default_factory=list)  # kind, status, seconds
    failures: list[str] = field(default_factory=list)  # connection errors and wrong answers
    accepted: list[tuple[str, str]] = field(default_factory=list)  # (id, text) answered 303
    conflicts: int = 0  # 409s on a stale version
    abandoned: int = 0  # comments still unsent when the requests ran out

    def ticket(self) -> bool:
        """Whether one more request may be sent (REQUESTS in all)."""
        with self.lock:
            return next(self.tickets) < REQUESTS


def _fields(html: str) -> dict[str, str]:
    """The comment form's csrf and version (on the submission page and the conflict page)."""
    part = html[html.index('id="comment-form"') :]
    found = dict(HIDDEN.findall(part.split("</form>")[0]))
    assert set(found) == {"csrf", "version"}, part[:400]
    return found


def _send(load: Load, kind: str, request: Callable[[], Reply], expected: tuple[int, ...]) -> Reply:
    started = time.perf_counter()
    try:
        reply = request()
    except (OSError, http.client.HTTPException) as exc:
        load.failures.append(f"{kind}: {type(exc).__name__}: {exc}")
        raise
    seconds = time.perf_counter() - started
    load.sent.append((kind, reply.status, seconds))
    if reply.status not in expected:
        load.failures.append(f"{kind}: {reply.status} {reply.text[:200]!r}")
    return reply


def _comment(load: Load, client: Client, name: str, number: int, rng: random.Random) -> None:
    sid = rng.choice(COMMENTED)
    page = f"/c/{SLUG}/s/{quote(sid, safe='')}"
    if not load.ticket():
        return
    form = _fields(_send(load, "submission", lambda: client.get(page), (200,)).text)
    text = f"{name}, comment {number}: look at cell 4 again"
    target = f"/c/{SLUG}/comment/{quote(sid, safe='')}"
    for _ in range(RETRIES):
        if not load.ticket():
            with load.lock:
                load.abandoned += 1
            return
        sent = {**form, "text": text}
        reply = _send(load, "comment", lambda s=sent: client.post(target, s), (303, 409))
        if reply.status == 303:
            with load.lock:
                load.accepted.append((sid, text))
            return
        if reply.status != 409:
            return
        with load.lock:
            load.conflicts += 1
        form = _fields(reply.text)  # the conflict page: the version as it stands now
    load.failures.append(f"comment {text!r}: still refused after {RETRIES} sends")


def _client(load: Load, server: Server, number: int, stop_at: float) -> None:
    rng = random.Random(number)
    client = server.client()
    name = f"client {number}"
    kinds, weights = list(MIX), list(MIX.values())
    targets = [sid for sid in recorded() if sid not in IN_FLIGHT]
    done = 0
    try:
        while time.monotonic() < stop_at:
            kind = rng.choices(kinds, weights)[0]
            if kind == "comment":
                done += 1
                _comment(load, client, name, done, rng)
                continue
            if not load.ticket():
                return
            sid = quote(rng.choice(targets), safe="")
            path = {
                "class": f"/c/{SLUG}/",
                "live": f"/c/{SLUG}/live",
                "submission": f"/c/{SLUG}/s/{sid}",
                "report": f"/c/{SLUG}/report/{sid}",
            }[kind]
            _send(load, kind, lambda p=path: client.get(p), (200,))
        load.failures.append(f"{name}: not done in {LIMIT_S:.0f} s")
    except (OSError, http.client.HTTPException):
        return  # recorded by _send
    except Exception as exc:  # a page without the form it should have, say
        load.failures.append(f"{name}: {type(exc).__name__}: {exc}")


@dataclass
class Batch:
    """`grader grade`'s batch grading IN_FLIGHT again and again into the served class."""

    folder: Path
    out: Path
    stop: threading.Event = field(default_factory=threading.Event)
    runs: int = 0
    error: BaseException | None = None

    def loop(self) -> None:
        try:
            while not self.stop.is_set():
                grader.classroom.batch.grade_folder(
                    self.folder, EXERCISE, self.out, similarity=False,
                    regrade_only=frozenset(IN_FLIGHT),
                )  # fmt: skip
                self.runs += 1
        except BaseException as exc:  # shown by the test
            self.error = exc


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return build_class(tmp_path, SLUG)


@pytest.fixture
def batch(out: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Batch]:
    verdicts = recorded()

    def grading(
        path: Path, spec: object, options: object, on_event: Any = None, **kwargs: object
    ) -> SubmissionResult:
        """A grading that takes a moment and reports its epochs, as a child does."""
        if on_event is not None:
            on_event({"type": "grading_start"})
            on_event({"type": "fit_start", "epochs": 3})
        for epoch in range(3):
            time.sleep(EPOCH_S)
            if on_event is not None:
                logs = {"accuracy": 0.95 + epoch / 100}
                on_event({"type": "epoch", "epoch": epoch, "logs": logs})
        return replace(verdicts[path.stem], id=path.stem, path=str(path))

    monkeypatch.setattr(grader.classroom.executors, "grade_submission", grading)
    monkeypatch.setattr(grader.classroom.batch, "choose_level", lambda *a, **k: LEVELS["process"])
    running = Batch(out.parent / f"{SLUG}-submissions", out)
    thread = threading.Thread(target=running.loop, daemon=True)
    thread.start()
    yield running
    running.stop.set()
    thread.join(60)
    assert not thread.is_alive()


def percentiles(seconds: list[float]) -> str:
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return (
        f"p50 {cuts[49] * 1000:6.1f} ms  p95 {cuts[94] * 1000:6.1f} ms  "
        f"p99 {cuts[98] * 1000:6.1f} ms  max {max(seconds) * 1000:6.1f} ms"
    )


def test_twenty_clients_two_thousand_requests_while_a_batch_grades(out: Path, batch: Batch) -> None:
    with serving(str(out), "--user", "Ada Lovelace") as server:
        load = Load(itertools.count())
        started = time.monotonic()
        stop_at = started + LIMIT_S
        clients = [
            threading.Thread(target=_client, args=(load, server, n, stop_at), daemon=True)
            for n in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join(max(0.0, stop_at - time.monotonic()) + 5)
        elapsed = time.monotonic() - started
        assert not any(c.is_alive() for c in clients), f"clients still busy after {elapsed:.0f} s"
        runs_during = batch.runs
        alive = server.client().get("/")
        assert alive.status == 200 and server.process.poll() is None
    assert batch.error is None, repr(batch.error)

    statuses = Counter(status for _, status, _ in load.sent)
    by_kind: dict[str, list[float]] = {}
    for kind, _, seconds in load.sent:
        by_kind.setdefault(kind, []).append(seconds)
    print(
        f"\n{len(load.sent)} requests from {CLIENTS} clients in {elapsed:.1f} s "
        f"({len(load.sent) / elapsed:.0f} requests/s) while the batch made {runs_during} runs; "
        f"statuses {dict(sorted(statuses.items()))}; comments accepted {len(load.accepted)}, "
        f"409 then sent again {load.conflicts}, unsent at the end {load.abandoned}"
    )
    print(f"  {'all':10} {percentiles([s for _, _, s in load.sent])}  (n={len(load.sent)})")
    for kind, seconds in sorted(by_kind.items()):
        print(f"  {kind:10} {percentiles(seconds)}  (n={len(seconds)})")

    assert not load.failures, load.failures[:10]
    assert len(load.sent) == REQUESTS
    assert elapsed < LIMIT_S
    assert not [s for s in statuses if s >= 500]
    assert runs_during >= 2  # the batch really ran while the clients did
    # no lost correction: each comment answered 303 is in the gradebook, once; nothing else is
    db = sqlite3.connect(out / FILENAME)
    try:
        kept = db.execute("SELECT submission_id, text, user FROM comments").fetchall()
    finally:
        db.close()
    assert Counter((sid, text) for sid, text, _ in kept) == Counter(load.accepted)
    assert load.accepted and {user for *_, user in kept} == {"Ada Lovelace"}
