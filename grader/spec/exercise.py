"""Exercise specs: reading and validating `exercises/<id>/exercise.toml`."""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.formatting import percent
from grader.locations import CHECKOUT_EXERCISES, INSTALLED_EXERCISES
from grader.spec.check_ids import CHECK_IDS, PROBE_CHECK
from grader.spec.environment import EnvironmentSpec, parse_environment
from grader.spec.pattern import ANY, ArchitectureSpec, LayerPattern, default_pattern
from grader.spec.robustness import RobustnessSpec, parse_robustness
from grader.spec.schema import did_you_mean, validate
from grader.spec.vocabulary import DATASETS

__all__ = [
    "CHECK_IDS",
    "DATASETS",
    "ArchitectureSpec",
    "ExerciseSpec",
    "LayerPattern",
    "load_exercise",
    "parse_spec",
]


def exercises_root() -> Path:
    """Where exercise folders live: `$GRADER_EXERCISES_DIR`, else the repository's `exercises/`,
    else the copy installed inside the package (`pip install .`)."""
    configured = os.environ.get("GRADER_EXERCISES_DIR")
    if configured:
        return Path(configured)
    if CHECKOUT_EXERCISES.is_dir():
        return CHECKOUT_EXERCISES
    return INSTALLED_EXERCISES


@dataclass(frozen=True)
class ProbeSpec:
    """`[probe]`: points for the callback probe judged on its own (0: it only explains)."""

    points: float = 0.0


def parse_probe(raw: dict[str, Any], where: str) -> ProbeSpec:
    """`[probe]`, already checked key by key by `spec_schema.validate`; here what spans sections."""
    points = raw.get("probe", {}).get("points", 0)
    if points and "accuracy_threshold" not in raw.get("training", {}):
        raise UsageError(f"{where} [probe]: the probe needs [training] accuracy_threshold")
    return ProbeSpec(points=float(points))


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
    probe: ProbeSpec = ProbeSpec()
    summary: str = ""
    callback_class: str = ""
    entry_point_args: tuple[str, ...] = ()
    entry_point_scale: str = "notebook"  # the data passed to the entry point: see instrument
    threshold_text: str = ""  # the threshold as a percentage, as the spec writes it: "99.5%"
    graded_fit: str = "last"  # which model is graded when several are trained: "last" or "first"

    @property
    def model_summary(self) -> str:
        return self.summary or self.architecture.summary()

    def template_values(self) -> dict[str, object]:
        """What hints and messages may name: `{threshold}`, `{stop_message}`, `{network}`..."""
        arch = self.architecture
        shape = ", ".join(str(d) for d in arch.input_shape)
        return {
            "threshold": self.threshold_text or "n/a",
            "threshold_value": self.accuracy_threshold,
            "test_threshold": percent(self.test_accuracy_threshold),
            "stop_message": self.stop_message or "",
            "max_epochs": self.max_epochs,
            "entry_point": self.entry_point or "train",
            "entry_call": _entry_call(self),
            "callback_class": self.callback_class or "myCallback",
            "input_shape": f"({shape}{',' if len(arch.input_shape) == 1 else ''})",
            "input_size": "x".join(str(d) for d in arch.input_shape),
            "flat_size": arch.flat_inputs,
            "output_units": arch.output_units if arch.output_units is not None else "n",
            "network": arch.network(),
            "max_params": f"{arch.max_params:,}" if arch.max_params is not None else "n/a",
            "hidden_layer": next(
                (p.describe().rstrip("+*?") for p in arch.layers[:-1] if p.type == "Dense"),
                "Dense(128, relu)",
            ),
        }

    environment: EnvironmentSpec = EnvironmentSpec()  # noqa: RUF009 (frozen) [environment]: packages, support files
    robustness: RobustnessSpec = RobustnessSpec()  # noqa: RUF009 (frozen) [robustness]: more seeds

    @property
    def check_ids(self) -> list[str]:
        return list(self.points)

    @property
    def max_score(self) -> float:
        return sum(self.points.values())


def _entry_call(spec: ExerciseSpec) -> str:
    return f"{spec.entry_point or 'train'}({', '.join(spec.entry_point_args)})"


