"""`run_isolated` with real child processes: timeouts, output caps, the live evidence stream."""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from needs import missing

from grader.errors import UsageError
from grader.grading.sandbox import LEVELS, Job, Limits, RunOutcome, choose_level, run_isolated
from grader.grading.sandbox.levels import level_report

pytestmark = pytest.mark.integration  # spawns a grading child or the CLI

EMIT = """
import json, os, time
_fd = os.open(os.environ["GRADER_EVENTS"], os.O_WRONLY)
def emit(kind, **fields):
    os.write(_fd, (json.dumps({"type": kind, **fields}) + "\\n").encode())
def raw(text):
    os.write(_fd, text.encode())
"""


@pytest.fixture
def job(tmp_path: Path) -> Iterator[Job]:
    job = Job.create(tmp_path / "mnist.npz")  # the process level only passes its folder on
    yield job
    job.remove()


def run(
    job: Job,
    code: str,
    wall_clock_s: float = 20.0,
    output_bytes: int = 2 * 1024 * 1024,
    on_event: Any = None,
    level: str = "process",
) -> RunOutcome:
    return run_isolated(
        [sys.executable, "-c", EMIT + textwrap.dedent(code)],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        job=job,
        limits=Limits(wall_clock_s=wall_clock_s, output_bytes=output_bytes),
        level=LEVELS[level],
        on_event=on_event,
    )


def sleeper_code(pidfile: Path) -> str:
    """Code for a long-lived process that first writes its pid to `pidfile`."""
    return f"import os, time; open({str(pidfile)!r}, 'w').write(str(os.getpid())); time.sleep(120)"


