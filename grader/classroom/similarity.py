"""Which submissions of a class are suspiciously alike: a report for the instructor to read.

Built on copydetect (MIT; https://github.com/blingenf/copydetect), the winnowing algorithm of
MOSS: code is tokenised by Pygments and filtered (every name and every string literal becomes one
character, whitespace and comments go: renamed variables still match), hashed in k-grams of
that filtered text and winnowed to fingerprints; two files share the
fingerprints of the code they share, wherever it sits (so moved or reordered blocks still match).
The k-grams are hashed the same way in every process (`stable_kgram_hashes`), so the same files
give the same figures in every run.
The exercise's starter code (`exercises/<id>/starter.py`, `starter.ipynb`) is boilerplate: its
fingerprints are removed from every submission first, so everyone's copy of the starter matches
nothing. A notebook is compared by its code cells' source (magics and shell lines left out).

A pair's similarity is the larger of the two shares: the fraction of one submission's
(fingerprinted, non-starter) tokens that appear in the other. Pairs at or above the threshold
are listed, with the matching regions marked in both. Identical files (the cache's duplicates)
are listed apart. Nothing here is a verdict: it says where to look.

A class of up to EVERY_PAIR_UP_TO submissions is compared pair by pair. A larger one is
compared through an inverted index (grader.classroom.similarity_index): only the pairs that share
a fingerprint (the others are at 0%), and a passage held by more than `common_cap(n)`
submissions (about the square root of the class) is common code that brings no pair, as MOSS's
`-m` option does. The pairs compared get the figures comparing every pair gives them.

Beside the page, `similarity.json` keeps the figures (the pairs over the threshold, the identical
groups) for tools that read them rather than a page: `grader serve`'s review queue does.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.classroom.similarity_index import Prints, candidate_pairs, common_cap, shares
from grader.grading.cells import SubmissionError, read_file
from grader.spec.exercise import ExerciseSpec

if TYPE_CHECKING:
    from grader.classroom.sources import SubmissionSource

SIMILARITY_JSON = "similarity.json"
THRESHOLD = 0.7  # honest solutions of the fixture class peak at 0.51, copies >= 0.90
NOISE_TOKENS = 20  # k, in characters of filtered code: shorter matches are noise
GUARANTEE_TOKENS = 25  # a match this long is always found (winnowing's guarantee)
EVERY_PAIR = "every pair"
SHARED_FINGERPRINTS = "shared fingerprints"  # grader.classroom.similarity_index
EVERY_PAIR_UP_TO = 200  # about 20,000 pairs: a few seconds; above, the inverted index
PROGRESS_EVERY_S = 10.0
SIDE_BY_SIDE = 50  # the most similar pairs the page shows side by side (similarity.html.j2)
# Every submission is Python (a module, or a notebook's code cells): named, Pygments' lexer is
# found at once; found by the file name, it took half the time of a fingerprint.
LANGUAGE = "python"


@dataclass(frozen=True)
class MatchedText:
    text: str
    matched: bool


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    similarity: float  # the larger share
    share_a: float  # fraction of a's tokens found in b
    share_b: float
    # The code with its matched regions marked: with SHARED_FINGERPRINTS, only for the first
    # SIDE_BY_SIDE pairs (those the page shows), empty for the others.
    segments_a: list[MatchedText]
    segments_b: list[MatchedText]


@dataclass(frozen=True)
class SimilarityReport:
    exercise: str
    threshold: float
    submissions: int
    compared: int  # pairs compared
    pairs: list[Pair]  # at or above the threshold, most similar first
    duplicates: list[list[str]]  # identical submissions
    skipped: list[str]  # no code to compare (unreadable, empty)
    method: str = EVERY_PAIR  # or SHARED_FINGERPRINTS: only pairs that share a fingerprint
    common_over: int | None = None  # with SHARED_FINGERPRINTS: the cap (common_cap)
    common_passages: int = 0  # fingerprints held by more than common_over submissions


def code_of(filename: str, raw: bytes) -> str:
    """The code a submission runs: a module's text, or a notebook's code cells (read by the
    grader's one reader of cells; a file it refuses has no code to compare)."""
    try:
        read = read_file(filename, raw)
    except SubmissionError:
        return ""
    if read.kind == "module":
        return read.cells[0].source
    sources = []
    for cell in read.code_cells:
        lines = [ln for ln in cell.source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        sources.append("\n".join(lines))
    return "\n\n".join(sources) + "\n"


def starter_code(spec: ExerciseSpec) -> list[str]:
    if spec.folder is None:
        return []
    found = []
    for name in ("starter.py", "starter.ipynb"):
        path = spec.folder / name
        if path.is_file():
            found.append(code_of(name, path.read_bytes()))
    return found


def _segments(code: str, slices: object) -> list[MatchedText]:
    starts, ends = slices  # type: ignore[misc]
    out, pos = [], 0
    for start, end in sorted(zip((int(s) for s in starts), (int(e) for e in ends), strict=True)):
        start, end = max(start, pos), min(end, len(code))
        if start > pos:
            out.append(MatchedText(code[pos:start], False))
        if end > start:
            out.append(MatchedText(code[start:end], True))
            pos = end
    if pos < len(code):
        out.append(MatchedText(code[pos:], False))
    return out


def stable_kgram_hashes(text: str, k: int) -> Any:
    """The hash of every k-gram of `text`, as signed 64-bit integers in a numpy array (64 bits
    of BLAKE2b), the same in every process. copydetect's own `hashed_kgrams`, which this
    replaces, uses Python's `hash()`, salted per process (PYTHONHASHSEED): which fingerprints
    winnowing kept, and so every similarity figure, changed from one `grader grade` to the next
    on the same files, and the review queue reopened each resolved similar pair at every
    regrade."""
    import numpy as np

    return np.array(
        [
            int.from_bytes(
                hashlib.blake2b(
                    text[i : i + k].encode("utf-8", "surrogatepass"), digest_size=8
                ).digest(),
                "big",
                signed=True,
            )
            for i in range(len(text) - k + 1)
        ]
    )


def compare_class(
    codes: dict[str, str],
    boilerplate: list[str],
    exercise: str,
    threshold: float = THRESHOLD,
    duplicates: list[list[str]] | None = None,
    method: str | None = None,
    log: Callable[[str], None] | None = None,
    common_over: int | None = None,
) -> SimilarityReport:
    """The pairs of `codes` (id -> code) at or over `threshold`, identical ones (`duplicates`)
    apart. `method` is EVERY_PAIR or SHARED_FINGERPRINTS; by default every pair up to
    EVERY_PAIR_UP_TO submissions, the pairs that share a fingerprint above, with passages in
    more than `common_over` submissions (by default `common_cap` of the class) left out. `log`
    hears how far it is, in lines for the instructor's terminal."""
    from copydetect.detector import compare_files

    large = len(codes) > EVERY_PAIR_UP_TO
    chosen = method or (SHARED_FINGERPRINTS if large else EVERY_PAIR)
    if chosen not in (EVERY_PAIR, SHARED_FINGERPRINTS):
        raise ValueError(f"no similarity method {chosen!r}: {EVERY_PAIR} or {SHARED_FINGERPRINTS}")
    # A small class is compared in seconds, in silence; a large one says what it does.
    say = log if log is not None and large else (lambda line: None)
    heard = log or (lambda line: None)

    fingerprint = _fingerprinter(boilerplate)
    say(f"similarity: fingerprinting {len(codes)} submission(s)")
    watch = _Progress(heard, len(codes), "fingerprinted")
    # Every pair keeps copydetect's fingerprints; the index only their plain values (a third
    # of the memory at 10,000), and fingerprints again the few pairs it shows.
    kept: dict[str, Any] = {}
    skipped = []
    for sid, code in codes.items():
        fp = fingerprint(sid, code)
        if fp.token_coverage == 0:
            skipped.append(sid)
        else:
            kept[sid] = fp if chosen == EVERY_PAIR else Prints.of(fp)
        watch.step()
    same = {(a, b) for g in duplicates or [] for a in g for b in g}
    ids = sorted(kept, key=lambda i: (i.casefold(), i))

    def listed(a: str, b: str) -> Pair | None:
        print_a, print_b = (
            (kept[a], kept[b])
            if chosen == EVERY_PAIR
            else (fingerprint(a, codes[a]), fingerprint(b, codes[b]))
        )
        _, (share_a, share_b), (slices_a, slices_b) = compare_files(print_a, print_b)
        similarity = float(max(share_a, share_b))
        if similarity < threshold:
            return None
        segments_a = _segments(print_a.raw_code, slices_a)
        segments_b = _segments(print_b.raw_code, slices_b)
        return Pair(a, b, similarity, float(share_a), float(share_b), segments_a, segments_b)

    pairs: list[Pair] = []
    cap, common_prints, compared = None, 0, 0
    if chosen == EVERY_PAIR:
        todo = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :] if (a, b) not in same]
        say(f"similarity: comparing every pair, {len(todo)} pair(s)")
        watch = _Progress(heard, len(todo), "pairs compared")
        for a, b in todo:
            pair = listed(a, b)
            if pair is not None:
                pairs.append(pair)
            watch.step()
        compared = len(todo)
    else:
        cap = common_cap(len(codes)) if common_over is None else common_over
        found = [kept[sid] for sid in ids]
        candidates = candidate_pairs([p.hashes for p in found], cap)
        common_prints = candidates.common
        say(
            f"similarity: comparing {len(candidates)} candidate pair(s) of {len(ids)} "
            f"submissions (those that share a fingerprint; {common_prints} passage(s) held by "
            f"more than {cap} submissions are common code, ignored)"
        )
        watch = _Progress(heard, len(candidates), "pairs compared")
        for i, j in candidates.pairs():
            watch.step()
            if (ids[i], ids[j]) in same:
                continue
            compared += 1
            share_a, share_b = shares(found[i], found[j])
            if max(share_a, share_b) >= threshold:
                pairs.append(Pair(ids[i], ids[j], max(share_a, share_b), share_a, share_b, [], []))
        # The matched regions (copydetect's) only for the pairs the page shows side by side.
        pairs.sort(key=lambda p: (-p.similarity, p.a, p.b))
        pairs[:SIDE_BY_SIDE] = [listed(p.a, p.b) or p for p in pairs[:SIDE_BY_SIDE]]
    pairs.sort(key=lambda p: (-p.similarity, p.a, p.b))
    say(f"similarity: {len(pairs)} pair(s) at or over {threshold:.0%}")
    return SimilarityReport(
        exercise,
        threshold,
        len(codes),
        compared,
        pairs,
        [sorted(g) for g in duplicates or []],
        sorted(skipped),
        chosen,
        cap,
        common_prints,
    )


