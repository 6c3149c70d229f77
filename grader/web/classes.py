"""The classes a workbench serves, and what it reads of them: each request opens the gradebook,
reads what it needs, and closes it again (one connection per request and thread, as the
Gradebook class asks), so a page always shows what the gradebook holds now.

    find_classes        the --out folders given (or found), each checked to have a graded
                        class
    read_class          a class's latest run and its summary, counted by SQL (the home page,
                        the class page): submissions, passed after overrides, overrides,
                        comments, pending releases, open review items; nothing decoded but
                        the few submissions with an override in force
    read_class_results  every submission's final result, its comments and releases: the whole
                        class decoded, for the one action that needs it (the release zip)
    read_head           a class's latest run and title, nothing decoded (the queue, the analysis)
    has_submission      whether the latest run has a submission of this id (nothing decoded)
    read_submission     one submission: automatic and final result, its corrections, version
    class_stamp         what a page was drawn at: the latest run and the count of human changes
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

from starlette.exceptions import HTTPException

from grader.classroom.class_summary import ClassSummary, class_summary
from grader.classroom.gradebook import FILENAME, Comment, Gradebook, Release
from grader.classroom.overrides import finalize
from grader.classroom.release import FeedbackState, feedback_states, release_summary
from grader.errors import GraderError, UsageError
from grader.formatting import points
from grader.results import SubmissionResult
from grader.spec.exercise import ExerciseSpec, load_exercise

DEFAULT_ROOT = Path("reports")  # where `grader grade` writes when not told otherwise


@dataclass(frozen=True)
class ServedClass:
    """One `--out` folder of `grader grade` and the gradebook that holds its runs."""

    slug: str  # its name in URLs: /c/<slug>/
    out_dir: Path  # resolved
    gradebook: Path  # resolved: OUT/gradebook.sqlite or the shared --gradebook


def _slug(name: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "class"
    slug, number = base, 2
    while slug in used:
        slug, number = f"{base}-{number}", number + 1
    used.add(slug)
    return slug


def _default_dirs(gradebook: Path | None) -> list[Path]:
    """No folder given: every class of the shared gradebook, else `reports/` (or its
    subfolders, as `make demo` writes them)."""
    if gradebook is not None:
        if not gradebook.is_file():
            raise UsageError(f"no gradebook at {gradebook}")
        with Gradebook(gradebook) as book:
            found = [json.loads(run["args"]).get("out_dir") for run in book.runs()]
        dirs = [Path(d) for d in dict.fromkeys(found) if d and Path(d).is_dir()]
    elif (DEFAULT_ROOT / FILENAME).is_file():
        dirs = [DEFAULT_ROOT]
    else:
        dirs = sorted(p.parent for p in DEFAULT_ROOT.glob(f"*/{FILENAME}"))
    if not dirs:
        raise UsageError(
            f"no graded class found under {DEFAULT_ROOT}/: give the --out folder(s) of "
            "`grader grade`, or --gradebook"
        )
    return dirs


def find_classes(dirs: Sequence[Path], gradebook: Path | None = None) -> list[ServedClass]:
    """The classes to serve; refuses (UsageError) a folder without a graded class."""
    classes: list[ServedClass] = []
    used: set[str] = set()
    for folder in dirs or _default_dirs(gradebook):
        if not folder.is_dir():
            raise UsageError(f"{folder} is not a folder (give the --out folder of grader grade)")
        out_dir = folder.resolve()
        book_path = (gradebook or out_dir / FILENAME).resolve()
        if not book_path.is_file():
            raise UsageError(f"no gradebook at {book_path} (grade the class first, or --gradebook)")
        with Gradebook(book_path) as book:
            if book.latest_run(None, str(out_dir)) is None:
                raise UsageError(f"the gradebook {book_path} has no graded class in {folder}")
        if any(c.out_dir == out_dir for c in classes):
            continue
        classes.append(ServedClass(_slug(out_dir.name, used), out_dir, book_path))
    return classes


def exercise_title(exercise: str) -> str:
    try:
        return load_exercise(exercise).title
    except (GraderError, OSError):
        return exercise


def _order(results: list[SubmissionResult]) -> list[SubmissionResult]:
    """As `grader grade` lists them: submissions by id, then the roster's missing students."""
    return sorted(results, key=lambda r: (r.status == "missing", r.id.casefold(), r.id))


