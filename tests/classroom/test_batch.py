"""Grading a class: layouts and zips, ids, content keys, duplicates, the cache, resumption after
SIGKILL, progress output, and the `grader grade` command's exit codes.

Real processes throughout: `grader grade` runs as a subprocess on real files, writes a real
SQLite gradebook, and the resume test kills it with a real SIGKILL. Submissions with syntax
errors are graded for real in milliseconds, so most tests cost no training at all.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest
from paths import EXERCISES, FIXTURES, SAMPLES
from rich.console import Console

from grader.classroom.batch import BatchSettings, grade_class
from grader.classroom.keys import cache_key, content_key, spec_key, verdict_inputs
from grader.classroom.live import LiveBoard, read_live
from grader.classroom.progress import BatchProgress
from grader.classroom.sources import find_submissions
from grader.errors import UsageError
from grader.results import read_results
from grader.spec.exercise import load_exercise, parse_spec

GRADER = str(Path(sys.executable).parent / "grader")


def syntax_error(tag: str) -> str:
    """A submission graded in milliseconds (no TensorFlow): distinct per tag."""
    return f"# {tag}\nimport tensorflow as tf\nmodel = tf.keras.Sequential([\n"


def notebook(*cells: str, outputs: bool = False, meta: dict | None = None) -> str:
    nb = nbformat.v4.new_notebook(metadata=meta or {})
    nb.cells.append(nbformat.v4.new_markdown_cell("# Exercise"))
    for number, source in enumerate(cells, start=1):
        cell = nbformat.v4.new_code_cell(source)
        if outputs:
            cell.execution_count = number
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"run {number}")]
        nb.cells.append(cell)
    return nbformat.writes(nb)


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


def zipped(folder: Path, archive: Path, top: str | None = None) -> Path:
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                rel = path.relative_to(folder).as_posix()
                z.write(path, f"{top}/{rel}" if top else rel)
    return archive


def grade_cli(
    path: Path, out: Path, *extra: str, exercise: str = "mnist_callback", check: bool = False
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [GRADER, "grade", str(path), "--exercise", exercise, "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check:
        assert proc.returncode in (0, 1), proc.stderr
    return proc


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute(sql, params).fetchall()


# -- layouts ---------------------------------------------------------------------------------


def test_flat_folder_ids_keep_spaces_and_non_ascii(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "alice.ipynb": notebook("x = 1"),
            "bob smith.py": "x = 1\n",
            "zoë ñ.py": "x = 2\n",
            "notes.txt": "not a submission",
            ".hidden.py": "x = 3\n",
            ".ipynb_checkpoints/alice-checkpoint.ipynb": notebook("x = 1"),
        },
    )
    found = find_submissions(tmp_path)
    assert [s.id for s in found] == ["alice", "bob smith", "zoë ñ"]
    assert [s.filename for s in found] == ["alice.ipynb", "bob smith.py", "zoë ñ.py"]
    assert found[2].read() == b"x = 2\n"


def test_same_stem_twice_uses_the_file_names(tmp_path: Path) -> None:
    write(tmp_path, {"alice.py": "x = 1\n", "alice.ipynb": notebook("x = 1"), "bob/a.py": "y\n"})
    assert [s.id for s in find_submissions(tmp_path)] == ["alice.ipynb", "alice.py", "bob"]


def test_folder_of_folders_picks_the_submission_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "alice/work/C1W2.ipynb": notebook("x = 1"),
            "alice/data.csv": "1,2",
            "bob jones/helper.py": "x = 1\n",
            "bob jones/assignment.ipynb": notebook("x = 2"),  # one notebook beats a module
            "carol/mnist_callback.py": "x = 1\n",  # named like the exercise
            "carol/scratch.py": "x = 2\n",
            "carol/other.ipynb": notebook("x = 3"),
            "dave/a.ipynb": notebook("x"),
            "dave/b.ipynb": notebook("y"),
            "erin/readme.md": "nothing to grade",
        },
    )
    found = {s.id: s for s in find_submissions(tmp_path, "mnist_callback")}
    assert sorted(found) == ["alice", "bob jones", "carol", "dave", "erin"]
    assert found["alice"].filename == "C1W2.ipynb"
    assert found["alice"].path == f"{tmp_path}/alice/work/C1W2.ipynb"
    assert found["bob jones"].filename == "assignment.ipynb"
    assert found["carol"].filename == "mnist_callback.py"
    assert "2 files" in found["dave"].problem and "keep only one" in found["dave"].problem
    assert "no .ipynb notebook or .py module" in found["erin"].problem


def test_nbgrader_tree_from_the_course_root_and_from_submitted(tmp_path: Path) -> None:
    write(
        tmp_path / "course",
        {
            "source/mnist_callback/mnist_callback.ipynb": notebook("x"),
            "gradebook.db": "nbgrader's own",
            "submitted/alice/mnist_callback/mnist_callback.ipynb": notebook("x = 1"),
            "submitted/alice/mnist_callback/timestamp.txt": "2024-01-01",
            "submitted/alice/fashion_mnist/fashion_mnist.ipynb": notebook("x = 9"),
            "submitted/bob ü/mnist_callback/mnist_callback.ipynb": notebook("x = 2"),
        },
    )
    for root in (tmp_path / "course", tmp_path / "course" / "submitted"):
        found = find_submissions(root, "mnist_callback")
        assert [s.id for s in found] == ["alice", "bob ü"]
        assert found[0].path.endswith("submitted/alice/mnist_callback/mnist_callback.ipynb")


@pytest.mark.parametrize("top", [None, "class"])
@pytest.mark.parametrize("layout", ["flat", "folders", "nbgrader"])
def test_zip_of_any_layout(tmp_path: Path, layout: str, top: str | None) -> None:
    files = {
        "flat": {"alice.py": "a\n", "bob ü.ipynb": notebook("b")},
        "folders": {"alice/x.py": "a\n", "bob ü/y/z.ipynb": notebook("b")},
        "nbgrader": {
            "submitted/alice/mnist_callback/x.py": "a\n",
            "submitted/bob ü/mnist_callback/z.ipynb": notebook("b"),
        },
    }[layout]
    folder = write(tmp_path / "src", files)
    archive = zipped(folder, tmp_path / "class.zip", top)
    from_zip = find_submissions(archive, "mnist_callback")
    from_folder = find_submissions(folder, "mnist_callback")
    assert [s.id for s in from_zip] == [s.id for s in from_folder] == ["alice", "bob ü"]
    assert [s.read() for s in from_zip] == [s.read() for s in from_folder]
    assert all(s.path.startswith(str(archive)) for s in from_zip)


def test_zip_member_names_cannot_escape(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../outside.py", "x\n")
        z.writestr("alice.py", "a\n")
        z.writestr("__MACOSX/._alice.py", "junk")
    found = find_submissions(archive)
    # The student is kept, unread: the reason is the verdict (tests/classroom/test_sources.py).
    assert [s.id for s in found] == ["alice", "outside"]
    with pytest.raises(ValueError, match="a path outside the archive"):
        found[1].read()
    assert not (tmp_path.parent / "outside.py").exists()


def test_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        find_submissions(tmp_path / "missing")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(UsageError, match="is neither a folder nor"):
        find_submissions(tmp_path / "f.txt")
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    with pytest.raises(UsageError, match="not a readable zip"):
        find_submissions(tmp_path / "bad.zip")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no submissions"):
        find_submissions(tmp_path / "empty")


# -- keys ------------------------------------------------------------------------------------


def test_notebook_key_ignores_metadata_outputs_and_counts() -> None:
    plain = notebook("import tensorflow as tf", "x = 1").encode()
    run = notebook(
        "import tensorflow as tf",
        "x = 1",
        outputs=True,
        meta={"kernelspec": {"name": "python3", "display_name": "Python 3"}, "colab": {"a": 1}},
    ).encode()
    assert plain != run
    assert content_key("a.ipynb", plain) == content_key("b.ipynb", run)
    changed = notebook("import tensorflow as tf", "x = 2").encode()
    assert content_key("a.ipynb", changed) != content_key("a.ipynb", plain)
    # the same code as a module is another submission (it runs differently)
    assert content_key("a.py", b"x = 1\n") != content_key("a.ipynb", plain)
    # a tag that changes how nbclient runs the cell changes the key
    nb = nbformat.reads(plain.decode(), as_version=4)
    nb.cells[1].metadata["tags"] = ["raises-exception"]
    assert content_key("a.ipynb", nbformat.writes(nb).encode()) != content_key("a.ipynb", plain)
    # unreadable notebooks are keyed by their bytes
    assert content_key("a.ipynb", b"{broken") != content_key("a.ipynb", b"{broken!")


def test_cache_key_follows_the_spec_not_its_comments() -> None:
    spec = load_exercise("mnist_callback")
    assert spec.folder is not None
    text = (spec.folder / "exercise.toml").read_text()
    recommented = parse_spec("# a new comment\n" + text, "x", folder=spec.folder)
    assert spec_key(recommented) == spec_key(spec)
    assert spec_key(replace(spec, max_epochs=11)) != spec_key(spec)
    assert spec_key(replace(spec, points={**spec.points, "runs": 2.0})) != spec_key(spec)
    content = content_key("a.py", b"x\n")
    base = cache_key(content, verdict_inputs(spec, 600, "namespaces"))
    assert cache_key(content, verdict_inputs(spec, 600, "namespaces")) == base
    assert cache_key(content, verdict_inputs(spec, 60, "namespaces")) != base
    assert cache_key(content, verdict_inputs(spec, 600, "limits")) != base
    other = load_exercise("fashion_mnist")
    assert cache_key(content, verdict_inputs(other, 600, "namespaces")) != base


# -- grading a class (real processes, syntax errors: no training) ---------------------------


@pytest.mark.integration
def test_grade_writes_everything_and_grades_duplicates_once(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "class",
        {
            "alice.py": syntax_error("a"),
            "alice copy.py": syntax_error("a"),  # exact duplicate
            "bob ü.ipynb": notebook("import tensorflow as tf", "def f(:\n    pass"),
            "carol.ipynb": notebook(  # bob's code, run and saved with outputs and metadata
                "import tensorflow as tf",
                "def f(:\n    pass",
                outputs=True,
                meta={"kernelspec": {"name": "python3", "display_name": "P"}},
            ),
            "dave.ipynb": "{not json",
            "erin.ipynb": "{not json",  # same bytes, another name: its message names its file
            "frank/a.py": syntax_error("f1"),
            "frank/b.py": syntax_error("f2"),
        },
    )
    out = tmp_path / "out"
    proc = grade_cli(folder, out, "-j", "2")
    assert proc.returncode == 1, proc.stderr
    report = read_results(out / "results.json")
    ids = [s.id for s in report.submissions]
    assert ids == ["alice", "alice copy", "bob ü", "carol", "dave", "erin", "frank"]
    by_id = {s.id: s for s in report.submissions}
    assert by_id["alice copy"].path == str(folder / "alice copy.py")
    assert by_id["alice copy"].checks == by_id["alice"].checks
    assert by_id["carol"].sha256 != by_id["bob ü"].sha256
    assert by_id["carol"].checks == by_id["bob ü"].checks
    assert "erin.ipynb" in by_id["erin"].error and "dave" not in by_id["erin"].error
    assert "keep only one" in by_id["frank"].error
    for name in ("index.html", "grades.csv", "junit.xml", "gradebook.sqlite"):
        assert (out / name).is_file(), name
    for sid in ids:
        assert (out / f"{sid}.html").is_file(), sid
    book = out / "gradebook.sqlite"
    origins = dict(rows(book, "SELECT submission_id, origin FROM grades WHERE run_id = 1"))
    assert origins == {
        "alice": "graded",
        "alice copy": "duplicate",
        "bob ü": "graded",
        "carol": "duplicate",
        "dave": "graded",
        "erin": "duplicate",
        "frank": "graded",
    }
    assert rows(book, "SELECT COUNT(*) FROM results") == [(3,)]
    assert "(4 graded, 3 duplicate(s), 0 from the gradebook)" in proc.stdout


@pytest.mark.integration
def test_rerun_grades_only_new_or_changed_and_spec_changes_only_their_exercise(
    tmp_path: Path,
) -> None:
    exercises = tmp_path / "exercises"
    for name in ("mnist_callback", "fashion_mnist"):
        write(
            exercises,
            {f"{name}/exercise.toml": (EXERCISES / name / "exercise.toml").read_text()},
        )
    mnist = write(tmp_path / "mnist", {f"s{i}.py": syntax_error(f"m{i}") for i in range(3)})
    fashion = write(tmp_path / "fashion", {f"s{i}.py": syntax_error(f"f{i}") for i in range(2)})
    book = tmp_path / "shared.sqlite"
    env = {**os.environ, "GRADER_EXERCISES_DIR": str(exercises)}

    def run(folder: Path, exercise: str) -> dict[str, str]:
        proc = subprocess.run(
            [GRADER, "grade", str(folder), "-e", exercise, "--out", str(tmp_path / exercise),
             "--gradebook", str(book)],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 1, proc.stderr
        run_id = rows(book, "SELECT MAX(id) FROM runs")[0][0]
        return dict(rows(book, "SELECT submission_id, origin FROM grades WHERE run_id = ?", run_id))

    assert set(run(mnist, "mnist_callback").values()) == {"graded"}
    assert set(run(fashion, "fashion_mnist").values()) == {"graded"}
    assert set(run(mnist, "mnist_callback").values()) == {"cache"}
    # one changed, one new: only those two are graded
    (mnist / "s1.py").write_text(syntax_error("m1 changed"))
    (mnist / "s9.py").write_text(syntax_error("m9"))
    assert run(mnist, "mnist_callback") == {
        "s0": "cache",
        "s1": "graded",
        "s2": "cache",
        "s9": "graded",
    }
    # a comment in the spec changes nothing; a threshold regrades that exercise only
    toml = exercises / "mnist_callback" / "exercise.toml"
    toml.write_text("# reviewed\n" + toml.read_text())
    assert set(run(mnist, "mnist_callback").values()) == {"cache"}
    toml.write_text(toml.read_text().replace("max_epochs = 10", "max_epochs = 12"))
    assert set(run(mnist, "mnist_callback").values()) == {"graded"}
    assert set(run(fashion, "fashion_mnist").values()) == {"cache"}
    # every verdict is kept, none twice: 3 + 2 original, 2 changed/new, 4 under the new spec
    assert rows(book, "SELECT COUNT(*) FROM results") == [(11,)]
    assert rows(
        book, "SELECT COUNT(DISTINCT spec_hash) FROM runs WHERE exercise = 'mnist_callback'"
    ) == [(3,)]


@pytest.mark.integration
def test_zip_input_end_to_end(tmp_path: Path) -> None:
    folder = write(tmp_path / "src", {"ana ñ/sub.py": syntax_error("a"), "bo/x.ipynb": "{"})
    archive = zipped(folder, tmp_path / "class.zip", top="class")
    out = tmp_path / "out"
    proc = grade_cli(archive, out)
    assert proc.returncode == 1, proc.stderr
    report = read_results(out / "results.json")
    assert [s.id for s in report.submissions] == ["ana ñ", "bo"]
    assert report.submissions[0].path == f"{archive}/ana ñ/sub.py"
    assert report.submissions[0].checks[0].status == "fail"
    assert "SyntaxError" in report.submissions[0].checks[0].message
    assert "x.ipynb is not a valid notebook" in report.submissions[1].error


@pytest.mark.integration
def test_exit_code_two_with_one_line(tmp_path: Path) -> None:
    for args in (
        [str(tmp_path / "nope"), "-e", "mnist_callback"],
        [str(tmp_path), "-e", "no_such_exercise"],
        [str(SAMPLES / "mnist_callback"), "-e", "mnist_callback", "--isolation", "x"],
        [str(SAMPLES / "mnist_callback"), "-e", "mnist_callback", "--executor", "dask"],
    ):
        proc = subprocess.run(
            [GRADER, "grade", *args, "--out", str(tmp_path / "o")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 2, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "Traceback" not in proc.stderr


@pytest.mark.integration
def test_plain_log_lines_when_not_a_terminal(tmp_path: Path) -> None:
    folder = write(tmp_path / "class", {f"s{i}.py": syntax_error(str(i)) for i in range(3)})
    proc = grade_cli(folder, tmp_path / "out")
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("mnist_callback: 3 submission(s)")
    assert "\x1b[" not in proc.stderr  # no terminal control codes in a log
    assert sum(line.startswith(("[1/3] ", "[2/3] ", "[3/3] ")) for line in lines) == 3


def test_live_display_shows_counts_epochs_and_eta() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120)
    report = read_results(FIXTURES / "mnist_callback-wrong_message.json")
    failed = report.submissions[0]
    passed = replace(failed, passed=True)
    with BatchProgress(console, total=3, jobs=3, slots=2, prior_duration_s=30.0) as display:
        display.event("k1", "alice", {"type": "grading_start"})
        display.event("k1", "alice", {"type": "fit_start", "epochs": 10})
        display.event("k1", "alice", {"type": "epoch", "epoch": 2, "logs": {"accuracy": 0.97}})
        assert "epochs 3/10 done, accuracy 0.9700" in display.running["k1"].text()
        assert display.eta_s() is not None
        display.finished("k1", [passed], graded=True)
        display.finished("k2", [failed], graded=True)
        assert display.summary().startswith("2/3 done, 1 passed, 1 failed, ETA ")
        display.progress.refresh()  # type: ignore[union-attr]
    screen = buffer.getvalue()
    assert "grading" in screen and "1 passed" in screen


def test_the_live_board_lets_another_process_follow_the_batch(tmp_path: Path) -> None:
    """What the workbench reads while a batch runs: counts, ETA, each job's last epoch."""
    book = tmp_path / "gradebook.sqlite"
    report = read_results(FIXTURES / "mnist_callback-wrong_message.json")
    failed = report.submissions[0]
    board = LiveBoard(book, run_id=7)
    display = BatchProgress(None, total=2, jobs=2, slots=2, prior_duration_s=30.0, board=board)
    display.event("k1", "alice", {"type": "grading_start"})
    display.event("k1", "alice", {"type": "fit_start", "epochs": 10})
    display.event("k1", "alice", {"type": "epoch", "epoch": 2, "logs": {"accuracy": 0.97}})
    display.event("k2", "bob", {"type": "grading_start"})
    progress, jobs = read_live(book, 7)  # as another process does, read-only
    # nothing finished yet: the counts at zero, an ETA written at the epoch
    assert progress is not None and (progress.done, progress.jobs_done) == (0, 0)
    assert progress.eta_s is not None and progress.eta_s > 0
    assert [(j.label, j.state, j.epoch, j.epochs, j.accuracy) for j in jobs] == [
        ("alice", "running", 3, 10, 0.97),
        ("bob", "running", None, None, None),
    ]
    display.finished("k1", [failed], graded=True)
    progress, jobs = read_live(book, 7)
    assert progress is not None
    assert (progress.total, progress.done, progress.failed, progress.jobs_done) == (2, 1, 1, 1)
    assert progress.eta_s is not None and progress.eta_s >= 0
    assert {j.label: j.state for j in jobs} == {"alice": "done", "bob": "running"}
    display.finished("k2", [failed], graded=True)
    progress, _ = read_live(book, 7)
    assert progress is not None and (progress.done, progress.eta_s) == (2, 0.0)
    board.close()
    assert read_live(book, 8) == (None, [])  # another run kept no board


