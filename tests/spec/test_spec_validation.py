"""`exercise.toml` is validated at load time: unknown keys (with the nearest valid one), wrong
types and impossible values are refused with the file and the key. Fast."""

from __future__ import annotations

from pathlib import Path

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
        ("timeout_s = 600", "timeout_s = -1", "'timeout_s' must be a finite number of seconds above 0"),  # noqa: E501
        ("input_shape = [28, 28]", "input_shape = [28, 0]", "'input_shape' must be a list of sizes"),  # noqa: E501
        ("runs = 1", 'runs = "one"', "[checks]: 'runs' must be a finite number of points"),
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


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("seed = 1234", "seed = -1", "'seed' must be from 0 to 4294967295 (2**32 - 1), got -1"),
        ("seed = 1234", "seed = 4294967296", "'seed' must be from 0 to 4294967295"),
        ("timeout_s = 600", "timeout_s = inf", "'timeout_s' must be a finite number of seconds above 0, got inf"),  # noqa: E501
        ("timeout_s = 600", "timeout_s = nan", "'timeout_s' must be a finite number of seconds"),
        ("timeout_s = 600", "timeout_s = 0", "'timeout_s' must be a finite number of seconds"),
        ('{ type = "Flatten" }', '{ type = "Flaten" }', "layers[1]: 'type' names 'Flaten', which is not a Keras layer type; did you mean 'Flatten'?"),  # noqa: E501
        ('{ type = "Flatten" }', '{ type = "flatten" }', "did you mean 'Flatten'?"),
        ('activation = "softmax"', 'activation = "sofmax"', "layers[3]: 'activation' names 'sofmax', which is not a Keras activation; did you mean 'softmax'?"),  # noqa: E501
        ('allow_extra = ["Dropout"', 'allow_extra = ["Dropuot"', "[architecture]: 'allow_extra' names 'Dropuot', which is not a Keras layer type; did you mean 'Dropout'?"),  # noqa: E501
        ('repeat = "one or more"', 'repeat = "one or mroe"', "did you mean 'one or more'?"),
        ('dataset = "mnist"', 'dataset = "minst"', "'dataset' must be one of 'mnist', 'fashion_mnist', got 'minst'; did you mean 'mnist'?"),  # noqa: E501
        ("runs = 1", "runs = nan", "[checks]: 'runs' must be a finite number of points, 0 or more, got nan"),  # noqa: E501
        ("runs = 1", "runs = inf", "[checks]: 'runs' must be a finite number of points"),
        ("[training]", "training = 3\n[training_]", "'training' must be a table, a section [training]"),  # noqa: E501
    ],
)  # fmt: skip
def test_a_value_that_cannot_work_is_refused_with_the_nearest_valid_one(
    old: str, new: str, expected: str
) -> None:
    assert expected in refused(edit(old, new))


def test_an_exercise_toml_that_is_not_utf8_names_the_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "mnist_callback"
    folder.mkdir()
    toml = folder / "exercise.toml"
    toml.write_bytes(SPEC.replace("Reached", "R\u00e9ached").encode("latin-1"))
    with pytest.raises(UsageError) as caught:
        load_exercise("mnist_callback", tmp_path)
    line = SPEC[: SPEC.index("Reached")].count("\n") + 1
    assert str(caught.value) == (
        f"{toml}: not UTF-8 text (byte 0xe9 at line {line}); save it as UTF-8"
    )
    toml.write_bytes(b"\xef\xbb\xbf" + SPEC.encode())  # a BOM is fine
    assert load_exercise("mnist_callback", tmp_path).id == "mnist_callback"
