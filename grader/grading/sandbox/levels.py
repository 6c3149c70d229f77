"""Isolation levels, weakest first; each adds to the one before it and says what it needs.

A level is a small class: `available()` says whether this machine supports it (and if not, what
to install), `launch()` turns the harness command into the command that runs it at this level,
`preexec()` runs in the child before exec (rlimits). A new level is a new class in `LEVELS`.
"""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.grading.sandbox.hardening import (
    SANDBOX_DATA_DIR,
    SANDBOX_UID,
    claim_sandbox_uid,
    die_with_parent,
    drop_privileges,
)
from grader.grading.sandbox.jobs import JOB_PREFIX, Job
from grader.locations import IMPORT_ROOT, PACKAGE_DIR

GIB = 1024**3


@dataclass(frozen=True)
class Limits:
    """The budget one submission runs under."""

    wall_clock_s: float
    output_bytes: int = 2 * 1024 * 1024
    address_space_bytes: int = 8 * GIB
    file_size_bytes: int = 1 * GIB
    open_files: int = 1024
    processes: int = 512  # threads count too: TensorFlow needs a few dozen

    def describe(self) -> dict[str, str]:
        return {
            "wall_clock": f"{self.wall_clock_s:g} s",
            "output": f"{self.output_bytes // 1024} KiB",
            "address_space": f"{self.address_space_bytes / GIB:g} GiB",
            "file_size": f"{self.file_size_bytes / GIB:g} GiB",
            "open_files": str(self.open_files),
            "processes": str(self.processes),
        }


@dataclass(frozen=True)
class Launch:
    """The command to start at a level, with its environment and inherited descriptors."""

    argv: list[str]
    env: dict[str, str]
    pass_fds: tuple[int, ...] = ()
    fds_to_close: tuple[int, ...] = field(default=())
    # Steps the child takes first, as root, before the level's own (see `_stage`).
    child_steps: tuple[Callable[[], None], ...] = ()
    uid: int = SANDBOX_UID  # the unprivileged uid a root grader's child becomes (namespaces)
    uid_lock: int = -1  # the descriptor holding that uid for this sandbox: closed when it ends


class IsolationLevel:
    name = "process"
    rank = 0
    summary = "own process group, wall-clock timeout with SIGKILL, output cap, temp work dir"

    def available(self) -> tuple[bool, str]:
        return True, ""

    def launch(self, argv: list[str], env: dict[str, str], job: Job) -> Launch:
        return Launch(argv=argv, env={**env, "GRADER_DATA_DIR": str(job.data_dir)})

    def child_setup(self, limits: Limits, uid: int = SANDBOX_UID) -> list[Callable[[], None]]:
        """Steps the child takes between fork and exec, in order (`uid`: see `Launch.uid`)."""
        return []

    def preexec(
        self, limits: Limits, steps: list[Callable[[], None]] | None = None
    ) -> Callable[[], None]:
        steps = self.child_setup(limits) if steps is None else steps
        grader_pid = os.getpid()

        def prepare() -> None:
            for step in steps:
                step()
            die_with_parent(grader_pid)  # last: a uid change would clear it

        return prepare

    def applied_limits(self, limits: Limits) -> dict[str, str]:
        described = limits.describe()
        return {"wall_clock": described["wall_clock"], "output": described["output"]}


class RlimitLevel(IsolationLevel):
    name = "limits"
    rank = 1
    summary = "process + rlimits: address space, file size, open files, processes, no core dumps"

    def available(self) -> tuple[bool, str]:
        if os.name != "posix":
            return False, "resource limits need a POSIX system"
        return True, ""

    def child_setup(self, limits: Limits, uid: int = SANDBOX_UID) -> list[Callable[[], None]]:
        pairs = [
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_AS, limits.address_space_bytes),
            (resource.RLIMIT_FSIZE, limits.file_size_bytes),
            (resource.RLIMIT_NOFILE, limits.open_files),
        ]
        if hasattr(resource, "RLIMIT_NPROC"):
            # Ignored for root; it bites once the namespaces level drops to an unprivileged uid.
            pairs.append((resource.RLIMIT_NPROC, limits.processes))

        def apply() -> None:
            for which, value in pairs:
                resource.setrlimit(which, (value, value))

        return [apply]

    def applied_limits(self, limits: Limits) -> dict[str, str]:
        applied = limits.describe()
        if os.geteuid() == 0:
            applied["processes"] += " (not enforced for root)"
        return applied


