"""The course environment: the packages a submission may import, and the files shipped beside it.

One list for the whole course (`COURSE_PACKAGES`, what the course's tutorials import), which an
exercise extends in its `exercise.toml`:

    [environment]
    packages = ["pandas"]            # pip names, added to the course's list
    support_files = ["unittests.py"] # files of the exercise folder, put read-only beside the code

The grader installs nothing while grading: a package is either installed with the grader (the
course's list is in `pyproject.toml`'s dependencies) or the class is refused before it starts
(`require_environment`), with the pip command that fixes it.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from grader.errors import InfrastructureError, UsageError
from grader.spec.schema import SECTIONS, check_table

ENVIRONMENT_KEYS = SECTIONS["environment"] or {}

# pip name -> the module a submission imports. What the seed tutorials import (tensorflow,
# numpy, matplotlib.pyplot); Pillow comes with matplotlib and is what image helpers use. Then
# what the survey of published submissions found beside them (docs/survey.md): a package joins
# when at least 3 surveyed submissions of one exercise import it (5% or more). Of 32
# Fashion-MNIST notebooks, 10 import pandas, 3 seaborn and 3 scikit-learn (a confusion matrix,
# a table of predictions); plotly, shap and opencv appear once each and stay out.
COURSE_PACKAGES: dict[str, str] = {
    "tensorflow": "tensorflow",
    "keras": "keras",
    "numpy": "numpy",
    "matplotlib": "matplotlib",
    "Pillow": "PIL",
    "pandas": "pandas",
    "seaborn": "seaborn",
    "scikit-learn": "sklearn",
}
# What those packages bring along, which code written for the course imports now and then
# (`h5py` to read a saved model, `scipy` through scikit-learn, `absl` through TensorFlow).
BROUGHT_ALONG: frozenset[str] = frozenset(
    {"h5py", "absl", "tensorboard", "scipy", "ml_dtypes", "requests", "six", "packaging"}
)
# Import names that differ from the pip name, for packages an exercise may add.
KNOWN_IMPORT_NAMES: dict[str, str] = {
    **COURSE_PACKAGES,
    "pandas": "pandas",
    "scipy": "scipy",
    "scikit-learn": "sklearn",
    "opencv-python": "cv2",
    "opencv-python-headless": "cv2",
    "tensorflow-datasets": "tensorflow_datasets",
    "seaborn": "seaborn",
}
# Modules every Python has, plus what the grader's own notebook machinery brings along.
ALWAYS_AVAILABLE = frozenset({"IPython", "ipykernel", "google"})  # google.colab is neutralised


# The course lab's environment variables (docs/explanation/fit-and-lab.md): one version of the
# C1W2 template opens with `PATH = os.environ['COURSE_ROOT']` and builds its data path from it.
# A value may name `{work}` (the folder the submission runs in, beside its support files) and
# `{home}` (its home folder); an exercise's `variables` table replaces this one.
LAB_VARIABLES: dict[str, str] = {"COURSE_ROOT": "{work}"}
VARIABLE_PLACES = ("work", "home")
# What the grader sets for its own harness: a lab variable may not change it.
_RESERVED_VARIABLES = frozenset({"PATH", "HOME", "LANG", "PWD", "SHELL", "USER", "LOGNAME"})
_RESERVED_PREFIXES = ("GRADER_", "PYTHON", "TF_", "OMP_", "MPL", "KERAS_", "JUPYTER", "LD_")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class EnvironmentSpec:
    """The `[environment]` section of an exercise: extra packages, support files and the lab's
    environment variables."""

    packages: tuple[str, ...] = ()  # pip names beyond the course's list
    support_files: tuple[str, ...] = ()  # paths relative to the exercise folder
    variables: tuple[tuple[str, str], ...] = tuple(LAB_VARIABLES.items())  # name, value

    def lab_variables(self, work: Path, home: Path) -> dict[str, str]:
        """The variables as the submission sees them, `{work}` and `{home}` filled in."""
        places = {"work": str(work), "home": str(home)}
        return {name: value.format_map(places) for name, value in self.variables}

    def all_packages(self) -> dict[str, str]:
        """pip name -> import name, the course's list first."""
        extra = {name: KNOWN_IMPORT_NAMES.get(name, _import_name(name)) for name in self.packages}
        return {**COURSE_PACKAGES, **extra}

    def importable_names(self) -> frozenset[str]:
        return frozenset(self.all_packages().values())


def _import_name(pip_name: str) -> str:
    """`my-package[extra]==1.0` -> `my_package`: the usual spelling when nothing else is known."""
    base = pip_name.split("[")[0]
    for sep in ("==", ">=", "<=", "~=", ">", "<", ";"):
        base = base.split(sep)[0]
    return base.strip().replace("-", "_")


