"""Executors: the job function, the local thread pool (bounded, lazy, threads split), the
registry, failures inside a job, and a real Dask cluster (LocalCluster on loopback) giving the
same results as the local executor.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from needs import missing
from paths import FIXTURES

import grader.classroom.executors
from grader.classroom.batch import BatchSettings, grade_class
from grader.classroom.executors import (
    EXECUTORS,
    GradeJob,
    LocalExecutor,
    available_cores,
    default_workers,
    make_executor,
    run_job,
)
from grader.classroom.gradebook import Gradebook
from grader.errors import DataError, InfrastructureError, UsageError
from grader.grading.pipeline import GradeOptions
from grader.results import read_results
from grader.spec.exercise import load_exercise

GRADER = str(Path(sys.executable).parent / "grader")
SYNTAX_ERROR = b"import tensorflow as tf\nmodel = tf.keras.Sequential([\n"
TINY = """# tiny {tag}
import tensorflow as tf
(x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
x_train, y_train = x_train[:512] / 255.0, y_train[:512]
model = tf.keras.models.Sequential([
    tf.keras.Input(shape=(28, 28)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=1)
"""


def job(name: str, content: bytes, key: str = "k") -> GradeJob:
    return GradeJob(
        key, Path(name).stem, name, content, load_exercise("mnist_callback"), GradeOptions()
    )


def test_registry_and_usage_errors() -> None:
    assert set(EXECUTORS) == {"local", "dask"}
    with pytest.raises(UsageError, match="unknown executor"):
        make_executor("slurm")
    with pytest.raises(UsageError, match="needs --scheduler"):
        make_executor("dask")
    with pytest.raises(UsageError, match="for --executor dask"):
        make_executor("local", scheduler="tcp://127.0.0.1:1")


def test_dask_scheduler_that_is_not_there_is_an_infrastructure_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(grader.classroom.executors, "CONNECT_TIMEOUT_S", 2)
    with pytest.raises(InfrastructureError, match="cannot reach the Dask scheduler"):
        make_executor("dask", scheduler="tcp://127.0.0.1:9")


def test_default_workers_one_per_core_as_memory_allows() -> None:
    gib = 1024**3
    assert default_workers(cores=2, memory_bytes=24 * gib) == 2
    assert default_workers(cores=16, memory_bytes=16 * gib) == 6
    assert default_workers(cores=4, memory_bytes=1 * gib) == 1
    assert default_workers() >= 1


def test_threads_are_split_between_workers() -> None:
    cores = available_cores()
    assert LocalExecutor(workers=2).threads == max(1, cores // 2)
    assert LocalExecutor(workers=1).threads == cores
    assert LocalExecutor(workers=cores * 4).threads == 1


@pytest.mark.integration  # a real sandbox child, or a Dask worker's
def test_run_job_grades_from_bytes_under_the_submission_name() -> None:
    events: list[dict[str, Any]] = []
    outcome = run_job(job("zoë ñ.py", SYNTAX_ERROR), events.append)
    assert outcome.result is not None and not outcome.failure
    assert outcome.result["id"] == "zoë ñ"
    assert Path(outcome.result["path"]).name == "zoë ñ.py"
    assert outcome.result["checks"][0]["status"] == "fail"
    assert events[0] == {"type": "grading_start"}


def test_local_executor_is_bounded_lazy_and_pins_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    lock = threading.Lock()
    active, peak, threads, pulled = [0], [0], set(), []

    def fake_grade(path: Path, spec: Any, options: GradeOptions, **kwargs: Any) -> Any:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            threads.add(options.threads)
        time.sleep(0.2)
        with lock:
            active[0] -= 1
        return read_results(FIXTURES / "mnist_callback-syntax_error.json").submissions[0]

    monkeypatch.setattr(grader.classroom.executors, "grade_submission", fake_grade)

    def jobs() -> Iterator[GradeJob]:
        for i in range(6):
            pulled.append(time.monotonic())
            yield job(f"s{i}.py", b"x", key=f"k{i}")

    executor = LocalExecutor(workers=2)
    started = time.monotonic()
    done = [j.key for j, outcome in executor.run(jobs(), lambda key, event: None)]
    executor.close()
    assert sorted(done) == [f"k{i}" for i in range(6)]
    assert peak[0] == 2
    assert threads == {max(1, available_cores() // 2)}
    assert pulled[-1] - started >= 0.3  # the last job was read only once a slot was free


@pytest.mark.integration  # a real sandbox child, or a Dask worker's
def test_a_job_that_breaks_the_grader_is_an_error_result_not_a_cached_verdict(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = grader.classroom.executors.grade_submission

    def flaky(path: Path, spec: Any, options: Any, **kwargs: Any) -> Any:
        if path.stem == "bad":
            raise RuntimeError("boom")
        return real(path, spec, options, **kwargs)

    monkeypatch.setattr(grader.classroom.executors, "grade_submission", flaky)
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "bad.py").write_bytes(SYNTAX_ERROR + b"# bad\n")
    (folder / "good.py").write_bytes(SYNTAX_ERROR)
    outcome = grade_class(folder, "mnist_callback", tmp_path / "out", BatchSettings(workers=2))
    bad, good = outcome.report.submissions
    assert bad.status == "error" and "the grader failed" in bad.error and "boom" in bad.error
    assert bad.checks[0].status == "error"
    assert good.checks[0].status == "fail"
    assert outcome.counts["failed_jobs"] == 1
    with Gradebook(outcome.gradebook) as book:
        grades = {g["submission_id"]: g for g in book.grades(outcome.run_id)}
        assert grades["bad"]["origin"] == "failed" and grades["bad"]["cache_key"] is None
        assert book.scalar("SELECT COUNT(*) FROM results") == 1


@pytest.mark.integration  # a real sandbox child, or a Dask worker's
def test_a_grader_error_in_a_job_stops_the_batch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_data(*args: Any, **kwargs: Any) -> Any:
        raise DataError("the MNIST data set is not provisioned: run `grader data fetch`")

    monkeypatch.setattr(grader.classroom.executors, "grade_submission", no_data)
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a.py").write_bytes(SYNTAX_ERROR)
    with pytest.raises(InfrastructureError, match="grader data fetch"):
        grade_class(folder, "mnist_callback", tmp_path / "out")
    with Gradebook(tmp_path / "out" / "gradebook.sqlite") as book:
        assert [r["status"] for r in book.runs()] == ["failed"]


# -- Dask ------------------------------------------------------------------------------------


def stable(path: Path) -> list[dict[str, Any]]:
    """The fields that must agree wherever a submission was graded."""
    return [
        {
            "id": s.id,
            "status": s.status,
            "passed": s.passed,
            "score": s.score,
            "sha256": s.sha256,
            "checks": [(c.id, c.status, c.score) for c in s.checks],
            "epochs_run": s.training.get("epochs_run"),
        }
        for s in read_results(path).submissions
    ]


@pytest.mark.slow
def test_dask_cluster_gives_the_same_results_as_local(tmp_path: Path) -> None:
    try:
        import distributed
    except ImportError:
        missing("dask distributed is not installed (pip install -e '.[dev]')")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "tiny.py").write_text(TINY.format(tag="a"))
    (folder / "tiny copy.py").write_text(TINY.format(tag="a"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(TINY.format(tag="nb"))]
    (folder / "zoë notebook.ipynb").write_text(nbformat.writes(nb))
    (folder / "syntax.py").write_bytes(SYNTAX_ERROR)
    (folder / "broken.ipynb").write_text("{")

    def grade(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        argv = [GRADER, "grade", str(folder), "-e", "mnist_callback", "--out", str(out), *extra]
        return subprocess.run(argv, capture_output=True, text=True, timeout=600)

    local = grade(tmp_path / "local", "-j", "2")
    assert local.returncode == 1, local.stderr
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        remote = grade(
            tmp_path / "dask", "--executor", "dask", "--scheduler", cluster.scheduler_address
        )
    assert remote.returncode == 1, remote.stderr
    assert "Dask cluster at tcp://127.0.0.1" in remote.stderr
    assert stable(tmp_path / "dask" / "results.json") == stable(tmp_path / "local" / "results.json")
    report = {s.id: s for s in read_results(tmp_path / "dask" / "results.json").submissions}
    assert report["tiny"].training["epochs_run"] == 1  # it really trained on the cluster
    assert report["tiny"].path == str(folder / "tiny.py")
    with Gradebook(tmp_path / "dask" / "gradebook.sqlite") as book:
        (run,) = book.runs()
        assert run["executor"].startswith("Dask cluster")
        origins = {g["submission_id"]: g["origin"] for g in book.grades(run["id"])}
        assert origins["tiny copy"] == "duplicate"


@pytest.fixture
def dask_cluster() -> Iterator[str]:
    try:
        import distributed
    except ImportError:
        missing("dask distributed is not installed (pip install -e '.[dev]')")
    with distributed.LocalCluster(
        n_workers=1, processes=False, dashboard_address="127.0.0.1:0"
    ) as cluster:
        yield cluster.scheduler_address


@pytest.mark.integration  # a real sandbox child, or a Dask worker's
def test_dask_refuses_a_worker_with_other_versions(dask_cluster: str) -> None:
    """The refusal compares what each real worker reports with the scheduling machine."""
    from grader.classroom.keys import grader_identity

    executor = make_executor("dask", scheduler=dask_cluster)
    try:
        executor.check(grader_identity())  # the same grader here and there: accepted
        other = {**grader_identity(), "tensorflow": "2.0.0"}
        with pytest.raises(InfrastructureError, match=r"grades with tensorflow .* with 2\.0\.0"):
            executor.check(other)
    finally:
        executor.close()


@pytest.mark.integration  # a real sandbox child, or a Dask worker's
def test_dask_refuses_a_worker_without_the_data(
    dask_cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grader.classroom.keys import grader_identity

    monkeypatch.setenv("GRADER_DATA_DIR", str(tmp_path))  # the worker's cache is empty
    executor = make_executor("dask", scheduler=dask_cluster)
    try:
        with pytest.raises(InfrastructureError, match=r"lacks the data set.*grader data fetch"):
            executor.check(grader_identity())
    finally:
        executor.close()
