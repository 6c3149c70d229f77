"""Item analysis of a class (GET): each check across the submissions, the class's training
curves as a band with one student's curve over it (chosen with a select box: a GET parameter,
no script), and how long each grading took. The figures are grader.classroom.item_analysis's;
the charts are inline SVG from grader.report.band_chart's geometry.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from grader.classroom.item_analysis import (
    accuracy_curve,
    check_stats,
    duration_stats,
    handed_in,
    training_band,
)
from grader.errors import GraderError
from grader.report.band_chart import band_chart, duration_strip
from grader.spec.exercise import load_exercise
from grader.web.classes import ClassState, read_class
from grader.web.pages import common
from grader.web.render import page
from grader.web.state import workbench


def _threshold(exercise: str) -> float | None:
    try:
        return load_exercise(exercise).accuracy_threshold
    except (GraderError, OSError):
        return None


@dataclass(frozen=True)
class ClassFigures:
    """The analysis of the whole class (the same for every student chosen)."""

    handed: int
    curves: dict[str, Any]  # id -> its accuracy curve
    trained: list[str]
    bands: list[Any]
    durations: Any
    strip: Any
    stats: Any


# The figures of each class's current state (read_class returns the same object until the class
# changes): a class of 10,000 is analysed once per change, not at every view.
_FIGURES: dict[Path, tuple[ClassState, ClassFigures]] = {}
_FIGURES_LOCK = threading.Lock()


def class_figures(state: ClassState) -> ClassFigures:
    with _FIGURES_LOCK:
        known = _FIGURES.get(state.served.out_dir)
    if known is not None and known[0] is state:
        return known[1]
    handed = handed_in(state.bases)
    curves = {r.id: accuracy_curve(r) for r in handed}
    durations = duration_stats(state.bases)
    strip = None
    if durations is not None:
        quartiles = (durations.q1, durations.median, durations.q3)
        strip = duration_strip([(r.id, r.duration_s) for r in handed], quartiles)
    figures = ClassFigures(
        len(handed), curves, [sid for sid, curve in curves.items() if curve],
        training_band(state.bases), durations, strip, check_stats(state.bases),
    )  # fmt: skip
    with _FIGURES_LOCK:
        _FIGURES[state.served.out_dir] = (state, figures)
    return figures


def analysis_page(request: Request) -> HTMLResponse:
    state = read_class(workbench(request).served(request.path_params["slug"]))
    asked = request.query_params.getlist("student")
    if len(asked) > 1:
        raise HTTPException(400, "the parameter 'student' was sent more than once")
    chosen = asked[0] if asked else ""
    f = class_figures(state)
    if chosen and chosen not in f.curves:
        raise HTTPException(404, "no such submission in this class's latest run")
    chart = band_chart(
        [(b.epoch, b.q1, b.median, b.q3) for b in f.bands],
        f.curves.get(chosen, []),
        _threshold(state.exercise),
        chosen,
    )
    return HTMLResponse(
        page(
            "wb_analysis.html.j2",
            state=state,
            stats=f.stats,
            bands=f.bands,
            chart=chart,
            chosen=chosen,
            chosen_untrained=bool(chosen) and not f.curves.get(chosen),
            trained=f.trained,
            durations=f.durations,
            strip=f.strip,
            handed=f.handed,
            **common(request),
        )
    )