def _fingerprinter(boilerplate: list[str]) -> Callable[[str, str], Any]:
    """A function (id, code) -> copydetect's CodeFingerprint of that code, with the fingerprints
    of `boilerplate` (the starter code) left out."""
    import copydetect.utils
    from copydetect.detector import CodeFingerprint

    copydetect.utils.hashed_kgrams = stable_kgram_hashes  # its fingerprints call it from there
    win = GUARANTEE_TOKENS - NOISE_TOKENS + 1
    common: set[int] = set()
    for number, code in enumerate(boilerplate):
        fp = CodeFingerprint(
            f"starter{number}.py", NOISE_TOKENS, win, language=LANGUAGE, fp=io.StringIO(code)
        )
        common |= set(fp.hashes)
    starter = list(common)

    def fingerprint(sid: str, code: str) -> Any:
        return CodeFingerprint(
            f"{sid}.py", NOISE_TOKENS, win, boilerplate=starter, language=LANGUAGE,
            fp=io.StringIO(code),
        )  # fmt: skip

    return fingerprint


class _Progress:
    """A line every PROGRESS_EVERY_S seconds while a long step runs (none for a short one)."""

    def __init__(self, say: Callable[[str], None], total: int, what: str) -> None:
        self.say, self.total, self.what = say, total, what
        self.done, self.started = 0, time.monotonic()
        self.next = self.started + PROGRESS_EVERY_S

    def step(self) -> None:
        self.done += 1
        if self.done % 256 == 0 and time.monotonic() >= self.next:
            self.next = time.monotonic() + PROGRESS_EVERY_S
            elapsed = time.monotonic() - self.started
            left = elapsed / self.done * (self.total - self.done)
            self.say(
                f"similarity: {self.done}/{self.total} {self.what}, "
                f"{elapsed:.0f} s, about {left:.0f} s left"
            )