def alive(pid: int) -> bool:
    """Whether `pid` runs: a zombie waiting for its reaper has already ended."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_normal_run(job: Job) -> None:
    outcome = run(
        job,
        """
        import sys
        print("out", os.getcwd())
        print("err", file=sys.stderr)
        emit("start", dir=os.environ["GRADER_DATA_DIR"])
        sys.exit(3)
        """,
    )
    assert outcome.returncode == 3 and not outcome.timed_out
    assert outcome.stdout == f"out {job.work}\n"
    assert outcome.stderr == "err\n"
    assert not outcome.output_truncated
    assert outcome.events == [{"type": "start", "dir": str(job.data_dir)}]
    assert outcome.malformed_events == 0


def test_a_child_that_never_writes_evidence(job: Job) -> None:
    outcome = run(job, "pass")
    assert (outcome.returncode, outcome.events, outcome.stdout) == (0, [], "")


@pytest.mark.parametrize("level", ["process", "limits"])
def test_the_timeout_kills_the_child_and_its_grandchild(
    job: Job, tmp_path: Path, level: str
) -> None:
    pidfile = tmp_path / "grandchild.pid"
    started = time.monotonic()
    outcome = run(
        job,
        f"""
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", {sleeper_code(pidfile)!r}])
        emit("spawned")
        time.sleep(120)
        """,
        wall_clock_s=2.0,
        level=level,
    )
    elapsed = time.monotonic() - started
    assert outcome.timed_out and outcome.returncode is None
    assert 2.0 <= outcome.duration_s < 5.0 and elapsed < 9.0
    assert outcome.events == [{"type": "spawned"}]
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(grandchild), f"grandchild {grandchild} survived the timeout"


def test_a_quick_exit_leaves_no_process_behind(job: Job, tmp_path: Path) -> None:
    pidfile = tmp_path / "left.pid"
    outcome = run(
        job,
        f"""
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", {sleeper_code(pidfile)!r}])
        while not os.path.exists({str(pidfile)!r}):
            time.sleep(0.01)
        """,
    )
    assert outcome.returncode == 0 and outcome.duration_s < 10
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(grandchild)


def test_output_is_capped_keeping_the_start(job: Job) -> None:
    outcome = run(
        job,
        """
        import sys
        sys.stdout.write("BEGIN" + "a" * 10_000 + "END")
        sys.stderr.write("e" * 300)
        """,
        output_bytes=1000,
    )
    assert outcome.returncode == 0
    assert outcome.output_truncated
    assert outcome.stdout.startswith("BEGIN" + "a" * 995)
    assert "END" not in outcome.stdout
    kept, marker = outcome.stdout[:1000], outcome.stdout[1000:]
    assert kept == "BEGIN" + "a" * 995
    assert marker == (
        "\n[... output cut by the grader after 1000 bytes; 9008 more bytes dropped ...]\n"
    )
    assert outcome.stderr == "e" * 300  # each stream has its own cap


def test_output_below_the_cap_is_whole(job: Job) -> None:
    outcome = run(job, "print('x' * 999, end='')", output_bytes=1000)
    assert outcome.stdout == "x" * 999 and not outcome.output_truncated


def test_events_arrive_in_order_and_live(job: Job) -> None:
    seen: list[tuple[float, dict[str, Any]]] = []
    outcome = run(
        job,
        """
        for n in range(3):
            emit("epoch", epoch=n)
        time.sleep(1.5)
        emit("fit_end", epochs_run=3)
        """,
        on_event=lambda event: seen.append((time.monotonic(), event)),
    )
    assert outcome.returncode == 0
    expected = [{"type": "epoch", "epoch": n} for n in range(3)] + [
        {"type": "fit_end", "epochs_run": 3}
    ]
    assert outcome.events == expected
    assert [event for _, event in seen] == expected
    # The first events reached the handler while the child was still sleeping, not at its end.
    assert seen[-1][0] - seen[0][0] >= 1.0


def test_a_failing_handler_does_not_stop_the_stream(job: Job) -> None:
    def handler(event: dict[str, Any]) -> None:
        raise RuntimeError("a broken progress display")

    outcome = run(job, "emit('a'); emit('b')", on_event=handler)
    assert [e["type"] for e in outcome.events] == ["a", "b"]


def test_malformed_event_lines_are_counted_and_skipped(job: Job) -> None:
    outcome = run(
        job,
        """
        raw("this is not json\\n")
        raw("[1, 2, 3]\\n")
        raw('{"no": "type"}\\n')
        raw('{"type": 5}\\n')
        raw('{"type": "epoch", "epoch": 0}\\n')
        raw('{"type": "epo')
        raw('ch", "epoch": 1}\\n')  # one line written in two pieces
        raw("\\xff\\xfe\\n")
        """,
    )
    assert outcome.events == [{"type": "epoch", "epoch": 0}, {"type": "epoch", "epoch": 1}]
    assert outcome.malformed_events == 5


def test_an_event_flood_is_drained_without_blocking(job: Job) -> None:
    outcome = run(
        job,
        """
        for n in range(3):
            emit("epoch", n=n)
        time.sleep(0.5)  # these arrive before the flood
        for n in range(3, 2000):
            emit("print", text="x" * 100, n=n)
        print("finished")
        """,
        output_bytes=1000,  # the event budget is four times the output cap
    )
    assert outcome.returncode == 0 and not outcome.timed_out
    assert outcome.stdout == "finished\n"
    kept = [event["n"] for event in outcome.events]
    assert kept[:3] == [0, 1, 2]
    assert len(kept) < 2000
    assert kept == list(range(len(kept)))  # what is kept is the start, in order


def test_a_child_that_closes_its_stdout_early(job: Job) -> None:
    outcome = run(
        job,
        """
        import sys
        print("before", flush=True)
        os.close(1)
        os.close(2)
        time.sleep(1.0)
        emit("after_close")
        os._exit(4)
        """,
    )
    assert outcome.returncode == 4 and not outcome.timed_out
    assert outcome.duration_s >= 1.0  # the grader waited for the process, not for its streams
    assert outcome.stdout == "before\n" and outcome.stderr == ""
    assert outcome.events == [{"type": "after_close"}]


def test_a_child_killed_by_a_signal(job: Job) -> None:
    outcome = run(job, "import signal; os.kill(os.getpid(), signal.SIGKILL)")
    assert outcome.returncode == -9 and not outcome.timed_out


def test_choose_level_refuses_an_unknown_level() -> None:
    with pytest.raises(UsageError) as caught:
        choose_level("docker")
    assert str(caught.value) == (
        "unknown isolation level 'docker' (known: process, limits, namespaces)"
    )
    with pytest.raises(UsageError):
        choose_level("docker", exact=True)


def test_choose_level_exact_and_minimum() -> None:
    assert choose_level("process", exact=True).name == "process"
    assert choose_level("limits", exact=True).name == "limits"
    best = choose_level(None)
    assert choose_level("process").name == best.name  # a minimum gives the strongest available
    assert best.rank >= LEVELS["limits"].rank


def test_limits_report_what_each_level_enforces() -> None:
    limits = Limits(wall_clock_s=30)
    assert LEVELS["process"].applied_limits(limits) == {"wall_clock": "30 s", "output": "2048 KiB"}
    applied = LEVELS["limits"].applied_limits(limits)
    assert applied["address_space"] == "8 GiB" and applied["open_files"] == "1024"


def test_every_level_is_available_on_a_linux_test_machine() -> None:
    """`make test` installs bubblewrap: without it the adversarial suite would shrink silently."""
    if not sys.platform.startswith("linux"):
        pytest.skip("bubblewrap needs Linux")
    reasons = {name: why for name, usable, _, why in level_report() if not usable}
    if reasons:
        missing(f"isolation levels unavailable here: {reasons}")


@pytest.mark.parametrize("level", ["process", "namespaces"])
def test_every_data_file_of_the_job_is_readable_and_nothing_else(
    tmp_path: Path, level: str
) -> None:
    """A Fashion-MNIST lab that also shows the digits loads both verified data sets: the
    sandbox serves each file of the job (read-only), and no other file of their folder."""
    if not LEVELS[level].available()[0]:
        missing(f"the {level} level is not available here")
    store = tmp_path / "datasets"
    store.mkdir()
    files = [store / "fashion_mnist.npz", store / "mnist.npz"]
    for path in files:
        path.write_bytes(path.stem.encode())
    (store / "secret.txt").write_text("not for students")
    job = Job.create(*files)
    try:
        outcome = run(
            job,
            """
            folder = os.environ["GRADER_DATA_DIR"]
            found = {}
            for name in ("fashion_mnist.npz", "mnist.npz", "secret.txt"):
                try:
                    found[name] = open(os.path.join(folder, name)).read()
                except OSError as error:
                    found[name] = type(error).__name__
            try:
                open(os.path.join(folder, "mnist.npz"), "w")
                found["write"] = "allowed"
            except OSError as error:
                found["write"] = type(error).__name__
            emit("data", found=found)
            """,
            level=level,
        )
    finally:
        job.remove()
    (event,) = outcome.events
    found = event["found"]
    assert (found["fashion_mnist.npz"], found["mnist.npz"]) == ("fashion_mnist", "mnist")
    if level == "namespaces":
        assert found["secret.txt"] == "FileNotFoundError"
        assert found["write"] != "allowed"


def test_stale_job_folders_are_swept_and_live_ones_kept(tmp_path: Path) -> None:
    """A grader killed with SIGKILL leaves its job folder; the next one removes it."""
    import subprocess

    from grader.grading.sandbox.jobs import JOB_PREFIX, sweep_stale_jobs

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = tmp_path / f"{JOB_PREFIX}{gone.pid}-abc"
    (stale / "work").mkdir(parents=True)
    (stale / "work" / "model.keras").write_text("x")
    live = tmp_path / f"{JOB_PREFIX}{os.getpid()}-def"
    live.mkdir()
    other = tmp_path / "grader-data-123"  # not a job folder: never touched
    other.mkdir()
    assert sweep_stale_jobs(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and other.exists()


def test_a_job_folder_is_named_after_its_grader(tmp_path: Path) -> None:
    from grader.grading.sandbox.jobs import JOB_PREFIX

    job = Job.create(tmp_path / "mnist.npz")
    try:
        assert job.root.name.startswith(f"{JOB_PREFIX}{os.getpid()}-")
    finally:
        job.remove()


HOG = """
import threading, time
threading.stack_size(64 * 1024)  # threads count against RLIMIT_NPROC; keep their memory small
started = 0
try:
    while True:
        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
        started += 1