def _traversable_by_others(path: Path) -> bool:
    """Whether an unprivileged user can reach `path`: every ancestor must be world-executable."""
    for folder in [path, *path.parents]:
        try:
            if not folder.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


class NamespaceLevel(RlimitLevel):
    name = "namespaces"
    rank = 3
    summary = (
        "limits + bubblewrap as an unprivileged uid: no network, read-only system, "
        "only the work dir writable, private /tmp, no view of other files"
    )

    def _readable_roots(self) -> list[Path]:
        """What the child must read: the interpreter's prefix and the grader package itself."""
        interpreter = Path(os.path.realpath(sys.executable))
        roots = [Path(sys.prefix), PACKAGE_DIR]
        if not str(interpreter).startswith("/usr/"):
            roots.append(Path(sys.base_prefix))
        return roots

    def available(self) -> tuple[bool, str]:
        return _namespace_probe(tuple(str(p) for p in self._readable_roots()))

    def applied_limits(self, limits: Limits) -> dict[str, str]:
        return limits.describe()  # all enforced: the child runs as an unprivileged uid

    def child_setup(self, limits: Limits, uid: int = SANDBOX_UID) -> list[Callable[[], None]]:
        # bwrap started by root keeps root powers inside: drop them before it starts.
        steps = super().child_setup(limits)
        return [*steps, lambda: drop_privileges(uid)] if os.geteuid() == 0 else steps

    def launch(self, argv: list[str], env: dict[str, str], job: Job) -> Launch:
        uid, uid_lock = SANDBOX_UID, -1
        if os.geteuid() == 0:
            uid, uid_lock = claim_sandbox_uid()  # its own process budget (RLIMIT_NPROC)
            try:
                for path in (job.work, job.home, job.out, job.events):
                    os.chown(path, uid, uid)
            except OSError:
                if uid_lock >= 0:
                    os.close(uid_lock)  # no sandbox will run: the uid is free again
                raise
        data_fds = tuple(os.open(path, os.O_RDONLY) for path in job.data_files)
        bwrap = [
            "--unshare-all", "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
            "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
            "--ro-bind-try", "/etc/localtime", "/etc/localtime",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/dev/shm",
            "--tmpfs", "/tmp",
        ]  # fmt: skip
        stage = job.root / "stage"
        stage.mkdir(mode=0o755, exist_ok=True)
        binds, staging = _stage(self._readable_roots(), stage)
        for source, dest in binds:
            bwrap += ["--ro-bind", source, dest]
        for folder in (job.work, job.home, job.out):
            bwrap += ["--bind", str(folder), str(folder)]
        bwrap += ["--bind", str(job.events), str(job.events)]
        for fd, path in zip(data_fds, job.data_files, strict=True):
            bwrap += ["--ro-bind-data", str(fd), f"{SANDBOX_DATA_DIR}/{path.name}"]
        bwrap += ["--chdir", str(job.work), "--"]
        return Launch(
            argv=["bwrap", *bwrap, *argv],
            env={**env, "GRADER_DATA_DIR": SANDBOX_DATA_DIR},
            pass_fds=data_fds,
            fds_to_close=data_fds,
            child_steps=(staging,) if staging else (),
            uid=uid,
            uid_lock=uid_lock,
        )


@functools.cache
def _namespace_probe(readable: tuple[str, ...]) -> tuple[bool, str]:
    """Start a trivial sandbox once per process: the only honest test that it works here."""
    if sys.platform != "linux":
        return False, "bubblewrap namespaces need Linux"
    if shutil.which("bwrap") is None:
        return False, "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    stage = Path(tempfile.mkdtemp(prefix=f"{JOB_PREFIX}{os.getpid()}-probe-"))
    os.chmod(stage, 0o755)
    try:
        binds, staging = _stage([Path(p) for p in readable], stage)
        argv = ["bwrap", "--unshare-all", "--die-with-parent",
                "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
                "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
                "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]  # fmt: skip
        for source, dest in binds:
            argv += ["--ro-bind", source, dest]
        argv += ["--", sys.executable, "-c", "import grader"]
        level = NamespaceLevel()
        steps = [staging, *level.child_setup(Limits(wall_clock_s=30))] if staging else None
        try:
            probe = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=30,
                env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(IMPORT_ROOT)},
                preexec_fn=level.preexec(Limits(wall_clock_s=30), steps),
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return False, f"bubblewrap could not start a sandbox: {exc}"
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["no message"])[-1]
        return False, (
            f"bubblewrap could not start a sandbox here: {last} (unprivileged user namespaces "
            "may be off: sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu >= 23.10 "
            "kernel.apparmor_restrict_unprivileged_userns=0; in a container, run it with "
            "user namespaces allowed)"
        )
    return True, ""


