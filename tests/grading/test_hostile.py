"""The adversarial suite: hostile and broken submissions, run at every isolation level here.

For each attack and level: the run ends within its limit, the verdict is a fail with a plain
message, files outside the work dir are untouched, a secret in the grader's environment and
files appears in no output, and the next submission grades normally. Where a level cannot stop
an attack, the test asserts that the attack got through (documenting the weakness) instead of
hiding it; attacks that would harm the test machine at such a level are skipped with the reason.

An attack is graded at the levels where its outcome is not already implied by another of its
gradings (`levels_to_grade`): a level stricter than one that stops it stops it too, a level
laxer than one it gets through lets it through, except where a level's own rlimits and pid
namespace are what is being attacked (resource exhaustion: every level). The gradings of the
file are shared between its tests (`graded_at`), as conftest's `graded` shares a solution's.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from needs import missing
from paths import ROOT, SUBMISSIONS

from grader.grading.pipeline import GradeOptions, grade_submission
from grader.grading.sandbox.jobs import JOB_PREFIX, sweep_stale_jobs
from grader.grading.sandbox.levels import LEVELS, level_report
from grader.results import SubmissionResult
from grader.spec.exercise import ExerciseSpec, load_exercise

pytestmark = pytest.mark.slow

HOSTILE = SUBMISSIONS / "hostile"
WORLD = Path("/tmp/grader-hostile-test")  # the paths the attack files aim at
SECRET = f"s3cr3t-{uuid.uuid4().hex}"
SECRET_ENV = "GRADER_TEST_INSTRUCTOR_TOKEN"
SENTINEL_TEXT = "untouched"
TIMEOUT_S = 60.0
HANG_S = 10.0  # for attacks that only hang: the budget they hit
AVAILABLE = [name for name, usable, _, _ in level_report() if usable]
WHY_NOT = {name: why for name, usable, _, why in level_report() if not usable}
ALL_LEVELS = list(LEVELS)  # a level this machine lacks is a reported skip (a CI failure)
RANK = {name: level.rank for name, level in LEVELS.items()}
OUR_PYTHON = str(Path(sys.executable).parent)  # other checkouts' runs are not our leftovers

BENIGN = """
import tensorflow as tf
(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
model = tf.keras.Sequential([tf.keras.Input(shape=(28, 28)), tf.keras.layers.Flatten(),
                             tf.keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train[:512] / 255.0, y_train[:512], epochs=1, verbose=0)
"""


@dataclass(frozen=True)
class Attack:
    file: str
    family: str
    stopped_from: str  # the weakest level that stops it
    harmless_below: bool  # safe to run (and document) at weaker levels
    says: tuple[str, ...] = ()  # words the verdict's first failing message must contain
    status: str | None = None  # expected submission status, when not "graded"
    timeout_s: float = 60.0  # room for TensorFlow's import on a loaded 2-core machine


ATTACKS = [
    # resource exhaustion
    Attack("cpu_loop.py", "resources", "process", True, ("time limit",), "timeout", HANG_S),
    Attack("sleep_forever.py", "resources", "process", True, ("time limit",), "timeout", HANG_S),
    Attack("fork_many.py", "resources", "process", True, ("time limit",), "timeout", HANG_S),
    Attack("fork_bomb.py", "resources", "namespaces", False, timeout_s=HANG_S),
    Attack("memory_hog.py", "resources", "limits", False, ("MemoryError",)),
    Attack("disk_fill.py", "resources", "limits", False, ("File too large",)),
    Attack("output_flood.py", "resources", "process", True, ("never trained",)),
    Attack("stderr_flood.py", "resources", "process", True, ("never trained",)),
    # It grows the heap until the time limit (at every level: measured 2026-12-06). It never
    # names TensorFlow, so the harness starts without importing it: the hang budget is room.
    Attack("deep_recursion.py", "resources", "process", True, timeout_s=HANG_S),
    Attack("daemon_escape.py", "resources", "namespaces", True, ("never trained",)),
    # escape
    Attack("read_shadow.py", "escape", "namespaces", True),
    Attack("read_secret_file.py", "escape", "namespaces", True),
    Attack("write_outside.py", "escape", "namespaces", True),
    Attack("network_tcp.py", "escape", "namespaces", True),
    Attack("network_unix.py", "escape", "namespaces", True),
    Attack("read_env.py", "escape", "process", True, ("never trained",)),
    # The secret this suite sets at run time is not in /proc/<pid>/environ (that shows the
    # environment a process started with), so nothing leaks here at any level; the route itself
    # is tested with a grader started with the secret: test_the_graders_environment_through_proc.
    Attack("read_parent_env.py", "escape", "process", True, ("never trained",)),
    Attack("list_neighbours.py", "escape", "namespaces", True, ("never trained",)),
    # interference
    Attack("kill_everything.py", "interference", "namespaces", False),
    Attack("forged_events.py", "interference", "process", True),
    Attack("forged_message.py", "interference", "process", True, ("never trained",)),
    Attack("forged_result_json.py", "interference", "process", True, ("never trained",)),
    Attack("patched_fit.py", "interference", "process", True, ("never trained",)),
    Attack("fake_history.py", "interference", "process", True),
    Attack("poison_model.py", "interference", "process", True),
    Attack("lambda_model.py", "interference", "process", True),
    Attack("sys_exit.py", "interference", "process", True, ("SystemExit",)),
    Attack("os_exit_zero.py", "interference", "process", True, ("never trained",)),
    Attack("close_streams.py", "interference", "process", True),
    # malformed input
    Attack("empty.py", "malformed", "process", True, ("empty",), "error"),
    Attack("binary_bytes.py", "malformed", "process", True, ("UTF-8",), "error"),
    Attack("invalid_json.ipynb", "malformed", "process", True, ("JSON",), "error"),
    Attack("no_code_cells.ipynb", "malformed", "process", True, ("no code cells",), "error"),
    Attack("odd name ü ñ.py", "malformed", "process", True, ("never trained",)),
]


def levels_to_grade(attack: Attack) -> list[str]:
    """The levels whose outcome for this attack is not implied by its other gradings.

    Stopped: at `stopped_from` (the weakest level that stops it: the claim) and at the strongest
    (the level a class is graded at): a level between them adds only rlimits, which a forged
    event, a patched Keras or a read of the environment does not meet, so it stops the attack
    as both ends do. Got through (the documented weakness, run where harmless): at the level just
    below `stopped_from`; a laxer level lets through what a stricter one does. Resource attacks
    meet each level's own rlimits and process handling: every level. Harmful below: the weaker
    levels stay as skips with the reason.
    """
    if attack.family == "resources":
        return ALL_LEVELS
    stop = ALL_LEVELS.index(attack.stopped_from)
    kept = {attack.stopped_from, ALL_LEVELS[-1]}
    if stop > 0:
        kept |= set(ALL_LEVELS[:stop]) if not attack.harmless_below else {ALL_LEVELS[stop - 1]}
    return [level for level in ALL_LEVELS if level in kept]


ATTACK_LEVELS = [(attack, level) for attack in ATTACKS for level in levels_to_grade(attack)]
BY_FILE = {attack.file: attack for attack in ATTACKS}
# The forged-evidence and safe-loading tests read these attacks' gradings at the same levels.
INTERFERENCE_LEVELS = levels_to_grade(BY_FILE["forged_events.py"])
assert all(
    levels_to_grade(BY_FILE[name]) == INTERFERENCE_LEVELS
    for name in ("fake_history.py", "lambda_model.py", "poison_model.py")
)


class Listener:
    """A TCP or unix-socket service on the host that records whatever reaches it."""

    def __init__(self, family: int, address: object) -> None:
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(address)
        self.sock.listen()
        self.received = bytearray()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self.received += conn.recv(1024)
                conn.sendall(b"hello")


@dataclass
class World:
    sentinel: Path
    secret_file: Path
    tcp: Listener
    unix: Listener
    evaluator_marker: Path

    def reset(self) -> None:
        self.sentinel.write_text(SENTINEL_TEXT)
        self.tcp.received.clear()
        self.unix.received.clear()


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    shutil.rmtree(WORLD, ignore_errors=True)
    (WORLD / "instructor").mkdir(parents=True)
    secret_file = WORLD / "instructor" / "secret.txt"
    secret_file.write_text(SECRET)
    (WORLD / "other_student.ipynb").write_text("{}")
    os.environ[SECRET_ENV] = SECRET
    tcp = Listener(socket.AF_INET, ("127.0.0.1", 47391))
    unix = Listener(socket.AF_UNIX, str(WORLD / "service.sock"))
    os.chmod(WORLD / "service.sock", 0o777)  # reachable by any uid: only the sandbox may stop it
    found = World(WORLD / "sentinel.txt", secret_file, tcp, unix, WORLD / "evaluator-ran-code")
    found.reset()
    yield found
    tcp.sock.close()
    unix.sock.close()
    os.environ.pop(SECRET_ENV, None)
    shutil.rmtree(WORLD, ignore_errors=True)


@pytest.fixture(autouse=True)
def _level_available(request: pytest.FixtureRequest) -> None:
    """A test at a level this machine lacks is skipped with the reason, never left uncounted."""
    callspec = getattr(request.node, "callspec", None)
    level = callspec.params.get("level") if callspec else None
    if level is not None and level not in AVAILABLE:
        missing(f"isolation level '{level}' is not available here: {WHY_NOT.get(level, '')}")


@pytest.fixture(scope="module")
def spec() -> ExerciseSpec:
    return load_exercise("mnist_callback")


def grade_at(
    path: Path, spec: ExerciseSpec, level: str, timeout_s: float = TIMEOUT_S
) -> SubmissionResult:
    options = GradeOptions(timeout_s=timeout_s, isolation=level, exact_isolation=True)
    result = grade_submission(path, spec, options)
    _GRADINGS[(path.name, level, timeout_s)] = result
    return result


_GRADINGS: dict[tuple[str, str, float], SubmissionResult] = {}


def graded_at(
    path: Path, spec: ExerciseSpec, level: str, timeout_s: float = TIMEOUT_S
) -> SubmissionResult:
    """That file's grading at that level, done once for the file's tests (`test_attack` grades
    afresh, beside its own watch on the world, and leaves its result here for the others)."""
    return _GRADINGS.get((path.name, level, timeout_s)) or grade_at(path, spec, level, timeout_s)


def leftover_harness_processes(grader_pid: int | None = None) -> list[str]:
    """Processes a run of that grader (this process by default) left behind, known by the job
    folder in their arguments: gradings of other tests running beside this one are not ours.
    A killed pid namespace may take a moment to empty."""
    job = f"{JOB_PREFIX}{grader_pid or os.getpid()}-"
    for _ in range(20):
        out = subprocess.run(
            ["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True
        ).stdout
        found = [
            line
            for line in out.splitlines()
            if (OUR_PYTHON in line and "grader.grading.harness" in line and job in line)
            or "sleep 4242" in line
        ]
        if not found:
            return []
        time.sleep(0.1)
    return found


def kill_leftovers() -> None:
    subprocess.run(["pkill", "-9", "-f", "sleep 4242"], check=False)


def first_problem(result: SubmissionResult) -> str:
    failing = result.first_failure()
    return failing.message if failing else ""


@pytest.mark.parametrize(
    ("attack", "level"), ATTACK_LEVELS, ids=[f"{a.file}-{level}" for a, level in ATTACK_LEVELS]
)
def test_attack(attack: Attack, level: str, world: World, spec: ExerciseSpec) -> None:
    stopped = RANK[level] >= RANK[attack.stopped_from]
    if not stopped and not attack.harmless_below:
        pytest.skip(
            f"documented weakness: level '{level}' cannot stop {attack.file} "
            f"(needs '{attack.stopped_from}'); not run, it would harm the test machine"
        )
    world.reset()
    result = grade_at(HOSTILE / attack.file, spec, level, attack.timeout_s)
    dumped = json.dumps(result.to_dict(), ensure_ascii=False)

    # The run ended within its limit, with a failing verdict that says why.
    assert result.duration_s < attack.timeout_s + 30
    assert not result.passed
    assert result.status == (attack.status or result.status)
    if attack.status is None:
        assert result.status in ("graded", "timeout")
    for words in attack.says:
        assert words in first_problem(result), first_problem(result)
    assert first_problem(result)

    # The grader's own environment never reaches the child, at any level.
    assert SECRET_ENV not in dumped
    # A model file never runs code in the evaluator.
    assert not world.evaluator_marker.exists()

    leaked = {
        "secret file": SECRET in dumped,
        "sentinel": world.sentinel.read_text() != SENTINEL_TEXT,
        "tcp": bool(world.tcp.received),
        "unix socket": bool(world.unix.received),
        "neighbours": "other_student" in dumped,
        "system secrets": "root:" in dumped and attack.file == "read_shadow.py",
        "daemon": any("sleep 4242" in line for line in leftover_harness_processes()),
    }
    kill_leftovers()
    if stopped:
        assert not any(leaked.values()), leaked
        assert not leftover_harness_processes()
    else:
        # Documented weakness: below `stopped_from` this attack gets through.
        assert any(leaked.values()), f"{attack.file} was expected to get through at {level}"


@pytest.mark.parametrize("level", INTERFERENCE_LEVELS)
def test_forged_evidence_earns_nothing_it_cannot_prove(level: str, spec: ExerciseSpec) -> None:
    for name in ("forged_events.py", "fake_history.py"):
        result = graded_at(HOSTILE / name, spec, level)
        by_id = {c.id: c for c in result.checks}
        assert by_id["early_stop"].status == "fail"
        assert by_id["stop_message"].status in ("fail", "skip")
        assert by_id["train_accuracy"].status in ("fail", "error", "skip")
        # At most what the run shows without the per-epoch claims: it ran, its model, its epochs.
        honest = sum(spec.points[c] for c in ("runs", "architecture", "epoch_limit"))
        assert result.score <= honest, (name, [(c.id, c.status) for c in result.checks])


@dataclass(frozen=True)
class Forgery:
    file: str
    caught_by: str  # words of the reason the evidence-only checks give


# Training claims forged from inside the child. Each trains little (a few hundred images, one to
# three epochs). What catches them is the grader's own reading of what the child left (the saved
# model re-measured, its weights compared), the same code at every level, and no forgery touches
# the sandbox: graded at the strongest level, the one a class is graded at. The same evidence
# path is shown at the weakest level by the interference attacks of `test_attack`.
FORGERIES = [
    Forgery("forged_history.py", "accuracy never reached 99%"),
    Forgery("forged_logs_undertrained.py", "the saved model does not reproduce it"),
    Forgery("patched_save.py", "the saved model is not the model training ended with"),
    Forgery("patched_evaluate.py", "the saved model does not reproduce it"),
    Forgery("replaced_fit.py", "did not change the model's weights"),
]
FORGERY_LEVELS = [ALL_LEVELS[-1]]


@pytest.mark.parametrize("level", FORGERY_LEVELS)
@pytest.mark.parametrize("forgery", FORGERIES, ids=[f.file for f in FORGERIES])
def test_forged_training_earns_nothing(forgery: Forgery, level: str, spec: ExerciseSpec) -> None:
    result = grade_at(HOSTILE / forgery.file, spec, level)
    by_id = {c.id: c for c in result.checks}
    assert not result.passed
    for check_id in ("early_stop", "stop_message", "train_accuracy"):
        assert by_id[check_id].status == "fail", (check_id, by_id[check_id].message)
    said = " ".join(by_id[c].message for c in ("early_stop", "stop_message", "train_accuracy"))
    assert forgery.caught_by in said, said
    honest = sum(spec.points[c] for c in ("runs", "architecture", "epoch_limit"))
    assert result.score <= honest


@pytest.mark.parametrize("level", ALL_LEVELS)
def test_the_graders_environment_through_proc(level: str, tmp_path: Path) -> None:
    """The grader started with a secret in its environment; the child reads /proc/<ppid>/environ.

    At `namespaces` the child has its own pid namespace and uid. At `process` and `limits` it
    runs as the grader's user: the grader is made non-dumpable, which keeps a same-uid child
    out of /proc/<grader>/environ, but not a root child of a root grader (the table in
    docs/explanation/figures.md).
    """
    out = tmp_path / "result.json"
    argv = [sys.executable, "-m", "grader.cli", "check", str(HOSTILE / "read_parent_env.py"),
            "--exercise", "mnist_callback", "--timeout", str(TIMEOUT_S), "--isolation", level,
            "--exact-isolation", "--no-html", "--quiet", "--json", str(out)]  # fmt: skip
    env = {**os.environ, SECRET_ENV: SECRET}
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, timeout=180)
    assert proc.returncode == 1, proc.stderr
    output = out.read_text()
    assert "environment of" in output  # the attack ran
    leaked = SECRET in output
    if RANK[level] >= RANK["namespaces"] or os.geteuid() != 0:
        assert not leaked
    else:
        assert leaked  # documented weakness: a root child of a root grader reads its environ


def test_the_lambda_payload_fires_when_safe_mode_is_off(world: World, spec: ExerciseSpec) -> None:
    """Control for the Lambda attack: its model, loaded unsafely elsewhere, does run its code."""
    before = set(Path(tempfile.gettempdir()).glob("grader-*"))
    options = GradeOptions(timeout_s=TIMEOUT_S, keep_workdir=True)
    grade_submission(HOSTILE / "lambda_model.py", spec, options)
    kept = [p for p in set(Path(tempfile.gettempdir()).glob("grader-*")) - before]
    model = next(p / "out" / "model.keras" for p in kept if (p / "out" / "model.keras").is_file())
    assert not world.evaluator_marker.exists()  # the evaluator loaded it safely: nothing ran
    load = (
        "import sys, numpy, keras\n"
        "model = keras.models.load_model(sys.argv[1], safe_mode=sys.argv[2] == 'safe')\n"
        "model(numpy.zeros((1, 28, 28), 'float32'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "GRADER_EVENTS"}
    safe = subprocess.run([sys.executable, "-c", load, str(model), "safe"], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert safe.returncode != 0 and not world.evaluator_marker.exists()
    unsafe = subprocess.run([sys.executable, "-c", load, str(model), "unsafe"], env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert unsafe.returncode == 0, unsafe.stderr[-2000:]
    assert world.evaluator_marker.read_text() == "pwned"
    world.evaluator_marker.unlink()
    for folder in kept:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("level", INTERFERENCE_LEVELS)
def test_model_files_are_loaded_safely(level: str, spec: ExerciseSpec) -> None:
    result = graded_at(HOSTILE / "lambda_model.py", spec, level)
    architecture = next(c for c in result.checks if c.id == "architecture")
    assert architecture.status == "error"
    assert "safely" in architecture.message
    poisoned = graded_at(HOSTILE / "poison_model.py", spec, level)
    assert next(c for c in poisoned.checks if c.id == "architecture").status == "error"


@pytest.mark.parametrize("level", ALL_LEVELS)
def test_huge_notebook_is_refused_plainly(level: str, spec: ExerciseSpec, tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("x" * (1024 * 1024)) for _ in range(40)]
    notebook.cells.append(nbformat.v4.new_code_cell("print('hi')"))
    path = tmp_path / "huge.ipynb"
    nbformat.write(notebook, path)
    result = grade_at(path, spec, level)
    assert result.status == "error" and "MB" in first_problem(result)
    assert result.duration_s < 5


@pytest.mark.parametrize("level", [ALL_LEVELS[0], ALL_LEVELS[-1]])  # the weakest, the strongest
def test_next_submission_grades_normally(level: str, spec: ExerciseSpec, tmp_path: Path) -> None:
    """Four attacks in a row in one grader process, then an honest submission: whatever they
    left behind (processes, streams, files, events), it grades as if they had never run."""
    for attack in ("fork_many.py", "output_flood.py", "forged_events.py", "close_streams.py"):
        hangs = attack == "fork_many.py"  # until its time limit: the short one
        grade_at(HOSTILE / attack, spec, level, HANG_S if hangs else TIMEOUT_S)
    benign = tmp_path / "benign.py"
    benign.write_text(BENIGN)
    result = grade_at(benign, spec, level)
    runs = next(c for c in result.checks if c.id == "runs")
    assert runs.status == "pass", runs.message
    assert result.isolation == level
    assert result.training["epochs_run"] == 1


@pytest.mark.parametrize("level", ALL_LEVELS)
def test_grader_survives_a_submission_that_kills_its_parent(level: str) -> None:
    """Run through the real CLI: at weak levels the attack kills that grader process."""
    argv = [sys.executable, "-m", "grader.cli", "check", str(HOSTILE / "kill_parent.py"),
            "--exercise", "mnist_callback", "--timeout", str(TIMEOUT_S), "--isolation", level,
            "--exact-isolation", "--quiet"]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)
    if RANK[level] >= RANK["namespaces"]:
        assert proc.returncode == 1, proc.stderr
        assert "FAILED" in proc.stdout
    else:
        # Documented weakness: the child runs with the grader's uid and may signal it.
        assert proc.returncode == -9


def wait_for_sandbox(grader_pid: int, timeout_s: float = 90.0) -> bool:
    """Until that grader's harness runs in its sandbox (its argv names the grader's job folder)."""
    job = f"{JOB_PREFIX}{grader_pid}-"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        out = subprocess.run(["ps", "-ww", "-eo", "args"], capture_output=True, text=True).stdout
        if any("grader.grading.harness" in line and job in line for line in out.splitlines()):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("level", ALL_LEVELS)
@pytest.mark.parametrize("delay_s", [0.0, 3.0])
def test_a_killed_grader_leaves_no_sandbox_running(level: str, delay_s: float) -> None:
    """SIGKILL the grader once its sandbox runs (at once, and a few seconds in): nothing survives,
    and the job folder it left is swept by the next grader."""
    argv = [sys.executable, "-m", "grader.cli", "check", str(HOSTILE / "sleep_forever.py"),
            "--exercise", "mnist_callback", "--timeout", "300", "--isolation", level,
            "--exact-isolation", "--no-html", "--quiet"]  # fmt: skip
    grader = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = wait_for_sandbox(grader.pid)
    time.sleep(delay_s)
    grader.kill()
    grader.wait()
    assert started, "no sandbox started within 90 s"
    time.sleep(1.0)  # the kernel delivers the parent-death signals
    assert not leftover_harness_processes(grader.pid)
    left = list(Path(tempfile.gettempdir()).glob(f"{JOB_PREFIX}{grader.pid}-*"))
    assert left, "the killed grader's job folder should still be there"
    swept = sweep_stale_jobs()
    assert set(left) <= set(swept) and not any(path.exists() for path in left)


def test_a_killed_batch_leaves_no_sandbox_running(tmp_path: Path) -> None:
    """SIGKILL `grader grade -j 2` while its sandboxes start (the racy moment), again and again.

    Before the harness watched its evidence FIFO, about one kill in six at `namespaces` left a
    sandbox behind: bubblewrap arms its inner parent-death signal a moment after it starts. Each
    kill lands once the first sandbox is seen (the second starts beside it): a kill before any
    sandbox, or a grader that never starts one, proves nothing and fails the test.
    """
    level = AVAILABLE[-1]
    for i in range(4):
        (tmp_path / "class" / f"s{i}.py").parent.mkdir(exist_ok=True)
        (tmp_path / "class" / f"s{i}.py").write_text(f"# {i}\nimport time\ntime.sleep(30)\n")
    argv = [sys.executable, "-m", "grader.cli", "grade", str(tmp_path / "class"),
            "--exercise", "mnist_callback", "--out", str(tmp_path / "out"), "-j", "2",
            "--timeout", "20", "--isolation", level, "--regrade"]  # fmt: skip
    for delay_s in (0.0, 0.05, 0.1, 0.2, 0.3, 0.5):
        grader = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            started = wait_for_sandbox(grader.pid)
            time.sleep(delay_s)
        finally:
            grader.kill()
            _, stderr = grader.communicate()
        assert started, f"no sandbox started within 90 s: {stderr.decode()[-2000:]}"
        time.sleep(1.0)
        left = leftover_harness_processes(grader.pid)
        assert not left, f"killed {delay_s} s after its first sandbox, still running: {left}"
