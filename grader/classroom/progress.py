"""What a batch shows while it runs: a live progress display on a terminal, log lines otherwise.

On a terminal (rich.progress): one line for the class (done/total, passed and failed so far,
ETA) and one per grading in flight (its epoch, from the child's live events). Not on a terminal
(CI, a log file): a plain line when a grading starts, for each epoch, and for each verdict.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.text import Text

from grader.classroom.live import LiveBoard
from grader.report.terminal import verdict_line
from grader.results import SubmissionResult


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


@dataclass
class _Running:
    label: str
    started: float = field(default_factory=time.monotonic)
    epochs: int | None = None
    epoch: int = 0
    accuracy: float | None = None
    task: TaskID | None = None

    def text(self) -> str:
        if not self.epoch and self.epochs is None:
            return f"starting, {time.monotonic() - self.started:.0f} s"
        parts = [f"epochs {self.epoch}" + (f"/{self.epochs}" if self.epochs else "") + " done"]
        if self.accuracy is not None:
            parts.append(f"accuracy {self.accuracy:.4f}")
        parts.append(f"{time.monotonic() - self.started:.0f} s")
        return ", ".join(parts)


class BatchProgress:
    """Thread-safe: child events arrive on worker threads, verdicts on the main thread."""

    def __init__(
        self,
        console: Console | None,
        total: int,
        jobs: int,
        slots: int,
        prior_duration_s: float | None = None,
        board: LiveBoard | None = None,
    ) -> None:
        self.board = board  # where other processes follow this batch (grader.classroom.live)
        self.console = console
        self.total, self.jobs, self.slots = total, jobs, max(1, slots)
        self.done = self.passed = self.failed = self.jobs_done = 0
        self.prior = prior_duration_s
        self.durations: list[float] = []
        self.running: dict[str, _Running] = {}
        self.lock = threading.Lock()
        self.live = console is not None and console.is_terminal
        self.progress: Progress | None = None
        self.overall: TaskID | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> BatchProgress:
        if self.live and self.console is not None:
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(bar_width=24),
                _InfoColumn(self),
                console=self.console,
                transient=False,
                refresh_per_second=4,
            )
            self.progress.start()
            self.overall = self.progress.add_task("grading", total=self.total, info="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def log(self, message: str) -> None:
        if self.console is None:
            return
        if self.progress is not None:
            self.progress.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            self.console.print(message, markup=False, highlight=False, soft_wrap=True)

    # -- events -----------------------------------------------------------------------------

    def event(self, key: str, label: str, event: dict[str, Any]) -> None:
        kind = event.get("type")
        with self.lock:
            running = self.running.get(key)
            if kind == "grading_start" or running is None:
                if running is None:
                    running = self.running[key] = _Running(label)
                    if self.progress is not None:
                        running.task = self.progress.add_task(f"  {label}", total=None, info="")
                    if self.board is not None:
                        self.board.job(key, label)
                if kind == "grading_start":
                    if self.progress is None:
                        self.log(f"{label}: grading")
                    return
            if kind == "fit_start":
                running.epochs = event.get("epochs") or None
                running.epoch = 0
            elif kind == "epoch":
                running.epoch = int(event.get("epoch", 0)) + 1
                logs = event.get("logs", {}) or {}
                running.accuracy = next(
                    (logs[k] for k in ("accuracy", "acc") if isinstance(logs.get(k), float)), None
                )
                if self.progress is None:
                    self.log(f"{label}: {running.text()}")
                if self.board is not None:
                    self.board.job(key, label, running.epoch, running.epochs, running.accuracy)
                    self.publish()  # the ETA moves with the epochs too
            else:
                return
            if self.progress is not None and running.task is not None:
                self.progress.update(running.task, total=running.epochs, completed=running.epoch)

    def finished(self, key: str | None, results: list[SubmissionResult], graded: bool) -> None:
        """A verdict for `results` (one job's submissions, or ones reused from the gradebook);
        a job whose submissions wait for more seeds finishes with no results."""
        with self.lock:
            running = self.running.pop(key, None) if key else None
            if running is not None and self.progress is not None and running.task is not None:
                self.progress.remove_task(running.task)
            if graded:
                self.jobs_done += 1
                if running is not None:
                    self.durations.append(time.monotonic() - running.started)
            if self.board is not None and key is not None:
                self.board.job_done(key)
            self._count(results, shown=graded)

    def decided(self, results: list[SubmissionResult]) -> None:
        """Verdicts decided across several seeds (their jobs were counted as they finished)."""
        with self.lock:
            self._count(results, shown=True)

    def add_jobs(self, count: int) -> None:
        """More jobs than announced: the extra seeds of borderline submissions."""
        with self.lock:
            self.jobs += count

    def _count(self, results: list[SubmissionResult], shown: bool) -> None:
        for result in results:
            self.done += 1
            if result.passed:
                self.passed += 1
            else:
                self.failed += 1
            if self.progress is None and shown:
                self.log(f"[{self.done}/{self.total}] {verdict_line(result)}")
        if self.progress is not None and self.overall is not None:
            self.progress.update(self.overall, completed=self.done)
        self.publish()

    def publish(self) -> None:
        """The counts and ETA on the live board (callers hold the lock, or are alone)."""
        if self.board is not None:
            self.board.progress(
                self.total, self.done, self.passed, self.failed, self.jobs, self.jobs_done,
                self.eta_s() if self.done < self.total else 0.0,
            )  # fmt: skip

    # -- figures ----------------------------------------------------------------------------

    def eta_s(self) -> float | None:
        typical = sum(self.durations) / len(self.durations) if self.durations else self.prior
        if typical is None:
            return None
        queued = self.jobs - self.jobs_done - len(self.running)
        in_flight = sum(
            max(typical - (time.monotonic() - r.started), 0.0) for r in self.running.values()
        )
        return (max(queued, 0) * typical + in_flight) / self.slots

    def summary(self) -> str:
        eta = self.eta_s()
        remaining = (
            "" if self.done == self.total else f", ETA {_clock(eta) if eta is not None else '?'}"
        )
        return (
            f"{self.done}/{self.total} done, {self.passed} passed, {self.failed} failed{remaining}"
        )


class _InfoColumn(ProgressColumn):
    """The class line's counts and ETA, or a running grading's epoch, worked out at each refresh."""

    def __init__(self, display: BatchProgress) -> None:
        super().__init__()
        self.display = display

    def render(self, task: Task) -> Text:
        if task.id == self.display.overall:
            return Text(self.display.summary())
        for running in list(self.display.running.values()):
            if running.task == task.id:
                return Text(running.text(), style="dim")
        return Text("")
