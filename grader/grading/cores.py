"""How many CPU cores gradings may use: every core this process may run on, or fewer when told
(`GRADER_CPUS`: a machine shared with other work, or several graders side by side).

A grading's TensorFlow gets the cores it is given as threads (`GradeOptions.threads`, 0 = all of
these); a batch splits them between its workers. Measured on 2 cores: two gradings side by side
finish a quarter sooner with one thread each than with two each (threads that outnumber the
cores only wait for each other)."""

from __future__ import annotations

import os

from grader.errors import UsageError

ENV = "GRADER_CPUS"


def available_cores() -> int:
    given = os.environ.get(ENV, "").strip()
    if given:
        if not given.isdigit() or int(given) < 1:
            raise UsageError(f"{ENV} must be a whole number of cores, 1 or more, not {given!r}")
        return int(given)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