# -- resumption after SIGKILL ----------------------------------------------------------------


@pytest.mark.slow
def test_resume_after_sigkill_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    """Six submissions that sleep into a 4 s time limit, two at a time; SIGKILL after three."""
    count = 6
    folder = write(
        tmp_path / "class",
        {f"student {i}.py": f"# {i}\nimport time\ntime.sleep(30)\n" for i in range(count)},
    )
    out = tmp_path / "out"
    book = out / "gradebook.sqlite"
    argv = [GRADER, "grade", str(folder), "-e", "mnist_callback", "--out", str(out),
            "-j", "2", "--timeout", "4"]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    finished = 0
    while finished < count // 2:
        assert proc.poll() is None, "the batch ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.2)
        if book.exists():
            with sqlite3.connect(book, timeout=30) as con, contextlib.suppress(sqlite3.Error):
                # (the file exists a moment before its tables are committed)
                finished = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    done = {r[0] for r in rows(book, "SELECT cache_key FROM results")}
    assert count // 2 <= len(done) < count
    assert rows(book, "SELECT status FROM runs") == [("running",)]
    assert not (out / "results.json").exists()  # it never got to the end

    rerun = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 1, rerun.stderr
    assert rows(book, "SELECT id, status FROM runs") == [(1, "interrupted"), (2, "finished")]
    first = rows(book, "SELECT cache_key FROM grades WHERE run_id = 1")
    assert {k for (k,) in first} == done  # everything finished before the kill was recorded
    second = rows(book, "SELECT cache_key, origin FROM grades WHERE run_id = 2")
    assert len(second) == count
    reused = {k for k, origin in second if origin == "cache"}
    regraded = {k for k, origin in second if origin == "graded"}
    assert reused == done  # nothing finished is graded again
    assert len(regraded) == count - len(done)  # only what was in flight or not yet started
    assert rows(book, "SELECT COUNT(*), COUNT(DISTINCT cache_key) FROM results") == [(count, count)]
    statuses = {s.status for s in read_results(out / "results.json").submissions}
    assert statuses == {"timeout"}


# -- in-process API ---------------------------------------------------------------------------


@pytest.mark.integration  # choosing the isolation level probes bubblewrap in a child
def test_grade_class_counts_and_audit(tmp_path: Path) -> None:
    folder = write(tmp_path / "class", {"a.py": syntax_error("1"), "b.py": syntax_error("1")})
    settings = BatchSettings(workers=1, args={"argv": ["grade", "class"]})
    first = grade_class(folder, "mnist_callback", tmp_path / "out", settings)
    again = grade_class(folder, "mnist_callback", tmp_path / "out", settings)
    assert first.counts["graded"] == 1 and first.counts["duplicates"] == 1
    assert again.counts["graded"] == 0 and again.counts["reused"] == 2
    again_report = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [s["id"] for s in again_report["submissions"]] == ["a", "b"]
    run = rows(first.gradebook, "SELECT args, executor FROM runs WHERE id = ?", again.run_id)[0]
    assert json.loads(run[0])["argv"] == ["grade", "class"]
    assert "1 local worker" in run[1]
