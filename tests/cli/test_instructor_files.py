"""An instructor's bad file (roster, class zip, exercise spec) stops `grader grade` before any
grading starts: exit 2, one line naming the file and what to change, no traceback, no
gradebook written. In-process through click's CliRunner; the isolation probe may start a
process, hence the tier."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from paths import EXERCISES, SAMPLES

from grader.cli import main

pytestmark = pytest.mark.integration

CLASS = SAMPLES / "mnist_callback"


def grade(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["grade", *map(str, args)], env=env)


def refused_before_grading(result: Result, out: Path, *words: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "the batch stopped" not in result.output
    for word in words:
        assert word in result.output, result.output
    assert not (out / "gradebook.sqlite").exists()
    return result.output


def test_a_roster_that_is_not_utf8(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_bytes("id,name\nx1,Zoë\n".encode("latin-1"))
    out = tmp_path / "out"
    result = grade(CLASS, "-e", "mnist_callback", "--roster", roster, "--out", out)
    refused_before_grading(result, out, f"the roster {roster} is not UTF-8", "save it as CSV UTF-8")


def test_a_roster_without_a_name_column(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id;section\nx1;A;extra\nx2\n")  # uneven rows: the sniffer gave up here
    out = tmp_path / "out"
    result = grade(CLASS, "-e", "mnist_callback", "--roster", roster, "--out", out)
    refused_before_grading(result, out, f"the roster {roster}: no 'name' column")


def test_an_unreadable_class_zip(tmp_path: Path) -> None:
    archive = tmp_path / "class.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\x00" * 10)
    out = tmp_path / "out"
    result = grade(archive, "-e", "mnist_callback", "--out", out)
    refused_before_grading(result, out, f"{archive} is not a readable zip file")


def test_a_spec_with_a_misspelt_layer(tmp_path: Path) -> None:
    root = tmp_path / "exercises"
    shutil.copytree(EXERCISES / "mnist_callback", root / "mnist_callback")
    toml = root / "mnist_callback" / "exercise.toml"
    toml.write_text(toml.read_text().replace('{ type = "Flatten" }', '{ type = "Flaten" }'))
    out = tmp_path / "out"
    result = grade(
        CLASS, "-e", "mnist_callback", "--out", out, env={"GRADER_EXERCISES_DIR": str(root)}
    )
    refused_before_grading(result, out, str(toml), "did you mean 'Flatten'?")
