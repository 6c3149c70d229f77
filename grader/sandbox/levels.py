"""Isolation levels, weakest first; each adds to the one before it and says what it needs.

A level is a small class: `available()` says whether this machine supports it, `wrap()` may
prefix the command (a namespace tool), `preexec()` runs in the child before exec (rlimits).
Stronger levels (cgroups, namespaces, syscall filters) are added here as new classes.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GIB = 1024**3


@dataclass(frozen=True)
class Limits:
    """The budget one submission runs under."""

    wall_clock_s: float
    output_bytes: int = 2 * 1024 * 1024
    address_space_bytes: int = 8 * GIB
    file_size_bytes: int = 2 * GIB
    open_files: int = 4096

    def describe(self) -> dict[str, str]:
        return {
            "wall_clock": f"{self.wall_clock_s:g} s",
            "output": f"{self.output_bytes // 1024} KiB",
            "address_space": f"{self.address_space_bytes / GIB:g} GiB",
            "file_size": f"{self.file_size_bytes / GIB:g} GiB",
            "open_files": str(self.open_files),
        }


class IsolationLevel:
    name = "process"
    rank = 0
    summary = "own process group, wall-clock timeout with SIGKILL, output cap, temp work dir"

    def available(self) -> tuple[bool, str]:
        return True, ""

    def wrap(self, argv: list[str], *, cwd: Path, limits: Limits) -> list[str]:
        return argv

    def preexec(self, limits: Limits) -> Callable[[], None] | None:
        return None

    def applied_limits(self, limits: Limits) -> dict[str, str]:
        described = limits.describe()
        return {"wall_clock": described["wall_clock"], "output": described["output"]}


class RlimitLevel(IsolationLevel):
    name = "limits"
    rank = 1
    summary = "process + rlimits: address space, file size, open files, no core dumps"

    def available(self) -> tuple[bool, str]:
        if os.name != "posix":
            return False, "resource limits need a POSIX system"
        return True, ""

    def preexec(self, limits: Limits) -> Callable[[], None] | None:
        def apply() -> None:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            resource.setrlimit(
                resource.RLIMIT_AS, (limits.address_space_bytes, limits.address_space_bytes)
            )
            resource.setrlimit(
                resource.RLIMIT_FSIZE, (limits.file_size_bytes, limits.file_size_bytes)
            )
            resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))

        return apply

    def applied_limits(self, limits: Limits) -> dict[str, str]:
        return limits.describe()


LEVELS: dict[str, IsolationLevel] = {
    level.name: level for level in (IsolationLevel(), RlimitLevel())
}


def strongest_available() -> IsolationLevel:
    usable = [level for level in LEVELS.values() if level.available()[0]]
    return max(usable, key=lambda level: level.rank)


def choose_level(minimum: str | None) -> IsolationLevel:
    """The strongest level here, refusing when it is below the `minimum` the user demands."""
    from grader.errors import InfrastructureError, UsageError

    best = strongest_available()
    if minimum is None:
        return best
    if minimum not in LEVELS:
        raise UsageError(f"unknown isolation level '{minimum}' (known: {', '.join(LEVELS)})")
    wanted = LEVELS[minimum]
    if best.rank < wanted.rank:
        _, why = wanted.available()
        raise InfrastructureError(f"isolation level '{minimum}' is not available here: {why}")
    return best
