"""The expected architecture as data (`grader.spec.pattern`): the pattern of each exercise, the
architecture check that decides on it, and hints filled from the spec. Fast: no training."""

from __future__ import annotations

import re

import pytest
from paths import ROOT

from grader.grading.checks import CheckContext, RunSummary, run_checks
from grader.grading.checks.model import architecture
from grader.grading.evaluate import LayerInfo, Measurement
from grader.grading.evidence import parse_events
from grader.grading.hints import catalogue
from grader.spec.exercise import ExerciseSpec, load_exercise, percent

CHECKS_DIR = ROOT / "grader" / "grading" / "checks"  # the check modules whose messages we read


def layer(cls: str, units: int | None = None, activation: str | None = None, shape=()) -> LayerInfo:
    return LayerInfo(type=cls, units=units, activation=activation, output_shape=shape or None)


DENSE = (
    layer("Flatten", shape=(None, 784)),
    layer("Dense", 512, "relu", (None, 512)),
    layer("Dense", 10, "softmax", (None, 10)),
)
TWO_HIDDEN = (
    layer("Flatten", shape=(None, 784)),
    layer("Dense", 256, "relu", (None, 256)),
    layer("Dropout", shape=(None, 256)),
    layer("Dense", 128, "relu", (None, 128)),
    layer("Dense", 10, "softmax", (None, 10)),
)
CONV = (
    layer("Conv2D", None, "relu", (None, 26, 26, 32)),
    layer("MaxPooling2D", shape=(None, 13, 13, 32)),
    layer("Flatten", shape=(None, 5408)),
    layer("Dense", 128, "relu", (None, 128)),
    layer("Dense", 10, "softmax", (None, 10)),
)
TWO_BLOCKS = (
    layer("Conv2D", None, "relu", (None, 26, 26, 64)),
    layer("MaxPooling2D", shape=(None, 13, 13, 64)),
    layer("Conv2D", None, "relu", (None, 11, 11, 64)),
    layer("MaxPooling2D", shape=(None, 5, 5, 64)),
    layer("Flatten", shape=(None, 1600)),
    layer("Dense", 128, "relu", (None, 128)),
    layer("Dense", 10, "softmax", (None, 10)),
)


def context(spec: ExerciseSpec, layers: tuple[LayerInfo, ...], input_shape: tuple) -> CheckContext:
    events = [
        {"type": "start", "t": 0.1, "versions": {}, "seed": 1234},
        {"type": "compile", "loss": {"name": "sparse_categorical_crossentropy"},
         "optimizer": {"name": "adam"}, "metrics": ["accuracy"]},
        {"type": "model", "saved": True},
    ]  # fmt: skip
    measurement = Measurement(
        test_accuracy=0.9,
        train_accuracy=0.99,
        input_shape=input_shape,
        output_shape=layers[-1].output_shape,
        layers=layers,
    )
    return CheckContext(spec, parse_events(events), measurement, RunSummary(False, 0, 1.0, 600.0))


@pytest.fixture(scope="module")
def specs() -> dict[str, ExerciseSpec]:
    names = ("fashion_mnist", "mnist_callback", "mnist_callback_98", "mnist_convolutions")
    return {name: load_exercise(name) for name in names}


@pytest.mark.parametrize(
    ("exercise", "layers", "input_shape", "passes"),
    [
        ("fashion_mnist", DENSE, (None, 28, 28), True),
        ("fashion_mnist", TWO_HIDDEN, (None, 28, 28), True),  # an extra hidden Dense: allowed
        ("fashion_mnist", CONV, (None, 28, 28, 1), False),  # not the asked network
        ("mnist_callback", DENSE, (None, 28, 28), True),
        ("mnist_callback_98", DENSE, (None, 28, 28), True),
        ("mnist_convolutions", CONV, (None, 28, 28, 1), True),
        ("mnist_convolutions", TWO_BLOCKS, (None, 28, 28, 1), True),
        ("mnist_convolutions", DENSE, (None, 28, 28, 1), False),
    ],
)
def test_each_pattern_takes_its_own_family_only(
    specs: dict[str, ExerciseSpec], exercise: str, layers: tuple, input_shape: tuple, passes: bool
) -> None:
    verdict = architecture(context(specs[exercise], layers, input_shape))
    assert (verdict.status == "pass") is passes, verdict.message
    assert all(row["match"] for row in verdict.details["comparison"]) is passes


def test_a_convnet_fails_fashion_with_a_hint_naming_the_asked_network(
    specs: dict[str, ExerciseSpec],
) -> None:
    ctx = context(specs["fashion_mnist"], CONV, (None, 28, 28, 1))
    result = next(r for r in run_checks(ctx) if r.id == "architecture")
    assert (result.status, result.hint_id) == ("fail", "architecture_pattern")
    assert "Conv2D(relu) is not part of the asked model" in result.message
    assert "Flatten -> Dense(n, relu)+ -> Dense(10, softmax)" in result.hint
    extras = [r for r in result.details["comparison"] if r["role"] == "extra"]
    assert [r["got"]["class"] for r in extras] == ["Conv2D", "MaxPooling2D"]
    assert not any(r["allowed"] for r in extras)


