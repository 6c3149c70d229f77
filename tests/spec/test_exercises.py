"""Exercise specs: the two real ones, and every way a hand-written spec can be wrong."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from paths import EXERCISES

from grader.errors import UsageError
from grader.spec.exercise import (
    all_exercises,
    available_exercises,
    exercises_root,
    load_exercise,
    parse_spec,
)

MINIMAL = """
id = "tiny"
dataset = "mnist"

[training]
max_epochs = 3

[architecture]
input_shape = [28, 28]
output_units = 10

[checks]
runs = 1
epoch_limit = 2
"""


def write_spec(root: Path, name: str, text: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(text.replace('id = "tiny"', f'id = "{name}"'))
    return folder


def usage_error(root: Path, name: str) -> str:
    with pytest.raises(UsageError) as caught:
        load_exercise(name, root)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_the_mnist_callback_spec() -> None:
    spec = load_exercise("mnist_callback")
    text = (EXERCISES / "mnist_callback" / "exercise.toml").read_text()
    assert spec.id == "mnist_callback"
    assert spec.dataset == "mnist"
    assert spec.entry_point == "train_mnist"
    assert spec.max_epochs == 10
    assert spec.accuracy_threshold == 0.99
    assert spec.accuracy_tolerance == 0.007
    assert spec.stop_message == "Reached 99% accuracy so cancelling training!"
    assert spec.test_accuracy_threshold is None
    assert spec.architecture.input_shape == (28, 28)
    assert spec.architecture.hidden_activation == "relu"
    assert spec.architecture.output_units == 10
    assert spec.check_ids == [
        "runs",
        "architecture",
        "epoch_limit",
        "early_stop",
        "stop_message",
        "train_accuracy",
    ]
    assert spec.max_score == 10.0
    assert spec.timeout_s == 600.0 and spec.seed == 1234
    assert spec.folder == EXERCISES / "mnist_callback"
    assert spec.spec_hash == hashlib.sha256(text.encode()).hexdigest()


def test_the_fashion_mnist_spec() -> None:
    spec = load_exercise("fashion_mnist")
    assert spec.dataset == "fashion_mnist"
    assert spec.entry_point == ""
    assert spec.test_accuracy_threshold == 0.85
    assert spec.accuracy_threshold is None and spec.stop_message is None
    assert spec.accuracy_tolerance == 0.0
    assert spec.points == {
        "runs": 1.0,
        "architecture": 2.0,
        "compile": 2.0,
        "epoch_limit": 1.0,
        "normalization": 1.0,
        "test_accuracy": 3.0,
    }
    assert spec.max_score == 10.0


def test_every_exercise_folder_is_listed() -> None:
    folders = sorted(p.parent.name for p in EXERCISES.glob("*/exercise.toml"))
    assert {"fashion_mnist", "mnist_callback"} <= set(folders)
    assert available_exercises() == folders
    assert [spec.id for spec in all_exercises()] == folders


def test_a_minimal_spec_gets_defaults(tmp_path: Path) -> None:
    write_spec(tmp_path, "tiny", MINIMAL)
    spec = load_exercise("tiny", tmp_path)
    assert spec.title == "tiny"
    assert spec.timeout_s == 600.0 and spec.seed == 1234
    assert spec.entry_point == ""
    assert spec.architecture.hidden_activation == "relu"
    assert spec.points == {"runs": 1.0, "epoch_limit": 2.0}
    assert spec.max_score == 3.0
    assert spec.accuracy_threshold is None and spec.accuracy_tolerance == 0.0


def test_the_exercises_dir_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_spec(tmp_path, "tiny", MINIMAL)
    monkeypatch.setenv("GRADER_EXERCISES_DIR", str(tmp_path))
    assert exercises_root() == tmp_path
    assert available_exercises() == ["tiny"]
    assert load_exercise("tiny").folder == tmp_path / "tiny"
    with pytest.raises(UsageError, match=r"unknown exercise 'mnist_callback' \(known: tiny\)"):
        load_exercise("mnist_callback")


def test_a_copied_exercise_folder_is_a_new_exercise_once_its_id_is_its_name(
    tmp_path: Path,
) -> None:
    shutil.copytree(EXERCISES / "mnist_callback", tmp_path / "mnist_callback_v2")
    toml = tmp_path / "mnist_callback_v2" / "exercise.toml"
    message = usage_error(tmp_path, "mnist_callback_v2")
    assert f"{toml}: id = 'mnist_callback' but the folder is named 'mnist_callback_v2'" in message
    toml.write_text(toml.read_text().replace('id = "mnist_callback"', 'id = "mnist_callback_v2"'))
    spec = load_exercise("mnist_callback_v2", tmp_path)
    assert spec.points == load_exercise("mnist_callback").points
    assert spec.folder == tmp_path / "mnist_callback_v2"


def test_an_unknown_check_is_refused(tmp_path: Path) -> None:
    write_spec(tmp_path, "typo", MINIMAL.replace("epoch_limit = 2", "epoch_limits = 2\nspeed = 1"))
    message = usage_error(tmp_path, "typo")
    assert "unknown check(s) epoch_limits (did you mean 'epoch_limit'?), speed;" in message
    assert "known: architecture, compile, early_stop, epoch_limit" in message
    assert str(tmp_path / "typo" / "exercise.toml") in message


def test_an_unknown_dataset_is_refused(tmp_path: Path) -> None:
    write_spec(tmp_path, "cifar", MINIMAL.replace('"mnist"', '"cifar10"'))
    message = usage_error(tmp_path, "cifar")
    assert "'dataset' must be one of 'mnist', 'fashion_mnist', got 'cifar10'" in message


def test_invalid_toml_is_refused(tmp_path: Path) -> None:
    write_spec(tmp_path, "broken", MINIMAL.replace("max_epochs = 3", "max_epochs = = 3"))
    message = usage_error(tmp_path, "broken")
    assert "exercise.toml: not valid TOML" in message


@pytest.mark.parametrize(
    ("drop", "missing"),
    [
        ("max_epochs = 3\n", "'max_epochs'"),
        ("output_units = 10\n", "'output_units'"),
        ('dataset = "mnist"\n', "'dataset'"),
        ('id = "tiny"\n', "'id'"),
    ],
)
def test_a_missing_key_is_named(tmp_path: Path, drop: str, missing: str) -> None:
    write_spec(tmp_path, "gap", MINIMAL.replace(drop, ""))
    assert f"missing required key {missing}" in usage_error(tmp_path, "gap")


def test_a_missing_table_is_named() -> None:
    text = MINIMAL.replace("[checks]\nruns = 1\nepoch_limit = 2\n", "")
    with pytest.raises(UsageError, match=r"inline\.toml: missing required key 'checks'"):
        parse_spec(text, "inline.toml")


def test_an_unknown_exercise_lists_the_known_ones() -> None:
    with pytest.raises(UsageError) as caught:
        load_exercise("nope")
    assert (
        str(caught.value) == f"unknown exercise 'nope' (known: {', '.join(available_exercises())})"
    )


def test_an_unknown_exercise_in_an_empty_root(tmp_path: Path) -> None:
    assert usage_error(tmp_path, "nope") == "unknown exercise 'nope' (known: none found)"
    assert available_exercises(tmp_path) == []
    assert all_exercises(tmp_path) == []


def test_a_folder_without_a_spec_is_not_an_exercise(tmp_path: Path) -> None:
    (tmp_path / "half_done").mkdir()
    (tmp_path / "half_done" / "README.md").write_text("todo")
    assert available_exercises(tmp_path) == []
    assert "unknown exercise 'half_done'" in usage_error(tmp_path, "half_done")
