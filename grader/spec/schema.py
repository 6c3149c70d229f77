"""The declared shape of `exercise.toml`: every section, its keys, their types and limits.

`validate` rejects, at load time, an unknown key (naming the nearest valid one), a value of the
wrong type and an impossible value (a threshold above 1, units below 1), always with the file
and the key. A new section is one more entry of `SECTIONS`: a table of `Key`s.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from grader.errors import UsageError


@dataclass(frozen=True)
class Key:
    types: tuple[type, ...]
    required: bool = False
    check: Callable[[Any], str] | None = None  # returns why the value is impossible, or ""
    # `types` of a list's elements (only for list keys)
    items: tuple[type, ...] = ()


def _fraction(value: Any) -> str:
    return "" if 0 < value <= 1 else "must be a fraction between 0 and 1 (0.99 means 99%)"


def _non_negative(value: Any) -> str:
    return "" if value >= 0 else "must not be negative"


def _positive(value: Any) -> str:
    return "" if value > 0 else "must be 1 or more"


def _shape(value: Any) -> str:
    return "" if value and all(d >= 1 for d in value) else "must be a list of sizes of 1 or more"


def _one_of(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        return "" if value in allowed else f"must be one of {', '.join(map(repr, allowed))}"

    return check


NUMBER = (int, float)
WHEN = (datetime, date, str)  # a TOML date-time, a date, or an ISO 8601 string


def _margin(value: Any) -> str:
    return "" if 0 <= value < 1 else "must be a fraction from 0 up to 1 (0.01 means one point)"


def _percent(value: Any) -> str:
    return "" if 0 <= value <= 100 else "must be a percentage between 0 and 100"


REPEATS = ("once", "optional", "one or more", "any number")
GRADED_FIT_RULES = ("last", "first")
ENTRY_ARGS = ("training_images", "training_labels", "test_images", "test_labels")

TOP_LEVEL: dict[str, Key] = {
    "id": Key((str,), required=True),
    "title": Key((str,)),
    "summary": Key((str,)),
    "dataset": Key((str,), required=True),  # its values are checked by the loader
    "entry_point": Key((str,)),
    "entry_point_args": Key(
        (list,),
        items=(str,),
        check=lambda v: (
            "" if set(v) <= set(ENTRY_ARGS) else f"may only name {', '.join(ENTRY_ARGS)}"
        ),
    ),
    "entry_point_scale": Key((str,), check=_one_of("notebook", "raw", "unit")),
    "timeout_s": Key(NUMBER, check=_positive),
    "seed": Key((int,)),
}

# Sections: name -> its keys. `None` means a free table checked elsewhere (`[checks]`: check ids
# against the registry of checks, points as numbers).
SECTIONS: dict[str, dict[str, Key] | None] = {
    "training": {
        "max_epochs": Key((int,), required=True, check=_positive),
        "accuracy_threshold": Key(NUMBER, check=_fraction),
        "accuracy_tolerance": Key(NUMBER, check=_non_negative),
        "stop_message": Key((str,)),
        "callback_class": Key((str,)),
        "test_accuracy_threshold": Key(NUMBER, check=_fraction),
        # Which model is graded when a notebook trains several (README, "Several models"):
        # "last", the model of the last `fit` (the default), or "first".
        "graded_fit": Key((str,), check=_one_of(*GRADED_FIT_RULES)),
    },
    "architecture": {
        "input_shape": Key((list,), required=True, items=(int,), check=_shape),
        "layers": Key((list,), items=(dict,)),
        "allow_extra": Key((list,), items=(str,)),
        # shorthand for Flatten -> Dense(n, hidden_activation)+ -> Dense(output_units, softmax)
        "hidden_activation": Key((str,)),
        "output_units": Key((int,), check=_positive),
        # A parameter budget: the model must have fewer trainable and non-trainable parameters.
        "max_params": Key((int,), check=_positive),
    },
    "checks": None,
    # The course environment (grader.spec.environment checks the paths of support files).
    "environment": {
        "packages": Key((list,), items=(str,)),
        "support_files": Key((list,), items=(str,)),
    },
    # Borderline results confirmed on more seeds (grader.spec.robustness).
    "robustness": {
        "seeds": Key((int,), check=_positive),
        "rule": Key((str,), check=_one_of("majority", "any", "all")),
        "test_accuracy_margin": Key(NUMBER, check=_margin),
        "train_accuracy_margin": Key(NUMBER, check=_margin),
        "epoch_margin": Key((int,), check=_non_negative),
    },
    # Points for the callback probe judged on its own (0 or absent: it only explains).
    "probe": {"points": Key(NUMBER, check=_non_negative)},
    # The due date and the late policy (grader.classroom.late reads it and checks the rest).
    "deadline": {
        "due": Key(WHEN),
        "penalty_percent": Key(NUMBER, check=_percent),
        "per": Key((str,), check=_one_of("day", "hour")),
        "cap_percent": Key(NUMBER, check=_percent),
        "last_accepted": Key(WHEN),
        "grace_minutes": Key(NUMBER, check=_non_negative),
        "timezone": Key((str,)),
    },
}

LAYER_KEYS: dict[str, Key] = {
    "type": Key((str,), required=True),
    "units": Key(
        (int, str),
        check=lambda v: (
            "" if v == "any" or (isinstance(v, int) and v >= 1) else 'must be 1 or more, or "any"'
        ),
    ),
    "activation": Key((str,)),
    "repeat": Key((str,), check=_one_of(*REPEATS)),
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
            raise UsageError(f"{where}: '{name}' {problem}, got {value!r}")
    for name, key in keys.items():
        if key.required and name not in table:
            raise UsageError(f"{where}: missing required key '{name}'")


def validate(raw: dict[str, Any], where: str) -> None:
    """The whole file against `TOP_LEVEL` and `SECTIONS`; raises `UsageError` at the first fault."""
    top = {k: v for k, v in raw.items() if not isinstance(v, dict)}
    for name, value in raw.items():
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
        if not _is(points, NUMBER) or points < 0:
            raise UsageError(f"{where} [checks]: '{check_id}' must be a number of points >= 0")
