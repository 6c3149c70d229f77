"""The evidence of `fit` and `compile` calls from any event stream the child may send (a
submission can write to it): parsing never raises, and the graded model's own calls are always
found among the calls parsed, whatever the identities and counts say."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from grader.grading.checks import CHECKS, CheckContext, RunSummary
from grader.grading.evaluate import Measurement
from grader.grading.evidence import parse_events
from grader.spec.exercise import load_exercise

pytestmark = pytest.mark.fuzz

# Values of every JSON type, and the numbers a stream really carries (small ints, None).
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.integers(0, 3), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
SMALL = st.one_of(st.integers(-1, 4), ANY_VALUE)


@st.composite
def events(draw: st.DrawFn) -> list[dict[str, Any]]:
    kinds = st.sampled_from(["compile", "fit_start", "epoch", "fit_end", "model"])
    stream: list[dict[str, Any]] = [
        {"type": "start", "versions": {}, "seed": 1, "t": 0.0},
    ]
    for kind in draw(st.lists(kinds, max_size=12)):
        event: dict[str, Any] = {"type": kind}
        if kind == "compile":
            event |= {"identity": draw(SMALL), "metrics": draw(ANY_VALUE), "loss": {}}
        elif kind == "fit_start":
            event |= {
                "fit": draw(SMALL),
                "model": draw(SMALL),
                "identity": draw(SMALL),
                "epochs": draw(SMALL),
                "initial_epoch": draw(SMALL),
                "callbacks_given": draw(ANY_VALUE),
            }
        elif kind == "epoch":
            event |= {"fit": draw(SMALL), "epoch": draw(SMALL), "logs": {"accuracy": 0.5}}
        elif kind == "fit_end":
            event |= {"fit": draw(SMALL), "epochs_run": draw(SMALL)}
        else:
            event |= {"saved": draw(ANY_VALUE), "number": draw(SMALL), "identity": draw(SMALL)}
        stream.append(event)
    return stream


SPEC = load_exercise("mnist_callback")
MEASURED = Measurement(
    test_accuracy=None, train_accuracy=None, input_shape=None, output_shape=None, layers=()
)


INFINITE_FIT = [
    {"type": "start", "versions": {}, "seed": 1, "t": 0.0},
    {"type": "fit_start", "fit": float("inf"), "epochs": float("-inf"), "identity": float("nan")},
    {"type": "epoch", "fit": 0, "epoch": float("inf"), "logs": {"accuracy": 0.5}},
    {"type": "fit_end", "fit": 0, "epochs_run": float("inf")},
]


@example(INFINITE_FIT)  # `Infinity` in a stream the child wrote: int() raised OverflowError
@given(events())
def test_fit_evidence_from_any_stream_is_read_without_raising(stream: list[dict]) -> None:
    evidence = parse_events(stream)
    graded = evidence.graded_fits
    assert all(any(fit is parsed for parsed in evidence.fits) for fit in graded)
    compiled = evidence.compile
    assert compiled is None or any(compiled is c for c in evidence.compiles)
    for fit in evidence.fits:
        assert fit.epochs_to_train >= 0 and fit.unfollowed_epochs >= 0
    context = CheckContext(SPEC, evidence, MEASURED, RunSummary(False, 0, 1.0, 600.0))
    for check_id in ("runs", "epoch_limit", "early_stop"):
        verdict = CHECKS[check_id](context)
        assert verdict.status in ("pass", "fail", "skip", "error")
