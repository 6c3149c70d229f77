"""`[robustness]`: when a verdict is close enough to a threshold to be luck, and how other seeds
decide it.

A first run on the spec's seed grades every submission. A figure inside a margin of its
threshold (the test accuracy, the best training accuracy of a run that never reached its
threshold, the epoch at which the threshold was first reached against `max_epochs`) makes the
result *borderline*: it is run again on more seeds, derived from the spec's seed alone, and each
threshold check is decided across all of them by `rule`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RobustnessSpec:
    """How borderline results are confirmed. `seeds` counts every seed, the spec's own included:
    1 turns robustness off."""

    seeds: int = 1
    rule: str = "majority"  # majority (a tie goes to the student), any, all
    test_accuracy_margin: float = 0.0  # |test accuracy - threshold| below this is borderline
    train_accuracy_margin: float = 0.0  # a best training accuracy this close below it, too
    epoch_margin: int = 0  # the threshold first reached in the last `epoch_margin` epochs

    @property
    def enabled(self) -> bool:
        return self.seeds > 1

    def describe(self) -> str:
        return f"{self.seeds} seeds, {self.rule} rule"


def parse_robustness(raw: dict[str, Any] | None) -> RobustnessSpec:
    """`[robustness]`, already checked key by key by `spec.schema.validate`."""
    if not raw:
        return RobustnessSpec()
    return RobustnessSpec(
        seeds=int(raw.get("seeds", 1)),
        rule=str(raw.get("rule", "majority")),
        test_accuracy_margin=float(raw.get("test_accuracy_margin", 0.0)),
        train_accuracy_margin=float(raw.get("train_accuracy_margin", 0.0)),
        epoch_margin=int(raw.get("epoch_margin", 0)),
    )


def derive_seeds(seed: int, count: int) -> tuple[int, ...]:
    """`count` seeds, the first being `seed` itself; the others depend on `seed` alone, so the
    same spec always gives the same set."""
    seeds = [seed]
    index = 0
    while len(seeds) < count:
        index += 1
        digest = hashlib.sha256(f"grader-robustness:{seed}:{index}".encode()).digest()
        candidate = int.from_bytes(digest[:4], "big") % 2**31
        if candidate not in seeds:
            seeds.append(candidate)
    return tuple(seeds)


def decide(passes: int, total: int, rule: str) -> bool:
    """Whether a check passes when it passed on `passes` of `total` seeds."""
    if rule == "any":
        return passes >= 1
    if rule == "all":
        return passes == total
    return 2 * passes >= total  # majority; a tie goes to the student