except RuntimeError:  # "can't start new thread": this uid's process budget is spent
    pass
emit("full", threads=started)
time.sleep(60)
"""

NEIGHBOUR = """
import threading, time
threads = [threading.Thread(target=time.sleep, args=(0.2,)) for _ in range(64)]
for thread in threads:
    thread.start()  # TensorFlow starts a few dozen threads like these
emit("started", threads=len(threads))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="a grader running as root drops to a sandbox uid")
def test_a_sandbox_that_spends_its_process_budget_leaves_the_next_ones_alone(
    tmp_path: Path,
) -> None:
    """RLIMIT_NPROC counts a uid's processes machine-wide: each sandbox has a uid of its own, so
    one student's fork bomb cannot stop a grading beside it from starting its threads."""
    if shutil.which("bwrap") is None:
        missing("bubblewrap is not installed: the namespaces level cannot run")

    for name in ("a.npz", "b.npz"):
        (tmp_path / name).write_bytes(b"")  # the data file a job serves (read by nobody here)
    hog_job, neighbour_job = Job.create(tmp_path / "a.npz"), Job.create(tmp_path / "b.npz")
    full = threading.Event()
    outcomes: dict[str, RunOutcome] = {}

    def on_hog_event(event: dict[str, Any]) -> None:
        if event.get("type") == "full":
            full.set()

    def hog() -> None:
        outcomes["hog"] = run(
            hog_job, HOG, wall_clock_s=30, level="namespaces", on_event=on_hog_event
        )

    hogger = threading.Thread(target=hog)
    hogger.start()
    try:
        assert full.wait(25), "the hog never spent its budget"
        neighbour = run(neighbour_job, NEIGHBOUR, wall_clock_s=20, level="namespaces")
    finally:
        hogger.join()
        hog_job.remove()
        neighbour_job.remove()
    hog_threads = next(e["threads"] for e in outcomes["hog"].events if e["type"] == "full")
    assert hog_threads > 400  # it really spent (almost all of) its 512
    assert neighbour.returncode == 0, neighbour.stderr
    assert [e["threads"] for e in neighbour.events if e["type"] == "started"] == [64]


def test_each_claimed_sandbox_uid_is_its_own_until_released() -> None:
    from grader.grading.sandbox.hardening import SANDBOX_UID, claim_sandbox_uid

    if os.geteuid() != 0:
        pytest.skip("the uid pool's lock folder is root's")
    first, first_lock = claim_sandbox_uid()
    second, second_lock = claim_sandbox_uid()
    try:
        assert first_lock >= 0 and second_lock >= 0
        assert SANDBOX_UID not in (first, second) and first != second
    finally:
        os.close(first_lock)
    again, again_lock = claim_sandbox_uid()
    os.close(second_lock)
    os.close(again_lock)
    assert again != second  # held uids are never handed out twice
