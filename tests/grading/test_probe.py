"""The callback probe: the harness calls the student's callback on made-up logs; the grader reads.

Fast: real Keras callbacks and the harness's own probe, no training. The probe's verdicts on the
real mistake submissions are asserted on the gradings test_e2e.py and test_mistakes.py make.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from grader.grading.checks import CheckContext, RunSummary, run_checks
from grader.grading.checks.base import Verdict
from grader.grading.checks.probe import interpret, with_probe
from grader.grading.checks.trust import forgery
from grader.grading.evaluate import Measurement
from grader.grading.evidence import CallbackProbe, EpochRecord, Evidence, FitCall, ProbeCall
from grader.grading.harness import probe
from grader.spec.exercise import ExerciseSpec, load_exercise, parse_spec

keras = pytest.importorskip("keras")
probe.capture(keras)
KEYS = ["accuracy", "loss"]


def _class(condition: str, body: str = "self.model.stop_training = True") -> type:
    source = (
        "class StudentCallback(keras.callbacks.Callback):\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        f"        if {condition}:\n"
        "            print('Reached 99% accuracy so cancelling training!')\n"
        f"            {body}\n"
    )
    namespace: dict[str, Any] = {"keras": keras}
    exec(compile(source, "student.py", "exec"), namespace)
    return namespace["StudentCallback"]


def _locate(name: str) -> int | None:
    return -1 if name == "student.py" else None


def probed(callback: Any, keys: list[str] = KEYS, namespace: dict | None = None) -> CallbackProbe:
    raw = probe.run_probe([callback], namespace or {}, keys, 0.99, _locate)[0]
    calls = tuple(
        ProbeCall(
            key=c["key"], label=c["label"], value=c["value"], stopped=c["stopped"],
            self_flag=c["self_flag"], printed=c["printed"], error=c.get("error", ""),
            line=c.get("line"), cell=c.get("cell"), timed_out=bool(c.get("timed_out")),
        )
        for c in raw["calls"]
    )  # fmt: skip
    return CallbackProbe(
        name=raw["name"], source=raw["source"], is_class=raw["is_class"],
        is_keras_callback=raw["is_keras_callback"], hooks=tuple(raw["hooks"]),
        keys=tuple(raw["keys"]), threshold=raw["threshold"], calls=calls,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("condition", "kind", "words"),
    [
        ("logs['accuracy'] >= 0.99", "ok", "at the first epoch at or over 99%"),
        ("logs.get('accuracy') >= 0.99", "ok", "at or over 99%"),
        ("logs['accuracy'] > 0.99", "strict", "at exactly 99% it trains on"),
        ("logs['accuracy'] >= 0.9", "early", "already stops at 90%"),
        ("logs['loss'] < 0.4", "wrong_key", "`loss` falls to 0.3 or below"),
        ("logs['loss'] > 0.99", "wrong_key", "`loss` reaches 0.991 or more"),
        ("logs['accuracy'] < 0.99", "always", "at any epoch"),
        ("logs.get('acc') > 0.99", "raises", "TypeError"),
        ("logs['accuracy'] >= 99", "never", "did not stop at any probe"),
    ],
)
def test_the_probe_tells_the_condition(condition: str, kind: str, words: str) -> None:
    finding = interpret(probed(_class(condition)()))
    assert finding.kind == kind, finding.sentence
    assert words in finding.sentence and "(probed)" in finding.sentence, finding.sentence


def test_a_raising_callback_is_recorded_with_its_line() -> None:
    finding = interpret(probed(_class("logs.get('acc') > 0.99")()))
    assert (finding.kind, finding.line) == ("raises", 3)
    assert "at line 3" in finding.sentence


def test_what_the_callback_printed_when_it_stopped_is_recorded() -> None:
    finding = interpret(probed(_class("logs['accuracy'] >= 0.99")()))
    assert (
        finding.details["printed_when_stopping"] == "Reached 99% accuracy so cancelling training!\n"
    )


def test_self_stop_training_and_a_misspelled_hook() -> None:
    flag = interpret(probed(_class("logs['accuracy'] >= 0.99", "self.stop_training = True")()))
    assert flag.kind == "self_flag"
    namespace: dict[str, Any] = {"keras": keras}
    exec(
        "class Misspelled(keras.callbacks.Callback):\n"
        "    def on_epoch_ends(self, epoch, logs=None):\n"
        "        self.model.stop_training = True\n",
        namespace,
    )
    finding = interpret(probed(namespace["Misspelled"]()))
    assert finding.kind == "no_hook" and "on_epoch_ends" in finding.sentence


def test_a_class_passed_instead_of_an_instance_is_probed_on_a_fresh_instance() -> None:
    result = probed(_class("logs['accuracy'] >= 0.99"))
    assert result.is_class and interpret(result).kind == "ok"


def test_a_callback_not_derived_from_keras_is_probed_too() -> None:
    namespace: dict[str, Any] = {}
    exec(
        "class Plain:\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        "        if logs['accuracy'] >= 0.99:\n"
        "            self.model.stop_training = True\n",
        namespace,
    )
    assert interpret(probed(namespace["Plain"]())).kind == "ok"


def test_a_callback_only_in_the_code_is_probed_from_the_namespace() -> None:
    instance = _class("logs['accuracy'] >= 0.99")()
    raw = probe.run_probe([], {"callbacks": instance, "x": 1}, KEYS, 0.99, _locate)
    assert [(r["name"], r["source"]) for r in raw] == [("StudentCallback", "namespace")]


def test_a_hanging_callback_fails_within_a_second_per_call() -> None:
    hang = _class("True", "time.sleep(30)")
    hang.on_epoch_end.__globals__["time"] = time
    started = time.monotonic()
    result = probed(hang())
    assert time.monotonic() - started < 3
    assert result.calls[-1].timed_out and len(result.calls) == 1
    assert "within a second" in interpret(result).sentence


def test_the_submission_cannot_steer_the_probe_by_patching_keras() -> None:
    """A student who makes every callback look like it stopped gets the genuine machinery."""
    callback_cls = keras.callbacks.Callback
    genuine_set_model = callback_cls.set_model

    def steer(self: Any, model: Any) -> None:
        genuine_set_model(self, model)
        model.stop_training = True  # would make every probe "stop"

    callback_cls.set_model = steer
    try:
        finding = interpret(probed(_class("logs['accuracy'] > 0.99")()))
    finally:
        callback_cls.set_model = genuine_set_model
    assert finding.kind == "strict"


def test_prints_in_the_probe_never_reach_the_runs_output(capsys: pytest.CaptureFixture) -> None:
    probed(_class("logs['accuracy'] >= 0.99")())
    assert "Reached" not in capsys.readouterr().out


# -- what the grader makes of it --------------------------------------------------------------


def _finding_probe(kind_condition: str) -> CallbackProbe:
    return probed(_class(kind_condition)())


def _ctx(spec: ExerciseSpec, probes: tuple[CallbackProbe, ...], accuracies: list[float]) -> Any:
    epochs = tuple(
        EpochRecord(i, {"accuracy": a, "loss": 1 - a}, False, False, float(i), weights=f"w{i}")
        for i, a in enumerate(accuracies)
    )
    fit = FitCall(
        0, 10, (), True, None, False, True, (), epochs, "", "w-start", f"w{len(epochs) - 1}"
    )
    evidence = Evidence(started=True, fits=(fit,), model_saved=True, probes=probes)
    measurement = Measurement(
        test_accuracy=0.98, train_accuracy=accuracies[-1], weights=fit.end_weights
    )
    return CheckContext(spec, evidence, measurement, RunSummary(False, 0, 10.0, 600.0))


def test_a_right_callback_on_a_weak_model_says_the_model_needs_work() -> None:
    spec = load_exercise("mnist_callback")
    ctx = _ctx(spec, (_finding_probe("logs['accuracy'] >= 0.99"),), [0.95, 0.97, 0.987])
    early = next(c for c in run_checks(ctx) if c.id == "early_stop")
    assert early.status == "fail" and early.hint_id == "model_not_callback"
    assert early.message == (
        "your callback stops at the first epoch at or over 99% (probed); your model only "
        "reached 98.70% in 3 epoch(s): the model, not the callback, needs work"
    )
    assert early.details["probe"]["kind"] == "ok"


def test_a_loss_callback_is_named_in_the_early_stop_message() -> None:
    spec = load_exercise("mnist_callback")
    verdict = Verdict("fail", "training stopped at epoch 1", "stop_condition", details={})
    ctx = _ctx(spec, (_finding_probe("logs['loss'] < 0.4"),), [0.93])
    shown = with_probe(verdict, ctx)
    assert shown.message.endswith(
        "your callback stops when `loss` falls to 0.3 or below (probed), not on training accuracy"
    )
    assert (shown.status, shown.hint_id) == ("fail", "stop_condition")


def test_the_probe_scores_only_when_the_spec_gives_it_points(tmp_path: Any) -> None:
    spec = load_exercise("mnist_callback")
    assert "callback_probe" not in spec.points
    folder = spec.folder
    assert folder is not None
    text = (folder / "exercise.toml").read_text() + "\n[probe]\npoints = 2\n"
    with_points = parse_spec(text, "test")
    assert with_points.points["callback_probe"] == 2.0
    assert with_points.max_score == spec.max_score + 2
    ctx = _ctx(with_points, (_finding_probe("logs['accuracy'] > 0.99"),), [0.95])
    probe_check = next(c for c in run_checks(ctx) if c.id == "callback_probe")
    assert (probe_check.status, probe_check.hint_id, probe_check.score) == (
        "pass",
        "greater_than",
        2.0,
    )
    ctx = _ctx(with_points, (_finding_probe("logs['loss'] < 0.4"),), [0.95])
    assert next(c for c in run_checks(ctx) if c.id == "callback_probe").status == "fail"


def test_a_probe_section_with_bad_points_is_refused() -> None:
    from grader.errors import UsageError

    folder = load_exercise("mnist_callback").folder
    assert folder is not None
    with pytest.raises(UsageError, match="'points' must be a number"):
        parse_spec((folder / "exercise.toml").read_text() + '\n[probe]\npoints = "x"\n', "t")


# -- fingerprints ---------------------------------------------------------------------------------


def test_epochs_that_did_not_change_the_weights_are_refused_as_forged() -> None:
    spec = load_exercise("mnist_callback")
    ctx = _ctx(spec, (), [0.995])
    fit = ctx.evidence.fits[0]
    same = EpochRecord(0, {"accuracy": 0.995}, True, False, 0.0, weights="w-start")
    evidence = Evidence(
        started=True,
        fits=(FitCall(**{**fit.__dict__, "epochs": (same,), "end_weights": "w-start"}),),
        model_saved=True,
    )
    reason = forgery(evidence, Measurement(train_accuracy=0.2, weights="w-start"))
    assert "epoch 1 did not change the model's weights" in reason


def test_a_saved_model_other_than_the_trained_one_is_refused() -> None:
    spec = load_exercise("mnist_callback")
    ctx = _ctx(spec, (), [0.95, 0.995])
    assert forgery(ctx.evidence, ctx.measurement) == ""
    other = Measurement(train_accuracy=0.995, weights="another model")
    assert "not the model training ended with" in forgery(ctx.evidence, other)
    forged_ctx = CheckContext(
        spec, ctx.evidence, other, ctx.run, forged=forgery(ctx.evidence, other)
    )
    by_id = {c.id: c for c in run_checks(forged_ctx)}
    assert by_id["train_accuracy"].status == "fail"
    assert "not the model training ended with" in by_id["train_accuracy"].message


def test_a_callback_class_only_defined_in_the_code_is_probed() -> None:
    """`callbacks = myCallback()` inside train_mnist is gone after it returns; its class is not."""
    cls = _class("logs['accuracy'] >= 0.99")
    raw = probe.run_probe([], {"myCallback": cls, "keras": keras}, KEYS, 0.99, _locate)
    assert [(r["name"], r["source"], r["is_class"]) for r in raw] == [
        ("StudentCallback", "namespace", True)
    ]
    assert sum(c["stopped"] for c in raw[0]["calls"]) == 2  # at and just above 99%
