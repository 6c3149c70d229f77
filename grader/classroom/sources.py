"""Finding a class's submissions: a folder of files, a folder of folders, an nbgrader tree, a zip.

    class/alice.ipynb, class/bob.py                    flat: one file per student
    class/alice/<anything>/notebook.ipynb              one folder per student
    course/submitted/<student>/<assignment>/x.ipynb    nbgrader's exchange layout
    class.zip                                          a zip of any of these (read in place)

Ids are the file's stem or the folder's name, spaces and non-ASCII kept. Nothing is extracted to
disk: each submission is read as bytes when it is needed, so a zip's member names cannot write
anywhere. A student folder with no submission file, or with several and no way to choose, still
becomes a submission: its `problem` is graded as a plain message, and the batch goes on. So does
a file that cannot be read: a damaged, encrypted or oddly compressed zip member, a name that
points outside the archive, a link, a zip bomb. Its reader raises `ValueError` with a sentence
for the student, and the grouping turns that into the student's verdict.
"""

from __future__ import annotations

import contextlib
import lzma
import stat
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath

from grader.errors import UsageError

SUBMISSION_SUFFIXES = (".ipynb", ".py")
IGNORED_NAMES = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", "Thumbs.db"}
NBGRADER_FOLDER = "submitted"
# A member bigger than this is not read into memory at all (a zip bomb, a dumped data set).
READ_LIMIT_BYTES = 256 * 1024 * 1024
# A member that says it unpacks to more than this many times the whole zip, and to more than
# BOMB_FLOOR_BYTES, is refused unread: notebooks compress 2-20 times, a zip bomb thousands.
BOMB_RATIO = 100
BOMB_FLOOR_BYTES = 16 * 1024 * 1024


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
    # A file on disk as stat saw it: (device, inode, size, mtime_ns, ctime_ns); None in a zip.
    # The same tuple on a later run means the same bytes (grader.classroom.file_hashes).
    on_disk: tuple[int, int, int, int, int] | None = field(default=None, compare=False)

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
    on_disk: tuple[int, int, int, int, int] | None = field(default=None, compare=False)


def _ignored(rel: PurePosixPath) -> bool:
    return any(part in IGNORED_NAMES or part.startswith(".") for part in rel.parts)


def _refused(reason: str) -> Callable[[], bytes]:
    """The reader of a file the grader will not read: the student's verdict says why."""

    def read() -> bytes:
        raise ValueError(reason)

    return read


def _walk(root: Path) -> list[Path]:
    """Every path under `root`, sorted, linked folders followed (a class folder made of links to
    each student's clone is common): `Path.rglob` would skip them and their students silently.
    A link to a folder already on the way down (a loop) is not entered again."""
    found: list[Path] = []
    to_visit: list[tuple[Path, frozenset[tuple[int, int]]]] = [(root, frozenset())]
    while to_visit:
        folder, above = to_visit.pop()
        try:
            info = folder.stat()
            children = list(folder.iterdir())
        except OSError:  # unreadable, or gone since the listing
            continue
        here = above | {(info.st_dev, info.st_ino)}
        for child in children:
            found.append(child)
            with contextlib.suppress(OSError):
                inner = child.stat()
                if stat.S_ISDIR(inner.st_mode) and (inner.st_dev, inner.st_ino) not in here:
                    to_visit.append((child, here))
    return sorted(found)


def _folder_entries(root: Path) -> list[_Entry]:
    entries = []
    inside = root.resolve()
    folders: dict[Path, bool] = {}  # folder -> whether it resolves inside the class folder

    def inside_root(path: Path) -> bool:
        """Whether the file resolves inside the class folder: a plain file in a folder that
        does (each folder resolved once, not each of its 10,000 files), else resolved whole."""
        if not stat.S_ISLNK(path.lstat().st_mode):
            if path.parent not in folders:
                folders[path.parent] = path.parent.resolve().is_relative_to(inside)
            return folders[path.parent]
        return path.resolve().is_relative_to(inside)

    for path in _walk(root):
        # A name that is not UTF-8 (a latin-1 `café.py` unpacked here) is kept with U+FFFD in
        # its id: the id goes into the gradebook and the reports, which only take real text.
        text = path.relative_to(root).as_posix()
        rel = PurePosixPath(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
        if _ignored(rel):
            continue
        try:
            info = path.stat()
        except OSError:  # a dangling link, or gone since the listing
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        reader: Callable[[], bytes] = path.read_bytes
        if not inside_root(path):  # a link, or a file in a linked folder
            reader = _refused(
                "it is a link to a file outside the class folder; hand in the file"
                if stat.S_ISLNK(path.lstat().st_mode)
                else "it is in a linked folder outside the class folder; copy the folder in"
            )
        on_disk = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        modified = (info.st_mtime, "file modification time")
        entries.append(_Entry(rel, info.st_size, reader, modified, on_disk))
    return entries


def _member_reader(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, archive_size: int
) -> Callable[[], bytes]:
    """Reads one member when it is needed; whatever is wrong with it is the student's message."""
    if stat.S_ISLNK(info.external_attr >> 16):
        return _refused("the zip stores it as a symbolic link, not a file; zip the file itself")
    if info.file_size > max(BOMB_RATIO * archive_size, BOMB_FLOOR_BYTES):
        return _refused(
            f"it would unpack to {info.file_size / 1024**2:,.0f} MB from a zip of "
            f"{archive_size / 1024**2:,.1f} MB: refused unread as a possible zip bomb"
        )

    def read() -> bytes:
        try:
            with archive.open(info) as member:
                return member.read(READ_LIMIT_BYTES + 1)
        except NotImplementedError:
            raise ValueError(
                f"it is compressed with a method the grader cannot read (zip method "
                f"{info.compress_type}); zip it again with the usual compression (deflate)"
            ) from None
        except RuntimeError:  # zipfile's word for a password-protected member (checked second:
            # NotImplementedError is a RuntimeError)
            raise ValueError(
                "it is encrypted (password-protected) in the zip; zip it again without a password"
            ) from None
        except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError) as exc:
            raise ValueError(f"the zip's copy of it is damaged ({exc}); zip it again") from None

    return read