def parse_architecture(arch: dict[str, Any], where: str) -> ArchitectureSpec:
    """`[architecture]`: a `layers` pattern, or the shorthand hidden_activation + output_units."""
    if "layers" in arch:
        layers = tuple(
            LayerPattern(
                type=item["type"],
                units=item.get("units", ANY),
                activation=item.get("activation", ANY),
                repeat=item.get("repeat", "once"),
            )
            for item in arch["layers"]
        )
        if not layers:
            raise UsageError(f"{where} [architecture]: 'layers' must list at least one layer")
    else:
        units = _require(arch, "output_units", where + " [architecture]")
        layers = default_pattern(arch.get("hidden_activation", "relu"), int(units))
    allow = arch.get("allow_extra", ["Dropout", "BatchNormalization", "Dense"])
    return ArchitectureSpec(
        input_shape=tuple(arch["input_shape"]),
        layers=layers,
        allow_extra=tuple(allow),
        max_params=arch.get("max_params"),
    )


def _require(table: dict[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise UsageError(f"{where}: missing required key '{key}'")
    return table[key]


def read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """An instructor's TOML file as its text and its tables: read as UTF-8 whatever the
    machine's locale (a BOM is fine); any other bytes are refused naming the file."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise UsageError(
            f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at line {line}); "
            "save it as UTF-8"
        ) from None
    return text, parse_toml(text, str(path))


def parse_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{where}: not valid TOML ({exc})") from None


def parse_spec(text: str, where: str, folder: Path | None = None) -> ExerciseSpec:
    raw = parse_toml(text, where)
    validate(raw, where)
    if folder is not None and raw["id"] != folder.name:
        raise UsageError(
            f"{where}: id = {raw['id']!r} but the folder is named {folder.name!r}; "
            "the id and the folder name must be the same (rename one)"
        )
    training = _require(raw, "training", where)
    arch = _require(raw, "architecture", where)
    checks = _require(raw, "checks", where)
    dataset = _require(raw, "dataset", where)  # one of DATASETS: checked by `validate`
    listable = [c for c in CHECK_IDS if c != PROBE_CHECK]  # its points come from [probe]
    unknown = [c for c in checks if c not in listable]
    if unknown:
        hints = {c: did_you_mean(c, listable).removeprefix("; ") for c in unknown}
        named = ", ".join(f"{c} ({hints[c]})" if hints[c] else c for c in unknown)
        raise UsageError(
            f"{where} [checks]: unknown check(s) {named}; known: {', '.join(sorted(listable))}"
        )
    probe = parse_probe(raw, where)
    points = {name: float(p) for name, p in checks.items()}
    if probe.points:
        points["callback_probe"] = probe.points
    return ExerciseSpec(
        id=_require(raw, "id", where),
        title=raw.get("title", raw["id"]),
        dataset=dataset,
        entry_point=raw.get("entry_point", ""),
        timeout_s=float(raw.get("timeout_s", 600)),
        seed=int(raw.get("seed", 1234)),
        max_epochs=int(_require(training, "max_epochs", where + " [training]")),
        architecture=parse_architecture(arch, where),
        points=points,
        accuracy_threshold=training.get("accuracy_threshold"),
        accuracy_tolerance=float(training.get("accuracy_tolerance", 0.0)),
        stop_message=training.get("stop_message"),
        test_accuracy_threshold=training.get("test_accuracy_threshold"),
        folder=folder,
        spec_hash=hashlib.sha256(text.encode()).hexdigest(),
        summary=raw.get("summary", ""),
        callback_class=training.get("callback_class", ""),
        entry_point_args=tuple(raw.get("entry_point_args", ())),
        entry_point_scale=raw.get("entry_point_scale", "notebook"),
        threshold_text=percent(training.get("accuracy_threshold"))
        if "accuracy_threshold" in training
        else "",
        probe=probe,
        graded_fit=training.get("graded_fit", "last"),
        environment=parse_environment(raw.get("environment"), where),
        robustness=parse_robustness(raw.get("robustness")),
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
    text, _ = read_toml(path)
    return parse_spec(text, str(path), folder=path.parent)


def all_exercises(root: Path | None = None) -> list[ExerciseSpec]:
    return [load_exercise(name, root) for name in available_exercises(root)]
