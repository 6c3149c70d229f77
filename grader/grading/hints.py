"""The hint catalogue (`hints.toml`): each hint has an id that reports and tests refer to."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOGUE = Path(__file__).with_name("hints.toml")


@dataclass(frozen=True)
class Hint:
    id: str
    text: str
    row: int | None = None  # row of docs/mistakes.md this hint answers


@cache
def catalogue() -> dict[str, Hint]:
    raw = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))
    return {
        key: Hint(id=key, text=value["text"], row=value.get("row")) for key, value in raw.items()
    }


def hint_text(hint_id: str, **values: object) -> str:
    """The hint's text with `{placeholders}` filled in; an unknown id is a programming error."""
    text = catalogue()[hint_id].text
    return fill(text, values) if values else text


def fill(template: str, values: Mapping[str, object]) -> str:
    """A template with the `{placeholders}` it has values for filled in, the others kept."""
    return template.format_map(_Keep(values))


class _Keep(dict[str, object]):
    """Placeholders without a value stay as written (`{threshold}`) rather than failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