def _outside(name: str) -> bool:
    """A member name that would point outside the archive if it were extracted."""
    parts = PurePosixPath(name).parts
    return name.startswith("/") or ".." in parts or (bool(parts) and parts[0].endswith(":"))


def _zip_entries(archive: Path) -> list[_Entry]:
    try:
        # Kept open for the readers: opening it again for each member would read the whole
        # central directory each time (a zip of 10,000 members: 0.2 s a member, half an hour).
        opened = zipfile.ZipFile(archive)
        members = opened.infolist()
        archive_size = archive.stat().st_size
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise UsageError(
            f"{archive} is not a readable zip file ({exc}); make the zip again, or unpack it "
            "and grade the folder"
        ) from None
    entries: dict[PurePosixPath, _Entry] = {}
    for info in members:
        name = info.filename.replace("\\", "/")
        # A name that points outside (`../x`, `/x`, `C:/x`) still belongs to a student: kept
        # under its inner part, unread, with the reason as the verdict.
        parts = [p for p in PurePosixPath(name).parts if p not in ("/", "..", ".")]
        if parts and parts[0].endswith(":"):
            parts = parts[1:]
        rel = PurePosixPath(*parts) if parts else PurePosixPath()
        if info.is_dir() or _ignored(rel) or not rel.parts:
            continue
        stamp: tuple[float | datetime, str] | None = None
        with contextlib.suppress(ValueError):
            stamp = (datetime(*info.date_time), "zip entry time")
        reader = (
            _refused(
                f"the zip names it {info.filename!r}, a path outside the archive; zip it again"
            )
            if _outside(name)
            else _member_reader(opened, info, archive_size)
        )
        # A name stored twice: the later copy wins, as when unzipping, unless it points outside.
        if rel not in entries or not _outside(name):
            entries[rel] = _Entry(rel, info.file_size, reader, stamp)
    return _unwrap(list(entries.values()))


def _unwrap(entries: list[_Entry]) -> list[_Entry]:
    """`class.zip` often holds one folder `class/`: look inside it, as if the zip were it."""
    while entries:
        tops = {e.rel.parts[0] for e in entries}
        if len(tops) != 1 or any(len(e.rel.parts) == 1 for e in entries):
            return entries
        inner = [replace(e, rel=PurePosixPath(*e.rel.parts[1:])) for e in entries]
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
    inner = [replace(e, rel=PurePosixPath(*e.rel.parts[len(prefix.parts) :])) for e in files]
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
        on_disk=chosen.on_disk,
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
    stems = Counter([e.rel.stem for e in files] + list(folders))
    found = [
        # `alice.py` beside `alice.ipynb` (or beside a folder `alice/`): the file's full name.
        SubmissionSource(
            e.rel.stem if stems[e.rel.stem] == 1 else e.rel.name,
            _label(base, e.rel),
            e.rel.name,
            e.size,
            e.reader,
            modified=e.modified,
            on_disk=e.on_disk,
        )
        for e in files
    ]
    found += [
        _from_folder(name, PurePosixPath(name), members, base, exercise)
        for name, members in folders.items()
    ]
    return found


def _sorted_unique(found: list[SubmissionSource], path: Path) -> list[SubmissionSource]:
    counts = Counter(s.id for s in found)
    clashes = sorted(i for i, n in counts.items() if n > 1)
    if clashes:
        raise UsageError(f"{path}: two submissions would share the id {clashes[0]!r}; rename one")
    return sorted(found, key=lambda s: (s.id.casefold(), s.id))


def find_submissions(path: Path, exercise: str | None = None) -> list[SubmissionSource]:
    """Every submission under `path` (a folder or a .zip), sorted by id."""
    if not path.exists():
        raise UsageError(f"no such file or folder: {path}")
    if path.is_dir():
        entries, base = _folder_entries(path), str(path)
        if path.name == NBGRADER_FOLDER:  # pointed at nbgrader's submitted/ itself
            entries = [replace(e, rel=PurePosixPath(NBGRADER_FOLDER, e.rel)) for e in entries]
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
    return _sorted_unique(found, path)
