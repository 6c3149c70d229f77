"""Finding a class's submissions: a folder of files, a folder of folders, an nbgrader tree, a zip.

    class/alice.ipynb, class/bob.py                    flat: one file per student
    class/alice/<anything>/notebook.ipynb              one folder per student
    course/submitted/<student>/<assignment>/x.ipynb    nbgrader's exchange layout
    class.zip                                          a zip of any of these (read in place)

Ids are the file's stem or the folder's name, spaces and non-ASCII kept. Nothing is extracted to
disk: each submission is read as bytes when it is needed, so a zip's member names cannot write
anywhere. A student folder with no submission file, or with several and no way to choose, still
becomes a submission: its `problem` is graded as a plain message, and the batch goes on.
"""

from __future__ import annotations

import contextlib
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from grader.errors import UsageError

SUBMISSION_SUFFIXES = (".ipynb", ".py")
IGNORED_NAMES = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", "Thumbs.db"}
NBGRADER_FOLDER = "submitted"
# A member bigger than this is not read into memory at all (a zip bomb, a dumped data set).
READ_LIMIT_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class SubmissionSource:
    """Where one student's submission is and how to read it."""

    id: str
    path: str  # shown in results: a path on disk, or `class.zip/alice/notebook.ipynb`
    filename: str  # the file's own name; the grader runs it under this name
    size: int
    reader: Callable[[], bytes] = field(repr=False, compare=False)
    problem: str = ""  # set when no single file could be picked: the verdict for this student
    # When the file was last written: (POSIX time or naive local zip time, where from); for
    # late penalties. nbgrader's timestamp.txt beside it, read on demand.
    modified: tuple[float | datetime, str] | None = field(default=None, compare=False)
    timestamp_txt: Callable[[], bytes] | None = field(default=None, repr=False, compare=False)

    def read(self) -> bytes:
        if self.size > READ_LIMIT_BYTES:
            raise ValueError(f"{self.filename} is {self.size / 1024**2:.0f} MB")
        return self.reader()


@dataclass(frozen=True)
class _Entry:
    rel: PurePosixPath
    size: int
    reader: Callable[[], bytes] = field(repr=False, compare=False)
    modified: tuple[float | datetime, str] | None = field(default=None, compare=False)


def _ignored(rel: PurePosixPath) -> bool:
    return any(part in IGNORED_NAMES or part.startswith(".") for part in rel.parts)


def _folder_entries(root: Path) -> list[_Entry]:
    entries = []
    for path in sorted(root.rglob("*")):
        rel = PurePosixPath(path.relative_to(root).as_posix())
        if _ignored(rel) or not path.is_file():
            continue
        stat = path.stat()
        entries.append(
            _Entry(rel, stat.st_size, path.read_bytes, (stat.st_mtime, "file modification time"))
        )
    return entries


def _zip_entries(archive: Path) -> list[_Entry]:
    try:
        members = zipfile.ZipFile(archive).infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UsageError(f"{archive} is not a readable zip file ({exc})") from None

    def reader(info: zipfile.ZipInfo) -> Callable[[], bytes]:
        def read() -> bytes:
            with zipfile.ZipFile(archive) as z, z.open(info) as member:
                return member.read(READ_LIMIT_BYTES + 1)

        return read

    entries = []
    for info in members:
        rel = PurePosixPath(info.filename.replace("\\", "/").lstrip("/"))
        if info.is_dir() or _ignored(rel) or ".." in rel.parts or not rel.parts:
            continue
        stamp: tuple[float | datetime, str] | None = None
        with contextlib.suppress(ValueError):
            stamp = (datetime(*info.date_time), "zip entry time")
        entries.append(_Entry(rel, info.file_size, reader(info), stamp))
    return _unwrap(entries)


def _unwrap(entries: list[_Entry]) -> list[_Entry]:
    """`class.zip` often holds one folder `class/`: look inside it, as if the zip were it."""
    while entries:
        tops = {e.rel.parts[0] for e in entries}
        if len(tops) != 1 or any(len(e.rel.parts) == 1 for e in entries):
            return entries
        inner = [
            _Entry(PurePosixPath(*e.rel.parts[1:]), e.size, e.reader, e.modified) for e in entries
        ]
        inner_tops = {e.rel.parts[0] for e in inner}
        # One student's folder zipped alone holds files, not a class: keep it as it is.
        if len(inner_tops) < 2 and NBGRADER_FOLDER not in inner_tops:
            return entries
        entries = inner
    return entries


