"""The finding type every static rule returns: a hint, the student's line, the check it explains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

FindingKind = Literal["mistake", "note"]


@dataclass(frozen=True)
class Finding:
    """One mistake (or, for `kind="note"`, an accepted variant worth a remark) in the code."""

    hint_id: str
    check: str  # the check whose verdict this finding explains
    cell: int | None  # 1-based among all notebook cells; None for a module
    line: int  # 1-based within the cell (or module)
    text: str  # the student's line, as written
    kind: FindingKind = "mistake"
    also: tuple[str, ...] = ()  # other checks whose generic verdict it can explain
    values: tuple[tuple[str, str], ...] = ()  # the hint's {placeholders}, e.g. the import line

    def explains(self, check_id: str) -> bool:
        return check_id == self.check or check_id in self.also

    def label(self) -> str:
        return (
            f"cell {self.cell}, line {self.line}" if self.cell is not None else f"line {self.line}"
        )

    def describe(self) -> str:
        return f"{self.label()}: `{self.text.strip()}`"

    def to_dict(self) -> dict[str, Any]:
        return {
            "hint_id": self.hint_id,
            "check": self.check,
            "cell": self.cell,
            "line": self.line,
            "text": self.text,
            "kind": self.kind,
        }
