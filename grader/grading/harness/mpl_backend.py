"""matplotlib backend for modules run by the grader: Agg drawing, `plt.show()` never blocks.

Selected with `MPLBACKEND=module://grader.grading.harness.mpl_backend`; `show()` hands the open
figures to `grader.grading.harness.plots`, which keeps them as PNG for the report.
"""

from __future__ import annotations

from typing import Any

from matplotlib.backend_bases import FigureManagerBase, _Backend
from matplotlib.backends.backend_agg import FigureCanvasAgg

from grader.grading.harness import plots


@_Backend.export
class _BackendGrader(_Backend):
    FigureCanvas = FigureCanvasAgg
    FigureManager = FigureManagerBase
    mainloop = None

    @staticmethod
    def show(*args: Any, **kwargs: Any) -> None:
        plots.capture_open_figures()
