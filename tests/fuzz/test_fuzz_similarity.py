"""The large class's comparison (grader.classroom.similarity_index) computes copydetect's figures in
plain Python: fuzzed, they must stay equal to copydetect's own, for any code and any positions.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from copydetect.detector import CodeFingerprint, compare_files
from copydetect.utils import get_copied_slices
from hypothesis import given
from hypothesis import strategies as st

from grader.classroom.similarity import GUARANTEE_TOKENS, NOISE_TOKENS, stable_kgram_hashes
from grader.classroom.similarity_index import Prints, _overlap, shares

pytestmark = pytest.mark.fuzz

LINES = st.sampled_from(
    [
        "x = x / 255.0",
        "model.fit(x, y, epochs=10, callbacks=[cb])",
        "if logs['accuracy'] >= 0.99:",
        "    self.model.stop_training = True",
        "print('Reached 99% accuracy so cancelling training!')",
        "tf.keras.layers.Dense(512, activation='relu'),",
        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')",
        "for i in range(3): total += i * 2",
        "return history.epoch, history.history['accuracy'][-1]",
    ]
) | st.builds(
    lambda n, m: f"v{n} = [{m}, {n} + {m}, ({m} - 1) * {n}]",
    st.integers(0, 99),
    st.integers(0, 9999),
)
PROGRAMS = st.lists(LINES, min_size=1, max_size=25).map("\n".join)


def fingerprint(code: str) -> CodeFingerprint:
    import copydetect.utils

    copydetect.utils.hashed_kgrams = stable_kgram_hashes
    win = GUARANTEE_TOKENS - NOISE_TOKENS + 1
    return CodeFingerprint("a.py", NOISE_TOKENS, win, language="python", fp=io.StringIO(code))


@given(PROGRAMS, PROGRAMS, PROGRAMS)
def test_shares_are_copydetects_figures(common: str, own_a: str, own_b: str) -> None:
    a, b = fingerprint(own_a + "\n" + common), fingerprint(common + "\n" + own_b)
    if a.token_coverage == 0 or b.token_coverage == 0:
        return  # skipped by the report: nothing to compare
    _, (share_a, share_b), _ = compare_files(a, b)
    assert shares(Prints.of(a), Prints.of(b)) == (float(share_a), float(share_b))


@given(st.lists(st.integers(0, 5000), min_size=1, max_size=60, unique=True), st.integers(1, 40))
def test_overlap_is_the_sum_of_copydetects_slices(positions: list[int], k: int) -> None:
    starts, ends = get_copied_slices(np.array(positions), k)
    assert _overlap(list(positions), k) == int(np.sum(ends - starts))
