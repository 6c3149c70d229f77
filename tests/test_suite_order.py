"""The order `make test` hands files to its processes (tests/conftest.py): longest first."""

from __future__ import annotations

from dataclasses import dataclass

from conftest import FILE_SECONDS, longest_files_first
from paths import ROOT


@dataclass(frozen=True)
class Item:
    nodeid: str


def test_every_listed_file_exists() -> None:
    """A renamed or split file would silently fall back to the end of the queue."""
    missing = [path for path in FILE_SECONDS if not (ROOT / path).is_file()]
    assert missing == []


def test_the_longest_files_go_first_and_each_file_stays_whole() -> None:
    longest, second = sorted(FILE_SECONDS, key=FILE_SECONDS.__getitem__, reverse=True)[:2]
    items = [
        Item("tests/a_short.py::test_one"),
        Item(f"{second}::test_x"),
        Item("tests/many.py::test_1"),
        Item(f"{longest}::test_b"),
        Item("tests/many.py::test_2"),
        Item(f"{longest}::test_a"),
        Item("tests/a_short.py::test_two"),
        Item("tests/many.py::test_3"),
    ]
    ordered = [item.nodeid for item in longest_files_first(items)]  # type: ignore[arg-type]
    assert ordered == [
        f"{longest}::test_b",
        f"{longest}::test_a",
        f"{second}::test_x",
        "tests/many.py::test_1",  # then the unlisted files, most tests first
        "tests/many.py::test_2",
        "tests/many.py::test_3",
        "tests/a_short.py::test_one",
        "tests/a_short.py::test_two",
    ]
