"""A class with one of each thing the review queue lists, built without training (served_class):
recorded real results, changed with `dataclasses.replace` where the fixtures have no such case.

    seeds_split   a borderline verdict whose seeds disagreed (robustness, agreed false)
    seeds_agree   one whose seeds agreed (counted, not listed)
    forged        epochs that did not change the weights: three checks not confirmed
    slow          a time-out
    late_one      handed in a day and an hour after the due date
    copied, original  a renamed copy of the same code (similarity.json lists the pair)
    flip          a plain verdict (an override on it turns into "review" when it changes)
    ghost         on the roster, handed nothing in

Imported as a top-level module (pytest puts tests/web/ on sys.path: no __init__.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from served_class import build_class, recorded

from grader.results import CheckResult, Robustness, SeedRun, SubmissionResult

DUE = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
FORGERY = (
    "the training this run reported could not be confirmed: epoch 1 did not change the "
    "model's weights, so its logged accuracy did not come from training"
)
ROSTER_NAMES = {
    "seeds_split": "Ada Lovelace",
    "seeds_agree": "Alan Turing",
    "forged": "Mallory Mallet",
    "slow": "Sam Slow",
    "late_one": "Lea Late",
    "copied": "Carl Copy",
    "original": "Olga Orig",
    "flip": "Flo Flip",
    "ghost": "Grace Hopper",
}
ORIGINAL = """import tensorflow as tf


class StopAtTarget(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        accuracy = logs.get("accuracy")
        if accuracy is not None and accuracy >= 0.99:
            print("\\nReached 99% accuracy so cancelling training!")
            self.model.stop_training = True


def train_mnist():
    (images, labels), _ = tf.keras.datasets.mnist.load_data()
    images = images / 255.0
    network = tf.keras.models.Sequential([
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(256, activation="relu"),
        tf.keras.layers.Dropout(0.1),
        tf.keras.layers.Dense(10, activation="softmax"),
    ])
    network.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    record = network.fit(images, labels, epochs=10, callbacks=[StopAtTarget()])
    return record.epoch, record.history["accuracy"][-1]
"""
COPIED = (
    ORIGINAL.replace("StopAtTarget", "MyStopper")
    .replace("network", "mdl")
    .replace("images", "xs")
    .replace("labels", "ys")
    .replace("record", "hist")
    + "\n# my own work\n"
)


def robustness(stop_passes: int, agreed: bool) -> Robustness:
    """Five seeds; `stop_message` passed on `stop_passes` of them (early_stop on all)."""
    runs = [
        SeedRun(
            seed,
            "graded",
            {"early_stop": "pass", "stop_message": "pass" if i < stop_passes else "fail"},
            None,
            [0.95, 0.985, 0.9905],
            3,
        )
        for i, seed in enumerate((1234, 11, 22, 33, 44))
    ]
    decided = {"early_stop": "pass", "stop_message": "pass" if stop_passes >= 3 else "fail"}
    reason = "training first reached 99% at epoch 9 of at most 10"
    return Robustness(
        reason, "majority", runs, decided, {"early_stop": 5, "stop_message": stop_passes}, agreed
    )


def forged(result: SubmissionResult) -> SubmissionResult:
    checks = [
        replace(
            c,
            status="fail",
            score=0.0,
            message=FORGERY,
            hint_id="accuracy_not_confirmed",
            details={**c.details, "unconfirmed": FORGERY.split(": ", 1)[1]},
        )
        if c.id in ("early_stop", "stop_message", "train_accuracy")
        else c
        for c in result.checks
    ]
    return replace(result, checks=checks, score=sum(c.score for c in checks), passed=False)


def passing(result: SubmissionResult, check: str) -> SubmissionResult:
    """`result` with `check` passed (a regrade that changed its figures)."""
    checks: list[CheckResult] = [
        replace(c, status="pass", score=c.max_score) if c.id == check else c for c in result.checks
    ]
    return replace(result, checks=checks, score=sum(c.score for c in checks))


def verdicts(**changes: SubmissionResult) -> dict[str, SubmissionResult]:
    found = recorded()
    good, wrong = found["gt_threshold"], found["wrong_message"]
    made = {
        "seeds_split": replace(wrong, robustness=robustness(2, agreed=False)),
        "seeds_agree": replace(good, robustness=robustness(5, agreed=True)),
        "forged": forged(good),
        "slow": replace(
            found["callback_not_passed"],
            status="timeout",
            passed=False,
            error="the run passed its time limit of 600 s and was stopped",
        ),
        "late_one": good,
        "copied": wrong,
        "original": wrong,
        "flip": wrong,
    }
    return {**made, **changes}


def roster(root: Path) -> Path:
    path = root / "roster.csv"
    rows = "".join(f"{sid},{name}\n" for sid, name in ROSTER_NAMES.items())
    path.write_text("id,name\n" + rows, encoding="utf-8")
    return path


def build_review_class(root: Path, **settings: Any) -> Path:
    """Grade (or, again, regrade) the class into root/review; `changes` in settings replace
    verdicts: `build_review_class(root, regrade=True, changes={"flip": ...})`."""
    changes = settings.pop("changes", {})
    on_time = (DUE - timedelta(days=1)).timestamp()
    mtimes = {sid: on_time for sid in ROSTER_NAMES}
    mtimes["late_one"] = (DUE + timedelta(days=1, hours=1)).timestamp()
    return build_class(
        root,
        "review",
        verdicts(**changes),
        contents={"original": ORIGINAL, "copied": COPIED},
        mtimes=mtimes,
        roster=roster(root),
        deadline={"due": DUE.isoformat(), "penalty_percent": 10, "timezone": "UTC"},
        similarity=True,
        **settings,
    )
