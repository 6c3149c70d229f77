"""The declared shape of `exercise.toml`: every section, its keys, their types and limits.

`validate` rejects, at load time, an unknown key (naming the nearest valid one), a value of the
wrong type and an impossible value (a threshold above 1, units below 1, a seed NumPy refuses, an
infinite timeout, a layer type or activation Keras does not have, with the nearest one), always
with the file and the key. A new section is one more entry of `SECTIONS`: a table of `Key`s. The
allowed words themselves live in `grader.spec.vocabulary`, shared with the code that acts on them.

Over 400 lines: the tables are data, one entry per key with what it means (`Key.doc`), the one
home the docs' exercise.toml reference is generated from (scripts/mkdocs_hooks.py).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from grader.errors import UsageError
from grader.spec.vocabulary import (
    ACTIVATIONS,
    ANY,
    DATASETS,
    DEADLINE_UNITS_S,
    ENTRY_ARGS,
    ENTRY_SCALES,
    GRADED_FIT_RULES,
    LAYER_TYPES,
    MAX_SEEDS,
    REPEATS,
    ROBUSTNESS_RULES,
    SEED_MAX,
)


@dataclass(frozen=True)
class Key:
    types: tuple[type, ...]
    required: bool = False
    check: Callable[[Any], str] | None = None  # returns why the value is impossible, or ""
    # `types` of a list's elements (only for list keys)
    items: tuple[type, ...] = ()
    # what the key means, in a sentence: the docs' spec reference is generated from this table
    doc: str = ""


# Each check returns why a value is impossible, or "". NaN fails every comparison, so each
# range is written as what must hold (never as what must not), and infinity is refused by name.


def _fraction(value: Any) -> str:
    return "" if 0 < value <= 1 else "must be a fraction between 0 and 1 (0.99 means 99%)"


def _non_negative(value: Any) -> str:
    return "" if 0 <= value < math.inf else "must be a finite number, 0 or more"


def _positive(value: Any) -> str:
    return "" if value > 0 else "must be 1 or more"


def _seconds(value: Any) -> str:
    return "" if 0 < value < math.inf else "must be a finite number of seconds above 0"


def _seed_count(value: Any) -> str:
    return "" if 1 <= value <= MAX_SEEDS else f"must be from 1 to {MAX_SEEDS}"


def _seed(value: Any) -> str:
    return "" if 0 <= value <= SEED_MAX else f"must be from 0 to {SEED_MAX} (2**32 - 1)"


def did_you_mean(value: str, allowed: tuple[str, ...] | list[str]) -> str:
    """`; did you mean 'softmax'?` for the nearest allowed word, or "" when none is near."""
    near = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    if not near:  # a different case is still the same word: `dense` for `Dense`
        near = [a for a in allowed if a.casefold() == value.casefold()][:1]
    return f"; did you mean '{near[0]}'?" if near else ""


def _words(allowed: tuple[str, ...], what: str) -> Callable[[Any], str]:
    """Words of a long list (layer types, activations), one or a list of them: a wrong one is
    named with the nearest allowed word, the list itself is too long to print."""

    def check(value: Any) -> str:
        for word in [value] if isinstance(value, str) else value:
            if word not in allowed:
                return f"names {word!r}, which is not {what}{did_you_mean(word, allowed)}"
        return ""

    return check


def _shape(value: Any) -> str:
    return "" if value and all(d >= 1 for d in value) else "must be a list of sizes of 1 or more"


def _one_of(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value in allowed:
            return ""
        return f"must be one of {', '.join(map(repr, allowed))}{did_you_mean(value, allowed)}"

    return check


NUMBER = (int, float)
WHEN = (datetime, date, str)  # a TOML date-time, a date, or an ISO 8601 string


def _margin(value: Any) -> str:
    return "" if 0 <= value < 1 else "must be a fraction from 0 up to 1 (0.01 means one point)"


def _percent(value: Any) -> str:
    return "" if 0 <= value <= 100 else "must be a percentage between 0 and 100"


TOP_LEVEL: dict[str, Key] = {
    "id": Key(
        (str,),
        required=True,
        doc="the exercise's id, the name `--exercise` takes; its folder is named the same",
    ),
    "title": Key((str,), doc="the title reports and the workbench show (default: the id)"),
    "summary": Key(
        (str,),
        doc="the expected model in one line, for `grader exercises` (default: `[architecture]`)",
    ),
    "dataset": Key(
        (str,),
        required=True,
        check=_one_of(*DATASETS),
        doc="the course data set the exercise trains on: `mnist` or `fashion_mnist`",
    ),
    "entry_point": Key(
        (str,),
        doc="a function the grader calls if the code defines it but never trained (empty: none)",
    ),
    "entry_point_args": Key(
        (list,),
        items=(str,),
        check=lambda v: (
            "" if set(v) <= set(ENTRY_ARGS) else f"may only name {', '.join(ENTRY_ARGS)}"
        ),
        doc="what the entry point is called with, as far as its parameters take them",
    ),
    "entry_point_scale": Key(
        (str,),
        check=_one_of(*ENTRY_SCALES),
        doc="the entry point's images: as the notebook scaled them, `raw` pixels or `unit` (/255)",
    ),
    "timeout_s": Key(
        NUMBER,
        check=_seconds,
        doc="the wall-clock limit of one grading in seconds (default 600; `--timeout` wins)",
    ),
    "seed": Key(
        (int,), check=_seed, doc="the seed of every run, recorded in each result (default 1234)"
    ),
}

# Sections: name -> its keys. `None` means a free table checked elsewhere (`[checks]`: check ids
# against the registry of checks, points as numbers).
SECTIONS: dict[str, dict[str, Key] | None] = {
    "training": {
        "max_epochs": Key(
            (int,),
            required=True,
            check=_positive,
            doc="the most epochs a submission may ask for; the harness cuts a longer `fit` to it",
        ),
        "accuracy_threshold": Key(
            NUMBER,
            check=_fraction,
            doc="the training accuracy the callback stops at (0.99 means 99%, printed as written)",
        ),
        "accuracy_tolerance": Key(
            NUMBER,
            check=_non_negative,
            doc="how far the grader's re-measured training accuracy may sit below the threshold",
        ),
        "stop_message": Key(
            (str,), doc="the exact line the callback must print when it stops training"
        ),
        "callback_class": Key(
            (str,),
            doc="the callback class the task names: quoted in hints, used to tell exercises apart",
        ),
        "test_accuracy_threshold": Key(
            NUMBER, check=_fraction, doc="the accuracy on the test images the model must reach"
        ),
        # Which model is graded when a notebook trains several (docs: how-grading-works.md):
        # "last", the model of the last `fit` (the default), or "first".
        "graded_fit": Key(
            (str,),
            check=_one_of(*GRADED_FIT_RULES),
            doc="the model graded when the code trains several: the `last` (default) or `first`",
        ),
    },
    "architecture": {
        "input_shape": Key(
            (list,),
            required=True,
            items=(int,),
            check=_shape,
            doc="the shape of one input image, without the batch dimension",
        ),
        "layers": Key(
            (list,),
            items=(dict,),
            doc="the expected model as a pattern of layers, in order (a layer's keys below)",
        ),
        "allow_extra": Key(
            (list,),
            items=(str,),
            check=_words(LAYER_TYPES, "a Keras layer type"),
            doc="layer types allowed beside the pattern; any other extra layer is a difference",
        ),
        # shorthand for Flatten -> Dense(n, hidden_activation)+ -> Dense(output_units, softmax)
        "hidden_activation": Key(
            (str,),
            check=_words(ACTIVATIONS, "a Keras activation"),
            doc="shorthand instead of `layers`: Flatten, then Dense layers with this activation",
        ),
        "output_units": Key(
            (int,),
            check=_positive,
            doc="with `hidden_activation`: the units of the softmax output layer",
        ),
        # A parameter budget: the model must have fewer trainable and non-trainable parameters.
        "max_params": Key(
            (int,),
            check=_positive,
            doc="a parameter budget: the model must have fewer (judged by `architecture`)",
        ),
    },
    "checks": None,
    # The course environment (grader.spec.environment checks the paths of support files).
    "environment": {
        "packages": Key(
            (list,),
            items=(str,),
            doc="pip names of packages the submission may import beyond the course's list",
        ),
        "support_files": Key(
            (list,),
            items=(str,),
            doc="files of the exercise folder copied read-only beside the submission",
        ),
        # The lab's environment variables (grader.spec.environment checks names and values).
        "variables": Key(
            (dict,),
            doc="environment variables the course's lab sets (COURSE_ROOT = the work folder)",
        ),
    },
    # Borderline results confirmed on more seeds (grader.spec.robustness).
    "robustness": {
        "seeds": Key(
            (int,),
            check=_seed_count,
            doc="how many seeds decide a borderline verdict, the spec's own included (1: off)",
        ),
        "rule": Key(
            (str,),
            check=_one_of(*ROBUSTNESS_RULES),
            doc="how seeds decide a check: `majority` (a tie goes to the student), `any`, `all`",
        ),
        "test_accuracy_margin": Key(
            NUMBER,
            check=_margin,
            doc="a test accuracy this close to its threshold, either side, is borderline",
        ),
        "train_accuracy_margin": Key(
            NUMBER,
            check=_margin,
            doc="a best training accuracy this close below the threshold is borderline",
        ),
        "epoch_margin": Key(
            (int,),
            check=_non_negative,
            doc="a threshold first reached in the last N epochs allowed is borderline",
        ),
    },
    # Points for the callback probe judged on its own (0 or absent: it only explains).
    "probe": {
        "points": Key(
            NUMBER,
            check=_non_negative,
            doc="points of the `callback_probe` check (0 or absent: the probe only explains)",
        )
    },
    # The due date and the late policy (grader.classroom.late reads it and checks the rest).
    "deadline": {
        "due": Key(WHEN, doc="the due date: a TOML date-time, a date, or an ISO 8601 string"),
        "penalty_percent": Key(
            NUMBER,
            check=_percent,
            doc="the share of the maximum score each started day (or hour) late costs",
        ),
        "per": Key(
            (str,),
            check=_one_of(*DEADLINE_UNITS_S),
            doc="what the penalty is counted in: started `day`s or `hour`s",
        ),
        "cap_percent": Key(
            NUMBER,
            check=_percent,
            doc="the most the late penalty may take, as a share of the maximum score",
        ),
        "last_accepted": Key(WHEN, doc="after this time a submission is not accepted: 0 points"),
        "grace_minutes": Key(
            NUMBER, check=_non_negative, doc="minutes after `due` that still count as on time"
        ),
        "timezone": Key(
            (str,), doc="the zone of times written without an offset (default: this machine's)"
        ),
    },
}

LAYER_KEYS: dict[str, Key] = {
    "type": Key(
        (str,),
        required=True,
        check=_words(LAYER_TYPES, "a Keras layer type"),
        doc="the Keras layer class: `Dense`, `Flatten`, `Conv2D`...",
    ),
    "units": Key(
        (int, str),
        check=lambda v: (
            "" if v == ANY or (isinstance(v, int) and v >= 1) else 'must be 1 or more, or "any"'
        ),
        doc='the number of units (or filters), or `"any"`',
    ),
    "activation": Key(
        (str,),
        check=_words((*ACTIVATIONS, ANY), "a Keras activation"),
        doc='the activation function, or `"any"`',
    ),
    "repeat": Key(
        (str,),
        check=_one_of(*REPEATS),
        doc="how often it appears: `once` (default), `optional`, `one or more`, `any number`",
    ),
}


def _type_name(types: tuple[type, ...]) -> str:
    names = {
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
        bool: "true or false",
    }
    if set(types) == {int, float}:
        return "a number"
    return " or ".join(names.get(t, t.__name__) for t in types)


def _is(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


def unknown_key(where: str, key: str, known: list[str]) -> UsageError:
    near = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    hint = f"; did you mean '{near[0]}'?" if near else f" (valid: {', '.join(sorted(known))})"
    return UsageError(f"{where}: unknown key '{key}'{hint}")


def _with_value(problem: str, value: Any) -> str:
    """The problem with the value given, before any "did you mean" (unless it names it)."""
    if problem.startswith("names "):
        return problem
    head, hint, rest = problem.partition("; did you mean")
    return f"{head}, got {value!r}{hint}{rest}"


def check_table(table: dict[str, Any], keys: dict[str, Key], where: str) -> None:
    """Every key known, of the right type, possible; every required key present."""
    for name, value in table.items():
        if name not in keys:
            raise unknown_key(where, name, list(keys))
        key = keys[name]
        if not _is(value, key.types):
            raise UsageError(f"{where}: '{name}' must be {_type_name(key.types)}, got {value!r}")
        if key.items and not all(_is(v, key.items) for v in value):
            raise UsageError(
                f"{where}: '{name}' must be a list of {_type_name(key.items)}s, got {value!r}"
            )
        problem = key.check(value) if key.check else ""
        if problem:
            raise UsageError(f"{where}: '{name}' {_with_value(problem, value)}")
    for name, key in keys.items():
        if key.required and name not in table:
            raise UsageError(f"{where}: missing required key '{name}'")


def validate(raw: dict[str, Any], where: str) -> None:
    """The whole file against `TOP_LEVEL` and `SECTIONS`; raises `UsageError` at the first fault."""
    top = {k: v for k, v in raw.items() if not isinstance(v, dict)}
    for name, value in raw.items():
        if name in SECTIONS and not isinstance(value, dict):
            raise UsageError(f"{where}: '{name}' must be a table, a section [{name}]")
        if isinstance(value, dict) and name not in SECTIONS:
            raise unknown_key(where, f"[{name}]", [f"[{s}]" for s in SECTIONS])
        if isinstance(value, dict):
            keys = SECTIONS[name]
            if keys is not None:
                check_table(value, keys, f"{where} [{name}]")
    check_table(top, TOP_LEVEL, where)
    for index, layer in enumerate(raw.get("architecture", {}).get("layers", []), start=1):
        check_table(layer, LAYER_KEYS, f"{where} [architecture] layers[{index}]")
    for check_id, points in raw.get("checks", {}).items():
        if not _is(points, NUMBER) or not 0 <= points < math.inf:
            raise UsageError(
                f"{where} [checks]: '{check_id}' must be a finite number of points, 0 or more, "
                f"got {points!r}"
            )
