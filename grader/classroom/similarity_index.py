"""Which pairs of a large class are worth comparing: an inverted index from each fingerprint to
the submissions that hold it.

Two submissions that share no fingerprint have a similarity of exactly 0 (copydetect finds no
overlap), so only the pairs that share one are compared. A fingerprint held by more than
`common_cap(n)` submissions is common code of the class (the exercise's idiom, a solution
passed round widely), not evidence that two students copied from each other: as with MOSS's
`-m` option, it does not make a pair worth comparing. The pairs that are compared are compared
on their whole code, so their figures are those of comparing every pair.

`shares` is copydetect's `compare_files` without the matched regions: the same arithmetic on
the same fingerprints, in plain Python, several times faster; the regions are computed (by
copydetect) only for the pairs that are listed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

COMMON_FLOOR = 10  # MOSS's default for `-m`: a passage in 10 submissions or fewer is evidence


def common_cap(submissions: int) -> int:
    """A passage held by more submissions than this is common code of a class of that size.

    The square root of the class, never under MOSS's default of 10 (which it equals for a
    course of 100): 32 for a class of 1,000, 100 for 10,000. It grows with the class, so a group
    that passes one solution round (a study group, a leaked answer) stays visible in a large
    class; it grows much slower than the class, so one passage brings at most cap² / 2 pairs
    and a submission is compared with at most cap others per fingerprint it holds: the
    comparisons grow with the class, not with its square."""
    return max(COMMON_FLOOR, math.ceil(math.sqrt(submissions)))


@dataclass(frozen=True)
class Candidates:
    encoded: list[int]  # each pair (i, j), i < j, as one number i * size + j, in order
    size: int  # how many submissions: i and j index the list of fingerprints given
    common: int  # fingerprints held by more than the cap: left out

    def __len__(self) -> int:
        return len(self.encoded)

    def pairs(self) -> Iterator[tuple[int, int]]:
        """The pairs (i, j), decoded one at a time (a million tuples at once would weigh)."""
        return (divmod(pair, self.size) for pair in self.encoded)


def candidate_pairs(hashes: Sequence[frozenset[int]], cap: int) -> Candidates:
    """Every pair of submissions (by their fingerprint sets) that shares at least one fingerprint
    held by `cap` submissions or fewer, in order."""
    holders: dict[int, list[int]] = {}
    for number, prints in enumerate(hashes):
        for value in prints:
            holders.setdefault(value, []).append(number)
    size = len(hashes)
    found: set[int] = set()
    common = 0
    for members in holders.values():
        if len(members) > cap:
            common += 1
        elif len(members) > 1:  # members are in increasing order: a < b
            found.update(a * size + b for i, a in enumerate(members) for b in members[i + 1 :])
    return Candidates(sorted(found), size, common)


def _overlap(positions: list[int], k: int) -> int:
    """Tokens covered by k-grams starting at `positions` (copydetect's get_copied_slices, summed):
    runs of positions less than k apart make one slice from the first to the last + k."""
    positions.sort()
    total, start = 0, positions[0]
    for before, after in pairwise(positions):
        if after - before > k - 1:
            total += before + k - start
            start = after
    return total + positions[-1] + k - start


@dataclass(frozen=True)
class Prints:
    """A submission's fingerprints as plain Python values (copydetect keeps numpy scalars)."""

    hashes: frozenset[int]
    positions: dict[int, list[int]]  # fingerprint -> where it starts in the filtered code
    k: int
    coverage: float  # tokens the fingerprints cover: the denominator of a share

    @classmethod
    def of(cls, fingerprint: Any) -> Prints:
        positions = {int(h): [int(i) for i in at] for h, at in fingerprint.hash_idx.items()}
        coverage = float(fingerprint.token_coverage)
        return cls(frozenset(positions), positions, int(fingerprint.k), coverage)


def shares(a: Prints, b: Prints) -> tuple[float, float]:
    """(share of a found in b, share of b found in a), equal to the two similarities copydetect's
    `compare_files` gives for the same fingerprints (the same integers over the same coverages)."""
    shared = a.hashes & b.hashes
    if not shared:
        return 0.0, 0.0
    in_a = [i for h in shared for i in a.positions[h]]
    in_b = [i for h in shared for i in b.positions[h]]
    return _overlap(in_a, a.k) / a.coverage, _overlap(in_b, b.k) / b.coverage
