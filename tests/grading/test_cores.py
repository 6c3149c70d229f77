"""How many cores gradings may use: GRADER_CPUS, or the cores this process may run on."""

from __future__ import annotations

import os

import pytest

from grader.errors import UsageError
from grader.grading.cores import ENV, available_cores


def test_the_cores_given_win_over_the_machines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    machine = available_cores()
    assert machine == len(os.sched_getaffinity(0))
    monkeypatch.setenv(ENV, "1")
    assert available_cores() == 1
    monkeypatch.setenv(ENV, " 3 ")
    assert available_cores() == 3


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_a_bad_value_is_refused_plainly(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(ENV, value)
    with pytest.raises(UsageError, match="GRADER_CPUS must be a whole number"):
        available_cores()
