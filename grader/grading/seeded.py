"""One submission graded as `grader check` does: on the spec's seed, then, if the verdict is
borderline (or with `--seeds N`), on the spec's extra seeds, decided across them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from grader.grading.pipeline import EventHandler, GradeOptions, grade_submission
from grader.grading.robustness import combine, seeds_reason, with_seeds
from grader.results import SubmissionResult
from grader.spec.exercise import ExerciseSpec
from grader.spec.robustness import derive_seeds


def grade_on_seeds(
    path: Path,
    spec: ExerciseSpec,
    options: GradeOptions | None = None,
    on_event: EventHandler | None = None,
    seeds: int | None = None,
) -> SubmissionResult:
    """`grade_submission`, and a borderline verdict confirmed on more seeds, one after another
    (each run has every core). `seeds`: run every submission on that many (1: never more)."""
    options = options or GradeOptions()
    spec = with_seeds(spec, seeds)
    main = grade_submission(path, spec, options, on_event)
    reason = seeds_reason(main, spec, forced=seeds is not None)
    if not reason:
        return main
    all_seeds = derive_seeds(spec.seed, spec.robustness.seeds)
    others = []
    for number, seed in enumerate(all_seeds[1:], start=2):
        if on_event is not None:
            on_event(
                {"type": "seed_run", "seed": seed, "number": number, "of": len(all_seeds),
                 "reason": reason}
            )  # fmt: skip
        seeded = replace(options, seed_override=True)
        others.append(grade_submission(path, replace(spec, seed=seed), seeded, on_event))
    return combine(main, others, spec, reason)
