"""Start a child in a process group of its own, stream its evidence, and end it on a budget."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from grader.grading.sandbox.hardening import protect_grader
from grader.grading.sandbox.levels import IsolationLevel, Job, Launch, Limits

EventHandler = Callable[[dict[str, Any]], None]
CUT_MARKER = (
    "\n[... output cut by the grader after {limit} bytes; {dropped} more bytes dropped ...]\n"
)


@dataclass(frozen=True)
class RunOutcome:
    """How the child ended, what it printed (capped) and the evidence it streamed."""

    returncode: int | None
    timed_out: bool
    duration_s: float
    stdout: str
    stderr: str
    output_truncated: bool
    events: list[dict[str, Any]] = field(default_factory=list)
    malformed_events: int = 0


class _CappedReader(threading.Thread):
    """Reads a stream to its end, keeping the first `limit` bytes and counting the rest."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        super().__init__(daemon=True)
        self.stream, self.limit = stream, limit
        self.kept = bytearray()
        self.dropped = 0

    def run(self) -> None:
        while chunk := self.stream.read1(65536):
            room = self.limit - len(self.kept)
            self.kept += chunk[: max(room, 0)]
            self.dropped += max(len(chunk) - max(room, 0), 0)

    def text(self) -> str:
        text = self.kept.decode("utf-8", errors="replace")
        if self.dropped:
            text += CUT_MARKER.format(limit=self.limit, dropped=self.dropped)
        return text


class _EventReader(threading.Thread):
    """Reads JSON lines from the evidence FIFO as they arrive and hands each to a handler."""

    def __init__(self, fd: int, handler: EventHandler | None, limit: int) -> None:
        super().__init__(daemon=True)
        self.fd, self.handler, self.limit = fd, handler, limit
        self.events: list[dict[str, Any]] = []
        self.malformed = 0
        self.received = 0

    def run(self) -> None:
        pending = b""
        while chunk := os.read(self.fd, 65536):
            self.received += len(chunk)
            if self.received > self.limit:
                continue  # a flood: drain it, keep what came before
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self._take(line)
        os.close(self.fd)

    def _take(self, line: bytes) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            self.malformed += 1
            return
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            self.malformed += 1
            return
        self.events.append(event)
        if self.handler is not None:
            # A progress display must never break grading.
            with contextlib.suppress(Exception):
                self.handler(event)


def _open_fifo(path: Path) -> tuple[int, int]:
    """Create the FIFO and open both ends: the parent's own writer keeps EOF away until the end."""
    os.mkfifo(path, 0o600)  # the level hands it to the sandbox user where there is one
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    keepalive = os.open(path, os.O_WRONLY)
    flags = fcntl.fcntl(reader, fcntl.F_GETFL)
    fcntl.fcntl(reader, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
    return reader, keepalive


def kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def run_isolated(
    argv: Sequence[str],
    *,
    env: dict[str, str],
    job: Job,
    limits: Limits,
    level: IsolationLevel,
    on_event: EventHandler | None = None,
) -> RunOutcome:
    """Run `argv` in `job` at `level` within `limits`; evidence streams in over `job.events`."""
    protect_grader()
    reader_fd, keepalive_fd = _open_fifo(job.events)
    events = _EventReader(reader_fd, on_event, limit=limits.output_bytes * 4)
    events.start()
    launch = level.launch(list(argv), {**env, "GRADER_EVENTS": str(job.events)}, job)
    try:
        return _run_launched(launch, job, limits, level, events, keepalive_fd)
    finally:
        if launch.uid_lock >= 0:  # the sandbox has ended: its uid is free for the next one
            os.close(launch.uid_lock)


def _run_launched(
    launch: Launch,
    job: Job,
    limits: Limits,
    level: IsolationLevel,
    events: _EventReader,
    keepalive_fd: int,
) -> RunOutcome:
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            launch.argv,
            cwd=job.work,
            env=launch.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: one kill ends it and its children
            pass_fds=launch.pass_fds,
            preexec_fn=level.preexec(
                limits, [*launch.child_steps, *level.child_setup(limits, uid=launch.uid)]
            ),
        )
    finally:
        for fd in launch.fds_to_close:
            os.close(fd)
    assert proc.stdout is not None and proc.stderr is not None
    out = _CappedReader(proc.stdout, limits.output_bytes)
    err = _CappedReader(proc.stderr, limits.output_bytes)
    out.start()
    err.start()
    timed_out = False
    try:
        proc.wait(timeout=limits.wall_clock_s)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        kill_group(proc.pid)  # also ends anything the submission left running
        proc.wait()
    duration = time.monotonic() - started
    os.close(keepalive_fd)
    for thread in (out, err, events):
        thread.join(timeout=5)
    return RunOutcome(
        returncode=None if timed_out else proc.returncode,
        timed_out=timed_out,
        duration_s=duration,
        stdout=out.text(),
        stderr=err.text(),
        output_truncated=bool(out.dropped or err.dropped),
        events=list(events.events),
        malformed_events=events.malformed,
    )
