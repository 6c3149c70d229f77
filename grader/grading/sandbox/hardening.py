"""What the grader and the child do to each other before the child runs: the child dies with its
grader, the grader cannot be traced by it, and the child drops to an unprivileged user."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

SANDBOX_UID = 65534  # nobody: owns nothing on the host
SANDBOX_DATA_DIR = "/tmp/grader-data"
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
# Resolved once in the grader: the child calls it between fork and exec, where little is safe.
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


def die_with_parent(grader_pid: int) -> None:
    """In the child: be killed when the grader dies, whatever kills it (even SIGKILL).

    Must come after any uid change, which clears the setting. Without it a killed grader
    leaves its sandboxes running, unlimited, under init.
    """
    if _PRCTL is None:
        return
    _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != grader_pid:  # the grader died before the line above: go too
        os._exit(1)


def protect_grader() -> None:
    """In the grader: make this process non-dumpable, before any child starts.

    A non-dumpable process's /proc/<pid>/environ (and mem, maps, fds) belongs to root, so a
    child running as the grader's own user (levels `process` and `limits`) cannot read the
    grader's environment there. A root child of a root grader still can (CAP_SYS_PTRACE);
    only `namespaces` keeps that out. Children are dumpable again after their exec.
    """
    if _PRCTL is not None:
        _PRCTL(PR_SET_DUMPABLE, 0, 0, 0, 0)


def drop_privileges() -> None:
    """In the child, when the grader runs as root: become `nobody`, for good."""
    os.setgroups([])
    os.setresgid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
    os.setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)  # clears every capability
    if _PRCTL is not None:
        _PRCTL(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