@dataclass(frozen=True)
class ClassState:
    """A class as the gradebook holds it now, in figures counted by SQL (nothing decoded but
    the submissions with an override in force)."""

    served: ServedClass
    exercise: str
    title: str
    run: dict[str, Any]  # the latest run's row of the `runs` table
    summary: ClassSummary
    stamp: str  # what the state was read at (class_stamp)

    @property
    def handed_in(self) -> int:
        """Submissions (the roster's missing students left out)."""
        return self.summary.handed_in

    @property
    def passed(self) -> int:
        """Submissions passed after overrides (the home page's figure)."""
        return self.summary.passed

    @property
    def overrides(self) -> int:
        """Overrides in force in this class."""
        return self.summary.overrides

    @property
    def comments(self) -> dict[str, int]:
        """Comments per submission id."""
        return self.summary.comments

    @property
    def comment_total(self) -> int:
        return sum(self.summary.comments.values())

    @cached_property
    def pending_releases(self) -> int:
        """Submissions whose feedback is not yet released as it stands: the release page's
        figure, counted by SQL (grader.classroom.release.release_summary)."""
        with Gradebook(self.served.gradebook) as book:
            return release_summary(book, self.run["id"], self.exercise).pending

    @cached_property
    def review_open(self) -> int:
        """Open items of the review queue, counted by SQL (grader.classroom.book_review)."""
        with Gradebook(self.served.gradebook) as book:
            return book.open_review_items(self.run["id"], self.exercise)

    @property
    def downloads(self) -> list[str]:
        return class_downloads(self.served.out_dir)


@dataclass(frozen=True)
class ClassResults:
    """Every submission of a class decoded, final: what the release zip is made of."""

    exercise: str
    results: list[SubmissionResult]  # final: overrides and late penalty applied, listed order
    notes: dict[str, list[Comment]]  # comments by submission id
    releases: list[Release]  # oldest first

    @cached_property
    def feedback(self) -> dict[str, FeedbackState]:
        """Each submission's feedback: released as it stands, or changed since (or never)."""
        return feedback_states(self.results, self.notes, self.releases)


def class_downloads(out_dir: Path) -> list[str]:
    """The files `grader grade` wrote beside the class that are worth a link."""
    names = ("index.html", "similarity.html", "results.json", "grades.csv", "junit.xml")
    extra = ("canvas.csv", "moodle.csv")
    return [n for n in (*names, *extra) if (out_dir / n).is_file()]


@dataclass(frozen=True)
class ClassHead:
    """What a page of a class needs besides its own figures, read without decoding a row."""

    served: ServedClass
    exercise: str
    title: str
    run: dict[str, Any]  # the latest run's row of the `runs` table

    @property
    def downloads(self) -> list[str]:
        return class_downloads(self.served.out_dir)


def read_head(book: Gradebook, served: ServedClass) -> ClassHead:
    """The class's latest run, from the open gradebook `book` (404 if it has none now)."""
    run_id = book.latest_run(None, str(served.out_dir))
    run = book.run(run_id) if run_id is not None else None
    if run is None:
        raise HTTPException(404, "the gradebook no longer has this class")
    return ClassHead(served, run["exercise"], exercise_title(run["exercise"]), run)


def _stamp(book: Gradebook, run_id: int, exercise: str) -> str:
    """What a page was drawn from: the class's latest run and its human changes. Read before
    the page's data, so a change made while the page is read moves the stamp after it."""
    return f"{run_id}-{book.changes(exercise)}"


def class_stamp(served: ServedClass) -> str:
    """The class's stamp now (a page polls it to tell that it was overtaken)."""
    with Gradebook(served.gradebook) as book:
        run_id = book.latest_run(None, str(served.out_dir))
        if run_id is None:
            return ""
        return _stamp(book, run_id, book.run_exercise(run_id))


def state_key(book: Gradebook, served: ServedClass) -> str:
    """What a class's state depends on, read cheaply: its latest run (and how far and how it
    went: rows land during a grading) and the count of human changes."""
    run_id = book.latest_run(None, str(served.out_dir))
    if run_id is None:
        return ""
    run = book.run(run_id) or {}
    rows = book.scalar("SELECT COUNT(*) FROM class_rows WHERE run_id = ?", (run_id,))
    return f"{run_id}-{rows}-{run.get('status')}-{book.changes(str(run.get('exercise')))}"


T = TypeVar("T")


class PerChange(Generic[T]):
    """Values of each served class kept by the `state_key` they were computed at: computed once
    per change of the class (a run, its rows, a human change), not at every view."""

    def __init__(self) -> None:
        self._known: dict[tuple[Path, Path], tuple[str, T]] = {}
        self._lock = threading.Lock()

    def get(self, served: ServedClass, key: str, compute: Callable[[], T]) -> T:
        where = (served.gradebook, served.out_dir)
        with self._lock:
            known = self._known.get(where)
        if known is not None and key and known[0] == key:
            return known[1]
        value = compute()
        with self._lock:
            self._known[where] = (key, value)
        return value


# The last state read of each class, by what it was read at (`state_key`): SQL figures, cheap
# to count again, but a home page of many classes, or a class page polled during a grading,
# counts each once per change, not once per view.
_STATES: PerChange[ClassState] = PerChange()


