"""A grading's job folder (work, home, out, the evidence FIFO), and the sweep of folders left
behind by graders that are gone."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Job:
    """The directories of one run. Only `work`, `home` and `out` are writable by the child."""

    root: Path
    # The verified data sets a submission may load, all in one folder: the exercise's first,
    # then the course's others that are provisioned (a lab that shows both data sets).
    data_files: tuple[Path, ...]

    @property
    def data_dir(self) -> Path:
        return self.data_files[0].parent

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def events(self) -> Path:
        return self.root / "events.fifo"

    @classmethod
    def create(cls, *data_files: Path) -> Job:
        if not data_files:
            raise ValueError("a job needs the data set its exercise loads")
        sweep_once()
        root = Path(tempfile.mkdtemp(prefix=f"{JOB_PREFIX}{os.getpid()}-"))
        os.chmod(root, 0o755)  # traversable by the sandbox user; its children decide the rest
        job = cls(root=root, data_files=data_files)
        for folder in (job.work, job.home, job.out):
            folder.mkdir(mode=0o700)
        return job

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


JOB_PREFIX = "grader-job-"  # then the grader's pid: a folder whose grader is gone is swept


def sweep_stale_jobs(folder: Path | None = None) -> list[Path]:
    """Remove the job folders of graders that died without cleaning up (SIGKILL, power loss).

    A job folder is named after its grader's pid; it is stale when no process has that pid.
    Returns what was removed.
    """
    folder = folder or Path(tempfile.gettempdir())
    removed = []
    for path in folder.glob(f"{JOB_PREFIX}*"):
        pid_text = path.name[len(JOB_PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit() or not path.is_dir() or _alive(int(pid_text)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


@functools.cache
def sweep_once() -> None:
    """Sweep stale job folders the first time this process starts a job."""
    sweep_stale_jobs()
