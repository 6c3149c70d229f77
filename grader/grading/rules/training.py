"""Static rules about the training set-up: epochs, TF1 APIs, scaling, metrics, the test set, the
entry point, Colab lines (rows 6, 17-20, 22, 23)."""

from __future__ import annotations

import ast
from typing import Any

from grader.grading.rules.analysis import Analysis
from grader.grading.rules.finding import Finding
from grader.grading.rules.nodes import (
    ACC_KEYS,
    OPTIMIZERS,
    SCALING_NAMES,
    TF1,
    argument,
    dotted,
    has_star_kwargs,
    kwarg,
    last_name,
    names_in,
    number,
    string,
)
from grader.grading.rules.rule import rule


@rule("epochs", "epoch_limit", ("epochs_limit",), "`fit` asks for more than {max_epochs} epochs")
def epochs(a: Analysis) -> None:
    limit = a.spec.max_epochs
    for item in a.method_calls("fit"):
        value = argument(item.node, "epochs", 3)
        epochs = number(value, a.constants) if value is not None else None
        if epochs is not None and epochs > limit:
            a.add("epochs_limit", a.check("epoch_limit"), (item.cell, value.lineno))


@rule("tf1", "runs", ("tf1_api",), "a TensorFlow 1 API, or `lr=` for an optimizer")
def tf1(a: Analysis) -> None:
    for item in a.facts.attributes:
        if TF1.match(dotted(item.node)):
            a.add("tf1_api", "runs", item)
    for item in a.facts.calls:
        if last_name(item.node.func) in OPTIMIZERS and kwarg(item.node, "lr") is not None:
            lr = kwarg(item.node, "lr")
            a.add("tf1_api", "runs", (item.cell, lr.lineno if lr is not None else 0))


@rule(
    "normalization",
    "normalization",
    ("normalize_pixels",),
    "pixels loaded but never scaled to [0, 1]",
)
def normalization(a: Analysis) -> None:
    loads = a.calls_named("load_data")
    if not loads or a.facts.has_255 or a.facts.has_division:
        return
    if a.facts.identifiers & SCALING_NAMES:
        return
    a.add(
        "normalize_pixels",
        a.check("normalization", "train_accuracy"),
        loads[0],
        also=("early_stop", "train_accuracy", "test_accuracy", "stop_message"),
    )


@rule("metrics", "compile", ("missing_metrics",), "compile without an accuracy metric")
def metrics(a: Analysis) -> None:
    compiles = a.method_calls("compile")
    if not compiles or any(has_star_kwargs(c.node) for c in compiles):
        return
    given = [(c, argument(c.node, "metrics", 3)) for c in compiles]
    check = a.check("compile", "early_stop")
    also = ("runs", "early_stop", "stop_message", "train_accuracy")
    if all(value is None for _, value in given):
        a.add("missing_metrics", check, compiles[-1], also=also)
        return
    for item, value in given:
        if not isinstance(value, ast.List | ast.Tuple):
            continue
        names = [string(e) for e in value.elts]
        if all(n is not None for n in names) and not ACC_KEYS & set(names):
            a.add("missing_metrics", check, (item.cell, value.lineno), also=also)


@rule(
    "test_set",
    "test_accuracy",
    ("train_on_test",),
    "training on the test images (or measuring on the training ones)",
)
def test_set(a: Analysis) -> None:
    def named(node: Any, word: str, other: str) -> bool:
        names = [n.lower() for n in names_in(node)]
        return any(word in n for n in names) and not any(other in n for n in names)

    measured = "test_accuracy" in a.spec.points
    for item in a.method_calls("fit"):
        x = argument(item.node, "x", 0)
        if x is not None and named(x, "test", "train"):
            a.add(
                "train_on_test",
                a.check("test_accuracy", "train_accuracy"),
                (item.cell, x.lineno),
                kind="mistake" if measured else "note",
            )
    evaluations = a.method_calls("evaluate")
    if measured and evaluations:
        xs = [argument(e.node, "x", 0) for e in evaluations]
        if not any(x is not None and named(x, "test", "train") for x in xs):
            for item, x in zip(evaluations, xs, strict=True):
                if x is not None and named(x, "train", "test"):
                    a.add("train_on_test", "test_accuracy", item, kind="note")
                    break


@rule("entry_point", "runs", ("entry_point_called",), "`{entry_point}` defined but never called")
def entry_point(a: Analysis) -> None:
    entry = a.spec.entry_point
    if not entry:
        return
    defined = [f for f in a.facts.functions if f.top_level and f.node.name == entry]
    if defined and not any(u.node.id == entry for u in a.facts.loads):
        a.add("entry_point_called", "runs", defined[-1], kind="note")


@rule("colab", "runs", ("colab_lines",), "Colab-only lines the grader skipped")
def colab(a: Analysis) -> None:
    for line in a.submission.neutralised:
        a.findings.append(Finding("colab_lines", "runs", line.cell, line.line, line.text, "note"))
