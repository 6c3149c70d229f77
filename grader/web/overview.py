"""A class's overview at any size: one page of rows, filtered and sorted by SQL, with the class's
figures counted by SQL (grader.classroom.book_rows), so a page of a class of 10,000 decodes the
50 rows it shows and nothing else.

    /c/<class>/?status=error&failing=stop_message&sort=score&order=desc&after=<cursor>

Filters: status (graded, error, timeout, missing), result (passed, failed: before overrides),
failing (a check id), late, corrected, released (yes, no), similar (yes: in a pair of
similarity.json). Sorts: id, score, status; order asc or desc. `after`/`before`: the keyset
cursors of the next and previous page, as the page's links carry them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException

from grader.classroom.gradebook import ClassCounts, Gradebook, Page, RowFilter
from grader.classroom.overrides import finalize
from grader.classroom.release import feedback_states
from grader.classroom.similarity import read_similarity
from grader.results import SubmissionResult
from grader.web.classes import PerChange, ServedClass, state_key

PAGE_SIZE = 50
STATUSES = ("graded", "error", "timeout", "missing")
YES_NO = {"yes": True, "no": False}
RESULTS = {"passed": True, "failed": False}
ORDERS = ("asc", "desc")
SORTS = ("id", "score", "status")
FILTERS = ("status", "result", "failing", "late", "corrected", "released", "similar")


@dataclass(frozen=True)
class Overview:
    """What the class page shows of its rows: one page, the class's figures, the filter."""

    run: dict[str, Any]
    counts: ClassCounts  # the whole class
    median: float | None  # of the scores, the missing left out
    page: Page
    finals: list[SubmissionResult]  # the page's rows, overrides applied
    comments: dict[str, int]  # comments per row of the page
    released: dict[str, Any]  # FeedbackState per row of the page
    query: dict[str, str]  # the filter and sort in force (for the links)
    overrides: int  # in force over the class

    def link(self, **changes: str) -> str:
        """This page's URL with `changes` (a filter, the sort, a cursor; '' drops one)."""
        query = {k: v for k, v in {**self.query, **changes}.items() if v}
        return "?" + urlencode(query) if query else "?"

    @property
    def filtered(self) -> bool:
        return any(self.query.get(name) for name in FILTERS)


def _choice(params: QueryParams, name: str, allowed: Any) -> str:
    value = params.get(name, "")
    if value and value not in allowed:
        raise HTTPException(400, f"{name}={value[:40]!r}: expected one of {', '.join(allowed)}")
    return value


def parse_query(params: QueryParams) -> tuple[RowFilter, dict[str, str]]:
    """The filter and sort a URL asks for; a value the page never offers is refused (400)."""
    query = {
        "status": _choice(params, "status", STATUSES),
        "result": _choice(params, "result", RESULTS),
        "failing": params.get("failing", "")[:200],  # a check no row fails: an empty page
        "late": _choice(params, "late", YES_NO),
        "corrected": _choice(params, "corrected", YES_NO),
        "released": _choice(params, "released", YES_NO),
        "similar": _choice(params, "similar", ("yes",)),
        "sort": _choice(params, "sort", SORTS),
        "order": _choice(params, "order", ORDERS),
        "after": params.get("after", "")[:2000],
        "before": params.get("before", "")[:2000],
    }
    where = RowFilter(
        status=query["status"],
        passed=RESULTS.get(query["result"]),
        failing=query["failing"],
        late=YES_NO.get(query["late"]),
        corrected=YES_NO.get(query["corrected"]),
        released=YES_NO.get(query["released"]),
    )
    return where, query


# The whole class's figures, counted by SQL once per change of the class, not at every page.
_FIGURES: PerChange[tuple[ClassCounts, float | None, int]] = PerChange()


def _figures(
    book: Gradebook, served: ServedClass, run_id: int, exercise: str
) -> tuple[ClassCounts, float | None, int]:
    """The class's counts, median score and overrides in force."""
    return _FIGURES.get(
        served,
        state_key(book, served),
        lambda: (
            book.class_counts(run_id, exercise),
            book.median_score(run_id),
            book.overrides_in_force(exercise, run_id),
        ),
    )


def read_overview(served: ServedClass, params: QueryParams) -> Overview:
    where, query = parse_query(params)
    if query["similar"]:
        figures = read_similarity(served.out_dir)
        ids = {sid for a, b, _ in figures.pairs for sid in (a, b)} if figures else set()
        where = RowFilter(**{**where.__dict__, "similar": frozenset(ids)})
    with Gradebook(served.gradebook) as book:
        run_id = book.latest_run(None, str(served.out_dir))
        run = book.run(run_id) if run_id is not None else None
        if run is None:
            raise HTTPException(404, "the gradebook no longer has this class")
        exercise = run["exercise"]
        counts, median, in_force = _figures(book, served, run["id"], exercise)
        try:
            page = book.class_page(
                run["id"], exercise, where, query["sort"] or "id", query["order"] == "desc",
                query["after"], query["before"], PAGE_SIZE,
            )  # fmt: skip
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        ids = [b.id for b in page.bases]
        overrides = book.overrides(exercise, ids)
        comments = book.comments_of(exercise, ids)
        releases = book.releases_of(exercise, ids)
    finals = [finalize(b, overrides) for b in page.bases]
    notes: dict[str, list[Any]] = {}
    for c in comments:
        notes.setdefault(c.submission_id, []).append(c)
    released = feedback_states(finals, notes, releases)
    shown = {k: v for k, v in query.items() if k not in ("after", "before")}
    return Overview(
        run, counts, median, page, finals,
        {sid: len(found) for sid, found in notes.items()}, released, shown, in_force,
    )  # fmt: skip
