"""The course lab's environment variables: declared in `[environment] variables`, checked when
the spec is read, and set for the submission by the pipeline (issue 30)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from grader.errors import UsageError
from grader.grading.pipeline import _child_env
from grader.grading.sandbox import Job
from grader.spec.environment import LAB_VARIABLES, EnvironmentSpec, parse_environment
from grader.spec.exercise import all_exercises, load_exercise


def test_the_course_lab_sets_course_root_to_the_work_folder() -> None:
    assert LAB_VARIABLES == {"COURSE_ROOT": "{work}"}
    env = parse_environment(None, "exercise.toml")
    assert env.lab_variables(Path("/w/work"), Path("/w/home")) == {"COURSE_ROOT": "/w/work"}


def test_every_shipped_exercise_declares_the_labs_variables() -> None:
    for spec in all_exercises():
        assert dict(spec.environment.variables) == LAB_VARIABLES, spec.id


def test_a_course_variant_changes_or_drops_them() -> None:
    variant = parse_environment(
        {"variables": {"COURSE_ROOT": "{home}/course", "LAB_DATA": "{work}/data"}}, "f"
    )
    assert variant.lab_variables(Path("/w"), Path("/h")) == {
        "COURSE_ROOT": "/h/course",
        "LAB_DATA": "/w/data",
    }
    assert parse_environment({"variables": {}}, "f").lab_variables(Path("/w"), Path("/h")) == {}
    literal = parse_environment({"variables": {"BRACES": "{{work}}"}}, "f")
    assert literal.lab_variables(Path("/w"), Path("/h")) == {"BRACES": "{work}"}


@pytest.mark.parametrize(
    ("variables", "said"),
    [
        ({"PATH": "/x"}, "variables.PATH: the grader sets this variable itself"),
        ({"GRADER_SEED": "1"}, "variables.GRADER_SEED: the grader sets this variable itself"),
        ({"PYTHONPATH": "/x"}, "the grader sets this variable itself"),
        ({"2ND": "x"}, "variables.2ND: not a variable name"),
        ({"A-B": "x"}, "not a variable name"),
        ({"ROOT": 3}, "variables.ROOT: must be a string, got 3"),
        ({"ROOT": "{workdir}"}, "may name only {work} and {home}"),
        ({"ROOT": "{work.parent}"}, "may name only {work} and {home}"),
        ({"ROOT": "{"}, "may name only {work} and {home}"),
    ],
)
def test_a_variable_that_cannot_work_is_refused_naming_file_and_key(
    variables: dict, said: str
) -> None:
    with pytest.raises(UsageError, match=r"exercise.toml \[environment\]") as raised:
        parse_environment({"variables": variables}, "exercise.toml")
    assert said in str(raised.value)


def test_variables_must_be_a_table() -> None:
    with pytest.raises(UsageError, match="variables"):
        parse_environment({"variables": ["COURSE_ROOT"]}, "exercise.toml")


def test_the_submission_gets_them_and_the_graders_own_settings_win(tmp_path: Path) -> None:
    spec = load_exercise("mnist_callback")
    data_file = tmp_path / "mnist.npz"
    data_file.write_bytes(b"")
    job = Job.create(data_file)
    try:
        env = _child_env(spec, job, threads=1)
        assert env["COURSE_ROOT"] == str(job.work)
        # A variable the validator would refuse, slipped in after it: the grader's value wins.
        forced = EnvironmentSpec(variables=(("HOME", "/elsewhere"), ("COURSE_ROOT", "{home}")))
        env = _child_env(replace(spec, environment=forced), job, threads=1)
        assert env["HOME"] == str(job.home) and env["COURSE_ROOT"] == str(job.home)
    finally:
        job.remove()