def test_a_dense_model_fails_convolutions_naming_conv2d(specs: dict[str, ExerciseSpec]) -> None:
    ctx = context(specs["mnist_convolutions"], DENSE, (None, 28, 28, 1))
    result = next(r for r in run_checks(ctx) if r.id == "architecture")
    assert (result.status, result.hint_id) == ("fail", "architecture_pattern")
    assert "no Conv2D(relu) layer" in result.message
    assert "Conv2D(relu)+ -> MaxPooling2D+ -> Flatten" in result.hint
    assert "(28, 28, 1)" in result.hint
    missing = [r["expected"]["class"] for r in result.details["comparison"] if r["got"] is None]
    assert missing == ["Conv2D", "MaxPooling2D"]


def test_an_extra_allowed_layer_is_marked_allowed(specs: dict[str, ExerciseSpec]) -> None:
    verdict = architecture(context(specs["fashion_mnist"], TWO_HIDDEN, (None, 28, 28)))
    roles = [
        (r["role"], r["got"]["class"] if r["got"] else None) for r in verdict.details["comparison"]
    ]
    assert roles == [
        ("input", "Input"),
        ("flatten", "Flatten"),
        ("hidden", "Dense"),
        ("extra", "Dropout"),
        ("hidden", "Dense"),
        ("output", "Dense"),
    ]


def test_thresholds_print_as_the_spec_writes_them() -> None:
    assert percent(0.995) == "99.5%"
    assert percent(0.98) == "98%"
    assert percent(0.99) == "99%"
    assert percent(0.998) == "99.8%"
    assert percent(0.85) == "85%"


def test_no_week_two_literal_in_hints_or_check_messages() -> None:
    literals = re.compile(r"99%|0\.99|512|784|\(28, 28\)|28x28")
    for hint in catalogue().values():
        assert not literals.search(hint.text), hint.id
    modules = sorted(CHECKS_DIR.glob("*.py"))
    assert len(modules) >= 5, f"no check modules found in {CHECKS_DIR}"
    for path in modules:
        code = "\n".join(
            line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")
        )
        strings = re.findall(r'f?"[^"\n]*"', code)
        assert not [s for s in strings if literals.search(s)], path.name


def test_hints_are_filled_from_the_spec(specs: dict[str, ExerciseSpec]) -> None:
    from grader.grading.hints import hint_text

    conv, cb98 = specs["mnist_convolutions"], specs["mnist_callback_98"]
    assert "Reached 99.5% accuracy so cancelling training!" in hint_text(
        "message_text", **conv.template_values()
    )
    assert "`>= 0.995`" in hint_text("greater_than", **conv.template_values())
    assert '"99.5% or greater"' in hint_text("greater_than", **conv.template_values())
    assert "`callbacks=[EarlyStoppingCallback()]`" in hint_text(
        "callback_class_passed", **cb98.template_values()
    )
    called = hint_text("entry_point_called", **cb98.template_values())
    assert "`train_mnist(training_images, training_labels)`" in called
    assert "shape=(28, 28, 1)" in hint_text("input_shape", **conv.template_values())


def test_the_entry_point_gets_the_notebooks_own_scaled_images() -> None:
    """`train_mnist(training_images, training_labels)` receives the images as the notebook left
    them (scaled, reshaped), or the raw pixels when the notebook kept none."""
    import numpy as np

    from grader.grading.harness.entry import _notebook_copy

    rng = np.random.default_rng(0)
    raw = rng.integers(0, 256, size=(100, 28, 28), dtype=np.uint8)
    scaled = np.expand_dims(raw / 255.0, -1)
    other = rng.random((100, 28, 28))
    assert _notebook_copy({"x": raw, "y": other, "x_scaled": scaled}, raw) is scaled
    assert _notebook_copy({"x": raw, "other": other}, raw) is raw
    assert _notebook_copy({"other": other, "n": 3}, raw) is None


def test_entry_point_arguments_follow_the_students_function() -> None:
    """Each version of the course writes `train_mnist` its own way; the grader passes what the
    function takes, so one exercise grades them all."""
    from grader.grading.harness.entry import argument_names

    def old_exercise():  # the old Exercise 2: loads the data itself
        return None

    def course_2021(x_train, y_train):  # C1W2 2021-23: takes the data
        return None

    def with_default(x_train, y_train, epochs=10):
        return None

    def anything(*args):
        return None

    data = ["training_images", "training_labels"]
    assert argument_names(old_exercise, []) == []
    assert argument_names(course_2021, []) == data
    assert argument_names(old_exercise, data) == []
    assert argument_names(course_2021, data) == data
    assert argument_names(with_default, data) == data
    assert argument_names(anything, data) == data
