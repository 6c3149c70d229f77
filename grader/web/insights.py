"""Item analysis of a class (GET): each check across the submissions, the class's training
curves as a band with one student's curve over it (chosen with a select box: a GET parameter,
no script), and how long each grading took. The figures are grader.classroom.item_analysis's;
the charts are inline SVG from grader.report.band_chart's geometry.
"""

from __future__ import annotations

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
from grader.web.classes import read_class
from grader.web.pages import common
from grader.web.render import page
from grader.web.state import workbench


def _threshold(exercise: str) -> float | None:
    try:
        return load_exercise(exercise).accuracy_threshold
    except (GraderError, OSError):
        return None


def analysis_page(request: Request) -> HTMLResponse:
    state = read_class(workbench(request).served(request.path_params["slug"]))
    asked = request.query_params.getlist("student")
    if len(asked) > 1:
        raise HTTPException(400, "the parameter 'student' was sent more than once")
    chosen = asked[0] if asked else ""
    handed = handed_in(state.bases)
    curves = {r.id: accuracy_curve(r) for r in handed}
    trained = [sid for sid, curve in curves.items() if curve]
    if chosen and chosen not in curves:
        raise HTTPException(404, "no such submission in this class's latest run")
    bands = training_band(state.bases)
    chart = band_chart(
        [(b.epoch, b.q1, b.median, b.q3) for b in bands],
        curves.get(chosen, []),
        _threshold(state.exercise),
        chosen,
    )
    durations = duration_stats(state.bases)
    strip = None
    if durations is not None:
        quartiles = (durations.q1, durations.median, durations.q3)
        strip = duration_strip([(r.id, r.duration_s) for r in handed], quartiles)
    return HTMLResponse(
        page(
            "wb_analysis.html.j2",
            state=state,
            stats=check_stats(state.bases),
            bands=bands,
            chart=chart,
            chosen=chosen,
            chosen_untrained=bool(chosen) and not curves.get(chosen),
            trained=trained,
            durations=durations,
            strip=strip,
            handed=len(handed),
            **common(request),
        )
    )
