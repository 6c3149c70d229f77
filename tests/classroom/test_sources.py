"""A class zip or folder with one bad file: that student's verdict says why in plain words, the
batch is never stopped, every other student is kept. Real zips, patched at the byte level where
Python's zipfile cannot write the fault (encryption, an unknown compression method)."""

from __future__ import annotations

import io
import os
import stat
import time
import zipfile
from pathlib import Path

import pytest

from grader.classroom.groups import group_sources
from grader.classroom.sources import find_submissions
from grader.errors import UsageError

GOOD = b"print('a fine submission')\n"
INPUTS = {"spec": "x", "grader": "y"}


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, (2026, 3, 1, 12, 0, 0)), data, compress_type=method)
    return buffer.getvalue()


def _patch_headers(
    raw: bytes, name: bytes, offset_local: int, offset_central: int, value: bytes
) -> bytes:
    """Overwrite a field of `name`'s local header and central directory entry."""
    data = bytearray(raw)
    for signature, offset in ((b"PK\x03\x04", offset_local), (b"PK\x01\x02", offset_central)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            start = at + 4
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                data[at + offset : at + offset + len(value)] = value
    return bytes(data)


def problems_of(path: Path) -> dict[str, str]:
    sources = find_submissions(path)
    problems, groups = group_sources(sources, INPUTS)
    kept = {s.id for s in problems} | {s.id for g in groups.values() for s, _ in g.members}
    assert kept == {s.id for s in sources}
    return {s.id: s.problem for s in problems}


def graded_ids(path: Path) -> set[str]:
    _, groups = group_sources(find_submissions(path), INPUTS)
    return {s.id for g in groups.values() for s, _ in g.members}


def test_a_damaged_member_is_that_students_verdict(tmp_path: Path) -> None:
    raw = _zip({"alice.py": GOOD * 50, "bob.py": GOOD})
    compressed = zipfile.ZipFile(io.BytesIO(raw)).getinfo("alice.py").compress_size
    at = raw.find(b"alice.py") + len("alice.py") + compressed // 2  # inside alice's data
    damaged = raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1 :]
    (tmp_path / "class.zip").write_bytes(damaged)
    problems = problems_of(tmp_path / "class.zip")
    assert list(problems) == ["alice"]
    assert problems["alice"].startswith("alice.py cannot be read: the zip's copy of it is damaged")
    assert graded_ids(tmp_path / "class.zip") == {"bob"}


def test_an_encrypted_member_is_that_students_verdict(tmp_path: Path) -> None:
    raw = _zip({"alice.py": GOOD, "bob.py": GOOD})
    locked = _patch_headers(raw, b"alice.py", 6, 8, b"\x01\x00")  # the "encrypted" flag bit
    (tmp_path / "class.zip").write_bytes(locked)
    assert problems_of(tmp_path / "class.zip") == {
        "alice": "alice.py cannot be read: it is encrypted (password-protected) in the zip; "
        "zip it again without a password"
    }


def test_an_unknown_compression_method_is_that_students_verdict(tmp_path: Path) -> None:
    raw = _zip({"alice.py": GOOD, "bob.py": GOOD})
    odd = _patch_headers(raw, b"alice.py", 8, 10, b"\x62\x00")  # method 98 (PPMd)
    (tmp_path / "class.zip").write_bytes(odd)
    problems = problems_of(tmp_path / "class.zip")
    assert "compressed with a method the grader cannot read (zip method 98)" in problems["alice"]
    assert list(problems) == ["alice"]


