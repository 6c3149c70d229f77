"""The submission as it ran, for the report: a notebook's cells with their outputs and figures in
order (the failing cell marked), a module's figures with the line that drew them, and the
captured output without the grader's own start-up noise.

Everything comes from `SubmissionResult.as_ran` and `.output` (see `grader.grading.as_ran`);
nothing is
re-measured. Figures are `data:` URIs, which the report's CSP (`img-src data:`) allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.report.noise import split_noise
from grader.report.text import CutText, cut_middle, replay_terminal
from grader.results import SubmissionResult


@dataclass
class OutputBlock:
    kind: str  # text | stderr | error | image | dropped
    text: CutText | None = None
    src: str = ""  # data: URI of a figure
    alt: str = ""


@dataclass
class CellView:
    number: int | None
    execution_count: int | None
    source: list[tuple[int, str, bool]]  # (line, text, the line that raised)
    state: str  # ran | failed | stopped (running at the time limit) | not-run
    outputs: list[OutputBlock]
    cut: bool
    noise_lines: int

    @property
    def anchor(self) -> str:
        return f"cell-{self.number}"


@dataclass
class FigureView:
    src: str
    label: str


@dataclass
class AsRanView:
    kind: str  # notebook | module
    cells: list[CellView] = field(default_factory=list)
    figures: list[FigureView] = field(default_factory=list)
    note: str = ""
    failing_cell: int | None = None

    @property
    def failing_anchor(self) -> str:
        return f"cell-{self.failing_cell}" if self.failing_cell is not None else ""


def _data_uri(item: dict[str, Any]) -> str:
    png = item.get("png")
    return f"data:image/png;base64,{png}" if isinstance(png, str) and png else ""


def _blocks(cell: dict[str, Any], number: int | None) -> tuple[list[OutputBlock], int]:
    blocks: list[OutputBlock] = []
    noise = 0
    figure = 0
    for item in cell.get("outputs", []):
        kind = item.get("kind")
        if kind in ("stream", "result", "error"):
            text, removed = split_noise(str(item.get("text", "")))
            noise += removed
            text = replay_terminal(text).strip("\n")
            if not text:
                continue
            shown = "stderr" if item.get("name") == "stderr" else "text"
            blocks.append(OutputBlock("error" if kind == "error" else shown, cut_middle(text)))
        elif kind == "image" and _data_uri(item):
            figure += 1
            blocks.append(
                OutputBlock("image", src=_data_uri(item), alt=f"figure {figure} of cell {number}")
            )
        elif kind == "dropped":
            blocks.append(OutputBlock("dropped"))
    return blocks, noise


def _failing_cell(result: SubmissionResult, cells: list[dict[str, Any]]) -> int | None:
    if result.error_location is not None and result.error_location.cell is not None:
        return result.error_location.cell
    failed = [c.get("cell") for c in cells if c.get("failed")]
    return failed[0] if failed else None


def as_ran_view(result: SubmissionResult) -> AsRanView | None:
    record = result.as_ran or {}
    if not record:
        return None
    note = str(record.get("note", ""))
    if record.get("cells"):
        failing = _failing_cell(result, record["cells"])
        views = []
        stopped_seen = result.status != "timeout"
        for cell in record["cells"]:
            number = cell.get("cell")
            blocks, noise = _blocks(cell, number)
            error_line = (
                result.error_location.line
                if result.error_location is not None and number == failing
                else None
            )
            source = [
                (n, text, n == error_line)
                for n, text in enumerate(str(cell.get("source", "")).split("\n"), start=1)
            ]
            if number == failing or cell.get("failed"):  # every cell that raised, where it stood
                state = "failed"
                if not any(b.kind == "error" for b in blocks) and result.error:
                    blocks.append(OutputBlock("error", cut_middle(result.error)))
            elif cell.get("ran", True):
                state = "ran"
            elif not stopped_seen:
                state, stopped_seen = "stopped", True  # the cell the time limit interrupted
            else:
                state = "not-run"
            views.append(
                CellView(
                    number,
                    cell.get("execution_count"),
                    source,
                    state,
                    blocks,
                    bool(cell.get("cut")),
                    noise,
                )
            )
        return AsRanView("notebook", cells=views, note=note, failing_cell=failing)
    figures = []
    for plot in record.get("plots", []):
        src = _data_uri(plot)
        if not src:
            continue
        line = plot.get("line")
        label = (
            f"drawn at line {line} (plt.show())"
            if line is not None
            else "drawn but never shown: kept at the end"
        )
        figures.append(FigureView(src, label))
    if not figures and not note:
        return None
    return AsRanView("module", figures=figures, note=note)


@dataclass
class CleanOutput:
    text: str  # the output without start-up noise
    noise_lines: int


def clean_output(result: SubmissionResult) -> CleanOutput:
    text, removed = split_noise(result.output)
    return CleanOutput(text, removed)