def parse_environment(raw: Any, where: str) -> EnvironmentSpec:
    """Read the `[environment]` table (absent: the course's defaults, no support files)."""
    if raw is None:
        return EnvironmentSpec()
    if not isinstance(raw, dict):
        raise UsageError(f"{where} [environment]: must be a table")
    # Its keys, their types and limits: one home, `grader.spec.schema.SECTIONS["environment"]`.
    check_table(raw, ENVIRONMENT_KEYS, f"{where} [environment]")
    packages = raw.get("packages", [])
    files = raw.get("support_files", [])
    for key, value in (("packages", packages), ("support_files", files)):
        if not all(value):
            raise UsageError(f"{where} [environment]: `{key}` lists an empty name")
    for name in files:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts:
            raise UsageError(
                f"{where} [environment]: support file {name!r} must be a path inside the "
                "exercise folder"
            )
    variables = _parse_variables(raw.get("variables", LAB_VARIABLES), where)
    return EnvironmentSpec(
        packages=tuple(packages), support_files=tuple(files), variables=variables
    )


def _parse_variables(table: dict[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    """The `variables` table: names a process may hold, never one the grader sets itself;
    string values whose only `{placeholders}` are `{work}` and `{home}`."""
    checked = []
    for name, value in table.items():
        at = f"{where} [environment] variables.{name}"
        if not _VARIABLE_NAME.fullmatch(name):
            raise UsageError(f"{at}: not a variable name (letters, digits and _)")
        if name in _RESERVED_VARIABLES or name.startswith(_RESERVED_PREFIXES):
            raise UsageError(f"{at}: the grader sets this variable itself; choose another name")
        if not isinstance(value, str):
            raise UsageError(f"{at}: must be a string, got {value!r}")
        try:
            value.format_map({place: "" for place in VARIABLE_PLACES})
        except (KeyError, ValueError, IndexError, AttributeError) as exc:
            raise UsageError(
                f"{at}: {value!r} may name only {{work}} and {{home}} (got {exc}); "
                "write a literal brace as {{ or }}"
            ) from None
        checked.append((name, value))
    return tuple(checked)


def is_importable(module: str) -> bool:
    """Whether `module` can be imported here, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def package_status(env: EnvironmentSpec) -> list[tuple[str, str, bool]]:
    """Each declared package: (pip name, import name, importable here)."""
    return [(pip, module, is_importable(module)) for pip, module in env.all_packages().items()]


def install_command(pip_names: list[str]) -> str:
    return f"{Path(sys.executable)} -m pip install " + " ".join(pip_names)


def require_environment(env: EnvironmentSpec, exercise_id: str, folder: Path | None = None) -> None:
    """Refuse to start when a declared package or support file is missing: it would fail
    every student."""
    missing = [pip for pip, _, ok in package_status(env) if not ok]
    if missing:
        raise InfrastructureError(
            f"exercise {exercise_id} declares package(s) that are not installed here: "
            f"{', '.join(missing)}; install them with: {install_command(missing)}"
        )
    absent = missing_support_files(env, folder) if env.support_files else []
    if absent:
        raise InfrastructureError(
            f"exercise {exercise_id} lists support file(s) that are not in its folder "
            f"{folder}: {', '.join(absent)}"
        )


def missing_support_files(env: EnvironmentSpec, folder: Path | None) -> list[str]:
    if folder is None:
        return list(env.support_files)
    return [name for name in env.support_files if not (folder / name).is_file()]


def place_support_files(env: EnvironmentSpec, folder: Path | None, work: Path) -> list[str]:
    """Copy the exercise's support files into the work dir, read-only; the names placed."""
    placed = []
    if folder is None:
        return placed
    for name in env.support_files:
        source = folder / name
        if not source.is_file():
            continue
        target = work / PurePosixPath(name).name
        target.write_bytes(source.read_bytes())
        target.chmod(0o444)
        placed.append(target.name)
    return placed


# -- matplotlib's font cache -------------------------------------------------------------------
# Keras imports matplotlib.pyplot when it is installed, and matplotlib scans the system's fonts
# the first time it runs with a fresh config dir (seconds). Each run has a fresh home, so the
# grader builds the font list once and puts a copy in each run's home.


@functools.cache
def matplotlib_fontlists() -> tuple[Path, ...]:
    """The font list matplotlib builds, made once per machine (empty if it cannot be made)."""
    if not is_importable("matplotlib"):
        return ()
    from platformdirs import user_cache_dir

    folder = Path(os.environ.get("GRADER_MPL_CACHE") or user_cache_dir("grader")) / "matplotlib"
    found = sorted(folder.glob("fontlist-*.json"))
    if not found:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                [sys.executable, "-c", "import matplotlib.font_manager"],
                env={**os.environ, "MPLCONFIGDIR": str(folder), "MPLBACKEND": "Agg"},
                capture_output=True,
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return ()
        found = sorted(folder.glob("fontlist-*.json"))
    return tuple(found)


def seed_matplotlib_config(config_dir: Path) -> None:
    """A run's matplotlib config dir, with the prepared font list: no font scan in the child."""
    config_dir.mkdir(parents=True, exist_ok=True)
    config_dir.chmod(0o777)  # the sandbox user writes here (its home is its own at that level)
    for fontlist in matplotlib_fontlists():
        target = config_dir / fontlist.name
        shutil.copyfile(fontlist, target)
        target.chmod(0o666)
