"""The child's record of what a submission showed: its figures (PNG) and, for a notebook, each
cell's outputs in order, written as files to `$GRADER_RECORD_DIR` and announced as events.

Files, not event lines: a PNG is far larger than one atomic FIFO write. Each file is written
when its figure or cell is done, so a run cut by the time limit still shows what it drew. The
grader reads only the files the events name, checks them, and caps what it keeps.

Modules draw with the `grader.grading.harness.mpl_backend` backend (Agg underneath), whose `show()`
lands here; a notebook kernel uses matplotlib's inline backend and the runner records the
cells' outputs as nbclient collected them.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from grader.grading.harness.events import emit

MAX_PLOTS = 24  # figures kept per run; more are counted, not kept
MAX_PLOT_BYTES = 512 * 1024  # one PNG
MAX_CELL_TEXT = 20_000  # characters of one cell's text outputs
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Record:
    def __init__(self) -> None:
        self.plots = 0
        self.dropped = 0
        self.source_file = ""  # the module's file name, to place a figure on its line
        self.seconds = 0.0  # spent drawing and keeping figures: what capture costs this run


RECORD = _Record()


def enabled() -> bool:
    return os.environ.get("GRADER_PLOTS", "1") != "0" and bool(os.environ.get("GRADER_RECORD_DIR"))


def _directory() -> Path | None:
    folder = os.environ.get("GRADER_RECORD_DIR")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_png(png: bytes, cell: int | None, line: int | None) -> str | None:
    """Keep one figure as a file; None when over the caps (then it is only counted)."""
    folder = _directory()
    if folder is None or not png.startswith(PNG_MAGIC):
        return None
    if RECORD.plots >= MAX_PLOTS or len(png) > MAX_PLOT_BYTES:
        RECORD.dropped += 1
        reason = "count" if RECORD.plots >= MAX_PLOTS else "size"
        emit("plot_dropped", cell=cell, line=line, bytes=len(png), reason=reason)
        return None
    RECORD.plots += 1
    name = f"plot-{RECORD.plots:03d}.png"
    (folder / name).write_bytes(png)
    emit("plot", file=name, cell=cell, line=line, bytes=len(png), capture_s=_spent())
    return name


def _spent() -> float:
    return round(RECORD.seconds, 4)


# -- modules: figures at plt.show() and at the end ---------------------------------------------


def _student_line() -> int | None:
    frame = sys._getframe(1)
    while frame is not None:
        if RECORD.source_file and frame.f_code.co_filename == RECORD.source_file:
            return frame.f_lineno
        frame = frame.f_back
    return None


def capture_open_figures(line: int | None = None) -> None:
    """Save every open figure as PNG, then close it (what `plt.show()` does in a module)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    where = line if line is not None else _student_line()
    for number in pyplot.get_fignums():
        figure = pyplot.figure(number)
        if enabled() and RECORD.plots >= MAX_PLOTS:  # over the cap: counted, never drawn
            RECORD.dropped += 1
            emit("plot_dropped", cell=None, line=where, bytes=0, reason="count")
        elif enabled():
            import io

            buffer = io.BytesIO()
            started = time.perf_counter()
            try:
                figure.savefig(buffer, format="png", dpi=72, bbox_inches="tight")
            except Exception as exc:  # a figure that cannot be drawn: say so, keep going
                emit("plot_dropped", cell=None, line=where, bytes=0, reason=f"error: {exc}")
            else:
                RECORD.seconds += time.perf_counter() - started
                save_png(buffer.getvalue(), None, where)
    pyplot.close("all")


# -- notebooks: each cell's outputs, as the kernel sent them -----------------------------------


def inline_only(shell: Any) -> None:
    """`%matplotlib notebook`, `widget`, `qt`...: drawn inline, the only backend without a screen
    or a browser (`%matplotlib inline` itself is unchanged)."""
    if not enabled():
        return
    original = shell.enable_matplotlib

    def enable_matplotlib(gui: str | None = None) -> Any:
        return original("inline")

    shell.enable_matplotlib = enable_matplotlib
    _time_figure_formatting(shell)


def _time_figure_formatting(shell: Any) -> None:
    """Count the time the kernel spends turning figures into PNG outputs (capture's cost)."""
    formatter = shell.display_formatter
    original = formatter.format

    def format(obj: Any, *args: Any, **kwargs: Any) -> Any:
        if type(obj).__name__ != "Figure":
            return original(obj, *args, **kwargs)
        started = time.perf_counter()
        try:
            return original(obj, *args, **kwargs)
        finally:
            RECORD.seconds += time.perf_counter() - started
            emit("plot_time", capture_s=_spent())

    formatter.format = format


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _cell_outputs(cell_number: int, outputs: list[dict[str, Any]]) -> tuple[list[dict], bool]:
    items: list[dict[str, Any]] = []
    chars, cut = 0, False

    def add_text(kind: str, text: str, name: str = "") -> None:
        nonlocal chars, cut
        room = MAX_CELL_TEXT - chars
        if room <= 0:
            cut = True
            return
        if len(text) > room:
            text, cut = text[:room], True
        chars += len(text)
        if items and items[-1]["kind"] == kind == "stream" and items[-1]["name"] == name:
            items[-1]["text"] += text  # consecutive writes to one stream read as one block
        else:
            items.append({"kind": kind, "name": name, "text": text})

    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            add_text("stream", _text(output.get("text")), str(output.get("name", "stdout")))
        elif kind in ("display_data", "execute_result"):
            data = output.get("data") or {}
            png = data.get("image/png")
            if png and enabled():
                try:
                    raw = base64.b64decode(_text(png))
                except ValueError:
                    raw = b""
                name = save_png(raw, cell_number, None)
                items.append({"kind": "image", "file": name} if name else {"kind": "dropped"})
            elif "text/markdown" in data:
                add_text("result", _text(data["text/markdown"]))  # its source, as text
            elif "text/plain" in data:
                plain = _text(data["text/plain"])
                if plain.startswith("<IPython.core.display.") and len(data) > 1:
                    kinds = ", ".join(sorted(k for k in data if k != "text/plain"))
                    plain = f"[rich output ({kinds}): not shown in the report]"
                add_text("result", plain)
        elif kind == "error":
            add_text("error", f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")
    return items, cut


def record_cell(index: int, execution_count: int, cell: dict[str, Any], failed: bool) -> None:
    """Write one executed cell's outputs (text and figures, in order) for the report."""
    folder = _directory()
    if folder is None:
        return
    number = index + 1
    started = time.perf_counter()
    items, cut = _cell_outputs(number, list(cell.get("outputs", [])))
    record = {
        "cell": number,
        "execution_count": execution_count,
        "outputs": items,
        "cut": cut,
        "failed": failed,
    }
    name = f"cell-{number:04d}.json"
    (folder / name).write_text(json.dumps(record, ensure_ascii=True))
    RECORD.seconds += time.perf_counter() - started
    emit("cell_output", cell=number, file=name, capture_s=_spent())
