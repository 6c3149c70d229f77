"""Exercise specs: reading and validating `exercises/<id>/exercise.toml`."""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.environment import EnvironmentSpec, parse_environment
from grader.errors import UsageError

DATASETS = ("mnist", "fashion_mnist")


def exercises_root() -> Path:
    """Where exercise folders live: `$GRADER_EXERCISES_DIR`, else the repository's `exercises/`,
    else the copy installed inside the package (`pip install .`)."""
    configured = os.environ.get("GRADER_EXERCISES_DIR")
    if configured:
        return Path(configured)
    checkout = Path(__file__).resolve().parent.parent / "exercises"
    if checkout.is_dir():
        return checkout
    return Path(__file__).resolve().parent / "_exercises"


@dataclass(frozen=True)
class ArchitectureSpec:
    input_shape: tuple[int, ...]
    hidden_activation: str
    output_units: int


@dataclass(frozen=True)
class ExerciseSpec:
    id: str
    title: str
    dataset: str
    entry_point: str
    timeout_s: float
    seed: int
    max_epochs: int
    architecture: ArchitectureSpec
    points: dict[str, float]
    accuracy_threshold: float | None = None
    accuracy_tolerance: float = 0.0
    stop_message: str | None = None
    test_accuracy_threshold: float | None = None
    folder: Path | None = None
    spec_hash: str = ""
    environment: EnvironmentSpec = EnvironmentSpec()  # noqa: RUF009 (frozen) [environment]: packages, support files

    @property
    def check_ids(self) -> list[str]:
        return list(self.points)

    @property
    def max_score(self) -> float:
        return sum(self.points.values())


def _require(table: dict[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise UsageError(f"{where}: missing required key '{key}'")
    return table[key]


def parse_spec(text: str, where: str, folder: Path | None = None) -> ExerciseSpec:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{where}: not valid TOML ({exc})") from exc
    training = raw.get("training", {})
    arch = _require(raw, "architecture", where)
    checks = _require(raw, "checks", where)
    dataset = _require(raw, "dataset", where)
    if dataset not in DATASETS:
        raise UsageError(f"{where}: dataset must be one of {', '.join(DATASETS)}, got {dataset!r}")
    from grader.checks import CHECKS  # local import: checks import this module's types

    unknown = [c for c in checks if c not in CHECKS]
    if unknown:
        raise UsageError(
            f"{where}: unknown check(s) {', '.join(unknown)}; known: {', '.join(sorted(CHECKS))}"
        )
    return ExerciseSpec(
        id=_require(raw, "id", where),
        title=raw.get("title", raw["id"]),
        dataset=dataset,
        entry_point=raw.get("entry_point", ""),
        timeout_s=float(raw.get("timeout_s", 600)),
        seed=int(raw.get("seed", 1234)),
        max_epochs=int(_require(training, "max_epochs", where + " [training]")),
        architecture=ArchitectureSpec(
            input_shape=tuple(_require(arch, "input_shape", where)),
            hidden_activation=arch.get("hidden_activation", "relu"),
            output_units=int(_require(arch, "output_units", where)),
        ),
        points={name: float(p) for name, p in checks.items()},
        accuracy_threshold=training.get("accuracy_threshold"),
        accuracy_tolerance=float(training.get("accuracy_tolerance", 0.0)),
        stop_message=training.get("stop_message"),
        test_accuracy_threshold=training.get("test_accuracy_threshold"),
        folder=folder,
        spec_hash=hashlib.sha256(text.encode()).hexdigest(),
        environment=parse_environment(raw.get("environment"), where),
    )


def available_exercises(root: Path | None = None) -> list[str]:
    root = root or exercises_root()
    return sorted(p.parent.name for p in root.glob("*/exercise.toml"))


def load_exercise(exercise_id: str, root: Path | None = None) -> ExerciseSpec:
    root = root or exercises_root()
    path = root / exercise_id / "exercise.toml"
    if not path.is_file():
        known = ", ".join(available_exercises(root)) or "none found"
        raise UsageError(f"unknown exercise '{exercise_id}' (known: {known})")
    return parse_spec(path.read_text(), str(path), folder=path.parent)


def all_exercises(root: Path | None = None) -> list[ExerciseSpec]:
    return [load_exercise(name, root) for name in available_exercises(root)]