def _pick(files: list[_Entry], exercise: str | None) -> tuple[_Entry | None, str]:
    """The submission file in a student's folder, or why there is none."""
    candidates = [e for e in files if e.rel.suffix.lower() in SUBMISSION_SUFFIXES]
    if len(candidates) == 1:
        return candidates[0], ""
    if not candidates:
        return None, "the folder has no .ipynb notebook or .py module to grade"
    rules: list[Callable[[_Entry], bool]] = [
        lambda e: exercise is not None and e.rel.stem == exercise,
        lambda e: e.rel.suffix.lower() == ".ipynb",
        lambda e: len(e.rel.parts) == 1 and e.rel.suffix.lower() == ".py",
    ]
    for rule in rules:
        chosen = [e for e in candidates if rule(e)]
        if len(chosen) == 1:
            return chosen[0], ""
    names = ", ".join(str(e.rel) for e in candidates[:5])
    return None, (
        f"the folder has {len(candidates)} files that could be the submission ({names}); "
        "keep only one .ipynb or .py file"
    )


def _label(base: str, rel: PurePosixPath) -> str:
    return f"{base}/{rel}" if str(rel) not in ("", ".") else base


def _from_folder(
    student: str, prefix: PurePosixPath, files: list[_Entry], base: str, exercise: str | None
) -> SubmissionSource:
    inner = [
        _Entry(PurePosixPath(*e.rel.parts[len(prefix.parts) :]), e.size, e.reader, e.modified)
        for e in files
    ]
    chosen, problem = _pick(inner, exercise)
    stamp = next((e.reader for e in inner if str(e.rel) == "timestamp.txt"), None)
    if chosen is None:
        return SubmissionSource(student, _label(base, prefix), "", 0, lambda: b"", problem)
    return SubmissionSource(
        student,
        _label(base, prefix / chosen.rel),
        chosen.rel.name,
        chosen.size,
        chosen.reader,
        modified=chosen.modified,
        timestamp_txt=stamp,
    )


def _nbgrader(entries: list[_Entry], base: str, exercise: str | None) -> list[SubmissionSource]:
    by_assignment: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
    for e in entries:
        parts = e.rel.parts
        if len(parts) >= 4 and parts[0] == NBGRADER_FOLDER:
            by_assignment[(parts[1], parts[2])].append(e)
    assignments: dict[str, list[str]] = defaultdict(list)
    for student, assignment in by_assignment:
        assignments[student].append(assignment)
    found = []
    for student, names in assignments.items():
        if exercise in names:
            names = [exercise]
        for assignment in names:
            sid = student if len(names) == 1 else f"{student}/{assignment}"
            prefix = PurePosixPath(NBGRADER_FOLDER, student, assignment)
            found.append(
                _from_folder(sid, prefix, by_assignment[(student, assignment)], base, exercise)
            )
    return found


def _plain(entries: list[_Entry], base: str, exercise: str | None) -> list[SubmissionSource]:
    files = [
        e for e in entries if len(e.rel.parts) == 1 and e.rel.suffix.lower() in SUBMISSION_SUFFIXES
    ]
    folders: dict[str, list[_Entry]] = defaultdict(list)
    for e in entries:
        if len(e.rel.parts) > 1:
            folders[e.rel.parts[0]].append(e)
    stems = [e.rel.stem for e in files] + list(folders)
    found = [
        # `alice.py` beside `alice.ipynb` (or beside a folder `alice/`): the file's full name.
        SubmissionSource(
            e.rel.stem if stems.count(e.rel.stem) == 1 else e.rel.name,
            _label(base, e.rel),
            e.rel.name,
            e.size,
            e.reader,
            modified=e.modified,
        )
        for e in files
    ]
    found += [
        _from_folder(name, PurePosixPath(name), members, base, exercise)
        for name, members in folders.items()
    ]
    return found


def _sorted_unique(found: list[SubmissionSource]) -> list[SubmissionSource]:
    ids = [s.id for s in found]
    clashes = sorted({i for i in ids if ids.count(i) > 1})
    if clashes:
        raise UsageError(f"two submissions would share the id {clashes[0]!r}; rename one")
    return sorted(found, key=lambda s: (s.id.casefold(), s.id))


def find_submissions(path: Path, exercise: str | None = None) -> list[SubmissionSource]:
    """Every submission under `path` (a folder or a .zip), sorted by id."""
    if not path.exists():
        raise UsageError(f"no such file or folder: {path}")
    if path.is_dir():
        entries, base = _folder_entries(path), str(path)
        if path.name == NBGRADER_FOLDER:  # pointed at nbgrader's submitted/ itself
            entries = [
                _Entry(PurePosixPath(NBGRADER_FOLDER, e.rel), e.size, e.reader, e.modified)
                for e in entries
            ]
            base = str(path.parent)
    elif path.suffix.lower() == ".zip":
        entries, base = _zip_entries(path), str(path)
    else:
        raise UsageError(f"{path} is neither a folder nor a .zip of submissions")
    nbgrader = any(len(e.rel.parts) >= 4 and e.rel.parts[0] == NBGRADER_FOLDER for e in entries)
    found = _nbgrader(entries, base, exercise) if nbgrader else _plain(entries, base, exercise)
    if not found:
        raise UsageError(
            f"no submissions in {path}: expected .ipynb or .py files, one folder per student, "
            f"or nbgrader's {NBGRADER_FOLDER}/<student>/<assignment>/"
        )
    return _sorted_unique(found)