def class_codes(sources: list[SubmissionSource]) -> dict[str, str]:
    codes = {}
    for source in sources:
        if source.problem:
            continue
        try:
            codes[source.id] = code_of(source.filename, source.read())
        except (OSError, ValueError):
            continue
    return codes


def write_similarity(
    sources: list[SubmissionSource],
    duplicates: list[list[str]],
    spec: ExerciseSpec,
    out_dir: Path,
    threshold: float = THRESHOLD,
    log: Callable[[str], None] | None = None,
) -> Path:
    from grader.report import SIMILARITY_PAGE, write_similarity_page

    codes = class_codes(sources)
    report = compare_class(codes, starter_code(spec), spec.id, threshold, duplicates, log=log)
    _write_figures(report, out_dir / SIMILARITY_JSON)
    return write_similarity_page(report, out_dir / SIMILARITY_PAGE)


def _write_figures(report: SimilarityReport, path: Path) -> None:
    figures = {
        "exercise": report.exercise,
        "threshold": report.threshold,
        "submissions": report.submissions,
        "compared": report.compared,
        "pairs": [
            {
                "a": p.a,
                "b": p.b,
                "similarity": p.similarity,
                "share_a": p.share_a,
                "share_b": p.share_b,
            }
            for p in report.pairs
        ],
        "duplicates": report.duplicates,
        "skipped": report.skipped,
        "method": report.method,
        "common_over": report.common_over,
        "common_passages": report.common_passages,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class SimilarityFigures:
    """What `similarity.json` holds: the pairs at or over the threshold, the identical groups."""

    threshold: float
    pairs: list[tuple[str, str, float]]  # (a, b, similarity), most similar first
    duplicates: list[list[str]]


def read_similarity(out_dir: Path) -> SimilarityFigures | None:
    """The figures `grader grade` wrote beside the class; None when it wrote none (run with
    --no-similarity, or before the figures were kept) or they cannot be read."""
    try:
        data = json.loads((out_dir / SIMILARITY_JSON).read_text(encoding="utf-8"))
        pairs = [(str(p["a"]), str(p["b"]), float(p["similarity"])) for p in data["pairs"]]
        groups = [[str(sid) for sid in group] for group in data["duplicates"]]
        return SimilarityFigures(float(data["threshold"]), pairs, groups)
    except (OSError, ValueError, KeyError, TypeError):
        return None