def read_class(served: ServedClass) -> ClassState:
    """The class as the gradebook holds it now (counted once per change of the class)."""
    with Gradebook(served.gradebook) as book:
        key = state_key(book, served)
    return _STATES.get(served, key, lambda: _read_class(served))


def _read_class(served: ServedClass) -> ClassState:
    with Gradebook(served.gradebook) as book:
        run_id = book.latest_run(None, str(served.out_dir))
        if run_id is None:
            raise UsageError(f"the gradebook {served.gradebook} no longer has this class")
        run = book.run(run_id)
        assert run is not None
        stamp = _stamp(book, run_id, run["exercise"])
        summary = class_summary(book, run_id, run["exercise"])
    return ClassState(served, run["exercise"], exercise_title(run["exercise"]), run, summary, stamp)


def read_class_results(served: ServedClass) -> ClassResults:
    """Every submission of the class's latest run decoded and finalized, with the comments and
    releases: seconds at 10,000, so only for an action that needs the whole class (a release),
    never for a page."""
    with Gradebook(served.gradebook) as book:
        head = read_head(book, served)
        exercise = head.exercise
        bases = _order(book.class_results(head.run["id"]))
        overrides = book.overrides(exercise)
        comments = book.comments(exercise)
        releases = book.releases(exercise)
    notes: dict[str, list[Comment]] = {}
    for c in comments:
        notes.setdefault(c.submission_id, []).append(c)
    return ClassResults(exercise, [finalize(b, overrides) for b in bases], notes, releases)


def has_submission(served: ServedClass, submission_id: str) -> bool:
    """Whether the class's latest run has a submission (or missing student) of this id."""
    with Gradebook(served.gradebook) as book:
        run_id = book.latest_run(None, str(served.out_dir))
        return run_id is not None and book.has_class_row(run_id, submission_id)


@dataclass(frozen=True)
class Event:
    """One correction in a submission's history: an override set or removed, a comment."""

    at: str
    user: str
    kind: str  # override, removed, comment
    check: str  # the override's check ('' = the score); '' for a comment
    text: str  # what was done, in words


@dataclass(frozen=True)
class SubmissionState:
    """One submission with everything a human did to it."""

    served: ServedClass
    base: SubmissionResult  # automatic (+ roster and lateness), before overrides
    final: SubmissionResult
    overrides: list[dict[str, Any]]  # every override row, removed ones included, oldest first
    comments: list[Comment]
    version: int  # Gradebook.corrections_version: what a form based on this view carries
    stamp: str  # the class's stamp when this was read (class_stamp)

    @property
    def in_force(self) -> list[dict[str, Any]]:
        return [o for o in self.overrides if o["removed_at"] is None]

    @property
    def events(self) -> list[Event]:
        """Every correction, oldest first; there are exactly `version` of them. Times are to the
        second: within one, overrides in id order (an override replaced is removed before its
        successor is set), then comments."""
        found: list[tuple[str, int, int, int, Event]] = []
        for o in self.overrides:
            what = f"check {o['check_id']}" if o["check_id"] else "the score"
            text = (
                f"{what} set to {points(o['score'])} (automatic: {o['auto_status']} "
                f"{points(o['auto_score'])}): {o['reason']}"
            )
            event = Event(o["created_at"], o["user"], "override", o["check_id"], text)
            found.append((o["created_at"], 0, o["id"], 0, event))
            if o["removed_at"]:
                gone = Event(
                    o["removed_at"], o["removed_by"] or "", "removed", o["check_id"],
                    f"removed the override of {what} ({points(o['score'])})",
                )  # fmt: skip
                found.append((o["removed_at"], 0, o["id"], 1, gone))
        for c in self.comments:
            found.append((c.at, 1, c.id, 0, Event(c.at, c.user, "comment", "", c.text)))
        return [event for *_, event in sorted(found, key=lambda f: f[:4])]

    def spec(self) -> ExerciseSpec:
        return load_exercise(self.base.exercise)


def read_submission(served: ServedClass, submission_id: str) -> SubmissionState | None:
    """The submission of the class's latest run with exactly this id; None if there is none."""
    with Gradebook(served.gradebook) as book:
        run_id = book.latest_run(None, str(served.out_dir))
        if run_id is None:
            return None
        base = book.class_result(run_id, submission_id)
        if base is None:
            return None
        stamp = _stamp(book, run_id, base.exercise)
        overrides = book.overrides(base.exercise)
        history = book.override_history(base.exercise, base.id)
        comments = book.comments(base.exercise, base.id)
        version = book.corrections_version(base.exercise, base.id)
    final = finalize(base, overrides)
    return SubmissionState(served, base, final, history, comments, version, stamp)
