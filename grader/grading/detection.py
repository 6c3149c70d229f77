"""Which exercise a submission answers, when `--exercise` is not given.

The data set the code loads narrows the candidates. Among exercises that share a data set, what
tells them apart decides: the notebook's own metadata (`{"grader": {"exercise": "..."}}`) settles
it; otherwise each candidate scores one point per distinguishing feature the code shows (its stop
message, its threshold, its entry point, its callback class, the layer types only its pattern
names, its id in the file name). A feature all candidates share counts for none. A tie is never
broken silently: it is a usage error that names the candidates and `--exercise`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from grader.errors import UsageError
from grader.grading.submissions import Submission, detect_dataset
from grader.spec.exercise import ExerciseSpec


def notebook_exercise(submission: Submission) -> str | None:
    """`metadata.grader.exercise` of a notebook, if it names one."""
    if submission.kind != "notebook":
        return None
    try:
        metadata = json.loads(submission.path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError, AttributeError):
        return None
    grader = metadata.get("grader") if isinstance(metadata, dict) else None
    name = grader.get("exercise") if isinstance(grader, dict) else None
    return name if isinstance(name, str) else None


def _features(spec: ExerciseSpec) -> dict[str, Callable[[str, str], bool]]:
    """Feature name -> test on (code, file name); only features the spec defines."""
    features: dict[str, Callable[[str, str], bool]] = {}
    if spec.stop_message:
        features[f"stop message {spec.stop_message!r}"] = lambda code, _: spec.stop_message in code
    if spec.accuracy_threshold is not None:
        value = repr(spec.accuracy_threshold)
        pattern = re.compile(rf"(?<![\d.]){re.escape(value)}(?!\d)")
        features[f"threshold {value}"] = lambda code, _: bool(pattern.search(code))
    if spec.entry_point:
        entry = re.compile(rf"\bdef\s+{re.escape(spec.entry_point)}\s*\(")
        features[f"entry point {spec.entry_point}()"] = lambda code, _: bool(entry.search(code))
    if spec.callback_class:
        cls = re.compile(rf"\bclass\s+{re.escape(spec.callback_class)}\b")
        features[f"callback class {spec.callback_class}"] = lambda code, _: bool(cls.search(code))
    for layer_type in sorted(spec.architecture.types):
        word = re.compile(rf"\b{re.escape(layer_type)}\b")
        features[f"layer {layer_type}"] = lambda code, _, w=word: bool(w.search(code))
    features[f"file name {spec.id}"] = lambda _, name: spec.id in name.lower()
    return features


def _scores(submission: Submission, candidates: list[ExerciseSpec]) -> dict[str, int]:
    code, name = submission.code, submission.path.stem
    tests = {spec.id: _features(spec) for spec in candidates}
    # A feature (by its text) that every candidate has says nothing about which one it is.
    shared = set.intersection(*(set(t) for t in tests.values())) if tests else set()
    scores = {}
    for spec_id, features in tests.items():
        hits = [f for f, test in features.items() if f not in shared and test(code, name)]
        # the longest id the file name contains wins over its prefixes (mnist_callback_98)
        scores[spec_id] = len(hits)
    named = [s.id for s in candidates if s.id in name.lower()]
    if named:
        longest = max(named, key=len)
        for spec_id in named:
            if spec_id != longest:
                scores[spec_id] -= 1
    return scores


def detect_exercise(submission: Submission, specs: list[ExerciseSpec]) -> ExerciseSpec:
    """The exercise the submission answers; `UsageError` (exit 2) when it cannot be told."""
    by_id = {spec.id: spec for spec in specs}
    declared = notebook_exercise(submission)
    if declared in by_id:
        return by_id[declared]
    dataset = detect_dataset(submission)
    matches = [spec for spec in specs if spec.dataset == dataset]
    if not matches:
        raise UsageError(
            f"cannot tell the exercise of {submission.path.name}: it loads neither MNIST nor "
            f"Fashion-MNIST; pass --exercise ({', '.join(s.id for s in specs)})"
        )
    if len(matches) == 1:
        return matches[0]
    scores = _scores(submission, matches)
    best = max(scores.values())
    top = [spec for spec in matches if scores[spec.id] == best]
    if len(top) == 1 and best > 0:
        return top[0]
    names = ", ".join(spec.id for spec in (top if best > 0 else matches))
    raise UsageError(
        f"cannot tell which exercise {submission.path.name} answers: it could be {names}; "
        f"pass --exercise (e.g. --exercise {(top or matches)[0].id})"
    )
