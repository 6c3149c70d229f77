"""Which model the harness saves for grading when the code trains several (pure: no child)."""

from __future__ import annotations

from grader.grading.harness.saving import Models


def trained(*fits: tuple[str, bool]) -> Models:
    """Models fitted in this order: (name, on another course data set)."""
    models = Models()
    for name, other in fits:
        models.fitted(name, None, other_data=other)
        models.number(name)
    return models


def test_the_rule_picks_among_all_models_when_none_trained_elsewhere() -> None:
    models = trained(("a", False), ("b", False), ("a", False))
    assert models.graded("last") == "a" and models.graded("first") == "a"
    assert trained(("a", False), ("b", False)).graded("last") == "b"


def test_a_side_experiment_on_another_data_set_is_passed_over() -> None:
    """A Fashion-MNIST lab that ends with a model on the digits: the Fashion model is graded."""
    models = trained(("fashion", False), ("digits", True))
    assert models.graded("last") == "fashion"
    models = trained(("digits", True), ("fashion", False), ("digits2", True))
    assert models.graded("first") == "fashion" and models.graded("last") == "fashion"


def test_only_models_on_another_data_set_are_still_graded() -> None:
    models = trained(("d1", True), ("d2", True))
    assert models.graded("last") == "d2" and models.graded("first") == "d1"
    assert Models().graded("last") is None  # nothing trained, nothing compiled
