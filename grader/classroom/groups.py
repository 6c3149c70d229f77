"""The class's submissions grouped by cache key: identical ones share one grading, and each
member gets the verdict under its own name."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.classroom.executors import GradeJob, JobOutcome
from grader.classroom.gradebook import Gradebook, Graded
from grader.classroom.keys import cache_key, content_key
from grader.classroom.sources import SubmissionSource
from grader.classroom.verdicts import as_submission, grader_failure_result
from grader.errors import InfrastructureError
from grader.grading.pipeline import GradeOptions
from grader.results import submission_result_from_dict
from grader.spec.exercise import ExerciseSpec


@dataclass
class Group:
    """The submissions of one class that share a cache key: graded once."""

    key: str
    content: str
    members: list[tuple[SubmissionSource, str]]  # (source, sha256 of its bytes)


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


# A file changed within this many seconds of being hashed may change again within the same tick
# of the file system's clock, its stat unchanged: it is hashed again next time (git's "racily
# clean" entries, treated the same way).
SETTLE_NS = 2_000_000_000


@dataclass
class FileMemo:
    """What earlier runs hashed each file on disk to, by its stat; and what this run hashed.

    A file is read again unless its device, inode, size, modification time and change time
    (to the nanosecond) are all as they were. The change time cannot be set back by a program
    (`touch -d` and `os.utime` set it to now), so new bytes under a restored modification time
    and the same size are still read; so is a file replaced by another (a new inode)."""

    known: Mapping[str, tuple[str, str, str]]  # path -> (stamp, content key, sha256)
    learned: list[tuple[str, str, str, str]] = field(default_factory=list)
    now_ns: int = field(default_factory=time.time_ns)

    @classmethod
    def read(cls, book_path: Path, sources: list[SubmissionSource]) -> FileMemo:
        """What the gradebook at `book_path` remembers of these sources' files (nothing, and no
        file made, before a first run: an instructor's bad file is refused with no gradebook)."""
        if not book_path.is_file():
            return cls({})
        with Gradebook(book_path) as book:
            return cls(book.file_hashes(cls.where(s) for s in sources if s.on_disk))

    @staticmethod
    def where(source: SubmissionSource) -> str:
        return os.path.abspath(source.path)

    @staticmethod
    def stamp(source: SubmissionSource) -> str:
        assert source.on_disk is not None
        return ":".join(str(n) for n in source.on_disk)

    def recall(self, source: SubmissionSource) -> tuple[str, str] | None:
        """(content key, sha256) if the file is as it was when it was hashed."""
        if source.on_disk is None:
            return None
        found = self.known.get(self.where(source))
        if found is None or found[0] != self.stamp(source):
            return None
        return found[1], found[2]

    def learn(self, source: SubmissionSource, content: str, sha: str) -> None:
        if source.on_disk is None:
            return
        *_, mtime_ns, ctime_ns = source.on_disk
        if self.now_ns - max(mtime_ns, ctime_ns) < SETTLE_NS:
            return  # too fresh to vouch for: hashed again next time
        self.learned.append((self.where(source), self.stamp(source), content, sha))


def group_sources(
    sources: list[SubmissionSource], inputs: Mapping[str, str], memo: FileMemo | None = None
) -> tuple[list[SubmissionSource], dict[str, Group]]:
    """The sources the grader cannot read (each a problem to report), and the others grouped by
    cache key: identical submissions share one grading. With `memo`, a file whose stat is as
    it was when an earlier run hashed it is not read again."""
    problems: list[SubmissionSource] = []
    groups: dict[str, Group] = {}
    for source in sources:
        if source.problem:
            problems.append(source)
            continue
        recalled = memo.recall(source) if memo is not None else None
        if recalled is not None:
            content, sha = recalled
        else:
            try:
                raw = source.read()
            except (OSError, ValueError) as exc:
                problems.append(_with_problem(source, f"cannot be read: {exc}"))
                continue
            content, sha = content_key(source.filename, raw), _sha256(raw)
            if memo is not None:
                memo.learn(source, content, sha)
        key = cache_key(content, inputs)
        group = groups.setdefault(key, Group(key, content, []))
        group.members.append((source, sha))
    return problems, groups


def groups_of(groups: Mapping[str, Group]) -> list[list[str]]:
    """The ids of each set of identical submissions (same content, same verdict)."""
    return [[source.id for source, _ in g.members] for g in groups.values() if len(g.members) > 1]


def grade_jobs(
    groups: list[Group],
    spec: ExerciseSpec,
    options: GradeOptions,
    unreadable: Callable[[list[SubmissionSource]], None],
) -> Iterator[GradeJob]:
    """One job per group, its bytes read only when an executor is ready to send it. A file that
    can no longer be read, or whose bytes are no longer those its cache key was made of (changed
    while the class was graded), is no job: `unreadable` gets the group's sources, each with
    its `problem` said, to report uncached."""
    for group in groups:
        source, sha = group.members[0]
        try:
            raw = source.read()
        except (OSError, ValueError) as exc:
            unreadable([_with_problem(s, f"cannot be read: {exc}") for s, _ in group.members])
            continue
        if _sha256(raw) != sha:
            why = "changed while the class was being graded; grade the class again to grade it"
            unreadable([_with_problem(s, f"{why} as it is now") for s, _ in group.members])
            continue
        yield GradeJob(group.key, source.id, source.filename, raw, spec, options)


def _with_problem(source: SubmissionSource, why: str) -> SubmissionSource:
    """The source as a problem to report: `why` follows the file's name."""
    return replace(source, problem=f"{source.filename} {why}")


def settle(group: Group, outcome: JobOutcome, spec: ExerciseSpec) -> list[Graded]:
    """The verdict of every submission in `group` from one job's outcome."""
    if outcome.fatal:
        raise InfrastructureError(outcome.failure)
    if outcome.result is None:
        return [
            Graded(grader_failure_result(source, sha, spec, outcome.failure), None, "failed")
            for source, sha in group.members
        ]
    graded = submission_result_from_dict(outcome.result)
    (first, sha), *others = group.members
    primary = replace(graded, path=first.path, sha256=sha)
    return [Graded(primary, group.key, "graded")] + [
        Graded(as_submission(primary, source, sha), group.key, "duplicate")
        for source, sha in others
    ]
