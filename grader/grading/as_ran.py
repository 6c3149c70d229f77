"""The submission as it ran: its figures and, for a notebook, each code cell's outputs in order.

Read from the files the child wrote to its record folder (see `grader.grading.harness.plots`), but
only
those its events announced, each checked (a PNG must be a PNG, under the size cap) and the total
capped. The result is plain JSON, kept in `SubmissionResult.as_ran` and rendered by the report:

    {"cells": [{"cell": 3, "execution_count": 2, "failed": false, "cut": false,
                "outputs": [{"kind": "stream", "name": "stdout", "text": "..."},
                            {"kind": "image", "png": "<base64>", "bytes": 20431}]}],
     "plots": [{"cell": null, "line": 12, "png": "<base64>", "bytes": 20431}],   # modules
     "plots_kept": 3, "plots_dropped": 0, "note": ""}
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from grader.grading.harness.plots import MAX_PLOT_BYTES, MAX_PLOTS, PNG_MAGIC

MAX_TOTAL_PLOT_BYTES = 4 * 1024 * 1024  # all figures of one report
MAX_CELL_RECORD_BYTES = 256 * 1024
_SAFE_NAME = re.compile(r"^(plot-\d{3}\.png|cell-\d{4}\.json)$")


class _Budget:
    def __init__(self) -> None:
        self.kept = 0
        self.dropped = 0
        self.bytes = 0

    def take(self, folder: Path, name: Any) -> dict[str, Any] | None:
        """The PNG `name` as a data item, or None (counted as dropped) when it does not fit."""
        if not isinstance(name, str) or not _SAFE_NAME.match(name) or not name.endswith(".png"):
            self.dropped += 1
            return None
        path = folder / name
        try:
            if path.is_symlink() or path.stat().st_size > MAX_PLOT_BYTES:
                raise ValueError
            raw = path.read_bytes()
        except (OSError, ValueError):
            self.dropped += 1
            return None
        too_many = self.kept >= MAX_PLOTS or self.bytes + len(raw) > MAX_TOTAL_PLOT_BYTES
        if not raw.startswith(PNG_MAGIC) or too_many:
            self.dropped += 1
            return None
        self.kept += 1
        self.bytes += len(raw)
        return {"png": base64.b64encode(raw).decode("ascii"), "bytes": len(raw)}


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _cell(folder: Path, name: Any, budget: _Budget) -> dict[str, Any] | None:
    if not isinstance(name, str) or not _SAFE_NAME.match(name) or not name.endswith(".json"):
        return None
    path = folder / name
    try:
        if path.is_symlink() or path.stat().st_size > MAX_CELL_RECORD_BYTES:
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("outputs"), list):
        return None
    outputs: list[dict[str, Any]] = []
    for item in raw["outputs"]:
        if not isinstance(item, dict):
            continue
        kind = item.get("kind")
        if kind in ("stream", "result", "error") and isinstance(item.get("text"), str):
            name_ = item.get("name") if item.get("name") in ("stdout", "stderr") else ""
            outputs.append({"kind": kind, "name": name_, "text": item["text"]})
        elif kind == "image":
            image = budget.take(folder, item.get("file"))
            outputs.append({"kind": "image", **image} if image else {"kind": "dropped"})
        elif kind == "dropped":  # counted from its `plot_dropped` event
            outputs.append({"kind": "dropped"})
    return {
        "cell": _int_or_none(raw.get("cell")),
        "execution_count": _int_or_none(raw.get("execution_count")),
        "failed": raw.get("failed") is True,
        "cut": raw.get("cut") is True,
        "outputs": outputs,
    }


MAX_SOURCE_CHARS = 20_000  # of one cell's code, as shown beside its outputs


def collect(
    folder: Path,
    events: list[dict[str, Any]],
    code_cells: list[tuple[int | None, str]] | None = None,
) -> dict[str, Any]:
    """What the run showed, from the files its events name; {} when it showed nothing.

    `code_cells` (a notebook's code cells, as run) puts each cell's code beside its outputs,
    cells that never ran included (`"ran": false`).
    """
    budget = _Budget()
    cells: list[dict[str, Any]] = []
    plots: list[dict[str, Any]] = []
    # Seconds the run spent drawing and keeping figures, as the child counted them: a notebook
    # kernel (`plot_time`) and the runner or module (the others) each keep a running total.
    spent = {"kernel": 0.0, "runner": 0.0}
    for event in events:
        kind = event.get("type")
        seconds = event.get("capture_s")
        if isinstance(seconds, (int, float)) and 0 <= seconds < 1e6:
            side = "kernel" if kind == "plot_time" else "runner"
            spent[side] = max(spent[side], float(seconds))
        if kind == "cell_output":
            cell = _cell(folder, event.get("file"), budget)
            if cell is not None:
                cells.append(cell)
        elif kind == "plot" and event.get("cell") is None:  # a module's figure
            image = budget.take(folder, event.get("file"))
            if image is not None:
                plots.append({"line": _int_or_none(event.get("line")), **image})
        elif kind == "plot_dropped":
            budget.dropped += 1
    if code_cells:
        cells = _with_sources(cells, code_cells)
    if not cells and not plots and not budget.dropped:
        return {}
    note = ""
    if budget.dropped:
        note = (
            f"{budget.dropped} figure(s) not shown: a report keeps at most {MAX_PLOTS} figures "
            f"of up to {MAX_PLOT_BYTES // 1024} KiB each ({MAX_TOTAL_PLOT_BYTES // 1024**2} MiB "
            "in all)"
        )
    return {
        "cells": cells,
        "plots": plots,
        "plots_kept": budget.kept,
        "plots_dropped": budget.dropped,
        "note": note,
        "capture_s": round(sum(spent.values()), 4),
    }


def _with_sources(
    records: list[dict[str, Any]], code_cells: list[tuple[int | None, str]]
) -> list[dict[str, Any]]:
    by_number = {record["cell"]: record for record in records}
    cells = []
    for number, source in code_cells:
        if not source.strip():
            continue
        record = by_number.get(number)
        shown = source if len(source) <= MAX_SOURCE_CHARS else source[:MAX_SOURCE_CHARS] + "\n…"
        if record is None:
            record = {"cell": number, "execution_count": None, "failed": False, "cut": False,
                      "outputs": [], "ran": False}  # fmt: skip
        cells.append({**record, "ran": record.get("ran", True), "source": shown})
    return cells
