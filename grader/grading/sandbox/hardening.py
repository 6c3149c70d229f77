"""What the grader and the child do to each other before the child runs: the child dies with its
grader, the grader cannot be traced by it, and the child drops to an unprivileged user."""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import sys
import tempfile
from pathlib import Path

SANDBOX_UID = 65534  # nobody: owns nothing on the host; the fallback when no uid can be claimed
# Each running sandbox gets a uid of its own from this pool (a uid nobody on the host owns):
# RLIMIT_NPROC counts every process and thread of a uid machine-wide, so sandboxes sharing one
# uid share one budget, and one student's fork bomb left a concurrent grading unable to start
# its threads (TensorFlow aborts: exit 134).
UID_POOL_START, UID_POOL_SIZE = 1_900_000_000, 1024
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


def claim_sandbox_uid() -> tuple[int, int]:
    """In the grader (as root): a uid no other running sandbox on this machine uses, and the
    descriptor whose lock holds it (close it when the sandbox has ended). Without a lock
    folder of root's own, or with every uid of the pool taken: `nobody`, and -1."""
    folder = Path(tempfile.gettempdir()) / "grader-sandbox-uids"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        if folder.is_symlink() or folder.stat().st_uid != os.geteuid():
            return SANDBOX_UID, -1
    except OSError:
        return SANDBOX_UID, -1
    start = os.getpid() % UID_POOL_SIZE  # grader processes side by side start apart
    for step in range(UID_POOL_SIZE):
        uid = UID_POOL_START + (start + step) % UID_POOL_SIZE
        try:
            fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # per open: threads exclude each other
        except OSError:
            os.close(fd)
            continue
        os.set_inheritable(fd, False)
        return uid, fd
    return SANDBOX_UID, -1


def drop_privileges(uid: int = SANDBOX_UID) -> None:
    """In the child, when the grader runs as root: become `uid` (unprivileged), for good."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # clears every capability
    if _PRCTL is not None:
        _PRCTL(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
