"""Where a batch's gradings run: executors, small registered classes behind one interface.

    local   threads in this process, each driving one isolated grading (a TensorFlow child)
    dask    a Dask distributed cluster (`--scheduler tcp://host:8786`); each worker needs the
            grader package, the same versions and the data sets (`grader data fetch`)

Every executor runs the same job function, `run_job`: it takes the submission's bytes and file
name, the exercise spec and the options, and returns the result as plain data. Nothing is read
from the scheduling machine's disk, so workers need no shared file system. A new executor is a
class with a `name`, listed in `EXECUTORS` at the end of this module, that turns jobs into (job,
outcome) pairs as
they finish.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import signal
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Protocol

from grader.errors import InfrastructureError, UsageError
from grader.grading.cores import available_cores
from grader.grading.pipeline import GradeOptions, grade_submission
from grader.registry import Registry
from grader.spec.exercise import ExerciseSpec

__all__ = [
    "EXECUTORS",
    "DaskExecutor",
    "Executor",
    "GradeJob",
    "JobOutcome",
    "LocalExecutor",
    "available_cores",
    "make_executor",
    "run_job",
]

JobEventHandler = Callable[[str, dict[str, Any]], None]  # (job key, event from the child)
EVENT_TOPIC = "grader-events"
CONNECT_TIMEOUT_S = 20


@dataclass(frozen=True)
class GradeJob:
    """One grading to do: everything a worker needs, and nothing from this machine's disk."""

    key: str  # the cache key; also names the job on a cluster
    submission_id: str
    filename: str
    content: bytes
    spec: ExerciseSpec
    options: GradeOptions


@dataclass(frozen=True)
class JobOutcome:
    """A finished job: the result as `SubmissionResult.to_dict()`, or the grader's own failure."""

    result: dict[str, Any] | None
    worker: str
    failure: str = ""  # set when the job itself failed (not the student's code)
    fatal: bool = False  # a GraderError: the batch cannot go on (data missing, bad level)


def run_job(job: GradeJob, on_event: Callable[[dict[str, Any]], None] | None = None) -> JobOutcome:
    """Grade one submission from its bytes; identical wherever it runs."""
    from grader.errors import GraderError

    worker = socket.gethostname()
    if on_event is not None:
        on_event({"type": "grading_start"})
    try:
        with tempfile.TemporaryDirectory(prefix="grader-submission-") as folder:
            path = Path(folder) / Path(job.filename).name
            path.write_bytes(job.content)
            result = grade_submission(
                path, job.spec, job.options, on_event=on_event, submission_id=job.submission_id
            )
        return JobOutcome(result.to_dict(), worker)
    except GraderError as exc:
        return JobOutcome(None, worker, failure=str(exc), fatal=True)
    except Exception as exc:  # a bug in the grader: this submission gets an error, the rest go on
        return JobOutcome(None, worker, failure=f"{type(exc).__name__}: {exc}")


class Executor(Protocol):
    name: ClassVar[str]

    @property
    def slots(self) -> int:
        """How many gradings run at once."""
        ...

    def describe(self) -> str: ...

    def check(self, identity: dict[str, str]) -> None:
        """Raise InfrastructureError when a worker grades with other versions than `identity`."""
        ...

    def run(
        self, jobs: Iterable[GradeJob], on_event: JobEventHandler
    ) -> Iterator[tuple[GradeJob, JobOutcome]]:
        """Run every job; yield each as it finishes. Jobs are taken from `jobs` only as slots
        free up (each holds a submission's bytes)."""
        ...

    def close(self, aborted: bool = False) -> None:
        """Release the workers; `aborted`: also end the gradings still running."""
        ...


def make_executor(name: str, workers: int | None = None, scheduler: str | None = None) -> Executor:
    executor: Executor = EXECUTORS.get_or_explain(name)(workers=workers, scheduler=scheduler)
    return executor


