"""The spec's vocabulary is Keras's own: every layer type and activation an exercise may name
exists in the installed Keras under that name, and the code that acts on a value reads the
same list as the validator."""

from __future__ import annotations

import inspect

import pytest

from grader.classroom import late
from grader.grading import data
from grader.spec import schema, vocabulary


@pytest.mark.integration  # importing Keras starts a child process (uname)
def test_every_layer_type_is_a_keras_layer_class_under_its_own_name() -> None:
    import keras

    for name in vocabulary.LAYER_TYPES:
        cls = getattr(keras.layers, name, None)
        assert inspect.isclass(cls) and issubclass(cls, keras.layers.Layer), name
        assert cls.__name__ == name, f"{name} is an alias of {cls.__name__}"
    assert "MaxPool2D" not in vocabulary.LAYER_TYPES  # an alias no model reports


@pytest.mark.integration
def test_every_activation_is_one_keras_knows_by_name() -> None:
    import keras

    for name in vocabulary.ACTIVATIONS:
        assert keras.activations.get(name).__name__ == name


def test_the_validator_and_the_code_that_acts_read_one_list() -> None:
    assert data.DATASET_NAMES is vocabulary.DATASETS
    assert late.UNIT_S is vocabulary.DEADLINE_UNITS_S
    assert late.DEADLINE_KEYS is schema.SECTIONS["deadline"]
    from grader.spec.environment import ENVIRONMENT_KEYS

    assert ENVIRONMENT_KEYS is schema.SECTIONS["environment"]
