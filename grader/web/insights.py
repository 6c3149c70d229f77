"""Item analysis of a class (GET): each check across the submissions, the class's training
curves as a band with one student's curve over it (chosen with a select box, or a search box
with suggestions in a large class: a GET parameter, no script), and how long each grading took.
The figures are computed by SQL (grader.classroom.book_analysis), once per change of the class;
the chosen student's curve by one indexed query; the charts are inline SVG from
grader.report.band_chart's geometry.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from grader.classroom.gradebook import Gradebook
from grader.classroom.item_analysis import CheckStats, DurationStats, EpochBand
from grader.errors import GraderError
from grader.report.band_chart import StripChart, band_chart, duration_strip
from grader.spec.exercise import load_exercise
from grader.web.classes import PerChange, ServedClass, read_head, state_key
from grader.web.pages import common
from grader.web.render import page
from grader.web.state import workbench

LISTED = 500  # submissions offered in the select box; beyond, a search box suggests these
DOTS = 2_000  # the grading-time strip draws about this many dots at most (a sample beyond)


def _threshold(exercise: str) -> float | None:
    try:
        return load_exercise(exercise).accuracy_threshold
    except (GraderError, OSError):
        return None


@dataclass(frozen=True)
class ClassFigures:
    """The analysis of the whole class (the same for every student chosen)."""

    handed: int
    trained: list[str]  # the first LISTED submissions (by id) that logged a training accuracy
    many: bool  # more than LISTED did: a search box suggests the first ones
    bands: list[EpochBand]
    durations: DurationStats | None
    strip: StripChart | None
    stats: list[CheckStats]


# The figures of each class, kept until the class changes (a run, its rows, a human change).
_FIGURES: PerChange[ClassFigures] = PerChange()


def class_figures(book: Gradebook, served: ServedClass, run_id: int) -> ClassFigures:
    def compute() -> ClassFigures:
        durations = book.duration_stats(run_id)
        strip = None
        if durations is not None:
            dots = dict(book.durations(run_id, DOTS)) | dict(durations.slowest)
            quartiles = (durations.q1, durations.median, durations.q3)
            strip = duration_strip(list(dots.items()), quartiles)
        trained = book.trained(run_id, LISTED + 1)
        return ClassFigures(
            book.handed_in(run_id), trained[:LISTED], len(trained) > LISTED,
            book.training_band(run_id), durations,
            strip, book.check_stats(run_id),
        )  # fmt: skip

    return _FIGURES.get(served, state_key(book, served), compute)


def analysis_page(request: Request) -> HTMLResponse:
    served = workbench(request).served(request.path_params["slug"])
    asked = request.query_params.getlist("student")
    if len(asked) > 1:
        raise HTTPException(400, "the parameter 'student' was sent more than once")
    chosen = asked[0][:400] if asked else ""
    with Gradebook(served.gradebook) as book:
        head = read_head(book, served)
        run_id = head.run["id"]
        f = class_figures(book, served, run_id)
        curve: list[tuple[int, float]] = []
        if chosen:
            status = book.scalar(
                "SELECT status FROM class_rows WHERE run_id = ? AND submission_id = ?",
                (run_id, chosen),
            )
            if status is None or status == "missing":
                raise HTTPException(404, "no such submission in this class's latest run")
            curve = book.accuracy_curve(run_id, chosen)
    chart = band_chart(
        [(b.epoch, b.q1, b.median, b.q3) for b in f.bands], curve, _threshold(head.exercise), chosen
    )
    return HTMLResponse(
        page(
            "wb_analysis.html.j2",
            state=head,
            stats=f.stats,
            bands=f.bands,
            chart=chart,
            chosen=chosen,
            chosen_untrained=bool(chosen) and not curve,
            trained=f.trained,
            many=f.many,
            durations=f.durations,
            strip=f.strip,
            handed=f.handed,
            **common(request),
        )
    )
