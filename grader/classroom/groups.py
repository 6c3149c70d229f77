"""The class's submissions grouped by cache key: identical ones share one grading, and each
member gets the verdict under its own name."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from grader.classroom.executors import GradeJob, JobOutcome
from grader.classroom.gradebook import Graded
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


def group_sources(
    sources: list[SubmissionSource], inputs: Mapping[str, str]
) -> tuple[list[SubmissionSource], dict[str, Group]]:
    """The sources the grader cannot read (each a problem to report), and the others grouped by
    cache key: identical submissions share one grading."""
    problems: list[SubmissionSource] = []
    groups: dict[str, Group] = {}
    for source in sources:
        if source.problem:
            problems.append(source)
            continue
        try:
            raw = source.read()
        except (OSError, ValueError) as exc:
            problems.append(replace(source, problem=f"{source.filename} cannot be read: {exc}"))
            continue
        content = content_key(source.filename, raw)
        key = cache_key(content, inputs)
        group = groups.setdefault(key, Group(key, content, []))
        group.members.append((source, _sha256(raw)))
    return problems, groups


def groups_of(groups: Mapping[str, Group]) -> list[list[str]]:
    """The ids of each set of identical submissions (same content, same verdict)."""
    return [[source.id for source, _ in g.members] for g in groups.values() if len(g.members) > 1]


def grade_jobs(
    groups: list[Group], spec: ExerciseSpec, options: GradeOptions
) -> Iterator[GradeJob]:
    """One job per group, its bytes read only when an executor is ready to send it."""
    for group in groups:
        source, _ = group.members[0]
        yield GradeJob(group.key, source.id, source.filename, source.read(), spec, options)


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