def test_names_pointing_outside_and_links_are_refused_unread(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("../../alice.py", GOOD)
        z.writestr("/carol.py", GOOD)
        z.writestr("C:/dora.py", GOOD)
        link = zipfile.ZipInfo("erin.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
        z.writestr("bob.py", GOOD)
    (tmp_path / "class.zip").write_bytes(buffer.getvalue())
    problems = problems_of(tmp_path / "class.zip")
    assert sorted(problems) == ["alice", "carol", "dora", "erin"]
    assert "the zip names it '../../alice.py', a path outside the archive" in problems["alice"]
    assert "the zip names it '/carol.py'" in problems["carol"]
    assert "a symbolic link, not a file" in problems["erin"]
    assert graded_ids(tmp_path / "class.zip") == {"bob"}


def test_a_link_out_of_a_class_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_bytes(b"TOKEN = 'not the student's'\n")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "bob.py").write_bytes(GOOD)
    os.symlink(secret, folder / "alice.py")
    os.symlink(folder / "bob.py", folder / "carol.py")  # a link inside the folder is a file
    problems = problems_of(folder)
    why = "cannot be read: it is a link to a file outside the class folder; hand in the file"
    assert problems == {"alice": f"alice.py {why}"}


def test_a_zip_bomb_is_refused_unread(tmp_path: Path) -> None:
    raw = _zip({"alice.py": b"#" * (40 * 1024 * 1024), "bob.py": GOOD})
    (tmp_path / "class.zip").write_bytes(raw)
    problems = problems_of(tmp_path / "class.zip")
    assert list(problems) == ["alice"]
    assert "would unpack to 40 MB from a zip of 0.0 MB" in problems["alice"]
    assert "possible zip bomb" in problems["alice"]


def test_a_name_stored_twice_is_one_student(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z, pytest.warns(UserWarning, match="Duplicate name"):
        z.writestr("alice.py", b"old = 1\n")
        z.writestr("alice.py", GOOD)
        z.writestr("../alice.py", GOOD)
    (tmp_path / "class.zip").write_bytes(buffer.getvalue())
    (alice,) = find_submissions(tmp_path / "class.zip")
    assert alice.id == "alice" and alice.read() == GOOD


def test_thousands_of_members_are_found_quickly(tmp_path: Path) -> None:
    members = {f"student{i:05}.py": GOOD for i in range(5_000)}
    members |= {f"student{i:05}/notes.txt": b"" for i in range(5_000)}
    (tmp_path / "class.zip").write_bytes(_zip(members, zipfile.ZIP_STORED))
    started = time.monotonic()
    found = find_submissions(tmp_path / "class.zip")
    assert len(found) == 10_000  # each file beside a folder of its name: its full name
    assert sum(len(s.read()) for s in found if s.filename) == 5_000 * len(GOOD)
    # Counting ids was quadratic (13 s), and each read opened the zip again (0.2 s a member).
    assert time.monotonic() - started < 10


def test_an_unreadable_class_zip_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "class.zip"
    path.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(UsageError) as caught:
        find_submissions(path)
    assert str(caught.value).startswith(f"{path} is not a readable zip file")
    assert "make the zip again, or unpack it and grade the folder" in str(caught.value)


def test_a_file_name_that_is_not_utf8_gets_an_id_of_real_text(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "bob.py").write_bytes(GOOD)
    os.close(os.open(os.fsencode(folder) + b"/caf\xe9.py", os.O_CREAT | os.O_WRONLY, 0o644))
    found = {s.id: s for s in find_submissions(folder)}
    assert sorted(found) == ["bob", "caf\ufffd"]
    assert found["caf\ufffd"].id.encode("utf-8")  # no lone surrogate: SQLite and JSON take it
    assert found["caf\ufffd"].read() == b""  # still read from the file's real name


def test_a_linked_student_folder_is_found_never_skipped(tmp_path: Path) -> None:
    """A class folder made of links to each student's folder: a link inside the class folder is
    graded like the folder; one that leads outside is that student's verdict, never a silence."""
    folder = tmp_path / "class"
    (folder / "real" / "dana").mkdir(parents=True)
    (folder / "real" / "dana" / "lab.py").write_bytes(GOOD)
    outside = tmp_path / "elsewhere" / "erin"
    outside.mkdir(parents=True)
    (outside / "lab.py").write_bytes(GOOD)
    (folder / "bob.py").write_bytes(GOOD)
    os.symlink(folder / "real" / "dana", folder / "dana")
    os.symlink(outside, folder / "erin")
    os.symlink(folder, folder / "real" / "loop")  # a link back up the tree ends the descent
    os.symlink(folder / "real", outside / "back")  # and so does a loop through two links
    found = {s.id: s for s in find_submissions(folder)}
    assert {"bob", "dana", "erin"} <= set(found)
    assert found["dana"].reader() == GOOD
    why = "cannot be read: it is in a linked folder outside the class folder; copy the folder in"
    assert problems_of(folder) == {"erin": f"lab.py {why}"}
