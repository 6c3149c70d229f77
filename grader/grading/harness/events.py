"""The child's side of the evidence stream: JSON lines written to a FIFO the grader reads live."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import select
import signal
import threading
import time
from typing import Any

# One write of at most PIPE_BUF bytes to a FIFO is atomic, so lines from the runner and the
# notebook kernel never interleave. Longer text fields are cut to stay under it.
_MAX_LINE = 4000
_MAX_TEXT = 1500

_fd: int | None = None
_start = time.monotonic()


def _channel() -> int | None:
    global _fd
    if _fd is None:
        path = os.environ.get("GRADER_EVENTS")
        if not path:
            return None
        _fd = _open_writer(path)
    return _fd


def _open_writer(path: str) -> int:
    """Open the FIFO's write end; with no reader there (the grader died), end the run."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a blocking open would wait for the dead grader forever
            _grader_gone()
        raise
    os.set_blocking(fd, True)
    return fd


def _grader_gone() -> None:
    """The grader is gone: nobody will read the evidence or end this run, so end it now."""
    if os.getpgrp() == os.getpid():  # the grader gave the run a process group of its own
        with contextlib.suppress(OSError):
            os.killpg(0, signal.SIGKILL)  # the harness and whatever it started
    os._exit(137)


def watch_grader() -> None:
    """End this run as soon as the grader stops reading its evidence, whatever it is doing.

    The parent-death signal covers most deaths, but a sandbox whose launcher is killed in the
    few milliseconds while it starts can miss it (bubblewrap sets it in its inner process a
    little late). The FIFO tells: when its only reader, the grader, is gone, the write end
    polls as an error.
    """
    fd = _channel()
    if fd is None:
        return

    def watch() -> None:
        poller = select.poll()
        poller.register(fd, 0)  # errors and hang-ups are always reported
        while True:
            for _, mask in poller.poll():
                if mask & select.POLLNVAL:  # the submission closed it: nothing left to watch
                    return
                if mask & (select.POLLERR | select.POLLHUP):
                    _grader_gone()

    threading.Thread(target=watch, name="grader-watchdog", daemon=True).start()


def emit(kind: str, **fields: Any) -> None:
    """Send one event to the grader; silently a no-op when run outside the grader."""
    fd = _channel()
    if fd is None:
        return
    for key, value in fields.items():
        if isinstance(value, str) and len(value) > _MAX_TEXT:
            # Keep both ends: TensorFlow puts the cause of an error at the end of its message.
            half = _MAX_TEXT // 2
            fields[key] = value[:half] + "\n[... cut by the grader ...]\n" + value[-half:]
    event = {"type": kind, "t": round(time.monotonic() - _start, 3), **fields}
    line = json.dumps(event, default=str, ensure_ascii=True)
    if len(line) > _MAX_LINE:
        line = json.dumps({"type": kind, "t": event["t"], "oversized": True})
    os.write(fd, (line + "\n").encode())
