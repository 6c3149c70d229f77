"""A re-run reads again only the files whose stat changed (grader.classroom.groups.FileMemo,
kept in the gradebook's `file_hashes`): an unchanged file is not read, and a content change is
never missed, even one that keeps the size and puts the modification time back, or a file
replaced by another of the same size and time. Real files in a real folder and gradebook."""

from __future__ import annotations

import os
import time
import zipfile
from dataclasses import replace
from pathlib import Path

from grader.classroom.gradebook import Gradebook
from grader.classroom.groups import SETTLE_NS, FileMemo, grade_jobs, group_sources
from grader.classroom.sources import SubmissionSource, find_submissions
from grader.grading.pipeline import GradeOptions
from grader.spec.exercise import load_exercise

INPUTS = {"spec": "x", "grader": "y"}
LATER = 60 * 10**9  # the run's clock a minute on: the files have settled


def write_class(folder: Path) -> None:
    folder.mkdir()
    for name in ("alice", "bob", "carol"):
        (folder / f"{name}.py").write_text(f"# {name}\nx = 1\n", encoding="utf-8")


def counted(folder: Path, reads: list[str]) -> list[SubmissionSource]:
    """The class's sources, each read recorded in `reads`."""

    def reader(source: SubmissionSource):  # type: ignore[no-untyped-def]
        def read() -> bytes:
            reads.append(source.id)
            return source.reader()

        return read

    return [replace(s, reader=reader(s)) for s in find_submissions(folder)]


def keys(groups: dict) -> dict[str, tuple[str, str]]:
    return {s.id: (key, sha) for key, g in groups.items() for s, sha in g.members}


def run(folder: Path, book_path: Path, reads: list[str], now_ns: int) -> dict[str, tuple]:
    """One run's grouping through the gradebook's memory, as grade_class does it."""
    sources = counted(folder, reads)
    with Gradebook(book_path) as book:
        memo = FileMemo(book.file_hashes(FileMemo.where(s) for s in sources), now_ns=now_ns)
        problems, groups = group_sources(sources, INPUTS, memo)
        book.remember_files(memo.learned)
    assert problems == []
    return keys(groups)


def test_an_unchanged_file_is_not_read_again_and_a_changed_one_always_is(tmp_path: Path) -> None:
    folder, book = tmp_path / "class", tmp_path / "book.sqlite"
    write_class(folder)
    reads: list[str] = []
    first = run(folder, book, reads, time.time_ns() + LATER)
    assert sorted(reads) == ["alice", "bob", "carol"]
    assert first == keys(group_sources(find_submissions(folder), INPUTS)[1])  # as without it

    reads.clear()
    assert run(folder, book, reads, time.time_ns() + LATER) == first
    assert reads == []  # nothing read: every stat as it was

    # new bytes of the same size, the modification time put back: the change time moved
    alice = folder / "alice.py"
    before = alice.stat()
    time.sleep(0.05)  # past the file system clock's tick
    alice.write_text("# alicE\nx = 1\n", encoding="utf-8")
    os.utime(alice, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (alice.stat().st_size, alice.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    # bob replaced by another file of the same size and times (a new inode)
    bob = folder / "bob.py"
    was = bob.stat()
    other = tmp_path / "other.py"
    other.write_text("# bOb\nx = 1\n", encoding="utf-8")
    os.utime(other, ns=(was.st_atime_ns, was.st_mtime_ns))
    os.replace(other, bob)
    reads.clear()
    second = run(folder, book, reads, time.time_ns() + LATER)
    assert sorted(reads) == ["alice", "bob"]
    assert second["alice"] != first["alice"] and second["bob"] != first["bob"]
    assert second["carol"] == first["carol"]
    assert second == keys(group_sources(find_submissions(folder), INPUTS)[1])


def test_a_file_hashed_right_after_it_changed_is_read_again_next_time(tmp_path: Path) -> None:
    """Written within SETTLE_NS of the run: it could change again within the same clock tick
    with its stat unchanged, so it is not remembered."""
    folder, book = tmp_path / "class", tmp_path / "book.sqlite"
    write_class(folder)
    reads: list[str] = []
    run(folder, book, reads, time.time_ns())  # the files are seconds old at most
    assert SETTLE_NS >= 10**9
    reads.clear()
    run(folder, book, reads, time.time_ns())
    assert sorted(reads) == ["alice", "bob", "carol"]
    with Gradebook(book) as opened:
        assert opened.scalar("SELECT COUNT(*) FROM file_hashes") == 0


def test_a_file_in_a_zip_is_always_read(tmp_path: Path) -> None:
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("alice.py", "x = 1\n")
    reads: list[str] = []
    memo = FileMemo({}, now_ns=time.time_ns() + LATER)
    for _ in range(2):
        group_sources(counted(archive, reads), INPUTS, memo)
    assert reads == ["alice", "alice"] and memo.learned == []


def test_a_file_changed_or_gone_before_its_job_is_reported_never_graded(tmp_path: Path) -> None:
    """Between the grouping (which hashed the bytes into the cache key) and the job, a file that
    changes would be graded under the old bytes' key, and one that vanishes stopped the class."""
    folder = tmp_path / "class"
    write_class(folder)
    problems, groups = group_sources(find_submissions(folder), INPUTS)
    assert problems == []
    (folder / "alice.py").write_text("# alice, edited\nx = 2\n", encoding="utf-8")
    (folder / "bob.py").unlink()
    reported: dict[str, str] = {}
    jobs = grade_jobs(
        list(groups.values()),
        load_exercise("fashion_mnist"),
        GradeOptions(),
        lambda gone: reported.update({s.id: s.problem for s in gone}),
    )
    assert [job.submission_id for job in jobs] == ["carol"]
    assert reported["alice"].startswith("alice.py changed while the class was being graded")
    assert reported["bob"].startswith("bob.py cannot be read: ")
