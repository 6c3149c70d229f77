"""Borderline verdicts of a class confirmed on more seeds, on the batch's executor.

The batch grades every submission once, on the spec's seed. A result that is borderline (or
every result, with `--seeds N`) waits here for its extra seeds: each seed's run is a job of its
own on the same executor (local or Dask, in parallel), kept in the gradebook under its own cache
key (the submission, the spec without `[robustness]`, the seed), so that a resumed batch runs
only the seeds it lacks. When a submission's seeds are all in, its verdict is decided across them
(`grader.grading.robustness.combine`) and recorded like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from grader.classroom.executors import Executor, GradeJob, JobOutcome
from grader.classroom.gradebook import CachedVerdict, Gradebook, Graded
from grader.classroom.groups import Group
from grader.classroom.keys import cache_key, verdict_inputs
from grader.classroom.progress import BatchProgress
from grader.classroom.verdicts import as_submission, grader_failure_result
from grader.errors import InfrastructureError
from grader.grading.pipeline import GradeOptions
from grader.grading.robustness import combine
from grader.results import SubmissionResult, submission_result_from_dict
from grader.spec.exercise import ExerciseSpec
from grader.spec.robustness import derive_seeds


def seed_inputs(spec: ExerciseSpec, seed: int, timeout_s: float, isolation: str) -> dict[str, Any]:
    """The cache key inputs of one extra seed's run: the spec on that seed, a seed run (the
    student's own seed calls replaced)."""
    return {**verdict_inputs(replace(spec, seed=seed), timeout_s, isolation), "seed_run": True}


@dataclass
class Waiting:
    """A submission group whose first verdict is borderline: its extra seeds, as they come."""

    group: Group
    main: SubmissionResult
    origin: str  # how the first run's verdict came: graded in this run, or from the cache
    reason: str
    seeds: tuple[int, ...]  # the extra seeds, in order
    runs: dict[int, SubmissionResult] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return all(seed in self.runs for seed in self.seeds)

    def verdicts(self, spec: ExerciseSpec) -> list[Graded]:
        """Every member's row: the first run's verdict decided across the seeds."""
        decided = combine(self.main, [self.runs[s] for s in self.seeds], spec, self.reason)
        _, *others = self.group.members
        twin = "duplicate" if self.origin == "graded" else self.origin
        return [Graded(decided, self.group.key, self.origin)] + [
            Graded(as_submission(decided, source, sha), self.group.key, twin)
            for source, sha in others
        ]


def waiting_for(
    group: Group, main: SubmissionResult, origin: str, reason: str, spec: ExerciseSpec
) -> Waiting:
    seeds = derive_seeds(spec.seed, spec.robustness.seeds)[1:]
    return Waiting(group, main, origin, reason, seeds)


@dataclass(frozen=True)
class SeedWork:
    """How to run and keep the extra seeds' jobs of a class."""

    spec: ExerciseSpec
    options: GradeOptions
    timeout_s: float
    isolation: str
    identity: Mapping[str, str]
    regrade: bool = False  # run every seed again, whatever the gradebook holds

    def key(self, waiting: Waiting, seed: int) -> tuple[str, dict[str, Any]]:
        inputs = seed_inputs(self.spec, seed, self.timeout_s, self.isolation)
        return cache_key(waiting.group.content, inputs), inputs

    def jobs(self, missing: list[tuple[Waiting, int, str]]) -> Iterator[GradeJob]:
        """One job per missing seed, its bytes read only when an executor is ready for it."""
        for item, seed, key in missing:
            source, _ = item.group.members[0]
            yield GradeJob(
                key,
                source.id,
                source.filename,
                source.read(),
                replace(self.spec, seed=seed),
                replace(self.options, seed_override=True),
            )


def confirm(
    waiting: list[Waiting],
    work: SeedWork,
    book: Gradebook,
    run_id: int,
    executor: Executor,
    display: BatchProgress,
    decided: Callable[[Waiting], None],
) -> int:
    """Run the missing seeds of every waiting group (those the gradebook has are reused); hand
    each group to `decided` once its seeds are all in. Returns how many seed runs were graded."""
    keys: dict[str, tuple[Waiting, int]] = {}
    spec_keys: dict[str, str] = {}
    for item in waiting:
        for seed in item.seeds:
            key, inputs = work.key(item, seed)
            keys[key], spec_keys[key] = (item, seed), inputs["spec"]
    cached = {} if work.regrade else book.cached(keys)
    missing = []
    for key, (item, seed) in keys.items():
        if key in cached:
            item.runs[seed] = cached[key]
        else:
            missing.append((item, seed, key))
    for item in waiting:
        if item.complete:
            decided(item)
    if not missing:
        return 0
    display.add_jobs(len(missing))
    display.log(
        f"{len(waiting)} borderline submission(s): {len(missing)} more seed run(s) "
        f"({work.spec.robustness.describe()})"
    )
    labels = {key: f"{item.group.members[0][0].id} (seed {seed})" for item, seed, key in missing}

    def on_event(key: str, event: dict[str, Any]) -> None:
        display.event(key, labels[key], event)

    for job, outcome in executor.run(work.jobs(missing), on_event):
        item, seed = keys[job.key]
        item.runs[seed] = _seed_result(item, outcome, work)
        if outcome.result is not None:  # a grader failure is reported, never cached
            verdict = CachedVerdict(
                job.key, item.group.content, spec_keys[job.key], work.identity["grader"],
                outcome.worker, item.runs[seed],
            )  # fmt: skip
            book.record(run_id, [], verdict)
        display.finished(job.key, [], graded=True)
        if item.complete:
            decided(item)
    return len(missing)


def _seed_result(item: Waiting, outcome: JobOutcome, work: SeedWork) -> SubmissionResult:
    if outcome.fatal:
        raise InfrastructureError(outcome.failure)
    source, sha = item.group.members[0]
    if outcome.result is None:  # the grader failed on this seed: its checks count as failing
        return grader_failure_result(source, sha, work.spec, outcome.failure)
    return submission_result_from_dict(outcome.result)