def default_workers(cores: int | None = None, memory_bytes: int | None = None) -> int:
    """One grading per core, each pinned to one TensorFlow thread, as far as memory allows.

    Measured on 2 cores (benchmarks/batch.py): two 1-thread gradings side by side finish a class
    sooner than one 2-thread grading after another, because a small Keras model does not keep two
    threads busy. A grading (child, notebook kernel, evaluator) peaks near 2.5 GiB.
    """
    cores = cores or available_cores()
    if memory_bytes is None:
        with contextlib.suppress(ValueError, OSError, AttributeError):
            memory_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    by_memory = int(memory_bytes // (2.5 * 1024**3)) if memory_bytes else cores
    return max(1, min(cores, by_memory))


class LocalExecutor:
    """Threads in this process; each waits on its own isolated child, so the GIL is no limit."""

    name: ClassVar[str] = "local"

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        if scheduler:
            raise UsageError("--scheduler is for --executor dask")
        if workers is not None and workers < 1:
            raise UsageError("-j must be at least 1")
        self.workers = workers or default_workers()
        self.threads = max(1, available_cores() // self.workers)
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None

    @property
    def slots(self) -> int:
        return self.workers

    def describe(self) -> str:
        plural = "s" if self.threads != 1 else ""
        return (
            f"{self.workers} local worker{'s' if self.workers != 1 else ''} "
            f"({self.threads} CPU thread{plural} each)"
        )

    def check(self, identity: dict[str, str]) -> None:
        return None  # the same process: the same grader

    def run(
        self, jobs: Iterable[GradeJob], on_event: JobEventHandler
    ) -> Iterator[tuple[GradeJob, JobOutcome]]:
        self._pool = concurrent.futures.ThreadPoolExecutor(
            self.workers, thread_name_prefix="grader"
        )
        queue = iter(jobs)
        running: dict[concurrent.futures.Future[JobOutcome], GradeJob] = {}

        def send() -> bool:
            job = next(queue, None)
            if job is None:
                return False
            pinned = replace(job, options=replace(job.options, threads=self.threads))
            assert self._pool is not None
            running[self._pool.submit(run_job, pinned, _bind(on_event, job.key))] = job
            return True

        while len(running) < self.workers and send():
            pass
        while running:
            done, _ = concurrent.futures.wait(
                running, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in done:
                job = running.pop(future)
                send()
                yield job, future.result()

    def close(self, aborted: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if aborted:
            _end_gradings()


def _bind(on_event: JobEventHandler, key: str) -> Callable[[dict[str, Any]], None]:
    return lambda event: on_event(key, event)


def _end_gradings() -> None:
    """Kill the gradings this process started that still run (on an interrupt or an abort).

    Each grading runs in a process group of its own, so the terminal's Ctrl-C does not reach it,
    and its launcher thread would wait out the whole time limit. Linux only (/proc).
    """
    me = os.getpid()
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    ppid = int(stat.read().rsplit(b")", 1)[1].split()[1])
                with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                    ours = any(
                        m in cmdline.read()
                        for m in (b"grader.grading.harness", b"grader.grading.evaluate")
                    )
            except (OSError, IndexError, ValueError):
                continue
            if ppid == me and ours:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(int(entry.name), signal.SIGKILL)


# -- Dask -------------------------------------------------------------------------------------


def _dask_job(job: GradeJob) -> JobOutcome:
    """`run_job` on a Dask worker: threads split between the worker's slots; events published."""
    from distributed import get_worker

    worker = get_worker()
    threads = max(1, available_cores() // max(1, worker.state.nthreads))
    job = replace(job, options=replace(job.options, threads=threads))

    def publish(event: dict[str, Any]) -> None:
        if event.get("type") in ("grading_start", "fit_start", "epoch"):
            worker.log_event(EVENT_TOPIC, {"key": job.key, "event": event})

    return run_job(job, publish)


def _worker_identity() -> dict[str, Any]:
    from grader.classroom.keys import grader_identity
    from grader.grading import data

    missing = [name for name in data.DATASET_NAMES if not data.cache_path(name).is_file()]
    return {**grader_identity(), "missing_data": missing}


class DaskExecutor:
    """A Dask distributed cluster: one task per unique submission, results back as plain data."""

    name: ClassVar[str] = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        if not scheduler:
            raise UsageError("--executor dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
        try:
            from distributed import Client
        except ImportError:
            raise UsageError(
                "--executor dask needs the distributed package: pip install 'grader[dask]'"
            ) from None
        try:
            self.client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise InfrastructureError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}"
            ) from None
        self.scheduler = scheduler
        self.limit = workers  # -j: at most this many gradings on the cluster at once

    @property
    def slots(self) -> int:
        total = sum(self.client.nthreads().values()) or 1
        return min(total, self.limit) if self.limit else total

    def describe(self) -> str:
        workers = self.client.nthreads()
        return (
            f"Dask cluster at {self.scheduler}: {len(workers)} worker(s), "
            f"{sum(workers.values())} slot(s)"
        )

    def check(self, identity: dict[str, str]) -> None:
        seen = self.client.run(_worker_identity)
        if not seen:
            raise InfrastructureError(f"the Dask cluster at {self.scheduler} has no workers")
        for address, theirs in seen.items():
            for name in ("grader", "tensorflow", "keras"):
                if theirs.get(name) != identity[name]:
                    raise InfrastructureError(
                        f"Dask worker {address} grades with {name} {theirs.get(name)}, this "
                        f"machine with {identity[name]}: install the same version everywhere"
                    )
            if theirs["missing_data"]:
                raise InfrastructureError(
                    f"Dask worker {address} lacks the data set(s) "
                    f"{', '.join(theirs['missing_data'])}: run `grader data fetch` there"
                )

    def run(
        self, jobs: Iterable[GradeJob], on_event: JobEventHandler
    ) -> Iterator[tuple[GradeJob, JobOutcome]]:
        from distributed import as_completed

        def relay(record: tuple[float, dict[str, Any]]) -> None:
            message = record[1]
            with contextlib.suppress(Exception):
                on_event(message["key"], message["event"])

        self.client.subscribe_topic(EVENT_TOPIC, relay)
        pending = iter(jobs)
        by_future: dict[Any, GradeJob] = {}
        queue = as_completed(loop=self.client.loop)

        def send() -> bool:
            job = next(pending, None)
            if job is None:
                return False
            future = self.client.submit(
                _dask_job, job, key=f"grade-{job.key[:16]}-{uuid.uuid4().hex[:8]}", pure=False
            )
            by_future[future] = job
            queue.add(future)
            return True

        # The scheduler gets a little more than the cluster can run, so no worker waits on us;
        # -j caps it lower.
        while len(by_future) < (self.limit or 2 * self.slots) and send():
            pass
        try:
            for future in queue:
                job = by_future.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:  # the worker died, or the job could not be sent
                    outcome = JobOutcome(None, "dask", failure=f"{type(exc).__name__}: {exc}")
                send()
                yield job, outcome
        finally:
            for future in by_future:
                future.cancel()
            with contextlib.suppress(Exception):
                self.client.unsubscribe_topic(EVENT_TOPIC)

    def close(self, aborted: bool = False) -> None:
        with contextlib.suppress(Exception):
            self.client.close()


EXECUTORS: Registry[type[Executor]] = Registry(
    "executor", ((c.name, c) for c in (LocalExecutor, DaskExecutor))
)
