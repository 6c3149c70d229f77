"""Every form of `fit` Keras accepts, recorded as Keras runs it (issue 30).

`tests/submissions/fit_forms/every_form.py` calls `fit` in each form Keras 3's own signature
allows, on a tiny model and made-up data (seconds in all). It runs twice: as plain Python, and
under the grader's harness through the grader's own launcher. The student's callbacks must be
called exactly as plain Keras calls them, and the evidence must count the epochs Keras's History
counts. Then a few tiny submissions in those forms are graded through the whole pipeline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from paths import SUBMISSIONS

from grader.grading import data
from grader.grading.evidence import Evidence, parse_events
from grader.grading.pipeline import grade_submission
from grader.grading.sandbox import Job, Limits, run_isolated
from grader.grading.sandbox.levels import LEVELS
from grader.locations import IMPORT_ROOT
from grader.spec.exercise import ExerciseSpec, load_exercise

pytestmark = pytest.mark.integration  # starts a plain Python and a harness child

FORMS = SUBMISSIONS / "fit_forms" / "every_form.py"
LIMIT = 3  # the epoch limit the harness run gets: `epochs_capped` asks for 5

# The forms issue 30 names, as the parameters of Keras's `Model.fit` they exercise.
NAMED_IN_THE_ISSUE = {
    "x",
    "y",
    "epochs",
    "callbacks",
    "initial_epoch",
    "validation_data",
    "validation_split",
    "steps_per_epoch",
}


def _child_env(out: Path, home: Path) -> dict[str, str]:
    return {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": str(home),
        "PYTHONPATH": str(IMPORT_ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "MPLBACKEND": "Agg",
        "FORMS_OUT": str(out),
        "GRADER_MAX_EPOCHS": str(LIMIT),
        "GRADER_GRADED_FIT": "last",
        "GRADER_THREADS": "1",
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, Evidence]:
    """(plain Keras's record, the harness run's record, the harness's evidence)."""
    folder = tmp_path_factory.mktemp("forms")
    plain_out, harnessed_out = folder / "plain.json", folder / "harnessed.json"
    plain = subprocess.run(
        [sys.executable, str(FORMS)],
        env=_child_env(plain_out, folder),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert plain.returncode == 0, plain.stderr[-2000:]
    job = Job.create(*data.served_files("mnist"))
    try:
        script = job.work / "submission.py"
        script.write_text(FORMS.read_text(encoding="utf-8"), encoding="utf-8")
        outcome = run_isolated(
            [sys.executable, "-m", "grader.grading.harness.run", "module", str(script)],
            env=_child_env(harnessed_out, job.home),
            job=job,
            limits=Limits(wall_clock_s=300),
            level=LEVELS["process"],
        )
    finally:
        job.remove()
    assert outcome.returncode == 0, outcome.stderr[-2000:]
    return (
        json.loads(plain_out.read_text()),
        json.loads(harnessed_out.read_text()),
        parse_events(outcome.events),
    )


def test_the_forms_are_keras_own_and_cover_the_issue(runs: tuple[dict, dict, Evidence]) -> None:
    plain, _, _ = runs
    signature = set(plain["fit_parameters"])  # read from the installed Keras, not from memory
    exercised = {p for form in plain["forms"].values() for p in form["parameters"]}
    assert exercised <= signature, exercised - signature
    assert exercised >= NAMED_IN_THE_ISSUE, NAMED_IN_THE_ISSUE - exercised


def test_student_callbacks_are_called_exactly_as_keras_calls_them(
    runs: tuple[dict, dict, Evidence],
) -> None:
    plain, harnessed, _ = runs
    assert plain["forms"].keys() == harnessed["forms"].keys()
    for name, alone in plain["forms"].items():
        if name == "epochs_capped":
            continue  # the harness cuts it to the limit on purpose (next test)
        under = harnessed["forms"][name]
        assert under.get("raised") == alone.get("raised"), name
        assert under.get("history_epochs") == alone.get("history_epochs"), name
        assert under["calls"] == alone["calls"], name
    # The forms that pass a tally really reached it (a harness that dropped a single callback,
    # as it once did, leaves these empty on both sides only if Keras does too).
    for name in ("callbacks_single", "callbacks_tuple", "callbacks_nested", "x_pydataset"):
        assert any(c[0] == "epoch_end" for c in harnessed["forms"][name]["calls"]), name


def test_the_evidence_counts_the_epochs_keras_ran(runs: tuple[dict, dict, Evidence]) -> None:
    _, harnessed, evidence = runs
    forms = harnessed["forms"]
    fits = evidence.fits[: len(forms)]
    assert len(fits) == len(forms)
    for (name, form), fit in zip(forms.items(), fits, strict=True):
        recorded = [epoch.epoch for epoch in fit.epochs]
        if "raised" in form:  # epochs=2.0: Keras's own TypeError, before any epoch
            assert name == "epochs_float"
            assert "cannot be interpreted as an integer" in form["raised"]
            assert recorded == [] and fit.error.startswith("TypeError")
            continue
        assert recorded == form["history_epochs"], name
        assert fit.epochs_run == len(form["history_epochs"]), name
        assert fit.unfollowed_epochs == 0, name


def test_each_callback_form_reaches_the_evidence(runs: tuple[dict, dict, Evidence]) -> None:
    _, harnessed, evidence = runs
    by_name = dict(zip(harnessed["forms"], evidence.fits, strict=False))
    for name in ("callbacks_list", "callbacks_single", "callbacks_tuple", "callbacks_nested"):
        fit = by_name[name]
        assert [cb.name for cb in fit.student_callbacks] == ["Tally"], name
        assert fit.callbacks_given
    assert [cb.name for cb in by_name["callbacks_callbacklist"].student_callbacks] == ["Tally"]
    assert by_name["callbacks_single"].callbacks_form == "Tally"
    assert not by_name["callbacks_none"].callbacks_given
    assert by_name["callbacks_empty"].student_callbacks == ()


def test_epochs_are_counted_as_keras_trains_them(runs: tuple[dict, dict, Evidence]) -> None:
    plain, harnessed, evidence = runs
    by_name = dict(zip(harnessed["forms"], evidence.fits, strict=False))
    capped = by_name["epochs_capped"]
    assert plain["forms"]["epochs_capped"]["history_epochs"] == [0, 1, 2, 3, 4]
    assert harnessed["forms"]["epochs_capped"]["history_epochs"] == list(range(LIMIT))
    assert (capped.epochs_requested, capped.capped_to, len(capped.epochs)) == (5, LIMIT, LIMIT)
    resumed = by_name["initial_epoch"]
    assert (resumed.epochs_requested, resumed.initial_epoch) == (3, 1)
    assert resumed.epochs_to_train == 2 == len(resumed.epochs)
    assert by_name["epochs_numpy_int"].epochs_requested == 2


def test_the_graded_model_is_judged_on_its_own_compile(
    runs: tuple[dict, dict, Evidence],
) -> None:
    """The script ends with two models: the first, compiled with `metrics=["accuracy"]`, is
    trained, then the second, compiled later without a metric, then the first again: the first
    is graded (the model of the last fit), on its own compile."""
    _, harnessed, evidence = runs
    first, second, first_again = evidence.fits[len(harnessed["forms"]) :]
    assert evidence.graded_identity == first.identity == first_again.identity != second.identity
    assert evidence.graded_fits == (first, first_again)
    assert evidence.compiles[-1].metrics == ()  # the last compile of all: the other model's
    assert evidence.compile is not None and evidence.compile.metrics == ("accuracy",)


# -- graded through the whole pipeline -----------------------------------------------------------

# Correct tiny submissions (2,000 images, the 99% target lowered to 50%), each in one form
# Keras accepts: tests/submissions/fit_forms/<form>.py.
GRADED_FORMS = (
    "single_callback",
    "dataset_numpy_epochs",
    "resumed_generator",
)


@pytest.fixture(scope="module")
def tiny_spec() -> ExerciseSpec:
    return replace(load_exercise("mnist_callback"), accuracy_threshold=0.5)


@pytest.mark.parametrize("form", GRADED_FORMS)
def test_a_correct_submission_in_each_form_passes(tiny_spec: ExerciseSpec, form: str) -> None:
    result = grade_submission(SUBMISSIONS / "fit_forms" / f"{form}.py", tiny_spec)
    failing = [(c.id, c.status, c.message) for c in result.checks if c.status != "pass"]
    assert result.passed and not failing, failing
    assert result.score == result.max_score
    if form == "resumed_generator":  # 4 epochs, then epochs=10 from initial_epoch=4: 4 + 6
        limit = next(c for c in result.checks if c.id == "epoch_limit")
        assert limit.details["requested"] == [4, 6], limit.details