_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
CLONE_NEWNS, MS_BIND, MS_REC, MS_PRIVATE = 0x00020000, 4096, 16384, 1 << 18


Binds = list[tuple[str, str]]


def _stage(roots: list[Path], stage: Path) -> tuple[Binds, Callable[[], None] | None]:
    """What bubblewrap binds, and the child step that makes private folders reachable.

    bubblewrap runs as the unprivileged sandbox user, which cannot pass a private parent folder
    (a checkout in /root, in `mktemp -d`, in a 0750 home). For those, the child, still root,
    enters a mount namespace of its own and bind-mounts each such folder at `stage/<n>` (a
    folder anyone can traverse); bubblewrap then binds that to the folder's own path inside the
    sandbox. The host's mounts never change, and the namespace ends with the child.
    """
    binds: list[tuple[str, str]] = []
    staged: list[tuple[bytes, bytes]] = []
    for index, root in enumerate(roots):
        if os.geteuid() != 0 or _traversable_by_others(root):
            binds.append((str(root), str(root)))
            continue
        target = stage / f"root{index}"
        target.mkdir(mode=0o755)
        binds.append((str(target), str(root)))
        staged.append((str(root).encode(), str(target).encode()))
    if not staged:
        return binds, None
    libc = _LIBC

    def mount_privately() -> None:
        if libc is None or libc.unshare(CLONE_NEWNS) != 0:
            raise OSError(ctypes.get_errno(), "cannot create a mount namespace")
        if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
            raise OSError(ctypes.get_errno(), "cannot make the mounts private")
        for source, target in staged:
            if libc.mount(source, target, None, MS_BIND | MS_REC, None) != 0:
                raise OSError(ctypes.get_errno(), f"cannot stage {source.decode()}")

    return binds, mount_privately


LEVELS: dict[str, IsolationLevel] = {
    level.name: level for level in (IsolationLevel(), RlimitLevel(), NamespaceLevel())
}


def strongest_available() -> IsolationLevel:
    usable = [level for level in LEVELS.values() if level.available()[0]]
    return max(usable, key=lambda level: level.rank)


def strongest_level() -> IsolationLevel:
    """The strongest level the grader has, whether or not this machine supports it."""
    return max(LEVELS.values(), key=lambda level: level.rank)


def downgrade_note(level: IsolationLevel) -> str:
    """What a run at `level` lacks, and how to fix it; "" at the strongest level."""
    strongest = strongest_level()
    if level.rank >= strongest.rank:
        return ""
    _, why = strongest.available()
    return (
        f"isolation: ran at '{level.name}', not '{strongest.name}' (the submission ran as the "
        f"grader's own user, with access to its files): {why}"
    )


def choose_level(
    minimum: str | None, exact: bool = False, require_strongest: bool = False
) -> IsolationLevel:
    """The strongest level here, refusing when it is below the `minimum` the user demands.

    With `exact`, exactly that level (for measuring levels against each other). With
    `require_strongest` and no `minimum`, refuses unless the strongest level the grader has works
    here: grading a class below it must be asked for (`--isolation limits`), never happen.
    """
    from grader.errors import InfrastructureError, UsageError

    if minimum is not None and minimum not in LEVELS:
        raise UsageError(f"unknown isolation level '{minimum}' (known: {', '.join(LEVELS)})")
    if exact and minimum is not None:
        usable, why = LEVELS[minimum].available()
        if not usable:
            raise InfrastructureError(f"isolation level '{minimum}' is not available here: {why}")
        return LEVELS[minimum]
    best = strongest_available()
    if minimum is None and require_strongest and best.rank < strongest_level().rank:
        strongest = strongest_level()
        raise InfrastructureError(
            f"isolation level '{strongest.name}' is not available here: "
            f"{strongest.available()[1]}. Fix that (`grader doctor` checks it), or grade at a "
            f"weaker level on purpose: --isolation {best.name}"
        )
    if minimum is None:
        return best
    wanted = LEVELS[minimum]
    if best.rank < wanted.rank:
        _, why = wanted.available()
        raise InfrastructureError(f"isolation level '{minimum}' is not available here: {why}")
    return best


def level_report() -> list[tuple[str, bool, str, str]]:
    """Every level with whether it works here, why not, and what it does: for `grader doctor`."""
    return [(lvl.name, *lvl.available(), lvl.summary) for lvl in LEVELS.values()]
