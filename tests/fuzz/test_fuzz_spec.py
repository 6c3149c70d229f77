"""Exercise specs fuzzed: documents built from the schema's own tables with values of the wrong
type and out of range, and arbitrary bytes as exercise.toml. The property: the reader returns
an `ExerciseSpec` whose values are all usable, or raises the grader's own `UsageError` naming
the file; never another exception."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import example, given
from hypothesis import strategies as st
from paths import EXERCISES

from grader.errors import UsageError
from grader.spec.exercise import ExerciseSpec, load_exercise, parse_spec
from grader.spec.schema import LAYER_KEYS, SECTIONS, TOP_LEVEL
from grader.spec.vocabulary import ACTIVATIONS, ANY, LAYER_TYPES, MAX_SEEDS, REPEATS, SEED_MAX

pytestmark = pytest.mark.fuzz

WHERE = "course/exercise.toml"
BASE = (EXERCISES / "mnist_callback" / "exercise.toml").read_text()

# Any value TOML can hold, small: what an instructor's typo or a wrong type turns a key into.
SCALARS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["any", "Dense", "relu", "once", "majority", "day", "mnist", ""]),
    st.sampled_from([0, 1, -1, 2**32, 2**32 - 1, 0.5, 1.5, math.inf, -math.inf, math.nan]),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=5), SCALARS, max_size=2),
)


def _usable(spec: ExerciseSpec) -> None:
    """What the grading relies on, whatever the file said."""
    assert 0 < spec.timeout_s < math.inf
    assert 0 <= spec.seed <= SEED_MAX
    assert spec.max_epochs >= 1
    assert 1 <= spec.robustness.seeds <= MAX_SEEDS
    assert all(0 <= p < math.inf for p in spec.points.values())
    for item in spec.architecture.layers:
        assert item.type in LAYER_TYPES and item.repeat in REPEATS
        assert item.activation in (*ACTIVATIONS, ANY)
    assert set(spec.architecture.allow_extra) <= set(LAYER_TYPES)


def _read(text: str) -> None:
    try:
        spec = parse_spec(text, WHERE)
    except UsageError as exc:
        assert str(exc).startswith(WHERE) and "\n" not in str(exc)
        return
    _usable(spec)


@st.composite
def pushed_spec(draw: st.DrawFn) -> str:
    """The shipped spec with one to three keys of the schema given any value."""
    import tomllib

    raw: dict[str, Any] = tomllib.loads(BASE)
    places = [("", k) for k in TOP_LEVEL] + [
        (section, k) for section, keys in SECTIONS.items() if keys for k in keys
    ]
    for _ in range(draw(st.integers(1, 3))):
        section, key = draw(st.sampled_from(places))
        table = raw if not section else raw.setdefault(section, {})
        table[key] = draw(VALUES)
    layers = raw["architecture"].get("layers")
    if draw(st.booleans()) and isinstance(layers, list) and layers and isinstance(layers[0], dict):
        layers[0][draw(st.sampled_from(sorted(LAYER_KEYS)))] = draw(VALUES)
    return tomli_w.dumps(raw)


@given(pushed_spec())
@example(BASE.replace("seed = 1234", "seed = -1"))
@example(BASE.replace("seed = 1234", "seed = 4294967296"))
@example(BASE.replace("timeout_s = 600", "timeout_s = nan"))
@example(BASE.replace("timeout_s = 600", "timeout_s = inf"))
@example(BASE.replace("[training]", "training = 1\n[x]"))  # a section that is not a table
@example(BASE.replace("[checks]", "checks = [1]\n[y]"))
@example(BASE.replace("runs = 1", "runs = nan"))
@example(BASE.replace("seeds = 5", "seeds = 1000000000"))  # a billion trainings per borderline
@example(BASE.replace("[environment]", '[environment]\npackages = [""]\n[z]'))
def test_a_spec_pushed_out_of_range_is_read_or_refused_in_plain_words(text: str) -> None:
    _read(text)


@given(st.binary(max_size=300))
@example(b"\xff\xfe")
@example(b"id = 1")
@example(b"\xef\xbb\xbf" + BASE.encode())
def test_any_bytes_as_exercise_toml_are_read_or_refused_naming_the_file(raw: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as root:
        folder = Path(root) / "mnist_callback"
        folder.mkdir()
        (folder / "exercise.toml").write_bytes(raw)
        try:
            spec = load_exercise("mnist_callback", Path(root))
        except UsageError as exc:
            assert str(folder / "exercise.toml") in str(exc)
            return
        _usable(spec)


@given(st.text(max_size=300))
def test_any_text_as_exercise_toml_is_read_or_refused(text: str) -> None:
    _read(text)
