"""`exercise.toml` is validated at load time: unknown keys (with the nearest valid one), wrong
types and impossible values are refused with the file and the key. Fast."""

from __future__ import annotations

import pytest
from paths import EXERCISES

from grader.errors import UsageError
from grader.spec.exercise import load_exercise, parse_spec
from grader.spec.schema import SECTIONS

SPEC = (EXERCISES / "mnist_callback" / "exercise.toml").read_text()


def refused(text: str) -> str:
    with pytest.raises(UsageError) as caught:
        parse_spec(text, "course/exercise.toml")
    message = str(caught.value)
    assert message.startswith("course/exercise.toml") and "\n" not in message
    return message


def edit(old: str, new: str) -> str:
    assert SPEC.count(old) == 1, old
    return SPEC.replace(old, new)


def test_every_shipped_spec_is_valid() -> None:
    folders = sorted(p.parent.name for p in EXERCISES.glob("*/exercise.toml"))
    assert folders == ["fashion_mnist", "mnist_callback", "mnist_callback_98", "mnist_convolutions"]
    for name in folders:
        assert load_exercise(name).id == name


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('stop_message = "', 'stop_mesage = "', "[training]: unknown key 'stop_mesage'; did you mean 'stop_message'?"),  # noqa: E501
        ("seed = 1234", "sed = 1234", "unknown key 'sed'; did you mean 'seed'?"),
        ("[checks]", "[chekcs]", "unknown key '[chekcs]'; did you mean '[checks]'?"),
        ('{ type = "Flatten" }', '{ tpye = "Flatten" }', "layers[1]: unknown key 'tpye'; did you mean 'type'?"),  # noqa: E501
        ("input_shape = [28, 28]", "input_shap = [28, 28]", "unknown key 'input_shap'; did you mean 'input_shape'?"),  # noqa: E501
    ],
)  # fmt: skip
def test_an_unknown_key_names_the_nearest_valid_one(old: str, new: str, expected: str) -> None:
    assert expected in refused(edit(old, new))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("max_epochs = 10", 'max_epochs = "10"', "'max_epochs' must be an integer, got '10'"),
        ("accuracy_threshold = 0.99 ", "accuracy_threshold = 99 ", "'accuracy_threshold' must be a fraction between 0 and 1"),  # noqa: E501
        ("accuracy_threshold = 0.99 ", "accuracy_threshold = 1.5 ", "got 1.5"),
        ("units = 10,", "units = 0,", "layers[3]: 'units' must be 1 or more"),
        ('units = "any"', 'units = "many"', "'units' must be 1 or more, or \"any\", got 'many'"),
        ('repeat = "one or more"', 'repeat = "several"', "'repeat' must be one of 'once', 'optional'"),  # noqa: E501
        ("timeout_s = 600", "timeout_s = -1", "'timeout_s' must be 1 or more"),
        ("input_shape = [28, 28]", "input_shape = [28, 0]", "'input_shape' must be a list of sizes"),  # noqa: E501
        ("runs = 1", 'runs = "one"', "[checks]: 'runs' must be a number of points"),
    ],
)  # fmt: skip
def test_a_wrong_type_or_impossible_value_is_refused(old: str, new: str, expected: str) -> None:
    assert expected in refused(edit(old, new))


def test_sections_are_a_declared_table() -> None:
    """A new section is one entry of the table; the loader then accepts and checks its keys."""
    assert {"training", "architecture", "checks", "deadline", "environment", "probe"} <= set(
        SECTIONS
    )
    assert "unknown key '[deadlines]'; did you mean '[deadline]'" in refused(
        SPEC + '\n[deadlines]\ndue = "2026-12-01"\n'
    )
    assert "[deadline]: unknown key 'penalty_percnt'; did you mean 'penalty_percent'" in refused(
        SPEC + '\n[deadline]\ndue = "2026-12-01"\npenalty_percnt = 10\n'
    )
