"""The report's panels for two checks: the architecture side by side with the expected layers,
and the stop message compared character by character."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from grader.formatting import status_mark
from grader.report.text import MESSAGE_LIMIT, Segment, char_diff_segments
from grader.report.text import shorten as shorten_text
from grader.results import CheckResult, SubmissionResult
from grader.spec.exercise import ExerciseSpec
from grader.spec.pattern import LayerPattern


def _check(result: SubmissionResult, check_id: str) -> CheckResult | None:
    return next((c for c in result.checks if c.id == check_id), None)


# -- architecture -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerView:
    type: str
    units: str
    activation: str
    output_shape: str


@dataclass
class ArchRow:
    expected: LayerView | None
    student: LayerView | None
    state: str  # same, differs, missing, extra
    notes: list[str] = field(default_factory=list)
    diff: set[str] = field(
        default_factory=set
    )  # fields that differ: type, units, activation, shape

    @property
    def icon(self) -> str:
        return {"same": "✓", "differs": "≠", "missing": "−", "extra": "+"}[self.state]

    @property
    def word(self) -> str:
        return {
            "same": "as expected",
            "differs": "differs",
            "missing": "missing",
            "extra": "extra",
        }[self.state]


@dataclass
class ArchitectureView:
    status: str
    icon: str
    word: str
    message: str
    rows: list[ArchRow]
    expected_text: str
    compile: dict[str, Any]
    has_model: bool


def _shape(shape: Any) -> str:
    if not shape:
        return "?"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _student_layer(layer: Mapping[str, Any]) -> LayerView:
    units = layer.get("units")
    return LayerView(
        str(layer.get("class", "?")),
        "" if units is None else str(units),
        str(layer.get("activation") or ""),
        _shape(layer.get("output_shape")),
    )


_DIFF_NAMES = {
    "class": "type",
    "units": "units",
    "activation": "activation",
    "output_shape": "shape",
}


def _expected_layer(want: Mapping[str, Any]) -> LayerView:
    units = want.get("units")
    shape = want.get("output_shape")
    is_dense = want.get("class") == "Dense"
    return LayerView(
        str(want.get("class", "?")),
        ("any" if is_dense else "") if units is None else str(units),
        str(want.get("activation") or ""),
        _shape(shape) if shape else ("(None, n)" if is_dense else ""),
    )


def _row_notes(row: Mapping[str, Any], from_logits: bool) -> list[str]:
    """Plain words for what the check's comparison row says differs."""
    want, got, differs = row.get("expected"), row.get("got"), row.get("differs") or []
    role = row.get("role")
    if got is None and want is not None:
        if want.get("class") == "Flatten":
            return ["no Flatten before the first Dense layer"]
        return [f"no {_describe_row(want)} layer"]
    if want is None:
        if not row.get("match"):
            if "output_shape" in differs:
                return ["more than one row per image: the input was never flattened"]
            return ["not part of the asked model"]
        return ["extra hidden layer (allowed)" if got.get("class") == "Dense" else "allowed"]
    notes = []
    if role == "input" and "output_shape" in differs:
        notes.append(f"expected input {_shape(want.get('output_shape'))}")
    if "units" in differs:
        extra = ", one per class" if role == "output" else ""
        notes.append(f"expected {want.get('units')} units{extra}")
    act = got.get("activation")
    if role == "output" and want.get("activation") == "softmax":
        if act == "linear" and from_logits and "activation" not in differs:
            notes.append("outputs logits, with from_logits=True in the loss: fine")
        elif "activation" in differs:
            notes.append(
                "outputs logits but the loss expects probabilities"
                if act == "linear"
                else "expected softmax (or logits with from_logits=True)"
            )
    elif "activation" in differs:
        notes.append(f"expected activation {want.get('activation')}")
    if "output_shape" in differs and len(got.get("output_shape") or ()) > 2:
        notes.append("more than one row per image: the input was never flattened")
    return notes


def _describe_row(row: Mapping[str, Any]) -> str:
    args = [str(row[k]) for k in ("units", "activation") if row.get(k) is not None]
    return f"{row.get('class')}({', '.join(args)})" if args else str(row.get("class"))


def architecture_view(result: SubmissionResult, spec: ExerciseSpec) -> ArchitectureView | None:
    """The architecture check's own comparison (`details["comparison"]`), laid out: one row per
    layer of the model or missing layer of the pattern; nothing is compared again here."""
    check = _check(result, "architecture")
    if check is None:
        return None
    layers: list[dict[str, Any]] = list(check.details.get("layers") or [])
    from_logits = bool((result.training or {}).get("compile", {}).get("from_logits"))
    comparison: list[dict[str, Any]] = list(check.details.get("comparison") or [])
    rows: list[ArchRow] = []
    for item in comparison:
        if item.get("role") == "input" and item.get("match"):
            continue  # the input is shown only when it differs
        want, got = item.get("expected"), item.get("got")
        diff = {_DIFF_NAMES.get(d, d) for d in item.get("differs") or []}
        if got is None:
            state = "missing"
        elif want is None:
            state = "extra" if item.get("match") else "differs"
        else:
            state = "same" if item.get("match") else "differs"
        rows.append(
            ArchRow(
                _expected_layer(want) if want else None,
                _student_layer(got) if got else None,
                state,
                _row_notes(item, from_logits),
                diff if got is not None else {"type"},
            )
        )
    if not comparison:
        # Nothing was compared (no model could be read): the pattern alone, as asked.
        rows = [
            ArchRow(_expected_layer(_pattern_row(p)), None, "missing", [])
            for p in spec.architecture.layers
        ]
    icon, word = status_mark(check.status)
    compile_info = dict((result.training or {}).get("compile") or {})
    return ArchitectureView(
        check.status,
        icon,
        word,
        shorten_text(check.message, MESSAGE_LIMIT)[0],
        rows,
        str(check.details.get("expected", "")),
        compile_info,
        bool(layers),
    )


def _pattern_row(item: LayerPattern) -> dict[str, Any]:
    return {
        "class": item.type,
        "units": None if item.units == "any" else item.units,
        "activation": None if item.activation == "any" else item.activation,
        "output_shape": None,
    }


# -- stop message -----------------------------------------------------------------------------


@dataclass
class StopMessageView:
    status: str
    icon: str
    word: str
    message: str
    expected: str
    printed: str | None
    state: str  # exact, near_miss, elsewhere, missing, not_checked
    expected_segments: list[Segment]
    printed_segments: list[Segment]
    epoch: int | None


def stop_message_view(result: SubmissionResult, spec: ExerciseSpec) -> StopMessageView | None:
    check = _check(result, "stop_message")
    if check is None and not spec.stop_message:
        return None
    details = check.details if check else {}
    expected = str(details.get("expected") or spec.stop_message or "")
    printed = details.get("printed")
    printed = None if printed is None else str(printed)
    status = check.status if check else "skip"
    if status == "skip" or check is None:
        state = "not_checked"
    elif status == "pass":
        state = "exact"
    elif printed is not None and printed != expected:
        state = "near_miss"
    elif printed is not None:
        state = "elsewhere"
    else:
        state = "missing"
    left, right = ([], [])
    if state == "near_miss" and printed is not None:
        left, right = char_diff_segments(expected, printed)
    icon, word = status_mark(status)
    epoch = details.get("epoch")
    return StopMessageView(
        status,
        icon,
        word,
        check.message if check else "",
        expected,
        printed,
        state,
        left,
        right,
        int(epoch) if isinstance(epoch, int) else None,
    )
