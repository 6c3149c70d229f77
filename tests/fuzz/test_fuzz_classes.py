"""Class zips and folders fuzzed: generated members (names with `..`, absolute and drive paths,
backslashes, links, duplicates, hidden and junk folders), damaged bytes inside a good zip, and
arbitrary bytes as a class zip. The property: finding the class returns its students or raises
the grader's own `UsageError` naming the zip; grouping never raises, and keeps every student,
each either in a group to grade or with a plain problem as its verdict."""

from __future__ import annotations

import io
import os
import stat
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from grader.classroom.groups import group_sources
from grader.classroom.sources import find_submissions
from grader.errors import UsageError

pytestmark = pytest.mark.fuzz

INPUTS = {"spec": "x", "grader": "y"}
PARTS = st.sampled_from(
    ["alice", "Bob", "..", ".", "", "__MACOSX", ".hidden", "submitted", "week2", "C:", "Zoë"]
) | st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00/"), max_size=6)
SUFFIXES = st.sampled_from([".ipynb", ".py", ".txt", "", "/", ".PY"])
NAMES = st.builds(
    lambda lead, parts, suffix: lead + "/".join(parts) + suffix,
    st.sampled_from(["", "/", "../", "\\", "C:/"]),
    st.lists(PARTS, min_size=1, max_size=4),
    SUFFIXES,
)
CONTENT = st.sampled_from([b"print(1)\n", b"{}", b"", b"\x00\xff", b'{"cells": []}'])


@st.composite
def class_zip(draw: st.DrawFn) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": a name stored twice is a case here
        for name in draw(st.lists(NAMES, min_size=1, max_size=8)):
            info = zipfile.ZipInfo(name.replace("\\", "/") or "x")
            info.compress_type = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
            if draw(st.integers(0, 9)) == 0:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, draw(CONTENT))
    raw = bytearray(buffer.getvalue())
    for _ in range(draw(st.integers(0, 3))):  # damage a few bytes anywhere
        at = draw(st.integers(0, len(raw) - 1))
        raw[at] = draw(st.integers(0, 255))
    return bytes(raw)


def _class_holds_every_student(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "class.zip"
        path.write_bytes(raw)
        try:
            sources = find_submissions(path)
        except UsageError as exc:
            assert str(path) in str(exc)
            return
        problems, groups = group_sources(sources, INPUTS)
        grouped = [source.id for g in groups.values() for source, _ in g.members]
        kept = sorted([s.id for s in problems] + grouped)
        assert kept == sorted(s.id for s in sources)  # every student, once
        assert all(s.problem for s in problems)


@given(class_zip())
@example(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip: no submissions, said as a usage error
def test_a_generated_class_zip_keeps_every_student(raw: bytes) -> None:
    _class_holds_every_student(raw)


@given(st.binary(max_size=400))
def test_any_bytes_as_a_class_zip_are_read_or_refused_naming_it(raw: bytes) -> None:
    _class_holds_every_student(raw)


SEGMENTS = st.binary(min_size=1, max_size=6).filter(
    lambda b: b"/" not in b and b"\x00" not in b and b not in (b".", b"..")
) | st.sampled_from([b"alice", b"Bob", b"caf\xe9", b".hidden", b"__MACOSX", b"submitted"])
FILES = st.lists(
    st.tuples(
        st.lists(SEGMENTS, min_size=1, max_size=3),
        st.sampled_from([b".py", b".ipynb", b".txt", b""]),
        st.sampled_from(["file", "link out", "link in"]),
    ),
    min_size=1,
    max_size=6,
)


@given(FILES)
@example([([b"caf\xe9"], b".py", "file"), ([b"alice"], b".py", "link out")])
def test_a_generated_class_folder_keeps_every_student(files: list) -> None:
    with tempfile.TemporaryDirectory() as root:
        top = os.fsencode(root)
        outside = top + b"/secret.py"
        with open(outside, "wb") as f:
            f.write(b"x = 1\n")
        folder = top + b"/class"
        os.mkdir(folder)
        for parts, suffix, kind in files:
            path = b"/".join([folder, *parts]) + suffix
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                if kind == "file":
                    with open(path, "wb") as f:
                        f.write(b"print(1)\n")
                else:
                    os.symlink(outside if kind == "link out" else path + b".x", path)
            except OSError:
                continue  # a name the file system refuses, or a file where a folder is asked
        try:
            sources = find_submissions(Path(os.fsdecode(folder)))
        except UsageError as exc:
            assert "class" in str(exc)
            return
        for source in sources:
            source.id.encode("utf-8")  # real text, never a lone surrogate
        problems, groups = group_sources(sources, INPUTS)
        grouped = [source.id for g in groups.values() for source, _ in g.members]
        assert sorted([s.id for s in problems] + grouped) == sorted(s.id for s in sources)
